/**
 * Limits of the CCE API that code outside the client checks against (`core/defaults.ts`), in a
 * module that loads nothing: validating the CLI's flags must not load the HTTP client, or the exec
 * plugin's cache hit would pay for it.
 */

/** Longest validity the clustercert API grants, days (`duration` -1 asks for it). */
export const MAX_DURATION_DAYS = 1827;

/**
 * The largest Autopilot `duration` accepted (besides -1). Huawei's reference for
 * `CreateAutopilotKubernetesClusterCert` (model `CertDuration`) says 1..1827 with the real limit
 * depending on the leap years in the next five (1826 with one); the same model said 1..1825 ("5*365,
 * leap years ignored") when the Autopilot API first appeared in the Go SDK (release 0.1.106,
 * 2024-07). 1825 is accepted by every version of the reference.
 */
export const MAX_AUTOPILOT_DURATION_DAYS = 1825;
