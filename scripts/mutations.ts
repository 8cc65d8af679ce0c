/**
 * `npm run test:mutations`: applies named mutations to `provider/` one at a time — each a small,
 * plausible bug — rebuilds, runs the tests that should catch it, restores the file, and reports
 * which mutations were killed (some test failed) and which survived. The tree is restored after
 * each mutation and on interruption; a mutation whose text is not found exactly once is reported
 * as stale, never applied. With `--record`, the result table replaces the section between the
 * mutation markers of docs/testing.md. `--only NAME[,NAME]` runs a subset.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

export interface Mutation {
    name: string;
    /** What a user would suffer from this bug. */
    why: string;
    file: string;
    find: string;
    replace: string;
    /** Test files (relative to the root) that must catch it. */
    tests: string[];
}

export const MUTATIONS: readonly Mutation[] = [
    {
        name: "canonical-uri-without-trailing-slash",
        why: "every AK/SK request is refused (the gateway signs the path with a trailing /)",
        file: "provider/huaweicloud/canonical.ts",
        find: 'return uri.endsWith("/") ? uri : uri + "/";',
        replace: "return uri;",
        tests: ["test/unit/signer-vectors.test.ts", "test/engine/signature-refusals.test.ts"],
    },
    {
        name: "additional-secret-outputs-dropped",
        why: "the kubeconfig and the private key are stored in plain text in the state",
        file: "provider/pulumi/resource.ts",
        find: "const additionalSecretOutputs = [...new Set([...SECRET_OUTPUTS, ...CREDENTIAL_INPUTS, ...(opts?.additionalSecretOutputs ?? [])])];",
        replace: "const additionalSecretOutputs = [...(opts?.additionalSecretOutputs ?? [])];",
        tests: ["test/engine/clustercert.test.ts", "test/program/resource.test.ts"],
    },
    {
        name: "read-calls-the-api",
        why: "every pulumi refresh mints a new certificate",
        file: "provider/pulumi/runtime.ts",
        find: "    return { id, props, inputs: inputsOf(props) };",
        replace: "    await issueForResource(inputsOf(props), environment());\n    return { id, props, inputs: inputsOf(props) };",
        tests: ["test/lifecycle/renewal.test.ts"],
    },
    {
        name: "duration-1828-accepted",
        why: "check lets through a duration the API refuses, failing only at create",
        file: "provider/core/validate.ts",
        find: "(duration !== -1 && (duration < 1 || duration > MAX_DURATION_DAYS))",
        replace: "(duration !== -1 && (duration < 1 || duration > MAX_DURATION_DAYS + 1))",
        tests: ["test/unit/validate.test.ts"],
    },
    {
        name: "redaction-is-a-no-op",
        why: "credentials, tokens and passwords a server echoes reach the terminal and CI logs",
        file: "provider/util/redact.ts",
        find: 'for (const f of this.forms) if (out.includes(f)) out = out.split(f).join("[redacted]");',
        replace: "",
        tests: ["test/security/redaction.test.ts"],
    },
    {
        name: "answer-sanitiser-off",
        why: "an exec command in a clustercert answer runs on the user's machine",
        file: "provider/kube/kubeconfig.ts",
        find: '        if (key !== undefined) user["client-key-data"] = key;\n        return user;',
        replace: '        if (key !== undefined) user["client-key-data"] = key;\n        Object.assign(user, o);\n        return user;',
        tests: ["test/security/answers.test.ts"],
    },
    {
        name: "renewal-window-ignored",
        why: "certificates are only replaced after they expired: the cluster is unreachable until the next up",
        file: "provider/core/renewal.ts",
        find: "return { due: left <= window, expired,",
        replace: "return { due: left <= 0, expired,",
        tests: ["test/unit/diff.test.ts", "test/lifecycle/renewal.test.ts"],
    },
    {
        name: "lock-never-taken",
        why: "concurrent kubectl invocations each mint a certificate",
        file: "provider/cli/lock.ts",
        find: "    const me = await currentProcess();\n",
        replace: "    if (fn.length === 0) return fn();\n    const me = await currentProcess();\n",
        tests: ["test/cli/cache.test.ts", "test/cli/exec.e2e.test.ts"],
    },
    {
        name: "cache-entry-never-validated",
        why: "the exec plugin hands kubectl a planted or broken certificate",
        file: "provider/cli/cache-entry.ts",
        find: "    let doc: unknown;\n    try {\n        doc = JSON.parse(text);",
        replace: "    try {\n        const planted = JSON.parse(text) as { state?: ClusterCertState };\n        if (planted.state) return { ok: true, state: planted.state };\n    } catch {\n        // fall through\n    }\n    let doc: unknown;\n    try {\n        doc = JSON.parse(text);",
        tests: ["test/security/exec-cache.test.ts"],
    },
    {
        name: "expire-at-format-changed",
        why: "expiresAt is sent as ISO 8601, which CCE refuses; every certificate falls back to whole days",
        file: "provider/huaweicloud/cce.ts",
        find: 'return `${d.toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`;',
        replace: "return d.toISOString();",
        tests: ["test/lifecycle/expiry.test.ts"],
    },
    {
        name: "legacy-fallback-on-every-400",
        why: "an ordinary bad request is retried with the deprecated GET and its real cause hidden",
        file: "provider/huaweicloud/cce.ts",
        find: 'return e.status === 400 && /version|not support/i.test(e.apiMessage ?? "");',
        replace: "return e.status === 400;",
        tests: ["test/lifecycle/legacy.test.ts"],
    },
    {
        name: "retries-on-403",
        why: "a permission error is retried for minutes instead of reported at once",
        file: "provider/huaweicloud/retry.ts",
        find: "return status === 429 || status === 502 || status === 503 || status === 504 || errorCode === THROTTLED_CODE;",
        replace: "return status === 429 || status === 403 || status === 502 || status === 503 || status === 504 || errorCode === THROTTLED_CODE;",
        tests: ["test/lifecycle/retries.test.ts"],
    },
    {
        name: "private-key-accepted-in-ca-data",
        why: "a private key sent as CA data lands in ca.crt and certificate-authority-data",
        file: "provider/kube/pem.ts",
        find: "    if (blocks.some((b) => isPrivateKey(b.label))) throw new PemError(`${what} holds a private key: refused (a certificate field must hold certificates only)`);\n",
        replace: "",
        tests: ["test/security/pem.test.ts"],
    },
    {
        name: "plain-http-endpoint-accepted",
        why: "the IAM password and tokens are sent in clear text to a non-loopback host",
        file: "provider/util/url.ts",
        find: '    if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) return "must use https:// (plain http is accepted only for loopback test servers)";\n',
        replace: "",
        tests: ["test/security/endpoints.test.ts"],
    },
    {
        name: "yaml-1.1-words-unquoted",
        why: "kubectl refuses a kubeconfig with a context or cluster id such as on, y or No",
        file: "provider/kube/kubeconfig-yaml.ts",
        find: "return s.length <= MAX_PLAIN_CHARS && PLAIN.test(s) && !SPECIAL_WORDS.test(s);",
        replace: "return s.length <= MAX_PLAIN_CHARS && PLAIN.test(s) && (SPECIAL_WORDS.test(s) || true);",
        tests: ["test/security/yaml.test.ts"],
    },
    {
        name: "cluster-identifier-from-the-kubeconfig",
        why: "the Kubernetes provider and every resource it manages are replaced at each renewal",
        file: "provider/pulumi/resource.ts",
        find: "this.clusterIdentifier = pulumi.output(args.clusterId).apply((id) => `${CLUSTER_IDENTIFIER_PREFIX}${id}`);",
        replace: "this.clusterIdentifier = pulumi.all([args.clusterId, this.kubeconfig]).apply(([id]) => `${CLUSTER_IDENTIFIER_PREFIX}${id}`);",
        tests: ["test/program/cluster-identifier.test.ts"],
    },
    {
        name: "rotated-credentials-not-stored",
        why: "with revokeOnDelete, destroy revokes with keys that may no longer exist",
        file: "provider/core/diff.ts",
        find: "let changed = contextChanged || credentialsChanged(olds, news);",
        replace: "let changed = contextChanged || (credentialsChanged(olds, news) && false);",
        tests: ["test/lifecycle/outputs-and-refresh.test.ts"],
    },
    {
        name: "rsa-key-fast-path-off",
        why: "every create with an RSA key (what CCE hands out) pays node's key decoding again, a third more host CPU (bench/RESULTS.md), silently",
        file: "provider/kube/private-key-der.ts",
        find: "if (cert.rsa) return rsaKeyMatches(cert.rsa, keyPem);",
        replace: 'if (cert.rsa && keyPem === "") return rsaKeyMatches(cert.rsa, keyPem);',
        tests: ["test/unit/fast-paths.test.ts"],
    },
    {
        name: "throttling-sets-no-pace",
        why: "a fleet stack runs at half the gateway's allowance, with many more refused calls",
        file: "provider/huaweicloud/gate.ts",
        find: "this.setRate(Math.min(this.rate ?? Infinity, allowance) * DECREASE, now);",
        replace: "void allowance;",
        tests: ["test/unit/gate.test.ts"],
    },
    {
        name: "retry-after-ignored",
        why: "new calls hammer a gateway that asked for a pause, and are refused again",
        file: "provider/huaweicloud/gate.ts",
        find: "if (retryAfterMs !== undefined && retryAfterMs > 0) this.pausedUntil",
        replace: "if (retryAfterMs !== undefined && retryAfterMs < 0) this.pausedUntil",
        tests: ["test/unit/gate.test.ts"],
    },
];

