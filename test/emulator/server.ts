/**
 * `CceEmulator`: one HTTPS server on 127.0.0.1 that serves the CCE (`/api/v3/…`) and IAM (`/v3/…`)
 * routes, plus the Kubernetes API endpoints of every emulated cluster. It authenticates every
 * request but the token request (token or AK/SK signature), throttles, injects faults, logs
 * every call, and mints real certificates.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cceError, gatewayError, type ApiAnswer } from "./answers";
import { authenticate } from "./auth";
import { CallLog, type CallRecord, type RouteName } from "./call-log";
import { CceApi, notPublished } from "./cce-api";
import { EmulatedCluster, type MintedCertificate } from "./cluster";
import { describeFault, FaultQueue, REQUEST_ID, type Fault, type InjectedFault } from "./faults";
import { closeServer, listen, readBody, resetConnection, send, splitTarget, trackSockets } from "./http-util";
import { IamApi } from "./iam-api";
import { IdentityRegistry } from "./identity";
import type { KubeStore } from "./kube-store";
import { resolveOptions, type ClusterType, type EmulatorOptions, type RateLimitOption, type ResolvedCredential, type ResolvedOptions } from "./options";
import { CertPool, createCa, issueCert, loadCa, type CertificateAuthority } from "./pki";
import { RateLimiter } from "./rate-limit";

/** What tests need to know about an emulated cluster. */
export interface ClusterInfo {
    id: string;
    projectId: string;
    name: string;
    version: string;
    legacy: boolean;
    publicIp: boolean;
    portId: string;
    /** "standard" or "autopilot" (served on `/autopilot/v3/…` only). */
    type: ClusterType;
    /** Kubernetes API, internal endpoint (serving certificate signed by the cluster CA). */
    internalUrl: string;
    /** Kubernetes API, external endpoint (self-signed certificate), with a public IP only. */
    externalUrl?: string;
    /** The cluster CA (what `certificate-authority-data` holds). */
    caCertPem: string;
    /** Every client certificate minted for the cluster so far. */
    certificates(): MintedCertificate[];
    /** The cluster's Kubernetes objects. */
    kube: KubeStore;
}

/** Settings that may change while the emulator runs (`configure`). */
export interface RuntimeSettings {
    expireAtSupported?: boolean;
    legacyPostStatus?: 400 | 404 | 405;
    /** null removes the limit. */
    rateLimit?: RateLimitOption | null;
    clockSkewToleranceMs?: number;
    now?: () => Date;
}

interface RouteMatch {
    route: RouteName;
    allowed: string[];
    projectId?: string;
    clusterId?: string;
    action?: "clustercert" | "clustercertrevoke";
    /** Which cluster type's API the path belongs to: `/api/v3` (standard) or `/autopilot/v3`. */
    api?: ClusterType;
}

const CCE_PATH = /^\/api\/v3\/projects\/([^/]+)\/clusters\/([^/]+)\/(clustercert|clustercertrevoke)\/?$/;
/** CCE Autopilot publishes only the POST of clustercert (no deprecated GET, no clustercertrevoke). */
const AUTOPILOT_PATH = /^\/autopilot\/v3\/projects\/([^/]+)\/clusters\/([^/]+)\/clustercert\/?$/;

function decode(s: string): string {
    try {
        return decodeURIComponent(s);
    } catch {
        return s;
    }
}

function matchRoute(path: string): RouteMatch {
    const m = CCE_PATH.exec(path);
    if (m) {
        const action = m[3] as "clustercert" | "clustercertrevoke";
        return { route: action, allowed: action === "clustercert" ? ["GET", "POST"] : ["POST"], projectId: decode(m[1] as string), clusterId: decode(m[2] as string), action, api: "standard" };
    }
    const a = AUTOPILOT_PATH.exec(path);
    if (a) return { route: "clustercert", allowed: ["POST"], projectId: decode(a[1] as string), clusterId: decode(a[2] as string), action: "clustercert", api: "autopilot" };
    if (path === "/v3/auth/tokens" || path === "/v3/auth/tokens/") return { route: "iam-tokens", allowed: ["POST"] };
    if (path === "/v3/projects" || path === "/v3/projects/") return { route: "iam-projects", allowed: ["GET"] };
    return { route: "unknown", allowed: [] };
}

