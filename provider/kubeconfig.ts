/**
 * Kubeconfig types (the `v1.Config` shape CCE answers with), validation of an API answer,
 * context selection and YAML rendering. Pure functions.
 */
import YAML from "yaml";

export interface KubeconfigCluster {
    server: string;
    "certificate-authority-data"?: string;
    "insecure-skip-tls-verify"?: boolean;
    [field: string]: unknown;
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
export interface KubeconfigUser {
    "client-certificate-data"?: string;
    "client-key-data"?: string;
    exec?: ExecConfig;
    [field: string]: unknown;
}
export interface KubeconfigContext {
    cluster: string;
    user: string;
    namespace?: string;
    [field: string]: unknown;
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
    apiVersion: string;
    preferences?: Record<string, unknown>;
    clusters: NamedCluster[];
    users: NamedUser[];
    contexts: NamedContext[];
    "current-context": string;
    [field: string]: unknown;
}

/** A kubeconfig that cannot be used; the message names the part that is wrong. */
export class KubeconfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "KubeconfigError";
    }
}

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function namedList<T>(doc: Record<string, unknown>, key: string, inner: string, check: (v: Record<string, unknown>, where: string) => void): T[] {
    const list = doc[key];
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) throw new KubeconfigError(`"${key}" is not a list`);
    return list.map((entry, i) => {
        const where = `${key}[${i}]`;
        if (!isObject(entry) || typeof entry.name !== "string" || entry.name === "") throw new KubeconfigError(`${where} has no name`);
        if (!isObject(entry[inner])) throw new KubeconfigError(`${where} ("${entry.name}") has no "${inner}" object`);
        check(entry[inner] as Record<string, unknown>, `${where} ("${entry.name}")`);
        return entry as T;
    });
}

/** Validates a parsed kubeconfig document (from the API's JSON or from stored YAML). */
export function toKubeconfig(doc: unknown): Kubeconfig {
    if (!isObject(doc)) throw new KubeconfigError("the answer is not a JSON object");
    if (doc.kind !== "Config") throw new KubeconfigError(`"kind" is ${JSON.stringify(doc.kind)}, not "Config"`);
    const clusters = namedList<NamedCluster>(doc, "clusters", "cluster", (c, where) => {
        if (typeof c.server !== "string" || !/^https?:\/\//.test(c.server)) throw new KubeconfigError(`${where} has no https server URL`);
        const skip = c["insecure-skip-tls-verify"];
        if (skip !== undefined && typeof skip !== "boolean") throw new KubeconfigError(`${where} has a non-boolean insecure-skip-tls-verify`);
    });
    const users = namedList<NamedUser>(doc, "users", "user", () => undefined);
    const contexts = namedList<NamedContext>(doc, "contexts", "context", (c, where) => {
        if (typeof c.cluster !== "string" || typeof c.user !== "string") throw new KubeconfigError(`${where} does not name a cluster and a user`);
    });
    if (clusters.length === 0) throw new KubeconfigError("the answer has no clusters");
    if (users.length === 0) throw new KubeconfigError("the answer has no users");
    if (contexts.length === 0) throw new KubeconfigError("the answer has no contexts");
    const current = doc["current-context"];
    if (typeof current !== "string" || !contexts.some((c) => c.name === current)) {
        throw new KubeconfigError(`"current-context" ${JSON.stringify(current)} is not one of the contexts`);
    }
    return doc as Kubeconfig;
}

/** Parses the clustercert API's JSON answer. */
export function parseKubeconfigJson(body: string): Kubeconfig {
    let doc: unknown;
    try {
        doc = JSON.parse(body);
    } catch {
        throw new KubeconfigError(`the body is not valid JSON (${Buffer.byteLength(body)} bytes)`);
    }
    return toKubeconfig(doc);
}

/** Parses a kubeconfig rendered by `renderKubeconfig` (stored in state). */
export function parseKubeconfigYaml(text: string): Kubeconfig {
    let doc: unknown;
    try {
        doc = YAML.parse(text);
    } catch {
        throw new KubeconfigError("the stored kubeconfig is not valid YAML");
    }
    return toKubeconfig(doc);
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
        throw new KubeconfigError(`context "${wanted}" is not in the API answer${why}; available: ${available}`);
    }
    const cluster = kc.clusters.find((c) => c.name === context.context.cluster);
    if (!cluster) throw new KubeconfigError(`context "${wanted}" refers to cluster "${context.context.cluster}", which is not in the answer`);
    const user = kc.users.find((u) => u.name === context.context.user);
    if (!user) throw new KubeconfigError(`context "${wanted}" refers to user "${context.context.user}", which is not in the answer`);
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
 * Renders the kubeconfig as YAML: the whole document as the API sent it (every cluster, user and
 * context, every `insecure-skip-tls-verify` untouched), with `current-context` set to `currentContext`.
 */
export function renderKubeconfig(kc: Kubeconfig, currentContext: string): string {
    if (!kc.contexts.some((c) => c.name === currentContext)) throw new KubeconfigError(`context "${currentContext}" is not in the kubeconfig`);
    const doc = { ...kc, "current-context": currentContext };
    return plainBlockYaml(doc) ?? YAML.stringify(doc, { lineWidth: 0 });
}

// ---- Fast path of renderKubeconfig ------------------------------------------------------------
// `YAML.stringify` builds a document tree and tests every scalar against the schema: about 250 µs
// for one CCE answer on Node 20, ~15 % of a create's CPU (see bench/RESULTS.md). A kubeconfig is block maps
// and lists of plain words, URLs and base64, which YAML writes in one fixed way; `plainBlockYaml`
// writes exactly that text, and gives up (undefined: YAML.stringify then writes it) on anything else:
// numbers, null, nested lists, empty keys, and every string that is not surely a plain scalar.

/** Strings YAML writes plain: a letter first, then URL and base64 characters, a ":" only between them. */
const PLAIN_SCALAR = /^[A-Za-z][A-Za-z0-9._/+=-]*(?::[A-Za-z0-9._/+=-]+)*$/;
/** Plain words the core schema would read as a boolean or null (YAML quotes them). */
const NOT_A_STRING = /^(?:true|True|TRUE|false|False|FALSE|null|Null|NULL)$/;

function plainScalar(v: unknown): string | undefined {
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "string" && PLAIN_SCALAR.test(v) && !NOT_A_STRING.test(v)) return v;
    return undefined;
}

