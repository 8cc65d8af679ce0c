/**
 * A certificate for the exec plugin: from the cache when fresh, else one clustercert call through
 * the provider's `issueCertificate`, stored for the next invocation.
 */
import { issueCertificate } from "../operations";
import { cacheDir, obtainCached, type CertCacheOptions, type Obtained } from "./cache";
import type { CacheKeyParts } from "./cache-key";
import { note, type CliIo } from "./io";
import { cliEnvironment, type ResolvedRequest } from "./request";

/** Default validity of certificates obtained for the exec plugin, days. */
export const EXEC_DEFAULT_DURATION_DAYS = 1;

export function cacheOptionsFor(io: CliIo): CertCacheOptions {
    return { dir: cacheDir(io.env), now: io.now, log: (line) => note(io, line) };
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
    const inputs = { ...req.inputs, duration: req.inputs.duration ?? EXEC_DEFAULT_DURATION_DAYS };
    return obtainCached(keyPartsOf(req), () => issueCertificate(inputs, cliEnvironment(io)), { ...cacheOptionsFor(io), refresh });
}
