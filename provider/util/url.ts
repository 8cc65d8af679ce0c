/**
 * The one validator of every URL this package sends to or writes into a kubeconfig (service
 * endpoints, API servers of an answer, `--server`), whatever its source. Pure.
 */

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
