/**
 * JSON from outside, parsed with a bound on nesting: a document nested deeper than any answer we
 * read is refused with a clean error before anything walks it. Pure.
 */
import { ClusterCertError } from "./errors";

/** Deeper than any kubeconfig (5 levels), error body or IAM answer (about 6). */
export const MAX_JSON_DEPTH = 32;

/** Why `text` cannot be read as JSON: not JSON, or nested too deep. */
export class JsonError extends ClusterCertError {
    constructor(message: string, cause?: unknown) {
        super("bad-data", message, cause !== undefined ? { cause } : {});
    }
}

/** The deepest nesting of `[` and `{` outside strings, scanning no further than `stopAbove`. */
export function nestingDepth(text: string, stopAbove = Infinity): number {
    let depth = 0;
    let deepest = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (inString) {
            if (c === 0x5c) i++; // backslash: skip the escaped character
            else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x5b || c === 0x7b) {
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > stopAbove) return deepest;
            }
        } else if (c === 0x5d || c === 0x7d) depth--;
    }
    return deepest;
}

/** `JSON.parse(text)` for a document nested at most `maxDepth` levels; throws JsonError saying what is wrong. */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
    if (nestingDepth(text, maxDepth) > maxDepth) throw new JsonError(`the body is nested deeper than ${maxDepth} levels`);
    try {
        return JSON.parse(text);
    } catch {
        throw new JsonError(`the body is not valid JSON (${Buffer.byteLength(text)} bytes)`);
    }
}