export class CceEmulator {
    /** Every request received, with counters per route. */
    readonly calls = new CallLog();
    private readonly faultQueue = new FaultQueue();
    private readonly registry: IdentityRegistry;
    private readonly iam: IamApi;
    private readonly cce: CceApi;
    private limiter?: RateLimiter;
    private readonly sleepers = new Set<() => void>();
    private server?: https.Server;
    private sockets = new Set<Socket>();
    private readonly connections = { accepted: 0, open: 0, peakOpen: 0 };
    private stopped = false;
    private port = 0;

    private constructor(
        /** The resolved configuration (live: `configure` changes it). */
        readonly settings: ResolvedOptions,
        private readonly rootCa: CertificateAuthority,
        private readonly tempDir: string,
        private readonly clusterMap: Map<string, EmulatedCluster>,
        private readonly pool: CertPool | undefined,
    ) {
        this.registry = new IdentityRegistry(settings);
        this.iam = new IamApi(this.registry, settings);
        this.cce = new CceApi({ settings, clusters: clusterMap, faults: this.faultQueue, ...(pool ? { pool } : {}) });
        if (settings.rateLimit) this.limiter = new RateLimiter(settings.rateLimit);
    }

    /** Starts the emulator: root CA, serving certificate, clusters (CA + Kubernetes endpoints), HTTPS server. */
    static async start(options: EmulatorOptions = {}): Promise<CceEmulator> {
        const settings = resolveOptions(options);
        const rootCa = settings.rootCa
            ? await loadCa(settings.rootCa.certPem, settings.rootCa.keyPem)
            : await createCa({ commonName: "CCE Emulator Root CA", organization: "pulumi-cce-clustercert test emulator", keyType: settings.caKeyType });
        const tempDir = mkdtempSync(join(tmpdir(), "cce-emulator-"));
        const clusterMap = new Map<string, EmulatedCluster>();
        let emulator: CceEmulator | undefined;
        try {
            writeFileSync(join(tempDir, "ca.crt"), rootCa.certPem, { mode: 0o644 });
            const onKubeCall = (r: CallRecord): void => emulator?.calls.add(r);
            const clusters = await Promise.all(settings.clusters.map((c) => EmulatedCluster.create(c, { caKeyType: settings.caKeyType, now: () => settings.now(), onKubeCall })));
            for (const c of clusters) clusterMap.set(c.id, c);
            const pool = settings.benchmark ? new CertPool(settings.benchmark.poolSize) : undefined;
            emulator = new CceEmulator(settings, rootCa, tempDir, clusterMap, pool);
            await emulator.listen();
            await emulator.prefill();
            return emulator;
        } catch (e) {
            if (emulator) await emulator.stop();
            else {
                await Promise.all([...clusterMap.values()].map((c) => c.stop()));
                rmSync(tempDir, { recursive: true, force: true });
            }
            throw e;
        }
    }

    private async listen(): Promise<void> {
        const serving = await issueCert(this.rootCa, {
            commonName: "localhost",
            usage: "server",
            keyType: this.settings.caKeyType,
            notBefore: new Date(Date.now() - 60 * 60 * 1000),
            notAfter: new Date(Date.now() + 365 * 24 * 60 * 60 * 1000),
            ips: ["127.0.0.1", "::1"],
            dnsNames: ["localhost"],
        });
        const server = https.createServer({ key: serving.keyPem, cert: serving.certPem, minVersion: "TLSv1.2" }, (req, res) => {
            void this.handle(req, res);
        });
        server.keepAliveTimeout = 30_000;
        this.sockets = trackSockets(server);
        server.on("connection", (s: Socket) => {
            const c = this.connections;
            c.accepted++;
            c.open++;
            c.peakOpen = Math.max(c.peakOpen, c.open);
            s.once("close", () => {
                c.open--;
            });
        });
        this.server = server;
        this.port = await listen(server, this.settings.port);
    }

