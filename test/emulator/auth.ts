/**
 * Authentication of every route but `POST /v3/auth/tokens`, as the API gateway does it: an
 * `X-Auth-Token` (configured or issued by IAM, not expired) or an AK/SK signature. Failures are
 * 401 gateway errors (`APIGW.0301`, "Incorrect IAM authentication information: …").
 */
import { APIGW_AUTH, gatewayError, type ApiAnswer } from "./answers";
import type { Identity, IdentityRegistry } from "./identity";
import { verifySignature, type ReceivedRequest, type SignatureFailure } from "./signature";

export type AuthKind = "aksk" | "token" | "password" | "x509" | "none";

export type AuthOutcome =
    | { ok: true; kind: AuthKind; identity: Identity }
    | { ok: false; kind: AuthKind; answer: ApiAnswer; failure: SignatureFailure | "token-invalid" | "token-expired" | "no-credentials"; accessKey?: string };

const PREFIX = "Incorrect IAM authentication information: ";

function header(req: ReceivedRequest, name: string): string | undefined {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
}

/** Authenticates `req`; a token wins when both a token and a signature are present. */
export function authenticate(req: ReceivedRequest, registry: IdentityRegistry, now: Date, skewToleranceMs: number, requestId: string): AuthOutcome {
    const token = header(req, "x-auth-token");
    if (token !== undefined && token !== "") {
        const record = registry.token(token.trim());
        if (!record) {
            return { ok: false, kind: "token", failure: "token-invalid", answer: gatewayError(401, APIGW_AUTH, `${PREFIX}decrypt token fail`, requestId) };
        }
        if (record.expiresAt !== undefined && record.expiresAt.getTime() <= now.getTime()) {
            return { ok: false, kind: "token", failure: "token-expired", answer: gatewayError(401, APIGW_AUTH, `${PREFIX}token expires`, requestId) };
        }
        return { ok: true, kind: "token", identity: registry.identityForToken(record) };
    }
    const authorization = header(req, "authorization");
    if (authorization === undefined || authorization === "") {
        return {
            ok: false,
            kind: "none",
            failure: "no-credentials",
            answer: gatewayError(401, APIGW_AUTH, `${PREFIX}x-auth-token not found and no SDK-HMAC-SHA256 Authorization header`, requestId),
        };
    }
    const check = verifySignature(
        req,
        (ak) => {
            const c = registry.credential(ak);
            return c ? { secretKey: c.secretKey, ...(c.securityToken !== undefined ? { securityToken: c.securityToken } : {}) } : undefined;
        },
        now,
        skewToleranceMs,
    );
    if (!check.ok) {
        return {
            ok: false,
            kind: "aksk",
            failure: check.failure,
            ...(check.accessKey !== undefined ? { accessKey: check.accessKey } : {}),
            answer: gatewayError(401, APIGW_AUTH, PREFIX + check.message, requestId),
        };
    }
    const credential = registry.credential(check.accessKey);
    if (!credential) throw new Error("unreachable: verified AK has no credential");
    return { ok: true, kind: "aksk", identity: registry.identityForCredential(credential) };
}
