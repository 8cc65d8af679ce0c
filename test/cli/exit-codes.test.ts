import assert from "node:assert/strict";
import { UsageError } from "../../provider/cli/args";
import { EXIT_API, EXIT_AUTH, EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_USAGE, exitCodeOf } from "../../provider/cli/exit-codes";
import { OutputExistsError, LocalFileError } from "../../provider/cli/files";
import { LockTimeoutError } from "../../provider/cli/lock";
import { describeError } from "../../provider/cli/report";
import { resolveCredentials } from "../../provider/core/credential-sources";
import { scrub } from "../../provider/core/secret-scope";
import { EMPTY_CONFIG } from "../../provider/core/settings";
import { CloudApiError, MalformedAnswerError, NetworkError } from "../../provider/huaweicloud/errors";
import { PemError } from "../../provider/kube/pem";
import { ClusterCertError, SettingsError } from "../../provider/util/errors";
import { Secrets } from "../../provider/util/redact";

/** An API error as it leaves an operation: scrubbed in place, class and fields kept. */
function scrubbed(status: number): unknown {
    return scrub(new CloudApiError("CCE clustercert", status, { code: "X", message: "secret-value-1234 here", requestId: "r" }, "body"), new Secrets(["secret-value-1234"]));
}

describe("exit codes (from the error model's stable codes)", () => {
    it("maps API answers by status, also after redaction", () => {
        assert.equal(exitCodeOf(scrubbed(401)), EXIT_AUTH);
        assert.equal(exitCodeOf(scrubbed(403)), EXIT_AUTH);
        assert.equal(exitCodeOf(scrubbed(404)), EXIT_NOT_FOUND);
        for (const s of [400, 409, 429, 500, 503]) assert.equal(exitCodeOf(scrubbed(s)), EXIT_API);
        assert.equal(exitCodeOf(new CloudApiError("IAM token", 401, {}, "x")), EXIT_AUTH);
    });
    it("redaction keeps the class, the code, the status, the request id and the cause", () => {
        const e = scrubbed(404) as CloudApiError;
        assert.ok(e instanceof CloudApiError);
        assert.deepEqual([e.code, e.status, e.requestId, e.apiCode], ["api", 404, "r", "X"]);
        assert.doesNotMatch(e.message, /secret-value-1234/);
        const cause = new Error("inner secret-value-1234");
        const wrapped = scrub(new MalformedAnswerError("op", "bad", "rid", 200, cause), new Secrets(["secret-value-1234"])) as MalformedAnswerError;
        assert.equal(wrapped.cause, cause);
        assert.doesNotMatch((wrapped.cause as Error).message, /secret-value-1234/);
    });
    it("maps usage, credential, network and answer errors", () => {
        assert.equal(exitCodeOf(new UsageError("x")), EXIT_USAGE);
        assert.equal(exitCodeOf(new OutputExistsError(["/a"])), EXIT_USAGE);
        assert.equal(exitCodeOf(new SettingsError("x", "credentials")), EXIT_AUTH);
        assert.equal(exitCodeOf(new NetworkError("op", "https://x", "timed out", "TimeoutError", 3)), EXIT_API);
        assert.equal(exitCodeOf(new MalformedAnswerError("op", "bad")), EXIT_API);
    });
    it("maps settings errors by their code, not their message", () => {
        assert.throws(() => resolveCredentials({ clusterId: "c" }, EMPTY_CONFIG, {}), (e: unknown) => exitCodeOf(e) === EXIT_AUTH);
        assert.throws(() => resolveCredentials({ clusterId: "c" }, EMPTY_CONFIG, { HW_ACCESS_KEY: "a" }), (e: unknown) => exitCodeOf(e) === EXIT_AUTH);
        assert.equal(exitCodeOf(new SettingsError('IAM knows no project named "eu-west-9"', "not-found")), EXIT_NOT_FOUND);
        assert.equal(exitCodeOf(new SettingsError('IAM knows 2 projects named "eu-west-0"')), EXIT_USAGE);
        assert.equal(exitCodeOf(new SettingsError("no Huawei Cloud credentials found.")), EXIT_USAGE, "the message does not matter: the code does");
    });
    it("uses 1 for local, bad local data and unexpected failures; a plain Error named like ours is not ours", () => {
        assert.equal(exitCodeOf(new LocalFileError("write", "/x", Object.assign(new Error(), { code: "EACCES" }))), EXIT_FAILURE);
        assert.equal(exitCodeOf(new LockTimeoutError("/x.lock", 1000)), EXIT_FAILURE);
        assert.equal(exitCodeOf(new PemError("x")), EXIT_FAILURE);
        assert.equal(exitCodeOf(new TypeError("bug")), EXIT_FAILURE);
        assert.equal(exitCodeOf("thrown string"), EXIT_FAILURE);
        assert.equal(exitCodeOf(Object.assign(new Error("m"), { name: "CloudApiError", status: 404 })), EXIT_FAILURE);
    });
    it("every error class is a ClusterCertError with a stable code", () => {
        const all: [ClusterCertError, string][] = [
            [new UsageError("x"), "usage"], [new OutputExistsError(["/a"]), "exists"], [new SettingsError("x"), "settings"],
            [new CloudApiError("op", 500, {}, "x"), "api"], [new NetworkError("op", "u", "c", undefined, 1), "network"],
            [new MalformedAnswerError("op", "x"), "bad-answer"], [new PemError("x"), "bad-data"], [new LockTimeoutError("/l", 1), "local"],
        ];
        for (const [e, code] of all) {
            assert.ok(e instanceof ClusterCertError);
            assert.equal(e.code, code, e.name);
            assert.equal(e.name, e.constructor.name);
        }
    });
});

describe("error report", () => {
    it("strips every credential of the environment and PEM blocks", () => {
        const env = { HW_ACCESS_KEY: "AKID12345", HW_SECRET_KEY: "TopSecretKey", HW_AUTH_TOKEN: "tok-abcdef", HW_USER_PASSWORD: "pa55word" };
        const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----";
        const line = describeError(new Error(`bad TopSecretKey AKID12345 tok-abcdef pa55word ${pem}`), env);
        assert.equal(line, "error: bad [redacted] [redacted] [redacted] [redacted] [PEM redacted]");
    });
});

describe("scrub", () => {
    it("redacts a cause whose message is only a getter (a DOMException from AbortSignal.timeout)", () => {
        const timeout = new DOMException("The operation was aborted due to timeout secret-value-1234", "TimeoutError");
        const e = new Error("outer", { cause: timeout });
        assert.doesNotThrow(() => scrub(e, new Secrets(["secret-value-1234"])));
        assert.doesNotMatch((e.cause as Error).message, /secret-value-1234/);
        assert.equal((e.cause as DOMException).name, "TimeoutError");
    });
});
