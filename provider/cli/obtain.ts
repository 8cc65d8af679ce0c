/**
 * A certificate for the exec plugin: from the cache when usable and fresh, else one clustercert call
 * through the provider's `issueCertificate`, stored for the next invocation. The wait for another
 * invocation's lock is bounded (default 10 s, `CCE_CLUSTERCERT_LOCK_WAIT_SECONDS`), so kubectl never
 * hangs on the cache.
 */
import { EXEC_DURATION_DAYS } from "../core/defaults";
import { issueCertificate } from "../core/issue";
import { cacheDir, obtainCached, type CertCacheOptions, type Obtained } from "./cache";
import { keyPartsOf, lockWaitMs } from "./exec-request";
import { note, type CliIo } from "./io";
import { DEFAULT_LOCK_OPTIONS, type LockOptions } from "./lock";
import { cliEnvironment, type ResolvedRequest } from "./request";
import { type Env } from "../huaweicloud/credentials";

export { keyPartsOf, LOCK_WAIT_ENV } from "./exec-request";

/** The lock options for `env`: the defaults, with the wait bound of `CCE_CLUSTERCERT_LOCK_WAIT_SECONDS` if set. */
export function lockOptionsFor(env: Env): LockOptions {
    const waitMs = lockWaitMs(env);
    return waitMs === undefined ? DEFAULT_LOCK_OPTIONS : { ...DEFAULT_LOCK_OPTIONS, waitMs };
}

export function cacheOptionsFor(io: CliIo): CertCacheOptions {
    return { dir: cacheDir(io.env), now: io.now, log: (line) => note(io, line), lock: lockOptionsFor(io.env) };
}

export async function obtainForExec(req: ResolvedRequest, io: CliIo, refresh = false): Promise<Obtained> {
    const inputs = { ...req.inputs, duration: req.inputs.duration ?? EXEC_DURATION_DAYS };
    return obtainCached(keyPartsOf(req), () => issueCertificate(inputs, cliEnvironment(io)), { ...cacheOptionsFor(io), refresh });
}
