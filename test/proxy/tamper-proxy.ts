/**
 * A man in the middle for negative controls: an HTTPS reverse proxy on 127.0.0.1 with a serving
 * certificate from the emulator's root CA (so the provider's client trusts it through the same
 * NODE_EXTRA_CA_CERTS), which forwards every request to the emulator after changing it the way the
 * test asks — after the client signed it. Headers (Host included) are forwarded as received, so an
 * untouched request still verifies; the emulator's answer is passed back unchanged.
 */
import * as https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { closeServer, listen, readBody, trackSockets } from "../emulator/http-util";
import { issueCert, loadCa } from "../emulator/pki";

/** How a request is changed on its way: its method, target, headers (lower-case names) and body. */
export interface InFlight {
    method: string;
    target: string;
    headers: Record<string, string>;
    body: Buffer;
}

/** Returns the request to forward (it may edit `req` in place and return it). */
export type Tamper = (req: InFlight) => InFlight;

/** Forwards unchanged. */
export const untouched: Tamper = (req) => req;

export class TamperProxy {
    /** Requests as received from the client (before tampering), in order. */
    readonly received: InFlight[] = [];
    /** What to do to the next requests. */
    tamper: Tamper = untouched;

    private constructor(
        private readonly server: https.Server,
        private readonly sockets: Set<Socket>,
        readonly port: number,
    ) {}

    /** Starts a proxy in front of `upstream` (the emulator's URL), trusted through the emulator's root CA. */
    static async start(upstream: string, rootCa: { certPem: string; keyPem: string }): Promise<TamperProxy> {
        const ca = await loadCa(rootCa.certPem, rootCa.keyPem);
        const serving = await issueCert(ca, {
            commonName: "tamper-proxy",
            usage: "server",
            keyType: "ec",
            notBefore: new Date(Date.now() - 60 * 60 * 1000),
            notAfter: new Date(Date.now() + 24 * 60 * 60 * 1000),
            ips: ["127.0.0.1"],
        });
        let proxy: TamperProxy | undefined;
        const server = https.createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
            void proxy?.forward(req, res, upstream, rootCa.certPem);
        });
        const sockets = trackSockets(server);
        const port = await listen(server, 0);
        proxy = new TamperProxy(server, sockets, port);
        return proxy;
    }

    /** https://127.0.0.1:<port> */
    get url(): string {
        return `https://127.0.0.1:${this.port}`;
    }

    private async forward(req: IncomingMessage, res: ServerResponse, upstream: string, caPem: string): Promise<void> {
        try {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
            const original: InFlight = { method: req.method ?? "GET", target: req.url ?? "/", headers, body: await readBody(req) };
            this.received.push({ ...original, headers: { ...original.headers } });
            const out = this.tamper({ ...original, headers: { ...original.headers } });
            const sent = { ...out.headers };
            if (out.body.length > 0 || sent["content-length"] !== undefined) sent["content-length"] = String(out.body.length);
            const answer = await new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
                const up = https.request(new URL(out.target, upstream), { method: out.method, headers: sent, ca: caPem, agent: false }, (r) => {
                    const chunks: Buffer[] = [];
                    r.on("data", (c: Buffer) => chunks.push(c));
                    r.on("end", () => {
                        const h: Record<string, string> = {};
                        for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && k !== "connection" && k !== "keep-alive" && k !== "transfer-encoding") h[k] = Array.isArray(v) ? v.join(", ") : v;
                        resolve({ status: r.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
                    });
                    r.on("error", reject);
                });
                up.on("error", reject);
                up.end(out.body);
            });
            res.writeHead(answer.status, { ...answer.headers, "content-length": String(answer.body.length) });
            res.end(answer.body);
        } catch (e) {
            res.writeHead(502, { "content-type": "text/plain" });
            res.end(`tamper proxy: ${(e as Error).message}`);
        }
    }

    /** Stops listening and ends every connection. */
    async stop(): Promise<void> {
        await closeServer(this.server, this.sockets);
    }
}
