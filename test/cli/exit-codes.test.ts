import assert from "node:assert/strict";
import { UsageError } from "../../provider/cli/args";
import { EXIT_API, EXIT_AUTH, EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_USAGE, exitCodeOf } from "../../provider/cli/exit-codes";
import { OutputExistsError, LocalFileError } from "../../provider/cli/files";
import { LockTimeoutError } from "../../provider/cli/lock";
import { describeError } from "../../provider/cli/report";
import { CredentialsError } from "../../provider/cli/request";
import { CloudApiError, MalformedAnswerError, NetworkError } from "../../provider/errors";
import { SettingsError } from "../../provider/settings";

/** What `redacting` in operations.ts turns an API error into. */
function redacted(status: number): Error {
    const e = new CloudApiError("CCE clustercert", status, { code: "X" }, "body");
    const out = new Error(e.message);
    out.name = e.name;
    return Object.assign(out, { status, code: "X", requestId: "r" });
}

function renamed(name: string, message = "m"): Error {
    const e = new Error(message);
    e.name = name;
    return e;
}

describe("exit codes", () => {
    it("maps API answers by status", () => {
        assert.equal(exitCodeOf(redacted(401)), EXIT_AUTH);
        assert.equal(exitCodeOf(redacted(403)), EXIT_AUTH);
        assert.equal(exitCodeOf(redacted(404)), EXIT_NOT_FOUND);
        for (const s of [400, 409, 429, 500, 503]) assert.equal(exitCodeOf(redacted(s)), EXIT_API);
        assert.equal(exitCodeOf(new CloudApiError("IAM token", 401, {}, "x")), EXIT_AUTH);
    });
    it("maps usage, credential, network and answer errors", () => {
        assert.equal(exitCodeOf(new UsageError("x")), EXIT_USAGE);
        assert.equal(exitCodeOf(new OutputExistsError(["/a"])), EXIT_USAGE);
        assert.equal(exitCodeOf(new CredentialsError("x")), EXIT_AUTH);
        assert.equal(exitCodeOf(renamed("NetworkError")), EXIT_API);
        assert.equal(exitCodeOf(new NetworkError("op", "https://x", "timed out", "TimeoutError", 3)), EXIT_API);
        assert.equal(exitCodeOf(new MalformedAnswerError("op", "bad")), EXIT_API);
        assert.equal(exitCodeOf(renamed("MalformedAnswerError")), EXIT_API);
    });
    it("maps settings errors raised during the call", () => {
        assert.equal(exitCodeOf(renamed("SettingsError", 'IAM knows no project named "eu-west-9" for these credentials: set projectId')), EXIT_NOT_FOUND);
        assert.equal(exitCodeOf(renamed("SettingsError", 'IAM knows 2 projects named "eu-west-0" for these credentials: set projectId')), EXIT_USAGE);
        assert.equal(exitCodeOf(new SettingsError("no Huawei Cloud credentials found.")), EXIT_AUTH);
        assert.equal(exitCodeOf(new SettingsError("incomplete credentials in env: HW_SECRET_KEY is missing")), EXIT_AUTH);
        assert.equal(exitCodeOf(new SettingsError("discovering the project id needs the IAM endpoint")), EXIT_USAGE);
    });
    it("uses 1 for local and unexpected failures", () => {
        assert.equal(exitCodeOf(new LocalFileError("write", "/x", Object.assign(new Error(), { code: "EACCES" }))), EXIT_FAILURE);
        assert.equal(exitCodeOf(new LockTimeoutError("/x.lock", 1000)), EXIT_FAILURE);
        assert.equal(exitCodeOf(new TypeError("bug")), EXIT_FAILURE);
        assert.equal(exitCodeOf("thrown string"), EXIT_FAILURE);
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
