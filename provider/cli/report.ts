/**
 * The one-line error report on standard error, with every credential of the environment and any
 * PEM block removed whatever produced the message.
 */
import { redact } from "../util/redact";
import { escapeControls } from "../util/text";
import { secretEnvNames } from "../core/credential-sources";
import type { Env } from "../huaweicloud/credentials";

/** The values of the environment variables that hold secrets (`core/credential-sources.ts` names them). */
export function secretsOf(env: Env): string[] {
    const out: string[] = [];
    for (const name of secretEnvNames()) {
        const v = env[name]?.trim();
        if (v) out.push(v);
    }
    return out;
}

/** `error: <message>` with secrets and PEM blocks removed. */
export function describeError(e: unknown, env: Env): string {
    const message = e instanceof Error ? e.message : String(e);
    return `error: ${escapeControls(redact(message, secretsOf(env)))}`;
}
