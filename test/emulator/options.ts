/**
 * The emulator's configuration: option types, their defaults, and the demo configuration that
 * `main.ts` serves when no file is given.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { KeyType } from "./pki";

/** An AK/SK pair. With `securityToken` it is a temporary credential: requests must carry it as X-Security-Token. */
export interface CredentialOption {
    accessKey: string;
    secretKey: string;
    securityToken?: string;
    /** IAM user (or agency) id the credential acts as: the CN of the certificates it obtains. Default: derived from the AK. */
    userId?: string;
    userName?: string;
    /** Projects this credential may use on CCE routes (others: 403 CCE.01403001). Default: all. */
    projectIds?: string[];
}

/** A pre-issued IAM token (sent as X-Auth-Token). A string is a token for every project that never expires. */
export type TokenOption =
    | string
    | {
          token: string;
          userId?: string;
          userName?: string;
          /** The project the token is scoped to (CCE routes of other projects: 403). Default: any project. */
          projectId?: string;
          /** When it stops being accepted (401). Default: never. */
          expiresAt?: Date | string;
      };

/** An IAM user that can get a token with `POST /v3/auth/tokens` (password method). */
export interface PasswordUserOption {
    /** Account (domain) name. */
    domain: string;
    name: string;
    password: string;
    userId?: string;
}

/** A project: its name is the region, e.g. "eu-west-0". */
export interface ProjectOption {
    id: string;
    name: string;
    domainId?: string;
}

export interface ClusterOption {
    id: string;
    projectId: string;
    name?: string;
    /** With an EIP the kubeconfig also has externalCluster/external (insecure-skip-tls-verify) and selects it. */
    publicIp?: boolean;
    /** e.g. "v1.28" or "v1.28.3"; older than v1.13 = legacy (only the deprecated GET answers). Default "v1.28". */
    version?: string;
    /** Port-ID response header. Default: a random uuid, stable for the emulator's life. */
    portId?: string;
    /**
     * "standard" (default): served on `/api/v3/…/clustercert`. "autopilot": a CCE Autopilot cluster,
     * served on `/autopilot/v3/…/clustercert` only (the standard path answers 404 for it, and the
     * Autopilot path 404 for a standard cluster); it has no clustercertrevoke and no deprecated GET.
     */
    type?: ClusterType;
}

/** The two kinds of CCE cluster, each with its own API path. */
export type ClusterType = "standard" | "autopilot";

export interface RateLimitOption {
    /** Requests allowed per window. */
    limit: number;
    /** Window length, ms (default 1000: "requests per second"). */
    windowMs?: number;
    /** Count per credential (AK, token or password user) or for everyone together. Default "credential". */
    scope?: "credential" | "global";
    /** Add a Retry-After header (seconds) to 429 answers; the real gateway sends none. Default false. */
    retryAfter?: boolean;
}

export interface BenchmarkOption {
    /** Pre-minted certificates per (cluster, user), handed out round-robin. Default 1. */
    poolSize?: number;
    /** Validity of the pre-minted certificates, days (the requested duration is ignored). Default 365. */
    durationDays?: number;
}

export interface EmulatorOptions {
    /** Port of the CCE/IAM server on 127.0.0.1. Default 0 (any free port). */
    port?: number;
    credentials?: CredentialOption[];
    tokens?: TokenOption[];
    passwordUsers?: PasswordUserOption[];
    /** Default: one project "eu-west-0" with a random id. */
    projects?: ProjectOption[];
    clusters?: ClusterOption[];
    rateLimit?: RateLimitOption;
    /** Accepted difference between X-Sdk-Date and the server clock, ms. Default 15 minutes. */
    clockSkewToleranceMs?: number;
    /** Type of the client keys CCE hands out. Default "rsa" (2048, PKCS#1 PEM); "ec" is P-256 (SEC1 PEM), much faster. */
    keyType?: KeyType;
    /** Type of the CA and serving keys. Default "ec". */
    caKeyType?: KeyType;
    /** O= attributes of client certificates (Kubernetes groups). Default ["system:masters"]. */
    certGroups?: string[];
    /** Accept `expire_at` in the POST body. false emulates older clouds, which answer 400. Default true. */
    expireAtSupported?: boolean;
    /** How a legacy (< v1.13) cluster refuses the POST. Default 404. */
    legacyPostStatus?: 400 | 404 | 405;
    /** Answer from pre-minted certificates (small, steady cost per call). */
    benchmark?: boolean | BenchmarkOption;
    /** Use this root CA (PEM) instead of minting one, e.g. to share one CA file between emulators. */
    rootCa?: { certPem: string; keyPem: string };
    /** The emulator's clock (skew checks, token expiry, certificate validity). Default: the real clock. */
    now?: () => Date;
}

