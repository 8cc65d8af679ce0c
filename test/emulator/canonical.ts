/**
 * The API gateway's side of `SDK-HMAC-SHA256` (AK/SK) signing, written for the emulator from
 * Huawei's "API Request Signing Guide" (support.huaweicloud.com/devg-apisign: "Constructing a
 * Standard Request", "Creating a To-Be-Signed String", "Calculating the Signature", "Adding the
 * Signature to the Request Header"), NOT from `provider/huaweicloud/signer.ts`: nothing here imports the
 * provider, so a mistake in the provider's signer makes the emulator answer 401 instead of being
 * repeated on both sides. test/unit/emulator-signature.test.ts checks it against the documented
 * example and against the official Node SDK signer (`@huaweicloud/huaweicloud-sdk-core`).
 *
 * The gateway sees the request as it arrived on the wire, so every component is normalized from
 * its received form:
 *   canonical request = method \n canonical URI \n canonical query \n canonical headers \n
 *                       signed header names joined by ";" \n hex SHA-256 of the payload
 * - canonical URI: each "/"-separated segment of the received path, percent-decoded to bytes and
 *   encoded again (RFC 3986 unreserved characters A-Z a-z 0-9 - _ . ~ kept, everything else %XX
 *   with upper-case hex), joined with "/", with a "/" appended when the result does not end in one;
 * - canonical query: the received query split at "&" into name=value pairs ("name" alone is
 *   "name="), each side decoded ("+" is a space) and encoded like a path segment, sorted by name
 *   then value in byte order, joined with "&";
 * - canonical headers: for each signed header, in the order the Authorization header lists them,
 *   "name:value\n" with the lower-case name and the received value trimmed;
 * - payload hash: the value of an `X-Sdk-Content-Sha256` header when sent (e.g. UNSIGNED-PAYLOAD),
 *   else the hex SHA-256 of the exact body bytes received;
 * - string to sign: "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex SHA-256 of the canonical request;
 * - signature: hex HMAC-SHA256 of the string to sign, keyed with the secret key.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The algorithm token of the Authorization header and the first line of the string to sign. */
export const SIGNING_ALGORITHM = "SDK-HMAC-SHA256";

/** A request as the gateway received it. */
export interface WireRequest {
    method: string;
    /** The request target exactly as received, e.g. "/v3/projects?name=eu-west-0". */
    target: string;
    /** Received header values by lower-case name. */
    headers: ReadonlyMap<string, string>;
    body: Uint8Array;
}

/** What an Authorization header says. */
export interface AuthorizationFields {
    accessKey: string;
    signedHeaders: string[];
    signature: string;
}

const UNRESERVED_BYTE = /^[A-Za-z0-9\-_.~]$/;

/** Percent-decodes `text` into bytes; with `plusIsSpace` "+" is a space (query strings). A "%" not followed by two hex digits stays. */
function decodeToBytes(text: string, plusIsSpace: boolean): Buffer {
    // One character per byte, so that %XX can be replaced by the byte it names.
    let latin1 = Buffer.from(text, "utf8").toString("latin1");
    if (plusIsSpace) latin1 = latin1.split("+").join(" ");
    latin1 = latin1.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(latin1, "latin1");
}

