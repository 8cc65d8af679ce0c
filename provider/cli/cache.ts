/**
 * The certificate cache of `exec-credential` (and `kubeconfig --exec`): one JSON file per key
 * (see `cache-key.ts`) under `$XDG_CACHE_HOME/cce-clustercert` or `~/.cache/cce-clustercert`
 * (directory 0700, files 0600, written atomically). A cached certificate is used until it is within
 * the renewal margin of its expiry; a new one is minted under a lock file, so that concurrent
 * invocations mint once and the others read what it wrote.
 */
import { promises as fs } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import type { Env } from "../settings";
import type { ClusterCertState } from "../types";
import { CACHE_FORMAT, cacheKey, type CacheKeyParts } from "./cache-key";
import { ensureDir, LocalFileError, PRIVATE_DIR_MODE, writeFileAtomic } from "./files";
import { DEFAULT_LOCK_OPTIONS, withLock, type LockOptions } from "./lock";

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

interface CacheEntry {
    format: number;
    savedAt: string;
    state: ClusterCertState;
}

const REQUIRED_STRINGS = ["clusterId", "projectId", "endpoint", "kubeconfig", "clientCertificate", "clientKey", "server", "issuedAt", "expiresAt", "userId"] as const;

/** The state in a cache file's text if it is complete and belongs to `parts`; undefined otherwise. */
export function parseEntry(text: string, parts: Pick<CacheKeyParts, "clusterId" | "endpoint">): ClusterCertState | undefined {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch {
        return undefined;
    }
    if (doc === null || typeof doc !== "object") return undefined;
    const entry = doc as Partial<CacheEntry>;
    if (entry.format !== CACHE_FORMAT || entry.state === null || typeof entry.state !== "object") return undefined;
    const state = entry.state as unknown as Record<string, unknown>;
    for (const k of REQUIRED_STRINGS) if (typeof state[k] !== "string" || state[k] === "") return undefined;
    if (state.clusterId !== parts.clusterId || state.endpoint !== parts.endpoint) return undefined;
    return entry.state;
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

async function readFresh(file: string, parts: CacheKeyParts, opts: CertCacheOptions): Promise<ClusterCertState | undefined> {
    let text: string;
    try {
        text = await fs.readFile(file, "utf8");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new LocalFileError("read", file, e);
    }
    const state = parseEntry(text, parts);
    if (state === undefined) {
        opts.log?.(`ignoring the unreadable cache file ${file}; it will be replaced`);
        return undefined;
    }
    return isFresh(state, opts.now()) ? state : undefined;
}

async function prepareDir(dir: string): Promise<void> {
    await ensureDir(dir);
    // The directory is ours: keep it private even if something loosened it.
    await fs.chmod(dir, PRIVATE_DIR_MODE).catch(() => undefined);
}

/** Stores `state` under every key it can be looked up by. */
export async function storeCached(parts: CacheKeyParts, state: ClusterCertState, opts: CertCacheOptions): Promise<void> {
    await prepareDir(opts.dir);
    const entry: CacheEntry = { format: CACHE_FORMAT, savedAt: opts.now().toISOString(), state };
    const text = `${JSON.stringify(entry)}\n`;
    const keys = new Set([cacheKey(parts), cacheKey({ ...parts, projectId: state.projectId })]);
    for (const key of keys) await writeFileAtomic(entryFile(opts.dir, key), text);
}

/**
 * The cached certificate for `parts` if it is fresh; otherwise, under the key's lock, the one
 * another process stored meanwhile, or a new one from `mint` (then stored).
 */
export async function obtainCached(parts: CacheKeyParts, mint: () => Promise<ClusterCertState>, opts: CertCacheOptions): Promise<Obtained> {
    const key = cacheKey(parts);
    const file = entryFile(opts.dir, key);
    const cached = opts.refresh ? undefined : await readFresh(file, parts, opts);
    if (cached !== undefined) return { state: cached, fromCache: true };
    await prepareDir(opts.dir);
    const lockOptions: LockOptions = {
        ...(opts.lock ?? DEFAULT_LOCK_OPTIONS),
        onWait: () => opts.log?.("waiting for another cce-clustercert process to obtain the certificate"),
    };
    return withLock(
        path.join(opts.dir, `${key}.lock`),
        async () => {
            const again = opts.refresh ? undefined : await readFresh(file, parts, { ...opts, log: undefined });
            if (again !== undefined) return { state: again, fromCache: true };
            const state = await mint();
            await storeCached(parts, state, opts);
            return { state, fromCache: false };
        },
        lockOptions,
    );
}
