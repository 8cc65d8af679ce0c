/**
 * The fast path of `certificate.ts`: a strict DER reader for the certificate CCE sends — one
 * CERTIFICATE block — that reads its facts and its RSA or EC public key (the keys are matched in
 * `private-key-der.ts`). Anything it does not fully accept returns undefined, and node:crypto
 * decides (see `certificate.ts`). Pure.
 */
import { hash } from "node:crypto";
import type { CertificateInfo } from "./certificate";

/** One DER element of `b`: its tag and the bounds of its contents. */
export interface Tlv {
    tag: number;
    start: number;
    end: number;
}

/** The element at `pos` (DER: definite, minimal lengths; low tag numbers only), within `limit`. */
export function tlv(b: Uint8Array, pos: number, limit: number): Tlv | undefined {
    if (pos + 2 > limit) return undefined;
    const tag = b[pos] as number;
    if ((tag & 0x1f) === 0x1f) return undefined;
    let len = b[pos + 1] as number;
    let p = pos + 2;
    if (len & 0x80) {
        const n = len & 0x7f;
        if (n === 0 || n > 3 || p + n > limit || b[p] === 0) return undefined;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + (b[p + i] as number);
        if (len < (n === 1 ? 0x80 : n === 2 ? 0x100 : 0x10000)) return undefined;
        p += n;
    }
    if (p + len > limit) return undefined;
    return { tag, start: p, end: p + len };
}

/** The elements that make up exactly the contents of `parent`. */
function children(b: Uint8Array, parent: Tlv): Tlv[] | undefined {
    const out: Tlv[] = [];
    for (let pos = parent.start; pos < parent.end; ) {
        const t = tlv(b, pos, parent.end);
        if (!t) return undefined;
        out.push(t);
        pos = t.end;
    }
    return out;
}

export function sequence(b: Uint8Array, t: Tlv | undefined, tag = 0x30): Tlv[] | undefined {
    return t !== undefined && t.tag === tag ? children(b, t) : undefined;
}

/** The magnitude of a positive, minimally encoded, non-zero INTEGER. */
export function positiveInteger(b: Uint8Array, t: Tlv | undefined): Uint8Array | undefined {
    if (t === undefined || t.tag !== 0x02 || t.end === t.start) return undefined;
    const first = b[t.start] as number;
    if (first & 0x80) return undefined;
    if (first === 0) {
        if (t.end - t.start === 1 || !((b[t.start + 1] as number) & 0x80)) return undefined;
        return b.subarray(t.start + 1, t.end);
    }
    return b.subarray(t.start, t.end);
}

function isOid(b: Uint8Array, t: Tlv | undefined): boolean {
    if (t === undefined || t.tag !== 0x06 || t.end === t.start) return false;
    if (((b[t.end - 1] as number) & 0x80) !== 0) return false;
    for (let i = t.start; i < t.end; i++) if (b[i] === 0x80 && (i === t.start || !((b[i - 1] as number) & 0x80))) return false;
    return true;
}

export function bytesEqual(b: Uint8Array, t: Tlv, expected: readonly number[]): boolean {
    if (t.end - t.start !== expected.length) return false;
    for (let i = 0; i < expected.length; i++) if (b[t.start + i] !== expected[i]) return false;
    return true;
}

export const OID_RSA = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01] as const; // 1.2.840.113549.1.1.1
export const OID_EC = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] as const; // 1.2.840.10045.2.1 id-ecPublicKey
const OID_CN = [0x55, 0x04, 0x03] as const; // 2.5.4.3

/** AlgorithmIdentifier: an OID, and as parameters nothing, NULL or an OID (a named curve). */
export function algorithm(b: Uint8Array, t: Tlv | undefined): { oid: Tlv; params?: Tlv } | undefined {
    const parts = sequence(b, t);
    if (!parts || parts.length < 1 || parts.length > 2 || !isOid(b, parts[0])) return undefined;
    const params = parts[1];
    if (params && !(params.tag === 0x05 && params.end === params.start) && !isOid(b, params)) return undefined;
    return { oid: parts[0] as Tlv, ...(params ? { params } : {}) };
}

