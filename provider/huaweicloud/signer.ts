// Huawei Cloud API Gateway request signing, algorithm `SDK-HMAC-SHA256` (AK/SK).
//
// Small pure functions in the style of @aws-sdk/signature-v4: every step of the
// algorithm is exported so the test emulator can verify signatures with the same code
// and the unit tests can pin each step. Only node:crypto is used.
//
//   canonical request = method "\n" canonicalUri "\n" canonicalQuery "\n"
//                       canonicalHeaders (each "name:value\n") "\n" signed;headers "\n" hex sha256(body)
//   string to sign    = "SDK-HMAC-SHA256\n" X-Sdk-Date "\n" hex sha256(canonical request)
//   signature         = hex HMAC-SHA256(SK, string to sign)
//
// Behaviour compared with the official SDKs (checked against @huaweicloud/huaweicloud-sdk-core
// 3.1.211 by test/unit/signer.test.ts; Go and Python core read from source):
// * Path: every segment is percent-decoded and then encoded again (like the Python SDK's
//   `unquote` + `quote`), so an already encoded URL (WHATWG `URL.pathname`) is not encoded twice.
//   The Node SDK encodes the text of `url.parse(endpoint).pathname` without decoding; since
//   `url.parse` itself escapes some characters (space ' " < > ` { } | \ ^), the Node SDK signs
//   e.g. a space as "%2520" while the wire carries "%20": for those characters it double-encodes
//   and we do not. For every other character the results are identical.
// * Query: keys and values are decoded ("+" is a space, as in Go's url.ParseQuery and
//   URLSearchParams), sorted by key then value comparing the decoded UTF-8 bytes (= code point
//   order, like Go's sort.Strings and Python's sort), then encoded. The Node SDK sorts JavaScript
//   strings, i.e. by UTF-16 code unit, which differs only between characters U+E000..U+FFFF and
//   characters above U+FFFF. (The Go SDK also lower-cases query keys; Node and Python do not,
//   and neither do we.)
// * Header values are trimmed (Go: strings.TrimSpace, Python: strip()) and `signRequest` returns
//   the trimmed values, so what is signed is what is sent. The Node SDK signs values untrimmed.
// * Header names: the Node SDK orders its signed-header list by UTF-16 code unit but its
//   canonical-header lines with `localeCompare`; the two orders disagree for names containing
//   "_" (for example "x_a" and "x-a"), making such requests unverifiable. We use code point
//   order for both (identical for names made of a-z, 0-9, "-" and ".").
// * Host: the WHATWG URL `host` (lower-case, port kept unless it is the scheme default), i.e.
//   the Host header an HTTP client sends. The Node SDK uses `url.parse(...).host`, which keeps
//   an explicit default port such as ":443".
// * A header `X-Sdk-Content-Sha256` (any case) replaces the body hash, as in all official SDKs
//   (the Node SDK adds `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` to non-JSON requests).
// * The Node SDK hashes `JSON.stringify(request.data)`; we hash the exact body bytes.

import { createHmac } from "node:crypto";
import { canonicalRequestOf, compareCodePoints, parseUrl, sha256Hex, type SignableRequest } from "./canonical";

export { canonicalHeaders, canonicalQuery, canonicalRequest, canonicalUri, payloadHash, type SignableRequest } from "./canonical";

/** The signing algorithm name, first token of the Authorization header. */
export const ALGORITHM = "SDK-HMAC-SHA256";

/** Access key credentials; `securityToken` is set for temporary credentials. */
export interface AkSk {
    accessKey: string;
    secretKey: string;
    securityToken?: string;
}

const HEADER_SDK_DATE = "x-sdk-date";
const HEADER_HOST = "host";
const HEADER_SECURITY_TOKEN = "x-security-token";
const HEADER_AUTHORIZATION = "authorization";

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_IN_VALUE = /[\r\n\0]/;
const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Formats a date as X-Sdk-Date, `YYYYMMDDTHHMMSSZ` in UTC (milliseconds dropped), e.g. 20191115T033655Z. */
export function formatSdkDate(d: Date): string {
    const time = d.getTime();
    if (Number.isNaN(time)) throw new RangeError("signer: invalid date");
    const iso = d.toISOString(); // 2019-11-15T03:36:55.000Z, or ±YYYYYY-... outside years 0..9999
    if (!/^\d{4}-/.test(iso)) throw new RangeError("signer: date outside the years 0000..9999");
    return iso.slice(0, 19).replace(/[-:]/g, "") + "Z";
}

