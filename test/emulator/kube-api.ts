/**
 * The Kubernetes API of one emulated cluster, on loopback HTTPS: the internal endpoint (serving
 * certificate signed by the cluster CA, SAN IP 127.0.0.1, so `certificate-authority-data`
 * verifies it) and, for clusters with a public IP, the external endpoint (a self-signed
 * certificate for another name: clients must skip verification, which is why CCE sends
 * `insecure-skip-tls-verify: true`).
 *
 * Both demand a client certificate and check it like kube-apiserver: signed by this cluster's
 * CA, within its validity, and (emulator) not revoked through `clustercertrevoke`. Otherwise
 * 401 `Status` Unauthorized.
 *
 * Served: /version, /api, /apis, /api/v1, /apis/apps, /apis/apps/v1 (legacy discovery, which
 * kubectl falls back to when aggregated discovery is not offered), /healthz /livez /readyz,
 * namespaces and configmaps (create/get/list/update/patch/delete), pods (get/list) and apps/v1
 * deployments (empty list). Lists honour `labelSelector` (equality) and answer a Table when
 * the Accept header asks for one.
 */
import { randomUUID, type X509Certificate } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { parse as parseYaml } from "yaml";
import type { CallRecord } from "./call-log";
import { closeServer, listen, readBody, send, splitTarget, trackSockets } from "./http-util";
import { apiVersionOf, KubeError, RESOURCES, type KubeObject, type KubeStore, type ResourceInfo } from "./kube-store";
import { toTable, wantsTable } from "./kube-table";
import type { IssuedCert } from "./pki";

export interface KubeClusterContext {
    clusterId: string;
    /** e.g. "v1.28" or "v1.28.3". */
    version: string;
    ca: X509Certificate;
    isRevoked(serialNumber: string): boolean;
    store: KubeStore;
    now(): Date;
    onCall(record: CallRecord): void;
}

const JSON_TYPE = { "Content-Type": "application/json" };
const UNAUTHORIZED = JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });

interface Target {
    resource: ResourceInfo;
    namespace?: string;
    name?: string;
}

/** Maps a path to a resource (and namespace and name). */
function resolveTarget(path: string): Target | undefined {
    const seg = path.split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
    let rest: string[];
    let group: string;
    if (seg[0] === "api" && seg[1] === "v1") {
        group = "";
        rest = seg.slice(2);
    } else if (seg[0] === "apis" && seg[1] === "apps" && seg[2] === "v1") {
        group = "apps";
        rest = seg.slice(3);
    } else {
        return undefined;
    }
    const byName = (name: string | undefined): ResourceInfo | undefined => {
        const r = name !== undefined ? RESOURCES[name] : undefined;
        return r && r.group === group ? r : undefined;
    };
    // /namespaces, /namespaces/{name}
    if (rest[0] === "namespaces" && rest.length <= 2 && group === "") {
        return rest.length === 1 ? { resource: RESOURCES.namespaces as ResourceInfo } : { resource: RESOURCES.namespaces as ResourceInfo, name: rest[1] as string };
    }
    // /namespaces/{ns}/{resource}[/{name}]
    if (rest[0] === "namespaces" && (rest.length === 3 || rest.length === 4)) {
        const r = byName(rest[2]);
        if (!r || !r.namespaced) return undefined;
        return { resource: r, namespace: rest[1] as string, ...(rest[3] !== undefined ? { name: rest[3] } : {}) };
    }
    // /{resource} across namespaces
    if (rest.length === 1) {
        const r = byName(rest[0]);
        return r ? { resource: r } : undefined;
    }
    return undefined;
}

function resourceList(groupVersion: string): Record<string, unknown> {
    const verbsRw = ["create", "delete", "get", "list", "patch", "update", "watch"];
    const verbsRo = ["get", "list", "watch"];
    return {
        kind: "APIResourceList",
        apiVersion: "v1",
        groupVersion,
        resources: Object.values(RESOURCES)
            .filter((r) => apiVersionOf(r) === groupVersion)
            .map((r) => ({
                name: r.name,
                singularName: r.singular,
                namespaced: r.namespaced,
                kind: r.kind,
                verbs: r.writable ? verbsRw : verbsRo,
                ...(r.shortNames ? { shortNames: r.shortNames } : {}),
                ...(r.categories ? { categories: r.categories } : {}),
            })),
    };
}

function stripForList(o: KubeObject): Record<string, unknown> {
    const { kind: _kind, apiVersion: _apiVersion, ...rest } = o;
    return rest;
}

/** One HTTPS endpoint (internal or external) of a cluster's Kubernetes API. */
class KubeEndpoint {
    private server?: https.Server;
    private sockets = new Set<Socket>();
    port = 0;

    constructor(
        private readonly ctx: KubeClusterContext,
        private readonly serving: IssuedCert,
        private readonly endpoint: "internal" | "external",
    ) {}

