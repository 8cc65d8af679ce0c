/**
 * Facts read from the certificate itself: who it is for, when it expires, its fingerprint, and
 * whether the private key belongs to it. Pure functions over PEM text (node:crypto).
 *
 * Fast path: node's `X509Certificate` and `createPrivateKey` decode through OpenSSL 3.0's decoder
 * framework, which costs 150–900 µs per certificate or key on Node 20 (see bench/RESULTS.md). For
 * the PEM CCE sends — one `CERTIFICATE` block, one RSA (PKCS#1/PKCS#8) or EC (SEC1/PKCS#8, P-256,
 * P-384, P-521) key — the same facts are read from the DER with a strict reader
 * (`certificate-der.ts`) and the key is matched against the certificate without decoding it as a
 * KeyObject (`private-key-der.ts`). Anything the strict reader does not fully accept (other PEM
 * layouts, other key types, unusual encodings, a key that does not match) takes node:crypto's path,
 * so every rejection and every error message is node's. `checkClientCertificate` says which path
 * decided, so that a test can notice a fast path that is never taken.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { fastCertificate, infoOf } from "./certificate-der";
import { fastKeyMatches } from "./private-key-der";
import { ClusterCertError } from "../util/errors";

export interface CertificateInfo {
    /** The subject's common name: for CCE, the IAM user (or agency) id the certificate acts as. */
    commonName: string;
    /** Upper-case hex, as `openssl x509 -serial` prints it. */
    serialNumber: string;
    /** SHA-256 of the DER certificate, colon-separated upper-case hex (`openssl x509 -fingerprint -sha256`). */
    fingerprint: string;
    notBefore: Date;
    notAfter: Date;
}

export class CertificateError extends ClusterCertError {
    constructor(message: string, cause?: unknown) {
        super("bad-data", message, cause !== undefined ? { cause } : {});
    }
}

function parseCertificate(pem: string, what: string): X509Certificate {
    try {
        return new X509Certificate(pem);
    } catch {
        throw new CertificateError(`${what} is not a valid PEM X.509 certificate`);
    }
}

/** The facts of a certificate node:crypto parsed. */
function nodeInfo(cert: X509Certificate, what: string): CertificateInfo {
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
    const notBefore = new Date(cert.validFrom);
    const notAfter = new Date(cert.validTo);
    if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
        throw new CertificateError(`${what} has an unreadable validity period`);
    }
    return {
        commonName: cn ?? "",
        serialNumber: cert.serialNumber.toUpperCase(),
        fingerprint: cert.fingerprint256,
        notBefore,
        notAfter,
    };
}

/** Reads a certificate's common name, serial, fingerprint and validity. */
export function readCertificate(pem: string, what = "the client certificate"): CertificateInfo {
    const fast = fastCertificate(pem);
    return fast ? infoOf(fast) : nodeInfo(parseCertificate(pem, what), what);
}

function parseKey(pem: string): KeyObject {
    try {
        return createPrivateKey({ key: pem, format: "pem" });
    } catch {
        throw new CertificateError("the client key is not a valid PEM private key");
    }
}

/** What `checkClientCertificate` found, and whether the strict reader decided (`fastPath`) or node:crypto did. */
export interface CertificateCheck {
    info: CertificateInfo;
    fastPath: boolean;
}

/**
 * Throws unless `keyPem` is the private key of `certPem`; then reads the certificate's facts,
 * reading the certificate once for both: what a new certificate from the API needs.
 */
export function checkClientCertificate(certPem: string, keyPem: string): CertificateCheck {
    const fast = fastCertificate(certPem);
    if (fast && fastKeyMatches(fast, keyPem)) return { info: infoOf(fast), fastPath: true };
    const what = "the client certificate";
    const cert = parseCertificate(certPem, what);
    const key = parseKey(keyPem);
    if (!cert.checkPrivateKey(key)) {
        throw new CertificateError("the client key does not match the client certificate");
    }
    return { info: nodeInfo(cert, what), fastPath: false };
}

/** Throws unless `keyPem` is the private key of `certPem`. */
export function assertKeyMatches(certPem: string, keyPem: string): void {
    checkClientCertificate(certPem, keyPem);
}

/** `checkClientCertificate(certPem, keyPem).info`. */
export function inspectClientCertificate(certPem: string, keyPem: string): CertificateInfo {
    return checkClientCertificate(certPem, keyPem).info;
}

/** The concatenated PEM certificates in a bundle are each parseable; returns how many there are. */
export function countCertificates(pem: string, what: string): number {
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new CertificateError(`${what} contains no PEM certificate`);
    for (const b of blocks) if (!fastCertificate(b)) parseCertificate(b, what);
    return blocks.length;
}
