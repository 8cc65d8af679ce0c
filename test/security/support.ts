/**
 * Shared pieces of the security cases (`test/security/`): an emulator with one cluster, hosts of the
 * REAL dynamic-provider host started with a chosen environment and stack config, and `attempt()`,
 * which registers a `ClusterCert` under mocks, runs check + create through a host and reports the
 * exact outcome: the error (class and message) or the state, the host's log lines written meanwhile,
 * and the calls the emulator saw.
 */
import assert from "node:assert/strict";
import type { CallRecord } from "../emulator/call-log";
import { CceEmulator } from "../emulator";
import type { EmulatorOptions } from "../emulator/options";
import { baseEnv, registered, up } from "../harness/clustercert";
import { Engine, type ResourceState } from "../harness/engine";
import { REPO_ROOT } from "../harness/program";

export const PROJECT = { id: "5ec0a1b2c3d4e5f60718293a4b5c6d7e", name: "eu-west-0" };
export const CLUSTER = { id: "5ec0c1d2-1b3f-11ef-9e2a-0255ac100001", projectId: PROJECT.id, publicIp: true, version: "v1.28" };
export const AK = "SECURITYCASEAK0000001";
export const SK = "SecurityCaseSecretKey0123456789abcdefghij";

/** Control characters a hostile server may send: any of them raw in a message or log line is a failure. */
export const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** An emulator serving `CLUSTER` (public IP: internal and external contexts) to AK/SK, RSA client keys (what CCE hands out). */
export function startEmulator(extra: EmulatorOptions = {}): Promise<CceEmulator> {
    return CceEmulator.start({
        keyType: "rsa",
        credentials: [{ accessKey: AK, secretKey: SK }],
        projects: [PROJECT],
        clusters: [CLUSTER],
        ...extra,
    });
}

/** A host with the emulator's CA trusted, `env` added to a bare environment, and `config` as stack config. */
export function startEngine(emu: CceEmulator, env: Record<string, string> = {}, config: Record<string, string> = {}): Promise<Engine> {
    return Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu, env), config });
}

export interface Outcome {
    error?: Error;
    state?: ResourceState;
    /** Lines the host printed during the attempt, once its output went quiet (use `waitForLines` for a line you expect). */
    logs: string[];
    /** Index into the host's log where the attempt began. */
    logFrom: number;
    /** Every request the emulator saw during the attempt. */
    calls: CallRecord[];
}

let counter = 0;

/** Registers a ClusterCert with `args` (through the real resource class, under mocks), then check + create through `engine`. */
export async function attempt(engine: Engine, emu: CceEmulator, args: Record<string, unknown>): Promise<Outcome> {
    const name = `sec${++counter}`;
    const inputs = await registered(args as never, name);
    const logFrom = engine.host.logs().length;
    const callsFrom = emu.calls.entries.length;
    let error: Error | undefined;
    let state: ResourceState | undefined;
    try {
        state = (await up(engine, undefined, inputs, name)).state;
    } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
    }
    await quiet(engine);
    return { ...(error ? { error } : {}), ...(state ? { state } : {}), logs: engine.host.logs().slice(logFrom), logFrom, calls: emu.calls.entries.slice(callsFrom) };
}

/** Waits until the host printed nothing new for 200 ms (at most 10 s): its output may trail the answer. */
async function quiet(engine: Engine): Promise<void> {
    let seen = -1;
    for (let waited = 0; waited < 10_000 && engine.host.logs().length !== seen; waited += 200) {
        seen = engine.host.logs().length;
        await new Promise((r) => setTimeout(r, 200));
    }
}

/** The host's lines since the attempt began that match `test`, waiting (up to 30 s) until at least `count` have arrived. */
export function waitForLines(engine: Engine, o: Outcome, test: (line: string) => boolean, count = 1): Promise<string[]> {
    return engine.host.waitForLogCount(test, count, { from: o.logFrom });
}

/** The default args of a case: the emulator's endpoints, the cluster, AK/SK from the host's environment, no retries. */
export function defaultArgs(emu: CceEmulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { clusterId: CLUSTER.id, projectId: PROJECT.id, endpoint: emu.url, iamEndpoint: emu.url, duration: 30, maxRetries: 0, ...extra };
}

/** clustercert calls among `calls`. */
export function certCalls(o: Outcome): number {
    return o.calls.filter((c) => c.route === "clustercert").length;
}

/** The outcome's error message; fails the test when the attempt succeeded. */
export function failure(o: Outcome): string {
    assert.ok(o.error, `the attempt must fail; it created ${o.state?.id ?? "nothing"}`);
    return o.error.message;
}

/** Asserts that `text` is one line without raw control characters. */
export function assertOneSafeLine(text: string, where: string): void {
    assert.doesNotMatch(text, RAW_CONTROL, `${where} holds a raw control character: ${JSON.stringify(text.slice(0, 300))}`);
}

/** The provider's own lines among host log lines (the runtime prefixes them). */
export function providerLines(o: Outcome): string[] {
    return o.logs.filter((l) => l.includes("cce-clustercert: "));
}
