/**
 * Default service endpoints for a Huawei Cloud region, and the one validator of every endpoint,
 * cloud domain, region and id, whatever its source (argument, stack config, environment, CLI flag).
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

/** Longest endpoint URL accepted. */
export const MAX_URL_CHARS = 2048;

/** White space and control characters: `new URL()` would silently drop or trim some of them. */
const SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `value` is not acceptable as a service endpoint or server URL, or undefined when it is:
 * an absolute `https://` URL (plain `http://` only for loopback hosts), without user info, query,
 * fragment, white space or control characters. The reason never repeats the value (it may hold a
 * password in its user info).
 */
export function endpointProblem(value: string): string | undefined {
    if (value.length > MAX_URL_CHARS) return `is longer than ${MAX_URL_CHARS} characters`;
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return "is not a URL (expected e.g. https://cce.eu-west-0.myhuaweicloud.com)";
    }
    if (SPACE_OR_CONTROL.test(value)) return "must not contain white space or control characters";
    if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an https:// URL";
    if (url.username !== "" || url.password !== "") return "must not contain user info (user:password@)";
    if (url.search !== "" || url.hash !== "" || value.includes("?") || value.includes("#")) return "must not have a query or fragment";
    if (url.hostname === "") return "has no host";
    if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) return "must use https:// (plain http is accepted only for loopback test servers)";
    return undefined;
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
