/**
 * Facts read from the certificate itself: who it is for, when it expires, its fingerprint, and
 * whether the private key belongs to it. Pure functions over PEM text (node:crypto).
 *
 * Fast path: node's `X509Certificate` and `createPrivateKey` decode through OpenSSL 3.0's decoder
 * framework, which costs 150–500 µs per certificate or key (Node 20: it was most of the CPU of a
 * create, see bench/RESULTS.md). For the PEM CCE sends — one `CERTIFICATE` block, one PKCS#1 or
 * PKCS#8 RSA key — the same facts are read here from the DER with a strict reader, and the key is
 * matched against the certificate the way OpenSSL's `X509_check_private_key` does (same modulus and
 * exponent). Anything the strict reader does not fully accept (other PEM layouts, EC keys, unusual
 * encodings, a key that does not match) takes node:crypto's path as before, so every rejection and
 * every error message is still node's.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { fastCertificate, fastRsaKeyMatches, infoOf } from "./certificate-der";
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

/** Reads a certificate's common name, serial, fingerprint and validity. */
export function readCertificate(pem: string, what = "the client certificate"): CertificateInfo {
    const fast = fastCertificate(pem);
    if (fast) return infoOf(fast);
    const cert = parseCertificate(pem, what);
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

function parseKey(pem: string): KeyObject {
    try {
        return createPrivateKey({ key: pem, format: "pem" });
    } catch {
        throw new CertificateError("the client key is not a valid PEM private key");
    }
}

/** Throws unless `keyPem` is the private key of `certPem`. */
export function assertKeyMatches(certPem: string, keyPem: string): void {
    const fast = fastCertificate(certPem);
    if (fast?.rsa && fastRsaKeyMatches(fast.rsa, keyPem)) return;
    assertKeyMatchesSlow(certPem, keyPem);
}

/**
 * `assertKeyMatches(certPem, keyPem)` then `readCertificate(certPem)`, reading the certificate once:
 * what a new certificate from the API needs.
 */
export function inspectClientCertificate(certPem: string, keyPem: string): CertificateInfo {
    const fast = fastCertificate(certPem);
    if (fast?.rsa && fastRsaKeyMatches(fast.rsa, keyPem)) return infoOf(fast);
    assertKeyMatchesSlow(certPem, keyPem);
    return readCertificate(certPem);
}

function assertKeyMatchesSlow(certPem: string, keyPem: string): void {
    const cert = parseCertificate(certPem, "the client certificate");
    const key = parseKey(keyPem);
    if (!cert.checkPrivateKey(key)) {
        throw new CertificateError("the client key does not match the client certificate");
    }
}

/** The concatenated PEM certificates in a bundle are each parseable; returns how many there are. */
export function countCertificates(pem: string, what: string): number {
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new CertificateError(`${what} contains no PEM certificate`);
    for (const b of blocks) if (!fastCertificate(b)) parseCertificate(b, what);
    return blocks.length;
}
