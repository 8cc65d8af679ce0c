/**
 * What a route handler returns, and the error bodies of the services the emulator stands in for:
 * the API gateway (`error_code`/`error_msg`/`request_id`), CCE (`errorCode`/`errorMessage`) and IAM
 * (`{"error":{"code","message","title"}}`).
 */

export interface ApiAnswer {
    status: number;
    headers?: Record<string, string>;
    /** Sent as is (JSON text for every emulated route). */
    body: string | Buffer;
    /** For the call log: the error code this answer carries, if any. */
    errorCode?: string;
}

const JSON_TYPE = "application/json;charset=UTF-8";

export function json(status: number, value: unknown, headers: Record<string, string> = {}): ApiAnswer {
    return { status, headers: { "Content-Type": JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

/** CCE's own errors, e.g. CCE.01400001 (400), CCE.01403001 (403), CCE.01404001 (404). */
export function cceError(status: number, code: string, message: string): ApiAnswer {
    return { ...json(status, { errorCode: code, errorMessage: message }), errorCode: code };
}

/** API gateway errors, e.g. APIGW.0301 (401), APIGW.0308 (429), APIGW.0101 (404). */
export function gatewayError(status: number, code: string, message: string, requestId: string, headers: Record<string, string> = {}): ApiAnswer {
    return { ...json(status, { error_code: code, error_msg: message, request_id: requestId }, headers), errorCode: code };
}

/** Keystone-style IAM errors: `{"error":{"code":401,"message":…,"title":"Unauthorized"}}`. */
export function iamError(status: number, message: string, title: string): ApiAnswer {
    return { ...json(status, { error: { code: status, message, title } }), errorCode: String(status) };
}

export const CCE_BAD_REQUEST = "CCE.01400001";
export const CCE_FORBIDDEN = "CCE.01403001";
export const CCE_NOT_FOUND = "CCE.01404001";
/** Emulator's choice for "this cluster version does not support the API" (see README). */
export const CCE_VERSION_UNSUPPORTED = "CCE.01404002";
export const APIGW_AUTH = "APIGW.0301";
export const APIGW_THROTTLED = "APIGW.0308";
export const APIGW_NO_API = "APIGW.0101";