/** Parses a strict X-Sdk-Date value (`YYYYMMDDTHHMMSSZ`, a real UTC calendar time); undefined when invalid. */
export function parseSdkDate(s: string): Date | undefined {
    const m = SDK_DATE.exec(s);
    if (!m) return undefined;
    const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
    if (Number.isNaN(d.getTime()) || formatSdkDate(d) !== s) return undefined;
    return d;
}

/** String to sign: `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex sha256(canonical request)>`. */
export function stringToSign(sdkDate: string, canonicalRequestText: string): string {
    return `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequestText)}`;
}

/** Hex HMAC-SHA256 of the string to sign, keyed with the secret key (UTF-8). */
export function signature(secretKey: string, stringToSignText: string): string {
    if (secretKey === "") throw new Error("signer: the secret key is empty");
    return createHmac("sha256", secretKey).update(stringToSignText, "utf8").digest("hex");
}

/** Authorization header value: `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`. */
export function authorizationHeader(accessKey: string, signedHeaders: readonly string[], sig: string): string {
    const signed = signedHeaders.map((h) => h.toLowerCase()).join(";");
    return `${ALGORITHM} Access=${accessKey}, SignedHeaders=${signed}, Signature=${sig}`;
}

/**
 * Parses an Authorization header produced by `authorizationHeader` (or an official SDK);
 * undefined when it is not a well-formed `SDK-HMAC-SHA256` header with a 64-hex-digit signature.
 */
export function parseAuthorization(
    value: string,
): { accessKey: string; signedHeaders: string[]; signature: string } | undefined {
    const m = /^SDK-HMAC-SHA256 +Access=([^\s,]+), *SignedHeaders=([^\s,]+), *Signature=([0-9a-f]{64})$/.exec(
        value.trim(),
    );
    if (!m) return undefined;
    const signedHeaders = m[2].split(";");
    if (signedHeaders.some((h) => h === "")) return undefined;
    return { accessKey: m[1], signedHeaders, signature: m[3] };
}

/**
 * Signs a request and returns the headers to send: the input headers (values trimmed) plus
 * `Host` (the URL host, with its port when not the default; an input Host header wins),
 * `X-Sdk-Date` (from `now`), `X-Security-Token` (when the credentials have one) and
 * `Authorization`. Every returned header except Authorization is signed, like the official
 * Node/Python SDKs (a CCE call signs `content-type;host;x-project-id;x-sdk-date`). Input
 * `Authorization` and `X-Sdk-Date` headers are replaced. Errors never contain the secret key
 * or any header value.
 */
export function signRequest(req: SignableRequest, creds: AkSk, now: Date): Record<string, string> {
    if (!creds.accessKey) throw new Error("signer: the access key is empty");
    if (!creds.secretKey) throw new Error("signer: the secret key is empty");
    if (!/^[^\s,]+$/.test(creds.accessKey)) {
        throw new Error("signer: the access key contains white space or a comma");
    }
    if (creds.securityToken !== undefined && FORBIDDEN_IN_VALUE.test(creds.securityToken)) {
        throw new Error("signer: the security token contains a line break or NUL");
    }
    const url = parseUrl(req.url);
    const sdkDate = formatSdkDate(now);
    const token = creds.securityToken?.trim() || undefined;

    const out: Record<string, string> = {};
    const seen = new Set<string>();
    let host = url.host;
    for (const [name, value] of Object.entries(req.headers)) {
        if (!HEADER_NAME.test(name)) throw new Error(`signer: invalid header name ${JSON.stringify(name)}`);
        if (typeof value !== "string" || FORBIDDEN_IN_VALUE.test(value)) {
            throw new Error(`signer: header "${name}" must be a string without line breaks or NUL`);
        }
        const lower = name.toLowerCase();
        if (seen.has(lower)) throw new Error(`signer: header "${lower}" is given more than once (names differ only in case)`);
        seen.add(lower);
        if (lower === HEADER_AUTHORIZATION || lower === HEADER_SDK_DATE) continue;
        if (lower === HEADER_SECURITY_TOKEN && token !== undefined) continue;
        if (lower === HEADER_HOST) {
            host = value.trim();
            continue;
        }
        out[name] = value.trim();
    }
    out["Host"] = host;
    out["X-Sdk-Date"] = sdkDate;
    if (token !== undefined) out["X-Security-Token"] = token;

    // The names in `out` are distinct tokens (checked above): lower-casing them cannot collide.
    const byName = new Map<string, string>();
    for (const [name, value] of Object.entries(out)) byName.set(name.toLowerCase(), value);
    const signed = [...byName.keys()].sort(compareCodePoints);
    const text = canonicalRequestOf(req.method, url, byName, req.body, signed);
    const sig = signature(creds.secretKey, stringToSign(sdkDate, text));
    out["Authorization"] = authorizationHeader(creds.accessKey, signed, sig);
    return out;
}