    /** Benchmark mode: mints the pools of every (cluster, known user) up front. */
    private async prefill(): Promise<void> {
        const pool = this.pool;
        if (!pool) return;
        const users = this.registry.knownUserIds();
        await Promise.all(
            [...this.clusterMap.values()].flatMap((c) => users.map((u) => pool.prefill(`${c.id}/${u}`, () => this.cce.mintForPool(c, u)))),
        );
    }

    /** https://127.0.0.1:<port> — both the CCE and the IAM endpoint. */
    get url(): string {
        return `https://127.0.0.1:${this.port}`;
    }

    /** The root CA that signed the server's certificate (PEM). */
    get caCertPem(): string {
        return this.rootCa.certPem;
    }

    /** A file holding `caCertPem`, for NODE_EXTRA_CA_CERTS. Removed by `stop()`. */
    get caFile(): string {
        return join(this.tempDir, "ca.crt");
    }

    /** The root CA's private key (PEM), to share the CA with another emulator (`rootCa` option). */
    get caKeyPem(): string {
        return this.rootCa.keyPem;
    }

    get credentials(): readonly ResolvedCredential[] {
        return this.settings.credentials;
    }

    get projects(): ResolvedOptions["projects"] {
        return this.settings.projects;
    }

    /** Every emulated cluster. */
    get clusters(): ClusterInfo[] {
        return [...this.clusterMap.values()].map((c) => this.info(c));
    }

    /** One emulated cluster (throws for an unknown id). */
    cluster(id: string): ClusterInfo {
        const c = this.clusterMap.get(id);
        if (!c) throw new Error(`emulator: no cluster ${id}`);
        return this.info(c);
    }

    private info(c: EmulatedCluster): ClusterInfo {
        return {
            id: c.id,
            projectId: c.config.projectId,
            name: c.config.name,
            version: c.config.version,
            legacy: c.config.legacy,
            publicIp: c.config.publicIp,
            portId: c.config.portId,
            type: c.config.type,
            internalUrl: c.internalUrl,
            ...(c.externalUrl !== undefined ? { externalUrl: c.externalUrl } : {}),
            caCertPem: c.ca.certPem,
            certificates: () => c.certificates(),
            kube: c.store,
        };
    }

    /** The tokens the emulated IAM issued so far (X-Subject-Token values), for leak checks. */
    issuedTokens(): string[] {
        return this.registry.issuedTokens();
    }

    /** Queues a fault (FIFO); it applies to the next `times` (default 1) matching requests. */
    inject(fault: Fault): InjectedFault {
        return this.faultQueue.inject(fault);
    }

    /** Faults not used up yet. */
    pendingFaults(): Fault[] {
        return this.faultQueue.pending();
    }

    clearFaults(): void {
        this.faultQueue.clear();
    }

    /** Revokes, as `clustercertrevoke` does, every certificate of a user on a cluster; returns how many. */
    revoke(clusterId: string, userOrAgencyId: string): number {
        const c = this.clusterMap.get(clusterId);
        if (!c) throw new Error(`emulator: no cluster ${clusterId}`);
        return c.revoke(userOrAgencyId);
    }

    /** Changes settings while running. */
    configure(patch: RuntimeSettings): void {
        const s = this.settings;
        if (patch.expireAtSupported !== undefined) s.expireAtSupported = patch.expireAtSupported;
        if (patch.legacyPostStatus !== undefined) s.legacyPostStatus = patch.legacyPostStatus;
        if (patch.clockSkewToleranceMs !== undefined) s.clockSkewToleranceMs = patch.clockSkewToleranceMs;
        if (patch.now !== undefined) s.now = patch.now;
        if (patch.rateLimit === null) {
            delete s.rateLimit;
            this.limiter = undefined;
        } else if (patch.rateLimit !== undefined) {
            const rl = patch.rateLimit;
            s.rateLimit = { limit: rl.limit, windowMs: rl.windowMs ?? 1000, scope: rl.scope ?? "credential", retryAfter: rl.retryAfter ?? false };
            this.limiter = new RateLimiter(s.rateLimit);
        }
    }

