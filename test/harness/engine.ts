/**
 * `Engine`: what the Pulumi engine does around one dynamic resource, on top of `ProviderHost`.
 *
 * Reproduced from pkg/resource/deploy/step_generator.go, step.go, step_executor.go and
 * pkg/resource/plugin/provider_plugin.go:
 * - start: GetPluginInfo, then Configure with the whole stack config (namespaced keys).
 *   (Handshake/CheckConfig/DiffConfig answer UNIMPLEMENTED in the host and change nothing: skipped.)
 * - secrets: the host answers `acceptSecrets: false`, so secret markers are stripped before every
 *   call; afterwards secretness is copied back by property name (`annotateSecrets`: checked inputs
 *   from the program's inputs, create/update outputs from the checked inputs, read outputs from the
 *   old outputs), then the step executor marks `additionalSecretOutputs` and every output whose
 *   input of the same name is secret.
 * - up: Check(olds = old inputs or {}, news). No prior state: Create. Otherwise Diff(id, olds = old
 *   OUTPUTS, news = checked inputs); DIFF_UNKNOWN becomes some/none by comparing old and new inputs;
 *   none → same (old outputs kept, new inputs stored; an update if the old state has init errors);
 *   some + replaces → replace (re-Check with olds = {}, then create-before-delete, or delete first if
 *   deleteBeforeReplace); some → Update(id, olds = old OUTPUTS, news).
 * - preview: Create/Update are not sent to the host (it does not support preview): the would-be
 *   outputs are the checked inputs, the id is "" for a create; Delete is never called.
 * - refresh: Read(id, props = stored outputs, inputs = stored inputs); an empty id means the
 *   resource is gone. destroy: Delete(id, props = stored outputs).
 *
 * State granularity: `secretOutputs` holds top-level keys. The engine can mark nested parts of an
 * object secret; here the whole top-level value is then secret (conservative).
 */
import {
    ProviderError,
    ProviderHost,
    makeUrn,
    parseUrn,
    type CheckFailure,
    type ConfigValue,
    type ConfigureResult,
    type DiffResult,
    type HostStartOptions,
} from "./host";
import {
    annotateSecrets,
    deepEqual,
    isSecret,
    markSecrets,
    secretKeys,
    stripSecretsMap,
    type PropertyMap,
    type PropertyValue,
} from "./properties";

/** Default type of a `pulumi.dynamic.Resource` without module/type arguments. */
export const DEFAULT_DYNAMIC_TYPE = "pulumi-nodejs:dynamic:Resource";

/** The type token `pulumi.dynamic.Resource` registers for (module, type). */
export function dynamicResourceType(module?: string, type = "Resource"): string {
    return `pulumi-nodejs:dynamic${module ? `/${module}` : ""}:${type}`;
}

/** One resource as the engine keeps it in the stack state. */
export interface ResourceState {
    urn: string;
    type: string;
    name: string;
    /** "" after a preview create. */
    id: string;
    /** Checked inputs as stored: secret values are still wrapped in secret markers. */
    inputs: PropertyMap;
    /** Outputs as plain values (markers removed); see secretOutputs. */
    outputs: PropertyMap;
    /** Top-level output keys stored as secrets. */
    secretOutputs: Set<string>;
    additionalSecretOutputs: string[];
    /** Reasons of a partial failure (ErrorResourceInitFailed), if the last operation had one. */
    initErrors?: string[];
}

export type UpOperation = "create" | "same" | "update" | "replace";

export interface UpOptions {
    /** Resource name and type, for a create (ignored when a prior state is given). */
    name?: string;
    type?: string;
    additionalSecretOutputs?: string[];
    /** `pulumi preview` instead of `pulumi up`. */
    preview?: boolean;
    /** The resource option; overrides the provider's answer. */
    deleteBeforeReplace?: boolean;
    ignoreChanges?: string[];
}

