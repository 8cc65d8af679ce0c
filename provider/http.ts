/**
 * The one HTTP client of this package: a keep-alive undici dispatcher per process that honours
 * HTTPS_PROXY/HTTP_PROXY/NO_PROXY and NODE_EXTRA_CA_CERTS. The dispatcher is made on first use
 * (never at import time) and made again only if those variables change.
 */
import { readFileSync } from "node:fs";
import { createSecureContext, rootCertificates } from "node:tls";
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from "undici";
import type { Env } from "./settings";

export interface HttpRequest {
    method: "GET" | "POST" | "DELETE";
    url: string;
    headers: Record<string, string>;
    body?: string;
    timeoutMs: number;
}

export interface HttpResponse {
    status: number;
    headers: Record<string, string>;
    body: string;
}

/** Connections per origin: bounded so that hundreds of parallel creates share a few sockets. */
export const MAX_CONNECTIONS_PER_ORIGIN = 16;

const PROXY_VARS = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "NODE_EXTRA_CA_CERTS"] as const;

interface Current {
    key: string;
    dispatcher: Dispatcher;
}
let current: Current | undefined;

function extraCa(env: Env): string[] | undefined {
    const file = env.NODE_EXTRA_CA_CERTS;
    if (!file) return undefined;
    try {
        return [...rootCertificates, readFileSync(file, "utf8")];
    } catch (e) {
        throw new Error(`NODE_EXTRA_CA_CERTS names ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
    }
}

/** The process's dispatcher for the current proxy and CA environment. */
export function dispatcherFor(env: Env = process.env): Dispatcher {
    const key = PROXY_VARS.map((v) => env[v] ?? "").join("\n");
    if (current?.key === key) return current.dispatcher;
    const previous = current?.dispatcher;
    const ca = extraCa(env);
    // One TLS context for every connection: given `ca`, node would build a new one per connection,
    // parsing the ~140 root certificates each time (~25 ms of CPU per connection).
    const tls = ca ? { secureContext: createSecureContext({ ca }) } : {};
    const httpProxy = env.HTTP_PROXY ?? env.http_proxy;
    const httpsProxy = env.HTTPS_PROXY ?? env.https_proxy;
    const agentOptions = { connections: MAX_CONNECTIONS_PER_ORIGIN, keepAliveTimeout: 30_000, connect: tls };
    // Without any proxy (resolved as EnvHttpProxyAgent resolves it, process.env included) that agent
    // sends every request through its plain Agent, after parsing the origin and reading NO_PROXY from
    // process.env per request: use the plain Agent directly.
    const proxied =
        Boolean(httpProxy ?? process.env.http_proxy ?? process.env.HTTP_PROXY) || Boolean(httpsProxy ?? process.env.https_proxy ?? process.env.HTTPS_PROXY);
    const dispatcher = proxied
        ? new EnvHttpProxyAgent({ ...agentOptions, httpProxy, httpsProxy, noProxy: env.NO_PROXY ?? env.no_proxy, requestTls: tls, proxyTls: tls })
        : new Agent(agentOptions);
    current = { key, dispatcher };
    if (previous) void previous.close().catch(() => undefined);
    return dispatcher;
}

/** Closes the dispatcher (tests, CLI exit); the next request makes a new one. */
export async function closeHttp(): Promise<void> {
    const d = current?.dispatcher;
    current = undefined;
    if (d) await d.close();
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
    return out;
}

/** Sends one request and reads the whole answer. Network failures reject with undici's error (has `code`). */
export async function send(req: HttpRequest, env: Env = process.env): Promise<HttpResponse> {
    const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        dispatcher: dispatcherFor(env),
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        signal: AbortSignal.timeout(req.timeoutMs),
    });
    const body = await res.body.text();
    return { status: res.statusCode, headers: flattenHeaders(res.headers), body };
}
