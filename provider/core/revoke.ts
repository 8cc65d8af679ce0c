/**
 * Revocation (`clustercertrevoke`): every certificate of an IAM user or agency on a cluster. Used by
 * `revokeOnDelete` (the state's user) and by `cce-clustercert revoke`. Before the call, one line says
 * who loses access; a cluster or identity that is already gone (404/409) is a warning when deleting a
 * resource: there is nothing left to revoke.
 */
import { revokeClusterCert, type Revokee } from "../huaweicloud/cce";
import { CloudApiError } from "../huaweicloud/errors";
import { authFor, discoverProjectId } from "../huaweicloud/iam";
import { ClusterCertError } from "../util/errors";
import { safeText } from "../util/text";
import { callOptions, type Environment } from "./environment";
import { redacting } from "./secret-scope";
import { resolveTarget } from "./settings";
import type { ClusterCertInputs, StoredState } from "./types";

export type { Revokee };

/** `user 5f0e…` / `agency 0a1b…`, safe for one line. */
export function describeRevokee(revokee: Revokee): string {
    return `${revokee.kind} ${safeText(revokee.id, 80)}`;
}

/** Who loses access: every certificate and kubeconfig of the identity on the cluster, not just one. */
export function revocationScope(revokee: Revokee, clusterId: string): string {
    return (
        `every certificate and kubeconfig that ${describeRevokee(revokee)} obtained for cluster ${safeText(clusterId, 80)}: ` +
        "console downloads and the certificates of other stacks and tools included stop working"
    );
}

/** The line logged before a revocation (the provider's `revokeOnDelete`, the CLI's `revoke --yes`). */
export function revocationWarning(revokee: Revokee, clusterId: string): string {
    return `revoking ${revocationScope(revokee, clusterId)}`;
}

/** Autopilot clusters: Huawei publishes no clustercertrevoke for them (see docs/lifecycle.md). */
export const AUTOPILOT_REVOKE_REFUSAL =
    "CCE Autopilot publishes no clustercertrevoke API (only POST /autopilot/v3/…/clustercert): revoke the certificate in the CCE console instead";

export interface RevokeOptions {
    /** 404/409 (cluster or identity gone, already revoked) is only a warning. */
    tolerateGone?: boolean;
}

/**
 * Revokes every certificate of `revokee` on the cluster `inputs` names (project discovered from the
 * region when not given). Logs the warning line first, then the outcome.
 */
export async function revokeIdentity(inputs: ClusterCertInputs, revokee: Revokee, environment: Environment, options: RevokeOptions = {}): Promise<void> {
    if (inputs.clusterType === "autopilot") throw new ClusterCertError("usage", AUTOPILOT_REVOKE_REFUSAL);
    await redacting(inputs, environment, async ({ creds, secrets, environment: env }) => {
        const opts = callOptions(inputs, env, secrets);
        const target = resolveTarget(inputs, env.config, env.env);
        const auth = await authFor(creds(), target.iamEndpoint, target.region, opts);
        if (auth.kind === "token") secrets.add(auth.token);
        const projectId = target.projectId ?? (await discoverProjectId(target.iamEndpoint, target.region as string, auth, opts));
        const who = `${describeRevokee(revokee)} on cluster ${safeText(inputs.clusterId, 80)}`;
        env.log(revocationWarning(revokee, inputs.clusterId));
        try {
            await revokeClusterCert(target.endpoint, projectId, inputs.clusterId, revokee, auth, opts);
            env.log(`revoked every certificate of ${who}`);
        } catch (e) {
            if (options.tolerateGone === true && e instanceof CloudApiError && (e.status === 404 || e.status === 409)) {
                env.log(`warning: revocation of ${who} skipped: ${e.message}`);
                return;
            }
            throw e;
        }
    });
}

/** `revokeOnDelete`: every certificate of the state's user on its cluster. */
export async function revokeCertificate(state: StoredState, inputs: ClusterCertInputs, environment: Environment): Promise<void> {
    if (state.clusterType === "autopilot") {
        // check refuses revokeOnDelete for Autopilot; a state that has both was edited by hand.
        environment.log(`warning: revocation of user ${safeText(state.userId, 80)} on cluster ${state.clusterId} skipped: ${AUTOPILOT_REVOKE_REFUSAL}`);
        return;
    }
    const target = { ...inputs, clusterId: state.clusterId, endpoint: state.endpoint, projectId: state.projectId, region: state.region };
    await revokeIdentity(target, { kind: "user", id: state.userId }, environment, { tolerateGone: true });
}