export interface UpResult {
    op: UpOperation;
    /** The new state (in preview: the state the update would produce, with outputs = inputs). */
    state: ResourceState;
    /** What the host's Diff answered (absent for a create). */
    diff?: DiffResult;
    /** Diff changes after the engine resolved "unknown". */
    changes?: "none" | "some";
    /** For a replace: the state that was (or in preview, would be) deleted. */
    replaced?: ResourceState;
}

export interface EngineCall {
    method: "configure" | "check" | "diff" | "create" | "read" | "update" | "delete";
    urn?: string;
}

/** Check failures, formatted like the engine's diagnostics (one line per failure). */
export class CheckFailedError extends Error {
    readonly failures: CheckFailure[];
    readonly urn: string;
    constructor(urn: string, failures: CheckFailure[], inputs: PropertyMap) {
        const { type, name } = parseUrn(urn);
        const lines = failures.map((f) =>
            f.property
                ? `${type} resource '${name}': property ${f.property} value ${formatValue(inputs[f.property])} has a problem: ${f.reason}`
                : `${type} resource '${name}' has a problem: ${f.reason}`,
        );
        super(lines.join("\n"));
        this.name = "CheckFailedError";
        this.failures = failures;
        this.urn = urn;
    }
}

/**
 * A create/update that failed after the resource was created (ErrorResourceInitFailed): the engine
 * keeps the resource with the given id/properties and reports the reasons (go-multierror format).
 */
export class PartialFailureError extends Error {
    readonly state: ResourceState;
    readonly reasons: string[];
    readonly providerError: ProviderError;
    constructor(state: ResourceState, providerError: ProviderError) {
        const reasons = providerError.initFailure?.reasons ?? [];
        super(formatReasons(reasons));
        this.name = "PartialFailureError";
        this.state = state;
        this.reasons = reasons;
        this.providerError = providerError;
    }
}

function formatReasons(reasons: string[]): string {
    if (reasons.length === 0) {
        return "resource init failed";
    }
    if (reasons.length === 1) {
        return `1 error occurred:\n\t* ${reasons[0]}\n\n`;
    }
    return `${reasons.length} errors occurred:\n\t${reasons.map((r) => `* ${r}`).join("\n\t")}\n\n`;
}

function formatValue(v: PropertyValue | undefined): string {
    if (v === undefined || v === null) {
        return "{<nil>}";
    }
    if (isSecret(v)) {
        return "[secret]";
    }
    return typeof v === "string" ? `{${v}}` : `{${JSON.stringify(v)}}`;
}

export interface EngineOptions {
    project?: string;
    stack?: string;
}

export interface EngineStartOptions extends HostStartOptions {
    stack?: string;
    /** Stack config, namespaced keys (`huaweicloud:region`); secret values via `secret(...)`. */
    config?: Record<string, ConfigValue>;
}

export class Engine {
    readonly host: ProviderHost;
    readonly project: string;
    readonly stack: string;
    /** Every RPC the engine made, in order (for assertions such as "create not called in preview"). */
    readonly calls: EngineCall[] = [];
    private protocol: ConfigureResult | undefined;

    constructor(host: ProviderHost, opts: EngineOptions = {}) {
        this.host = host;
        this.project = opts.project ?? host.project;
        this.stack = opts.stack ?? "stack";
    }

    /** Starts a host, then GetPluginInfo and Configure(config) like the engine. */
    static async start(opts: EngineStartOptions): Promise<Engine> {
        const host = await ProviderHost.start(opts);
        try {
            const engine = new Engine(host, { project: host.project, stack: opts.stack });
            await host.getPluginInfo();
            await engine.configure(opts.config ?? {});
            return engine;
        } catch (e) {
            await host.stop();
            throw e;
        }
    }

    async configure(config: Record<string, ConfigValue>): Promise<ConfigureResult> {
        this.calls.push({ method: "configure" });
        this.protocol = await this.host.configure(config, { stack: this.stack });
        return this.protocol;
    }

