/**
 * Resolves what a command will call, before any call: the target (region, project, endpoints)
 * and the credentials, through flags then environment exactly as the provider resolves them, and
 * the `Environment` the provider's operations run in. Missing settings become usage errors,
 * missing credentials `CredentialsError` (exit code 3).
 */
import { EMPTY_CONFIG, resolveCredentials, resolveTarget, SettingsError, type Credentials, type Target } from "../settings";
import type { Environment } from "../operations";
import type { ClusterCertInputs } from "../types";
import { UsageError } from "./args";
import { identityOf } from "./cache-key";
import { note, type CliIo } from "./io";

/** No or incomplete credentials in the environment. Exit code 3. */
export class CredentialsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CredentialsError";
    }
}

export const CLI_CREDENTIAL_SOURCES = [
    "HW_ACCESS_KEY/HW_SECRET_KEY[/HW_SECURITY_TOKEN] or HW_AUTH_TOKEN",
    "HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK[/HUAWEICLOUD_SDK_SECURITY_TOKEN]",
    "CLOUD_SDK_AK/CLOUD_SDK_SK",
    "HW_USER_NAME/HW_USER_PASSWORD/HW_DOMAIN_NAME (IAM password)",
] as const;

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
        if (e instanceof SettingsError) {
            const message = /^no Huawei Cloud credentials/.test(e.message)
                ? `no Huawei Cloud credentials found: export one of, in order of precedence: ${CLI_CREDENTIAL_SOURCES.join("; ")}`
                : e.message;
            throw new CredentialsError(message);
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
