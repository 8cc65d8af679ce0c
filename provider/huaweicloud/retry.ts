/**
 * When and how long to wait before trying a request again: exponential backoff with full jitter,
 * honouring `Retry-After`. Only answers that may change are retried: 429 (and the gateway's
 * throttling code APIGW.0308 under any status), 502, 503, 504, and connection resets and time-outs.
 */

export interface RetryPolicy {
    /** Retries after the first attempt. */
    maxRetries: number;
    baseDelayMs: number;
    maxDelayMs: number;
    /** In [0, 1). */
    random: () => number;
    sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 20_000;

export function defaultPolicy(maxRetries: number): RetryPolicy {
    return {
        maxRetries,
        baseDelayMs: DEFAULT_BASE_DELAY_MS,
        maxDelayMs: DEFAULT_MAX_DELAY_MS,
        random: Math.random,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
}

export const THROTTLED_CODE = "APIGW.0308";

/** The gateway's "slow down": 429, or its throttling code under any status. */
export function isThrottled(status: number, errorCode?: string): boolean {
    return status === 429 || errorCode === THROTTLED_CODE;
}

export function isRetryableStatus(status: number, errorCode?: string): boolean {
    return status === 429 || status === 502 || status === 503 || status === 504 || errorCode === THROTTLED_CODE;
}

const RETRYABLE_NETWORK_CODES = new Set([
    "ECONNRESET", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ECONNABORTED",
    "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CLOSED",
]);

/** The code of a network failure: undici's `code`, the cause's `code`, or `TimeoutError` for an aborted request. */
export function networkErrorCode(err: unknown): string | undefined {
    if (err === null || typeof err !== "object") return undefined;
    const e = err as { code?: unknown; name?: unknown; cause?: unknown };
    if (e.name === "TimeoutError") return "TimeoutError";
    if (typeof e.code === "string") return e.code;
    return e.cause !== undefined && e.cause !== err ? networkErrorCode(e.cause) : undefined;
}

/** Resets and time-outs may succeed next time; refused connections and unknown hosts will not. */
export function isRetryableNetworkError(err: unknown): boolean {
    const code = networkErrorCode(err);
    return code !== undefined && (code === "TimeoutError" || RETRYABLE_NETWORK_CODES.has(code));
}

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date), or undefined. Capped at `capMs`. */
export function retryAfterMs(value: string | undefined, now: Date, capMs: number): number | undefined {
    if (value === undefined || value.trim() === "") return undefined;
    const v = value.trim();
    let ms: number;
    if (/^\d+(\.\d+)?$/.test(v)) ms = Number(v) * 1000;
    else {
        const at = Date.parse(v);
        if (Number.isNaN(at)) return undefined;
        ms = at - now.getTime();
    }
    return Math.min(Math.max(0, ms), capMs);
}

/** Full jitter: a random wait in [0, min(max, base * 2^retry)). `retry` counts from 0. */
export function backoffMs(retry: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "random">): number {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
    return Math.floor(policy.random() * ceiling);
}
