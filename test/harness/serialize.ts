/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` and returns what it registered, including
 * the `__provider` text the real closure serializer produced for dynamic resources.
 *
 * Caveats (checked against @pulumi/pulumi 3.270):
 * - setMocks is process-global (one mock monitor, project, stack and dry-run flag per process);
 *   calls of serializeResources are queued so they never overlap. Do not run programs under
 *   mocks concurrently by other means.
 * - Config: `pulumi.runtime.setAllConfig(config, secretKeys)` is what works under mocks. The
 *   `PULUMI_CONFIG` env variable is read only once, when the runtime store is first created
 *   (usually when @pulumi/pulumi is loaded), so setting it later has no effect. Each call here
 *   replaces the whole config (default: empty), so earlier calls do not leak into later ones.
 *   `new pulumi.Config("huaweicloud").get("region")` reads key `huaweicloud:region`.
 * - Inputs reach the mock with secrets as markers
 *   `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value }` and
 *   unknown values (preview) dropped.
 * - `additionalSecretOutputs` is not applied under mocks (the engine does it); the state a mock
 *   returns is what the resource's outputs resolve to (a secret marker in it makes that output secret).
 *   What the program asked for is captured from the RegisterResourceRequest the SDK sent to the
 *   mock monitor (`RegisteredResource.additionalSecretOutputs`), so engine-level tests can apply
 *   exactly what a real program registers.
 * - Registration is asynchronous; this waits for the runtime's RPC queue to drain
 *   (`pulumi.runtime.disconnect()`, which only waits and drops the mock monitor).
 * - Provider methods are never called under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { makeUrn } from "./host";
import type { PropertyMap } from "./properties";

export interface NewResourceArgs {
    type: string;
    name: string;
    /** Inputs as the mock monitor delivers them (secret inputs as secret markers). */
    inputs: PropertyMap;
    provider: string | undefined;
    custom: boolean;
    /** Import id, if any. */
    id: string | undefined;
}

export interface NewResourceResult {
    id?: string;
    /** Output state; defaults to the inputs. */
    state?: PropertyMap;
}

export interface RegisteredResource {
    type: string;
    name: string;
    urn: string;
    /** Inputs (secret inputs as secret markers; dynamic resources carry `__provider`). */
    inputs: PropertyMap;
    provider: string | undefined;
    custom: boolean;
    /** What the mock answered. */
    id: string | undefined;
    state: PropertyMap;
    /** The `additionalSecretOutputs` resource option of the registration, as the SDK sent it to the monitor. */
    additionalSecretOutputs: string[];
}

export interface SerializeOptions {
    project?: string;
    stack?: string;
    preview?: boolean;
    /** Whole stack config, namespaced keys (`huaweicloud:region`). */
    config?: Record<string, string>;
    /** Config keys that are secret (`pulumi config set --secret`). */
    secretConfigKeys?: string[];
    /** Mock answer for each resource; default `{ id: name + "_id" (undefined in preview), state: inputs }`. */
    newResource?: (args: NewResourceArgs) => NewResourceResult | Promise<NewResourceResult>;
    /** Mock answer for invokes; default `{}`. */
    call?: (args: { token: string; inputs: PropertyMap; provider: string | undefined }) => PropertyMap | Promise<PropertyMap>;
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `program` under mocks and returns every resource it registered, in registration order. */
export function serializeResources(program: () => void | Promise<void>, opts: SerializeOptions = {}): Promise<RegisteredResource[]> {
    const run = queue.then(() => runUnderMocks(program, opts));
    queue = run.catch(() => undefined);
    return run;
}

async function runUnderMocks(program: () => void | Promise<void>, opts: SerializeOptions): Promise<RegisteredResource[]> {
    const project = opts.project ?? "project";
    const stack = opts.stack ?? "stack";
    const preview = opts.preview ?? false;
    const registered: RegisteredResource[] = [];
    /** additionalSecretOutputs per "type::name", read from each RegisterResourceRequest. */
    const requestedSecrets = new Map<string, string[]>();
    const mocks: pulumi.runtime.Mocks = {
        async newResource(args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> {
            const a: NewResourceArgs = {
                type: args.type,
                name: args.name,
                inputs: (args.inputs ?? {}) as PropertyMap,
                provider: args.provider || undefined,
                custom: args.custom ?? true,
                id: args.id || undefined,
            };
            const answer = opts.newResource ? await opts.newResource(a) : { id: preview ? undefined : `${a.name}_id` };
            const state = answer.state ?? a.inputs;
            const additionalSecretOutputs = requestedSecrets.get(`${a.type}::${a.name}`) ?? [];
            registered.push({ ...a, urn: "", id: answer.id, state, additionalSecretOutputs });
            return { id: answer.id, state };
        },
        async call(args: pulumi.runtime.MockCallArgs): Promise<pulumi.runtime.MockCallResult> {
            return opts.call ? opts.call({ token: args.token, inputs: args.inputs as PropertyMap, provider: args.provider }) : {};
        },
    };
    await pulumi.runtime.setMocks(mocks, project, stack, preview);
    pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretConfigKeys ?? []);
    const monitor = pulumi.runtime.getMonitor();
    if (monitor instanceof MockMonitor) captureRequestedSecrets(monitor, requestedSecrets);

    // Mocha re-emits unhandled rejections it does not own, so the same reason may arrive twice.
    const failures = new Set<unknown>();
    const onRejection = (reason: unknown): void => {
        failures.add(reason);
    };
    // A registration that fails (e.g. the closure serializer rejects the provider) surfaces as an
    // unhandled rejection in the runtime: collect those while the program runs.
    process.prependListener("unhandledRejection", onRejection);
    try {
        await program();
        await pulumi.runtime.disconnect();
        await new Promise((r) => setImmediate(r));
    } finally {
        process.removeListener("unhandledRejection", onRejection);
    }
    if (failures.size > 0) {
        const first = [...failures][0];
        throw first instanceof Error ? first : new Error(String(first));
    }

    // URNs as the mock monitor computed them (it knows parents); fall back to a top-level URN.
    const urns = monitor instanceof MockMonitor ? [...monitor.getRegisteredResources().keys()] : [];
    for (const r of registered) {
        const match = urns.find((u) => {
            const parts = u.split("::");
            return parts[parts.length - 1] === r.name && parts[2].split("$").pop() === r.type;
        });
        r.urn = match ?? makeUrn(stack, project, r.type, r.name);
    }
    return registered;
}

/** The part of a RegisterResourceRequest (generated protobuf class) read here. */
interface RegisterRequestView {
    getType(): string;
    getName(): string;
    getAdditionalsecretoutputsList(): string[];
}

/**
 * Wraps the mock monitor's registerResource (the monitor is new for every setMocks call) to record
 * the additionalSecretOutputs each request carries; the mock's newResource does not receive options.
 */
function captureRequestedSecrets(monitor: MockMonitor, into: Map<string, string[]>): void {
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: RegisterRequestView, callback: (err: unknown, response: unknown) => void): Promise<void> => {
        into.set(`${req.getType()}::${req.getName()}`, [...req.getAdditionalsecretoutputsList()]);
        return original(req, callback);
    };
}

/** Value, known-ness and secretness of an Output. */
export interface OutputDetails<T> {
    /** undefined when not known (preview). */
    value: T | undefined;
    known: boolean;
    secret: boolean;
}

/**
 * Resolves an Output. Public API: `pulumi.isSecret(o)` and `o.apply(...)`. `apply` never runs its
 * callback for an unknown value (preview), so known-ness is read from the Output's `isKnown`
 * promise, an internal but long-standing member of OutputImpl.
 */
export async function outputDetails<T>(o: pulumi.Output<T>): Promise<OutputDetails<T>> {
    const secret = await pulumi.isSecret(o);
    const isKnown = (o as unknown as { isKnown?: Promise<boolean> }).isKnown;
    const known = isKnown ? await isKnown : true;
    if (!known) {
        return { value: undefined, known, secret };
    }
    const value = await new Promise<T>((resolve) => {
        o.apply((v) => {
            resolve(v as T);
            return v;
        });
    });
    return { value, known, secret };
}

/**
 * The `__provider` text `pulumi.dynamic.Resource` stores for `provider`: the same call the SDK makes
 * (`serializeFunction(() => provider, { allowSecrets: true })`). Throws if the closure captured a
 * secret, which the SDK would store as a secret (the text would then be a secret input).
 */
export async function serializeProvider(provider: object): Promise<string> {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    if (sf.containsSecrets) {
        throw new Error("the provider closure captured a secret Output");
    }
    return sf.text;
}
