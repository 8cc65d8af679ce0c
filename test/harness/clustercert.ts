/**
 * Shared pieces of the lifecycle tests: every test drives the REAL dynamic-provider host of
 * @pulumi/pulumi (through `Engine`) against the CCE emulator, with the emulator's fault injection.
 * Nothing here replaces or mocks the provider's own client.
 */
import assert from "node:assert/strict";
import { ClusterCert, SECRET_OUTPUTS, type ClusterCertArgs } from "../../provider";
import { CceEmulator } from "../emulator";
import type { EmulatorOptions } from "../emulator/options";
import { REPO_ROOT } from "./program";
import { Engine, type ResourceState, type UpResult } from "./engine";
import type { PropertyMap } from "./properties";
import { serializeResources } from "./serialize";

export const TYPE = "pulumi-nodejs:dynamic/cce:ClusterCert";
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The inputs a program registers for a ClusterCert, serialized for real under mocks. */
export async function registered(args: ClusterCertArgs, name = "cert"): Promise<PropertyMap> {
    const [r] = await serializeResources(() => {
        new ClusterCert(name, args);
    });
    assert.equal(r!.type, TYPE);
    return r!.inputs;
}

/** Inputs of many resources in one program run (one serializer pass: much faster than one run each). */
export async function registeredMany(list: { name: string; args: ClusterCertArgs }[]): Promise<Map<string, PropertyMap>> {
    const res = await serializeResources(() => {
        for (const { name, args } of list) new ClusterCert(name, args);
    });
    const out = new Map<string, PropertyMap>();
    for (const r of res) {
        assert.equal(r.type, TYPE);
        out.set(r.name, r.inputs);
    }
    return out;
}

/** A minimal host environment: no credential from the developer's shell leaks into a test. */
export function baseEnv(emu: CceEmulator, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_EXTRA_CA_CERTS: emu.caFile, ...extra };
}

/** Every `pulumi up` registers the resource again with its options, additionalSecretOutputs included. */
export function up(engine: Engine, state: ResourceState | undefined, inputs: PropertyMap, name = "cert"): Promise<UpResult> {
    return engine.up(state, inputs, { name, type: TYPE, additionalSecretOutputs: [...SECRET_OUTPUTS] });
}

/** Log lines of the host printed after `from` (an index into `host.logs()`). */
export function logsSince(engine: Engine, from: number): string[] {
    return engine.host.logs().slice(from);
}

/** Lines of the host's log written by our provider (the runtime prefixes them). */
export function providerLines(lines: readonly string[]): string[] {
    return lines.filter((l) => l.includes("cce-clustercert: "));
}

/** Waits a little for host output that may arrive after the RPC's answer. */
export async function settle(ms = 150): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
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
