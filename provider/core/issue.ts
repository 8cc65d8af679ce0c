/**
 * Issuing a certificate, independent of Pulumi: resolve the target and credentials, authenticate,
 * call clustercert, read the answer with the Kubernetes formats and build the outputs. Used by the
 * dynamic provider (`pulumi/runtime.ts`) and the command-line tool alike.
 */
import { issueClusterCert, type CertAnswer } from "../huaweicloud/cce";
import { MalformedAnswerError } from "../huaweicloud/errors";
import { authFor, discoverProjectId } from "../huaweicloud/iam";
import { describeDropped, parseKubeconfigJson, type Sanitized } from "../kube/kubeconfig";
import { safeText } from "../util/text";
import { DEFAULT_CLUSTER_TYPE, DEFAULT_DURATION_DAYS, DEFAULT_RENEW_BEFORE_DAYS, EXEC_DURATION_DAYS } from "./defaults";
import { callOptions, type Environment } from "./environment";
import { execKubeconfigFor } from "./exec-kubeconfig";
import { redacting } from "./secret-scope";
import { resolveTarget, type Target } from "./settings";
import { buildState, type Requested } from "./state";
import type { ClusterCertInputs, ClusterCertState, ExecState, StoredState } from "./types";
import { parseRfc3339 } from "./validate";

const OPERATION = "CCE clustercert";
const AUTOPILOT_OPERATION = "CCE Autopilot clustercert";

/** What was asked for, resolved through args, stack config and environment (the effective context is set from the answer). */
export function requestedOf(inputs: ClusterCertInputs, projectId: string, endpoint: string, region: string | undefined): Requested {
    return {
        clusterId: inputs.clusterId,
        clusterType: inputs.clusterType ?? DEFAULT_CLUSTER_TYPE,
        projectId,
        ...(region !== undefined ? { region } : {}),
        endpoint,
        ...(inputs.expiresAt !== undefined
            ? { requestedExpiresAt: inputs.expiresAt }
            : { duration: inputs.duration ?? (inputs.mode === "exec" ? EXEC_DURATION_DAYS : DEFAULT_DURATION_DAYS) }),
        ...(inputs.context !== undefined ? { context: inputs.context } : {}),
        renewBeforeDays: inputs.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS,
        legacyApi: inputs.legacyApi ?? false,
        revokeOnDelete: inputs.revokeOnDelete ?? false,
        mode: inputs.mode ?? "certificate",
        ...(inputs.execCommand !== undefined ? { execCommand: inputs.execCommand } : {}),
    };
}

/** The answer's kubeconfig with only its documented fields; a malformed one is the cloud's fault. */
function readAnswer(answer: CertAnswer, operation: string, log: (line: string) => void): Sanitized {
    let sanitized: Sanitized;
    try {
        sanitized = parseKubeconfigJson(answer.body);
    } catch (e) {
        throw new MalformedAnswerError(operation, (e as Error).message, answer.requestId, answer.status, e);
    }
    if (sanitized.dropped.length > 0) {
        const rid = answer.requestId !== undefined ? ` (request id ${safeText(answer.requestId, 80)})` : "";
        log(`warning: the clustercert answer${rid} held fields that are not passed on; dropped: ${describeDropped(sanitized.dropped)}`);
    }
    return sanitized;
}

/** A new certificate's outputs, and the target it was obtained for (with its project id known). */
async function issue(inputs: ClusterCertInputs, environment: Environment, exec: boolean): Promise<{ state: ClusterCertState; target: Target & { projectId: string } }> {
    return redacting(inputs, environment, async ({ creds, secrets, environment: env }) => {
        const resolved = resolveTarget(inputs, env.config, env.env);
        const opts = callOptions(inputs, env, secrets);
        const auth = await authFor(creds(), resolved.iamEndpoint, resolved.region, opts);
        if (auth.kind === "token") secrets.add(auth.token);
        const projectId = resolved.projectId ?? (await discoverProjectId(resolved.iamEndpoint, resolved.region as string, auth, opts));
        // exec mode mints one short certificate only to learn the servers and the CA; its key is discarded.
        const expireAt = !exec && inputs.expiresAt !== undefined ? parseRfc3339(inputs.expiresAt) : undefined;
        const duration = exec ? EXEC_DURATION_DAYS : inputs.duration ?? DEFAULT_DURATION_DAYS;
        const answer = await issueClusterCert(
            { endpoint: resolved.endpoint, projectId, clusterId: inputs.clusterId, clusterType: inputs.clusterType ?? DEFAULT_CLUSTER_TYPE, duration, expireAt, legacyApi: inputs.legacyApi },
            auth,
            opts,
        );
        const operation = inputs.clusterType === "autopilot" ? AUTOPILOT_OPERATION : OPERATION;
        const { kubeconfig } = readAnswer(answer, operation, env.log);
        try {
            const state = buildState(requestedOf(inputs, projectId, resolved.endpoint, resolved.region), { kubeconfig, apiCall: answer.apiCall, ...(answer.portId ? { portId: answer.portId } : {}) }, opts.now());
            return { state, target: { ...resolved, projectId } };
        } catch (e) {
            throw new MalformedAnswerError(operation, (e as Error).message, answer.requestId, answer.status, e);
        }
    });
}

/** Asks CCE for a new client certificate and returns the outputs describing it. */
export async function issueCertificate(inputs: ClusterCertInputs, environment: Environment): Promise<ClusterCertState> {
    return (await issue(inputs, environment, false)).state;
}

/**
 * exec mode: the outputs without the certificate, the key and their facts; the kubeconfig runs the
 * exec plugin against the server of the chosen context.
 */
export function toExecState(state: ClusterCertState, inputs: ClusterCertInputs, target: Target & { projectId: string }): ExecState {
    const { clientCertificate: _c, clientKey: _k, fingerprint: _f, serialNumber: _s, issuedAt: _i, expiresAt: _e, ...rest } = state;
    const kubeconfig = execKubeconfigFor(
        inputs,
        target,
        {
            server: state.server,
            ...(state.clusterCaCertificate !== undefined ? { caCertificate: state.clusterCaCertificate } : {}),
            insecureSkipTlsVerify: state.insecureSkipTlsVerify,
            context: state.context,
        },
        state.execCommand !== undefined ? { command: state.execCommand } : {},
    );
    return { ...rest, mode: "exec", kubeconfig };
}

/** The outputs of a new resource: a certificate, or in exec mode only how to obtain one. */
export async function issueForResource(inputs: ClusterCertInputs, environment: Environment): Promise<StoredState> {
    const exec = inputs.mode === "exec";
    const { state, target } = await issue(inputs, environment, exec);
    return exec ? toExecState(state, inputs, target) : state;
}