export interface ResolvedToken {
    token: string;
    userId: string;
    userName: string;
    projectId?: string;
    expiresAt?: Date;
}

export interface ResolvedOptions {
    port: number;
    credentials: ResolvedCredential[];
    tokens: ResolvedToken[];
    passwordUsers: Required<PasswordUserOption>[];
    projects: Required<ProjectOption>[];
    clusters: ResolvedCluster[];
    rateLimit?: Required<RateLimitOption>;
    clockSkewToleranceMs: number;
    keyType: KeyType;
    caKeyType: KeyType;
    certGroups: string[];
    expireAtSupported: boolean;
    legacyPostStatus: 400 | 404 | 405;
    benchmark?: Required<BenchmarkOption>;
    rootCa?: { certPem: string; keyPem: string };
    now: () => Date;
}

export interface ResolvedCredential {
    accessKey: string;
    secretKey: string;
    securityToken?: string;
    userId: string;
    userName: string;
    projectIds?: string[];
}

export interface ResolvedCluster {
    id: string;
    projectId: string;
    name: string;
    publicIp: boolean;
    /** As configured, with a leading "v": "v1.28" or "v1.28.3". */
    version: string;
    major: number;
    minor: number;
    legacy: boolean;
    portId: string;
    type: ClusterType;
}

export const DEFAULT_SKEW_MS = 15 * 60 * 1000;
export const DEFAULT_DOMAIN_NAME = "emulator-domain";

/** A stable 32-hex id derived from some text (IAM ids look like this). */
export function hexId(...parts: string[]): string {
    return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 32);
}

/** The IAM domain (account) id for a domain name. */
export function domainIdFor(domainName: string): string {
    return hexId("domain", domainName);
}

/** Parses "v1.28", "1.28.3", "v1.11.7-r0" → { major, minor }; throws on anything else. */
export function parseClusterVersion(version: string): { major: number; minor: number } {
    const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(version);
    if (!m) throw new Error(`emulator: cluster version ${JSON.stringify(version)} is not like "v1.28"`);
    return { major: Number(m[1]), minor: Number(m[2]) };
}

function resolveCluster(c: ClusterOption, projectIds: Set<string>): ResolvedCluster {
    if (!c.id) throw new Error("emulator: a cluster needs an id");
    if (!projectIds.has(c.projectId)) throw new Error(`emulator: cluster ${c.id} names project ${c.projectId}, which is not configured`);
    const raw = c.version ?? "v1.28";
    const version = raw.startsWith("v") ? raw : `v${raw}`;
    const { major, minor } = parseClusterVersion(version);
    const type = c.type ?? "standard";
    if (type !== "standard" && type !== "autopilot") throw new Error(`emulator: cluster ${c.id} has type ${JSON.stringify(type)}, not "standard" or "autopilot"`);
    const legacy = major < 1 || (major === 1 && minor < 13);
    if (legacy && type === "autopilot") throw new Error(`emulator: cluster ${c.id} is an Autopilot cluster of version ${version}: Autopilot clusters are v1.13 or later`);
    return {
        id: c.id,
        projectId: c.projectId,
        name: c.name ?? `cluster-${c.id.slice(0, 8)}`,
        publicIp: c.publicIp ?? false,
        version,
        major,
        minor,
        legacy,
        portId: c.portId ?? randomUUID(),
        type,
    };
}

