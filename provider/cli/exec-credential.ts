/**
 * The `ExecCredential` a client-go credential plugin prints: the client certificate and key (PEM)
 * and when they expire. Pure.
 */
import type { ExecApiVersion } from "../exec-api";

export interface ExecCredential {
    apiVersion: ExecApiVersion;
    kind: "ExecCredential";
    status: {
        clientCertificateData: string;
        clientKeyData: string;
        /** RFC 3339, e.g. 2025-01-02T03:04:05Z. */
        expirationTimestamp: string;
    };
}

/** RFC 3339 without fractional seconds (client-go parses both, older versions only this form). */
export function rfc3339(at: Date): string {
    return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function buildExecCredential(cert: { clientCertificate: string; clientKey: string; expiresAt: string }, apiVersion: ExecApiVersion): ExecCredential {
    const expires = new Date(cert.expiresAt);
    if (Number.isNaN(expires.getTime())) throw new Error("the certificate's expiry is unreadable");
    return {
        apiVersion,
        kind: "ExecCredential",
        status: { clientCertificateData: cert.clientCertificate, clientKeyData: cert.clientKey, expirationTimestamp: rfc3339(expires) },
    };
}
