/**
 * Kubeconfig types (the `v1.Config` subset CCE documents), the sanitizer that turns an API answer
 * into one, context selection and rendering. Pure functions.
 *
 * The answer is data, not configuration: only the fields the clustercert API documents are kept —
 * clusters (name, server, certificate-authority-data, insecure-skip-tls-verify), users (name,
 * client-certificate-data, client-key-data), contexts (name, cluster, user), current-context, kind,
 * apiVersion, preferences (empty). Everything else (an `exec` command kubectl would run, a
 * `proxy-url`, file paths, tokens) is dropped and named in `dropped`.
 */
import YAML from "yaml";
import { endpointProblem } from "../util/url";
import { JsonError, parseJson } from "../util/json";
import { kubeconfigYaml } from "./kubeconfig-yaml";
import { quote, safeText } from "../util/text";
import { ClusterCertError } from "../util/errors";

/** CCE's two contexts: the cluster's private endpoint, and the public one (with an EIP). */
export type ContextName = "internal" | "external";

export interface KubeconfigCluster {
    server: string;
    "certificate-authority-data"?: string;
    "insecure-skip-tls-verify"?: boolean;
}
export interface ExecConfig {
    apiVersion: string;
    command: string;
    args?: string[];
    env?: { name: string; value: string }[] | null;
    interactiveMode?: "Never" | "IfAvailable" | "Always";
    provideClusterInfo?: boolean;
    installHint?: string;
}
/** A user of a kubeconfig: client certificate data, or (only in kubeconfigs this package renders itself) an exec plugin. */
export interface KubeconfigUser {
    "client-certificate-data"?: string;
    "client-key-data"?: string;
    exec?: ExecConfig;
}
export interface KubeconfigContext {
    cluster: string;
    user: string;
}
export interface NamedCluster {
    name: string;
    cluster: KubeconfigCluster;
}
export interface NamedUser {
    name: string;
    user: KubeconfigUser;
}
export interface NamedContext {
    name: string;
    context: KubeconfigContext;
}

export interface Kubeconfig {
    kind: "Config";
    apiVersion: "v1";
    preferences: Record<string, never>;
    clusters: NamedCluster[];
    users: NamedUser[];
    contexts: NamedContext[];
    "current-context": string;
}

/** A kubeconfig that cannot be used; the message names the part that is wrong. */
export class KubeconfigError extends ClusterCertError {
    constructor(message: string, cause?: unknown) {
        super("bad-data", message, cause !== undefined ? { cause } : {});
    }
}

/** Entries per list accepted in an answer (CCE sends at most three). */
export const MAX_ENTRIES = 16;
/** Names of clusters, users and contexts: what kubectl and YAML handle without surprises. */
const NAME = /^[A-Za-z0-9._@:/+=-]{1,128}$/;
/** Dropped fields named in the log line, at most. */
const MAX_DROPPED_NAMED = 12;

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The answer with only its documented fields, and the paths of the fields that were dropped. */
export interface Sanitized {
    kubeconfig: Kubeconfig;
    dropped: string[];
}

class Collector {
    readonly dropped: string[] = [];
    /** Notes every key of `o` not in `allowed`, as `<where>.<key>`. */
    extra(o: Record<string, unknown>, allowed: readonly string[], where: string): void {
        for (const key of Object.keys(o)) if (!allowed.includes(key)) this.dropped.push(where === "" ? safeText(key, 40) : `${where}.${safeText(key, 40)}`);
    }
}

function checkName(v: unknown, where: string): string {
    if (typeof v !== "string" || !NAME.test(v)) {
        throw new KubeconfigError(`${where} has ${typeof v === "string" ? `the name ${quote(v, 60)}, which is not` : "no"} a valid name (letters, digits and ._@:/+=- , at most 128)`);
    }
    return v;
}

function optionalString(o: Record<string, unknown>, key: string, where: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw new KubeconfigError(`${where} has a ${key} that is not a string`);
    return v;
}

