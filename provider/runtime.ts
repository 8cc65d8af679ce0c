/**
 * The provider's implementation, loaded inside the dynamic-provider host by the shim in
 * `provider.ts` (`require("pulumi-cce-clustercert/runtime")`). Credentials and settings are read
 * here, at call time: never captured in the serialized provider.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CallOptions } from "./api";
import { issueClusterCert, revokeClusterCert } from "./client";
import { CloudApiError, MalformedAnswerError, redact } from "./errors";
import { authFor, discoverProjectId } from "./iam";
import { buildState, rerenderState, type Requested } from "./outputs";
import { defaultPolicy } from "./retry";
import {
    credentialValues, EMPTY_CONFIG, resolveCredentials, resolveMaxRetries, resolveTarget,
    type ConfigSource, type Credentials, type Env,
} from "./settings";
import type { ClusterCertInputs, ClusterCertState } from "./types";
import { parseRfc3339, validateInputs } from "./validate";

const DEFAULT_DURATION_DAYS = 365;
const DEFAULT_RENEW_BEFORE_DAYS = 30;
const DEFAULT_TIMEOUT_SECONDS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Stack config handed over by the host's `configure` (whole stack, namespaced keys). */
let stackConfig: ConfigSource = EMPTY_CONFIG;

/** Lines the user sees as diagnostics of the provider host. */
function log(line: string): void {
    console.error(`cce-clustercert: ${line}`);
}

/** Where the environment and clock come from; replaceable for tests of this module in-process. */
export const runtimeEnvironment = {
    env: (): Env => process.env,
    now: (): Date => new Date(),
};

export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    stackConfig = { get: (key: string) => req.config.get(key) };
}

export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    return { inputs: news, failures: validateInputs(news, runtimeEnvironment.now()) };
}

/** What was asked for, resolved through args, stack config and environment. */
function requested(inputs: ClusterCertInputs, projectId: string, endpoint: string, region: string | undefined): Requested {
    return {
        clusterId: inputs.clusterId,
        projectId,
        ...(region !== undefined ? { region } : {}),
        endpoint,
        ...(inputs.expiresAt !== undefined ? { requestedExpiresAt: inputs.expiresAt } : { duration: inputs.duration ?? DEFAULT_DURATION_DAYS }),
        ...(inputs.context !== undefined ? { context: inputs.context } : {}),
        renewBeforeDays: inputs.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS,
        legacyApi: inputs.legacyApi ?? false,
        revokeOnDelete: inputs.revokeOnDelete ?? false,
    };
}

function callOptions(inputs: Pick<ClusterCertInputs, "maxRetries" | "timeoutSeconds">, env: Env): CallOptions {
    return {
        env,
        timeoutMs: (inputs.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
        policy: defaultPolicy(resolveMaxRetries(inputs, stackConfig, env)),
        log,
        now: runtimeEnvironment.now,
    };
}

/** Runs `fn`; any error leaves with its message stripped of every credential in play and of PEM blocks. */
async function guarded<T>(inputs: ClusterCertInputs, env: Env, fn: (creds: () => Credentials) => Promise<T>): Promise<T> {
    const secrets: string[] = [];
    for (const v of [inputs.accessKey, inputs.secretKey, inputs.securityToken, inputs.authToken]) if (v) secrets.push(v);
    const creds = (): Credentials => {
        const c = resolveCredentials(inputs, stackConfig, env);
        secrets.push(...credentialValues(c));
        return c;
    };
    try {
        return await fn(creds);
    } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        throw new Error(redact(message, secrets));
    }
}

/** The window before expiry in which a certificate is renewed: never more than a third of its lifetime. */
export function renewalWindowMs(state: Pick<ClusterCertState, "issuedAt" | "expiresAt" | "renewBeforeDays">): number {
    const lifetime = Date.parse(state.expiresAt) - Date.parse(state.issuedAt);
    return Math.min((state.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS) * DAY_MS, lifetime / 3);
}

