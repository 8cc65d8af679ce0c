/**
 * Verifies an `SDK-HMAC-SHA256` (AK/SK) signature the way the API gateway does: from the request as
 * received (method, raw path and query, the received values of the signed headers, the exact body
 * bytes), with the gateway-side canonicalization of `canonical.ts`, which is written from Huawei's
 * signing guide and shares no code with `provider/huaweicloud/signer.ts` (so the provider's client is checked
 * against something independent, not against itself).
 */
import type { IncomingHttpHeaders } from "node:http";
import { readAuthorization, readSdkDate, sameSignature, signatureOf, toBeSigned, wireCanonicalRequest } from "./canonical";

export interface ReceivedRequest {
    method: string;
    /** The request target exactly as received, e.g. "/v3/projects?name=eu-west-0". */
    rawUrl: string;
    headers: IncomingHttpHeaders;
    body: Uint8Array;
}

export interface SecretLookup {
    secretKey: string;
    securityToken?: string;
}

export type SignatureFailure =
    | "malformed"
    | "unknown-access-key"
    | "sdk-date-not-signed"
    | "bad-sdk-date"
    | "clock-skew"
    | "signed-header-missing"
    | "security-token"
    | "signature-mismatch";

export type SignatureCheck =
    | { ok: true; accessKey: string; signedHeaders: string[]; sdkDate: Date }
    | { ok: false; failure: SignatureFailure; message: string; accessKey?: string };

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
    const v = headers[name];
    if (v === undefined) return undefined;
    return Array.isArray(v) ? v.join(",") : v;
}

/** Received header values by lower-case name (node already lower-cases them). */
function headerMap(headers: IncomingHttpHeaders): Map<string, string> {
    const map = new Map<string, string>();
    for (const name of Object.keys(headers)) {
        const value = headerValue(headers, name);
        if (value !== undefined) map.set(name.toLowerCase(), value);
    }
    return map;
}

/** Checks the Authorization header of `req` against the secret `lookup` returns for its AK. */
export function verifySignature(
    req: ReceivedRequest,
    lookup: (accessKey: string) => SecretLookup | undefined,
    now: Date,
    skewToleranceMs: number,
): SignatureCheck {
    const header = headerValue(req.headers, "authorization") ?? "";
    const auth = readAuthorization(header);
    if (!auth) return { ok: false, failure: "malformed", message: "the Authorization header is not a valid SDK-HMAC-SHA256 signature header" };
    const { accessKey } = auth;
    const secret = lookup(accessKey);
    if (!secret) return { ok: false, failure: "unknown-access-key", message: "the access key does not exist", accessKey };
    const signed = auth.signedHeaders.map((h) => h.toLowerCase());
    if (!signed.includes("x-sdk-date")) {
        return { ok: false, failure: "sdk-date-not-signed", message: "x-sdk-date is not among the signed headers", accessKey };
    }
    const sdkDateText = headerValue(req.headers, "x-sdk-date")?.trim();
    const sdkDate = sdkDateText === undefined ? undefined : readSdkDate(sdkDateText);
    if (sdkDateText === undefined || sdkDate === undefined) {
        return { ok: false, failure: "bad-sdk-date", message: "the X-Sdk-Date header is missing or not in the format YYYYMMDDTHHMMSSZ", accessKey };
    }
    const skew = Math.abs(sdkDate.getTime() - now.getTime());
    if (skew > skewToleranceMs) {
        return {
            ok: false,
            failure: "clock-skew",
            message:
                `the request time (X-Sdk-Date ${sdkDateText}) differs from the server time ` +
                `${now.toISOString().replace(/\.\d{3}Z$/, "Z")} by ${Math.round(skew / 1000)} s, more than the ${Math.round(skewToleranceMs / 60000)} minutes allowed (clock skew)`,
            accessKey,
        };
    }
    const headers = headerMap(req.headers);
    const missing = signed.find((name) => !headers.has(name));
    if (missing !== undefined) {
        return { ok: false, failure: "signed-header-missing", message: `the signed header ${missing} is not in the request`, accessKey };
    }
    if (secret.securityToken !== undefined) {
        const presented = headers.get("x-security-token");
        if (presented === undefined || presented.trim() !== secret.securityToken) {
            return {
                ok: false,
                failure: "security-token",
                message: presented === undefined ? "temporary credentials need the X-Security-Token header" : "the security token is invalid",
                accessKey,
            };
        }
    }
    const text = wireCanonicalRequest({ method: req.method, target: req.rawUrl, headers, body: req.body }, signed);
    const expected = signatureOf(secret.secretKey, toBeSigned(sdkDateText, text));
    if (!sameSignature(expected, auth.signature)) {
        return { ok: false, failure: "signature-mismatch", message: "verify aksk signature fail", accessKey };
    }
    return { ok: true, accessKey, signedHeaders: signed, sdkDate };
}