    /**
     * TCP connections to the CCE/IAM server (not the Kubernetes endpoints): accepted since start or
     * the last `resetConnectionStats()`, open now, and the most open at once.
     */
    connectionStats(): { accepted: number; open: number; peakOpen: number } {
        return { ...this.connections };
    }

    /** Restarts the connection counters (open connections stay counted as open). */
    resetConnectionStats(): void {
        this.connections.accepted = 0;
        this.connections.peakOpen = this.connections.open;
    }

    /** Clears the call log, the pending faults and the throttling windows (certificates, revocations and tokens stay). */
    reset(): void {
        this.calls.clear();
        this.faultQueue.clear();
        this.limiter?.reset();
    }

    /** Stops every server, ends every connection (hung ones too) and removes the CA file. Idempotent. */
    async stop(): Promise<void> {
        if (this.stopped) return;
        this.stopped = true;
        for (const wake of this.sleepers) wake();
        this.sleepers.clear();
        await Promise.all([this.server ? closeServer(this.server, this.sockets) : undefined, ...[...this.clusterMap.values()].map((c) => c.stop())]);
        rmSync(this.tempDir, { recursive: true, force: true });
    }

    /** A delay that `stop()` cuts short. */
    private sleep(ms: number): Promise<void> {
        return new Promise((resolve) => {
            const wake = (): void => {
                clearTimeout(timer);
                this.sleepers.delete(wake);
                resolve();
            };
            const timer = setTimeout(wake, ms);
            this.sleepers.add(wake);
        });
    }

