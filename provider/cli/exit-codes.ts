/**
 * Exit codes and which error leads to which. Errors from `operations.ts` arrive redacted as plain
 * Errors that keep their `name` and, for API answers, `status`/`code`/`requestId`. Pure.
 */

export const EXIT_OK = 0;
/** Anything else: local files, the cache lock, an unexpected failure. */
export const EXIT_FAILURE = 1;
/** Bad usage: flags, missing settings (region), an output file that exists without --force. */
export const EXIT_USAGE = 2;
/** Authentication or permission: no or incomplete credentials, 401, 403. */
export const EXIT_AUTH = 3;
/** The cluster, project or API was not found (404). */
export const EXIT_NOT_FOUND = 4;
/** Any other API answer (400, 409, 429 after retries, 5xx), a malformed answer, or a network failure. */
export const EXIT_API = 5;

const USAGE_ERRORS = new Set(["UsageError", "OutputExistsError"]);
const AUTH_ERRORS = new Set(["CredentialsError"]);
const API_ERRORS = new Set(["CloudApiError", "NetworkError", "MalformedAnswerError", "CertificateRejected", "CertificateError", "KubeconfigError", "PemError"]);

function fieldOf(e: unknown, field: string): unknown {
    return e !== null && typeof e === "object" ? (e as Record<string, unknown>)[field] : undefined;
}

export function exitCodeOf(e: unknown): number {
    const status = fieldOf(e, "status");
    if (typeof status === "number") {
        if (status === 401 || status === 403) return EXIT_AUTH;
        if (status === 404) return EXIT_NOT_FOUND;
        return EXIT_API;
    }
    const name = fieldOf(e, "name");
    const message = fieldOf(e, "message");
    if (typeof name !== "string") return EXIT_FAILURE;
    if (USAGE_ERRORS.has(name)) return EXIT_USAGE;
    if (AUTH_ERRORS.has(name)) return EXIT_AUTH;
    if (API_ERRORS.has(name)) return EXIT_API;
    if (name === "SettingsError") {
        // No project of that name in IAM (not found), missing credentials, or a setting to add.
        const text = typeof message === "string" ? message : "";
        if (/knows no project/.test(text)) return EXIT_NOT_FOUND;
        if (/^(no Huawei Cloud credentials|incomplete credentials)/.test(text)) return EXIT_AUTH;
        return EXIT_USAGE;
    }
    return EXIT_FAILURE;
}