interface Outcome {
    mutation: Mutation;
    result: "killed" | "survived" | "stale" | "build-failed";
    seconds: number;
    detail: string;
}

function run(cmd: string, args: string[], timeoutMs: number): { status: number | null; out: string } {
    const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** `npm run build`: tsc, then the CLI bundle (the exec plugin's tests run the built binary). */
function build(): boolean {
    return run("npm", ["run", "build", "--silent"], 300_000).status === 0;
}

let restore: (() => void) | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
        restore?.();
        process.exit(130);
    });
}

/** Applies `m`, builds, runs its tests, restores: killed when a test fails. */
function attempt(m: Mutation): Outcome {
    const started = Date.now();
    const file = path.join(ROOT, m.file);
    const original = readFileSync(file, "utf8");
    const seconds = () => Math.round((Date.now() - started) / 100) / 10;
    const count = original.split(m.find).length - 1;
    if (count !== 1) return { mutation: m, result: "stale", seconds: seconds(), detail: `the text to mutate occurs ${count} times in ${m.file}` };
    restore = () => writeFileSync(file, original);
    try {
        writeFileSync(file, original.replace(m.find, m.replace));
        if (!build()) return { mutation: m, result: "build-failed", seconds: seconds(), detail: "the mutant does not build (npm run build)" };
        const r = run(process.execPath, [path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), ...m.tests], 1_200_000);
        const failing = /(\d+) failing/.exec(r.out)?.[1];
        if (r.status !== 0) return { mutation: m, result: "killed", seconds: seconds(), detail: `${failing ?? "?"} failing` };
        return { mutation: m, result: "survived", seconds: seconds(), detail: `${/(\d+) passing/.exec(r.out)?.[1] ?? "?"} passing` };
    } finally {
        restore();
        restore = undefined;
    }
}

