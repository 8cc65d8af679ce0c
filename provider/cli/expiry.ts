/**
 * `check`'s judgement, pure: the `--within` window, whether a certificate is valid beyond it,
 * expiring within it or expired, and the report (text or JSON). The clock is passed in.
 */
import { DEFAULT_CHECK_WITHIN_DAYS, MAX_CHECK_WITHIN_DAYS } from "../core/defaults";
import { safeText } from "../util/text";
import { UsageError } from "./args";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** A window before expiry: its length and how the user wrote it. */
export interface Window {
    ms: number;
    text: string;
}

export const DEFAULT_WINDOW: Window = { ms: DEFAULT_CHECK_WITHIN_DAYS * DAY_MS, text: `${DEFAULT_CHECK_WITHIN_DAYS}d` };

/** `7d`, `12h`, `30m`, or a whole number of days; 0 up to `MAX_CHECK_WITHIN_DAYS` days. */
export function parseWindow(value: string): Window {
    const m = /^(\d{1,7})([dhm]?)$/.exec(value.trim());
    const unit = m?.[2] === "h" ? HOUR_MS : m?.[2] === "m" ? MINUTE_MS : DAY_MS;
    const ms = m ? Number(m[1]) * unit : NaN;
    if (!(ms >= 0 && ms <= MAX_CHECK_WITHIN_DAYS * DAY_MS)) {
        throw new UsageError(
            `--within must be a duration like 7d, 12h or 30m (a plain number is days), from 0 to ${MAX_CHECK_WITHIN_DAYS} days, got ${JSON.stringify(value.slice(0, 40))}`,
        );
    }
    return { ms, text: m?.[2] ? value.trim() : `${m?.[1]}d` };
}

export type ExpiryStatus = "valid" | "expiring" | "expired";

/** The facts `check` reports about one certificate. */
export interface CertificateReport {
    /** Where it was read: the file, and the context and user of a kubeconfig. */
    source: { file: string; context?: string; user?: string };
    commonName: string;
    organizations: string[];
    serialNumber: string;
    fingerprint: string;
    notBefore: Date;
    notAfter: Date;
}

export interface Judgement {
    status: ExpiryStatus;
    /** Milliseconds until expiry (negative once expired). */
    leftMs: number;
}

/** Expired at or after `notAfter`; expiring when it ends within `window` of `now`; else valid. */
export function judge(notAfter: Date, window: Window, now: Date): Judgement {
    const leftMs = notAfter.getTime() - now.getTime();
    return { status: leftMs <= 0 ? "expired" : leftMs <= window.ms ? "expiring" : "valid", leftMs };
}

/** `364 days`, `5 hours`, `12 minutes`. */
export function inWords(ms: number): string {
    const abs = Math.abs(ms);
    if (abs >= 2 * DAY_MS) return `${Math.floor(abs / DAY_MS)} days`;
    if (abs >= 2 * HOUR_MS) return `${Math.floor(abs / HOUR_MS)} hours`;
    const minutes = Math.floor(abs / MINUTE_MS);
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

function sourceText(s: CertificateReport["source"]): string {
    return `${safeText(s.file, 200)}${s.context !== undefined ? ` (context ${safeText(s.context, 80)}, user ${safeText(s.user ?? "", 80)})` : ""}`;
}

/** The text report: who the certificate is for, when it expires, and the verdict. Every value is terminal-safe. */
export function renderText(r: CertificateReport, j: Judgement, window: Window): string {
    const groups = r.organizations.length > 0 ? r.organizations.map((o) => safeText(o, 80)).join(", ") : "(none)";
    const when =
        j.status === "expired" ? `expired:     ${r.notAfter.toISOString()} (${inWords(j.leftMs)} ago)` : `expires:     ${r.notAfter.toISOString()} (in ${inWords(j.leftMs)})`;
    const verdict =
        j.status === "expired" ? "EXPIRED" : j.status === "expiring" ? `EXPIRES WITHIN ${safeText(window.text, 20)}` : `valid beyond ${safeText(window.text, 20)}`;
    return [
        `certificate: ${sourceText(r.source)}`,
        `user (CN):   ${safeText(r.commonName, 200)}`,
        `groups (O):  ${groups}`,
        `valid from:  ${r.notBefore.toISOString()}`,
        when,
        `serial:      ${r.serialNumber}`,
        `status:      ${verdict}`,
        "",
    ].join("\n");
}

/** The JSON report (one object, dates as ISO 8601, the window in seconds). */
export function renderJson(r: CertificateReport, j: Judgement, window: Window): string {
    return `${JSON.stringify(
        {
            source: r.source,
            commonName: r.commonName,
            organizations: r.organizations,
            serialNumber: r.serialNumber,
            fingerprint: r.fingerprint,
            notBefore: r.notBefore.toISOString(),
            notAfter: r.notAfter.toISOString(),
            within: window.text,
            withinSeconds: window.ms / 1000,
            secondsLeft: Math.floor(j.leftMs / 1000),
            status: j.status,
        },
        null,
        2,
    )}\n`;
}
