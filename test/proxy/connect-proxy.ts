/**
 * A small forwarding proxy for tests, like the `HTTPS_PROXY` of a corporate network or CI runner:
 * it answers `CONNECT host:port` by opening a TCP tunnel (node:http `connect` event + net.connect),
 * optionally demands Basic proxy authentication, counts tunnels, and refuses every target that is
 * not on the loopback interface. Listens on 127.0.0.1 only; `stop()` ends every connection.
 */
import * as http from "node:http";
import * as net from "node:net";
import type { Duplex } from "node:stream";

export interface TunnelRecord {
    /** Target as sent in the CONNECT line, e.g. "127.0.0.1:43211". */
    target: string;
    host: string;
    port: number;
    /** Proxy-Authorization header value, if any. */
    authorization: string | undefined;
    /** What the proxy answered: 200, 403 (not loopback), 407 (authentication), 502 (target unreachable). */
    status: number;
    /** Bytes carried client → target and target → client (TLS records: the proxy sees no plain text). */
    bytesUp: number;
    bytesDown: number;
}

export interface ConnectProxyOptions {
    /** Demand `Proxy-Authorization: Basic base64(user:password)`; 407 otherwise. */
    auth?: { user: string; password: string };
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export class ConnectProxy {
    /** Every CONNECT received, in order. */
    readonly tunnels: TunnelRecord[] = [];
    /** Plain (non-CONNECT) requests received, as "METHOD url". */
    readonly plainRequests: string[] = [];
    private readonly sockets = new Set<Duplex>();

    private constructor(
        private readonly server: http.Server,
        readonly port: number,
    ) {}

    static async start(opts: ConnectProxyOptions = {}): Promise<ConnectProxy> {
        const server = http.createServer();
        const port = await new Promise<number>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => {
                const addr = server.address();
                if (addr === null || typeof addr === "string") reject(new Error("no port"));
                else resolve(addr.port);
            });
        });
        const proxy = new ConnectProxy(server, port);
        const expected = opts.auth ? `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString("base64")}` : undefined;
        server.on("connection", (s: net.Socket) => proxy.track(s));
        server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
            // Only tunnels are offered: plain HTTP forwarding is not needed by an HTTPS client.
            proxy.plainRequests.push(`${req.method ?? "?"} ${req.url ?? ""}`);
            res.writeHead(405, { "Content-Type": "text/plain", Connection: "close" });
            res.end("this test proxy only supports CONNECT\n");
        });
        server.on("connect", (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
            proxy.track(client);
            const target = req.url ?? "";
            const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
            const host = m ? m[1]! : "";
            const port = m ? Number(m[2]) : 0;
            const authorization = req.headers["proxy-authorization"];
            const record: TunnelRecord = { target, host, port, authorization, status: 0, bytesUp: 0, bytesDown: 0 };
            proxy.tunnels.push(record);
            const refuse = (status: number, reason: string, headers: string[] = []): void => {
                record.status = status;
                client.end([`HTTP/1.1 ${status} ${reason}`, ...headers, "Content-Length: 0", "Connection: close", "", ""].join("\r\n"));
            };
            if (!m || !LOOPBACK.has(host.toLowerCase())) return refuse(403, "Forbidden");
            if (expected !== undefined && authorization !== expected) {
                return refuse(407, "Proxy Authentication Required", ['Proxy-Authenticate: Basic realm="test-proxy"']);
            }
            const upstream = net.connect(port, host.replace(/^\[|\]$/g, ""));
            proxy.track(upstream);
            upstream.once("connect", () => {
                record.status = 200;
                client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
                if (head.length > 0) upstream.write(head);
                record.bytesUp += head.length;
                client.on("data", (b: Buffer) => {
                    record.bytesUp += b.length;
                });
                upstream.on("data", (b: Buffer) => {
                    record.bytesDown += b.length;
                });
                upstream.pipe(client);
                client.pipe(upstream);
            });
            upstream.once("error", () => {
                if (record.status === 0) refuse(502, "Bad Gateway");
                else client.destroy();
            });
            client.once("error", () => upstream.destroy());
            client.once("close", () => upstream.destroy());
            upstream.once("close", () => client.destroy());
        });
        return proxy;
    }

    /** http://127.0.0.1:<port>, with user:password@ if given. */
    url(auth?: { user: string; password: string }): string {
        const creds = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.password)}@` : "";
        return `http://${creds}127.0.0.1:${this.port}`;
    }

    /** Tunnels that were opened (status 200). */
    get opened(): TunnelRecord[] {
        return this.tunnels.filter((t) => t.status === 200);
    }

    /** Bytes sent by clients through every tunnel so far. */
    get bytesUp(): number {
        return this.tunnels.reduce((n, t) => n + t.bytesUp, 0);
    }

    reset(): void {
        this.tunnels.length = 0;
        this.plainRequests.length = 0;
    }

    private track(s: Duplex): void {
        this.sockets.add(s);
        s.once("close", () => this.sockets.delete(s));
    }

    /** Closes the listener and destroys every connection (tunnels included). Idempotent. */
    async stop(): Promise<void> {
        for (const s of this.sockets) s.destroy();
        this.sockets.clear();
        if (!this.server.listening) return;
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
}
