/**
 * What one `exec-credential` invocation asks for, read from its arguments and environment the same
 * way by the full command (`commands/exec-credential.ts`) and by its cache-hit fast path
 * (`exec-hit.ts`): the flags, the ExecCredential version to answer with, the target and credentials,
 * the cache key, the lock wait; and the one rendering of the answer, so that both paths print the
 * same bytes. Loads no HTTP client, no YAML and no lock code.
 */
import { booleanFlag, choiceFlag, HELP_FLAG, inputsFromFlags, parseFlags, TARGET_FLAGS, UsageError, type FlagSpecs } from "./args";
import { answerApiVersion, buildExecCredential, EXEC_API_CHOICES, type ExecApiVersion } from "../kube/exec-credential";
import type { ClusterCertState } from "../core/types";
import type { CacheKeyParts } from "./cache-key";
import type { CliIo } from "./io";
import { resolveRequest, type ResolvedRequest } from "./request";
import type { Env } from "../huaweicloud/credentials";

const { "expires-at": _expiresAt, context: _context, ...EXEC_TARGET_FLAGS } = TARGET_FLAGS;

/** The flags of `exec-credential`: the target flags without `--expires-at` and `--context`, plus its own. */
export const EXEC_CREDENTIAL_FLAGS: FlagSpecs = {
    ...EXEC_TARGET_FLAGS,
    ...HELP_FLAG,
    "api-version": { type: "string" },
    refresh: { type: "boolean" },
};

/** Rejects flags that make no sense for a certificate that renews itself, with a useful message. */
export function rejectFixedExpiry(argv: readonly string[]): void {
    if (argv.some((a) => a === "--expires-at" || a.startsWith("--expires-at="))) {
        throw new UsageError("--expires-at cannot be used with exec credentials, which are renewed automatically: use --duration");
    }
}

/** An `exec-credential` invocation: `--help`, or the certificate it asks for and how to answer. */
export type ExecRequest =
    | { help: true }
    | {
          help: false;
          /** The ExecCredential version kubectl expects. */
          apiVersion: ExecApiVersion;
          request: ResolvedRequest;
          /** `--refresh`: ignore the cached certificate. */
          refresh: boolean;
      };

/**
 * Reads an `exec-credential` command line (after the command name) and the environment, in the
 * order the command always has: fixed-expiry flags, the flags, `--help`, the answer's version, the
 * inputs (validated like the resource's), target and credentials. Throws UsageError or the
 * credentials' SettingsError.
 */
export function parseExecRequest(argv: readonly string[], io: CliIo): ExecRequest {
    rejectFixedExpiry(argv);
    const flags = parseFlags(argv, EXEC_CREDENTIAL_FLAGS);
    if (booleanFlag(flags, "help")) return { help: true };
    const apiVersion = answerApiVersion(io.env.KUBERNETES_EXEC_INFO, choiceFlag(flags, "api-version", EXEC_API_CHOICES));
    const inputs = inputsFromFlags(flags, io.now());
    return { help: false, apiVersion, request: resolveRequest(inputs, io), refresh: booleanFlag(flags, "refresh") };
}

/** What a request's certificate is cached under (see `cache-key.ts`). */
export function keyPartsOf(req: ResolvedRequest): CacheKeyParts {
    return {
        endpoint: req.target.endpoint,
        ...(req.target.projectId !== undefined ? { projectId: req.target.projectId } : {}),
        ...(req.target.region !== undefined ? { region: req.target.region } : {}),
        clusterId: req.inputs.clusterId,
        identity: req.identity,
    };
}

/** Environment variable: how long to wait for another invocation's lock, seconds (0..600, decimals allowed). */
export const LOCK_WAIT_ENV = "CCE_CLUSTERCERT_LOCK_WAIT_SECONDS";
const MAX_LOCK_WAIT_SECONDS = 600;

/** The lock wait of `CCE_CLUSTERCERT_LOCK_WAIT_SECONDS` in ms, undefined when unset; UsageError when malformed. */
export function lockWaitMs(env: Env): number | undefined {
    const raw = env[LOCK_WAIT_ENV];
    if (raw === undefined || raw.trim() === "") return undefined;
    const seconds = /^\d{1,4}(\.\d{1,3})?$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!(seconds >= 0 && seconds <= MAX_LOCK_WAIT_SECONDS)) {
        throw new UsageError(`${LOCK_WAIT_ENV} must be a number of seconds from 0 to ${MAX_LOCK_WAIT_SECONDS}, got ${JSON.stringify(raw.slice(0, 40))}`);
    }
    return Math.round(seconds * 1000);
}

/** The ExecCredential for `state` as printed on stdout: one line of JSON. */
export function renderExecCredential(state: Pick<ClusterCertState, "clientCertificate" | "clientKey" | "expiresAt">, apiVersion: ExecApiVersion): string {
    return `${JSON.stringify(buildExecCredential(state, apiVersion))}\n`;
}
