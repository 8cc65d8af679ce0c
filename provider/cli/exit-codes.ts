/**
 * Exit codes, from the stable `code` of the error model (`util/errors.ts`) and, for API answers,
 * the HTTP status. Errors keep their class and fields through redaction. Pure.
 */
import { ClusterCertError } from "../util/errors";

export const EXIT_OK = 0;
/** Anything else: local files and directories, the cache, an unexpected failure. */
export const EXIT_FAILURE = 1;
/** Bad usage: flags, missing or invalid settings (region, endpoints), an output file that exists without --force. */
export const EXIT_USAGE = 2;
/** Authentication or permission: no or incomplete credentials, 401, 403. */
export const EXIT_AUTH = 3;
/** The cluster, project or API was not found (404, or no IAM project of that name). */
export const EXIT_NOT_FOUND = 4;
/** Any other API answer (400, 409, 429 after retries, 5xx), a malformed answer, or a network failure. */
export const EXIT_API = 5;
/** `check`: the certificate is valid but expires within the `--within` window. */
export const EXIT_EXPIRING = 6;
/** `check`: the certificate has expired, or there is no certificate that can be read. */
export const EXIT_EXPIRED = 7;
/** `revoke` without `--yes`: nothing was done; what would be revoked was printed. */
export const EXIT_NOT_CONFIRMED = 8;

export function exitCodeOf(e: unknown): number {
    if (!(e instanceof ClusterCertError)) return EXIT_FAILURE;
    switch (e.code) {
        case "usage":
        case "settings":
        case "exists":
            return EXIT_USAGE;
        case "credentials":
            return EXIT_AUTH;
        case "not-found":
            return EXIT_NOT_FOUND;
        case "api":
            return e.status === 401 || e.status === 403 ? EXIT_AUTH : e.status === 404 ? EXIT_NOT_FOUND : EXIT_API;
        case "network":
        case "bad-answer":
            return EXIT_API;
        case "bad-data":
        case "local":
            return EXIT_FAILURE;
    }
}
