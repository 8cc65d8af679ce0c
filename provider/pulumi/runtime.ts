/**
 * The provider's implementation, loaded inside the dynamic-provider host by the shim in
 * `provider.ts` (`require("pulumi-cce-clustercert/runtime")`). Credentials and settings are read
 * here, at call time: never captured in the serialized provider.
 */
import type * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "node:crypto";
import { diffState, storedContext } from "../core/diff";
import { DEFAULT_RENEW_BEFORE_DAYS } from "../core/defaults";
import type { Environment } from "../core/environment";
import { issueForResource } from "../core/issue";
import { revokeCertificate } from "../core/revoke";
import { redacting } from "../core/secret-scope";
import { rerenderState } from "../core/state";
import { renewalStatus } from "../core/renewal";
import { EMPTY_CONFIG, resolveTarget, type ConfigSource, type Target } from "../core/settings";
import { credentialsIn, credentialsToStore, withoutCredentials, type StoredCredentials } from "../core/stored-credentials";
import { isExecState, type ClusterCertInputs, type StoredState } from "../core/types";
import { validateInputs } from "../core/validate";

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

export async function diff(id: string, olds: StoredState & StoredCredentials, news: ClusterCertInputs): Promise<pulumi.dynamic.DiffResult> {
    const env = environment();
    let target: Target | undefined;
    try {
        target = resolveTarget(news, env.config, env.env);
    } catch {
        target = undefined; // Settings that cannot be resolved prove no change; create/update report them.
    }
    const { notes, ...result } = diffState(id, olds, news, target, env.now());
    for (const line of notes) env.log(line);
    return result;
}

export async function create(inputs: ClusterCertInputs): Promise<pulumi.dynamic.CreateResult> {
    const state = await issueForResource(inputs, environment());
    // exec mode stores no certificate whose serial could name the resource.
    const id = isExecState(state) ? `${state.clusterId}:exec-${randomBytes(8).toString("hex")}` : `${state.clusterId}:${state.serialNumber}`;
    return { id, outs: defined({ ...state, ...credentialsToStore(inputs) }) };
}

/** The inputs that describe a stored state, as far as the state records them (refresh, `ReadResult.inputs`). */
export function inputsOf(s: StoredState & StoredCredentials): ClusterCertInputs {
    return defined({
        clusterId: s.clusterId,
        clusterType: s.clusterType,
        projectId: s.projectId,
        region: s.region,
        endpoint: s.endpoint,
        ...(s.requestedExpiresAt !== undefined ? { expiresAt: s.requestedExpiresAt } : { duration: s.duration }),
        context: storedContext(s),
        renewBeforeDays: s.renewBeforeDays,
        legacyApi: s.legacyApi,
        revokeOnDelete: s.revokeOnDelete,
        mode: s.mode ?? "certificate",
        execCommand: s.execCommand,
        ...credentialsIn(s),
    });
}

/**
 * Refresh: the stored outputs as they are (a certificate cannot be looked up; a revocation is not
 * visible), the inputs they record (used by @pulumi/pulumi >= 3.216), and a warning when the
 * certificate has expired or is within its renewal window. No API call.
 */
export async function read(id: string, props: StoredState & StoredCredentials): Promise<pulumi.dynamic.ReadResult> {
    if (typeof props.kubeconfig !== "string" || typeof props.clusterId !== "string") {
        throw new Error(
            `ClusterCert ${id} cannot be read or imported: its private key exists only in the state of the stack that created it. Create a new ClusterCert instead.`,
        );
    }
    if (!isExecState(props)) {
        const env = environment();
        const renewal = renewalStatus(props, props.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS, env.now());
        if (renewal?.due) {
            const next = props.requestedExpiresAt !== undefined ? "set a later expiresAt to renew it" : "the next pulumi up replaces it";
            env.log(`warning: ${id}: the client certificate ${renewal.description}: ${next}`);
        }
    }
    return { id, props, inputs: inputsOf(props) };
}

export async function update(_id: string, olds: StoredState & StoredCredentials, news: ClusterCertInputs): Promise<pulumi.dynamic.UpdateResult> {
    const stored = withoutCredentials(olds) as StoredState;
    return redacting(news, environment(), async () => ({
        outs: defined({
            // exec mode: a context change replaces (see diff), so only the stored flags change here.
            ...(isExecState(stored) ? { ...stored, context: storedContext(stored) } : rerenderState(stored, news.context)),
            ...credentialsToStore(news),
            renewBeforeDays: news.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS,
            legacyApi: news.legacyApi ?? false,
            revokeOnDelete: news.revokeOnDelete ?? false,
        }),
    }));
}

async function deleteResource(id: string, props: StoredState & StoredCredentials): Promise<void> {
    // A certificate cannot be deleted: without revokeOnDelete it simply stops being used.
    if (!props.revokeOnDelete) return;
    const env = environment();
    // Credentials: those kept from the args (see stored-credentials.ts), else stack config or environment.
    await revokeCertificate(props, { clusterId: props.clusterId, ...credentialsIn(props) }, { ...env, log: (line) => env.log(`${id}: ${line}`) });
}
export { deleteResource as delete };
