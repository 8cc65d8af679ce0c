/**
 * IAM: password tokens (cached per process until shortly before they expire) and project id
 * discovery from a region name, as the official SDKs do it.
 */
import { createHash } from "node:crypto";
import { callApi, type Auth, type CallOptions } from "./call";
import { MalformedAnswerError } from "./errors";
import { SettingsError } from "../util/errors";
import type { Credentials } from "./credentials";

/** Tokens are refreshed this long before IAM says they expire. */
export const TOKEN_REFRESH_MARGIN_MS = 10 * 60 * 1000;

interface CachedToken {
    token: string;
    expiresAt: number;
}
const tokenCache = new Map<string, Promise<CachedToken>>();
const projectCache = new Map<string, Promise<string>>();

function memoKey(...parts: string[]): string {
    return createHash("sha256").update(parts.join("\0")).digest("hex");
}

function requireIam(iamEndpoint: string | undefined, what: string): string {
    if (iamEndpoint === undefined) {
        throw new SettingsError(`${what} needs the IAM endpoint: set region (the default is https://iam.<region>.myhuaweicloud.com) or iamEndpoint.`);
    }
    return iamEndpoint;
}

async function fetchPasswordToken(iamEndpoint: string, c: Extract<Credentials, { kind: "password" }>, region: string | undefined, opts: CallOptions): Promise<CachedToken> {
    const body = JSON.stringify({
        auth: {
            identity: { methods: ["password"], password: { user: { name: c.userName, password: c.password, domain: { name: c.domainName } } } },
            scope: region !== undefined ? { project: { name: region } } : { domain: { name: c.domainName } },
        },
    });
    const res = await callApi(
        { operation: "IAM token", method: "POST", url: `${iamEndpoint}/v3/auth/tokens`, headers: { "Content-Type": "application/json;charset=utf8" }, body },
        { kind: "none" },
        opts,
    );
    const token = res.headers["x-subject-token"];
    if (!token) throw new MalformedAnswerError("IAM token", "has no X-Subject-Token header", res.requestId, res.status);
    opts.secrets.add(token);
    let expiresAt = opts.now().getTime() + 60 * 60 * 1000;
    try {
        const parsed = JSON.parse(res.body) as { token?: { expires_at?: string } };
        const t = parsed.token?.expires_at ? Date.parse(parsed.token.expires_at) : NaN;
        if (!Number.isNaN(t)) expiresAt = t;
    } catch {
        // A token without a readable expiry is kept for an hour at most.
    }
    return { token, expiresAt };
}

/** A password token for `c`, from the cache while it is valid for more than the refresh margin. */
export async function passwordToken(iamEndpoint: string | undefined, c: Extract<Credentials, { kind: "password" }>, region: string | undefined, opts: CallOptions): Promise<string> {
    const endpoint = requireIam(iamEndpoint, "IAM password authentication");
    const key = memoKey(endpoint, c.domainName, c.userName, c.password, region ?? "");
    const cached = tokenCache.get(key);
    if (cached) {
        try {
            const t = await cached;
            if (t.expiresAt - TOKEN_REFRESH_MARGIN_MS > opts.now().getTime()) return t.token;
        } catch {
            // A failed attempt is not cached: ask again below.
        }
    }
    const pending = fetchPasswordToken(endpoint, c, region, opts);
    tokenCache.set(key, pending);
    pending.catch(() => tokenCache.delete(key));
    return (await pending).token;
}

/** How to authenticate API calls with these credentials (a password becomes a token). */
export async function authFor(c: Credentials, iamEndpoint: string | undefined, region: string | undefined, opts: CallOptions): Promise<Auth> {
    switch (c.kind) {
        case "aksk":
            return { kind: "aksk", creds: { accessKey: c.accessKey, secretKey: c.secretKey, ...(c.securityToken ? { securityToken: c.securityToken } : {}) } };
        case "token":
            return { kind: "token", token: c.token };
        case "password":
            return { kind: "token", token: await passwordToken(iamEndpoint, c, region, opts) };
    }
}

function authIdentity(auth: Auth): string {
    return auth.kind === "aksk" ? auth.creds.accessKey : auth.kind === "token" ? auth.token : "";
}

/** The id of the project named after `region` (`GET /v3/projects?name=<region>`), cached per identity. */
export async function discoverProjectId(iamEndpoint: string | undefined, region: string, auth: Auth, opts: CallOptions): Promise<string> {
    const endpoint = requireIam(iamEndpoint, "discovering the project id");
    const key = memoKey(endpoint, region, authIdentity(auth));
    let pending = projectCache.get(key);
    if (!pending) {
        pending = (async () => {
            const res = await callApi(
                { operation: "IAM project lookup", method: "GET", url: `${endpoint}/v3/projects?name=${encodeURIComponent(region)}`, headers: { "Content-Type": "application/json" } },
                auth,
                opts,
            );
            let projects: unknown;
            try {
                projects = (JSON.parse(res.body) as { projects?: unknown }).projects;
            } catch {
                throw new MalformedAnswerError("IAM project lookup", "the body is not valid JSON", res.requestId, res.status);
            }
            if (!Array.isArray(projects)) throw new MalformedAnswerError("IAM project lookup", 'the body has no "projects" list', res.requestId, res.status);
            const ids = projects.map((p: unknown) => (p !== null && typeof p === "object" ? (p as { id?: unknown }).id : undefined)).filter((id): id is string => typeof id === "string");
            if (ids.length !== 1) {
                throw new SettingsError(
                    `IAM knows ${ids.length === 0 ? "no project" : `${ids.length} projects`} named "${region}" for these credentials: set projectId (or huaweicloud:projectId / HW_PROJECT_ID).`,
                    ids.length === 0 ? "not-found" : "settings",
                );
            }
            return ids[0] as string;
        })();
        projectCache.set(key, pending);
        pending.catch(() => projectCache.delete(key));
    }
    return pending;
}