export async function diff(id: string, olds: ClusterCertState, news: ClusterCertInputs): Promise<pulumi.dynamic.DiffResult> {
    const env = runtimeEnvironment.env();
    const replaces: string[] = [];
    let changed = false;
    if (news.clusterId !== olds.clusterId) replaces.push("clusterId");
    let target: ReturnType<typeof resolveTarget> | undefined;
    try {
        target = resolveTarget(news, stackConfig, env);
    } catch {
        target = undefined; // Unknown settings cannot prove a change; create/update will report them.
    }
    if (target) {
        if (target.projectId !== undefined && target.projectId !== olds.projectId) replaces.push("projectId");
        if (target.region !== olds.region && (target.region !== undefined || news.region !== undefined)) replaces.push("region");
        if (target.endpoint !== olds.endpoint) replaces.push("endpoint");
    }
    if (news.expiresAt !== undefined || olds.requestedExpiresAt !== undefined) {
        if (news.expiresAt !== olds.requestedExpiresAt) replaces.push("expiresAt");
    }
    if (news.expiresAt === undefined && (news.duration ?? DEFAULT_DURATION_DAYS) !== olds.duration) replaces.push("duration");
    const now = runtimeEnvironment.now().getTime();
    const expiresAt = Date.parse(olds.expiresAt);
    const renew = { ...olds, renewBeforeDays: news.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS };
    if (!Number.isNaN(expiresAt) && expiresAt - now <= renewalWindowMs(renew)) {
        replaces.push("expiresAt");
        const when = expiresAt <= now ? "expired" : "expires";
        log(`${id}: the client certificate ${when} at ${olds.expiresAt}, within the renewal window (renewBeforeDays ${renew.renewBeforeDays}): it will be replaced`);
    }
    for (const [k, dflt] of [["context", undefined], ["renewBeforeDays", DEFAULT_RENEW_BEFORE_DAYS], ["legacyApi", false], ["revokeOnDelete", false]] as const) {
        if ((news[k] ?? dflt) !== (olds[k] ?? dflt)) changed = true;
    }
    const unique = [...new Set(replaces)];
    return { changes: changed || unique.length > 0, replaces: unique, deleteBeforeReplace: false };
}

export async function create(inputs: ClusterCertInputs): Promise<pulumi.dynamic.CreateResult> {
    const env = runtimeEnvironment.env();
    return guarded(inputs, env, async (creds) => {
        const target = resolveTarget(inputs, stackConfig, env);
        const opts = callOptions(inputs, env);
        const auth = await authFor(creds(), target.iamEndpoint, target.region, opts);
        const projectId = target.projectId ?? (await discoverProjectId(target.iamEndpoint, target.region as string, auth, opts));
        const expireAt = inputs.expiresAt !== undefined ? parseRfc3339(inputs.expiresAt) : undefined;
        const answer = await issueClusterCert(
            { endpoint: target.endpoint, projectId, clusterId: inputs.clusterId, duration: inputs.duration ?? DEFAULT_DURATION_DAYS, expireAt, legacyApi: inputs.legacyApi },
            auth,
            opts,
        );
        let state: ClusterCertState;
        try {
            state = buildState(requested(inputs, projectId, target.endpoint, target.region), answer, opts.now());
        } catch (e) {
            throw new MalformedAnswerError("CCE clustercert", (e as Error).message, answer.requestId);
        }
        return { id: `${state.clusterId}:${state.serialNumber}`, outs: state };
    });
}

export async function read(id: string, props: ClusterCertState): Promise<pulumi.dynamic.ReadResult> {
    if (typeof props.kubeconfig !== "string" || typeof props.clusterId !== "string") {
        throw new Error(`ClusterCert ${id} cannot be read or imported: a certificate's private key exists only in the state that created it. Create a new ClusterCert instead.`);
    }
    return { id, props };
}

export async function update(_id: string, olds: ClusterCertState, news: ClusterCertInputs): Promise<pulumi.dynamic.UpdateResult> {
    const env = runtimeEnvironment.env();
    return guarded(news, env, async () => {
        const next = rerenderState(olds, news.context);
        return {
            outs: {
                ...next,
                renewBeforeDays: news.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS,
                legacyApi: news.legacyApi ?? false,
                revokeOnDelete: news.revokeOnDelete ?? false,
            },
        };
    });
}

async function deleteResource(id: string, props: ClusterCertState): Promise<void> {
    if (!props.revokeOnDelete) return; // A certificate cannot be deleted: it simply stops being used.
    const env = runtimeEnvironment.env();
    const inputs = props as unknown as ClusterCertInputs;
    await guarded(inputs, env, async (creds) => {
        const opts = callOptions(inputs, env);
        const target = resolveTarget({ ...inputs, endpoint: props.endpoint, projectId: props.projectId }, stackConfig, env);
        const auth = await authFor(creds(), target.iamEndpoint, target.region, opts);
        try {
            await revokeClusterCert(props.endpoint, props.projectId, props.clusterId, props.userId, auth, opts);
            log(`${id}: revoked every certificate of user ${props.userId} on cluster ${props.clusterId}`);
        } catch (e) {
            if (e instanceof CloudApiError && (e.status === 404 || e.status === 409)) {
                log(`warning: ${id}: revocation skipped: ${e.message}`);
                return;
            }
            throw e;
        }
    });
}
export { deleteResource as delete };
