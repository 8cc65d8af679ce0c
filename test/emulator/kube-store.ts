/**
 * The in-memory objects of one emulated cluster's Kubernetes API: namespaces and configmaps
 * (create/get/list/update/patch/delete), two fake pods and a CoreDNS pod (read only), and an empty
 * apps/v1 deployments list. Answers are Kubernetes-shaped, errors are `Status` objects.
 */
import { randomUUID } from "node:crypto";

export interface KubeMetadata {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
}

export interface KubeObject {
    kind: string;
    apiVersion: string;
    metadata: KubeMetadata;
    [key: string]: unknown;
}

/** A `Status` failure (404 NotFound, 409 AlreadyExists, 422 Invalid, …). */
export class KubeError {
    constructor(
        readonly code: number,
        readonly reason: string,
        readonly message: string,
        readonly details?: { name?: string; kind?: string; group?: string },
    ) {}

    toStatus(): Record<string, unknown> {
        return {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message: this.message,
            reason: this.reason,
            ...(this.details ? { details: this.details } : {}),
            code: this.code,
        };
    }
}

export interface ResourceInfo {
    /** Plural resource name, e.g. "configmaps". */
    name: string;
    singular: string;
    kind: string;
    group: string;
    version: string;
    namespaced: boolean;
    writable: boolean;
    shortNames?: string[];
    categories?: string[];
}

export const RESOURCES: Record<string, ResourceInfo> = {
    namespaces: { name: "namespaces", singular: "namespace", kind: "Namespace", group: "", version: "v1", namespaced: false, writable: true, shortNames: ["ns"] },
    configmaps: { name: "configmaps", singular: "configmap", kind: "ConfigMap", group: "", version: "v1", namespaced: true, writable: true, shortNames: ["cm"] },
    pods: { name: "pods", singular: "pod", kind: "Pod", group: "", version: "v1", namespaced: true, writable: false, shortNames: ["po"], categories: ["all"] },
    deployments: { name: "deployments", singular: "deployment", kind: "Deployment", group: "apps", version: "v1", namespaced: true, writable: false, shortNames: ["deploy"], categories: ["all"] },
};

export function apiVersionOf(r: ResourceInfo): string {
    return r.group ? `${r.group}/${r.version}` : r.version;
}

const PROTECTED_NAMESPACES = new Set(["default", "kube-system", "kube-public"]);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch (strategic merge is treated the same way: enough for maps and scalars). */
export function mergePatch(target: unknown, patch: unknown): unknown {
    if (!isObject(patch)) return patch;
    const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
    for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete out[k];
        else out[k] = mergePatch(out[k], v);
    }
    return out;
}

function randomSuffix(n: number): string {
    const alphabet = "bcdfghjklmnpqrstvwxz2456789";
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
    return s;
}

export class KubeStore {
    private rv = 1000;
    private readonly objects = new Map<string, Map<string, KubeObject>>();

