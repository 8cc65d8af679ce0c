/**
 * The emulator's signature check (test/emulator/signature.ts over test/emulator/canonical.ts) is
 * written from Huawei's signing guide and shares no code with provider/huaweicloud/signer.ts. Here it is held
 * to three independent references: the guide's worked example (every intermediate value), the Go
 * SDK's signer test vectors, and requests signed by the official Node SDK
 * (`@huaweicloud/huaweicloud-sdk-core` AKSKSigner) as they would arrive on the wire. Negative
 * controls show that it refuses what it must refuse.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { IncomingHttpHeaders } from "node:http";
import { AKSKSigner } from "@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner";
import { BasicCredentials } from "@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials";
import type { IHttpRequest } from "@huaweicloud/huaweicloud-sdk-core/http/IHttpRequest";
import { canonicalPath, canonicalQueryOf, readAuthorization, readSdkDate, sha256Hex, signatureOf, toBeSigned, wireCanonicalRequest } from "../emulator/canonical";
import { verifySignature, type ReceivedRequest, type SignatureCheck } from "../emulator/signature";

const MINUTE = 60_000;

/** Verifies `req` with one known credential at `now` (15 minutes of skew allowed). */
function check(req: ReceivedRequest, accessKey: string, secretKey: string, now: Date): SignatureCheck {
    return verifySignature(req, (ak) => (ak === accessKey ? { secretKey } : undefined), now, 15 * MINUTE);
}

const failureOf = (c: SignatureCheck): string => (c.ok ? "ok" : c.failure);

// ---------------------------------------------------------------------------------------------
// Huawei's documented example (API Request Signing Guide, "Constructing a Standard Request" to
// "Adding the Signature to the Request Header"): GET of the VPC list, no body.
// ---------------------------------------------------------------------------------------------
const DOC = {
    accessKey: "QTWAOYTTINDUT2QVKYUC",
    secretKey: "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
    target: "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
    date: "20191115T033655Z",
    canonicalRequest: [
        "GET",
        "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/",
        "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
        "content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n",
        "content-type;host;x-sdk-date",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ].join("\n"),
    canonicalRequestSha256: "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a",
    signature: "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
    authorization:
        "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
};

function documentedRequest(): ReceivedRequest {
    return {
        method: "GET",
        rawUrl: DOC.target,
        headers: { host: "service.region.example.com", "content-type": "application/json", "x-sdk-date": DOC.date, authorization: DOC.authorization },
        body: new Uint8Array(0),
    };
}
const DOC_NOW = new Date("2019-11-15T03:36:55Z");

