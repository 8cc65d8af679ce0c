import assert from "node:assert/strict";
import { describeFailures, inputsFromFlags, integerFlag, parseFlags, TARGET_FLAGS, UsageError } from "../../provider/cli/args";
import { splitWords } from "../../provider/cli/shell-words";

const NOW = new Date("2025-06-01T00:00:00Z");

describe("cli args", () => {
    it("parses the target flags into ClusterCert inputs", () => {
        const flags = parseFlags(
            ["--cluster-id", "c-1", "--project-id", "p1", "--region", "eu-west-0", "--endpoint", "https://127.0.0.1:8443", "--duration", "30", "--context", "external", "--legacy-api", "--max-retries=2", "--timeout-seconds", "9"],
            TARGET_FLAGS,
        );
        assert.deepEqual(inputsFromFlags(flags, NOW), {
            clusterId: "c-1", projectId: "p1", region: "eu-west-0", endpoint: "https://127.0.0.1:8443", duration: 30, context: "external",
            legacyApi: true, maxRetries: 2, timeoutSeconds: 9,
        });
    });
    it("reads a negative number after a string flag as its value", () => {
        assert.equal(integerFlag(parseFlags(["--duration", "-1", "--cluster-id", "c"], TARGET_FLAGS), "duration"), -1);
        assert.equal(integerFlag(parseFlags(["--duration=-1"], TARGET_FLAGS), "duration"), -1);
    });
    it("rejects unknown, repeated, valueless and positional arguments as usage errors", () => {
        assert.throws(() => parseFlags(["--cluster-id", "c", "--secret-key", "x"], TARGET_FLAGS), (e: Error) => e instanceof UsageError && /--secret-key/.test(e.message));
        assert.throws(() => parseFlags(["--cluster-id", "a", "--cluster-id", "b"], TARGET_FLAGS), /more than once/);
        assert.throws(() => parseFlags(["--cluster-id"], TARGET_FLAGS), UsageError);
        assert.throws(() => parseFlags(["extra"], TARGET_FLAGS), UsageError);
    });
    it("validates with the provider's rules and names the flags", () => {
        const bad = (argv: string[]) => () => inputsFromFlags(parseFlags(argv, TARGET_FLAGS), NOW);
        assert.throws(bad([]), (e: Error) => e instanceof UsageError && /^--cluster-id: clusterId is required/.test(e.message));
        assert.throws(bad(["--cluster-id", "a/b"]), /--cluster-id: .*not a valid id/);
        assert.throws(bad(["--cluster-id", "c", "--duration", "0"]), /--duration: duration must be -1/);
        assert.throws(bad(["--cluster-id", "c", "--duration", "1.5"]), /--duration must be a whole number/);
        assert.throws(bad(["--cluster-id", "c", "--context", "public"]), /--context: context must be "internal" or "external"/);
        assert.throws(bad(["--cluster-id", "c", "--endpoint", "http://cce.example.com"]), /--endpoint: endpoint must use https/);
        assert.throws(bad(["--cluster-id", "c", "--expires-at", "2025-06-01T00:05:00Z"]), /--expires-at: expiresAt must be between 15 minutes and 5 years/);
        assert.throws(bad(["--cluster-id", "c", "--expires-at", "2026-01-01", "--duration", "3"]), /give either duration or expiresAt/);
        assert.throws(bad(["--cluster-id", "c", "--region", ""]), /--region must not be empty/);
        assert.equal(inputsFromFlags(parseFlags(["--cluster-id", "c", "--expires-at", "2026-01-01"], TARGET_FLAGS), NOW).expiresAt, "2026-01-01");
    });
    it("describes failures by flag name", () => {
        assert.equal(describeFailures([{ property: "iamEndpoint", reason: "bad" }, { property: "other", reason: "x" }]), "--iam-endpoint: bad; other: x");
    });
});

describe("splitWords", () => {
    it("splits like a shell without expansion", () => {
        assert.deepEqual(splitWords("node /abs/dist/provider/cli/main.js"), ["node", "/abs/dist/provider/cli/main.js"]);
        assert.deepEqual(splitWords(`node "/opt/my tools/main.js" 'a b' c\\ d ""`), ["node", "/opt/my tools/main.js", "a b", "c d", ""]);
        assert.deepEqual(splitWords(`  cce-clustercert  `), ["cce-clustercert"]);
        assert.deepEqual(splitWords(`"say \\"hi\\" \\$HOME"`), [`say "hi" $HOME`]);
    });
    it("rejects empty commands and open quotes", () => {
        assert.throws(() => splitWords("   "), UsageError);
        assert.throws(() => splitWords(`node "main.js`), /unterminated/);
    });
});
