/**
 * The CCE clustercert API: issue a certificate (POST, with the `expire_at` and legacy-GET
 * fallbacks; or the CCE Autopilot POST) and revoke a user's or agency's certificates.
 */
import { callApi, type ApiResponse, type Auth, type CallOptions } from "./call";
import { ClusterCertError } from "../util/errors";
import { CloudApiError } from "./errors";
import { MAX_AUTOPILOT_DURATION_DAYS, MAX_DURATION_DAYS } from "./limits";

export { MAX_AUTOPILOT_DURATION_DAYS, MAX_DURATION_DAYS };

/** Which API call issued the certificate: the current POST or the deprecated GET (clusters < v1.13). */
export type ApiCall = "POST" | "GET";

/**
 * The two kinds of CCE cluster, each with its own clustercert API on the same CCE endpoint:
 * `standard` (`/api/v3/…`) and `autopilot` (CCE Autopilot, `/autopilot/v3/…`).
 */
export type ClusterType = "standard" | "autopilot";
export const CLUSTER_TYPES: readonly ClusterType[] = ["standard", "autopilot"];

export const OPERATION = "CCE clustercert";
/** The operation name of the Autopilot call (errors name it; `errors.ts` hints by it). */
export const AUTOPILOT_OPERATION = "CCE Autopilot clustercert";
/** The validity asked for when none is given, days. */
export const DEFAULT_DURATION_DAYS = 365;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The Port-ID header is a uuid; anything else is not passed on as an output. */
const PORT_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface CertRequest {
    endpoint: string;
    projectId: string;
    clusterId: string;
    /** Default "standard". "autopilot" sends `{"duration": N}` to the Autopilot path: no `expire_at`, no GET. */
    clusterType?: ClusterType;
    /** Days (-1 = maximum). Ignored when `expireAt` is set. */
    duration?: number;
    expireAt?: Date;
    /** Use the deprecated GET only. */
    legacyApi?: boolean;
}

/** A successful clustercert answer, as received: its body is a kubeconfig as JSON (read by `kube/`). */
export interface CertAnswer {
    /** The body, at most the client's size cap. */
    body: string;
    /** The answer's HTTP status (2xx). */
    status: number;
    /** The Port-ID header, when it is a well-formed id. */
    portId?: string;
    requestId?: string;
    apiCall: ApiCall;
}

/** `expire_at` as CCE wants it: `2025-01-01 16:00:00 +0000 UTC`. */
export function formatExpireAt(d: Date): string {
    return `${d.toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`;
}

/** Whole days from `now` to `at`, rounded up so the certificate does not expire before `at`. */
export function daysCovering(at: Date, now: Date): number {
    return Math.min(MAX_DURATION_DAYS, Math.max(1, Math.ceil((at.getTime() - now.getTime()) / DAY_MS)));
}

export function clusterCertUrl(endpoint: string, projectId: string, clusterId: string, suffix = "clustercert"): string {
    return `${endpoint}/api/v3/projects/${encodeURIComponent(projectId)}/clusters/${encodeURIComponent(clusterId)}/${suffix}`;
}

/** `POST /autopilot/v3/projects/{project_id}/clusters/{cluster_id}/clustercert` (CreateAutopilotKubernetesClusterCert). */
export function autopilotClusterCertUrl(endpoint: string, projectId: string, clusterId: string): string {
    return `${endpoint}/autopilot/v3/projects/${encodeURIComponent(projectId)}/clusters/${encodeURIComponent(clusterId)}/clustercert`;
}

function headers(projectId: string): Record<string, string> {
    return { "Content-Type": "application/json", "X-Project-Id": projectId };
}

function toAnswer(res: ApiResponse, apiCall: ApiCall): CertAnswer {
    const portId = res.headers["port-id"];
    return {
        body: res.body,
        status: res.status,
        ...(portId !== undefined && PORT_ID.test(portId) ? { portId } : {}),
        ...(res.requestId ? { requestId: res.requestId } : {}),
        apiCall,
    };
}

/** An answer meaning "this cluster does not know the POST" (clusters older than v1.13), not "no such cluster". */
function isLegacyRefusal(e: unknown): boolean {
    if (!(e instanceof CloudApiError)) return false;
    if (e.status === 405) return true;
    if (e.status === 404) return e.apiCode !== "CCE.01404001";
    return e.status === 400 && /version|not support/i.test(e.apiMessage ?? "");
}

