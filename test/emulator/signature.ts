/**
 * Verifies an `SDK-HMAC-SHA256` (AK/SK) signature the way the API gateway does: from the request as
 * received (method, raw path and query, the received values of the signed headers, the exact
 * body bytes), with the pure functions of `provider/signer.ts`.
 */
import type { IncomingHttpHeaders } from "node:http";
import { canonicalRequest, parseAuthorization, parseSdkDate, signature, stringToSign } from "../../provider/signer";

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

function absoluteUrl(rawUrl: string): string {
    return rawUrl.startsWith("/") ? `https://emulator.invalid${rawUrl}` : rawUrl;
}

/** Checks the Authorization header of `req` against the secret `lookup` returns for its AK. */
export function verifySignature(
    req: ReceivedRequest,
    lookup: (accessKey: string) => SecretLookup | undefined,
    now: Date,
    skewToleranceMs: number,
): SignatureCheck {
    const header = headerValue(req.headers, "authorization") ?? "";
    const auth = parseAuthorization(header);
    if (!auth) return { ok: false, failure: "malformed", message: "the Authorization header is not a valid SDK-HMAC-SHA256 signature header" };
    const { accessKey } = auth;
    const secret = lookup(accessKey);
    if (!secret) return { ok: false, failure: "unknown-access-key", message: "the access key does not exist", accessKey };
    const signed = auth.signedHeaders.map((h) => h.toLowerCase());
    if (!signed.includes("x-sdk-date")) {
        return { ok: false, failure: "sdk-date-not-signed", message: "x-sdk-date is not among the signed headers", accessKey };
    }
    const sdkDateText = headerValue(req.headers, "x-sdk-date");
    const sdkDate = sdkDateText === undefined ? undefined : parseSdkDate(sdkDateText.trim());
    if (sdkDateText === undefined || sdkDate === undefined) {
        return { ok: false, failure: "bad-sdk-date", message: "the X-Sdk-Date header is missing or not in the format YYYYMMDDTHHMMSSZ", accessKey };
    }
    const skew = Math.abs(sdkDate.getTime() - now.getTime());
    if (skew > skewToleranceMs) {
        return {
            ok: false,
            failure: "clock-skew",
            message:
                `the request time (X-Sdk-Date ${sdkDateText.trim()}) differs from the server time ` +
                `${now.toISOString().replace(/\.\d{3}Z$/, "Z")} by ${Math.round(skew / 1000)} s, more than the ${Math.round(skewToleranceMs / 60000)} minutes allowed (clock skew)`,
            accessKey,
        };
    }
    const headers: Record<string, string> = {};
    for (const name of signed) {
        const value = headerValue(req.headers, name);
        if (value === undefined) {
            return { ok: false, failure: "signed-header-missing", message: `the signed header ${name} is not in the request`, accessKey };
        }
        headers[name] = value;
    }
    const contentSha = headerValue(req.headers, "x-sdk-content-sha256");
    if (contentSha !== undefined) headers["x-sdk-content-sha256"] = contentSha;
    if (secret.securityToken !== undefined) {
        const presented = headerValue(req.headers, "x-security-token");
        if (presented === undefined || presented.trim() !== secret.securityToken) {
            return {
                ok: false,
                failure: "security-token",
                message: presented === undefined ? "temporary credentials need the X-Security-Token header" : "the security token is invalid",
                accessKey,
            };
        }
    }
    let expected: string;
    try {
        const text = canonicalRequest({ method: req.method, url: absoluteUrl(req.rawUrl), headers, body: req.body }, signed);
        expected = signature(secret.secretKey, stringToSign(sdkDateText.trim(), text));
    } catch {
        return { ok: false, failure: "malformed", message: "the request cannot be canonicalized", accessKey };
    }
    if (expected !== auth.signature) {
        return { ok: false, failure: "signature-mismatch", message: "verify aksk signature fail", accessKey };
    }
    return { ok: true, accessKey, signedHeaders: signed, sdkDate };
}