    /** Stops the host. */
    stop(): Promise<void> {
        return this.host.stop();
    }

    urn(name: string, type: string = DEFAULT_DYNAMIC_TYPE): string {
        return makeUrn(this.stack, this.project, type, name);
    }

    private async ensureConfigured(): Promise<ConfigureResult> {
        return this.protocol ?? (await this.configure({}));
    }

    /** What is sent to the host: secrets stripped unless it accepts them. */
    private wire(m: PropertyMap): PropertyMap {
        return this.protocol?.acceptSecrets ? m : stripSecretsMap(m);
    }

    private async check(urn: string, olds: PropertyMap, news: PropertyMap): Promise<PropertyMap> {
        this.calls.push({ method: "check", urn });
        const res = await this.host.check(urn, this.wire(olds), this.wire(news));
        const inputs = this.protocol?.acceptSecrets ? res.inputs : annotateSecrets(res.inputs, news);
        if (res.failures.length > 0) {
            throw new CheckFailedError(urn, res.failures, inputs);
        }
        return inputs;
    }

    /** The step executor's post-processing: additionalSecretOutputs and secret inputs → secret outputs. */
    private finalize(base: Omit<ResourceState, "outputs" | "secretOutputs">, markedOutputs: PropertyMap): ResourceState {
        const secrets = secretKeys(markedOutputs);
        for (const k of base.additionalSecretOutputs) {
            if (k in markedOutputs) {
                secrets.add(k);
            }
        }
        for (const k of Object.keys(markedOutputs)) {
            if (isSecret(base.inputs[k])) {
                secrets.add(k);
            }
        }
        const state: ResourceState = {
            ...base,
            outputs: stripSecretsMap(markedOutputs),
            secretOutputs: secrets,
        };
        if (state.initErrors === undefined) {
            delete state.initErrors;
        }
        return state;
    }

    private marked(state: ResourceState): PropertyMap {
        return markSecrets(state.outputs, state.secretOutputs);
    }

    private async doCreate(
        base: Omit<ResourceState, "outputs" | "secretOutputs" | "id">,
        preview: boolean,
        protocol: ConfigureResult,
    ): Promise<ResourceState> {
        if (preview && !protocol.supportsPreview) {
            return this.finalize({ ...base, id: "" }, base.inputs);
        }
        this.calls.push({ method: "create", urn: base.urn });
        try {
            const res = await this.host.create(base.urn, this.wire(base.inputs), preview);
            if (res.id === "" && !preview) {
                throw new Error(`plugin returned empty resource.ID from create '${base.urn}'`);
            }
            return this.finalize({ ...base, id: res.id }, this.annotateOuts(res.properties, base.inputs));
        } catch (e) {
            throw this.partial(e, base, undefined);
        }
    }

    private annotateOuts(outs: PropertyMap, ins: PropertyMap): PropertyMap {
        return this.protocol?.acceptSecrets ? outs : annotateSecrets(outs, ins);
    }

    /** Turns an ErrorResourceInitFailed into a PartialFailureError carrying the kept state. */
    private partial(e: unknown, base: Omit<ResourceState, "outputs" | "secretOutputs" | "id">, id: string | undefined): unknown {
        if (e instanceof ProviderError && e.initFailure) {
            const f = e.initFailure;
            const state = this.finalize(
                { ...base, id: f.id || id || "", initErrors: f.reasons, ...(f.inputs ? { inputs: annotateSecrets(f.inputs, base.inputs) } : {}) },
                this.annotateOuts(f.properties, base.inputs),
            );
            return new PartialFailureError(state, e);
        }
        return e;
    }

    private async doDelete(state: ResourceState): Promise<void> {
        this.calls.push({ method: "delete", urn: state.urn });
        await this.host.delete(state.id, state.urn, this.wire(this.marked(state)), this.wire(state.inputs));
    }

