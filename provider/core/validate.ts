/**
 * Input validation for `check`: one failure per bad field, before any API call. Pure.
 */
import { ID, REGION } from "../huaweicloud/endpoints";
import { endpointProblem } from "../util/url";
import { describeValue, quote } from "../util/text";
import { CLUSTER_CERT_INPUTS, CREDENTIAL_INPUTS } from "./types";
import { MAX_AUTOPILOT_DURATION_DAYS, MAX_DURATION_DAYS, MAX_EXPIRY_AHEAD_MS, MAX_RENEW_BEFORE_DAYS, MAX_RETRIES_LIMIT, MAX_TIMEOUT_SECONDS, MIN_EXPIRY_AHEAD_MS } from "./defaults";

export interface CheckFailure {
    property: string;
    reason: string;
}

/** The value the engine sends for an input that is not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";


/** The arguments, and `__provider` (the serialized provider the engine passes along). */
const KNOWN_INPUTS = new Set<string>([...CLUSTER_CERT_INPUTS, "__provider"]);

function isUnknown(v: unknown): boolean {
    return v === UNKNOWN;
}

function checkId(field: string, v: unknown, required: boolean, out: CheckFailure[]): void {
    if (v === undefined || v === null) {
        if (required) out.push({ property: field, reason: `${field} is required (the CCE cluster's id, as shown in the console or by 'hcloud CCE ListClusters')` });
        return;
    }
    if (isUnknown(v)) return;
    if (typeof v !== "string") out.push({ property: field, reason: `${field} must be a string, got ${typeof v}` });
    else if (v === "") out.push({ property: field, reason: `${field} must not be empty` });
    else if (!ID.test(v)) out.push({ property: field, reason: `${field} ${quote(v, 80)} is not a valid id: use letters, digits, '-' and '_' only, at most 64 (it is placed in the request path)` });
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
    return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses an RFC 3339 date (`2027-01-31`, midnight UTC) or date-time with a zone; undefined for
 * anything else, including impossible dates and times (`2027-02-30`, `2027-04-31`, `T24:00:00`, a
 * leap second, an offset beyond 23:59), which `Date` would silently move to another day.
 */
export function parseRfc3339(v: string): Date | undefined {
    const m = DATE.exec(v) ?? DATE_TIME.exec(v);
    if (!m) return undefined;
    const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x))) as number[];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
    const offsetHours = m[9] === undefined ? 0 : Number(m[9]);
    const offsetMinutes = m[10] === undefined ? 0 : Number(m[10]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    const d = new Date(DATE.test(v) ? `${v}T00:00:00Z` : v.replace(" ", "T"));
    return Number.isNaN(d.getTime()) ? undefined : d;
}

function checkEndpoint(field: string, v: unknown, out: CheckFailure[]): void {
    if (v === undefined || v === null || isUnknown(v)) return;
    if (typeof v !== "string") {
        out.push({ property: field, reason: `${field} must be a URL string` });
        return;
    }
    const why = endpointProblem(v);
    if (why !== undefined) out.push({ property: field, reason: `${field} ${why}` });
}

function checkInteger(field: string, v: unknown, min: number, max: number, out: CheckFailure[]): void {
    if (v === undefined || v === null || isUnknown(v)) return;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
        out.push({ property: field, reason: `${field} must be an integer from ${min} to ${max}, got ${describeValue(v)}` });
    }
}

function checkBoolean(field: string, v: unknown, out: CheckFailure[]): void {
    if (v !== undefined && v !== null && !isUnknown(v) && typeof v !== "boolean") out.push({ property: field, reason: `${field} must be true or false` });
}

function checkString(field: string, v: unknown, out: CheckFailure[]): void {
    if (v !== undefined && v !== null && !isUnknown(v) && (typeof v !== "string" || v === "")) out.push({ property: field, reason: `${field} must be a non-empty string` });
}

/**
 * CCE Autopilot's clustercert (`CreateAutopilotKubernetesClusterCert`) takes `{"duration": N}` only:
 * N is -1 or 1..1825 (see `MAX_AUTOPILOT_DURATION_DAYS`); it has no `expire_at`, no deprecated GET
 * and no published clustercertrevoke.
 */
function checkAutopilot(news: Record<string, unknown>, out: CheckFailure[]): void {
    const duration = news.duration;
    if (typeof duration === "number" && Number.isInteger(duration) && duration > MAX_AUTOPILOT_DURATION_DAYS) {
        out.push({ property: "duration", reason: `CCE Autopilot accepts duration -1 (5 years) or 1 to ${MAX_AUTOPILOT_DURATION_DAYS} days, got ${duration}` });
    }
    if (news.expiresAt !== undefined && news.expiresAt !== null) {
        out.push({ property: "expiresAt", reason: 'CCE Autopilot\'s clustercert takes no expiry date: use duration (days) with clusterType "autopilot"' });
    }
    if (news.legacyApi === true) {
        out.push({ property: "legacyApi", reason: "CCE Autopilot has no deprecated GET (its clusters are v1.13 or later): remove legacyApi" });
    }
    if (news.revokeOnDelete === true) {
        out.push({ property: "revokeOnDelete", reason: "CCE Autopilot publishes no clustercertrevoke API: remove revokeOnDelete (revoke in the console if needed)" });
    }
}

