/**
 * One authenticated call to a Huawei Cloud API, with retries: signs (AK/SK) or attaches a token on
 * every attempt, retries what may change, and turns error answers into CloudApiError/NetworkError.
 */
import { CloudApiError, describeBody, MalformedAnswerError, NetworkError, parseErrorBody } from "./errors";
import { gateFor, type OriginGate } from "./gate";
import { AnswerRefusedError, send, type HttpResponse } from "./http";
import type { Secrets } from "../util/redact";
import { backoffMs, isRetryableNetworkError, isRetryableStatus, isThrottled, networkErrorCode, retryAfterMs, type RetryPolicy } from "./retry";
import type { Env } from "./credentials";
import { signRequest, type AkSk } from "./signer";
import { safeText } from "../util/text";

export type Auth = { kind: "aksk"; creds: AkSk } | { kind: "token"; token: string } | { kind: "none" };

export interface CallOptions {
    env: Env;
    timeoutMs: number;
    policy: RetryPolicy;
    /** One line per retry, shown to the user; never given secrets. */
    log: (line: string) => void;
    now: () => Date;
    /**
     * The secrets of the operation (credentials, tokens obtained on the way): removed from the
     * server's text before it reaches an error or a log line (a server may echo the request).
     */
    secrets: Secrets;
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

/** The status a proxy answered instead of opening the tunnel (undici: "Proxy response (407) !== 200 …"). */
function proxyRefusal(err: unknown): string | undefined {
    for (let e: unknown = err, depth = 0; e !== null && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
        const m = /Proxy response \((\d{3})\)/.exec(String((e as { message?: unknown }).message ?? ""));
        if (m) return m[1];
    }
    return undefined;
}

function describeNetworkError(err: unknown): string {
    const proxyStatus = proxyRefusal(err);
    if (proxyStatus !== undefined) {
        return `the proxy refused the tunnel with HTTP ${proxyStatus}${proxyStatus === "407" ? ", proxy authentication failed" : ""}`;
    }
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
    const gate = gateFor(req.url);
    await gate.enter();
    try {
        return await attempts(req, auth, opts, gate);
    } finally {
        gate.leave();
    }
}

/** A refused answer as the response the retry logic judges: its status, and the reason instead of a body. */
function refusedResponse(err: AnswerRefusedError): HttpResponse & { refused: string } {
    return { status: err.status, headers: err.headers, body: "", refused: err.reason };
}

async function attempts(req: ApiRequest, auth: Auth, opts: CallOptions, gate: OriginGate): Promise<ApiResponse> {
    const attemptsAllowed = opts.policy.maxRetries + 1;
    for (let attempt = 1; ; attempt++) {
        let res: HttpResponse & { refused?: string };
        try {
            res = await send({ method: req.method, url: req.url, headers: authorize(req, auth, opts.now()), body: req.body, timeoutMs: opts.timeoutMs }, opts.env);
        } catch (err) {
            if (err instanceof AnswerRefusedError) res = refusedResponse(err);
            else {
                const what = describeNetworkError(err);
                if (attempt < attemptsAllowed && isRetryableNetworkError(err)) {
                    const wait = backoffMs(attempt - 1, opts.policy);
                    opts.log(`${req.operation}: ${what} (${networkErrorCode(err)}); retry ${attempt} of ${opts.policy.maxRetries} in ${wait} ms`);
                    await opts.policy.sleep(wait);
                    continue;
                }
                throw new NetworkError(req.operation, new URL(req.url).origin, what, networkErrorCode(err), attempt, err);
            }
        }
        const requestId = res.headers["x-request-id"];
        if (res.status >= 200 && res.status < 300) {
            gate.succeeded();
            if (res.refused !== undefined) throw new MalformedAnswerError(req.operation, res.refused, requestId, res.status);
            return { ...res, ...(requestId ? { requestId } : {}), attempts: attempt };
        }
        // The server's words, without anything of ours it may have echoed.
        const text = opts.secrets.redact(res.body);
        const body = parseErrorBody(text);
        const throttled = isThrottled(res.status, body.code);
        if (throttled) gate.throttled();
        const error = { ...body, requestId: requestId ?? body.requestId };
        if (attempt < attemptsAllowed && isRetryableStatus(res.status, body.code)) {
            const advised = retryAfterMs(res.headers["retry-after"], opts.now(), opts.policy.maxDelayMs);
            const wait = advised ?? backoffMs(attempt - 1, opts.policy);
            opts.log(
                `${req.operation}: ${res.status}${body.code ? ` ${safeText(body.code, 64)}` : ""}${error.requestId ? ` (request id ${safeText(error.requestId, 80)})` : ""}; ` +
                    `retry ${attempt} of ${opts.policy.maxRetries} in ${wait} ms${advised !== undefined ? " (Retry-After)" : ""}`,
            );
            if (throttled) await gate.backOff(wait, opts.policy.sleep);
            else await opts.policy.sleep(wait);
            continue;
        }
        throw new CloudApiError(req.operation, res.status, error, res.refused ?? describeBody(text, res.headers["content-type"]), attempt);
    }
}
