/**
 * One authenticated call to a Huawei Cloud API, with retries: signs (AK/SK) or attaches a token on
 * every attempt, retries what may change, and turns error answers into CloudApiError/NetworkError.
 */
import { CloudApiError, describeBody, NetworkError, parseErrorBody } from "./errors";
import { send, type HttpResponse } from "./http";
import { backoffMs, isRetryableNetworkError, isRetryableStatus, networkErrorCode, retryAfterMs, type RetryPolicy } from "./retry";
import type { Env } from "./settings";
import { signRequest, type AkSk } from "./signer";

export type Auth = { kind: "aksk"; creds: AkSk } | { kind: "token"; token: string } | { kind: "none" };

export interface CallOptions {
    env: Env;
    timeoutMs: number;
    policy: RetryPolicy;
    /** One line per retry, shown to the user; never given secrets. */
    log: (line: string) => void;
    now: () => Date;
}

export interface ApiRequest {
    /** For messages, e.g. "CCE clustercert". */
    operation: string;
    method: "GET" | "POST" | "DELETE";
    url: string;
    headers?: Record<string, string>;
    /** Sent as is; it is also exactly what is hashed for the signature. */
    body?: string;
}

export interface ApiResponse extends HttpResponse {
    requestId?: string;
    attempts: number;
}

function authorize(req: ApiRequest, auth: Auth, now: Date): Record<string, string> {
    const headers = { ...(req.headers ?? {}) };
    switch (auth.kind) {
        case "aksk":
            return signRequest({ method: req.method, url: req.url, headers, body: req.body ?? "" }, auth.creds, now);
        case "token":
            return { ...headers, "X-Auth-Token": auth.token };
        case "none":
            return headers;
    }
}

function describeNetworkError(err: unknown): string {
    const code = networkErrorCode(err);
    if (code === "TimeoutError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return "timed out";
    if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
    if (code === "ECONNREFUSED") return "connection refused";
    if (code === "ENOTFOUND") return "host not found";
    if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return "TLS certificate not trusted";
    return "network error";
}

/** Sends the request, retrying per `policy`; resolves only with a 2xx answer. */
export async function callApi(req: ApiRequest, auth: Auth, opts: CallOptions): Promise<ApiResponse> {
    const attemptsAllowed = opts.policy.maxRetries + 1;
    for (let attempt = 1; ; attempt++) {
        let res: HttpResponse;
        try {
            res = await send({ method: req.method, url: req.url, headers: authorize(req, auth, opts.now()), body: req.body, timeoutMs: opts.timeoutMs }, opts.env);
        } catch (err) {
            const what = describeNetworkError(err);
            if (attempt < attemptsAllowed && isRetryableNetworkError(err)) {
                const wait = backoffMs(attempt - 1, opts.policy);
                opts.log(`${req.operation}: ${what} (${networkErrorCode(err)}); retry ${attempt} of ${opts.policy.maxRetries} in ${wait} ms`);
                await opts.policy.sleep(wait);
                continue;
            }
            throw new NetworkError(req.operation, new URL(req.url).origin, what, networkErrorCode(err), attempt);
        }
        const requestId = res.headers["x-request-id"];
        if (res.status >= 200 && res.status < 300) return { ...res, ...(requestId ? { requestId } : {}), attempts: attempt };
        const body = parseErrorBody(res.body);
        const error = { ...body, requestId: requestId ?? body.requestId };
        if (attempt < attemptsAllowed && isRetryableStatus(res.status, body.code)) {
            const advised = retryAfterMs(res.headers["retry-after"], opts.now(), opts.policy.maxDelayMs);
            const wait = advised ?? backoffMs(attempt - 1, opts.policy);
            opts.log(
                `${req.operation}: ${res.status}${body.code ? ` ${body.code}` : ""}${error.requestId ? ` (request id ${error.requestId})` : ""}; ` +
                    `retry ${attempt} of ${opts.policy.maxRetries} in ${wait} ms${advised !== undefined ? " (Retry-After)" : ""}`,
            );
            await opts.policy.sleep(wait);
            continue;
        }
        throw new CloudApiError(req.operation, res.status, error, describeBody(res.body, res.headers["content-type"]), attempt);
    }
}
