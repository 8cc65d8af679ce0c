/**
 * Every default and limit of the `ClusterCert` arguments (and of the CLI flags that mirror them),
 * defined once. The API's own limits are the client's (`huaweicloud/cce.ts`).
 */
import type { ClusterType } from "../huaweicloud/cce";
export { MAX_AUTOPILOT_DURATION_DAYS, MAX_DURATION_DAYS } from "../huaweicloud/limits";

/** `clusterType` when not given: a standard CCE cluster (`/api/v3/…`). */
export const DEFAULT_CLUSTER_TYPE: ClusterType = "standard";

/** Validity of a certificate when neither `duration` nor `expiresAt` is given, days. */
export const DEFAULT_DURATION_DAYS = 365;
/** Validity of the certificates exec mode and the exec plugin obtain, days. */
export const EXEC_DURATION_DAYS = 1;
/** `renewBeforeDays` when not given, and its largest value. */
export const DEFAULT_RENEW_BEFORE_DAYS = 30;
export const MAX_RENEW_BEFORE_DAYS = 1826;
/** Time limit per request, seconds: default and largest value. */
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const MAX_TIMEOUT_SECONDS = 600;
/** Retries after the first attempt: default and largest value. */
export const DEFAULT_MAX_RETRIES = 5;
export const MAX_RETRIES_LIMIT = 20;
/** How far ahead `expiresAt` may lie (the API's `expire_at` bounds). */
export const MIN_EXPIRY_AHEAD_MS = 15 * 60 * 1000;
export const MAX_EXPIRY_AHEAD_MS = 5 * 366 * 24 * 60 * 60 * 1000;

/** Largest kubeconfig read (`check --kubeconfig`, `revoke --from-kubeconfig`) or merged into (`kubeconfig --merge`). */
export const MAX_KUBECONFIG_FILE_BYTES = 4 * 1024 * 1024;
/** Largest certificate file read (`check --cert`, a kubeconfig's `client-certificate` file). */
export const MAX_CERT_FILE_BYTES = 1024 * 1024;
/** `check --within` when not given, days; and its largest value (5 years). */
export const DEFAULT_CHECK_WITHIN_DAYS = 7;
export const MAX_CHECK_WITHIN_DAYS = 1827;
/** `kubeconfig --merge` keeps the previous content of the file it merges into in `<file>` + this. */
export const MERGE_BACKUP_SUFFIX = ".cce-clustercert.bak";
