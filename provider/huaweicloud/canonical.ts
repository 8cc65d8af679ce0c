/**
 * The canonical request of Huawei Cloud's `SDK-HMAC-SHA256` signing: canonical URI, query and
 * headers, and the payload hash, as small pure steps (see `signer.ts` for how they compare with
 * the official SDKs). Only node:crypto is used.
 */
import { hash } from "node:crypto";

/** The parts of an HTTP request that the signature covers. */
export interface SignableRequest {
    /** HTTP method as sent, e.g. "POST". */
    method: string;
    /** Absolute URL, e.g. https://cce.eu-west-0.myhuaweicloud.com/api/v3/...?a=b */
    url: string;
    /** Header names in any case. */
    headers: Record<string, string>;
    /** The exact bytes that will be sent ("" for none). */
    body: string | Uint8Array;
}

const HEADER_CONTENT_SHA256 = "x-sdk-content-sha256";
const HEX_DIGITS = "0123456789ABCDEF";

export function sha256Hex(data: string | Uint8Array): string {
    return hash("sha256", data, "hex");
}

/** True for the bytes kept as they are: A-Z a-z 0-9 - . _ ~ */
function isUnreserved(b: number): boolean {
    return (
        (b >= 0x41 && b <= 0x5a) || // A-Z
        (b >= 0x61 && b <= 0x7a) || // a-z
        (b >= 0x30 && b <= 0x39) || // 0-9
        b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e // - . _ ~
    );
}

function hexValue(c: number): number {
    if (c >= 0x30 && c <= 0x39) return c - 0x30;
    if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
    if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
    return -1;
}

/** Percent-decodes to bytes; a "%" not followed by two hex digits stays a literal "%". */
function percentDecode(text: string, plusIsSpace: boolean): Buffer {
    const src = Buffer.from(text, "utf8");
    const out = Buffer.alloc(src.length);
    let n = 0;
    for (let i = 0; i < src.length; i++) {
        const b = src[i];
        if (b === 0x25 && i + 2 < src.length) {
            const hi = hexValue(src[i + 1]);
            const lo = hexValue(src[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out[n++] = hi * 16 + lo;
                i += 2;
                continue;
            }
        }
        out[n++] = plusIsSpace && b === 0x2b ? 0x20 : b;
    }
    return out.subarray(0, n);
}

/** Percent-encodes every byte except the unreserved ones, with upper-case hex digits. */
function percentEncode(bytes: Uint8Array): string {
    let out = "";
    for (const b of bytes) {
        out += isUnreserved(b) ? String.fromCharCode(b) : "%" + HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15];
    }
    return out;
}

/** Characters at which UTF-16 code unit order and code point order can disagree (surrogates, U+E000..U+FFFF). */
const ABOVE_D7FF = /[\uD800-\uFFFF]/;

/** Code point order (UTF-8 byte order) for strings. */
export function compareCodePoints(a: string, b: string): number {
    // Below U+D800 the UTF-16 code unit order of JavaScript's comparison is code point order.
    if (!ABOVE_D7FF.test(a) && !ABOVE_D7FF.test(b)) return a < b ? -1 : a > b ? 1 : 0;
    return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export function parseUrl(url: string): URL {
    try {
        return new URL(url);
    } catch {
        // The URL itself is not echoed: it is caller data we do not need to repeat.
        throw new TypeError("signer: the request URL is not a valid absolute URL");
    }
}

/** Lower-cased header map; throws on names that differ only in case or are invalid. */
export function lowerCaseHeaders(headers: Record<string, string>): Map<string, string> {
    const map = new Map<string, string>();
    for (const [name, value] of Object.entries(headers)) {
        const lower = name.toLowerCase();
        if (map.has(lower)) {
            throw new Error(`signer: header "${lower}" is given more than once (names differ only in case)`);
        }
        map.set(lower, value);
    }
    return map;
}

/** A segment of unreserved characters only: decoding and encoding it again changes nothing. */
const UNRESERVED_ONLY = /^[A-Za-z0-9\-._~]*$/;

/**
 * Canonical URI: the path split at "/", each segment percent-decoded and re-encoded
 * (A-Za-z0-9-._~ kept, upper-case %XX, UTF-8), joined with "/" and always ending with "/".
 * Empty segments are kept; "" gives "/".
 */
export function canonicalUri(pathname: string): string {
    const uri = pathname
        .split("/")
        .map((segment) => (UNRESERVED_ONLY.test(segment) ? segment : percentEncode(percentDecode(segment, false))))
        .join("/");
    return uri.endsWith("/") ? uri : uri + "/";
}

/**
 * Canonical query string from a raw query ("?a=1&b" or "a=1&b"): pairs decoded ("+" is a space),
 * sorted by key then value in code point order, re-encoded and joined as `k=v` with "&"
 * (a key without value gives "k="). Empty pieces ("a=1&&b=2") are skipped.
 */
export function canonicalQuery(search: string): string {
    const query = search.startsWith("?") ? search.slice(1) : search;
    if (query === "") return "";
    const pairs: Array<[Buffer, Buffer]> = [];
    for (const piece of query.split("&")) {
        if (piece === "") continue;
        const eq = piece.indexOf("=");
        const key = eq < 0 ? piece : piece.slice(0, eq);
        const value = eq < 0 ? "" : piece.slice(eq + 1);
        pairs.push([percentDecode(key, true), percentDecode(value, true)]);
    }
    pairs.sort((a, b) => Buffer.compare(a[0], b[0]) || Buffer.compare(a[1], b[1]));
    return pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join("&");
}

/**
 * Canonical headers block: for each name of `signed` in the given order, `name:value\n` with the
 * name lower-cased and the value trimmed. Header names in `headers` may be in any case;
 * throws if a signed header is missing.
 */
export function canonicalHeaders(headers: Record<string, string>, signed: readonly string[]): string {
    return canonicalHeaderLines(lowerCaseHeaders(headers), signed);
}

function canonicalHeaderLines(byName: ReadonlyMap<string, string>, signed: readonly string[]): string {
    let out = "";
    for (const name of signed) {
        const lower = name.toLowerCase();
        const value = byName.get(lower);
        if (value === undefined) throw new Error(`signer: signed header "${lower}" is not among the request headers`);
        out += `${lower}:${value.trim()}\n`;
    }
    return out;
}

/** Hex SHA-256 of the exact body bytes (a string is hashed as UTF-8); "" gives e3b0c442…b855. */
export function payloadHash(body: string | Uint8Array): string {
    return sha256Hex(body);
}

/**
 * The canonical request text for `req`, signing `signedHeaders` (lower-cased, used in the given
 * order; `signRequest` passes them sorted). The payload hash is the value of an
 * `X-Sdk-Content-Sha256` header when present (e.g. UNSIGNED-PAYLOAD), else `payloadHash(req.body)`.
 */
export function canonicalRequest(req: SignableRequest, signedHeaders: readonly string[]): string {
    return canonicalRequestOf(req.method, parseUrl(req.url), lowerCaseHeaders(req.headers), req.body, signedHeaders);
}

export function canonicalRequestOf(method: string, url: URL, byName: ReadonlyMap<string, string>, body: string | Uint8Array, signedHeaders: readonly string[]): string {
    const contentSha = byName.get(HEADER_CONTENT_SHA256)?.trim();
    return [
        method,
        canonicalUri(url.pathname),
        canonicalQuery(url.search),
        canonicalHeaderLines(byName, signedHeaders),
        signedHeaders.map((h) => h.toLowerCase()).join(";"),
        contentSha ? contentSha : payloadHash(body),
    ].join("\n");
}
