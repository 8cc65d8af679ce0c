/**
 * ClusterCert against a dynamic provider written on the official SDK (bench/fixtures/official-sdk),
 * both through the real dynamic-provider host, for RSA and EC client keys; and the floor, a provider
 * that only answers (bench/fixtures/floor), for what the host itself costs per create.
 *
 * Two emulator processes in benchmark mode (one minting RSA-2048 keys, one P-256 EC keys), one host
 * per provider serving both. Each round has two parts:
 *
 * - **creates/s**: one batch of `batchSize` creates (`concurrency` at a time) for each (provider,
 *   key type) and the floor, one after the other, in an order that rotates from round to round;
 * - **CPU per create**: for each key type, the three hosts serve creates *at the same time* for
 *   `cpuMs` (`concurrency` each, closed loop), so that whatever else the machine runs weighs on all
 *   of them alike; the host's CPU time (/proc/<pid>/stat) over the creates it finished.
 *
 * Ratios are taken within a round; their median and range over the rounds are reported.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterCert, SECRET_OUTPUTS } from "../provider";
import type { EmulatorOptions } from "../test/emulator/options";
import { Engine } from "../test/harness/engine";
import { makeProgramDir, REPO_ROOT } from "../test/harness/program";
import type { PropertyMap } from "../test/harness/properties";
import { serializeProvider, serializeResources } from "../test/harness/serialize";
import { EmulatorProcess, processCpuSeconds } from "./emulator-process";
import { median, now, pool } from "./measure";
import { FLOOR_FIXTURE_DIR, FLOOR_FIXTURE_PACKAGE, floorProvider, OFFICIAL_FIXTURE_DIR, OFFICIAL_FIXTURE_PACKAGE, officialSdkProvider } from "./official-provider";

export type KeyType = "rsa" | "ec";
export type ProviderName = "ours" | "official" | "floor";

export interface SdkHostOptions {
    rounds: number;
    batchSize: number;
    concurrency: number;
    /** Duration of each simultaneous CPU run. */
    cpuMs: number;
}

/** One batch (creates/s) or one simultaneous run (CPU per create). */
export interface HostRun {
    creates: number;
    seconds: number;
    rate: number;
    hostCpuUsPerCreate: number;
}

export interface SdkHostResult {
    options: SdkHostOptions;
    /** throughput[provider][key][round] (the floor under both keys: it makes no call) */
    throughput: Record<ProviderName, Record<KeyType, HostRun[]>>;
    /** cpu[provider][key][round], the three providers at the same time */
    cpu: Record<ProviderName, Record<KeyType, HostRun[]>>;
}

const TYPES: Record<ProviderName, string> = {
    ours: "pulumi-nodejs:dynamic/cce:ClusterCert",
    official: "pulumi-nodejs:dynamic/bench:OfficialSdkClusterCert",
    floor: "pulumi-nodejs:dynamic/bench:Floor",
};
export const KEYS: readonly KeyType[] = ["rsa", "ec"];
const PROVIDERS: readonly ProviderName[] = ["ours", "official", "floor"];

/** The emulator configuration of the host benchmarks (shared with the flow benchmark). */
export function benchEmulatorOptions(keyType: KeyType): EmulatorOptions {
    return {
        credentials: [{ accessKey: "BENCHACCESSKEY000001", secretKey: "BenchSecretKey0123456789abcdefghijklmnop", userId: "5f0e6c3a9b8d4e2f8a1b7c6d5e4f3a2b", userName: "bench" }],
        projects: [{ id: "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b", name: "eu-west-0" }],
        clusters: [{ id: "6a0d2c4e-1b3f-11ef-9e2a-0255ac100001", projectId: "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b", name: "bench", publicIp: true, version: "v1.28" }],
        keyType,
        benchmark: { poolSize: 8, durationDays: 365 },
    };
}

/**
 * The program folder ClusterCert's host runs in: the repository (its self-dependency resolves
 * `pulumi-cce-clustercert/runtime` to this build), or, with BENCH_PACKAGE_DIR, a folder linking
 * that name to another built copy of the package (e.g. an older commit, to measure before/after).
 */
export async function oursProgramDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
    const other = process.env.BENCH_PACKAGE_DIR;
    if (!other) return { dir: REPO_ROOT, cleanup: async () => undefined };
    return makeProgramDir({ links: { "pulumi-cce-clustercert": other } });
}

/** Median and range of a list, for the tables. */
export interface Spread {
    median: number;
    min: number;
    max: number;
}

