/**
 * Small HTTP helpers shared by the emulator's servers: reading a body, answering, splitting the
 * request target, tracking sockets so that `stop()` can close everything (even hung requests).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server } from "node:https";
import type { Socket } from "node:net";

export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

/** Reads the whole body as bytes (rejects with BodyTooLargeError above `limit`). */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let failed = false;
        req.on("data", (chunk: Buffer) => {
            if (failed) return;
            size += chunk.length;
            if (size > limit) {
                failed = true;
                reject(new BodyTooLargeError(`request body larger than ${limit} bytes`));
                return;
            }
            chunks.push(chunk);
        });
        req.on("end", () => {
            if (!failed) resolve(Buffer.concat(chunks));
        });
        req.on("error", (e) => {
            if (!failed) reject(e);
        });
    });
}

/** Path and query of a request target ("/a/b?x=1" → ["/a/b", "x=1"]). */
export function splitTarget(rawUrl: string | undefined): { path: string; query: string } {
    const url = rawUrl ?? "/";
    const q = url.indexOf("?");
    return q < 0 ? { path: url, query: "" } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** Writes a complete answer (Content-Length set) unless the response is already finished. */
export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
    if (res.writableEnded || res.destroyed) return;
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    res.writeHead(status, { ...headers, "Content-Length": String(bytes.length) });
    res.end(bytes);
}

/** Destroys a connection, with a TCP reset when node can. */
export function resetConnection(socket: Socket): void {
    const s = socket as Socket & { resetAndDestroy?: () => Socket };
    try {
        if (typeof s.resetAndDestroy === "function" && (s as { _handle?: unknown })._handle) {
            s.resetAndDestroy();
            return;
        }
    } catch {
        // fall through
    }
    socket.destroy();
}

/** Keeps the sockets of a server so that `closeServer` can destroy them (keep-alive and hung ones). */
export function trackSockets(server: Server): Set<Socket> {
    const sockets = new Set<Socket>();
    server.on("connection", (s: Socket) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    server.on("secureConnection", (s: Socket) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    return sockets;
}

/** Stops listening and destroys every open connection. */
export async function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    await closed;
}

/** Listens on 127.0.0.1 and returns the port. */
export function listen(server: Server, port: number, host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
        const onError = (e: Error): void => reject(e);
        server.once("error", onError);
        server.listen(port, host, () => {
            server.off("error", onError);
            const addr = server.address();
            if (addr === null || typeof addr === "string") reject(new Error("emulator: no TCP address"));
            else resolve(addr.port);
        });
    });
}
