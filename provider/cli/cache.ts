/**
 * The certificate cache of `exec-credential` (and `kubeconfig --exec`): one JSON file per key
 * (see `cache-key.ts`) under `$XDG_CACHE_HOME/cce-clustercert` or `~/.cache/cce-clustercert`
 * (directory 0700, files 0600, written atomically). A cached certificate is used until it is within
 * the renewal margin of its expiry; a new one is minted under a lock file, so that concurrent
 * invocations mint once and the others read what it wrote.
 *
 * Nothing in the cache is trusted that someone else could have put there: the directory must be
 * owned by the current user and not writable by group or others (else the command stops; it is
 * created 0700 when missing, never chmod-ed); an entry is read only if it is a regular file of at
 * most 64 KiB (opened without following links and without blocking, so a FIFO cannot hang kubectl),
 * and served only if it passes `checkEntry` (`cache-entry.ts`). A bad entry is logged once and
 * replaced by a new certificate.
 */
import { promises as fs } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import type { ClusterCertState } from "../core/types";
import { CACHE_ENTRY_MAX_BYTES, checkEntry, renderEntry } from "./cache-entry";
import { cacheKey, type CacheKeyParts } from "./cache-key";
import { createPrivateDir, LocalFileError, lstatIfExists, modeString, readSmallRegularFile, reasonOf, shownPath, statIfExists, UnsafeDirectoryError, writableByOthers, writeFileAtomic } from "./files";
import { DEFAULT_LOCK_OPTIONS, withLock, type LockOptions } from "./lock";
import { type Env } from "../huaweicloud/credentials";

/** Renew at most this long before expiry… */
export const RENEWAL_MARGIN_MAX_MS = 10 * 60 * 1000;
/** …and at most this fraction of the certificate's lifetime before it. */
export const RENEWAL_FRACTION = 0.2;

export const CACHE_DIR_NAME = "cce-clustercert";

/** `$XDG_CACHE_HOME/cce-clustercert` (when absolute, as the XDG spec requires), else `~/.cache/cce-clustercert`. */
export function cacheDir(env: Env): string {
    const xdg = env.XDG_CACHE_HOME;
    if (xdg !== undefined && path.isAbsolute(xdg)) return path.join(xdg, CACHE_DIR_NAME);
    const home = env.HOME !== undefined && env.HOME !== "" ? env.HOME : homedir();
    return path.join(home, ".cache", CACHE_DIR_NAME);
}

/** How long before expiry a certificate issued at `issuedAt` is renewed. */
export function renewalMarginMs(issuedAt: Date, expiresAt: Date): number {
    const lifetime = Math.max(0, expiresAt.getTime() - issuedAt.getTime());
    return Math.min(RENEWAL_MARGIN_MAX_MS, lifetime * RENEWAL_FRACTION);
}

/** Whether the certificate can still be handed out at `now`. */
export function isFresh(state: Pick<ClusterCertState, "issuedAt" | "expiresAt">, now: Date): boolean {
    const issued = new Date(state.issuedAt);
    const expires = new Date(state.expiresAt);
    if (Number.isNaN(issued.getTime()) || Number.isNaN(expires.getTime())) return false;
    return expires.getTime() - now.getTime() > renewalMarginMs(issued, expires);
}

export interface CertCacheOptions {
    dir: string;
    now: () => Date;
    lock?: LockOptions;
    /** Ignore the cached certificate (e.g. after it was revoked) and mint a new one. */
    refresh?: boolean;
    /** Warnings (an unreadable cache file, waiting for another process). */
    log?: (line: string) => void;
}

export interface Obtained {
    state: ClusterCertState;
    fromCache: boolean;
}

function entryFile(dir: string, key: string): string {
    return path.join(dir, `${key}.json`);
}

/** The user's uid, or undefined where there are none (Windows). */
function currentUid(): number | undefined {
    return typeof process.getuid === "function" ? process.getuid() : undefined;
}

/**
 * Creates the cache directory (0700) when missing; refuses one that is not a directory, belongs to
 * another user, or that group or others can write to (UnsafeDirectoryError, exit code 1).
 */
