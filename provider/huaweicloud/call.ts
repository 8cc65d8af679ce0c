/**
 * One authenticated call to a Huawei Cloud API, with retries: signs (AK/SK) or attaches a token on
 * every attempt, retries what may change, and turns error answers into CloudApiError/NetworkError.
 */
import { CloudApiError, describeBody, MalformedAnswerError, NetworkError, parseErrorBody } from "./errors";
import { gateFor, type OriginGate, type Outcome } from "./gate";
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
    const ticket = gate.ticket();
    for (let attempt = 1; ; attempt++) {
        const step = await attemptOnce(req, auth, opts, gate, ticket, attempt);
        if (step.kind === "done") return step.response;
        opts.log(step.logLine);
        await opts.policy.sleep(step.waitMs);
    }
}

/** A refused answer as the response the retry logic judges: its status, and the reason instead of a body. */
function refusedResponse(err: AnswerRefusedError): HttpResponse & { refused: string } {
    return { status: err.status, headers: err.headers, body: "", refused: err.reason };
}

/** One attempt's result: the answer, or how long to wait before the next attempt and the line that says so. */
type Step = { kind: "done"; response: ApiResponse } | { kind: "retry"; waitMs: number; logLine: string };

/** What an answer (or its absence) means: for the gate, and for the call. */
interface Verdict {
    outcome: Outcome;
    /** Retry-After of a retryable answer, in ms. */
    advised?: number;
    /** The answer; or the error to throw; or what to say before retrying. */
    result: { kind: "done"; response: ApiResponse } | { kind: "fail"; error: Error } | { kind: "retry"; what: string };
}

/**
 * One attempt, holding a place of the origin's gate from before sending until the answer is read,
 * and telling the gate what the answer says about the origin's load. Throws the call's error when
 * it must not, or may no more, be retried.
 */
async function attemptOnce(req: ApiRequest, auth: Auth, opts: CallOptions, gate: OriginGate, ticket: number, attempt: number): Promise<Step> {
    const permit = await gate.acquire(ticket);
    let verdict: Verdict;
    try {
        verdict = await sendAndJudge(req, auth, opts, attempt);
    } catch (e) {
        gate.release(permit, "neutral");
        throw e;
    }
    const held = gate.release(permit, verdict.outcome, verdict.advised);
    const r = verdict.result;
    if (r.kind === "done") return r;
    if (r.kind === "fail") throw r.error;
    // Retry-After first; else, when the gate holds a throttled call's retry until the gateway has
    // room, no wait of its own; else the backoff.
    const { advised } = verdict;
    const paced = advised === undefined && verdict.outcome === "throttled" && held;
    const waitMs = advised ?? (paced ? 0 : backoffMs(attempt - 1, opts.policy));
    const when = paced
        ? `when the gateway has room (paced at ${(gate.state().rate ?? 0).toFixed(1)} calls/s)`
        : `in ${waitMs} ms${advised !== undefined ? " (Retry-After)" : ""}`;
    return { kind: "retry", waitMs, logLine: `${req.operation}: ${r.what}; retry ${attempt} of ${opts.policy.maxRetries} ${when}` };
}

/** Sends one attempt and judges the answer; throws only on what is not an answer or a network failure (e.g. signing). */
async function sendAndJudge(req: ApiRequest, auth: Auth, opts: CallOptions, attempt: number): Promise<Verdict> {
    const retriesLeft = attempt <= opts.policy.maxRetries;
    let res: HttpResponse & { refused?: string };
    try {
        res = await send({ method: req.method, url: req.url, headers: authorize(req, auth, opts.now()), body: req.body, timeoutMs: opts.timeoutMs }, opts.env);
    } catch (err) {
        if (!(err instanceof AnswerRefusedError)) {
            const what = describeNetworkError(err);
            if (retriesLeft && isRetryableNetworkError(err)) return { outcome: "overloaded", result: { kind: "retry", what: `${what} (${networkErrorCode(err)})` } };
            return { outcome: "overloaded", result: { kind: "fail", error: new NetworkError(req.operation, new URL(req.url).origin, what, networkErrorCode(err), attempt, err) } };
        }
        res = refusedResponse(err);
    }
    const requestId = res.headers["x-request-id"];
    if (res.status >= 200 && res.status < 300) {
        if (res.refused !== undefined) return { outcome: "ok", result: { kind: "fail", error: new MalformedAnswerError(req.operation, res.refused, requestId, res.status) } };
        return { outcome: "ok", result: { kind: "done", response: { ...res, ...(requestId ? { requestId } : {}), attempts: attempt } } };
    }
    // The server's words, without anything of ours it may have echoed.
    const text = opts.secrets.redact(res.body);
    const body = parseErrorBody(text);
    const retryable = isRetryableStatus(res.status, body.code);
    const outcome: Outcome = isThrottled(res.status, body.code) ? "throttled" : retryable ? "overloaded" : "neutral";
    const error = { ...body, requestId: requestId ?? body.requestId };
    const advised = retryable ? retryAfterMs(res.headers["retry-after"], opts.now(), opts.policy.maxDelayMs) : undefined;
    const withAdvice = advised !== undefined ? { advised } : {};
    if (!retriesLeft || !retryable) {
        return { outcome, ...withAdvice, result: { kind: "fail", error: new CloudApiError(req.operation, res.status, error, res.refused ?? describeBody(text, res.headers["content-type"]), attempt) } };
    }
    const what = `${res.status}${body.code ? ` ${safeText(body.code, 64)}` : ""}${error.requestId ? ` (request id ${safeText(error.requestId, 80)})` : ""}`;
    return { outcome, ...withAdvice, result: { kind: "retry", what } };
}