function namedList<T>(
    doc: Record<string, unknown>,
    key: string,
    inner: string,
    allowed: readonly string[],
    c: Collector,
    read: (v: Record<string, unknown>, where: string) => T,
): { name: string; value: T }[] {
    const list = doc[key];
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) throw new KubeconfigError(`"${key}" is not a list`);
    if (list.length > MAX_ENTRIES) throw new KubeconfigError(`"${key}" has ${list.length} entries, more than the ${MAX_ENTRIES} accepted`);
    const seen = new Set<string>();
    return list.map((entry: unknown, i) => {
        const at = `${key}[${i}]`;
        if (!isObject(entry)) throw new KubeconfigError(`${at} is not an object`);
        const name = checkName(entry.name, at);
        if (seen.has(name)) throw new KubeconfigError(`${key} has two entries named ${quote(name, 60)} (kubectl refuses duplicate names)`);
        seen.add(name);
        const where = `${at} (${quote(name, 60)})`;
        if (!isObject(entry[inner])) throw new KubeconfigError(`${where} has no "${inner}" object`);
        c.extra(entry, ["name", inner], at);
        c.extra(entry[inner] as Record<string, unknown>, allowed, `${at}.${inner}`);
        return { name, value: read(entry[inner] as Record<string, unknown>, where) };
    });
}

const CLUSTER_FIELDS = ["server", "certificate-authority-data", "insecure-skip-tls-verify"] as const;
const USER_FIELDS = ["client-certificate-data", "client-key-data"] as const;
const CONTEXT_FIELDS = ["cluster", "user"] as const;
const TOP_FIELDS = ["kind", "apiVersion", "preferences", "clusters", "users", "contexts", "current-context"] as const;

/** Keeps the documented fields of a parsed kubeconfig (from the API's JSON or from stored YAML); throws KubeconfigError naming what is wrong. */
export function sanitizeKubeconfig(doc: unknown): Sanitized {
    if (!isObject(doc)) throw new KubeconfigError("the answer is not a JSON object");
    if (doc.kind !== "Config") throw new KubeconfigError(`"kind" is ${typeof doc.kind === "string" ? quote(doc.kind, 40) : "missing"}, not "Config"`);
    if (doc.apiVersion !== undefined && doc.apiVersion !== "v1") throw new KubeconfigError('"apiVersion" is not "v1"');
    const c = new Collector();
    c.extra(doc, TOP_FIELDS, "");
    if (doc.preferences !== undefined && doc.preferences !== null) {
        if (!isObject(doc.preferences)) throw new KubeconfigError('"preferences" is not an object');
        c.extra(doc.preferences, [], "preferences");
    }
    const clusters = namedList(doc, "clusters", "cluster", CLUSTER_FIELDS, c, (o, where) => {
        const server = o.server;
        if (typeof server !== "string") throw new KubeconfigError(`${where} has no server URL`);
        const why = endpointProblem(server);
        if (why !== undefined) throw new KubeconfigError(`${where} has a server URL that ${why}`);
        const cluster: KubeconfigCluster = { server };
        const ca = optionalString(o, "certificate-authority-data", where);
        if (ca !== undefined) cluster["certificate-authority-data"] = ca;
        const skip = o["insecure-skip-tls-verify"];
        if (skip !== undefined && skip !== null) {
            if (typeof skip !== "boolean") throw new KubeconfigError(`${where} has a non-boolean insecure-skip-tls-verify`);
            cluster["insecure-skip-tls-verify"] = skip;
        }
        return cluster;
    });
    const users = namedList(doc, "users", "user", USER_FIELDS, c, (o, where) => {
        const user: KubeconfigUser = {};
        const cert = optionalString(o, "client-certificate-data", where);
        const key = optionalString(o, "client-key-data", where);
        if (cert !== undefined) user["client-certificate-data"] = cert;
        if (key !== undefined) user["client-key-data"] = key;
        return user;
    });
    const contexts = namedList(doc, "contexts", "context", CONTEXT_FIELDS, c, (o, where) => {
        return { cluster: checkName(o.cluster, `${where} cluster reference`), user: checkName(o.user, `${where} user reference`) };
    });
    if (clusters.length === 0) throw new KubeconfigError("the answer has no clusters");
    if (users.length === 0) throw new KubeconfigError("the answer has no users");
    if (contexts.length === 0) throw new KubeconfigError("the answer has no contexts");
    const current = doc["current-context"];
    if (typeof current !== "string" || !contexts.some((x) => x.name === current)) {
        throw new KubeconfigError(`"current-context" ${typeof current === "string" ? quote(current, 60) : "(missing)"} is not one of the contexts`);
    }
    return {
        kubeconfig: {
            kind: "Config",
            apiVersion: "v1",
            preferences: {},
            clusters: clusters.map(({ name, value }) => ({ name, cluster: value })),
            users: users.map(({ name, value }) => ({ name, user: value })),
            contexts: contexts.map(({ name, value }) => ({ name, context: value })),
            "current-context": current,
        },
        dropped: c.dropped,
    };
}

