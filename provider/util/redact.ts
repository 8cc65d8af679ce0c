/**
 * Redaction of secrets from anything a user may see. A secret can reach a message in many forms: as
 * it is, JSON-escaped (a server echoing the request body), URL- or form-encoded, inside base64, and
 * once more escaped by `quote()` when the server's text is quoted in our message. `Secrets` knows
 * all of them; values are added as they become known (an IAM token obtained during the operation).
 */
import { escapeControls } from "./text";

/** Shorter values are left alone: they would mangle ordinary words. */
export const MIN_SECRET_CHARS = 4;
/** JSON escaping applied on top of each other that is still recognised (body, echoed in a JSON message, quoted). */
const MAX_ESCAPE_LEVELS = 4;
/** Base64 fragments shorter than this are not searched (too likely to match by chance). */
const MIN_BASE64_CHARS = 8;

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g;

/** The base64 characters that depend only on `bytes`, when they start at each of the three offsets of a larger stream. */
function base64Fragments(bytes: Buffer): string[] {
    const out: string[] = [];
    for (let k = 0; k < 3; k++) {
        const all = Buffer.concat([Buffer.alloc(k), bytes]);
        for (const text of [all.toString("base64"), all.toString("base64url")]) {
            const from = Math.ceil((8 * k) / 6);
            const to = Math.floor((8 * all.length) / 6);
            const fragment = text.slice(from, to);
            if (fragment.length >= MIN_BASE64_CHARS) out.push(fragment);
        }
    }
    return out;
}

/** Every form in which `secret` may appear in a text a user sees. */
export function secretForms(secret: string): string[] {
    // As it is, JSON-escaped once or more (a request body, echoed inside a JSON message, quoted by
    // us), URL- and form-encoded (inside a query or form) …
    const textual = new Set<string>([encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, "+")]);
    let escaped = secret;
    for (let level = 0; level <= MAX_ESCAPE_LEVELS; level++) {
        textual.add(escaped);
        escaped = JSON.stringify(escaped).slice(1, -1);
    }
    const base = new Set<string>(textual);
    // … and each of those inside base64 (a server echoing the request encoded).
    for (const t of textual) for (const f of base64Fragments(Buffer.from(t, "utf8"))) base.add(f);
    const forms = new Set<string>();
    for (const f of base) {
        forms.add(f);
        // What quote() makes of it inside a message.
        forms.add(escapeControls(f.replace(/\\/g, "\\\\").replace(/"/g, '\\"')));
    }
    return [...forms].filter((f) => f.length >= MIN_SECRET_CHARS);
}

/** A growing set of secret values and the redaction of texts against all of their forms. */
export class Secrets {
    private readonly values = new Set<string>();
    private forms: string[] = [];

    constructor(values: Iterable<string | undefined> = []) {
        for (const v of values) this.add(v);
    }

    /** Adds a value (ignored when undefined or too short to redact). */
    add(value: string | undefined): void {
        if (value === undefined) return;
        for (const v of new Set([value, value.trim()])) {
            if (v.length < MIN_SECRET_CHARS || this.values.has(v)) continue;
            this.values.add(v);
            this.forms.push(...secretForms(v));
        }
        // Longest first, so that a form containing another is replaced whole.
        this.forms = [...new Set(this.forms)].sort((a, b) => b.length - a.length);
    }

    /** `text` without any form of any secret, and without PEM blocks. */
    redact(text: string): string {
        let out = text.replace(PEM_BLOCK, "[PEM redacted]");
        for (const f of this.forms) if (out.includes(f)) out = out.split(f).join("[redacted]");
        return out;
    }
}

/** `text` without the given secrets (in all their forms) and PEM blocks. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
    return new Secrets(secrets).redact(text);
}