/** A BIT STRING without unused bits: the bounds of its bytes. */
export function bitString(b: Uint8Array, t: Tlv | undefined): Tlv | undefined {
    if (t === undefined || t.tag !== 0x03 || t.end === t.start || b[t.start] !== 0) return undefined;
    return { tag: 0x03, start: t.start + 1, end: t.end };
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** A name attribute of a type OpenSSL decodes and prints unchanged: valid UTF8String, or Printable/IA5/T61String of printable ASCII. */
function directoryString(b: Uint8Array, t: Tlv): boolean {
    if (t.tag === 0x0c) {
        try {
            UTF8.decode(b.subarray(t.start, t.end));
            return true;
        } catch {
            return false;
        }
    }
    if (t.tag !== 0x13 && t.tag !== 0x16 && t.tag !== 0x14) return false; // Printable, IA5, T61
    for (let i = t.start; i < t.end; i++) if ((b[i] as number) < 0x20 || (b[i] as number) > 0x7e) return false;
    return true;
}

/** A Name made of single-valued RDNs; returns the value of the first CN ("" without one), or undefined. */
function name(b: Uint8Array, t: Tlv | undefined): { commonName?: string } | undefined {
    const rdns = sequence(b, t);
    if (!rdns) return undefined;
    let commonName: string | undefined;
    for (const rdn of rdns) {
        const set = sequence(b, rdn, 0x31);
        if (!set || set.length !== 1) return undefined;
        const atv = sequence(b, set[0]);
        if (!atv || atv.length !== 2 || !isOid(b, atv[0]) || !directoryString(b, atv[1] as Tlv)) return undefined;
        if (commonName === undefined && bytesEqual(b, atv[0] as Tlv, OID_CN)) {
            const value = Buffer.from(b.buffer, b.byteOffset + (atv[1] as Tlv).start, (atv[1] as Tlv).end - (atv[1] as Tlv).start).toString("utf8");
            // Characters that OpenSSL's RFC 2253 printing escapes, or that end a line, leave the fast path.
            if (!/^[A-Za-z0-9._:@/-]+$/.test(value)) return undefined;
            commonName = value;
        }
    }
    return { ...(commonName !== undefined ? { commonName } : {}) };
}

function daysIn(year: number, month: number): number {
    return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`, years 1950..9999. */
function time(b: Uint8Array, t: Tlv | undefined): Date | undefined {
    if (t === undefined) return undefined;
    const yearDigits = t.tag === 0x17 ? 2 : t.tag === 0x18 ? 4 : 0;
    if (yearDigits === 0 || t.end - t.start !== yearDigits + 11 || b[t.end - 1] !== 0x5a) return undefined; // ends with "Z"
    /** The number written by `n` digits at offset `at`, or NaN. */
    const digits = (at: number, n: number): number => {
        let v = 0;
        for (let i = t.start + at; i < t.start + at + n; i++) {
            const d = (b[i] as number) - 0x30;
            if (d < 0 || d > 9) return NaN;
            v = v * 10 + d;
        }
        return v;
    };
    let year = digits(0, yearDigits);
    if (yearDigits === 2) year += year < 50 ? 2000 : 1900;
    const [month, day, hour, minute, second] = [0, 2, 4, 6, 8].map((at) => digits(yearDigits + at, 2)) as [number, number, number, number, number];
    if (!(year >= 1950) || !(month >= 1 && month <= 12) || !(day >= 1) || day > daysIn(year, month) || !(hour <= 23) || !(minute <= 59) || !(second <= 59)) return undefined;
    return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

/** Extensions `[3] { SEQUENCE OF { OID, BOOLEAN TRUE?, OCTET STRING } }`. */
function extensions(b: Uint8Array, t: Tlv): boolean {
    const outer = sequence(b, t, 0xa3);
    if (!outer || outer.length !== 1) return false;
    const list = sequence(b, outer[0]);
    if (!list || list.length === 0) return false;
    for (const ext of list) {
        const parts = sequence(b, ext);
        if (!parts || parts.length < 2 || parts.length > 3 || !isOid(b, parts[0])) return false;
        if (parts.length === 3) {
            const critical = parts[1] as Tlv;
            if (critical.tag !== 0x01 || critical.end - critical.start !== 1 || b[critical.start] !== 0xff) return false;
        }
        if ((parts[parts.length - 1] as Tlv).tag !== 0x04) return false;
    }
    return true;
}

export interface RsaPublicKey {
    n: Uint8Array;
    e: Uint8Array;
}

export interface FastCertificate {
    der: Uint8Array;
    commonName: string;
    serial: Uint8Array;
    notBefore: Date;
    notAfter: Date;
    /** The subject public key when it is RSA. */
    rsa?: RsaPublicKey;
    /** The subject public key when it is EC on a named curve node knows. */
    ec?: EcPublicKey;
}

/** The named curves of the EC fast path: the OID of each, node's name for it and its size in bytes. */
export interface Curve {
    oid: readonly number[];
    name: string;
    bytes: number;
}

export const CURVES: readonly Curve[] = [
    { oid: [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07], name: "prime256v1", bytes: 32 }, // 1.2.840.10045.3.1.7 P-256
    { oid: [0x2b, 0x81, 0x04, 0x00, 0x22], name: "secp384r1", bytes: 48 }, // 1.3.132.0.34 P-384
    { oid: [0x2b, 0x81, 0x04, 0x00, 0x23], name: "secp521r1", bytes: 66 }, // 1.3.132.0.35 P-521
];

/** An EC public key: its curve and its point as encoded (uncompressed `04 X Y` or compressed `02|03 X`). */
export interface EcPublicKey {
    curve: Curve;
    point: Uint8Array;
}

/** The curve a namedCurve OID names, if it is one of CURVES. */
export function curveOf(b: Uint8Array, oid: Tlv | undefined): Curve | undefined {
    return oid !== undefined && oid.tag === 0x06 ? CURVES.find((c) => bytesEqual(b, oid, c.oid)) : undefined;
}

/** True when `point` has the length of an uncompressed or compressed point of `curve`. */
export function isPointEncoding(point: Uint8Array, curve: Curve): boolean {
    const first = point[0];
    return (first === 0x04 && point.length === 1 + 2 * curve.bytes) || ((first === 0x02 || first === 0x03) && point.length === 1 + curve.bytes);
}

/** "00".."FF" by byte value. */
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, "0"));

/** The facts of a certificate the strict reader accepted, formatted as node prints them. */
export function infoOf(c: FastCertificate): CertificateInfo {
    const digest = hash("sha256", c.der, "buffer");
    let fingerprint = HEX_BYTE[digest[0] as number] as string;
    for (let i = 1; i < digest.length; i++) fingerprint += `:${HEX_BYTE[digest[i] as number] as string}`;
    let serialNumber = "";
    for (const byte of c.serial) serialNumber += HEX_BYTE[byte] as string;
    return { commonName: c.commonName, serialNumber, fingerprint, notBefore: c.notBefore, notAfter: c.notAfter };
}

/** RSAPublicKey `SEQUENCE { n, e }` inside a BIT STRING. */
function rsaPublicKey(b: Uint8Array, bits: Tlv): RsaPublicKey | undefined {
    const top = tlv(b, bits.start, bits.end);
    if (!top || top.end !== bits.end) return undefined;
    const parts = sequence(b, top);
    if (!parts || parts.length !== 2) return undefined;
    const n = positiveInteger(b, parts[0]);
    const e = positiveInteger(b, parts[1]);
    return n && e ? { n, e } : undefined;
}

/**
 * The bytes of the only PEM block of `text` when it is exactly `-----BEGIN <label>-----`, lines of
 * 64 base64 characters (the last one may be shorter), the END line and at most one newline; the
 * base64 must be canonical (what every encoder writes: padded, no stray bits).
 */
export function pemBlock(text: string, label: string): Uint8Array | undefined {
    const begin = `-----BEGIN ${label}-----\n`;
    const end = `\n-----END ${label}-----`;
    const stop = text.endsWith("\n") ? text.length - 1 : text.length;
    if (!text.startsWith(begin) || !text.endsWith(end, stop)) return undefined;
    const body = text.slice(begin.length, stop - end.length + 1); // base64 lines, each ending with "\n"
    const b64 = body.replace(/\n/g, "");
    const lines = Math.ceil(b64.length / 64);
    if (b64.length === 0 || body.length !== b64.length + lines) return undefined;
    for (let i = 1; i <= lines; i++) if (body.charCodeAt(Math.min(i * 65, body.length) - 1) !== 0x0a) return undefined;
    const der = Buffer.from(b64, "base64");
    return der.toString("base64") === b64 ? der : undefined;
}

/** The facts of a certificate whose PEM and DER the strict reader fully accepts; undefined otherwise. */
export function fastCertificate(pem: string): FastCertificate | undefined {
    const der = pemBlock(pem, "CERTIFICATE");
    if (!der) return undefined;
    const top = tlv(der, 0, der.length);
    if (!top || top.end !== der.length) return undefined;
    const outer = sequence(der, top);
    if (!outer || outer.length !== 3 || !algorithm(der, outer[1]) || !bitString(der, outer[2])) return undefined;
    const f = sequence(der, outer[0]);
    if (!f) return undefined;
    let i = 0;
    if (f[0]?.tag === 0xa0) {
        const v = sequence(der, f[0], 0xa0);
        if (!v || v.length !== 1 || (v[0] as Tlv).tag !== 0x02 || (v[0] as Tlv).end - (v[0] as Tlv).start !== 1 || (der[(v[0] as Tlv).start] as number) > 2) return undefined;
        i = 1;
    }
    const [serialTlv, sigAlg, issuer, validity, subject, spkiTlv, ...rest] = f.slice(i);
    if (rest.length > 1 || (rest.length === 1 && !extensions(der, rest[0] as Tlv))) return undefined;
    const serial = positiveInteger(der, serialTlv);
    if (!serial || !algorithm(der, sigAlg) || !name(der, issuer)) return undefined;
    const subjectName = name(der, subject);
    const times = sequence(der, validity);
    if (!subjectName || !times || times.length !== 2) return undefined;
    const notBefore = time(der, times[0]);
    const notAfter = time(der, times[1]);
    const spki = sequence(der, spkiTlv);
    if (!notBefore || !notAfter || !spki || spki.length !== 2) return undefined;
    const keyAlg = algorithm(der, spki[0]);
    const keyBits = bitString(der, spki[1]);
    if (!keyAlg || !keyBits) return undefined;
    let rsa: RsaPublicKey | undefined;
    let ec: EcPublicKey | undefined;
    if (bytesEqual(der, keyAlg.oid, OID_RSA) && keyAlg.params?.tag === 0x05 && keyAlg.params.end === keyAlg.params.start) {
        rsa = rsaPublicKey(der, keyBits);
    } else if (bytesEqual(der, keyAlg.oid, OID_EC)) {
        const curve = curveOf(der, keyAlg.params);
        const point = der.subarray(keyBits.start, keyBits.end);
        if (curve && isPointEncoding(point, curve)) ec = { curve, point };
    }
    return { der, commonName: subjectName.commonName ?? "", serial, notBefore, notAfter, ...(rsa ? { rsa } : {}), ...(ec ? { ec } : {}) };
}