    async start(): Promise<void> {
        const server = https.createServer(
            {
                key: this.serving.keyPem,
                cert: this.serving.certPem,
                // Asks for a client certificate (naming the cluster CA as acceptable issuer, like
                // kube-apiserver's --client-ca-file) but checks it in code, per request.
                requestCert: true,
                rejectUnauthorized: false,
                ca: [this.ctx.ca.toString()],
                minVersion: "TLSv1.2",
            },
            (req, res) => {
                void this.handle(req, res).catch(() => {
                    send(res, 500, JSON_TYPE, JSON.stringify(new KubeError(500, "InternalError", "emulator error").toStatus()));
                });
            },
        );
        server.keepAliveTimeout = 30_000;
        this.sockets = trackSockets(server);
        this.server = server;
        this.port = await listen(server, 0);
    }

    async stop(): Promise<void> {
        if (this.server) await closeServer(this.server, this.sockets);
        this.server = undefined;
    }

    /** The CN of a valid client certificate, or why there is none. */
    private authenticate(req: IncomingMessage): { user: string } | { failure: string } {
        const socket = req.socket as TLSSocket;
        const peer = typeof socket.getPeerX509Certificate === "function" ? socket.getPeerX509Certificate() : undefined;
        if (!peer) return { failure: "no client certificate" };
        if (!peer.checkIssued(this.ctx.ca) || !peer.verify(this.ctx.ca.publicKey)) return { failure: "client certificate not signed by this cluster's CA" };
        const now = this.ctx.now().getTime();
        if (now < Date.parse(peer.validFrom) || now > Date.parse(peer.validTo)) return { failure: "client certificate expired or not yet valid" };
        if (this.ctx.isRevoked(peer.serialNumber.toUpperCase())) return { failure: "client certificate revoked" };
        const cn = /(?:^|\n)CN=([^\n]*)/.exec(peer.subject)?.[1] ?? "";
        return { user: cn };
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const started = Date.now();
        const method = (req.method ?? "GET").toUpperCase();
        const { path, query } = splitTarget(req.url);
        const requestId = randomUUID();
        const auth = this.authenticate(req);
        let status = 0;
        const answer = (code: number, body: string, headers: Record<string, string> = JSON_TYPE): void => {
            status = code;
            send(res, code, { ...headers, "Audit-Id": requestId, "Cache-Control": "no-cache, private" }, body);
        };
        try {
            const body = await readBody(req);
            if ("failure" in auth) {
                answer(401, UNAUTHORIZED);
                return;
            }
            this.route(method, path, new URLSearchParams(query), req.headers.accept, req.headers["content-type"], body, answer);
        } catch {
            answer(400, JSON.stringify(new KubeError(400, "BadRequest", "the request body could not be read").toStatus()));
        } finally {
            this.ctx.onCall({
                time: new Date(started),
                method,
                path,
                query,
                route: "kube",
                status,
                auth: "x509",
                authenticated: !("failure" in auth),
                ...("user" in auth ? { userId: auth.user } : { errorCode: auth.failure }),
                clusterId: this.ctx.clusterId,
                endpoint: this.endpoint,
                requestId,
                durationMs: Date.now() - started,
            });
        }
    }

    private gitVersion(): string {
        const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(this.ctx.version);
        const [major, minor, patch] = [m?.[1] ?? "1", m?.[2] ?? "28", m?.[3] ?? "3"];
        return `v${major}.${minor}.${patch}-r0-emulator`;
    }

