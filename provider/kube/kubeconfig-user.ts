/**
 * The credential of one context's user in a kubeconfig someone hands us (`check --kubeconfig`,
 * `revoke --from-kubeconfig`): its embedded client certificate, the file it names, or why it has
 * none (an exec plugin, a token). The text is untrusted: parsed with the alias count bounded, every
 * name and value shown through `quote`, the certificate PEM checked to hold certificates only. Pure.
 */
import YAML from "yaml";
import { quote, safeText } from "../util/text";
import { decodePemData, KubeconfigError } from "./kubeconfig";
import { certificatesOnly } from "./pem";

/** Aliases a kubeconfig may use (kubectl's own files have none; a billion-laughs document has millions). */
export const MAX_KUBECONFIG_ALIASES = 100;

export type UserCredential =
    /** `client-certificate-data`: its first (the client's own) certificate, canonical PEM. */
    | { kind: "certificate"; context: string; user: string; pem: string }
    /** `client-certificate`: a file path, relative to the kubeconfig's directory as kubectl reads it. */
    | { kind: "certificate-file"; context: string; user: string; file: string }
    /** No client certificate; `why` says what the user has instead. */
    | { kind: "none"; context: string; user: string; why: string };

/** The first certificate of canonical PEM (`certificatesOnly`'s output): a client's own certificate comes first. */
export function leafCertificate(pem: string): string {
    const end = "-----END CERTIFICATE-----\n";
    const at = pem.indexOf(end);
    return at < 0 ? pem : pem.slice(0, at + end.length);
}

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Parses a kubeconfig's YAML (or JSON); throws KubeconfigError naming `what` when it cannot be read. */
export function parseUserKubeconfig(text: string, what: string): Record<string, unknown> {
    let doc: unknown;
    try {
        // YAML 1.1, as kubectl reads it; logLevel "error": throw on errors, print no warnings.
        doc = YAML.parse(text, { version: "1.1", maxAliasCount: MAX_KUBECONFIG_ALIASES, prettyErrors: false, logLevel: "error" });
    } catch (e) {
        const first = String((e as Error).message ?? "").split("\n")[0] ?? "";
        throw new KubeconfigError(`${what} is not valid YAML (${safeText(first, 120)})`);
    }
    if (doc === null || doc === undefined) throw new KubeconfigError(`${what} is empty`);
    if (!isObject(doc)) throw new KubeconfigError(`${what} is not a kubeconfig (its top level is not a mapping)`);
    return doc;
}

/** The entry named `name` of the list `key` (`contexts`, `users`), and its inner object. */
function entry(doc: Record<string, unknown>, key: string, inner: string, name: string, what: string): Record<string, unknown> {
    const list = doc[key];
    if (!Array.isArray(list)) throw new KubeconfigError(`${what} has no "${key}" list`);
    const found = list.find((e: unknown) => isObject(e) && e.name === name) as Record<string, unknown> | undefined;
    if (found === undefined) throw new KubeconfigError(`${what} has no ${key.slice(0, -1)} named ${quote(name, 80)}`);
    const value = found[inner];
    if (!isObject(value)) throw new KubeconfigError(`${what}: ${key.slice(0, -1)} ${quote(name, 80)} has no "${inner}" mapping`);
    return value;
}

/** What a user without a client certificate authenticates with. */
function otherCredential(user: Record<string, unknown>): string {
    const exec = user.exec;
    if (isObject(exec)) {
        const command = typeof exec.command === "string" ? ` (${quote(exec.command, 80)})` : "";
        return `runs an exec credential plugin${command}, which obtains its credentials when kubectl runs: there is no certificate in the kubeconfig to check`;
    }
    if (user["auth-provider"] !== undefined) return "uses an auth provider, not a client certificate";
    if (user.token !== undefined || user.tokenFile !== undefined) return "uses a bearer token, not a client certificate";
    if (user.username !== undefined) return "uses a user name and password, not a client certificate";
    return "has no client certificate";
}

/**
 * The credential of the user of `context` (default: the current context) in `doc`. Throws
 * KubeconfigError (or PemError) naming `what` and the part that is wrong.
 */
export function userCredentialOf(doc: Record<string, unknown>, context: string | undefined, what: string): UserCredential {
    const current = doc["current-context"];
    const name = context ?? (typeof current === "string" && current !== "" ? current : undefined);
    if (name === undefined) throw new KubeconfigError(`${what} has no current-context: name one with --context`);
    const ctx = entry(doc, "contexts", "context", name, what);
    if (typeof ctx.user !== "string" || ctx.user === "") throw new KubeconfigError(`${what}: context ${quote(name, 80)} names no user`);
    const userName = ctx.user;
    const user = entry(doc, "users", "user", userName, what);
    const where = `${what}: user ${quote(userName, 80)} of context ${quote(name, 80)}`;
    const data = user["client-certificate-data"];
    if (data !== undefined && data !== null && data !== "") {
        const pem = certificatesOnly(decodePemData(data, `${where}: client-certificate-data`, /-----BEGIN CERTIFICATE-----/), `${where}: client-certificate-data`);
        return { kind: "certificate", context: name, user: userName, pem: leafCertificate(pem) };
    }
    const file = user["client-certificate"];
    if (typeof file === "string" && file !== "") return { kind: "certificate-file", context: name, user: userName, file };
    return { kind: "none", context: name, user: userName, why: `${where} ${otherCredential(user)}` };
}