    /** Waits for `until` to settle; `stop()` cuts it short. */
    private holdUntil(until: Promise<unknown>): Promise<void> {
        return new Promise((resolve) => {
            const wake = (): void => {
                this.sleepers.delete(wake);
                resolve();
            };
            this.sleepers.add(wake);
            until.then(wake, wake);
        });
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const started = Date.now();
        const now = this.settings.now();
        const requestId = randomUUID();
        const method = (req.method ?? "GET").toUpperCase();
        const { path, query } = splitTarget(req.url);
        const match = matchRoute(path);
        const record: CallRecord = {
            time: now,
            method,
            path,
            query,
            route: match.route,
            status: 0,
            auth: "none",
            authenticated: false,
            ...(match.projectId !== undefined ? { projectId: match.projectId } : {}),
            ...(match.clusterId !== undefined ? { clusterId: match.clusterId } : {}),
            requestId,
            durationMs: 0,
        };
        const finish = (answer?: ApiAnswer): void => {
            if (answer) {
                record.status = answer.status;
                if (answer.errorCode !== undefined) record.errorCode = answer.errorCode;
                const retryAfter = Object.entries(answer.headers ?? {}).find(([k]) => k.toLowerCase() === "retry-after")?.[1];
                if (retryAfter !== undefined) record.retryAfter = retryAfter;
                send(res, answer.status, { "X-Request-Id": requestId, ...(answer.headers ?? {}) }, answer.body);
            }
            record.durationMs = Date.now() - started;
            this.calls.add(record);
        };
        try {
            let body: Buffer;
            try {
                body = await readBody(req);
            } catch {
                finish(gatewayError(413, "APIGW.0201", "Request entity too large", requestId));
                return;
            }
            const fault = this.faultQueue.take({ route: match.route, method, ...(match.clusterId !== undefined ? { clusterId: match.clusterId } : {}) }, "request");
            if (fault) {
                record.fault = describeFault(fault);
                switch (fault.kind) {
                    case "respond": {
                        const canned = fault.body ?? "";
                        finish({
                            status: fault.status,
                            headers: { ...(fault.headers ?? {}), ...(fault.headersAt?.(this.settings.now()) ?? {}) },
                            body: typeof canned === "string" ? canned.split(REQUEST_ID).join(requestId) : canned,
                        });
                        return;
                    }
                    case "hang":
                        finish();
                        return;
                    case "reset":
                        resetConnection(req.socket);
                        finish();
                        return;
                    case "truncate": {
                        const full = Buffer.from(fault.body, "utf8");
                        record.status = fault.status ?? 200;
                        res.writeHead(record.status, { "X-Request-Id": requestId, "Content-Type": "application/json;charset=UTF-8", "Content-Length": String(full.length) });
                        res.write(full.subarray(0, Math.max(0, Math.min(fault.bytes, full.length - 1))), () => req.socket.destroy());
                        finish();
                        return;
                    }
                    case "echo": {
                        const headerLines = Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : v ?? ""}`);
                        const request = `${method} ${req.url ?? "/"}\n${headerLines.join("\n")}\n\n${body.toString("utf8")}`;
                        const encoded =
                            fault.encoding === "base64" ? Buffer.from(request, "utf8").toString("base64")
                            : fault.encoding === "url" ? encodeURIComponent(request)
                            : fault.encoding === "json" ? JSON.stringify(request)
                            : request;
                        finish(cceError(fault.status, "CCE.01400001", `Bad request: ${encoded}`));
                        return;
                    }
                    case "flood": {
                        record.status = fault.status;
                        res.writeHead(fault.status, { "X-Request-Id": requestId, ...fault.headers });
                        const chunk = Buffer.alloc(fault.chunkBytes, "a");
                        const pump = (): void => {
                            while (!res.destroyed && fault.sent.bytes < fault.limitBytes) {
                                fault.sent.bytes += chunk.length;
                                if (!res.write(chunk)) return void res.once("drain", pump);
                            }
                            if (!res.destroyed) res.end();
                        };
                        pump();
                        finish();
                        return;
                    }
                    case "delay":
                        await this.sleep(fault.ms);
                        if (this.stopped) return;
                        break;
                    case "hold":
                        fault.onArrive?.();
                        await this.holdUntil(fault.until);
                        if (this.stopped) return;
                        break;
                    case "kubeconfig":
                        break;
                }
            }
            if (this.limiter?.scope === "global") {
                const limited = this.limiter.check("*", now.getTime(), requestId);
                if (limited) return finish(limited);
            }
            if (!match.allowed.includes(method)) return finish(notPublished(requestId));
            if (match.route === "iam-tokens") {
                record.auth = "password";
                const { answer, userId } = this.iam.issueToken(body, now);
                if (userId !== undefined) {
                    record.authenticated = true;
                    record.userId = userId;
                }
                return finish(answer);
            }
            const auth = authenticate({ method, rawUrl: req.url ?? "/", headers: req.headers, body }, this.registry, now, this.settings.clockSkewToleranceMs, requestId);
            record.auth = auth.kind;
            if (!auth.ok) {
                if (auth.accessKey !== undefined) record.accessKey = auth.accessKey;
                return finish(auth.answer);
            }
            record.authenticated = true;
            record.userId = auth.identity.userId;
            if (auth.identity.accessKey !== undefined) record.accessKey = auth.identity.accessKey;
            if (this.limiter?.scope === "credential") {
                const limited = this.limiter.check(auth.identity.label, now.getTime(), requestId);
                if (limited) return finish(limited);
            }
            if (match.route === "iam-projects") return finish(this.iam.listProjects(new URLSearchParams(query), auth.identity, this.url));
            const result = await this.cce.handle({
                method,
                action: match.action as "clustercert" | "clustercertrevoke",
                api: match.api as ClusterType,
                projectId: match.projectId as string,
                clusterId: match.clusterId as string,
                headers: req.headers,
                body,
                identity: auth.identity,
                requestId,
                now,
            });
            if (result.fault !== undefined) record.fault = result.fault;
            if (result.revoked !== undefined) record.revoked = result.revoked;
            return finish(result.answer);
        } catch (e) {
            // An emulator bug: say so loudly in the answer, it is test code.
            const answer = cceError(500, "CCE.01500001", `Internal error in the emulator: ${(e as Error).message}`);
            finish(answer);
        }
    }
}