export async function preparePrivateCacheDir(dir: string, uid = currentUid()): Promise<void> {
    await createPrivateDir(dir);
    const st = await statIfExists(dir);
    const elsewhere = "or set XDG_CACHE_HOME to a private directory of yours";
    const shown = shownPath(dir);
    if (st === undefined || !st.isDirectory()) throw new UnsafeDirectoryError(`the cache directory ${shown} is not a directory: remove it ${elsewhere}`);
    if (uid !== undefined && st.uid !== uid) {
        throw new UnsafeDirectoryError(`the cache directory ${shown} belongs to uid ${st.uid}, not to you (uid ${uid}): remove it (as its owner) ${elsewhere}`);
    }
    if (writableByOthers(st.mode)) {
        throw new UnsafeDirectoryError(`the cache directory ${shown} has mode ${modeString(st.mode)}, writable by group or others: run chmod 700 ${shown} ${elsewhere}`);
    }
}

/** The cached state at `file` if it passes `checkEntry` and is fresh at `now`; bad entries are logged (when `log` is given). */
async function readFresh(file: string, parts: CacheKeyParts, now: Date, log?: (line: string) => void): Promise<ClusterCertState | undefined> {
    const read = await readSmallRegularFile(file, CACHE_ENTRY_MAX_BYTES);
    if (read.kind === "missing") return undefined;
    const checked = read.kind === "ok" ? checkEntry(read.text, parts) : { ok: false as const, reason: read.reason };
    if (!checked.ok) {
        log?.(`ignoring the cache file ${shownPath(file)} (${checked.reason}); it will be replaced`);
        return undefined;
    }
    return isFresh(checked.state, now) ? checked.state : undefined;
}

/** Stores `state` under every key it can be looked up by (replacing whatever is there, an empty directory included). */
export async function storeCached(parts: CacheKeyParts, state: ClusterCertState, opts: CertCacheOptions): Promise<void> {
    await preparePrivateCacheDir(opts.dir);
    const text = renderEntry(state, parts.identity, opts.now());
    const keys = new Set([cacheKey(parts), cacheKey({ ...parts, projectId: state.projectId })]);
    for (const key of keys) {
        const file = entryFile(opts.dir, key);
        if ((await lstatIfExists(file))?.isDirectory()) await fs.rmdir(file).catch(() => undefined);
        await writeFileAtomic(file, text);
    }
}

/**
 * The cached certificate for `parts` if it is usable and fresh; otherwise, under the key's lock, the
 * one another process stored meanwhile, or a new one from `mint` (then stored; a failure to store is
 * logged and the new certificate still returned).
 */
export async function obtainCached(parts: CacheKeyParts, mint: () => Promise<ClusterCertState>, opts: CertCacheOptions): Promise<Obtained> {
    await preparePrivateCacheDir(opts.dir);
    const key = cacheKey(parts);
    const file = entryFile(opts.dir, key);
    const cached = opts.refresh ? undefined : await readFresh(file, parts, opts.now(), opts.log);
    if (cached !== undefined) return { state: cached, fromCache: true };
    const lockOptions: LockOptions = {
        ...(opts.lock ?? DEFAULT_LOCK_OPTIONS),
        onWait: () => opts.log?.("waiting for another cce-clustercert process to obtain the certificate"),
        ...(opts.log !== undefined ? { log: opts.log } : {}),
    };
    return withLock(
        path.join(opts.dir, `${key}.lock`),
        async () => {
            // Read again (another process may have stored one meanwhile); a bad entry was logged above.
            const again = opts.refresh ? undefined : await readFresh(file, parts, opts.now());
            if (again !== undefined) return { state: again, fromCache: true };
            const state = await mint();
            try {
                await storeCached(parts, state, opts);
            } catch (e) {
                const reason = e instanceof LocalFileError || e instanceof UnsafeDirectoryError ? e.message : reasonOf(e);
                opts.log?.(`the new certificate is not cached: ${reason}`);
            }
            return { state, fromCache: false };
        },
        lockOptions,
    );
}
