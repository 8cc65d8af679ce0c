/**
 * A lock file shared by processes, that never makes its waiters hang.
 *
 * Taking it: the lock's content (pid, host, boot id, process start time, a random token, creation
 * time) is written to a temporary file which is then hard-linked to the lock's name; EEXIST means
 * another process holds it. A lock file therefore always appears with its complete content, and
 * one that is empty, unreadable or not a lock (a FIFO, a symbolic link, garbage) was never
 * legitimately taken: it is taken over at once.
 *
 * A lock is also stale, and taken over, when it is older than `staleMs` (default 2 minutes: minting
 * takes seconds), or when it was taken on this host and its pid no longer runs, runs with another
 * start time (pid reuse: another process), or it predates the last reboot. Each takeover is logged
 * as one line. Waiting for a live holder is bounded by `waitMs` (default 10 s): then `fn` runs
 * without the lock (the caller's writes are atomic anyway), with one line saying so. Only the owner
 * removes a lock: the same file (device and inode) holding its token.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { lstatIfExists, readSmallRegularFile, reasonOf, shownPath, siblingName, writeExclusive } from "./files";
import { currentProcess, pidRuns, processStartTime, type ProcessIdentity } from "./process-info";
import { ClusterCertError } from "../util/errors";

export interface LockOptions {
    /** A lock older than this is taken over. */
    staleMs: number;
    /** Wait at most this long for a live holder, then run without the lock (or throw, with `required`). */
    waitMs: number;
    /** Time between attempts (randomized by up to 50 %). */
    pollMs: number;
    /** Called once when the lock is held by a live process and we start waiting. */
    onWait?: () => void;
    /** One line each: a stale lock taken over; proceeding without the lock. */
    log?: (line: string) => void;
    /** Throw LockTimeoutError instead of running without the lock. */
    required?: boolean;
}

/** Default age after which a lock is stale: minting a certificate takes seconds. */
export const DEFAULT_LOCK_STALE_MS = 2 * 60 * 1000;
/** Default bound on waiting for a live holder. */
export const DEFAULT_LOCK_WAIT_MS = 10 * 1000;
/** A lock file is a short JSON object; anything larger is not one. */
export const LOCK_MAX_BYTES = 4096;

export const DEFAULT_LOCK_OPTIONS: LockOptions = { staleMs: DEFAULT_LOCK_STALE_MS, waitMs: DEFAULT_LOCK_WAIT_MS, pollMs: 100 };

/** The lock could not be taken in time and `required` was set. Exit code 1. */
export class LockTimeoutError extends ClusterCertError {
    constructor(file: string, waitedMs: number) {
        super("local", `another cce-clustercert process holds ${shownPath(file)} (waited ${Math.round(waitedMs / 1000)} s); remove the file if no such process runs`);
    }
}

/** What a lock file records. */
export interface LockInfo extends ProcessIdentity {
    token: string;
    /** ISO 8601. */
    createdAt: string;
}

/** The lock in a lock file's text, or undefined when it is not one this program writes. Pure. */
export function parseLockInfo(text: string): LockInfo | undefined {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch {
        return undefined;
    }
    if (doc === null || typeof doc !== "object") return undefined;
    const d = doc as Record<string, unknown>;
    if (typeof d.pid !== "number" || !Number.isSafeInteger(d.pid) || d.pid <= 0) return undefined;
    // The host is shown in messages: one printable line, of a host name's length.
    if (typeof d.host !== "string" || !/^[^\u0000-\u001f\u007f-\u009f]{1,255}$/.test(d.host)) return undefined;
    if (typeof d.token !== "string" || d.token === "") return undefined;
    if (typeof d.createdAt !== "string" || Number.isNaN(Date.parse(d.createdAt))) return undefined;
    if (d.startTime !== undefined && (typeof d.startTime !== "string" || !/^\d+$/.test(d.startTime))) return undefined;
    if (d.bootId !== undefined && typeof d.bootId !== "string") return undefined;
    return {
        pid: d.pid, host: d.host, token: d.token, createdAt: d.createdAt,
        ...(d.startTime !== undefined ? { startTime: d.startTime as string } : {}),
        ...(d.bootId !== undefined ? { bootId: d.bootId as string } : {}),
    };
}

/** What is known of the process a lock names (see `judgeLock`). */
export interface HolderFacts {
    /** kill(pid, 0) found it. */
    runs: boolean;
    /** Its start time now; null: no such process; undefined: cannot tell (no /proc). */
    startTime: string | null | undefined;
}

export type LockVerdict = { stale: true; reason: string } | { stale: false; holder: string };

/** Whether a (parsed) lock is stale: by age, by boot, by its process. Pure. */
export function judgeLock(info: LockInfo, me: ProcessIdentity, facts: HolderFacts, ageMs: number, staleMs: number): LockVerdict {
    if (ageMs > staleMs) return { stale: true, reason: `it is ${Math.round(ageMs / 1000)} s old (the limit is ${Math.round(staleMs / 1000)} s)` };
    const holder = `process ${info.pid} on ${info.host}`;
    if (info.host !== me.host) return { stale: false, holder };
    if (info.bootId !== undefined && me.bootId !== undefined && info.bootId !== me.bootId) return { stale: true, reason: "it was taken before the last reboot" };
    if (!facts.runs || facts.startTime === null) return { stale: true, reason: `its process ${info.pid} no longer runs` };
    if (typeof facts.startTime === "string" && info.startTime !== facts.startTime) {
        return { stale: true, reason: `pid ${info.pid} is another process (${info.startTime === undefined ? "the lock records no start time" : "another start time"})` };
    }
    return { stale: false, holder };
}

