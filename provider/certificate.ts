/**
 * Facts read from the certificate itself: who it is for, when it expires, its fingerprint, and
 * whether the private key belongs to it. Pure functions over PEM text (node:crypto).
 */
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";

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

export class CertificateError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CertificateError";
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
    for (const b of blocks) parseCertificate(b, what);
    return blocks.length;
}
