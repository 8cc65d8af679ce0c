/**
 * A lock file shared by processes: created with O_EXCL, holding the owner's pid, host and a random
 * token. A lock is stale when its owner is a process of this host that no longer runs, or when it
 * is older than `staleMs` (a crashed owner on another host sharing the directory); a stale lock is
 * removed and the attempt repeated. Only the owner (by token) removes a lock on release.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { hostname } from "node:os";

export interface LockOptions {
    /** A lock older than this is taken over. */
    staleMs: number;
    /** Give up waiting after this long. */
    waitMs: number;
    /** Time between attempts (randomized by up to 50 %). */
    pollMs: number;
    /** Called once when the lock is held by another process and we start waiting. */
    onWait?: () => void;
}

export const DEFAULT_LOCK_OPTIONS: LockOptions = { staleMs: 10 * 60 * 1000, waitMs: 10 * 60 * 1000 + 5000, pollMs: 100 };

/** The lock could not be taken in time. Exit code 1. */
export class LockTimeoutError extends Error {
    constructor(file: string, waitedMs: number) {
        super(`another cce-clustercert process holds ${file} (waited ${Math.round(waitedMs / 1000)} s); remove the file if no such process runs`);
        this.name = "LockTimeoutError";
    }
}

interface LockInfo {
    pid: number;
    host: string;
    token: string;
    createdAt: string;
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function processRuns(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

async function readInfo(file: string): Promise<LockInfo | undefined> {
    try {
        const parsed = JSON.parse(await fs.readFile(file, "utf8")) as Partial<LockInfo>;
        if (typeof parsed.pid === "number" && typeof parsed.host === "string" && typeof parsed.token === "string") {
            return { pid: parsed.pid, host: parsed.host, token: parsed.token, createdAt: String(parsed.createdAt) };
        }
    } catch {
        // Missing, being written, or garbage: judged by age alone.
    }
    return undefined;
}

/** Whether the lock at `file` may be taken over; false if it vanished meanwhile (just try again). */
async function isStale(file: string, staleMs: number): Promise<boolean> {
    let mtimeMs: number;
    try {
        mtimeMs = (await fs.stat(file)).mtimeMs;
    } catch {
        return false;
    }
    if (Date.now() - mtimeMs > staleMs) return true;
    const info = await readInfo(file);
    return info !== undefined && info.host === hostname() && info.pid !== process.pid && !processRuns(info.pid);
}

async function tryCreate(file: string, info: LockInfo): Promise<boolean> {
    let handle;
    try {
        handle = await fs.open(file, "wx", 0o600);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw e;
    }
    try {
        await handle.writeFile(JSON.stringify(info), "utf8");
    } finally {
        await handle.close();
    }
    return true;
}

async function release(file: string, token: string): Promise<void> {
    const info = await readInfo(file);
    if (info?.token === token) await fs.unlink(file).catch(() => undefined);
}

/** Runs `fn` while holding the lock file `file`; waits for other holders. */
export async function withLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = DEFAULT_LOCK_OPTIONS): Promise<T> {
    const info: LockInfo = { pid: process.pid, host: hostname(), token: randomBytes(16).toString("hex"), createdAt: new Date().toISOString() };
    const started = Date.now();
    let announced = false;
    for (;;) {
        if (await tryCreate(file, info)) break;
        if (await isStale(file, options.staleMs)) {
            await fs.unlink(file).catch(() => undefined);
            continue;
        }
        const waited = Date.now() - started;
        if (waited > options.waitMs) throw new LockTimeoutError(file, waited);
        if (!announced) {
            announced = true;
            options.onWait?.();
        }
        await sleep(options.pollMs * (1 + Math.random() * 0.5));
    }
    try {
        return await fn();
    } finally {
        await release(file, info.token);
    }
}
