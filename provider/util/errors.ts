/**
 * The one error model of this package. Every error it throws on purpose is a `ClusterCertError`:
 * a one-line message for the user, a stable `code` saying what kind of failure it is (programs and
 * the CLI's exit codes go by it, never by the message), and where they apply the HTTP `status`, the
 * cloud's `requestId` and the `cause`. Subclasses exist only where code needs to tell them apart.
 */

/** What kind of failure, stable across versions. */
export type ErrorCode =
    /** A flag or argument is malformed (CLI usage, check). */
    | "usage"
    /** A setting is missing or invalid, whatever its source (argument, stack config, environment). */
    | "settings"
    /** No credentials, or incomplete ones. */
    | "credentials"
    /** Something named does not exist (no IAM project of that name). */
    | "not-found"
    /** The cloud answered with an error status (see `status`). */
    | "api"
    /** No answer: refused, reset, timed out, TLS. */
    | "network"
    /** A successful answer that cannot be used (malformed, oversized, a certificate to refuse). */
    | "bad-answer"
    /** Data that cannot be used: PEM, a kubeconfig, JSON from a file or a stored state. */
    | "bad-data"
    /** An output file exists and is not to be replaced. */
    | "exists"
    /** The local file system or a lock. */
    | "local";

export interface ErrorDetails {
    status?: number;
    requestId?: string;
    cause?: unknown;
}

export class ClusterCertError extends Error {
    readonly code: ErrorCode;
    readonly status?: number;
    readonly requestId?: string;

    constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
        super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
        this.name = new.target.name;
        this.code = code;
        if (details.status !== undefined) this.status = details.status;
        if (details.requestId !== undefined) this.requestId = details.requestId;
    }
}

/** A setting that is missing or invalid; `code` says whether it is about credentials or names something that does not exist. */
export class SettingsError extends ClusterCertError {
    constructor(message: string, code: "settings" | "credentials" | "not-found" = "settings", details: ErrorDetails = {}) {
        super(code, message, details);
    }
}

/** The error's code when it is one of ours. */
export function codeOf(e: unknown): ErrorCode | undefined {
    return e instanceof ClusterCertError ? e.code : undefined;
}
