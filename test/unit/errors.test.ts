import assert from "node:assert/strict";
import { CloudApiError, describeBody, parseErrorBody } from "../../provider/huaweicloud/errors";
import { redact } from "../../provider/util/redact";
import { backoffMs, isRetryableNetworkError, isRetryableStatus, retryAfterMs } from "../../provider/huaweicloud/retry";

describe("parseErrorBody", () => {
    it("reads the four shapes the cloud uses", () => {
        assert.deepEqual(parseErrorBody('{"errorCode":"CCE.01404001","errorMessage":"cluster not found"}'), { code: "CCE.01404001", message: "cluster not found", requestId: undefined });
        assert.deepEqual(parseErrorBody('{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"r1"}'), {
            code: "APIGW.0301", message: "Incorrect IAM authentication information", requestId: "r1",
        });
        assert.deepEqual(parseErrorBody('{"code":"CCE.01400001","message":"bad"}'), { code: "CCE.01400001", message: "bad", requestId: undefined });
        assert.deepEqual(parseErrorBody('{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}'), {
            code: "401", message: "The username or password is wrong.", requestId: undefined,
        });
    });
    it("gives nothing for non-JSON bodies", () => {
        assert.deepEqual(parseErrorBody("<html><title>502 Bad Gateway</title></html>"), {});
        assert.deepEqual(parseErrorBody('{"errorCode":"CCE.01'), {});
        assert.deepEqual(parseErrorBody("[1,2]"), {});
    });
});

describe("CloudApiError", () => {
    it("names status, code, message, request id and what to do", () => {
        const e = new CloudApiError("CCE clustercert", 404, { code: "CCE.01404001", message: "cluster not found", requestId: "req-1" }, "");
        assert.match(e.message, /^CCE clustercert failed: 404 CCE\.01404001 "cluster not found" \(request id req-1\)\. Not found: check clusterId/);
    });
    it("describes bodies that are not JSON", () => {
        const e = new CloudApiError("CCE clustercert", 502, {}, describeBody("<html><head><title>502 Bad Gateway</title></head></html>", "text/html; charset=utf-8"));
        assert.match(e.message, /502 \(a text\/html body of \d+ bytes titled "502 Bad Gateway"\)/);
    });
});

describe("redact", () => {
    it("removes secrets and PEM blocks", () => {
        const text = "AK AKIDEXAMPLE SK s3cr3t! key -----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY----- end";
        const out = redact(text, ["AKIDEXAMPLE", "s3cr3t!", undefined, "ab"]);
        assert.equal(out, "AK [redacted] SK [redacted] key [PEM redacted] end");
    });
});

describe("retry policy", () => {
    it("retries only answers that may change", () => {
        for (const s of [429, 502, 503, 504]) assert.ok(isRetryableStatus(s), String(s));
        for (const s of [400, 401, 403, 404, 405, 409, 500, 501]) assert.ok(!isRetryableStatus(s), String(s));
        assert.ok(isRetryableStatus(403, "APIGW.0308"));
    });
    it("classifies network errors", () => {
        assert.ok(isRetryableNetworkError({ code: "ECONNRESET" }));
        assert.ok(isRetryableNetworkError({ name: "TimeoutError" }));
        assert.ok(isRetryableNetworkError({ message: "fetch failed", cause: { code: "UND_ERR_SOCKET" } }));
        assert.ok(!isRetryableNetworkError({ code: "ECONNREFUSED" }));
        assert.ok(!isRetryableNetworkError({ code: "ENOTFOUND" }));
        assert.ok(!isRetryableNetworkError(new Error("x")));
    });
    it("honours Retry-After seconds and dates, capped", () => {
        const now = new Date("2026-01-01T00:00:00Z");
        assert.equal(retryAfterMs("3", now, 20_000), 3000);
        assert.equal(retryAfterMs("120", now, 20_000), 20_000);
        assert.equal(retryAfterMs("Thu, 01 Jan 2026 00:00:05 GMT", now, 20_000), 5000);
        assert.equal(retryAfterMs("soon", now, 20_000), undefined);
        assert.equal(retryAfterMs(undefined, now, 20_000), undefined);
    });
    it("backs off exponentially with full jitter", () => {
        const policy = { baseDelayMs: 500, maxDelayMs: 20_000 };
        assert.equal(backoffMs(0, { ...policy, random: () => 0.999 }), 499);
        assert.equal(backoffMs(3, { ...policy, random: () => 0.5 }), 2000);
        assert.equal(backoffMs(10, { ...policy, random: () => 0.5 }), 10_000);
        assert.equal(backoffMs(4, { ...policy, random: () => 0 }), 0);
    });
});
