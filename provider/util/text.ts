/**
 * Text from outside (API answers, headers, file contents) made safe for one line of a terminal or a
 * log: control characters escaped, length bounded. Pure.
 */

/**
 * Characters that must not reach a terminal as they are: C0 and C1 controls (ESC, CSI, newlines),
 * DEL, zero-width and bidirectional formatting characters, line and paragraph separators, the BOM,
 * and lone surrogates.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(c: string): string {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `s` with every unsafe character written as `\xHH` / `\uHHHH` (backslashes are kept as they are). */
export function escapeControls(s: string): string {
    return s.replace(UNSAFE, escapeChar);
}

/** True when `s` holds a character that `escapeControls` would rewrite. */
export function hasControls(s: string): boolean {
    UNSAFE.lastIndex = 0;
    const found = UNSAFE.test(s);
    UNSAFE.lastIndex = 0;
    return found;
}

/** Default bound of one field of server-provided text in a message, in characters. */
export const MAX_FIELD_CHARS = 200;

/** Cuts `s` to `max` characters (code points), saying how much was left out. */
export function truncate(s: string, max: number): string {
    const chars = Array.from(s);
    if (chars.length <= max) return s;
    return `${chars.slice(0, max).join("")}…(${chars.length - max} more characters)`;
}

/** Server-provided text as one safe line: unsafe characters escaped, at most `max` characters kept. */
export function safeText(s: string, max = MAX_FIELD_CHARS): string {
    return escapeControls(truncate(s, max));
}

/** `s` in double quotes for a message: `\` and `"` escaped, unsafe characters escaped, bounded. */
export function quote(s: string, max = MAX_FIELD_CHARS): string {
    return `"${escapeControls(truncate(s, max).replace(/\\/g, "\\\\").replace(/"/g, '\\"'))}"`;
}

/** Any value (an argument, a parsed JSON field) shown in a message: strings quoted, others as bounded JSON. */
export function describeValue(v: unknown, max = 80): string {
    if (typeof v === "string") return quote(v, max);
    let text: string | undefined;
    try {
        text = JSON.stringify(v);
    } catch {
        text = undefined;
    }
    return safeText(text ?? String(v), max);
}
