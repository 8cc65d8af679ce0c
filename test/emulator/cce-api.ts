/**
 * The CCE routes:
 *   POST /api/v3/projects/{project_id}/clusters/{cluster_id}/clustercert        {"duration": N} | {"expire_at": "…"}
 *   POST /autopilot/v3/projects/{project_id}/clusters/{cluster_id}/clustercert  {"duration": N} (CCE Autopilot clusters only)
 *   GET  /api/v3/projects/{project_id}/clusters/{cluster_id}/clustercert        (deprecated, no body)
 *   POST /api/v3/projects/{project_id}/clusters/{cluster_id}/clustercertrevoke  {"userId": "…"} | {"agencyId": "…"}
 * Each mints or revokes real certificates of the emulated cluster.
 */
import type { IncomingHttpHeaders } from "node:http";
import {
    APIGW_AUTH,
    CCE_BAD_REQUEST,
    CCE_FORBIDDEN,
    CCE_NOT_FOUND,
    CCE_VERSION_UNSUPPORTED,
    cceError,
    gatewayError,
    json,
    type ApiAnswer,
} from "./answers";
import type { EmulatedCluster } from "./cluster";
import { applyKubeconfigMutation, describeFault, type FaultQueue } from "./faults";
import type { Identity } from "./identity";
import { buildKubeconfig } from "./kubeconfig";
import type { ClusterType, ResolvedOptions } from "./options";
import { createCa, generateKeyPair, privateKeyPem, type CertPool, type IssuedCert } from "./pki";

export const MAX_DURATION_DAYS = 1827;
/** Back-dating of notBefore, for clients whose clock is a little behind. */
export const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const MIN_EXPIRE_AHEAD_MS = 15 * 60 * 1000;
const EXPIRE_AT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) [A-Z]{1,5}$/;

export interface CceRequest {
    method: string;
    action: "clustercert" | "clustercertrevoke";
    /** The API the path belongs to: `/api/v3` ("standard") or `/autopilot/v3` ("autopilot"). */
    api: ClusterType;
    projectId: string;
    clusterId: string;
    headers: IncomingHttpHeaders;
    body: Buffer;
    identity: Identity;
    requestId: string;
    now: Date;
}

export interface CceResult {
    answer: ApiAnswer;
    /** Description of an answer-phase fault that was applied. */
    fault?: string;
    /** A revocation that was done: the body field and the id. */
    revoked?: { field: "userId" | "agencyId"; id: string };
}

export interface CceDeps {
    /** Live settings (tests may change expireAtSupported and friends while running). */
    settings: ResolvedOptions;
    clusters: ReadonlyMap<string, EmulatedCluster>;
    faults: FaultQueue;
    /** Set in benchmark mode. */
    pool?: CertPool;
}

/** now + 5 calendar years (the API's "-1 = maximum"). */
export function fiveYearsFrom(now: Date): Date {
    const d = new Date(now.getTime());
    d.setUTCFullYear(d.getUTCFullYear() + 5);
    return d;
}

/** Parses "2025-01-01 16:00:00 +0000 UTC" (Go's time.Time.String without fraction). */
export function parseExpireAt(text: string): Date | undefined {
    const m = EXPIRE_AT.exec(text);
    if (!m) return undefined;
    const [, y, mo, d, h, mi, s, sign, oh, om] = m as unknown as string[];
    const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    const check = new Date(utc);
    if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
    const offset = (Number(oh) * 60 + Number(om)) * 60 * 1000 * (sign === "-" ? -1 : 1);
    return new Date(utc - offset);
}

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

const badRequest = (message: string): ApiAnswer => cceError(400, CCE_BAD_REQUEST, message);

export class CceApi {
    /** Benchmark mode: rendered answers per pre-minted certificate. */
    private readonly rendered = new Map<string, string>();

    constructor(private readonly deps: CceDeps) {}

    async handle(req: CceRequest): Promise<CceResult> {
        const target = this.resolve(req);
        if ("answer" in target) return { answer: target.answer };
        const { cluster } = target;
        if (req.api === "autopilot") {
            // Only the POST of clustercert is routed here (server.ts).
            const notAfter = this.validateAutopilotBody(req);
            if (!(notAfter instanceof Date)) return { answer: notAfter };
            return this.issue(req, cluster, notAfter);
        }
        if (req.action === "clustercertrevoke") {
            if (req.method !== "POST") return { answer: notPublished(req.requestId) };
            if (cluster.config.legacy) return { answer: this.legacyRefusal(cluster) };
            return this.revoke(req, cluster);
        }
        if (req.method === "GET") return this.issue(req, cluster, fiveYearsFrom(req.now));
        if (req.method !== "POST") return { answer: notPublished(req.requestId) };
        if (cluster.config.legacy) return { answer: this.legacyRefusal(cluster) };
        const notAfter = this.validateCertBody(req);
        if (!(notAfter instanceof Date)) return { answer: notAfter };
        return this.issue(req, cluster, notAfter);
    }

