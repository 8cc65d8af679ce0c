/**
 * The cloud's error answers, and the errors this provider shows to users. Messages name the HTTP
 * status, the error code, the cloud's message and the request id, then say what to do next. They
 * never contain credentials, keys or certificate bodies (see `redact.ts`), and every piece of text
 * the server chose (code, message, request id, page title) is one bounded line with its control
 * characters escaped (`text.ts`), so an answer cannot write to the user's terminal.
 */
import { ClusterCertError } from "../util/errors";
import { quote, safeText } from "../util/text";

export interface ApiErrorBody {
    code?: string;
    message?: string;
    requestId?: string;
}

function str(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
}

function fromObject(o: Record<string, unknown>): ApiErrorBody {
    return {
        code: str(o.errorCode) ?? str(o.error_code) ?? str(o.code),
        message: str(o.errorMessage) ?? str(o.error_msg) ?? str(o.message) ?? str(o.error_description),
        requestId: str(o.request_id) ?? str(o.requestId),
    };
}

/**
 * Reads the four shapes the cloud uses: `errorCode/errorMessage` (CCE), `error_code/error_msg`
 * (API gateway), `code/message`, and any of them nested under `error` (IAM: `{"error":{"code":401,"message":…}}`).
 * Returns an empty object for bodies that are not JSON objects.
 */
export function parseErrorBody(body: string): ApiErrorBody {
    let parsed: unknown;
    try {
        parsed = JSON.parse(body);
    } catch {
        return {};
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    const top = fromObject(parsed as Record<string, unknown>);
    const nested = (parsed as Record<string, unknown>).error;
    if (nested !== null && typeof nested === "object" && !Array.isArray(nested)) {
        const inner = fromObject(nested as Record<string, unknown>);
        return { code: top.code ?? inner.code, message: top.message ?? inner.message, requestId: top.requestId ?? inner.requestId };
    }
    return top;
}

/** A short, safe description of a body that is not a JSON error (HTML page, truncated JSON, empty). */
export function describeBody(body: string, contentType: string | undefined): string {
    if (body.trim() === "") return "an empty body";
    const type = safeText(contentType?.split(";")[0]?.trim() || "unknown type", 60);
    const title = /<title>([^<]{1,200})<\/title>/i.exec(body)?.[1]?.trim();
    return `a ${type} body of ${Buffer.byteLength(body)} bytes${title ? ` titled ${quote(title, 80)}` : ""}`;
}

const HINTS: Record<number, string> = {
    400: "The request was rejected as invalid: check duration/expiresAt and the cluster version (clusters older than v1.13 need legacyApi: true).",
    401: "Authentication failed: check the access key/secret key or token, and that this machine's clock is right (AK/SK signatures allow 15 minutes of skew).",
    403: "Permission denied: the IAM user or agency needs the action cce:cluster:generateClientCredential on this cluster (e.g. the CCE FullAccess or CCE Administrator role in this project).",
    404: "Not found: check clusterId, projectId and the region/endpoint (the cluster must exist in that project and region).",
    429: "The API gateway throttled the request and the retries ran out: lower the parallelism (pulumi up --parallel) or raise maxRetries.",
};

/** A password token request rejected by IAM is about the password, not an AK/SK or the clock. */
const IAM_PASSWORD_401 =
    "IAM rejected the password login: check the user name, password and account (domain) name (huaweicloud:userName/password/domainName or HW_USER_NAME/HW_USER_PASSWORD/HW_DOMAIN_NAME).";

/**
 * A 404 from one clustercert API may mean the cluster is of the other type: CCE Autopilot clusters
 * are served on `/autopilot/v3/…` only, standard ones on `/api/v3/…` only.
 */
const STANDARD_404 =
    `${HINTS[404]} If it is a CCE Autopilot cluster, set clusterType: "autopilot" (CLI: --cluster-type autopilot).`;
const AUTOPILOT_404 = `${HINTS[404]} If it is a standard CCE cluster (not Autopilot), leave out clusterType "autopilot".`;

function hintFor(status: number, operation: string): string {
    if (status === 401 && operation === "IAM token") return IAM_PASSWORD_401;
    if (status === 404 && operation.startsWith("CCE clustercert") && !operation.startsWith("CCE clustercertrevoke")) return STANDARD_404;
    if (status === 404 && operation === "CCE Autopilot clustercert") return AUTOPILOT_404;
    return HINTS[status] ?? (status >= 500 ? "The service failed: retry later; if it persists, quote the request id to Huawei Cloud support." : "");
}

/** An error answer from CCE or IAM (code "api"); `apiCode` is the cloud's own error code, e.g. `CCE.01404001`. */
export class CloudApiError extends ClusterCertError {
    declare readonly status: number;
    readonly apiCode?: string;
    readonly apiMessage?: string;
    constructor(operation: string, status: number, body: ApiErrorBody, fallback: string, attempts = 1) {
        const parts = [`${operation} failed: ${status}`];
        // IAM's code is the status again ({"error":{"code":401,…}}): say it once.
        if (body.code && body.code !== String(status)) parts.push(safeText(body.code, 64));
        parts.push(body.message !== undefined ? quote(body.message, 300) : `(${fallback})`);
        let message = parts.join(" ");
        if (body.requestId) message += ` (request id ${safeText(body.requestId, 80)})`;
        if (attempts > 1) message += ` after ${attempts} attempts`;
        const hint = hintFor(status, operation);
        super("api", hint ? `${message}. ${hint}` : message, { status, ...(body.requestId !== undefined ? { requestId: body.requestId } : {}) });
        if (body.code !== undefined) this.apiCode = body.code;
        if (body.message !== undefined) this.apiMessage = body.message;
    }
}

/** A successful (2xx) answer whose content is unusable (code "bad-answer"); the message names the status and the part that is wrong. */
export class MalformedAnswerError extends ClusterCertError {
    constructor(operation: string, what: string, requestId?: string, status = 200, cause?: unknown) {
        super(
            "bad-answer",
            `${operation}: the API answered ${status} but ${what}${requestId ? ` (request id ${safeText(requestId, 80)})` : ""}. This is a cloud-side fault; retry, and report the request id if it persists.`,
            { status, ...(requestId !== undefined ? { requestId } : {}), ...(cause !== undefined ? { cause } : {}) },
        );
    }
}

/** A request that never got an HTTP answer: connection refused or reset, time-out, TLS failure (code "network"). */
export class NetworkError extends ClusterCertError {
    readonly causeCode?: string;
    constructor(operation: string, url: string, cause: string, causeCode: string | undefined, attempts: number, error?: unknown) {
        super(
            "network",
            `${operation} failed: no answer from ${url} (${cause}${causeCode ? `, ${causeCode}` : ""})` +
                `${attempts > 1 ? ` after ${attempts} attempts` : ""}. Check the endpoint, network access, HTTPS_PROXY/NO_PROXY and NODE_EXTRA_CA_CERTS.`,
            error !== undefined ? { cause: error } : {},
        );
        if (causeCode !== undefined) this.causeCode = causeCode;
    }
}
