/**
 * Merging one cluster, user and context (all three named `name`) into an existing kubeconfig's text,
 * keeping everything else byte for byte. The `yaml` library's Document API locates the nodes and
 * their source ranges; the edits are splices of those ranges (an entry of the same name is replaced
 * where it stands, a new one is appended to its list), so comments, quoting, indentation and order
 * of the rest stay as they were. The result is parsed again and must equal, as data, the original
 * with exactly this entry merged; if a layout defeats the splices, the Document API's own rendering
 * is used instead (comments kept, layout normalized) and checked the same way. Pure.
 */
import YAML, { isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from "yaml";
import { quote, safeText } from "../util/text";
import { KubeconfigError, type KubeconfigCluster, type KubeconfigUser } from "./kubeconfig";
import { isSafePlain, kubeconfigYaml } from "./kubeconfig-yaml";
import { MAX_KUBECONFIG_ALIASES } from "./kubeconfig-user";

/** What is merged: a cluster, a user and a context, all named `name`. */
export interface MergeEntry {
    name: string;
    cluster: KubeconfigCluster;
    user: KubeconfigUser;
}

export interface MergeResult {
    text: string;
    /** The lists in which an entry of that name was replaced (the others got a new entry). */
    replaced: string[];
    /** "spliced": the rest of the file is unchanged byte for byte; "rendered": the library re-rendered it. */
    method: "spliced" | "rendered";
}

/** Names of merged entries: what kubectl and every YAML reader handle (quoted in the file when a YAML 1.1 reader would misread them plain). */
export const MERGE_NAME = /^[A-Za-z0-9._@:/+=-]{1,128}$/;

const LISTS = [
    ["clusters", "cluster"],
    ["users", "user"],
    ["contexts", "context"],
] as const;

type Js = Record<string, unknown>;
interface Edit {
    at: number;
    end: number;
    text: string;
    /** Order among edits at the same place: lower first in the result. */
    index?: number;
}

const isObject = (v: unknown): v is Js => v !== null && typeof v === "object" && !Array.isArray(v);

function itemsOf(entry: MergeEntry): Record<string, Js> {
    return {
        clusters: { name: entry.name, cluster: entry.cluster },
        users: { name: entry.name, user: entry.user },
        contexts: { name: entry.name, context: { cluster: entry.name, user: entry.name } },
    };
}

/** A scalar as kubectl's YAML 1.1 reader reads it back unchanged: plain when safe, else double-quoted. */
function scalarText(s: string): string {
    return isSafePlain(s) ? s : JSON.stringify(s);
}

function column(text: string, pos: number): number {
    return pos - (text.lastIndexOf("\n", pos - 1) + 1);
}

/** `value` as the lines of a block sequence item: `- first` at `pad`, the rest at `pad + 2`; no final newline. */
function blockItem(value: Js, pad: number): string {
    const lines = kubeconfigYaml(value).replace(/\n$/, "").split("\n");
    return lines.map((l, i) => `${" ".repeat(i === 0 ? pad : pad + 2)}${i === 0 ? "- " : ""}${l}`).join("\n");
}

/** The parsed original, refused unless it is one kubeconfig mapping (or empty). */
function parse(text: string, what: string): Document.Parsed | undefined {
    const docs = YAML.parseAllDocuments(text, { version: "1.1" });
    if (docs.length > 1) throw new KubeconfigError(`${what} holds ${docs.length} YAML documents, not one kubeconfig: nothing was changed`);
    const doc = docs[0];
    if (doc === undefined || doc.contents === null) return undefined;
    const error = doc.errors[0];
    if (error !== undefined) throw new KubeconfigError(`${what} is not valid YAML (${safeText(error.message.split("\n")[0] ?? "", 120)}): nothing was changed`);
    if (!isMap(doc.contents)) throw new KubeconfigError(`${what} is not a kubeconfig (its top level is not a mapping): nothing was changed`);
    return doc;
}

function toJs(doc: Document.Parsed, what: string): Js {
    try {
        const js = doc.toJS({ maxAliasCount: MAX_KUBECONFIG_ALIASES }) as unknown;
        // A circular alias makes a structure no kubeconfig reader can load (and JSON cannot copy).
        if (isObject(js)) return JSON.parse(JSON.stringify(js)) as Js;
    } catch {
        // fall through
    }
    throw new KubeconfigError(`${what} cannot be read as a kubeconfig (aliases or tags it uses): nothing was changed`);
}

/** The original data with the entry merged: what the new text must read as. */
function expectedJs(original: Js, entry: MergeEntry, setCurrent: boolean): Js {
    const out: Js = structuredClone(original);
    const items = itemsOf(entry);
    for (const [list] of LISTS) {
        const current = Array.isArray(out[list]) ? (out[list] as unknown[]) : [];
        const at = current.findIndex((e) => isObject(e) && e.name === entry.name);
        if (at >= 0) current[at] = items[list];
        else current.push(items[list]);
        out[list] = current;
    }
    if (setCurrent) out["current-context"] = entry.name;
    return out;
}

/** JSON with sorted keys: data equality regardless of key order. */
function canonical(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
    if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
    return JSON.stringify(v) ?? "null";
}

/** Checks the original's lists before any edit: each a sequence (or empty), without two entries named `name`. */
function checkLists(top: YAMLMap, name: string | undefined, what: string): void {
    const kind = top.get("kind");
    if (kind !== undefined && kind !== null && kind !== "Config") throw new KubeconfigError(`${what} is not a kubeconfig (kind ${quote(String(kind), 40)}): nothing was changed`);
    for (const [list] of LISTS) {
        const value = top.get(list, true) as Node | null | undefined;
        if (value === undefined || value === null || (isScalar(value) && (value.value === null || value.value === ""))) continue;
        if (!isSeq(value)) throw new KubeconfigError(`${what}: "${list}" is not a list: nothing was changed`);
        const named = name === undefined ? 0 : value.items.filter((i) => isMap(i) && i.get("name") === name).length;
        if (named > 1) throw new KubeconfigError(`${what} has ${named} ${list} named ${quote(name ?? "", 80)} (kubectl uses one): remove the extra ones first; nothing was changed`);
    }
}

/** The splices that merge `entry` into the parsed `text`. */
function splices(text: string, top: YAMLMap, entry: MergeEntry, setCurrent: boolean, replaced: string[]): Edit[] {
    const edits: Edit[] = [];
    const items = itemsOf(entry);
    const topPad = column(text, top.range?.[0] ?? 0);
    const pair = (key: string): Pair<Node, Node | null> | undefined =>
        top.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair<Node, Node | null> | undefined;
    const topEnd = (): Edit => {
        const [, valueEnd, end] = top.range as [number, number, number];
        return top.flow ? { at: text.lastIndexOf("}", valueEnd), end: text.lastIndexOf("}", valueEnd), text: "" } : { at: end, end, text: "" };
    };
    const addKey = (key: string, blockValue: string, flowValue: string): void => {
        const e = topEnd();
        if (top.flow) e.text = `${top.items.length > 0 ? ", " : ""}${JSON.stringify(key)}: ${flowValue}`;
        else e.text = `${e.at > 0 && text[e.at - 1] !== "\n" ? "\n" : ""}${" ".repeat(topPad)}${key}:${blockValue}\n`;
        edits.push(e);
    };
    for (const [list] of LISTS) {
        const item = items[list] as Js;
        const p = pair(list);
        const seq = p?.value;
        if (p === undefined) {
            addKey(list, `\n${blockItem(item, topPad)}`, `[${JSON.stringify(item)}]`);
        } else if (!isSeq(seq) || seq.items.length === 0) {
            const key = p.key.range as [number, number, number];
            const end = (seq?.range ?? key)[1];
            if (top.flow) edits.push({ at: (seq?.range ?? key)[0], end, text: `[${JSON.stringify(item)}]` });
            else edits.push({ at: key[1], end, text: `:\n${blockItem(item, column(text, key[0]))}` });
        } else {
            const s = seq as YAMLSeq<Node>;
            const found = s.items.find((i) => isMap(i) && i.get("name") === entry.name);
            if (found !== undefined) {
                replaced.push(list);
                const [start, , end] = found.range as [number, number, number];
                if (s.flow) edits.push({ at: start, end: found.range?.[1] ?? end, text: JSON.stringify(item) });
                else {
                    const body = blockItem(item, column(text, start) - 2).replace(/^\s*- /, "");
                    edits.push({ at: start, end, text: `${body}${text.slice(start, end).endsWith("\n") ? "\n" : ""}` });
                }
            } else if (s.flow) {
                const after = (s.items[s.items.length - 1]?.range as number[])[1] as number;
                edits.push({ at: after, end: after, text: `, ${JSON.stringify(item)}` });
            } else {
                const [start, , end] = s.range as [number, number, number];
                edits.push({ at: end, end, text: `${end > 0 && text[end - 1] !== "\n" ? "\n" : ""}${blockItem(item, column(text, start))}\n` });
            }
        }
    }
    if (setCurrent) {
        const p = pair("current-context");
        if (p === undefined) addKey("current-context", ` ${scalarText(entry.name)}`, JSON.stringify(entry.name));
        else if (top.flow) edits.push({ at: (p.value?.range ?? p.key.range ?? [0, 0])[0], end: (p.value?.range ?? p.key.range ?? [0, 0])[1], text: JSON.stringify(entry.name) });
        else edits.push({ at: (p.key.range as number[])[1] as number, end: (p.value?.range ?? p.key.range ?? [0, 0])[1], text: `: ${scalarText(entry.name)}` });
    }
    return edits;
}

/** Applies the edits from the end of the text backwards; insertions at one place keep their order. */
function apply(text: string, edits: Edit[]): string {
    let out = text;
    const indexed = edits.map((e, index) => ({ ...e, index }));
    for (const e of indexed.sort((a, b) => b.at - a.at || b.end - a.end || b.index - a.index)) out = out.slice(0, e.at) + e.text + out.slice(e.end);
    return out;
}

/** The Document API's own edit and rendering: the fallback for layouts the splices cannot handle. */
function rendered(doc: Document.Parsed, entry: MergeEntry, setCurrent: boolean): string {
    const items = itemsOf(entry);
    for (const [list] of LISTS) {
        const node = doc.createNode(items[list]) as YAMLMap;
        YAML.visit(node, { Scalar: (_k, s) => void (typeof s.value === "string" && !isSafePlain(s.value) ? (s.type = "QUOTE_DOUBLE") : undefined) });
        const seq = doc.get(list, true);
        if (!isSeq(seq)) doc.set(list, doc.createNode([node]));
        else {
            const at = seq.items.findIndex((i) => isMap(i) && i.get("name") === entry.name);
            if (at >= 0) seq.items[at] = node;
            else seq.items.push(node);
        }
    }
    if (setCurrent) doc.set("current-context", entry.name);
    return doc.toString({ lineWidth: 0 });
}

function readsAs(text: string, expected: Js): boolean {
    const doc = YAML.parseDocument(text, { version: "1.1" });
    if (doc.errors.length > 0 || !isMap(doc.contents)) return false;
    try {
        return canonical(doc.toJS({ maxAliasCount: MAX_KUBECONFIG_ALIASES })) === canonical(expected);
    } catch {
        return false;
    }
}

/**
 * Throws KubeconfigError (naming `what`) unless `text` can take an entry named `name` (when known):
 * one kubeconfig mapping (or empty), lists that are lists, at most one entry of that name per list.
 * For checking the file before a certificate is obtained.
 */
export function checkMergeable(text: string, name: string | undefined, what: string): void {
    const doc = parse(text, what);
    if (doc === undefined) return;
    checkLists(doc.contents as YAMLMap, name, what);
    toJs(doc, what);
}

/**
 * `original` (the file's content; empty when it does not exist) with `entry` merged. Throws
 * KubeconfigError, naming `what`, for anything that is not one kubeconfig mapping.
 */
export function mergeKubeconfig(original: string, entry: MergeEntry, setCurrent: boolean, what: string): MergeResult {
    // Entries are added as whole lines: a last line without its newline gets one.
    const text = original !== "" && !original.endsWith("\n") ? `${original}\n` : original;
    if (!MERGE_NAME.test(entry.name)) throw new KubeconfigError(`the name ${quote(entry.name, 80)} is not a kubeconfig name (letters, digits and ._@:/+=- , at most 128)`);
    const doc = parse(text, what);
    if (doc === undefined) {
        const items = itemsOf(entry);
        const fresh = kubeconfigYaml({
            apiVersion: "v1", kind: "Config", preferences: {}, clusters: [items.clusters], users: [items.users], contexts: [items.contexts],
            ...(setCurrent ? { "current-context": entry.name } : {}),
        });
        return { text: `${text}${fresh}`, replaced: [], method: "spliced" };
    }
    const top = doc.contents as YAMLMap;
    checkLists(top, entry.name, what);
    const expected = expectedJs(toJs(doc, what), entry, setCurrent);
    const replaced: string[] = [];
    const spliced = apply(text, splices(text, top, entry, setCurrent, replaced));
    if (readsAs(spliced, expected)) return { text: spliced, replaced, method: "spliced" };
    const again = rendered(doc, entry, setCurrent);
    if (readsAs(again, expected)) return { text: again, replaced, method: "rendered" };
    throw new KubeconfigError(`${what} has a layout this merge cannot edit safely: nothing was changed`);
}