    /** Project and cluster checks shared by every CCE route. */
    private resolve(req: CceRequest): { cluster: EmulatedCluster } | { answer: ApiAnswer } {
        const { identity, projectId, clusterId } = req;
        const headerProject = req.headers["x-project-id"];
        if (identity.kind === "aksk" && typeof headerProject === "string" && headerProject.trim() !== projectId) {
            return {
                answer: gatewayError(401, APIGW_AUTH, "Incorrect IAM authentication information: the X-Project-Id header does not match the project in the request URI", req.requestId),
            };
        }
        const project = this.deps.settings.projects.find((p) => p.id === projectId);
        if (!project) return { answer: cceError(404, CCE_NOT_FOUND, `Resource not found: project ${projectId} does not exist`) };
        if (identity.projectId !== undefined && identity.projectId !== projectId) {
            return { answer: cceError(403, CCE_FORBIDDEN, `Forbidden: the token is scoped to another project than ${projectId}`) };
        }
        if (identity.projectIds !== undefined && !identity.projectIds.includes(projectId)) {
            return { answer: cceError(403, CCE_FORBIDDEN, `Forbidden: user ${identity.userName} has no permission cce:cluster:generateClientCredential in project ${projectId}`) };
        }
        const cluster = this.deps.clusters.get(clusterId);
        // Each cluster type is known only to its own API: the other path answers as for no cluster at all.
        if (!cluster || cluster.config.projectId !== projectId || cluster.config.type !== req.api) {
            return { answer: cceError(404, CCE_NOT_FOUND, `Resource not found: cluster ${clusterId} does not exist in project ${projectId}`) };
        }
        return { cluster };
    }

    private legacyRefusal(cluster: EmulatedCluster): ApiAnswer {
        const message =
            `The API is not supported by clusters of version ${cluster.config.version}: it needs v1.13 or later. ` +
            "Older clusters only support GET /api/v3/projects/{project_id}/clusters/{cluster_id}/clustercert";
        const status = this.deps.settings.legacyPostStatus;
        if (status === 400) return cceError(400, CCE_BAD_REQUEST, message);
        if (status === 405) return cceError(405, "CCE.01405001", message);
        return cceError(404, CCE_VERSION_UNSUPPORTED, message);
    }

    private parseJsonBody(req: CceRequest): { body: Record<string, unknown> } | { answer: ApiAnswer } {
        const type = req.headers["content-type"];
        if (typeof type !== "string" || !/^application\/json\s*(;|$)/i.test(type.trim())) {
            return { answer: badRequest("Invalid request: Content-Type must be application/json") };
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(req.body.toString("utf8"));
        } catch (e) {
            return { answer: badRequest(`Invalid request body: ${(e as Error).message}`) };
        }
        if (!isObject(parsed)) return { answer: badRequest("Invalid request body: a JSON object is required") };
        return { body: parsed };
    }

    /** The notAfter the body asks for, or a 400 answer. */
    private validateCertBody(req: CceRequest): Date | ApiAnswer {
        const parsed = this.parseJsonBody(req);
        if ("answer" in parsed) return parsed.answer;
        const { body } = parsed;
        const hasExpireAt = body.expire_at !== undefined;
        const hasDuration = body.duration !== undefined;
        if (hasExpireAt && !this.deps.settings.expireAtSupported) {
            return badRequest('Invalid request body: json: unknown field "expire_at"');
        }
        if (!hasExpireAt && !hasDuration) return badRequest("Invalid request body: duration or expire_at is required");
        if (hasExpireAt) {
            const at = typeof body.expire_at === "string" ? parseExpireAt(body.expire_at) : undefined;
            if (!at) return badRequest('Invalid request body: expire_at must be like "2025-01-01 16:00:00 +0000 UTC"');
            if (at.getTime() < req.now.getTime() + MIN_EXPIRE_AHEAD_MS) return badRequest("Invalid request body: expire_at must be at least 15 minutes in the future");
            if (at.getTime() > fiveYearsFrom(req.now).getTime()) return badRequest("Invalid request body: expire_at must be at most 5 years in the future");
            return at;
        }
        const d = body.duration;
        if (typeof d !== "number" || !Number.isInteger(d) || !(d === -1 || (d >= 1 && d <= MAX_DURATION_DAYS))) {
            return badRequest(`Invalid request body: duration must be -1 or an integer between 1 and ${MAX_DURATION_DAYS}`);
        }
        return d === -1 ? fiveYearsFrom(req.now) : new Date(req.now.getTime() + d * DAY_MS);
    }

