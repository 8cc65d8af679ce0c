/**
 * API gateway throttling: at most `limit` requests per sliding window, per credential or for
 * everyone together; above it, 429 `APIGW.0308`.
 */
import { APIGW_THROTTLED, gatewayError, type ApiAnswer } from "./answers";
import type { RateLimitOption } from "./options";

export class RateLimiter {
    private readonly windows = new Map<string, number[]>();

    constructor(private readonly limit: Required<RateLimitOption>) {}

    get scope(): "credential" | "global" {
        return this.limit.scope;
    }

    /** Counts one request of `key` at `nowMs`; true when it is over the limit (and then not counted). */
    private over(key: string, nowMs: number): boolean {
        const since = nowMs - this.limit.windowMs;
        const times = (this.windows.get(key) ?? []).filter((t) => t > since);
        if (times.length >= this.limit.limit) {
            this.windows.set(key, times);
            return true;
        }
        times.push(nowMs);
        this.windows.set(key, times);
        return false;
    }

    /** undefined when the request may go on, else the 429 answer. `key` is ignored for a global limit. */
    check(key: string, nowMs: number, requestId: string): ApiAnswer | undefined {
        const k = this.limit.scope === "global" ? "*" : key;
        if (!this.over(k, nowMs)) return undefined;
        const unit = this.limit.windowMs === 1000 ? "1 second" : this.limit.windowMs === 60000 ? "1 minute" : `${this.limit.windowMs} ms`;
        const headers: Record<string, string> = this.limit.retryAfter ? { "Retry-After": String(Math.max(1, Math.ceil(this.limit.windowMs / 1000))) } : {};
        return gatewayError(
            429,
            APIGW_THROTTLED,
            `The throttling threshold has been reached: policy ${this.limit.scope === "global" ? "api" : "user"} over ratelimit,limit:${this.limit.limit},time:${unit}`,
            requestId,
            headers,
        );
    }

    reset(): void {
        this.windows.clear();
    }
}