function emitMap(map: Record<string, unknown>, indent: string, out: string[]): boolean {
    for (const key of Object.keys(map)) {
        const value = map[key];
        if (key.length > 256 || plainScalar(key) !== key) return false;
        if (isObject(value)) {
            if (Object.keys(value).length === 0) out.push(`${indent}${key}: {}`);
            else {
                out.push(`${indent}${key}:`);
                if (!emitMap(value, `${indent}  `, out)) return false;
            }
        } else if (Array.isArray(value)) {
            if (value.length === 0) out.push(`${indent}${key}: []`);
            else {
                out.push(`${indent}${key}:`);
                if (!emitList(value, `${indent}  `, out)) return false;
            }
        } else {
            const s = plainScalar(value);
            if (s === undefined) return false;
            out.push(`${indent}${key}: ${s}`);
        }
    }
    return true;
}

function emitList(list: unknown[], indent: string, out: string[]): boolean {
    for (let i = 0; i < list.length; i++) {
        if (!(i in list)) return false;
        const item: unknown = list[i];
        if (isObject(item)) {
            if (Object.keys(item).length === 0) {
                out.push(`${indent}- {}`);
                continue;
            }
            const first = out.length;
            if (!emitMap(item, `${indent}  `, out)) return false;
            out[first] = `${indent}- ${(out[first] as string).slice(indent.length + 2)}`;
        } else {
            const s = Array.isArray(item) ? undefined : plainScalar(item);
            if (s === undefined) return false;
            out.push(`${indent}- ${s}`);
        }
    }
    return true;
}

/** `YAML.stringify(doc, { lineWidth: 0 })` for documents of block maps, lists and plain scalars; undefined for anything else. */
function plainBlockYaml(doc: Record<string, unknown>): string | undefined {
    const out: string[] = [];
    if (Object.keys(doc).length === 0 || !emitMap(doc, "", out)) return undefined;
    return `${out.join("\n")}\n`;
}
