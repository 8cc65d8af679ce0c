/**
 * Limits of the CCE API that code outside the client checks against (`core/defaults.ts`), in a
 * module that loads nothing: validating the CLI's flags must not load the HTTP client, or the exec
 * plugin's cache hit would pay for it.
 */

/** Longest validity the clustercert API grants, days (`duration` -1 asks for it). */
export const MAX_DURATION_DAYS = 1827;
