/**
 * What an operation reads from outside its arguments — stack config, the environment, the clock, a
 * log line for the user — and the options of each API call derived from it.
 */
import type { CallOptions } from "../huaweicloud/call";
import type { Env } from "../huaweicloud/credentials";
import { defaultPolicy } from "../huaweicloud/retry";
import type { Secrets } from "../util/redact";
import { DEFAULT_TIMEOUT_SECONDS } from "./defaults";
import { resolveMaxRetries, type ConfigSource } from "./settings";
import type { ClusterCertInputs } from "./types";

/** Everything an operation reads from outside its arguments. */
export interface Environment {
    config: ConfigSource;
    env: Env;
    now: () => Date;
    /** One line for the user; never given secrets. */
    log: (line: string) => void;
}

/** The options of every API call of an operation: time limit, retries, log, clock, its secrets. */
export function callOptions(inputs: Pick<ClusterCertInputs, "maxRetries" | "timeoutSeconds">, environment: Environment, secrets: Secrets): CallOptions {
    return {
        env: environment.env,
        timeoutMs: (inputs.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
        policy: defaultPolicy(resolveMaxRetries(inputs, environment.config, environment.env)),
        log: environment.log,
        now: environment.now,
        secrets,
    };
}