    constructor(private readonly now: () => Date) {
        for (const r of Object.keys(RESOURCES)) this.objects.set(r, new Map());
        // The cluster was created three days ago.
        const started = new Date(this.now().getTime() - 3 * 24 * 3600 * 1000);
        for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
            this.put("namespaces", this.namespaceObject(ns, { creationTimestamp: started.toISOString().replace(/\.\d{3}Z$/, "Z") }));
        }
        this.put("pods", this.podObject("default", "nginx-7854ff8877-4kx2p", "nginx:1.25", "10.0.0.12", started));
        this.put("pods", this.podObject("default", "nginx-7854ff8877-t9zqm", "nginx:1.25", "10.0.0.13", started));
        this.put("pods", this.podObject("kube-system", "coredns-5d78c9869d-8sfgw", "coredns:1.10.1", "10.0.0.2", started));
    }

    /** The latest resourceVersion (as a string, like the API). */
    resourceVersion(): string {
        return String(this.rv);
    }

    private nextRv(): string {
        return String(++this.rv);
    }

    private key(ns: string | undefined, name: string): string {
        return ns ? `${ns}/${name}` : name;
    }

    private put(resource: string, obj: KubeObject): void {
        (this.objects.get(resource) as Map<string, KubeObject>).set(this.key(obj.metadata.namespace, obj.metadata.name), obj);
    }

    private meta(name: string, namespace?: string, extra: Partial<KubeMetadata> = {}): KubeMetadata {
        return {
            name,
            ...(namespace ? { namespace } : {}),
            uid: randomUUID(),
            resourceVersion: this.nextRv(),
            creationTimestamp: this.now().toISOString().replace(/\.\d{3}Z$/, "Z"),
            ...extra,
        };
    }

    private namespaceObject(name: string, extra: Partial<KubeMetadata> = {}): KubeObject {
        const labels = { ...(extra.labels ?? {}), "kubernetes.io/metadata.name": name };
        return {
            kind: "Namespace",
            apiVersion: "v1",
            metadata: this.meta(name, undefined, { ...extra, labels }),
            spec: { finalizers: ["kubernetes"] },
            status: { phase: "Active" },
        };
    }

    private podObject(namespace: string, name: string, image: string, ip: string, started: Date): KubeObject {
        const startedAt = started.toISOString().replace(/\.\d{3}Z$/, "Z");
        const app = name.split("-")[0] as string;
        return {
            kind: "Pod",
            apiVersion: "v1",
            metadata: { ...this.meta(name, namespace), creationTimestamp: startedAt, labels: { app } },
            spec: { containers: [{ name: app, image, ports: [{ containerPort: 80, protocol: "TCP" }] }], nodeName: "192.168.0.10", restartPolicy: "Always" },
            status: {
                phase: "Running",
                hostIP: "192.168.0.10",
                podIP: ip,
                startTime: startedAt,
                conditions: [{ type: "Ready", status: "True", lastTransitionTime: startedAt }],
                containerStatuses: [{ name: app, image, ready: true, restartCount: 0, started: true, state: { running: { startedAt } } }],
            },
        };
    }

    private notFound(r: ResourceInfo, name: string): KubeError {
        return new KubeError(404, "NotFound", `${r.name}${r.group ? "." + r.group : ""} "${name}" not found`, { name, ...(r.group ? { group: r.group } : {}), kind: r.name });
    }

    private namespaceMissing(ns: string): KubeError {
        return new KubeError(404, "NotFound", `namespaces "${ns}" not found`, { name: ns, kind: "namespaces" });
    }

    private notAllowed(): KubeError {
        return new KubeError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    }

    /** Objects of `resource` in `namespace` (all namespaces when undefined), sorted by namespace and name. */
    list(resource: ResourceInfo, namespace?: string, labelSelector?: string): KubeObject[] | KubeError {
        if (namespace !== undefined && resource.namespaced && !this.objects.get("namespaces")?.has(namespace)) {
            // A list in a missing namespace is empty, as in Kubernetes.
            return [];
        }
        const wanted = parseSelector(labelSelector);
        if (wanted instanceof KubeError) return wanted;
        return [...(this.objects.get(resource.name) as Map<string, KubeObject>).values()]
            .filter((o) => namespace === undefined || !resource.namespaced || o.metadata.namespace === namespace)
            .filter((o) => wanted.every(([k, v]) => o.metadata.labels?.[k] === v))
            .sort((a, b) => this.key(a.metadata.namespace, a.metadata.name).localeCompare(this.key(b.metadata.namespace, b.metadata.name)));
    }

    get(resource: ResourceInfo, namespace: string | undefined, name: string): KubeObject | KubeError {
        const obj = this.objects.get(resource.name)?.get(this.key(resource.namespaced ? namespace : undefined, name));
        return obj ?? this.notFound(resource, name);
    }

    private validate(resource: ResourceInfo, namespace: string | undefined, body: unknown, nameFromPath?: string): { name: string; meta: Record<string, unknown>; body: Record<string, unknown> } | KubeError {
        if (!isObject(body)) return new KubeError(400, "BadRequest", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
        if (body.kind !== undefined && body.kind !== resource.kind) {
            return new KubeError(400, "BadRequest", `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(resource)})`);
        }
        const meta = isObject(body.metadata) ? body.metadata : {};
        let name = typeof meta.name === "string" ? meta.name : "";
        if (!name && typeof meta.generateName === "string" && nameFromPath === undefined) name = meta.generateName + randomSuffix(5);
        if (nameFromPath !== undefined && name !== "" && name !== nameFromPath) {
            return new KubeError(400, "BadRequest", `the name of the object (${name}) does not match the name on the URL (${nameFromPath})`);
        }
        if (nameFromPath !== undefined && name === "") name = nameFromPath;
        if (!name) return new KubeError(422, "Invalid", `${resource.kind} "" is invalid: metadata.name: Required value: name or generateName is required`, { kind: resource.kind });
        const re = resource.name === "namespaces" ? DNS_LABEL : DNS_SUBDOMAIN;
        if (!re.test(name) || name.length > (resource.name === "namespaces" ? 63 : 253)) {
            return new KubeError(422, "Invalid", `${resource.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 name must consist of lower case alphanumeric characters, '-' or '.'`, {
                name,
                kind: resource.kind,
            });
        }
        if (resource.namespaced && typeof meta.namespace === "string" && meta.namespace !== namespace) {
            return new KubeError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
        }
        if (resource.name === "configmaps") {
            for (const field of ["data", "binaryData"]) {
                const v = body[field];
                if (v !== undefined && v !== null && (!isObject(v) || Object.values(v).some((x) => typeof x !== "string"))) {
                    return new KubeError(400, "BadRequest", `ConfigMap in version "v1" cannot be handled as a ConfigMap: ${field} must be a map of strings`);
                }
            }
        }
        return { name, meta, body };
    }

    private build(resource: ResourceInfo, namespace: string | undefined, v: { name: string; meta: Record<string, unknown>; body: Record<string, unknown> }, previous?: KubeObject): KubeObject {
        const labels = isObject(v.meta.labels) ? (v.meta.labels as Record<string, string>) : undefined;
        const annotations = isObject(v.meta.annotations) ? (v.meta.annotations as Record<string, string>) : undefined;
        if (resource.name === "namespaces") {
            const ns = this.namespaceObject(v.name, { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) });
            if (previous) ns.metadata = { ...ns.metadata, uid: previous.metadata.uid, creationTimestamp: previous.metadata.creationTimestamp };
            return ns;
        }
        const { kind: _k, apiVersion: _a, metadata: _m, ...rest } = v.body;
        const meta = this.meta(v.name, resource.namespaced ? namespace : undefined, {
            ...(labels ? { labels } : {}),
            ...(annotations ? { annotations } : {}),
        });
        if (previous) {
            meta.uid = previous.metadata.uid;
            meta.creationTimestamp = previous.metadata.creationTimestamp;
        }
        return { kind: resource.kind, apiVersion: apiVersionOf(resource), metadata: meta, ...rest };
    }

    create(resource: ResourceInfo, namespace: string | undefined, body: unknown): KubeObject | KubeError {
        if (!resource.writable) return this.notAllowed();
        if (resource.namespaced && namespace !== undefined && !this.objects.get("namespaces")?.has(namespace)) return this.namespaceMissing(namespace);
        const v = this.validate(resource, namespace, body);
        if (v instanceof KubeError) return v;
        const map = this.objects.get(resource.name) as Map<string, KubeObject>;
        if (map.has(this.key(resource.namespaced ? namespace : undefined, v.name))) {
            return new KubeError(409, "AlreadyExists", `${resource.name} "${v.name}" already exists`, { name: v.name, kind: resource.name });
        }
        const obj = this.build(resource, namespace, v);
        this.put(resource.name, obj);
        return obj;
    }

    /** PUT: replaces an existing object (a stale metadata.resourceVersion is a 409 Conflict). */
    update(resource: ResourceInfo, namespace: string | undefined, name: string, body: unknown): KubeObject | KubeError {
        if (!resource.writable) return this.notAllowed();
        const current = this.get(resource, namespace, name);
        if (current instanceof KubeError) return current;
        const v = this.validate(resource, namespace, body, name);
        if (v instanceof KubeError) return v;
        const rv = v.meta.resourceVersion;
        if (typeof rv === "string" && rv !== "" && rv !== current.metadata.resourceVersion) {
            return new KubeError(409, "Conflict", `Operation cannot be fulfilled on ${resource.name} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {
                name,
                kind: resource.name,
            });
        }
        const obj = this.build(resource, namespace, v, current);
        this.put(resource.name, obj);
        return obj;
    }

    /** PATCH: merge patch on an existing object; server-side apply (`create`) also creates a missing one. */
    patch(resource: ResourceInfo, namespace: string | undefined, name: string, patch: unknown, createIfMissing: boolean): KubeObject | KubeError {
        if (!resource.writable) return this.notAllowed();
        const current = this.get(resource, namespace, name);
        if (current instanceof KubeError) {
            if (!createIfMissing) return current;
            if (resource.namespaced && namespace !== undefined && !this.objects.get("namespaces")?.has(namespace)) return this.namespaceMissing(namespace);
            const v = this.validate(resource, namespace, patch, name);
            if (v instanceof KubeError) return v;
            const obj = this.build(resource, namespace, v);
            this.put(resource.name, obj);
            return obj;
        }
        const merged = mergePatch(current, patch) as Record<string, unknown>;
        const v = this.validate(resource, namespace, merged, name);
        if (v instanceof KubeError) return v;
        const obj = this.build(resource, namespace, v, current);
        this.put(resource.name, obj);
        return obj;
    }

    /** DELETE: the deleted object (namespaces: with phase Terminating), its contents go with it. */
    delete(resource: ResourceInfo, namespace: string | undefined, name: string): KubeObject | KubeError {
        if (!resource.writable) return this.notAllowed();
        const current = this.get(resource, namespace, name);
        if (current instanceof KubeError) return current;
        if (resource.name === "namespaces" && PROTECTED_NAMESPACES.has(name)) {
            return new KubeError(403, "Forbidden", `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: "namespaces" });
        }
        (this.objects.get(resource.name) as Map<string, KubeObject>).delete(this.key(current.metadata.namespace, name));
        this.nextRv();
        if (resource.name === "namespaces") {
            for (const [r, map] of this.objects) {
                if (!RESOURCES[r]?.namespaced) continue;
                for (const [k, o] of map) if (o.metadata.namespace === name) map.delete(k);
            }
            return { ...current, metadata: { ...current.metadata, deletionTimestamp: this.now().toISOString().replace(/\.\d{3}Z$/, "Z") }, status: { phase: "Terminating" } };
        }
        return current;
    }
}

/** "a=b,c==d" → [["a","b"],["c","d"]]; only equality selectors are supported. */
function parseSelector(selector: string | undefined): Array<[string, string]> | KubeError {
    if (!selector) return [];
    const out: Array<[string, string]> = [];
    for (const part of selector.split(",")) {
        const m = /^\s*([^=!\s]+)\s*==?\s*([^=!\s]*)\s*$/.exec(part);
        if (!m) return new KubeError(400, "BadRequest", `unable to parse requirement: only equality label selectors are supported by the emulator: ${part}`);
        out.push([m[1] as string, m[2] as string]);
    }
    return out;
}