/** RFC 3986 encoding of bytes: unreserved characters as they are, every other byte as upper-case %XX. */
function encodeBytes(bytes: Uint8Array): string {
    const parts: string[] = [];
    for (const byte of bytes) {
        const ch = String.fromCharCode(byte);
        parts.push(UNRESERVED_BYTE.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`);
    }
    return parts.join("");
}

/** Splits a request target into its path and its query (without "?"). */
export function splitRequestTarget(target: string): { path: string; query: string } {
    const q = target.indexOf("?");
    return q < 0 ? { path: target, query: "" } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** The canonical URI of a received path. */
export function canonicalPath(receivedPath: string): string {
    const joined = receivedPath
        .split("/")
        .map((segment) => encodeBytes(decodeToBytes(segment, false)))
        .join("/");
    return joined.endsWith("/") ? joined : `${joined}/`;
}

/** The canonical query string of a received query (without "?"). */
export function canonicalQueryOf(receivedQuery: string): string {
    const pairs = receivedQuery
        .split("&")
        .filter((piece) => piece !== "")
        .map((piece) => {
            const eq = piece.indexOf("=");
            const name = eq < 0 ? piece : piece.slice(0, eq);
            const value = eq < 0 ? "" : piece.slice(eq + 1);
            return { name: decodeToBytes(name, true), value: decodeToBytes(value, true) };
        });
    pairs.sort((a, b) => Buffer.compare(a.name, b.name) || Buffer.compare(a.value, b.value));
    return pairs.map((p) => `${encodeBytes(p.name)}=${encodeBytes(p.value)}`).join("&");
}

/** Hex SHA-256. */
export function sha256Hex(data: string | Uint8Array): string {
    return createHash("sha256").update(data).digest("hex");
}

/**
 * The canonical request of a received request for the signed header names (lower-case, in the
 * order given). Throws when a signed header was not received.
 */
export function wireCanonicalRequest(req: WireRequest, signedHeaders: readonly string[]): string {
    const { path, query } = splitRequestTarget(req.target);
    let headerBlock = "";
    for (const name of signedHeaders) {
        const value = req.headers.get(name);
        if (value === undefined) throw new Error(`signed header ${name} was not received`);
        headerBlock += `${name}:${value.trim()}\n`;
    }
    const declaredHash = req.headers.get("x-sdk-content-sha256")?.trim();
    return [
        req.method.toUpperCase(),
        canonicalPath(path),
        canonicalQueryOf(query),
        headerBlock,
        signedHeaders.join(";"),
        declaredHash !== undefined && declaredHash !== "" ? declaredHash : sha256Hex(req.body),
    ].join("\n");
}

/** The string to sign for a canonical request signed at `sdkDate` (the X-Sdk-Date text). */
export function toBeSigned(sdkDate: string, canonicalRequestText: string): string {
    return `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequestText)}`;
}

/** Hex HMAC-SHA256 of `stringToSign` keyed with the secret key. */
export function signatureOf(secretKey: string, stringToSign: string): string {
    return createHmac("sha256", Buffer.from(secretKey, "utf8")).update(Buffer.from(stringToSign, "utf8")).digest("hex");
}

/** Constant-time comparison of two hex signatures. */
export function sameSignature(a: string, b: string): boolean {
    const x = Buffer.from(a, "utf8");
    const y = Buffer.from(b, "utf8");
    return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Reads `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<64 lower-case hex>` (the
 * documented shape: a space after the algorithm, commas between the fields, in this order);
 * undefined for anything else.
 */
export function readAuthorization(value: string): AuthorizationFields | undefined {
    const text = value.trim();
    if (!text.startsWith(`${SIGNING_ALGORITHM} `)) return undefined;
    const fields = text.slice(SIGNING_ALGORITHM.length).trimStart().split(",").map((f) => f.trimStart());
    if (fields.length !== 3) return undefined;
    const expected = ["Access", "SignedHeaders", "Signature"];
    const values: string[] = [];
    for (let i = 0; i < 3; i++) {
        const field = fields[i] as string;
        const prefix = `${expected[i] as string}=`;
        if (!field.startsWith(prefix)) return undefined;
        const v = field.slice(prefix.length);
        if (v === "" || /\s/.test(v)) return undefined;
        values.push(v);
    }
    const [accessKey, signed, signature] = values as [string, string, string];
    const signedHeaders = signed.split(";");
    if (signedHeaders.includes("") || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
    return { accessKey, signedHeaders, signature };
}

/** Reads an X-Sdk-Date (`YYYYMMDDTHHMMSSZ`, a real UTC time); undefined when it is not one. */
export function readSdkDate(text: string): Date | undefined {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!m) return undefined;
    const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day); // (Date.UTC would read years 0..99 as 1900..1999)
    d.setUTCHours(hour, minute, second, 0);
    const same =
        d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day &&
        d.getUTCHours() === hour && d.getUTCMinutes() === minute && d.getUTCSeconds() === second;
    return same ? d : undefined;
}
