/**
 * The provider's operations, independent of Pulumi: issue a certificate and revoke one, given the
 * inputs, the stack config and the environment. Used by the dynamic provider (`runtime.ts`) and the
 * command-line tool alike. Every error leaves with credentials and PEM blocks stripped.
 */
import type { CallOptions } from "./api";
import { issueClusterCert, revokeClusterCert } from "./client";
import { CloudApiError, MalformedAnswerError, redact } from "./errors";
import { authFor, discoverProjectId } from "./iam";
import { buildState, type Requested } from "./outputs";
import { defaultPolicy } from "./retry";
import { credentialValues, resolveCredentials, resolveMaxRetries, resolveTarget, type ConfigSource, type Credentials, type Env } from "./settings";
import type { ClusterCertInputs, ClusterCertState, ExecState, StoredState } from "./types";
import { parseRfc3339 } from "./validate";
import { renderExecKubeconfig } from "./exec-kubeconfig";

export const DEFAULT_DURATION_DAYS = 365;
export const DEFAULT_RENEW_BEFORE_DAYS = 30;
export const DEFAULT_TIMEOUT_SECONDS = 30;

/** Everything an operation reads from outside its arguments. */
export interface Environment {
    config: ConfigSource;
    env: Env;
    now: () => Date;
    /** One line for the user; never given secrets. */
    log: (line: string) => void;
}

/** What was asked for, resolved through args, stack config and environment. */
export function requestedOf(inputs: ClusterCertInputs, projectId: string, endpoint: string, region: string | undefined): Requested {
    return {
        clusterId: inputs.clusterId,
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

/** Default validity of the certificates the exec plugin obtains, and of the one exec mode mints to learn the endpoints. */
export const EXEC_DURATION_DAYS = 1;

/**
 * exec mode: the outputs without the certificate, the key and their facts; the kubeconfig runs the
 * exec plugin against the server of the chosen context.
 */
export function toExecState(state: ClusterCertState, iamEndpoint: string | undefined): ExecState {
    const { clientCertificate: _c, clientKey: _k, fingerprint: _f, serialNumber: _s, issuedAt: _i, expiresAt: _e, ...rest } = state;
    const kubeconfig = renderExecKubeconfig({
        clusterId: state.clusterId,
        projectId: state.projectId,
        ...(state.region !== undefined ? { region: state.region } : {}),
        endpoint: state.endpoint,
        ...(iamEndpoint !== undefined ? { iamEndpoint } : {}),
        duration: state.duration ?? EXEC_DURATION_DAYS,
        context: state.currentContext === "external" ? "external" : "internal",
        server: state.server,
        ...(state.clusterCaCertificate !== undefined ? { caCertificate: state.clusterCaCertificate } : {}),
        insecureSkipTlsVerify: state.insecureSkipTlsVerify,
        ...(state.execCommand !== undefined ? { command: state.execCommand } : {}),
    });
    return { ...rest, mode: "exec", kubeconfig };
}

export function callOptions(inputs: Pick<ClusterCertInputs, "maxRetries" | "timeoutSeconds">, environment: Environment): CallOptions {
    return {
        env: environment.env,
        timeoutMs: (inputs.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
        policy: defaultPolicy(resolveMaxRetries(inputs, environment.config, environment.env)),
        log: environment.log,
        now: environment.now,
    };
}

/** Runs `fn`; any error leaves with its message stripped of every credential in play and of PEM blocks. */
export async function redacting<T>(inputs: ClusterCertInputs, environment: Environment, fn: (creds: () => Credentials) => Promise<T>): Promise<T> {
    const secrets: string[] = [];
    for (const v of [inputs.accessKey, inputs.secretKey, inputs.securityToken, inputs.authToken]) if (v) secrets.push(v);
    const creds = (): Credentials => {
        const c = resolveCredentials(inputs, environment.config, environment.env);
        secrets.push(...credentialValues(c));
        return c;
    };
    try {
        return await fn(creds);
    } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        const out = new Error(redact(message, secrets));
        out.name = e instanceof Error ? e.name : "Error";
        if (e instanceof CloudApiError) Object.assign(out, { status: e.status, code: e.code, requestId: e.requestId });
        throw out;
    }
}

/** Asks CCE for a new client certificate and returns the resource outputs describing it. */
export async function issueCertificate(inputs: ClusterCertInputs, environment: Environment): Promise<ClusterCertState> {
    return (await issue(inputs, environment, false)).state;
}

/** The outputs of a new resource: a certificate, or in exec mode only how to obtain one. */
export async function issueForResource(inputs: ClusterCertInputs, environment: Environment): Promise<StoredState> {
    const { state, iamEndpoint } = await issue(inputs, environment, inputs.mode === "exec");
    return inputs.mode === "exec" ? toExecState(state, iamEndpoint) : state;
}

async function issue(inputs: ClusterCertInputs, environment: Environment, exec: boolean): Promise<{ state: ClusterCertState; iamEndpoint?: string }> {
    return redacting(inputs, environment, async (creds) => {
        const target = resolveTarget(inputs, environment.config, environment.env);
        const opts = callOptions(inputs, environment);
        const auth = await authFor(creds(), target.iamEndpoint, target.region, opts);
        const projectId = target.projectId ?? (await discoverProjectId(target.iamEndpoint, target.region as string, auth, opts));
        // exec mode mints one short certificate only to learn the servers and the CA; its key is discarded.
        const expireAt = !exec && inputs.expiresAt !== undefined ? parseRfc3339(inputs.expiresAt) : undefined;
        const duration = exec ? EXEC_DURATION_DAYS : inputs.duration ?? DEFAULT_DURATION_DAYS;
        const answer = await issueClusterCert(
            { endpoint: target.endpoint, projectId, clusterId: inputs.clusterId, duration, expireAt, legacyApi: inputs.legacyApi },
            auth,
            opts,
        );
        try {
            const state = buildState(requestedOf(inputs, projectId, target.endpoint, target.region), answer, opts.now());
            return { state, ...(target.iamEndpoint !== undefined ? { iamEndpoint: target.iamEndpoint } : {}) };
        } catch (e) {
            throw new MalformedAnswerError("CCE clustercert", (e as Error).message, answer.requestId);
        }
    });
}

/**
 * Revokes every certificate of the state's user on its cluster. A cluster or user that is already
 * gone (404/409) is a warning: there is nothing left to revoke.
 */
export async function revokeCertificate(state: StoredState, inputs: ClusterCertInputs, environment: Environment): Promise<void> {
    await redacting(inputs, environment, async (creds) => {
        const opts = callOptions(inputs, environment);
        const target = resolveTarget({ ...inputs, clusterId: state.clusterId, endpoint: state.endpoint, projectId: state.projectId, region: state.region }, environment.config, environment.env);
        const auth = await authFor(creds(), target.iamEndpoint, target.region, opts);
        try {
            await revokeClusterCert(state.endpoint, state.projectId, state.clusterId, state.userId, auth, opts);
            environment.log(`revoked every certificate of user ${state.userId} on cluster ${state.clusterId}`);
        } catch (e) {
            if (e instanceof CloudApiError && (e.status === 404 || e.status === 409)) {
                environment.log(`warning: revocation of user ${state.userId} on cluster ${state.clusterId} skipped: ${e.message}`);
                return;
            }
            throw e;
        }
    });
}
