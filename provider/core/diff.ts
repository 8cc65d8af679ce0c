/**
 * The diff of a `ClusterCert`: what the new inputs change in the stored state, and whether that
 * needs a new certificate (replace) or only new outputs (update, no API call). Pure: the resolved
 * target and the clock are passed in.
 */
import { DEFAULT_CLUSTER_TYPE, DEFAULT_DURATION_DAYS, DEFAULT_RENEW_BEFORE_DAYS, EXEC_DURATION_DAYS } from "./defaults";
import { defaultContext } from "./state";
import { renewalStatus } from "./renewal";
import type { Target } from "./settings";
import { credentialsChanged, type StoredCredentials } from "./stored-credentials";
import { isExecState, type ClusterCertInputs, type ContextName, type StoredState } from "./types";

export interface DiffOutcome {
    changes: boolean;
    replaces: string[];
    deleteBeforeReplace: boolean;
    /** Lines for the user (renewal). */
    notes: string[];
}

/** The context a stored state describes (states written before `context` was always stored: its current context). */
export function storedContext(s: StoredState): ContextName {
    return s.context ?? (s.currentContext === "external" ? "external" : "internal");
}

/**
 * Compares `news` with the stored outputs `olds`. `target` is `news` resolved through config and
 * environment, or undefined when it cannot be (then it proves no change; create/update report it).
 */
export function diffState(id: string, olds: StoredState & StoredCredentials, news: ClusterCertInputs, target: Target | undefined, now: Date): DiffOutcome {
    const replaces: string[] = [];
    const notes: string[] = [];
    if (news.clusterId !== olds.clusterId) replaces.push("clusterId");
    if ((news.clusterType ?? DEFAULT_CLUSTER_TYPE) !== (olds.clusterType ?? DEFAULT_CLUSTER_TYPE)) replaces.push("clusterType");
    if (target) {
        if (target.projectId !== undefined && target.projectId !== olds.projectId) replaces.push("projectId");
        if (target.region !== olds.region && (target.region !== undefined || news.region !== undefined)) replaces.push("region");
        if (target.endpoint !== olds.endpoint) replaces.push("endpoint");
    }
    if ((news.expiresAt !== undefined || olds.requestedExpiresAt !== undefined) && news.expiresAt !== olds.requestedExpiresAt) replaces.push("expiresAt");
    const exec = isExecState(olds);
    const defaultDuration = exec ? EXEC_DURATION_DAYS : DEFAULT_DURATION_DAYS;
    if (news.expiresAt === undefined && (news.duration ?? defaultDuration) !== (olds.duration ?? defaultDuration)) replaces.push("duration");
    if ((news.mode ?? "certificate") !== (olds.mode ?? "certificate")) replaces.push("mode");
    const contextChanged = (news.context ?? defaultContext(olds)) !== storedContext(olds);
    if (exec) {
        // The exec kubeconfig holds one server and the command: a new one is rendered from a fresh answer.
        if (contextChanged) replaces.push("context");
        if (JSON.stringify(news.execCommand) !== JSON.stringify(olds.execCommand)) replaces.push("execCommand");
    }
    const renewBeforeDays = news.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS;
    const renewal = exec ? undefined : renewalStatus(olds, renewBeforeDays, now);
    if (renewal?.due) {
        if (news.expiresAt !== undefined) {
            // A new certificate would end on the same fixed date: renewing gains nothing.
            notes.push(`warning: ${id}: the client certificate ${renewal.description}, but expiresAt fixes its end: set a later expiresAt to renew it`);
        } else {
            replaces.push("expiresAt");
            notes.push(`${id}: the client certificate ${renewal.description}: it will be replaced by a new one`);
        }
    }
    let changed = contextChanged || credentialsChanged(olds, news);
    for (const [k, dflt] of [["renewBeforeDays", DEFAULT_RENEW_BEFORE_DAYS], ["legacyApi", false], ["revokeOnDelete", false]] as const) {
        if ((news[k] ?? dflt) !== (olds[k] ?? dflt)) changed = true;
    }
    const unique = [...new Set(replaces)];
    // Revocation revokes every certificate of the user on the cluster, the replacement's too: so with
    // revokeOnDelete the old one is deleted (revoked) before the new one is issued.
    return { changes: changed || unique.length > 0, replaces: unique, deleteBeforeReplace: olds.revokeOnDelete === true, notes };
}