/** The file a verdict is about, so that only that file is removed. */
interface FileId {
    dev: number;
    ino: number;
}

type Inspection = { kind: "gone" } | { kind: "live"; holder: string } | { kind: "stale"; reason: string; id?: FileId };

async function inspectLock(file: string, me: ProcessIdentity, staleMs: number): Promise<Inspection> {
    const read = await readSmallRegularFile(file, LOCK_MAX_BYTES);
    if (read.kind === "missing") return { kind: "gone" };
    if (read.kind === "bad") {
        const id = read.dev !== undefined && read.ino !== undefined ? { id: { dev: read.dev, ino: read.ino } } : {};
        return { kind: "stale", reason: `it is not a lock file (${read.reason})`, ...id };
    }
    const id = { dev: read.dev, ino: read.ino };
    const info = parseLockInfo(read.text);
    if (info === undefined) return { kind: "stale", reason: read.text.trim() === "" ? "it is empty" : "it is not a lock this program wrote", id };
    const ageMs = Date.now() - Math.min(Date.parse(info.createdAt), read.mtimeMs);
    const facts: HolderFacts = info.host === me.host ? { runs: pidRuns(info.pid), startTime: await processStartTime(info.pid) } : { runs: true, startTime: undefined };
    const verdict = judgeLock(info, me, facts, ageMs, staleMs);
    return verdict.stale ? { kind: "stale", reason: verdict.reason, id } : { kind: "live", holder: verdict.holder };
}

/** Removes `file` if it still is the file judged (by device and inode). */
async function removeIfSame(file: string, id: FileId | undefined): Promise<"removed" | "changed"> {
    const st = await lstatIfExists(file);
    if (st === undefined) return "changed";
    if (id !== undefined && (st.dev !== id.dev || st.ino !== id.ino)) return "changed";
    await fs.unlink(file);
    return "removed";
}

/** Creates the lock atomically with its content; "busy" when it exists. */
async function tryAcquire(file: string, info: LockInfo): Promise<FileId | "busy"> {
    const tmp = siblingName(file, "tmp");
    await writeExclusive(tmp, `${JSON.stringify(info)}\n`, 0o600, false);
    try {
        const st = await fs.lstat(tmp);
        await fs.link(tmp, file);
        return { dev: st.dev, ino: st.ino };
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return "busy";
        throw e;
    } finally {
        await fs.unlink(tmp).catch(() => undefined);
    }
}

async function release(file: string, id: FileId, token: string): Promise<void> {
    const read = await readSmallRegularFile(file, LOCK_MAX_BYTES);
    if (read.kind !== "ok" || read.dev !== id.dev || read.ino !== id.ino) return;
    if (parseLockInfo(read.text)?.token !== token) return;
    await fs.unlink(file).catch(() => undefined);
}

/** Stale locks taken over without waiting, per call: beyond it the wait bound applies. */
const MAX_IMMEDIATE_TAKEOVERS = 3;

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Runs `fn` while holding the lock file `file`; see the module comment for staleness and the wait bound. */
export async function withLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = DEFAULT_LOCK_OPTIONS): Promise<T> {
    const me = await currentProcess();
    const info: LockInfo = { ...me, token: randomBytes(16).toString("hex"), createdAt: new Date().toISOString() };
    const log = options.log ?? (() => undefined);
    const unlocked = (reason: string): Promise<T> => {
        log(`proceeding without the lock ${shownPath(file)}: ${reason}`);
        return fn();
    };
    const started = Date.now();
    let announced = false;
    let takeovers = 0;
    let held: FileId | undefined;
    while (held === undefined) {
        let got: FileId | "busy";
        try {
            got = await tryAcquire(file, info);
        } catch (e) {
            if (options.required) throw e;
            return unlocked(`cannot create it (${reasonOf(e)})`);
        }
        if (got !== "busy") {
            held = got;
            break;
        }
        const seen = await inspectLock(file, me, options.staleMs);
        if (seen.kind === "stale") {
            let removed: "removed" | "changed";
            try {
                removed = await removeIfSame(file, seen.id);
            } catch (e) {
                if (options.required) throw e;
                return unlocked(`${seen.reason} and it cannot be removed (${reasonOf(e)})`);
            }
            if (removed === "removed") {
                log(`taking over the lock ${shownPath(file)}: ${seen.reason}`);
                // Try again at once; a lock that keeps coming back stale falls under the wait bound.
                if (++takeovers <= MAX_IMMEDIATE_TAKEOVERS) continue;
            }
        }
        const waited = Date.now() - started;
        if (waited >= options.waitMs) {
            if (options.required) throw new LockTimeoutError(file, waited);
            return unlocked(`${seen.kind === "live" ? seen.holder : "another process"} still holds it after ${Math.round(waited / 1000)} s`);
        }
        if (seen.kind === "live" && !announced) {
            announced = true;
            options.onWait?.();
        }
        await sleep(Math.min(options.pollMs * (1 + Math.random() * 0.5), options.waitMs - waited));
    }
    try {
        return await fn();
    } finally {
        await release(file, held, info.token);
    }
}
