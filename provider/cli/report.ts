/**
 * The one-line error report on standard error, with every credential of the environment and any
 * PEM block removed whatever produced the message.
 */
import { redact } from "../redact";
import { escapeControls } from "../text";
import type { Env } from "../settings";

/** Environment variables whose values must never be printed. */
export const SECRET_ENV_NAMES = [
    "HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HW_AUTH_TOKEN", "HW_USER_PASSWORD", "OS_PASSWORD",
    "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "CLOUD_SDK_AK", "CLOUD_SDK_SK",
] as const;

export function secretsOf(env: Env): string[] {
    const out: string[] = [];
    for (const name of SECRET_ENV_NAMES) {
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
