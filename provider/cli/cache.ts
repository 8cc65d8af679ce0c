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
 * replaced by a new certificate. The read side (the directory check, the entry read) is
 * `cache-read.ts`, which the exec plugin's cache-hit path shares; this module adds the lock and the
 * writes.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { ClusterCertState } from "../core/types";
import { renderEntry } from "./cache-entry";
import { cacheKey, type CacheKeyParts } from "./cache-key";
import { entryFile, preparePrivateCacheDir, readFresh } from "./cache-read";
import { LocalFileError, lstatIfExists, reasonOf, UnsafeDirectoryError, writeFileAtomic } from "./files";
import { DEFAULT_LOCK_OPTIONS, withLock, type LockOptions } from "./lock";

export { CACHE_DIR_NAME, cacheDir, isFresh, preparePrivateCacheDir, RENEWAL_FRACTION, RENEWAL_MARGIN_MAX_MS, renewalMarginMs } from "./cache-read";

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
    const cached = opts.refresh ? undefined : readFresh(file, parts, opts.now(), opts.log);
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
            const again = opts.refresh ? undefined : readFresh(file, parts, opts.now());
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
