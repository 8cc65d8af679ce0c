/**
 * Resolves what a command will call, before any call: the target (region, project, endpoints)
 * and the credentials, through flags then environment exactly as the provider resolves them, and
 * the `Environment` the provider's operations run in. Missing or invalid settings become usage
 * errors (exit code 2), missing credentials keep their code "credentials" (exit code 3).
 */
import type { Environment } from "../core/environment";
import { EMPTY_CONFIG, resolveTarget, type Target } from "../core/settings";
import type { ClusterCertInputs } from "../core/types";
import { UsageError } from "./args";
import { identityOf } from "./cache-key";
import { note, type CliIo } from "./io";
import { SettingsError } from "../util/errors";
import type { Credentials } from "../huaweicloud/credentials";
import { credentialSourceList, resolveCredentials } from "../core/credential-sources";



/** Region, project and endpoints from the flags, then the environment. */
export function resolveCliTarget(inputs: ClusterCertInputs, io: CliIo): Target {
    try {
        return resolveTarget(inputs, EMPTY_CONFIG, io.env);
    } catch (e) {
        if (e instanceof SettingsError) {
            if (!e.message.startsWith("region is not set")) throw new UsageError(e.message);
            throw new UsageError(
                "the region is not set: pass --region (e.g. eu-west-0) or export HW_REGION_NAME " +
                    "(with both --endpoint and --project-id no region is needed)",
            );
        }
        throw e;
    }
}

/** Credentials from the environment (the CLI takes no secrets as flags: they would show in `ps`). */
export function resolveCliCredentials(inputs: ClusterCertInputs, io: CliIo): Credentials {
    try {
        return resolveCredentials(inputs, EMPTY_CONFIG, io.env);
    } catch (e) {
        if (e instanceof SettingsError && e.message.startsWith("no Huawei Cloud credentials")) {
            // The CLI reads no stack config and takes no credential flags: name only what it reads.
            throw new SettingsError(`no Huawei Cloud credentials found: export one of, in order of precedence: ${credentialSourceList(true).join("; ")}`, "credentials");
        }
        throw e;
    }
}

export interface ResolvedRequest {
    inputs: ClusterCertInputs;
    target: Target;
    credentials: Credentials;
    /** The caller's identity without secrets, for the cache key. */
    identity: string;
}

export function resolveRequest(inputs: ClusterCertInputs, io: CliIo): ResolvedRequest {
    const target = resolveCliTarget(inputs, io);
    const credentials = resolveCliCredentials(inputs, io);
    return { inputs, target, credentials, identity: identityOf(credentials) };
}

/** The environment for `issueCertificate`: no stack config, the process environment, notes on stderr. */
export function cliEnvironment(io: CliIo): Environment {
    return { config: EMPTY_CONFIG, env: io.env, now: io.now, log: (line) => note(io, line) };
}
