/**
 * The client-go exec credential format: the API versions this tool speaks, which one an invocation
 * must answer with, and the `ExecCredential` it prints (the client certificate and key, PEM, and
 * when they expire). Pure.
 *
 * `client.authentication.k8s.io/v1` needs kubectl 1.22 or newer; `v1beta1` works from kubectl 1.11
 * (1.20 for `provideClusterInfo`) up to today's releases.
 */

export const EXEC_API_V1 = "client.authentication.k8s.io/v1";
export const EXEC_API_V1BETA1 = "client.authentication.k8s.io/v1beta1";
export type ExecApiVersion = typeof EXEC_API_V1 | typeof EXEC_API_V1BETA1;

/** Short names accepted by `--api-version`. */
export const EXEC_API_CHOICES = ["v1", "v1beta1"] as const;
export type ExecApiChoice = (typeof EXEC_API_CHOICES)[number];

export function execApiVersion(choice: ExecApiChoice | undefined): ExecApiVersion {
    return choice === "v1beta1" ? EXEC_API_V1BETA1 : EXEC_API_V1;
}

function isExecApiVersion(v: unknown): v is ExecApiVersion {
    return v === EXEC_API_V1 || v === EXEC_API_V1BETA1;
}

/**
 * The version to answer with: the one kubectl announces in `KUBERNETES_EXEC_INFO` (it rejects any
 * other), else the `--api-version` flag, else v1.
 */
export function answerApiVersion(execInfo: string | undefined, choice: ExecApiChoice | undefined): ExecApiVersion {
    if (execInfo !== undefined && execInfo.trim() !== "") {
        try {
            const announced = (JSON.parse(execInfo) as { apiVersion?: unknown }).apiVersion;
            if (isExecApiVersion(announced)) return announced;
        } catch {
            // Not JSON: fall back to the flag.
        }
    }
    return execApiVersion(choice);
}

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
