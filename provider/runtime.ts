/**
 * The provider's implementation, loaded inside the dynamic-provider host by the shim in
 * `provider.ts` (`require("pulumi-cce-clustercert/runtime")`). Credentials and settings are read
 * here, at call time: never captured in the serialized provider.
 */
import type * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "node:crypto";
import { DEFAULT_DURATION_DAYS, DEFAULT_RENEW_BEFORE_DAYS, EXEC_DURATION_DAYS, issueForResource, redacting, revokeCertificate, type Environment } from "./operations";
import { rerenderState } from "./outputs";
import { EMPTY_CONFIG, resolveTarget, type ConfigSource } from "./settings";
import { CREDENTIAL_INPUTS, isExecState, type ClusterCertInputs, type ClusterCertState, type StoredState } from "./types";
import { validateInputs } from "./validate";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The host refuses a whole result that holds an `undefined` ("Unexpected struct type"): drop such keys. */
function defined<T extends object>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Stack config handed over by the host's `configure` (whole stack, namespaced keys). */
let stackConfig: ConfigSource = EMPTY_CONFIG;

/** Where the environment and clock come from, read at each call. */
export function environment(): Environment {
    return {
        config: stackConfig,
        env: process.env,
        now: () => new Date(),
        // The host shows its stderr lines to the user as diagnostics.
        log: (line) => console.error(`cce-clustercert: ${line}`),
    };
}

export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    stackConfig = { get: (key: string) => req.config.get(key) };
}

export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    return { inputs: news, failures: validateInputs(news, new Date()) };
}

/** The window before expiry in which a certificate is renewed: never more than a third of its lifetime. */
export function renewalWindowMs(state: Pick<ClusterCertState, "issuedAt" | "expiresAt">, renewBeforeDays: number): number {
    const lifetime = Date.parse(state.expiresAt) - Date.parse(state.issuedAt);
    return Math.min(renewBeforeDays * DAY_MS, lifetime / 3);
}

export async function diff(id: string, olds: StoredState, news: ClusterCertInputs): Promise<pulumi.dynamic.DiffResult> {
    const env = environment();
    const replaces: string[] = [];
    if (news.clusterId !== olds.clusterId) replaces.push("clusterId");
    let target: ReturnType<typeof resolveTarget> | undefined;
    try {
        target = resolveTarget(news, env.config, env.env);
    } catch {
        target = undefined; // Settings that cannot be resolved prove no change; create/update report them.
    }
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
    if (exec) {
        // The exec kubeconfig holds one server and the command: a new one is rendered from a fresh answer.
        if (news.context !== olds.context) replaces.push("context");
        if (JSON.stringify(news.execCommand) !== JSON.stringify(olds.execCommand)) replaces.push("execCommand");
    }
    const renewBeforeDays = news.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS;
    const now = env.now().getTime();
    const expiresAt = exec ? NaN : Date.parse(olds.expiresAt);
    if (!exec && !Number.isNaN(expiresAt) && expiresAt - now <= renewalWindowMs(olds, renewBeforeDays)) {
        const when = `${expiresAt <= now ? "expired" : "expires"} at ${olds.expiresAt}, within the renewal window (renewBeforeDays ${renewBeforeDays})`;
        if (news.expiresAt !== undefined) {
            // A new certificate would end on the same fixed date: renewing gains nothing.
            env.log(`warning: ${id}: the client certificate ${when}, but expiresAt fixes its end: set a later expiresAt to renew it`);
        } else {
            replaces.push("expiresAt");
            env.log(`${id}: the client certificate ${when}: it will be replaced by a new one`);
        }
    }
    let changed = false;
    for (const [k, dflt] of [["context", undefined], ["renewBeforeDays", DEFAULT_RENEW_BEFORE_DAYS], ["legacyApi", false], ["revokeOnDelete", false]] as const) {
        if ((news[k] ?? dflt) !== (olds[k] ?? dflt)) changed = true;
    }
    const unique = [...new Set(replaces)];
    // Revocation revokes every certificate of the user on the cluster, the replacement's too: so with
    // revokeOnDelete the old one is deleted (revoked) before the new one is issued.
    return { changes: changed || unique.length > 0, replaces: unique, deleteBeforeReplace: olds.revokeOnDelete === true };
}

type DeleteCredentials = Partial<Pick<ClusterCertInputs, (typeof CREDENTIAL_INPUTS)[number]>>;

/**
 * Delete receives only the stored outputs. So that `revokeOnDelete` revokes with the credentials the
 * resource was given (a stack may hold several accounts), credentials passed as args are kept among
 * the outputs while it is set: secret, like the inputs they come from.
 */
function deleteCredentials(inputs: ClusterCertInputs): DeleteCredentials {
    if (!inputs.revokeOnDelete) return {};
    return Object.fromEntries(CREDENTIAL_INPUTS.filter((k) => inputs[k] !== undefined).map((k) => [k, inputs[k]]));
}

export async function create(inputs: ClusterCertInputs): Promise<pulumi.dynamic.CreateResult> {
    const state = await issueForResource(inputs, environment());
    // exec mode stores no certificate whose serial could name the resource.
    const id = isExecState(state) ? `${state.clusterId}:exec-${randomBytes(8).toString("hex")}` : `${state.clusterId}:${state.serialNumber}`;
    return { id, outs: defined({ ...state, ...deleteCredentials(inputs) }) };
}

export async function read(id: string, props: StoredState): Promise<pulumi.dynamic.ReadResult> {
    if (typeof props.kubeconfig !== "string" || typeof props.clusterId !== "string") {
        throw new Error(
            `ClusterCert ${id} cannot be read or imported: its private key exists only in the state of the stack that created it. Create a new ClusterCert instead.`,
        );
    }
    return { id, props };
}

export async function update(_id: string, olds: StoredState, news: ClusterCertInputs): Promise<pulumi.dynamic.UpdateResult> {
    const { accessKey: _a, secretKey: _s, securityToken: _t, authToken: _k, ...stored } = olds as StoredState & DeleteCredentials;
    return redacting(news, environment(), async () => ({
        outs: defined({
            // exec mode: a context change replaces (see diff), so only the stored flags change here.
            ...(isExecState(stored) ? stored : rerenderState(stored, news.context)),
            ...deleteCredentials(news),
            renewBeforeDays: news.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS,
            legacyApi: news.legacyApi ?? false,
            revokeOnDelete: news.revokeOnDelete ?? false,
        }),
    }));
}

async function deleteResource(id: string, props: StoredState & DeleteCredentials): Promise<void> {
    // A certificate cannot be deleted: without revokeOnDelete it simply stops being used.
    if (!props.revokeOnDelete) return;
    const env = environment();
    // Credentials: those kept from the args (see deleteCredentials), else stack config or environment.
    const credentials: DeleteCredentials = Object.fromEntries(CREDENTIAL_INPUTS.filter((k) => props[k] !== undefined).map((k) => [k, props[k]]));
    await revokeCertificate(props, { clusterId: props.clusterId, ...credentials }, { ...env, log: (line) => env.log(`${id}: ${line}`) });
}
export { deleteResource as delete };
