/**
 * Every default and limit of the `ClusterCert` arguments (and of the CLI flags that mirror them),
 * defined once. The API's own limits are the client's (`huaweicloud/cce.ts`).
 */
export { MAX_DURATION_DAYS } from "../huaweicloud/limits";

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