    /**
     * The Autopilot body (`CertDuration`: `duration` only, required): -1 (5 years) or 1 up to the
     * days in the next five calendar years (1826 or 1827, as the reference says). `expire_at` is not
     * part of the model: refused like an unknown field.
     */
    private validateAutopilotBody(req: CceRequest): Date | ApiAnswer {
        const parsed = this.parseJsonBody(req);
        if ("answer" in parsed) return parsed.answer;
        const { body } = parsed;
        if (body.expire_at !== undefined) return badRequest('Invalid request body: json: unknown field "expire_at"');
        const d = body.duration;
        if (d === undefined) return badRequest("Invalid request body: duration is required");
        const max = Math.round((fiveYearsFrom(req.now).getTime() - req.now.getTime()) / DAY_MS);
        if (typeof d !== "number" || !Number.isInteger(d) || !(d === -1 || (d >= 1 && d <= max))) {
            return badRequest(`Invalid request body: duration must be -1 or an integer between 1 and ${max}`);
        }
        return d === -1 ? fiveYearsFrom(req.now) : new Date(req.now.getTime() + d * DAY_MS);
    }

    private async mint(req: CceRequest, cluster: EmulatedCluster, notAfter: Date): Promise<IssuedCert> {
        const s = this.deps.settings;
        const pool = this.deps.pool;
        if (pool && s.benchmark) {
            return pool.take(`${cluster.id}/${req.identity.userId}`, () => this.mintForPool(cluster, req.identity.userId));
        }
        return cluster.mintClientCert(req.identity.userId, s.certGroups, new Date(req.now.getTime() - BACKDATE_MS), notAfter, s.keyType);
    }

    /** A certificate for the benchmark pool (fixed validity, requested duration ignored). */
    mintForPool(cluster: EmulatedCluster, userId: string): Promise<IssuedCert> {
        const s = this.deps.settings;
        const now = s.now();
        const days = s.benchmark?.durationDays ?? 365;
        return cluster.mintClientCert(userId, s.certGroups, new Date(now.getTime() - BACKDATE_MS), new Date(now.getTime() + days * DAY_MS), s.keyType);
    }

    private async issue(req: CceRequest, cluster: EmulatedCluster, notAfter: Date): Promise<CceResult> {
        const cert = await this.mint(req, cluster, notAfter);
        const headers = { "Port-ID": cluster.config.portId };
        const fault = this.deps.faults.take({ route: "clustercert", method: req.method, clusterId: cluster.id }, "answer");
        const kubeconfig = () =>
            buildKubeconfig({
                internalServer: cluster.internalUrl,
                ...(cluster.externalUrl !== undefined ? { externalServer: cluster.externalUrl } : {}),
                caCertPem: cluster.ca.certPem,
                clientCertPem: cert.certPem,
                clientKeyPem: cert.keyPem,
            });
        if (fault && fault.kind === "kubeconfig") {
            const body = await applyKubeconfigMutation(kubeconfig(), fault.mutation, {
                expiredCert: async () => {
                    const now = req.now.getTime();
                    return cluster.mintClientCert(req.identity.userId, this.deps.settings.certGroups, new Date(now - 2 * DAY_MS), new Date(now - DAY_MS), this.deps.settings.keyType);
                },
                certValid: (notBefore, notAfter) => cluster.mintClientCert(req.identity.userId, this.deps.settings.certGroups, notBefore, notAfter, this.deps.settings.keyType),
                otherKeyPem: async () => privateKeyPem((await generateKeyPair(cert.keyType)).privateKey),
                otherCaPem: async () => (await createCa({ commonName: "kubernetes" })).certPem,
            });
            return { answer: { ...json(200, {}, headers), body }, fault: describeFault(fault) };
        }
        if (this.deps.settings.benchmark) {
            let body = this.rendered.get(cert.serialNumber);
            if (body === undefined) {
                body = JSON.stringify(kubeconfig());
                this.rendered.set(cert.serialNumber, body);
            }
            return { answer: { ...json(200, {}, headers), body } };
        }
        return { answer: json(200, kubeconfig(), headers) };
    }

    private revoke(req: CceRequest, cluster: EmulatedCluster): CceResult {
        const parsed = this.parseJsonBody(req);
        if ("answer" in parsed) return { answer: parsed.answer };
        const { body } = parsed;
        const ids = (["userId", "agencyId"] as const).filter((k) => body[k] !== undefined);
        const field = ids[0];
        if (ids.length !== 1 || field === undefined) return { answer: badRequest("Invalid request body: exactly one of userId and agencyId is required") };
        const id = body[field];
        if (typeof id !== "string" || id.trim() === "") return { answer: badRequest(`Invalid request body: ${field} must be a non-empty string`) };
        cluster.revoke(id.trim());
        return { answer: json(200, {}), revoked: { field, id: id.trim() } };
    }

    /** Forgets the benchmark answers (after the pool was cleared). */
    clearRendered(): void {
        this.rendered.clear();
    }
}

/** APIGW.0101: the gateway publishes no such API (wrong method or path). */
export function notPublished(requestId: string): ApiAnswer {
    return gatewayError(404, "APIGW.0101", "The API does not exist or has not been published in the environment", requestId);
}