function table(outcomes: readonly Outcome[]): string {
    const rows = outcomes.map((o) => `| \`${o.mutation.name}\` | ${o.mutation.why} | ${o.mutation.tests.map((t) => `\`${t}\``).join(", ")} | **${o.result}** (${o.detail}, ${o.seconds} s) |`);
    return ["| mutation | what a user would suffer | tests run | result |", "|---|---|---|---|", ...rows].join("\n");
}

function main(): void {
    const onlyAt = process.argv.indexOf("--only");
    const only = onlyAt >= 0 ? new Set((process.argv[onlyAt + 1] ?? "").split(",")) : undefined;
    const chosen = MUTATIONS.filter((m) => !only || only.has(m.name));
    const outcomes: Outcome[] = [];
    const t0 = Date.now();
    for (const m of chosen) {
        const o = attempt(m);
        outcomes.push(o);
        console.log(`mutation ${m.name}: ${o.result} (${o.detail}, ${o.seconds} s)`);
    }
    if (!build()) console.error("warning: the restored tree did not build");
    const killed = outcomes.filter((o) => o.result === "killed").length;
    const minutes = Math.round((Date.now() - t0) / 6000) / 10;
    const summary = `${killed} of ${outcomes.length} mutations killed in ${minutes} min`;
    console.log(`\n${table(outcomes)}\n\n${summary}`);
    if (process.argv.includes("--record")) {
        const doc = path.join(ROOT, "docs", "testing.md");
        const text = readFileSync(doc, "utf8");
        const start = "<!-- mutations:start -->";
        const end = "<!-- mutations:end -->";
        const at = text.indexOf(start);
        const to = text.indexOf(end);
        if (at < 0 || to < at) throw new Error(`docs/testing.md has no ${start} … ${end} section`);
        const when = new Date().toISOString().slice(0, 10);
        writeFileSync(doc, `${text.slice(0, at + start.length)}\n${table(outcomes)}\n\n${summary} (run on ${when}, Node ${process.versions.node}).\n${text.slice(to)}`);
    }
    if (killed !== outcomes.length) process.exitCode = 1;
}

if (require.main === module) main();