    /** `pulumi up` (or `pulumi preview` with opts.preview) of one resource. */
    async up(state: ResourceState | undefined, newInputs: PropertyMap, opts: UpOptions = {}): Promise<UpResult> {
        const protocol = await this.ensureConfigured();
        const preview = opts.preview ?? false;
        const urn = state?.urn ?? this.urn(opts.name ?? "resource", opts.type ?? DEFAULT_DYNAMIC_TYPE);
        const { name, type } = state ?? { name: parseUrn(urn).name, type: parseUrn(urn).type };
        const additionalSecretOutputs = opts.additionalSecretOutputs ?? [];

        const inputs = await this.check(urn, state?.inputs ?? {}, newInputs);
        const base = { urn, name, type, inputs, additionalSecretOutputs };

        if (!state) {
            return { op: "create", state: await this.doCreate(base, preview, protocol) };
        }

        this.calls.push({ method: "diff", urn });
        const diff = await this.host.diff(
            state.id,
            urn,
            this.wire(this.marked(state)),
            this.wire(inputs),
            this.wire(state.inputs),
            opts.ignoreChanges ?? [],
        );
        let changes: "none" | "some";
        if (diff.changes === "unknown") {
            changes = deepEqual(stripSecretsMap(state.inputs), stripSecretsMap(inputs)) ? "none" : "some";
        } else {
            changes = diff.changes;
        }

        if (changes === "some" && diff.replaces.length > 0) {
            // The engine re-checks the new inputs without olds before a replacement.
            const replInputs = await this.check(urn, {}, newInputs);
            const replBase = { ...base, inputs: replInputs };
            const deleteFirst = opts.deleteBeforeReplace ?? diff.deleteBeforeReplace;
            if (preview) {
                return { op: "replace", state: await this.doCreate(replBase, true, protocol), diff, changes, replaced: state };
            }
            if (deleteFirst) {
                await this.doDelete(state);
            }
            const created = await this.doCreate(replBase, false, protocol);
            if (!deleteFirst) {
                await this.doDelete(state);
            }
            return { op: "replace", state: created, diff, changes, replaced: state };
        }

        if (changes === "none" && !(state.initErrors && state.initErrors.length > 0)) {
            // Same step: old id and outputs, new inputs.
            return {
                op: "same",
                state: this.finalize({ ...base, id: state.id }, this.marked(state)),
                diff,
                changes,
            };
        }

        // Update.
        if (preview && !protocol.supportsPreview) {
            return { op: "update", state: this.finalize({ ...base, id: state.id }, inputs), diff, changes };
        }
        this.calls.push({ method: "update", urn });
        try {
            const res = await this.host.update(state.id, urn, this.wire(this.marked(state)), this.wire(inputs), preview, this.wire(state.inputs));
            return {
                op: "update",
                state: this.finalize({ ...base, id: state.id }, this.annotateOuts(res.properties, inputs)),
                diff,
                changes,
            };
        } catch (e) {
            throw this.partial(e, base, state.id);
        }
    }

    /** `pulumi refresh` of one resource: undefined if the provider reports it gone (empty id). */
    async refresh(state: ResourceState): Promise<ResourceState | undefined> {
        await this.ensureConfigured();
        this.calls.push({ method: "read", urn: state.urn });
        const oldOutputs = this.marked(state);
        const res = await this.host.read(state.id, state.urn, this.wire(oldOutputs), this.wire(state.inputs));
        if (res.id === "") {
            return undefined;
        }
        const inputs = res.inputs ? this.annotateOuts(res.inputs, state.inputs) : state.inputs;
        const { outputs: _o, secretOutputs: _s, ...rest } = state;
        return this.finalize({ ...rest, id: res.id, inputs }, this.annotateOuts(res.properties, oldOutputs));
    }

    /** `pulumi destroy` of one resource. */
    async destroy(state: ResourceState): Promise<void> {
        await this.ensureConfigured();
        await this.doDelete(state);
    }
}
