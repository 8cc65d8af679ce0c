/**
 * Published AK/SK signing examples run through provider/huaweicloud/signer.ts, every intermediate step
 * asserted: the canonical request text (written out here by hand from the documented rules), its
 * SHA-256, the string to sign, the signature and the Authorization header.
 *
 * Sources (the values marked "published" are copied from them; the rest is derived here by hand):
 * - Huawei, API Request Signing Guide (support.huaweicloud.com/devg-apisign, api-sign-algorithm-002
 *   to -005): GET of the VPC list, AK QTWAOYTTINDUT2QVKYUC, X-Sdk-Date 20191115T033655Z; the
 *   canonical request's SHA-256, the signature and the complete signed request are published.
 * - huaweicloud-sdk-python-v3, huaweicloud-sdk-core/tests/test_signer.py (test_signer1/2): GET and
 *   POST /resources?size=1, AK "AccessKey", SK "SecretKey", signed headers host;x-sdk-date — what
 *   signRequest itself produces, so these go through signRequest end to end.
 * - huaweicloud-sdk-go-v3, core/auth/signer/signer_test.go (TestSigner_Sign): GET /path?limit=1 and
 *   POST /path?key=value. The Go SDK signs only x-sdk-date; signRequest always signs every header it
 *   sends, Host included (like the Node and Python SDKs), so these run through the exported steps of
 *   the algorithm with the Go SDK's signed-header list, and signRequest's own result for the same
 *   request is checked against a canonical request derived from the Go one.
 */
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import {
    authorizationHeader,
    canonicalHeaders,
    canonicalQuery,
    canonicalRequest,
    canonicalUri,
    formatSdkDate,
    parseAuthorization,
    payloadHash,
    signature,
    signRequest,
    stringToSign,
    type SignableRequest,
} from "../../provider/huaweicloud/signer";

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const hmac = (key: string, text: string): string => createHmac("sha256", key).update(text, "utf8").digest("hex");
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

describe("signer vectors: Huawei's documented request (API Request Signing Guide)", () => {
    const AK = "QTWAOYTTINDUT2QVKYUC";
    const SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc";
    const NOW = new Date("2019-11-15T03:36:55Z");
    const request: SignableRequest = {
        method: "GET",
        url: "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
        headers: { "Content-Type": "application/json" },
        body: "",
    };
    const CANONICAL_REQUEST = [
        "GET",
        "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/",
        "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
        "content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n",
        "content-type;host;x-sdk-date",
        EMPTY_SHA256,
    ].join("\n");
    const CANONICAL_REQUEST_SHA256 = "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"; // published
    const STRING_TO_SIGN = `SDK-HMAC-SHA256\n20191115T033655Z\n${CANONICAL_REQUEST_SHA256}`; // published
    const SIGNATURE = "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"; // published
    const AUTHORIZATION = `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=content-type;host;x-sdk-date, Signature=${SIGNATURE}`; // published

    it("signRequest sends the documented headers and the documented Authorization", () => {
        const sent = signRequest(request, { accessKey: AK, secretKey: SK }, NOW);
        assert.deepEqual(sent, {
            "Content-Type": "application/json",
            Host: "service.region.example.com",
            "X-Sdk-Date": "20191115T033655Z",
            Authorization: AUTHORIZATION,
        });
    });

    it("each step gives the documented intermediate value", () => {
        const sent = signRequest(request, { accessKey: AK, secretKey: SK }, NOW);
        const url = new URL(request.url);
        assert.equal(formatSdkDate(NOW), "20191115T033655Z");
        assert.equal(canonicalUri(url.pathname), "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/");
        assert.equal(canonicalQuery(url.search), "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0");
        const signed = parseAuthorization(sent.Authorization!)!.signedHeaders;
        assert.deepEqual(signed, ["content-type", "host", "x-sdk-date"]);
        assert.equal(canonicalHeaders(sent, signed), "content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n");
        assert.equal(payloadHash(request.body), EMPTY_SHA256);
        const cr = canonicalRequest({ ...request, headers: sent }, signed);
        assert.equal(cr, CANONICAL_REQUEST);
        assert.equal(sha256(cr), CANONICAL_REQUEST_SHA256);
        const sts = stringToSign("20191115T033655Z", cr);
        assert.equal(sts, STRING_TO_SIGN);
        assert.equal(signature(SK, sts), SIGNATURE);
        assert.equal(authorizationHeader(AK, signed, SIGNATURE), AUTHORIZATION);
    });

    it("a different secret key, date, query or header value gives another signature (negative controls)", () => {
        const auth = (req: SignableRequest, sk: string, now: Date): string | undefined => signRequest(req, { accessKey: AK, secretKey: sk }, now).Authorization;
        assert.notEqual(auth(request, SK.replace("M", "N"), NOW), AUTHORIZATION);
        assert.notEqual(auth(request, SK, new Date(NOW.getTime() + 1000)), AUTHORIZATION);
        assert.notEqual(auth({ ...request, url: request.url.replace("limit=2", "limit=3") }, SK, NOW), AUTHORIZATION);
        assert.notEqual(auth({ ...request, headers: { "Content-Type": "application/json;charset=utf-8" } }, SK, NOW), AUTHORIZATION);
        assert.notEqual(auth({ ...request, body: "{}" }, SK, NOW), AUTHORIZATION);
    });
});