/** Every failure in `news`; `now` bounds `expiresAt`. */
export function validateInputs(news: Record<string, unknown>, now: Date): CheckFailure[] {
    const out: CheckFailure[] = [];
    for (const key of Object.keys(news)) {
        if (!KNOWN_INPUTS.has(key)) out.push({ property: key, reason: `unknown argument ${describeValue(key)}` });
    }
    checkId("clusterId", news.clusterId, true, out);
    const clusterType = news.clusterType;
    if (clusterType !== undefined && clusterType !== null && !isUnknown(clusterType) && clusterType !== "standard" && clusterType !== "autopilot") {
        out.push({ property: "clusterType", reason: `clusterType must be "standard" or "autopilot", got ${describeValue(clusterType)}` });
    }
    if (clusterType === "autopilot") checkAutopilot(news, out);
    checkId("projectId", news.projectId, false, out);
    const region = news.region;
    if (region !== undefined && region !== null && !isUnknown(region) && (typeof region !== "string" || !REGION.test(region))) {
        out.push({ property: "region", reason: `region ${describeValue(region)} is not a region name like eu-west-0 or cn-north-4` });
    }
    const duration = news.duration;
    if (duration !== undefined && duration !== null && !isUnknown(duration)) {
        if (typeof duration !== "number" || !Number.isInteger(duration) || (duration !== -1 && (duration < 1 || duration > MAX_DURATION_DAYS))) {
            out.push({ property: "duration", reason: `duration must be -1 (the maximum, 5 years) or a whole number of days from 1 to ${MAX_DURATION_DAYS}, got ${describeValue(duration)}` });
        }
    }
    const expiresAt = news.expiresAt;
    if (expiresAt !== undefined && expiresAt !== null && !isUnknown(expiresAt)) {
        const at = typeof expiresAt === "string" ? parseRfc3339(expiresAt) : undefined;
        if (at === undefined) out.push({ property: "expiresAt", reason: `expiresAt must be an existing RFC 3339 date or time, e.g. 2027-01-31 or 2027-01-31T12:00:00Z, got ${describeValue(expiresAt)}` });
        else if (at.getTime() - now.getTime() < MIN_EXPIRY_AHEAD_MS || at.getTime() - now.getTime() > MAX_EXPIRY_AHEAD_MS) {
            out.push({ property: "expiresAt", reason: `expiresAt must be between 15 minutes and 5 years from now, got ${at.toISOString()}` });
        }
        if (duration !== undefined && duration !== null) out.push({ property: "expiresAt", reason: "give either duration or expiresAt, not both" });
    }
    checkEndpoint("endpoint", news.endpoint, out);
    checkEndpoint("iamEndpoint", news.iamEndpoint, out);
    const context = news.context;
    if (context !== undefined && context !== null && !isUnknown(context) && context !== "internal" && context !== "external") {
        out.push({ property: "context", reason: `context must be "internal" or "external", got ${describeValue(context)}` });
    }
    checkInteger("renewBeforeDays", news.renewBeforeDays, 0, MAX_RENEW_BEFORE_DAYS, out);
    checkInteger("maxRetries", news.maxRetries, 0, MAX_RETRIES_LIMIT, out);
    checkInteger("timeoutSeconds", news.timeoutSeconds, 1, MAX_TIMEOUT_SECONDS, out);
    checkBoolean("legacyApi", news.legacyApi, out);
    checkBoolean("revokeOnDelete", news.revokeOnDelete, out);
    if (news.legacyApi === true && expiresAt !== undefined && expiresAt !== null) {
        out.push({ property: "expiresAt", reason: "the deprecated GET used by legacyApi takes no expiry: remove expiresAt or legacyApi" });
    }
    const mode = news.mode;
    if (mode !== undefined && mode !== null && !isUnknown(mode) && mode !== "certificate" && mode !== "exec") {
        out.push({ property: "mode", reason: `mode must be "certificate" or "exec", got ${describeValue(mode)}` });
    }
    if (mode === "exec" && expiresAt !== undefined && expiresAt !== null) {
        out.push({ property: "expiresAt", reason: "exec mode obtains short-lived certificates on demand: use duration (days per certificate), not expiresAt" });
    }
    const cmd = news.execCommand;
    if (cmd !== undefined && cmd !== null && !isUnknown(cmd)) {
        if (!Array.isArray(cmd) || cmd.length === 0 || cmd.some((w) => typeof w !== "string" || w === "")) {
            out.push({ property: "execCommand", reason: 'execCommand must be a non-empty list of words, e.g. ["cce-clustercert"] or ["npx", "cce-clustercert"]' });
        } else if (mode !== "exec") out.push({ property: "execCommand", reason: 'execCommand is used only with mode: "exec"' });
    }
    for (const f of CREDENTIAL_INPUTS) checkString(f, news[f], out);
    const hasAk = news.accessKey !== undefined && news.accessKey !== null;
    const hasSk = news.secretKey !== undefined && news.secretKey !== null;
    if (hasAk !== hasSk) out.push({ property: hasAk ? "secretKey" : "accessKey", reason: "accessKey and secretKey must be given together" });
    if (news.securityToken !== undefined && news.securityToken !== null && !hasAk) out.push({ property: "securityToken", reason: "securityToken needs accessKey and secretKey (temporary AK/SK)" });
    return out;
}
