/**
 * Shared pieces of the lifecycle tests: every test drives the REAL dynamic-provider host of
 * @pulumi/pulumi (through `Engine`) against the CCE emulator, with the emulator's fault injection.
 * Nothing here replaces or mocks the provider's own client.
 *
 * What the engine stores as secret depends on what the program registered: `registered()` runs a
 * real `new ClusterCert(...)` under `pulumi.runtime.setMocks` and captures its registration (the
 * `additionalSecretOutputs` resource option the constructor passed, and which output properties the
 * object wraps in `pulumi.secret`); `up()` registers with exactly that, so the engine-level secret
 * assertions test the resource class, not a list the test hands in.
 */
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ClusterCert, type ClusterCertArgs } from "../../provider";
import { CceEmulator } from "../emulator";
import type { EmulatorOptions } from "../emulator/options";
import { REPO_ROOT } from "./program";
import { Engine, type ResourceState, type UpResult } from "./engine";
import { stripSecretsMap, type PropertyMap } from "./properties";
import { serializeResources } from "./serialize";

export const TYPE = "pulumi-nodejs:dynamic/cce:ClusterCert";
export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The outputs the README promises as secrets, written out here (not imported from the provider) so
 * that a change to the provider's list makes the engine-level assertions fail.
 */
export const DOCUMENTED_SECRET_OUTPUTS: readonly string[] = ["kubeconfig", "clientCertificate", "clientKey", "clusterCaCertificate"];

/** What one `new ClusterCert(name, args, opts)` registered, captured under mocks. */
export interface ClusterCertRegistration {
    name: string;
    /** The inputs as the SDK sent them (credentials as secret markers, `__provider` text). */
    inputs: PropertyMap;
    /** The `additionalSecretOutputs` resource option the constructor passed to the engine. */
    additionalSecretOutputs: string[];
    /** Output properties of the object that are secret although the mock answered only plain values. */
    secretProperties: string[];
}

const registrations = new WeakMap<PropertyMap, ClusterCertRegistration>();

/** Output properties of a resource object that are Outputs, with their secretness. */
async function secretPropertiesOf(resource: object): Promise<string[]> {
    const out: string[] = [];
    for (const [key, value] of Object.entries(resource)) {
        if (key === "urn" || key === "id" || !pulumi.Output.isInstance(value)) continue;
        if (await pulumi.isSecret(value)) out.push(key);
    }
    return out.sort();
}

/**
 * Runs `new ClusterCert(name, args, opts)` under mocks (the mock answers the inputs back with every
 * secret marker removed, so only the class itself can make an output secret) and returns what it
 * registered.
 */
export async function registration(args: ClusterCertArgs, name = "cert", opts?: pulumi.CustomResourceOptions): Promise<ClusterCertRegistration> {
    let resource: ClusterCert | undefined;
    const [r] = await serializeResources(
        () => {
            resource = new ClusterCert(name, args, opts);
        },
        { newResource: (a) => ({ id: `${a.name}_id`, state: stripSecretsMap(a.inputs) }) },
    );
    assert.equal(r!.type, TYPE);
    const captured: ClusterCertRegistration = {
        name,
        inputs: r!.inputs,
        additionalSecretOutputs: [...r!.additionalSecretOutputs],
        secretProperties: await secretPropertiesOf(resource!),
    };
    registrations.set(captured.inputs, captured);
    return captured;
}

/** The inputs a program registers for a ClusterCert, serialized for real under mocks (see `registration`). */
export async function registered(args: ClusterCertArgs, name = "cert"): Promise<PropertyMap> {
    return (await registration(args, name)).inputs;
}

/** The registration that produced `inputs` (they must come from `registered()` or `registration()`). */
export function registrationOf(inputs: PropertyMap): ClusterCertRegistration {
    const r = registrations.get(inputs);
    if (!r) throw new Error("up(): these inputs were not produced by registered()/registration(), so their resource options are unknown");
    return r;
}

/** A minimal host environment: no credential from the developer's shell leaks into a test. */
export function baseEnv(emu: CceEmulator, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_EXTRA_CA_CERTS: emu.caFile, ...extra };
}

/**
 * One `pulumi up` of a ClusterCert whose `inputs` came from `registered()`: like the engine, it
 * applies the resource options that registration carried (additionalSecretOutputs), every time.
 */
export function up(engine: Engine, state: ResourceState | undefined, inputs: PropertyMap, name = "cert"): Promise<UpResult> {
    const { additionalSecretOutputs } = registrationOf(inputs);
    return engine.up(state, inputs, { name, type: TYPE, additionalSecretOutputs: [...additionalSecretOutputs] });
}

/** Log lines of the host printed after `from` (an index into `host.logs()`). */
export function logsSince(engine: Engine, from: number): string[] {
    return engine.host.logs().slice(from);
}

/** Lines of the host's log written by our provider (the runtime prefixes them). */
export function providerLines(lines: readonly string[]): string[] {
    return lines.filter((l) => l.includes("cce-clustercert: "));
}

/** Every form in which a PEM private key could leak: the PEM, its base64 body lines, its kubeconfig base64. */
export function pemForms(pem: string): string[] {
    const body = pem.split("\n").filter((l) => l !== "" && !l.startsWith("-----"));
    const longest = [...body].sort((a, b) => b.length - a.length).slice(0, 2);
    return [pem.trim(), ...longest, Buffer.from(pem, "utf8").toString("base64").slice(0, 60)];
}

/** Asserts that none of `secrets` occurs in `text`; `where` names the text in the failure. */
export function assertNoSecret(text: string, secrets: readonly string[], where: string): void {
    for (const s of secrets) {
        if (s.length < 4) continue;
        assert.ok(!text.includes(s), `${where} contains a planted secret (${s.slice(0, 6)}…)`);
    }
}

/** The outputs of a state that are not stored as secrets, as JSON text. */
export function nonSecretOutputs(state: ResourceState): string {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(state.outputs)) if (!state.secretOutputs.has(k)) out[k] = v;
    return JSON.stringify(out);
}

/** Milliseconds between consecutive emulator call records. */
export function gaps(times: readonly Date[]): number[] {
    return times.slice(1).map((t, i) => t.getTime() - (times[i] as Date).getTime());
}

/** An emulator and one engine (host) with AK/SK in its environment: the setup most lifecycle tests share. */
export async function startEmulatorAndEngine(
    options: EmulatorOptions,
    credential: { accessKey: string; secretKey: string },
    config: Record<string, string> = {},
): Promise<{ emu: CceEmulator; engine: Engine }> {
    const emu = await CceEmulator.start(options);
    const engine = await Engine.start({
        cwd: REPO_ROOT,
        env: baseEnv(emu, { HW_ACCESS_KEY: credential.accessKey, HW_SECRET_KEY: credential.secretKey }),
        config,
    });
    return { emu, engine };
}
