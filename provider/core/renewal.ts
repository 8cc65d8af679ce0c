/**
 * When a stored certificate is due for renewal, and the one line that says so. Pure: the clock is
 * passed in. Used by `diff` (which replaces a due certificate) and `read` (which only warns).
 */
import type { ClusterCertState } from "./types";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The window before expiry in which a certificate is renewed: `renewBeforeDays`, never more than a third of its lifetime. */
export function renewalWindowMs(state: Pick<ClusterCertState, "issuedAt" | "expiresAt">, renewBeforeDays: number): number {
    const lifetime = Date.parse(state.expiresAt) - Date.parse(state.issuedAt);
    return Math.min(renewBeforeDays * DAY_MS, lifetime / 3);
}

export interface RenewalStatus {
    /** Expired, or within the renewal window. */
    due: boolean;
    expired: boolean;
    /** e.g. `expires at 2027-01-31T00:00:00.000Z (in 12 days), within its renewal window (renewBeforeDays 30)`. */
    description: string;
}

function inWords(ms: number): string {
    const days = Math.floor(Math.abs(ms) / DAY_MS);
    return days >= 1 ? `${days} day${days === 1 ? "" : "s"}` : `${Math.max(1, Math.round(Math.abs(ms) / 3_600_000))} hour(s)`;
}

/** Whether the stored certificate is due at `now` under `renewBeforeDays`; undefined when its dates are unreadable. */
export function renewalStatus(state: Pick<ClusterCertState, "issuedAt" | "expiresAt">, renewBeforeDays: number, now: Date): RenewalStatus | undefined {
    const expiresAt = Date.parse(state.expiresAt);
    if (Number.isNaN(expiresAt) || Number.isNaN(Date.parse(state.issuedAt))) return undefined;
    const left = expiresAt - now.getTime();
    const window = renewalWindowMs(state, renewBeforeDays);
    const expired = left <= 0;
    const when = expired ? `expired at ${state.expiresAt} (${inWords(left)} ago)` : `expires at ${state.expiresAt} (in ${inWords(left)})`;
    // The window is at most a third of the lifetime: say so when that, not renewBeforeDays, decides.
    const capped = window < renewBeforeDays * DAY_MS ? `, at most a third of its lifetime: ${inWords(window)}` : "";
    return { due: left <= window, expired, description: `${when}, ${left <= window ? "within" : "before"} its renewal window (renewBeforeDays ${renewBeforeDays}${capped})` };
}