/** The dropped fields as one phrase for a log line, e.g. `users[0].user.exec, clusters[1].cluster.proxy-url`. */
export function describeDropped(dropped: readonly string[]): string {
    const named = dropped.slice(0, MAX_DROPPED_NAMED).join(", ");
    return dropped.length > MAX_DROPPED_NAMED ? `${named} and ${dropped.length - MAX_DROPPED_NAMED} more` : named;
}

/** Parses and sanitizes the clustercert API's JSON answer. */
export function parseKubeconfigJson(body: string): Sanitized {
    let doc: unknown;
    try {
        doc = parseJson(body);
    } catch (e) {
        throw new KubeconfigError((e as JsonError).message);
    }
    return sanitizeKubeconfig(doc);
}

/** Parses a kubeconfig rendered by `renderKubeconfig` (stored in state), sanitized again. */
export function parseKubeconfigYaml(text: string): Kubeconfig {
    let doc: unknown;
    try {
        doc = YAML.parse(text, { maxAliasCount: 0 });
    } catch {
        throw new KubeconfigError("the stored kubeconfig is not valid YAML");
    }
    return sanitizeKubeconfig(doc).kubeconfig;
}

export interface Selection {
    context: NamedContext;
    cluster: NamedCluster;
    user: NamedUser;
}

/** The named context (default: the document's current-context) with the cluster and user it refers to. */
export function selectContext(kc: Kubeconfig, name?: string): Selection {
    const wanted = name ?? kc["current-context"];
    const context = kc.contexts.find((c) => c.name === wanted);
    if (!context) {
        const available = kc.contexts.map((c) => c.name).join(", ");
        const why = wanted === "external" ? " (the cluster has no public IP (EIP) bound, so CCE gives no external endpoint)" : "";
        throw new KubeconfigError(`context ${quote(wanted, 60)} is not in the API answer${why}; available: ${available}`);
    }
    const cluster = kc.clusters.find((c) => c.name === context.context.cluster);
    if (!cluster) throw new KubeconfigError(`context ${quote(wanted, 60)} refers to cluster ${quote(context.context.cluster, 60)}, which is not in the answer`);
    const user = kc.users.find((u) => u.name === context.context.user);
    if (!user) throw new KubeconfigError(`context ${quote(wanted, 60)} refers to user ${quote(context.context.user, 60)}, which is not in the answer`);
    return { context, cluster, user };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes base64 `*-data` holding PEM text; throws naming the field when it is not. */
export function decodePemData(data: unknown, what: string, pemType: RegExp = /-----BEGIN [A-Z0-9 ]+-----/): string {
    if (typeof data !== "string" || data.trim() === "") throw new KubeconfigError(`${what} is missing`);
    // Canonical base64 (what encoders write: no white space, padded) needs neither the white-space
    // removal nor the regex: decoding and encoding it again gives it back.
    let bytes = Buffer.from(data, "base64");
    if (bytes.toString("base64") !== data) {
        const compact = data.replace(/\s+/g, "");
        if (!BASE64.test(compact) || compact.length % 4 === 1) throw new KubeconfigError(`${what} is not valid base64`);
        bytes = Buffer.from(compact, "base64");
    }
    const text = bytes.toString("utf8");
    if (!pemType.test(text)) throw new KubeconfigError(`${what} does not decode to PEM data`);
    return text;
}

/** Base64 of PEM text, as kubeconfig `*-data` fields carry it. */
export function encodePemData(pem: string): string {
    return Buffer.from(pem, "utf8").toString("base64");
}

/** The server URL of each of CCE's contexts (`internal`, `external`) present in the answer. */
export function endpointsOf(kc: Kubeconfig): { internal?: string; external?: string } {
    const out: { internal?: string; external?: string } = {};
    for (const name of ["internal", "external"] as const) {
        const ctx = kc.contexts.find((c) => c.name === name);
        const cluster = ctx && kc.clusters.find((c) => c.name === ctx.context.cluster);
        if (cluster) out[name] = cluster.cluster.server;
    }
    return out;
}

/**
 * Renders the (sanitized) kubeconfig as YAML, every cluster, user and context of it, with
 * `current-context` set to `currentContext`; strings are quoted wherever a YAML 1.1 reader would
 * read them as something else.
 */
export function renderKubeconfig(kc: Kubeconfig, currentContext: string): string {
    if (!kc.contexts.some((c) => c.name === currentContext)) throw new KubeconfigError(`context ${quote(currentContext, 60)} is not in the kubeconfig`);
    return kubeconfigYaml({ ...kc, "current-context": currentContext });
}
