/**
 * Default service endpoints for a Huawei Cloud region, and the validators of the cloud domain,
 * regions and ids, whatever their source (argument, stack config, environment, CLI flag). Endpoint
 * URLs are checked by `util/url.ts`.
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

/** A DNS name of at least two labels, e.g. `myhuaweicloud.com` or `otc.t-systems.com`. */
const DOMAIN = /^(?=.{3,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Why `value` is not a plain domain name for the `cloud` setting, or undefined. */
export function cloudProblem(value: string): string | undefined {
    return DOMAIN.test(value) ? undefined : "must be a plain domain name such as myhuaweicloud.com or otc.t-systems.com";
}

/** Region names go into host names: lower-case letters, digits and '-', e.g. eu-west-0, cn-north-4, ap-southeast-1. */
export const REGION = /^[a-z]{2,}(-[a-z0-9]+){1,4}$/;

/** Why `value` is not a region name, or undefined. */
export function regionProblem(value: string): string | undefined {
    return REGION.test(value) ? undefined : "is not a region name like eu-west-0 or cn-north-4";
}

/** Ids go into a URL path: letters, digits, `-` and `_` only (no `/`, `.`, `%`). */
export const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Why `value` is not an id (project, cluster), or undefined. */
export function idProblem(value: string): string | undefined {
    return ID.test(value) ? undefined : "is not a valid id: use letters, digits, '-' and '_' only, at most 64 (it is placed in the request path)";
}