    private route(
        method: string,
        path: string,
        query: URLSearchParams,
        accept: string | undefined,
        contentType: string | undefined,
        body: Buffer,
        answer: (code: number, body: string, headers?: Record<string, string>) => void,
    ): void {
        const ok = (value: unknown, code = 200): void => answer(code, JSON.stringify(value));
        const fail = (e: KubeError): void => answer(e.code, JSON.stringify(e.toStatus()));
        const p = path.length > 1 ? path.replace(/\/+$/, "") : path;

        if (method === "GET") {
            switch (p) {
                case "/healthz":
                case "/livez":
                case "/readyz":
                    answer(200, "ok", { "Content-Type": "text/plain; charset=utf-8" });
                    return;
                case "/version": {
                    const gitVersion = this.gitVersion();
                    const [major, minor] = gitVersion.slice(1).split(".");
                    ok({
                        major,
                        minor,
                        gitVersion,
                        gitCommit: "0000000000000000000000000000000000000000",
                        gitTreeState: "clean",
                        buildDate: "2024-01-01T00:00:00Z",
                        goVersion: "go1.21.9",
                        compiler: "gc",
                        platform: "linux/amd64",
                    });
                    return;
                }
                case "/api":
                    ok({ kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: `127.0.0.1:${this.port}` }] });
                    return;
                case "/apis":
                    ok({
                        kind: "APIGroupList",
                        apiVersion: "v1",
                        groups: [{ name: "apps", versions: [{ groupVersion: "apps/v1", version: "v1" }], preferredVersion: { groupVersion: "apps/v1", version: "v1" } }],
                    });
                    return;
                case "/apis/apps":
                    ok({ kind: "APIGroup", apiVersion: "v1", name: "apps", versions: [{ groupVersion: "apps/v1", version: "v1" }], preferredVersion: { groupVersion: "apps/v1", version: "v1" } });
                    return;
                case "/api/v1":
                    ok(resourceList("v1"));
                    return;
                case "/apis/apps/v1":
                    ok(resourceList("apps/v1"));
                    return;
            }
        }

        const target = resolveTarget(p);
        if (!target) {
            fail(new KubeError(404, "NotFound", "the server could not find the requested resource"));
            return;
        }
        const { resource, namespace, name } = target;
        const store = this.ctx.store;
        if (query.get("watch") === "true" || query.get("watch") === "1") {
            fail(new KubeError(405, "MethodNotAllowed", "watch is not supported by the emulator"));
            return;
        }
        const parseJson = (): unknown => {
            const text = body.toString("utf8");
            return text.trim() === "" ? undefined : JSON.parse(text);
        };
        const asResult = (r: KubeObject | KubeError, code = 200): void => (r instanceof KubeError ? fail(r) : ok(r, code));
        try {
            if (name === undefined) {
                if (method === "GET") {
                    const items = store.list(resource, namespace, query.get("labelSelector") ?? undefined);
                    if (items instanceof KubeError) return fail(items);
                    const rv = store.resourceVersion();
                    if (wantsTable(accept)) {
                        ok(toTable(resource, items, this.ctx.now(), rv, query.get("includeObject") ?? "Metadata", /v=v1beta1/.test(accept ?? "") && !/v=v1[;,]|v=v1$/.test(accept ?? "") ? "meta.k8s.io/v1beta1" : "meta.k8s.io/v1"));
                    } else {
                        ok({ kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: rv }, items: items.map(stripForList) });
                    }
                    return;
                }
                if (method === "POST") return asResult(store.create(resource, namespace, parseJson()), 201);
                return fail(new KubeError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
            }
            switch (method) {
                case "GET": {
                    const r = store.get(resource, namespace, name);
                    if (!(r instanceof KubeError) && wantsTable(accept)) return ok(toTable(resource, [r], this.ctx.now(), store.resourceVersion(), query.get("includeObject") ?? "Metadata"));
                    return asResult(r);
                }
                case "PUT":
                    return asResult(store.update(resource, namespace, name, parseJson()));
                case "PATCH": {
                    const type = (contentType ?? "").toLowerCase();
                    if (type.startsWith("application/apply-patch")) {
                        // Server-side apply, roughly: create (201) or merge into the existing object (200).
                        const existed = !(store.get(resource, namespace, name) instanceof KubeError);
                        return asResult(store.patch(resource, namespace, name, parseYaml(body.toString("utf8")), true), existed ? 200 : 201);
                    }
                    if (type.startsWith("application/json-patch+json")) {
                        return fail(new KubeError(415, "UnsupportedMediaType", "the emulator supports merge-patch, strategic-merge-patch and apply-patch only"));
                    }
                    return asResult(store.patch(resource, namespace, name, parseJson(), false));
                }
                case "DELETE": {
                    const r = store.delete(resource, namespace, name);
                    if (r instanceof KubeError) return fail(r);
                    if (resource.name === "namespaces") return ok(r);
                    return ok({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name, kind: resource.name, uid: r.metadata.uid } });
                }
                default:
                    return fail(new KubeError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
            }
        } catch (e) {
            if (e instanceof SyntaxError || (e instanceof Error && e.name === "YAMLParseError")) {
                return fail(new KubeError(400, "BadRequest", `the body of the request could not be decoded: ${e.message}`));
            }
            throw e;
        }
    }
}

/** The internal and (with a public IP) external Kubernetes endpoints of one cluster. */
export class KubeApiServers {
    private constructor(
        private readonly internal: KubeEndpoint,
        private readonly external?: KubeEndpoint,
    ) {}

    static async start(ctx: KubeClusterContext, certs: { internal: IssuedCert; external?: IssuedCert }): Promise<KubeApiServers> {
        const internal = new KubeEndpoint(ctx, certs.internal, "internal");
        const external = certs.external ? new KubeEndpoint(ctx, certs.external, "external") : undefined;
        try {
            await Promise.all([internal.start(), external?.start()]);
        } catch (e) {
            await Promise.all([internal.stop(), external?.stop()]);
            throw e;
        }
        return new KubeApiServers(internal, external);
    }

    get internalUrl(): string {
        return `https://127.0.0.1:${this.internal.port}`;
    }

    get externalUrl(): string | undefined {
        return this.external ? `https://127.0.0.1:${this.external.port}` : undefined;
    }

    async stop(): Promise<void> {
        await Promise.all([this.internal.stop(), this.external?.stop()]);
    }
}
