/**
 * The cache-hit fast path of `exec-credential`, which kubectl runs before every command: when the
 * cache holds a usable, fresh certificate for the request, its ExecCredential; otherwise undefined,
 * and the full command (`commands/exec-credential.ts`) runs as if this had not been tried.
 *
 * It makes every check the full path makes, through the same functions: the arguments and
 * environment (`exec-request.ts`: flags, inputs validated like the resource's, target, credentials,
 * the lock wait setting), the private cache directory, the bounded non-blocking read of a regular
 * file, the entry check (certificate parses, key matches, cluster, endpoint, project and identity)
 * and the renewal margin (`cache-read.ts`). What it leaves out is only what a hit does not need: the
 * HTTP client (undici), YAML, the provider's operations, the lock and the dispatcher with the other
 * commands. It writes nothing and never reports: whatever it does not serve — a miss, a bad entry,
 * `--help`, `--refresh`, any error — the full path handles, logs and reports exactly as before.
 */
import { cacheKey } from "./cache-key";
import { cacheDir, entryFile, preparePrivateCacheDirSync, readFresh } from "./cache-read";
import { keyPartsOf, lockWaitMs, parseExecRequest, renderExecCredential } from "./exec-request";
import type { CliIo } from "./io";

/** The text to print for `exec-credential <argv>` when its certificate is cached and fresh, else undefined. */
export function cachedExecCredential(argv: readonly string[], io: CliIo): string | undefined {
    try {
        const ask = parseExecRequest(argv, io);
        if (ask.help || ask.refresh) return undefined;
        lockWaitMs(io.env); // the full path refuses a malformed setting even on a hit
        const dir = cacheDir(io.env);
        preparePrivateCacheDirSync(dir);
        const parts = keyPartsOf(ask.request);
        const state = readFresh(entryFile(dir, cacheKey(parts)), parts, io.now());
        return state === undefined ? undefined : renderExecCredential(state, ask.apiVersion);
    } catch {
        return undefined;
    }
}
