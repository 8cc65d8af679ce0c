/**
 * Default service endpoints for a Huawei Cloud region.
 *
 * Huawei Cloud serves most regions under `myhuaweicloud.com`; the European sovereign region
 * `eu-west-101` is under `myhuaweicloud.eu`. Other clouds built on the same stack (Open Telekom
 * Cloud: `otc.t-systems.com`) are chosen with the `cloud` setting, which replaces the domain.
 */

export type Service = "cce" | "iam";

/** The default domain for a region when no `cloud` is configured. */
export function defaultCloud(region: string): string {
    return region === "eu-west-101" ? "myhuaweicloud.eu" : "myhuaweicloud.com";
}

/** `https://{service}.{region}.{cloud}`, e.g. `https://cce.eu-west-0.myhuaweicloud.com`. */
export function defaultEndpoint(service: Service, region: string, cloud?: string): string {
    return `https://${service}.${region}.${cloud ?? defaultCloud(region)}`;
}

/** An endpoint without trailing slashes, so that paths can be appended. */
export function normalizeEndpoint(endpoint: string): string {
    return endpoint.replace(/\/+$/, "");
}

/** True for hosts that never leave this machine (plain http is tolerated only there). */
export function isLoopbackHost(hostname: string): boolean {
    const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
    return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}