describe("emulator signature check: Huawei's documented example", () => {
    it("rebuilds every intermediate value of the guide from the request as received", () => {
        const req = documentedRequest();
        const auth = readAuthorization(DOC.authorization);
        assert.deepEqual(auth, { accessKey: DOC.accessKey, signedHeaders: ["content-type", "host", "x-sdk-date"], signature: DOC.signature });
        const headers = new Map(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const cr = wireCanonicalRequest({ method: "GET", target: DOC.target, headers, body: req.body }, auth!.signedHeaders);
        assert.equal(cr, DOC.canonicalRequest);
        assert.equal(sha256Hex(cr), DOC.canonicalRequestSha256);
        const sts = toBeSigned(DOC.date, cr);
        assert.equal(sts, `SDK-HMAC-SHA256\n20191115T033655Z\n${DOC.canonicalRequestSha256}`);
        assert.equal(signatureOf(DOC.secretKey, sts), DOC.signature);
    });

    it("accepts the documented request and refuses it with another secret key", () => {
        assert.deepEqual(check(documentedRequest(), DOC.accessKey, DOC.secretKey, DOC_NOW), {
            ok: true, accessKey: DOC.accessKey, signedHeaders: ["content-type", "host", "x-sdk-date"], sdkDate: DOC_NOW,
        });
        assert.equal(failureOf(check(documentedRequest(), DOC.accessKey, DOC.secretKey.replace("M", "N"), DOC_NOW)), "signature-mismatch");
    });
});

// ---------------------------------------------------------------------------------------------
// The Go SDK's signer tests (huaweicloud-sdk-go-v3 core/auth/signer/signer_test.go): AK
// "AccessKey", SK "SecretKey", only x-sdk-date signed (the Go signer skips content-type and names
// with "_"); the POST body is the Go JSON encoder's output, which ends with a newline.
// ---------------------------------------------------------------------------------------------
describe("emulator signature check: the Go SDK's vectors", () => {
    const date = "20060102T150405Z";
    const now = new Date("2006-01-02T15:04:05Z");
    const go = (method: string, target: string, headers: IncomingHttpHeaders, body: string, signature: string): ReceivedRequest => ({
        method,
        rawUrl: target,
        headers: { ...headers, host: "example.huaweicloud.com", "x-sdk-date": date, authorization: `SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=${signature}` },
        body: Buffer.from(body, "utf8"),
    });

    it("accepts GET /path?limit=1", () => {
        const req = go("GET", "/path?limit=1", { test_underscore: "TEST_VALUE" }, "", "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624");
        assert.equal(failureOf(check(req, "AccessKey", "SecretKey", now)), "ok");
        assert.equal(failureOf(check({ ...req, rawUrl: "/path?limit=2" }, "AccessKey", "SecretKey", now)), "signature-mismatch");
    });

    it("accepts POST /path?key=value with the body {\"Name\":\"test\",\"Id\":1}\\n", () => {
        const body = '{"Name":"test","Id":1}\n';
        const req = go("POST", "/path?key=value", { "content-type": "application/json", test_underscore: "TEST_VALUE" }, body, "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59");
        assert.equal(failureOf(check(req, "AccessKey", "SecretKey", now)), "ok");
        assert.equal(failureOf(check({ ...req, body: Buffer.from(body.trimEnd()) }, "AccessKey", "SecretKey", now)), "signature-mismatch", "the newline is part of the body");
        // The unsigned Content-Type may change without breaking the signature; a signed header may not.
        assert.equal(failureOf(check({ ...req, headers: { ...req.headers, "content-type": "text/plain" } }, "AccessKey", "SecretKey", now)), "ok");
    });
});

// The Python SDK's signer tests (huaweicloud-sdk-core/tests/test_signer.py): host;x-sdk-date signed.
describe("emulator signature check: the Python SDK's vectors", () => {
    const now = new Date("2020-06-08T02:39:00Z");
    for (const [method, body, sig] of [
        ["GET", "", "cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842"],
        ["POST", '{"name":"test","id":1}', "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f"],
    ] as const) {
        it(`accepts ${method} /resources?size=1`, () => {
            const req: ReceivedRequest = {
                method,
                rawUrl: "/resources?size=1",
                headers: {
                    host: "service.endpoint.myhuaweicloud.com",
                    "x-sdk-date": "20200608T023900Z",
                    test_underscore: "TEST_VALUE",
                    authorization: `SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature=${sig}`,
                },
                body: Buffer.from(body),
            };
            assert.equal(failureOf(check(req, "AccessKey", "SecretKey", now)), "ok");
            assert.equal(failureOf(check({ ...req, headers: { ...req.headers, host: "service.endpoint.myhuaweicloud.com:443" } }, "AccessKey", "SecretKey", now)), "signature-mismatch");
        });
    }
});

// ---------------------------------------------------------------------------------------------
// Negative controls on one request signed by the official Node SDK.
// ---------------------------------------------------------------------------------------------
const AK = "HPUAEMULATORCHECK001";
const SK = "emulatorCheckSecretKey0123456789abcdefgh";

/** Signs with the official SDK and returns the request as a server receives it (lower-case header names). */
function sdkSigned(opts: { method: string; host: string; segments: string[]; trailingSlash?: boolean; query?: Record<string, string | string[]>; wireQuery?: string; headers?: Record<string, string>; data?: unknown; date: string }): ReceivedRequest {
    const rawPath = "/" + opts.segments.join("/") + (opts.trailingSlash ? "/" : "");
    const request: IHttpRequest = {
        method: opts.method,
        endpoint: `https://${opts.host}${rawPath}`,
        headers: { "X-Sdk-Date": opts.date, ...(opts.headers ?? {}) },
        queryParams: opts.query ?? {},
        data: opts.data,
    };
    const out = AKSKSigner.sign(request, new BasicCredentials().withAk(AK).withSk(SK)) as Record<string, string>;
    const headers: IncomingHttpHeaders = {};
    for (const [k, v] of Object.entries(out)) headers[k.toLowerCase()] = v;
    const wirePath = "/" + opts.segments.map((s) => encodeURIComponent(s)).join("/") + (opts.trailingSlash ? "/" : "");
    return {
        method: opts.method,
        rawUrl: wirePath + (opts.wireQuery ? `?${opts.wireQuery}` : ""),
        headers,
        body: Buffer.from(opts.data === undefined ? "" : JSON.stringify(opts.data), "utf8"),
    };
}

describe("emulator signature check: negative controls", () => {
    const date = "20250301T101112Z";
    const now = new Date("2025-03-01T10:11:12Z");
    const base = (): ReceivedRequest =>
        sdkSigned({
            method: "POST",
            host: "cce.eu-west-0.myhuaweicloud.com",
            segments: ["api", "v3", "projects", "0123456789abcdef0123456789abcdef", "clusters", "c-1", "clustercert"],
            headers: { "content-type": "application/json", "X-Project-Id": "0123456789abcdef0123456789abcdef" },
            data: { duration: 30 },
            date,
        });
    const verdict = (req: ReceivedRequest): string => failureOf(check(req, AK, SK, now));

    it("accepts the untouched request (positive control)", () => {
        assert.equal(verdict(base()), "ok");
        assert.deepEqual(readAuthorization(String(base().headers.authorization))?.signedHeaders, ["content-type", "host", "x-project-id", "x-sdk-date"]);
    });

    it("refuses a wrong signature, another body, another path, another method, an added query parameter", () => {
        const req = base();
        const auth = String(req.headers.authorization);
        const last = auth.slice(-1);
        assert.equal(verdict({ ...req, headers: { ...req.headers, authorization: auth.slice(0, -1) + (last === "0" ? "1" : "0") } }), "signature-mismatch");
        assert.equal(verdict({ ...req, body: Buffer.from('{"duration":31}') }), "signature-mismatch");
        assert.equal(verdict({ ...req, body: Buffer.from('{"duration": 30}') }), "signature-mismatch", "the exact bytes count, not the JSON value");
        assert.equal(verdict({ ...req, rawUrl: req.rawUrl.replace("/c-1/", "/c-2/") }), "signature-mismatch");
        assert.equal(verdict({ ...req, rawUrl: req.rawUrl.replace("clustercert", "clustercertrevoke") }), "signature-mismatch");
        assert.equal(verdict({ ...req, method: "GET" }), "signature-mismatch");
        assert.equal(verdict({ ...req, rawUrl: `${req.rawUrl}?duration=1` }), "signature-mismatch");
    });

    it("refuses a changed or dropped signed header, and a request signed at another time", () => {
        const req = base();
        assert.equal(verdict({ ...req, headers: { ...req.headers, "x-project-id": "ffffffffffffffffffffffffffffffff" } }), "signature-mismatch");
        assert.equal(verdict({ ...req, headers: { ...req.headers, host: "127.0.0.1:9443" } }), "signature-mismatch");
        const { "x-project-id": _dropped, ...withoutProject } = req.headers;
        assert.equal(verdict({ ...req, headers: withoutProject }), "signed-header-missing");
        assert.equal(verdict({ ...req, headers: { ...req.headers, "x-sdk-date": "20250301T101113Z" } }), "signature-mismatch");
        // An unsigned header may be added or changed.
        assert.equal(verdict({ ...req, headers: { ...req.headers, "user-agent": "anything" } }), "ok");
    });

    it("keeps the gateway's other refusals: malformed header, unknown key, unsigned or bad date, clock skew", () => {
        const req = base();
        const auth = String(req.headers.authorization);
        assert.equal(verdict({ ...req, headers: { ...req.headers, authorization: "SDK-HMAC-SHA256 garbage" } }), "malformed");
        assert.equal(verdict({ ...req, headers: { ...req.headers, authorization: auth.replace(`Access=${AK}`, "Access=AKUNKNOWN") } }), "unknown-access-key");
        assert.equal(verdict({ ...req, headers: { ...req.headers, authorization: auth.replace(";x-sdk-date", "") } }), "sdk-date-not-signed");
        assert.equal(verdict({ ...req, headers: { ...req.headers, "x-sdk-date": "2025-03-01T10:11:12Z" } }), "bad-sdk-date");
        assert.equal(failureOf(check(req, AK, SK, new Date(now.getTime() + 16 * MINUTE))), "clock-skew");
        assert.equal(failureOf(check(req, AK, SK, new Date(now.getTime() + 14 * MINUTE))), "ok");
    });
});

// ---------------------------------------------------------------------------------------------
// Pure pieces
// ---------------------------------------------------------------------------------------------
describe("emulator signature check: normalization of what arrives", () => {
    it("decodes and re-encodes path segments, appending the final slash", () => {
        assert.equal(canonicalPath(""), "/");
        assert.equal(canonicalPath("/a b/%c3%a9/x~y"), "/a%20b/%C3%A9/x~y/");
        assert.equal(canonicalPath("/%41%2F/"), "/A%2F/");
        assert.equal(canonicalPath("/100%/%zz"), "/100%25/%25zz/");
        assert.equal(canonicalPath("/!*'()"), "/%21%2A%27%28%29/");
    });
    it("sorts query pairs by name then value, in byte order, '+' being a space", () => {
        assert.equal(canonicalQueryOf(""), "");
        assert.equal(canonicalQueryOf("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
        assert.equal(canonicalQueryOf("q=a+b&r=a%2Bb&s=a%20b"), "q=a%20b&r=a%2Bb&s=a%20b");
        assert.equal(canonicalQueryOf("%C3%A9=2&z=1"), "z=1&%C3%A9=2");
        assert.equal(canonicalQueryOf("B=1&a=2"), "B=1&a=2");
    });
    it("reads only real X-Sdk-Date times", () => {
        assert.equal(readSdkDate("20191115T033655Z")?.toISOString(), "2019-11-15T03:36:55.000Z");
        assert.equal(readSdkDate("00500101T000000Z")?.getUTCFullYear(), 50);
        for (const bad of ["", "20190230T000000Z", "20191115T033655", "20191115T243655Z", " 20191115T033655Z"]) assert.equal(readSdkDate(bad), undefined, bad);
    });
    it("shares no code with the provider's signer", () => {
        const dir = path.join(__dirname, "..", "emulator");
        for (const f of readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
            const text = readFileSync(path.join(dir, f), "utf8");
            assert.doesNotMatch(text, /from\s+["'](\.\.\/)+provider/, `${f} imports from provider/`);
        }
    });
});

// ---------------------------------------------------------------------------------------------
// Cross-check with the official Node SDK on generated requests
// ---------------------------------------------------------------------------------------------

/** Seeded PRNG (mulberry32): every run checks the same requests. */
function prng(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

// Characters the SDK and a correct client encode the same way: no url.parse auto-escapes (space
// ' " < > ` { } | \ ^), no "?" "#" "/" in a segment, nothing in U+E000..U+FFFF (the SDK sorts by
// UTF-16 code unit), no "_" in header names and no padded header values (the SDK signs them as
// given while HTTP servers hand them over trimmed). See the notes in provider/huaweicloud/signer.ts.
const PATH_CHARS = Array.from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$&()*+,;=:@%éü中😀");
const QUERY_CHARS = Array.from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.~!$&'()*+,;=:@%/?#[]é中😀");
const HEADER_VALUE_CHARS = Array.from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/=;:,.- ");

describe("emulator signature check: agrees with the official Node SDK signer", () => {
    const COUNT = 600;
    const SEED = 0x0e1a7011;

    it(`accepts ${COUNT} generated requests signed by AKSKSigner, and refuses each one tampered`, () => {
        const rnd = prng(SEED);
        const int = (n: number): number => Math.floor(rnd() * n);
        const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
        const str = (alphabet: readonly string[], min: number, max: number): string => Array.from({ length: min + int(max - min + 1) }, () => pick(alphabet)).join("");
        /** A correct client's encoding, sometimes with "+" for spaces or lower-case hex. */
        const wireEncode = (s: string, inQuery: boolean): string => {
            let e = encodeURIComponent(s);
            if (inQuery && rnd() < 0.5) e = e.replace(/%20/g, "+");
            if (rnd() < 0.3) e = e.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
            return e;
        };
        const tampered = { body: 0, path: 0, query: 0, header: 0, signature: 0, dropped: 0 };
        for (let i = 0; i < COUNT; i++) {
            const method = pick(["GET", "POST", "PUT", "DELETE"]);
            const segments = Array.from({ length: 1 + int(5) }, () => str(PATH_CHARS, 1, 8)).filter((s) => s !== "." && s !== "..");
            const query: Record<string, string | string[]> = {};
            for (let q = int(4); q > 0; q--) {
                const key = str(QUERY_CHARS, 1, 6);
                query[key] = rnd() < 0.2 ? [str(QUERY_CHARS, 0, 6), str(QUERY_CHARS, 0, 6)] : str(QUERY_CHARS, 0, 8);
            }
            const pairs = Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, x] as const));
            pairs.sort(() => rnd() - 0.5);
            const wireQuery = pairs.map(([k, v]) => (v === "" && rnd() < 0.3 ? wireEncode(k, true) : `${wireEncode(k, true)}=${wireEncode(v, true)}`)).join("&");
            const headers: Record<string, string> = { "X-Project-Id": str(Array.from("0123456789abcdef"), 32, 32) };
            for (let h = int(3); h > 0; h--) headers[`X-Extra-${str(Array.from("abcdefghij"), 1, 5)}-${h}`] = str(Array.from("abc123"), 1, 2) + str(HEADER_VALUE_CHARS, 0, 10) + "z";
            const data = method === "GET" || rnd() < 0.2 ? undefined : { duration: int(1828), note: str(QUERY_CHARS, 0, 12), list: [1, "two", null] };
            if (data !== undefined) headers["content-type"] = "application/json";
            const when = new Date(Date.UTC(2000, 0, 1) + int(30 * 365 * 86400) * 1000);
            const date = when.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
            const req = sdkSigned({ method, host: pick(["cce.eu-west-0.myhuaweicloud.com", "127.0.0.1:9443", "iam.myhuaweicloud.com"]), segments, trailingSlash: rnd() < 0.3, query, wireQuery, headers, data, date });
            const context = `request #${i}: ${method} ${req.rawUrl}`;
            assert.equal(failureOf(check(req, AK, SK, when)), "ok", context);

            // The same request, changed in one place after signing, is refused.
            const auth = String(req.headers.authorization);
            const kind = pick(["body", "path", "query", "header", "signature", "dropped"] as const);
            let bad: ReceivedRequest;
            switch (kind) {
                case "body":
                    bad = { ...req, body: Buffer.concat([Buffer.from(req.body), Buffer.from(" ")]) };
                    break;
                case "path":
                    bad = { ...req, rawUrl: `/x${req.rawUrl}` };
                    break;
                case "query":
                    bad = { ...req, rawUrl: `${req.rawUrl}${req.rawUrl.includes("?") ? "&" : "?"}zz=1` };
                    break;
                case "header":
                    bad = { ...req, headers: { ...req.headers, "x-project-id": `${String(req.headers["x-project-id"])}0` } };
                    break;
                case "signature":
                    bad = { ...req, headers: { ...req.headers, authorization: auth.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === "a" ? "b" : "a"}`) } };
                    break;
                case "dropped": {
                    const { "x-project-id": _gone, ...rest } = req.headers;
                    bad = { ...req, headers: rest };
                    break;
                }
            }
            tampered[kind]++;
            assert.equal(failureOf(check(bad, AK, SK, when)), kind === "dropped" ? "signed-header-missing" : "signature-mismatch", `${context} (${kind})`);
        }
        for (const [kind, n] of Object.entries(tampered)) assert.ok(n >= 50, `${kind} tampered ${n} times`);
    });
});