describe("signer vectors: the Python SDK's signer tests (host;x-sdk-date), through signRequest", () => {
    const creds = { accessKey: "AccessKey", secretKey: "SecretKey" };
    const NOW = new Date("2020-06-08T02:39:00Z");
    const URL_ = "https://service.endpoint.myhuaweicloud.com/resources?size=1";
    const cases = [
        { name: "GET", body: "", signature: "cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842" }, // published
        { name: "POST", body: '{"name":"test","id":1}', signature: "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f" }, // published
    ];

    for (const c of cases) {
        it(`${c.name} /resources?size=1: canonical request, its hash, string to sign, signature, Authorization`, () => {
            const request: SignableRequest = { method: c.name, url: URL_, headers: {}, body: c.body };
            const sent = signRequest(request, creds, NOW);
            // Derived by hand from the documented rules.
            const expectedCr = [
                c.name,
                "/resources/",
                "size=1",
                "host:service.endpoint.myhuaweicloud.com\nx-sdk-date:20200608T023900Z\n",
                "host;x-sdk-date",
                sha256(c.body),
            ].join("\n");
            const expectedSts = `SDK-HMAC-SHA256\n20200608T023900Z\n${sha256(expectedCr)}`;
            assert.equal(hmac("SecretKey", expectedSts), c.signature, "the hand-written canonical request is the one the Python SDK signed");

            const signed = parseAuthorization(sent.Authorization!)!.signedHeaders;
            const cr = canonicalRequest({ ...request, headers: sent }, signed);
            assert.equal(cr, expectedCr);
            assert.equal(stringToSign(sent["X-Sdk-Date"]!, cr), expectedSts);
            assert.equal(signature("SecretKey", expectedSts), c.signature);
            assert.equal(sent.Authorization, `SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature=${c.signature}`);
            assert.deepEqual(Object.keys(sent).sort(), ["Authorization", "Host", "X-Sdk-Date"]);
        });
    }
});

describe("signer vectors: the Go SDK's signer tests (only x-sdk-date signed)", () => {
    const date = "20060102T150405Z";
    const cases = [
        {
            name: "GET /path?limit=1",
            method: "GET",
            url: "https://example.huaweicloud.com/path?limit=1",
            body: "",
            query: "limit=1",
            signature: "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624", // published
        },
        {
            // The Go SDK serializes the body with json.Encoder, which ends it with a newline.
            name: 'POST /path?key=value with {"Name":"test","Id":1}\\n',
            method: "POST",
            url: "https://example.huaweicloud.com/path?key=value",
            body: '{"Name":"test","Id":1}\n',
            query: "key=value",
            signature: "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59", // published
        },
    ];

    for (const c of cases) {
        it(`${c.name}: every step with the Go SDK's signed headers`, () => {
            const request: SignableRequest = { method: c.method, url: c.url, headers: { "X-Sdk-Date": date, "Content-Type": "application/json" }, body: c.body };
            const expectedCr = [c.method, "/path/", c.query, `x-sdk-date:${date}\n`, "x-sdk-date", sha256(c.body)].join("\n");
            const expectedSts = `SDK-HMAC-SHA256\n${date}\n${sha256(expectedCr)}`;
            assert.equal(hmac("SecretKey", expectedSts), c.signature, "the hand-written canonical request is the one the Go SDK signed");

            const cr = canonicalRequest(request, ["x-sdk-date"]);
            assert.equal(cr, expectedCr);
            const sts = stringToSign(date, cr);
            assert.equal(sts, expectedSts);
            assert.equal(signature("SecretKey", sts), c.signature);
            assert.equal(authorizationHeader("AccessKey", ["x-sdk-date"], c.signature), `SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=${c.signature}`);
        });

        it(`${c.name}: signRequest signs the same request with Host added to the Go SDK's canonical request`, () => {
            const sent = signRequest({ method: c.method, url: c.url, headers: {}, body: c.body }, { accessKey: "AccessKey", secretKey: "SecretKey" }, new Date("2006-01-02T15:04:05Z"));
            const expectedCr = [c.method, "/path/", c.query, `host:example.huaweicloud.com\nx-sdk-date:${date}\n`, "host;x-sdk-date", sha256(c.body)].join("\n");
            const expectedSignature = hmac("SecretKey", `SDK-HMAC-SHA256\n${date}\n${sha256(expectedCr)}`);
            assert.equal(sent.Authorization, `SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature=${expectedSignature}`);
            assert.notEqual(expectedSignature, c.signature, "(a different canonical request: the Host line)");
        });
    }
});
