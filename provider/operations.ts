/**
 * The provider's operations, independent of Pulumi: issue a certificate and revoke one, given the
 * inputs, the stack config and the environment. Used by the dynamic provider (`runtime.ts`) and the
 * command-line tool alike. Every error leaves with credentials and PEM blocks stripped.
 */
import type { CallOptions } from "./api";
import { issueClusterCert, revokeClusterCert } from "./client";
import { CloudApiError, MalformedAnswerError } from "./errors";
import { authFor, discoverProjectId } from "./iam";
import { buildState, type Requested } from "./outputs";
import { defaultPolicy } from "./retry";
import { credentialValues, resolveCredentials, resolveMaxRetries, resolveTarget, type ConfigSource, type Credentials, type Env } from "./settings";
import type { ClusterCertInputs, ClusterCertState, ExecState, StoredState } from "./types";
import { parseRfc3339 } from "./validate";
import { renderExecKubeconfig } from "./exec-kubeconfig";
import { describeDropped } from "./kubeconfig";
import { Secrets } from "./redact";
import { escapeControls, safeText } from "./text";

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

/** What was asked for, resolved through args, stack config and environment (the effective context is set from the answer). */
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

export function callOptions(inputs: Pick<ClusterCertInputs, "maxRetries" | "timeoutSeconds">, environment: Environment, secrets: Secrets): CallOptions {
    return {
        env: environment.env,
        timeoutMs: (inputs.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
        policy: defaultPolicy(resolveMaxRetries(inputs, environment.config, environment.env)),
        log: environment.log,
        now: environment.now,
        secrets,
    };
}

/** What an operation runs with inside `redacting`. */
export interface SecretScope {
    /** The environment whose `log` redacts and escapes every line. */
    environment: Environment;
    /** The operation's secrets; add what is obtained on the way (an IAM token). */
    secrets: Secrets;
    /** Resolves the credentials and adds them to `secrets`. */
    creds: () => Credentials;
}

/** Edits an error in place (message, stack, causes) so that no form of any secret and no control character remains; keeps its class. */
function scrub(e: unknown, secrets: Secrets): unknown {
    if (!(e instanceof Error)) return new Error(escapeControls(secrets.redact(String(e))));
    let x: unknown = e;
    for (let depth = 0; x instanceof Error && depth < 5; depth++, x = x.cause) {
        x.message = escapeControls(secrets.redact(x.message));
        if (typeof x.stack === "string") x.stack = secrets.redact(x.stack);
    }
    return e;
}

/**
 * Runs `fn` with the operation's secrets: every credential in play (arguments, resolved credentials,
 * tokens obtained meanwhile) is removed, in every form, from any error that leaves and any line it
 * logs; errors keep their class, `status`, `code` and `requestId`.
 */
export async function redacting<T>(inputs: ClusterCertInputs, environment: Environment, fn: (scope: SecretScope) => Promise<T>): Promise<T> {
    const secrets = new Secrets([inputs.accessKey, inputs.secretKey, inputs.securityToken, inputs.authToken]);
    const scope: SecretScope = {
        secrets,
        environment: { ...environment, log: (line) => environment.log(escapeControls(secrets.redact(line))) },
        creds: () => {
            const c = resolveCredentials(inputs, environment.config, environment.env);
            for (const v of credentialValues(c)) secrets.add(v);
            return c;
        },
    };
    try {
        return await fn(scope);
    } catch (e) {
        throw scrub(e, secrets);
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
    return redacting(inputs, environment, async ({ creds, secrets, environment: env }) => {
        const target = resolveTarget(inputs, env.config, env.env);
        const opts = callOptions(inputs, env, secrets);
        const auth = await authFor(creds(), target.iamEndpoint, target.region, opts);
        if (auth.kind === "token") secrets.add(auth.token);
        const projectId = target.projectId ?? (await discoverProjectId(target.iamEndpoint, target.region as string, auth, opts));
        // exec mode mints one short certificate only to learn the servers and the CA; its key is discarded.
        const expireAt = !exec && inputs.expiresAt !== undefined ? parseRfc3339(inputs.expiresAt) : undefined;
        const duration = exec ? EXEC_DURATION_DAYS : inputs.duration ?? DEFAULT_DURATION_DAYS;
        const answer = await issueClusterCert(
            { endpoint: target.endpoint, projectId, clusterId: inputs.clusterId, duration, expireAt, legacyApi: inputs.legacyApi },
            auth,
            opts,
        );
        const rid = answer.requestId !== undefined ? ` (request id ${safeText(answer.requestId, 80)})` : "";
        if (answer.dropped.length > 0) {
            env.log(`warning: the clustercert answer${rid} held fields that are not passed on; dropped: ${describeDropped(answer.dropped)}`);
        }
        try {
            const state = buildState(requestedOf(inputs, projectId, target.endpoint, target.region), answer, opts.now());
            return { state, ...(target.iamEndpoint !== undefined ? { iamEndpoint: target.iamEndpoint } : {}) };
        } catch (e) {
            throw new MalformedAnswerError("CCE clustercert", (e as Error).message, answer.requestId, answer.status);
        }
    });
}

/**
 * Revokes every certificate of the state's user on its cluster. A cluster or user that is already
 * gone (404/409) is a warning: there is nothing left to revoke.
 */
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