function resolveToken(t: TokenOption): ResolvedToken {
    if (typeof t === "string") return { token: t, userId: hexId("token-user", t), userName: "token-user" };
    const expiresAt = t.expiresAt === undefined ? undefined : new Date(t.expiresAt);
    return {
        token: t.token,
        userId: t.userId ?? hexId("token-user", t.token),
        userName: t.userName ?? "token-user",
        ...(t.projectId !== undefined ? { projectId: t.projectId } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
}

/** Fills in the defaults and checks the configuration. */
export function resolveOptions(o: EmulatorOptions = {}): ResolvedOptions {
    const projects = (o.projects ?? [{ id: randomBytes(16).toString("hex"), name: "eu-west-0" }]).map((p) => ({
        id: p.id,
        name: p.name,
        domainId: p.domainId ?? domainIdFor(DEFAULT_DOMAIN_NAME),
    }));
    const projectIds = new Set(projects.map((p) => p.id));
    const clusters = (o.clusters ?? []).map((c) => resolveCluster(c, projectIds));
    const seen = new Set<string>();
    for (const c of clusters) {
        if (seen.has(c.id)) throw new Error(`emulator: cluster id ${c.id} is configured twice`);
        seen.add(c.id);
    }
    const credentials: ResolvedCredential[] = (o.credentials ?? []).map((c) => ({
        accessKey: c.accessKey,
        secretKey: c.secretKey,
        ...(c.securityToken !== undefined ? { securityToken: c.securityToken } : {}),
        userId: c.userId ?? hexId("user", c.accessKey),
        userName: c.userName ?? `user-${c.accessKey.slice(0, 6).toLowerCase()}`,
        ...(c.projectIds !== undefined ? { projectIds: c.projectIds } : {}),
    }));
    const rl = o.rateLimit;
    const bm = o.benchmark === true ? {} : o.benchmark || undefined;
    return {
        port: o.port ?? 0,
        credentials,
        tokens: (o.tokens ?? []).map(resolveToken),
        passwordUsers: (o.passwordUsers ?? []).map((u) => ({ ...u, userId: u.userId ?? hexId("password-user", u.domain, u.name) })),
        projects,
        clusters,
        ...(rl ? { rateLimit: { limit: rl.limit, windowMs: rl.windowMs ?? 1000, scope: rl.scope ?? "credential", retryAfter: rl.retryAfter ?? false } } : {}),
        clockSkewToleranceMs: o.clockSkewToleranceMs ?? DEFAULT_SKEW_MS,
        keyType: o.keyType ?? "rsa",
        caKeyType: o.caKeyType ?? "ec",
        certGroups: o.certGroups ?? ["system:masters"],
        expireAtSupported: o.expireAtSupported ?? true,
        legacyPostStatus: o.legacyPostStatus ?? 404,
        ...(bm ? { benchmark: { poolSize: bm.poolSize ?? 1, durationDays: bm.durationDays ?? 365 } } : {}),
        ...(o.rootCa ? { rootCa: o.rootCa } : {}),
        now: o.now ?? (() => new Date()),
    };
}

/** The built-in configuration of `main.ts`: one project, a cluster with and one without a public IP, a demo AK/SK. */
export function demoOptions(): EmulatorOptions {
    const projectId = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
    return {
        credentials: [
            {
                accessKey: "EMULATORDEMOACCESSK1",
                secretKey: "EmulatorDemoSecretKey0123456789abcdefghi",
                userId: "5f0e6c3a9b8d4e2f8a1b7c6d5e4f3a2b",
                userName: "demo-user",
            },
        ],
        passwordUsers: [{ domain: "demo-domain", name: "demo-user", password: "demo-password", userId: "5f0e6c3a9b8d4e2f8a1b7c6d5e4f3a2b" }],
        projects: [{ id: projectId, name: "eu-west-0", domainId: domainIdFor("demo-domain") }],
        clusters: [
            { id: "6a0d2c4e-1b3f-11ef-9e2a-0255ac100001", projectId, name: "demo-public", publicIp: true, version: "v1.28" },
            { id: "6a0d2c4e-1b3f-11ef-9e2a-0255ac100002", projectId, name: "demo-private", publicIp: false, version: "v1.29" },
        ],
    };
}