export function spread(values: readonly number[]): Spread {
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Per round, `a / b` of one figure. */
export function paired(a: readonly HostRun[], b: readonly HostRun[], figure: (r: HostRun) => number): number[] {
    return a.map((x, i) => figure(x) / figure(b[i] as HostRun));
}

const empty = (): Record<ProviderName, Record<KeyType, HostRun[]>> => ({ ours: { rsa: [], ec: [] }, official: { rsa: [], ec: [] }, floor: { rsa: [], ec: [] } });

export async function sdkHostBench(opts: SdkHostOptions, progress: (line: string) => void): Promise<SdkHostResult> {
    const emulators: Partial<Record<KeyType, EmulatorProcess>> = {};
    const caDir = mkdtempSync(join(tmpdir(), "cce-bench-ca-"));
    const engines: Engine[] = [];
    const programDir = await makeProgramDir({ links: { [OFFICIAL_FIXTURE_PACKAGE]: OFFICIAL_FIXTURE_DIR, [FLOOR_FIXTURE_PACKAGE]: FLOOR_FIXTURE_DIR } });
    const oursDir = await oursProgramDir();
    try {
        for (const key of KEYS) emulators[key] = await EmulatorProcess.start(benchEmulatorOptions(key));
        const emu = (key: KeyType): EmulatorProcess => emulators[key] as EmulatorProcess;
        // One CA file that trusts both emulators (each has its own root CA).
        const caFile = join(caDir, "ca.pem");
        writeFileSync(caFile, KEYS.map((k) => emu(k).caPem).join("\n"));
        const info = emu("rsa").info;
        const cred = info.credentials[0]!;
        const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_EXTRA_CA_CERTS: caFile, HW_ACCESS_KEY: cred.accessKey, HW_SECRET_KEY: cred.secretKey };
        const config = { "huaweicloud:region": info.region };
        const clusterId = info.clusters[0]!.id;
        const texts = { official: await serializeProvider(officialSdkProvider), floor: await serializeProvider(floorProvider) };
        const inputs: Record<ProviderName, Partial<Record<KeyType, PropertyMap>>> = { ours: {}, official: {}, floor: {} };
        for (const key of KEYS) {
            const endpoint = emu(key).info.url;
            const [registered] = await serializeResources(() => {
                new ClusterCert("cert", { clusterId, projectId: info.projectId, endpoint, duration: 365 });
            });
            inputs.ours[key] = registered!.inputs;
            for (const p of ["official", "floor"] as const) inputs[p][key] = { __provider: texts[p], clusterId, projectId: info.projectId, endpoint, duration: 365 };
        }
        const hosts = {} as Record<ProviderName, Engine>;
        for (const p of PROVIDERS) {
            hosts[p] = await Engine.start({ cwd: p === "ours" ? oursDir.dir : programDir.dir, env, config });
            engines.push(hosts[p]);
        }
        const up = (p: ProviderName): { type: string; additionalSecretOutputs: string[] } => ({ type: TYPES[p], additionalSecretOutputs: [...SECRET_OUTPUTS] });
        let n = 0;
        /** Creates through `p`'s host: `count` of them, or as many as finish before `untilMs`. */
        const run = async (p: ProviderName, key: KeyType, count: number, untilMs = Infinity): Promise<HostRun> => {
            const engine = hosts[p];
            const cpu0 = processCpuSeconds(engine.host.pid);
            const t0 = now();
            let done = 0;
            const create = async (): Promise<void> => {
                const res = await engine.up(undefined, inputs[p][key]!, { name: `c${n++}`, ...up(p) });
                if (typeof res.state.outputs.kubeconfig !== "string") throw new Error(`${p}: no kubeconfig`);
                done++;
            };
            if (Number.isFinite(untilMs)) {
                await Promise.all(
                    Array.from({ length: opts.concurrency }, async () => {
                        while (now() < untilMs) await create();
                    }),
                );
            } else await pool(count, opts.concurrency, create);
            const seconds = (now() - t0) / 1000;
            engine.calls.length = 0;
            return { creates: done, seconds, rate: done / seconds, hostCpuUsPerCreate: ((processCpuSeconds(engine.host.pid) - cpu0) * 1e6) / done };
        };
        // Warm-up: the first creates load modules, open connections and warm the JIT.
        for (const p of PROVIDERS) for (const key of KEYS) await run(p, key, 100);
        const throughput = empty();
        const cpu = empty();
        const combos = PROVIDERS.flatMap((p) => KEYS.map((k) => [p, k] as const));
        for (let r = 0; r < opts.rounds; r++) {
            const line: string[] = [];
            for (let i = 0; i < combos.length; i++) {
                const [p, key] = combos[(i + r) % combos.length]!;
                const b = await run(p, key, opts.batchSize);
                throughput[p][key].push(b);
                line.push(`${p}/${key} ${b.rate.toFixed(0)}/s`);
            }
            for (const key of KEYS) {
                const until = now() + opts.cpuMs;
                const together = await Promise.all(PROVIDERS.map((p) => run(p, key, 0, until)));
                together.forEach((x, i) => cpu[PROVIDERS[i]!][key].push(x));
                line.push(`CPU ${key} ${together.map((x) => x.hostCpuUsPerCreate.toFixed(0)).join("/")} µs`);
            }
            progress(`  round ${r + 1}/${opts.rounds}: ${line.join(", ")}`);
        }
        return { options: opts, throughput, cpu };
    } finally {
        for (const e of engines) await e.stop();
        await programDir.cleanup();
        await oursDir.cleanup();
        for (const key of KEYS) await emulators[key]?.stop();
        rmSync(caDir, { recursive: true, force: true });
    }
}

if (require.main === module) {
    // npx ts-node -P bench/tsconfig.json bench/sdk-host-bench.ts [rounds] [batch] [concurrency] [cpu ms] (after npm run build)
    const [rounds, batchSize, concurrency, cpuMs] = process.argv.slice(2).map(Number);
    sdkHostBench({ rounds: rounds || 5, batchSize: batchSize || 200, concurrency: concurrency || 32, cpuMs: cpuMs || 3000 }, (l) => process.stderr.write(`${l}\n`)).then(
        (r) => {
            const f = (s: Spread): string => `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
            for (const key of KEYS) {
                const us = (p: ProviderName): string => spread(r.cpu[p][key].map((b) => b.hostCpuUsPerCreate)).median.toFixed(0);
                console.log(
                    `${key}: host CPU/create ours ${us("ours")} µs, official ${us("official")} µs, floor ${us("floor")} µs; ` +
                        `ours/official CPU ${f(spread(paired(r.cpu.ours[key], r.cpu.official[key], (b) => b.hostCpuUsPerCreate)))}, ` +
                        `creates/s ${f(spread(paired(r.throughput.ours[key], r.throughput.official[key], (b) => b.rate)))}`,
                );
            }
            process.exit(0);
        },
        (e: unknown) => {
            console.error(e);
            process.exit(1);
        },
    );
}
