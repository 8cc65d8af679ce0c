/**
 * Revocation (`clustercertrevoke`): every certificate of the state's user on its cluster. A cluster
 * or user that is already gone (404/409) is a warning: there is nothing left to revoke.
 */
import { revokeClusterCert } from "../huaweicloud/cce";
import { CloudApiError } from "../huaweicloud/errors";
import { authFor } from "../huaweicloud/iam";
import { safeText } from "../util/text";
import { callOptions, type Environment } from "./environment";
import { redacting } from "./secret-scope";
import { resolveTarget } from "./settings";
import type { ClusterCertInputs, StoredState } from "./types";

export async function revokeCertificate(state: StoredState, inputs: ClusterCertInputs, environment: Environment): Promise<void> {
    await redacting(inputs, environment, async ({ creds, secrets, environment: env }) => {
        const opts = callOptions(inputs, env, secrets);
        const target = resolveTarget({ ...inputs, clusterId: state.clusterId, endpoint: state.endpoint, projectId: state.projectId, region: state.region }, env.config, env.env);
        const auth = await authFor(creds(), target.iamEndpoint, target.region, opts);
        if (auth.kind === "token") secrets.add(auth.token);
        const who = `user ${safeText(state.userId, 80)} on cluster ${state.clusterId}`;
        try {
            await revokeClusterCert(state.endpoint, state.projectId, state.clusterId, state.userId, auth, opts);
            env.log(`revoked every certificate of ${who}`);
        } catch (e) {
            if (e instanceof CloudApiError && (e.status === 404 || e.status === 409)) {
                env.log(`warning: revocation of ${who} skipped: ${e.message}`);
                return;
            }
            throw e;
        }
    });
}
