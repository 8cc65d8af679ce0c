/**
 * The secrets of one operation and what they must never reach: every credential in play (arguments,
 * resolved credentials, tokens obtained meanwhile) is removed, in every form, from any error that
 * leaves the operation and any line it logs.
 */
import { credentialValues, type Credentials } from "../huaweicloud/credentials";
import { Secrets } from "../util/redact";
import { escapeControls } from "../util/text";
import type { Environment } from "./environment";
import { CREDENTIAL_INPUTS, type ClusterCertInputs } from "./types";
import { resolveCredentials } from "./credential-sources";

/** What an operation runs with inside `redacting`. */
export interface SecretScope {
    /** The environment whose `log` redacts and escapes every line. */
    environment: Environment;
    /** The operation's secrets; add what is obtained on the way (an IAM token). */
    secrets: Secrets;
    /** Resolves the credentials and adds them to `secrets`. */
    creds: () => Credentials;
}

/** Sets an error's own property, also where the class only has a getter for it (a DOMException's message). */
function overwrite(e: Error, key: "message" | "stack", value: string): void {
    try {
        e[key] = value;
        if (e[key] === value) return;
    } catch {
        // A getter without a setter: define the value on the instance below.
    }
    try {
        Object.defineProperty(e, key, { value, writable: true, configurable: true, enumerable: false });
    } catch {
        // A frozen error keeps what it says; it came from outside this package.
    }
}

/** Edits an error in place (message, stack, causes) so that no form of any secret and no control character remains; keeps its class and fields. */
export function scrub(e: unknown, secrets: Secrets): unknown {
    if (!(e instanceof Error)) return new Error(escapeControls(secrets.redact(String(e))));
    let x: unknown = e;
    for (let depth = 0; x instanceof Error && depth < 5; depth++, x = x.cause) {
        overwrite(x, "message", escapeControls(secrets.redact(x.message)));
        if (typeof x.stack === "string") overwrite(x, "stack", secrets.redact(x.stack));
    }
    return e;
}

/**
 * Runs `fn` with the operation's secrets; errors leave scrubbed, keeping their class, `code`,
 * `status` and `requestId`.
 */
export async function redacting<T>(inputs: ClusterCertInputs, environment: Environment, fn: (scope: SecretScope) => Promise<T>): Promise<T> {
    const secrets = new Secrets(CREDENTIAL_INPUTS.map((k) => inputs[k]));
    const scope: SecretScope = {
        secrets,
        environment: { ...environment, log: (line) => environment.log(escapeControls(secrets.redact(line))) },
        creds: () => {
            const c = resolveCredentials(inputs, environment.config, environment.env);
            for (const v of credentialValues(c)) secrets.add(v);
            return c;
        },
    };
    try {
        return await fn(scope);
    } catch (e) {
        throw scrub(e, secrets);
    }
}
