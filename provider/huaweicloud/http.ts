/**
 * The one HTTP client of this package: a keep-alive undici dispatcher per process that honours
 * HTTPS_PROXY/HTTP_PROXY/NO_PROXY and NODE_EXTRA_CA_CERTS. The dispatcher is made on first use
 * (never at import time) and made again only if those variables change.
 */
import { readFileSync } from "node:fs";
import { createSecureContext, rootCertificates } from "node:tls";
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from "undici";
import { ClusterCertError } from "../util/errors";
import { isLoopbackHost } from "../util/url";
import type { Env } from "./credentials";
import { safeText } from "../util/text";

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

/**
 * Largest response body read, in bytes. A clustercert answer is about 5–10 KB, error answers and IAM's
 * answers a few KB: 1 MiB leaves a margin of two orders of magnitude. Enforced while reading.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * An answer refused before it was fully read: larger than the cap, or compressed (this client asks
 * for no encoding and inflates nothing). Not retried.
 */
export class AnswerRefusedError extends ClusterCertError {
    declare readonly status: number;
    constructor(
        status: number,
        readonly headers: Record<string, string>,
        readonly reason: string,
    ) {
        super("bad-answer", reason, { status });
    }
}

/** Refuses to send anything over plain HTTP to a host that is not this machine (credentials travel in every request). */
export function assertSafeUrl(url: string): void {
    const u = new URL(url);
    if (u.protocol === "https:") return;
    if (u.protocol === "http:" && isLoopbackHost(u.hostname)) return;
    throw new Error(`refusing to send a request to ${u.protocol}//${u.host}: only https:// (or http:// on loopback) is used`);
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

/** Sends one request and reads the whole answer (at most `maxBytes`). Network failures reject with undici's error (has `code`). */
export async function send(req: HttpRequest, env: Env = process.env, maxBytes = MAX_RESPONSE_BYTES): Promise<HttpResponse> {
    assertSafeUrl(req.url);
    const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        dispatcher: dispatcherFor(env),
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        signal: AbortSignal.timeout(req.timeoutMs),
    });
    const headers = flattenHeaders(res.headers);
    const refuse = (reason: string): never => {
        res.body.destroy();
        throw new AnswerRefusedError(res.statusCode, headers, reason);
    };
    const encoding = headers["content-encoding"]?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
        refuse(`the answer is compressed (Content-Encoding ${safeText(encoding, 40)}), which this client does not accept`);
    }
    const declared = Number(headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) refuse(`the answer announces ${declared} bytes, more than the ${maxBytes}-byte limit`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) refuse(`the answer is larger than the ${maxBytes}-byte limit`);
        chunks.push(chunk);
    }
    return { status: res.statusCode, headers, body: Buffer.concat(chunks, size).toString("utf8") };
}