async function post(req: CertRequest, body: Record<string, unknown>, auth: Auth, opts: CallOptions): Promise<ApiResponse> {
    return callApi(
        { operation: OPERATION, method: "POST", url: clusterCertUrl(req.endpoint, req.projectId, req.clusterId), headers: headers(req.projectId), body: JSON.stringify(body) },
        auth,
        opts,
    );
}

async function legacyGet(req: CertRequest, auth: Auth, opts: CallOptions): Promise<ApiResponse> {
    return callApi(
        { operation: `${OPERATION} (deprecated GET)`, method: "GET", url: clusterCertUrl(req.endpoint, req.projectId, req.clusterId), headers: headers(req.projectId) },
        auth,
        opts,
    );
}

/** The Autopilot call: `duration` only (its model has no `expire_at`), no fallback (no deprecated GET). */
async function issueAutopilot(req: CertRequest, auth: Auth, opts: CallOptions): Promise<CertAnswer> {
    const res = await callApi(
        {
            operation: AUTOPILOT_OPERATION,
            method: "POST",
            url: autopilotClusterCertUrl(req.endpoint, req.projectId, req.clusterId),
            headers: headers(req.projectId),
            body: JSON.stringify({ duration: req.duration ?? DEFAULT_DURATION_DAYS }),
        },
        auth,
        opts,
    );
    return toAnswer(res, "POST");
}

/** Asks CCE for a new client certificate. */
export async function issueClusterCert(req: CertRequest, auth: Auth, opts: CallOptions): Promise<CertAnswer> {
    if (req.clusterType === "autopilot") {
        if (req.legacyApi || req.expireAt !== undefined) throw new ClusterCertError("usage", "CCE Autopilot clusters take neither legacyApi (the deprecated GET) nor expiresAt: use duration");
        return issueAutopilot(req, auth, opts);
    }
    if (req.legacyApi) return toAnswer(await legacyGet(req, auth, opts), "GET");
    try {
        if (req.expireAt !== undefined) {
            try {
                return toAnswer(await post(req, { expire_at: formatExpireAt(req.expireAt) }, auth, opts), "POST");
            } catch (e) {
                if (!(e instanceof CloudApiError && e.status === 400) || isLegacyRefusal(e)) throw e;
                const days = daysCovering(req.expireAt, opts.now());
                const note = `this cloud rejected expire_at (${e.apiCode ?? e.status}); requested duration ${days} days instead, which expires no earlier than ${req.expireAt.toISOString()}`;
                opts.log(`${OPERATION}: ${note}`);
                return toAnswer(await post(req, { duration: days }, auth, opts), "POST");
            }
        }
        return toAnswer(await post(req, { duration: req.duration ?? DEFAULT_DURATION_DAYS }, auth, opts), "POST");
    } catch (e) {
        if (!(e instanceof CloudApiError) || !isLegacyRefusal(e)) throw e;
        const refusal = `${e.status}${e.apiCode ? ` ${e.apiCode}` : ""}`;
        let res: ApiResponse;
        try {
            res = await legacyGet(req, auth, opts);
        } catch (getError) {
            // The GET's own failure is the cause to report; say why it was tried. A GET that is not
            // published either (404/405) means the POST's refusal was the real answer.
            if (getError instanceof CloudApiError && (getError.status === 404 || getError.status === 405)) throw e;
            if (getError instanceof Error) getError.message += ` (the deprecated GET was tried because the cluster refused the POST (${refusal}))`;
            throw getError;
        }
        const note = `the cluster refused the POST (${refusal}); used the deprecated GET (clusters older than v1.13), which takes no duration`;
        opts.log(`${OPERATION}: ${note}`);
        return toAnswer(res, "GET");
    }
}

/** Whose certificates a revocation invalidates: an IAM user or an agency, by id (a certificate's CN). */
export interface Revokee {
    kind: "user" | "agency";
    id: string;
}

/**
 * Revokes every certificate of an IAM user or agency on a (standard) cluster
 * (`clustercertrevoke`, body `{"userId"}` or `{"agencyId"}`, mutually exclusive). CCE Autopilot
 * publishes no revocation API.
 */
export async function revokeClusterCert(endpoint: string, projectId: string, clusterId: string, revokee: Revokee, auth: Auth, opts: CallOptions): Promise<void> {
    await callApi(
        {
            operation: "CCE clustercertrevoke",
            method: "POST",
            url: clusterCertUrl(endpoint, projectId, clusterId, "clustercertrevoke"),
            headers: headers(projectId),
            body: JSON.stringify(revokee.kind === "user" ? { userId: revokee.id } : { agencyId: revokee.id }),
        },
        auth,
        opts,
    );
}
