/**
 * Kubeconfig documents as YAML that every reader reads the same way. kubectl reads kubeconfigs with a
 * YAML 1.1 parser, to which `on`, `y`, `No`, `off`, `0x1F`, `2001-12-14` or `~` are not strings; the
 * `yaml` library writes YAML 1.2, which leaves several of them plain. So every string that is not
 * surely a string to both is written in double quotes. Pure.
 */
import YAML from "yaml";

/** Plain scalars that YAML 1.1 and 1.2 both read as this very string: a letter first, then URL and base64 characters, a ":" only between them. */
const PLAIN = /^[A-Za-z][A-Za-z0-9._/+=-]*(?::[A-Za-z0-9._/+=-]+)*$/;
/** Words that YAML 1.1 or 1.2 read as booleans or null (1.1: y/n, yes/no, on/off in three cases). */
const SPECIAL_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;
/** Longer plain scalars are left to the library (it may fold them). */
const MAX_PLAIN_CHARS = 64 * 1024;

/** True when `s` may be written without quotes: every YAML reader reads it back as the same string. */
export function isSafePlain(s: string): boolean {
    return s.length <= MAX_PLAIN_CHARS && PLAIN.test(s) && !SPECIAL_WORDS.test(s);
}

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The `yaml` library's rendering, with every string that is not safe as a plain scalar double-quoted. */
export function libraryYaml(doc: unknown): string {
    const document = new YAML.Document(doc);
    YAML.visit(document, {
        Scalar(_key, node) {
            if (typeof node.value === "string" && !isSafePlain(node.value)) node.type = "QUOTE_DOUBLE";
        },
    });
    return document.toString({ lineWidth: 0 });
}

// ---- Fast path --------------------------------------------------------------------------------
// Building a document tree costs about 250–330 µs for one CCE answer on Node 20; through the real
// host this writer saves 10–17 % of the host's CPU per create (bench/RESULTS.md, "Fast paths").
// A kubeconfig is block maps and lists of safe plain scalars and booleans, which YAML writes in one
// fixed way: `plainBlockYaml` writes exactly that text and gives up (undefined) on anything else.

function plainScalar(v: unknown): string | undefined {
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "string" && isSafePlain(v)) return v;
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

/** `libraryYaml(doc)` for documents of block maps, lists and safe plain scalars; undefined for anything else. */
export function plainBlockYaml(doc: object): string | undefined {
    const out: string[] = [];
    if (!isObject(doc) || Object.keys(doc).length === 0 || !emitMap(doc, "", out)) return undefined;
    return `${out.join("\n")}\n`;
}

/** `kubeconfigYaml(doc)`, and whether the fast path wrote it (`plainBlockYaml`) or the library did. */
export function renderKubeconfigYaml(doc: object): { text: string; fastPath: boolean } {
    const fast = plainBlockYaml(doc);
    return fast !== undefined ? { text: fast, fastPath: true } : { text: libraryYaml(doc), fastPath: false };
}

/** A kubeconfig-shaped document as YAML that kubectl (YAML 1.1) and YAML 1.2 readers read alike. */
export function kubeconfigYaml(doc: object): string {
    return renderKubeconfigYaml(doc).text;
}
