/**
 * A certificate for the exec plugin: from the cache when usable and fresh, else one clustercert call
 * through the provider's `issueCertificate`, stored for the next invocation. The wait for another
 * invocation's lock is bounded (default 10 s, `CCE_CLUSTERCERT_LOCK_WAIT_SECONDS`), so kubectl never
 * hangs on the cache.
 */
import { EXEC_DURATION_DAYS } from "../core/defaults";
import { issueCertificate } from "../core/issue";
import { UsageError } from "./args";
import { cacheDir, obtainCached, type CertCacheOptions, type Obtained } from "./cache";
import type { CacheKeyParts } from "./cache-key";
import { note, type CliIo } from "./io";
import { DEFAULT_LOCK_OPTIONS, type LockOptions } from "./lock";
import { cliEnvironment, type ResolvedRequest } from "./request";
import { type Env } from "../huaweicloud/credentials";


/** Environment variable: how long to wait for another invocation's lock, seconds (0..600, decimals allowed). */
export const LOCK_WAIT_ENV = "CCE_CLUSTERCERT_LOCK_WAIT_SECONDS";
const MAX_LOCK_WAIT_SECONDS = 600;

/** The lock options for `env`: the defaults, with the wait bound of `CCE_CLUSTERCERT_LOCK_WAIT_SECONDS` if set. */
export function lockOptionsFor(env: Env): LockOptions {
    const raw = env[LOCK_WAIT_ENV];
    if (raw === undefined || raw.trim() === "") return DEFAULT_LOCK_OPTIONS;
    const seconds = /^\d{1,4}(\.\d{1,3})?$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!(seconds >= 0 && seconds <= MAX_LOCK_WAIT_SECONDS)) {
        throw new UsageError(`${LOCK_WAIT_ENV} must be a number of seconds from 0 to ${MAX_LOCK_WAIT_SECONDS}, got ${JSON.stringify(raw.slice(0, 40))}`);
    }
    return { ...DEFAULT_LOCK_OPTIONS, waitMs: Math.round(seconds * 1000) };
}

export function cacheOptionsFor(io: CliIo): CertCacheOptions {
    return { dir: cacheDir(io.env), now: io.now, log: (line) => note(io, line), lock: lockOptionsFor(io.env) };
}

export function keyPartsOf(req: ResolvedRequest): CacheKeyParts {
    return {
        endpoint: req.target.endpoint,
        ...(req.target.projectId !== undefined ? { projectId: req.target.projectId } : {}),
        ...(req.target.region !== undefined ? { region: req.target.region } : {}),
        clusterId: req.inputs.clusterId,
        identity: req.identity,
    };
}

export async function obtainForExec(req: ResolvedRequest, io: CliIo, refresh = false): Promise<Obtained> {
    const inputs = { ...req.inputs, duration: req.inputs.duration ?? EXEC_DURATION_DAYS };
    return obtainCached(keyPartsOf(req), () => issueCertificate(inputs, cliEnvironment(io)), { ...cacheOptionsFor(io), refresh });
}
