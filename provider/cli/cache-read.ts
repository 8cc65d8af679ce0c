/**
 * The read side of the certificate cache (see `cache.ts`): where it is, the check that its directory
 * is private, and the one read that decides whether an entry is served. Both the full
 * `exec-credential` path and its cache-hit fast path (`exec-hit.ts`) read through here, so that a hit
 * passes exactly the same checks either way. Loads nothing but node built-ins and the entry check
 * (`cache-entry.ts`): no lock, no HTTP client, no YAML.
 */
import { homedir } from "node:os";
import * as path from "node:path";
import type { ClusterCertState } from "../core/types";
import { CACHE_ENTRY_MAX_BYTES, checkEntry } from "./cache-entry";
import type { CacheKeyParts } from "./cache-key";
import { createPrivateDirSync, modeString, readSmallRegularFileSync, shownPath, statIfExistsSync, UnsafeDirectoryError, writableByOthers } from "./files";
import type { Env } from "../huaweicloud/credentials";

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

/** The cache file of `key` in `dir`. */
export function entryFile(dir: string, key: string): string {
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
export function preparePrivateCacheDirSync(dir: string, uid = currentUid()): void {
    createPrivateDirSync(dir);
    const st = statIfExistsSync(dir);
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

/** `preparePrivateCacheDirSync` as a promise. */
export async function preparePrivateCacheDir(dir: string, uid = currentUid()): Promise<void> {
    preparePrivateCacheDirSync(dir, uid);
}

/**
 * The cached state at `file` if it is a regular file of at most 64 KiB (read without following
 * links or blocking), passes `checkEntry` and is fresh at `now`; a bad entry is logged when `log`
 * is given. The caller has checked the directory with `preparePrivateCacheDir`. Synchronous, like
 * the checks of the directory (see `files.ts`).
 */
export function readFresh(file: string, parts: CacheKeyParts, now: Date, log?: (line: string) => void): ClusterCertState | undefined {
    const read = readSmallRegularFileSync(file, CACHE_ENTRY_MAX_BYTES);
    if (read.kind === "missing") return undefined;
    const checked = read.kind === "ok" ? checkEntry(read.text, parts) : { ok: false as const, reason: read.reason };
    if (!checked.ok) {
        log?.(`ignoring the cache file ${shownPath(file)} (${checked.reason}); it will be replaced`);
        return undefined;
    }
    return isFresh(checked.state, now) ? checked.state : undefined;
}
