/**
 * `npm run bench`: builds nothing itself (the npm script runs `npm run build` first, because the
 * dynamic-provider host loads dist/provider/pulumi/runtime.js), then
 *
 *   0. checks the fast paths of provider/kube/certificate.ts and provider/kube/kubeconfig.ts against
 *      node:crypto and YAML.stringify (bench/crosscheck.ts);
 *   1. per call: ours vs the official SDK vs the floor at concurrency 1 and 32;
 *   2. through the real dynamic-provider host: creates per second, cold start vs bare start-up;
 *   3. state cost: the serialized __provider and one resource's outputs;
 *   4. memory: host RSS over repeated batches of creates;
 *
 * prints the tables and writes them into bench/RESULTS.md between the `bench:begin`/`bench:end`
 * markers (the notes around them are kept). Options: `--quick` (fewer, shorter runs; RESULTS.md
 * is then left alone unless `--write` is given), `--no-write`.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { stopAllHosts } from "../test/harness/host";
import { cleanupAllProgramDirs, REPO_ROOT } from "../test/harness/program";
import type { Target } from "./clients";
import { crossCheck, type CrossCheckResult } from "../test/support/crosscheck";
import { EmulatorProcess } from "./emulator-process";
import { benchExecStartup } from "./exec-startup";
import { hostBench, type HostResult } from "./host-bench";
import { fmt, median, mib, ms, table } from "./measure";
import { breakdown, perCall, type PerCallResult, type StepFigures } from "./percall";

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const WRITE = args.has("--write") || (!QUICK && !args.has("--no-write"));

const CONFIG = {
    perCall: { concurrencies: [1, 32], runs: QUICK ? [3, 3] : [5, 11], runMs: QUICK ? 800 : 1500, warmupMs: QUICK ? 500 : 1000 },
    breakdown: { concurrency: 32, runs: QUICK ? 3 : 5, runMs: QUICK ? 600 : 1200 },
    host: { coldRuns: QUICK ? 3 : 7, batches: QUICK ? 5 : 10, leakBatches: QUICK ? 4 : 8, batchSize: 500, concurrency: 32, peakAfterBatch: 4 },
    crossCheck: { seed: 777, certificateMutations: QUICK ? 2_000 : 5_000, keyMutations: QUICK ? 200 : 500 },
};

const PROJECT_ID = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const CLUSTER_ID = "6a0d2c4e-1b3f-11ef-9e2a-0255ac100001";

function log(line: string): void {
    process.stderr.write(`${line}\n`);
}

/** The host runs dist/: refuse to measure a build older than the sources. */
function assertBuildCurrent(): void {
    const built = join(REPO_ROOT, "dist", "provider", "pulumi", "runtime.js");
    if (!existsSync(built)) throw new Error("dist/ is missing: run `npm run build` first (`npm run bench` does)");
    const builtAt = statSync(built).mtimeMs;
    const dir = join(REPO_ROOT, "provider");
    const stale = readdirSync(dir).filter((f) => f.endsWith(".ts") && statSync(join(dir, f)).mtimeMs > builtAt);
    if (stale.length > 0) throw new Error(`dist/ is older than provider/${stale[0]}: run \`npm run build\` first (\`npm run bench\` does)`);
}

function version(pkg: string): string {
    try {
        return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`, { paths: [REPO_ROOT] }), "utf8")) as { version: string }).version;
    } catch {
        return "?";
    }
}

interface Targets {
    rows: string[][];
}

/** Median over the runs of the per-run ratio (the runs of the three clients are interleaved). */
function pairedRatio(a: number[], b: number[]): number {
    return median(a.map((x, i) => x / (b[i] as number)));
}

function report(pc: PerCallResult, steps: StepFigures[], host: HostResult, cc: CrossCheckResult, wallSeconds: number): { text: string; targets: Targets } {
    const cpus = os.cpus();
    const env = [
        `- Machine: ${cpus.length} cores (\`os.cpus()\`: ${cpus[0]?.model ?? "?"}), ${mib(os.totalmem())} RAM, ${os.platform()} ${os.release()}`,
        `- Node ${process.version} (OpenSSL ${process.versions.openssl}, V8 ${process.versions.v8}); undici ${version("undici")}, yaml ${version("yaml")}, ` +
            `@pulumi/pulumi ${version("@pulumi/pulumi")}, @huaweicloud/huaweicloud-sdk-cce ${version("@huaweicloud/huaweicloud-sdk-cce")} + core ${version("@huaweicloud/huaweicloud-sdk-core")}`,
        `- Run: ${new Date().toISOString()}, ${QUICK ? "quick mode, " : ""}whole bench ${fmt(wallSeconds)} s`,
        `- Emulator: its own process (\`node dist/test/emulator/main.js --config … --benchmark\`), RSA-2048 client keys, 8 pre-minted certificates per (cluster, user), one cluster with a public IP (two contexts)`,
    ].join("\n");

    const perCallRows = pc.map((r) => {
        const c = r.ours.concurrency;
        return [
            String(c),
            fmt(r.ours.rate),
            fmt(r.official.rate),
            fmt(r.floor.rate),
            `${fmt(pairedRatio(r.ours.rates, r.official.rates), 2)}×`,
            `${fmt(pairedRatio(r.ours.rates, r.floor.rates), 2)}×`,
            `${fmt(r.ours.clientCpuUs)} / ${fmt(r.official.clientCpuUs)} / ${fmt(r.floor.clientCpuUs)}`,
            `${fmt(r.ours.serverCpuUs)} / ${fmt(r.official.serverCpuUs)} / ${fmt(r.floor.serverCpuUs)}`,
        ];
    });
    const perCallRuns = pc
        .flatMap((r) => (["ours", "official", "floor"] as const).map((k) => `  - c=${r[k].concurrency} ${r[k].name}: ${r[k].rates.map((x) => fmt(x)).join(", ")}`))
        .join("\n");

    const stepRows = steps.map((st, i) => [
        st.name,
        fmt(st.clientCpuUs),
        i === 0 ? "" : ((d: number): string => (d >= 0 ? `+${fmt(d)}` : `−${fmt(-d)}`))(st.clientCpuUs - (steps[i - 1] as StepFigures).clientCpuUs),
        fmt(st.rate),
    ]);

    const rates = host.batches.map((b) => b.rate);
    const walls = host.batches.map((b) => b.seconds);
    const atPeak = host.batches[host.peakAfterBatch - 1] as HostResult["batches"][number];
    const hostRows = [
        [`${host.batchSize} creates (Check + Create over gRPC, ${host.concurrency} at a time), wall time`, `${fmt(median(walls), 2)} s (median of ${host.batches.length} batches in one host)`],
        ["creates/s", `${fmt(median(rates))} (batches: ${rates.map((x) => fmt(x)).join(", ")})`],
        ["cold start: spawn → GetPluginInfo → Configure → Check → Create answered", `${ms(host.cold)} (runs: ${host.coldStart.map(ms).join(", ")})`],
        ["bare host start-up: spawn → GetPluginInfo answered", `${ms(host.bare)} (runs: ${host.bareStart.map(ms).join(", ")})`],
        ["cold / bare (median of the per-run ratios; each run starts a bare host, then a cold one)", `${fmt(host.coldOverBare, 2)}×`],
        ["reference: the harness's trivial `counter` dynamic provider, spawn → first Create answered", `${ms(host.fixtureCold)}`],
    ];
    const stateRows = [
        ["serialized `__provider` (in the state of every ClusterCert)", `${fmt(host.providerBytes)} bytes`],
        ["one resource's outputs (JSON)", `${fmt(host.outputsBytes)} bytes, of which ${fmt(host.secretOutputsBytes)} in secret outputs (kubeconfig, PEM)`],
        ["resource id", `${fmt(host.idBytes)} bytes`],
    ];
    const memRows = host.batches.map((b, i) => {
        const leak = host.leakBatches[i];
        return [
            fmt((i + 1) * host.batchSize),
            mib(b.rssBytes),
            mib(b.peakRssBytes),
            leak ? mib(leak.rssAfterGcBytes) : "",
            leak ? mib(leak.heapUsedAfterGcBytes) : "",
        ];
    });

    const c32 = pc.find((r) => r.ours.concurrency === 32) ?? (pc[pc.length - 1] as PerCallResult[number]);
    const vsOfficial = pairedRatio(c32.ours.rates, c32.official.rates);
    const vsFloor = pairedRatio(c32.ours.rates, c32.floor.rates);
    const yes = (ok: boolean): string => (ok ? "met" : "**missed**");
    const targets: Targets = {
        rows: [
            ["c=32: ours ≥ 2× official SDK", `${fmt(vsOfficial, 2)}×`, yes(vsOfficial >= 2)],
            ["c=32: ours ≥ 0.8× floor", `${fmt(vsFloor, 2)}×`, yes(vsFloor >= 0.8)],
            ["serialized provider < 8 KiB", `${fmt(host.providerBytes)} bytes`, yes(host.providerBytes < 8192)],
            ["host cold start < 1.5× bare host start", `${fmt(host.coldOverBare, 2)}× (${ms(host.cold)} vs ${ms(host.bare)})`, yes(host.coldOverBare < 1.5)],
            [
                "host RSS flat across batches (no leak)",
                `after a full GC between batches: V8 heap ${fmt(host.heapSlopePerCreate)} bytes/create, RSS ×${fmt(host.rssAfterGcGrowth, 2)} (second half vs first); ` +
                    `without forced GC the peak RSS rises ×${fmt(host.peakGrowth, 2)} from ${fmt(host.peakAfterBatch * host.batchSize)} to ${fmt(host.batches.length * host.batchSize)} creates (garbage V8 has not collected yet, see below)`,
                yes(host.rssFlat),
            ],
        ],
    };

    const text = [
        env,
        "",
        `Fast-path cross-check before measuring: ${fmt(cc.yamlDocuments)} YAML documents, ${fmt(cc.certificates)} certificates in 4 PEM layouts, ` +
            `${fmt(cc.certificateMutations)} corrupted certificates, ${fmt(cc.keyMutations)} corrupted keys: ${cc.failures.length === 0 ? "no difference from node:crypto / YAML.stringify" : `${cc.failures.length} FAILURES`}.`,
        "",
        "### Targets",
        "",
        table(["target", "result", ""], targets.rows),
        "",
        "### 1. Per call (calls/s, median of runs)",
        "",
        table(["concurrency", "ours", "official SDK", "floor", "ours/official", "ours/floor", "client CPU µs/call (ours / official / floor)", "emulator CPU µs/call"], perCallRows),
        "",
        `Each client ran ${CONFIG.perCall.runs.join(" / ")} runs (concurrency ${CONFIG.perCall.concurrencies.join(" / ")}) of ${CONFIG.perCall.runMs / 1000} s after a ${CONFIG.perCall.warmupMs / 1000} s warm-up, interleaved ` +
            "(ours, official, floor, ours, …); calls/s is the median of the runs, the ratios the median of the per-run ratios. " +
            "CPU per call: this process (`process.cpuUsage`) and the emulator process (`/proc/<pid>/stat`). Runs (calls/s):",
        "",
        perCallRuns,
        "",
        `#### Where the client CPU of a call goes (concurrency ${CONFIG.breakdown.concurrency})`,
        "",
        table(["step (each adds one layer to the one above)", "client CPU µs/call", "added", "calls/s"], stepRows),
        "",
        `Medians of ${CONFIG.breakdown.runs} interleaved runs of ${CONFIG.breakdown.runMs / 1000} s. CPU times are those of a process sharing two cores with the emulator, i.e. inflated about 2–2.5× over the same code alone.`,
        "",
        "### 2. Through the dynamic-provider host",
        "",
        table(["", ""], hostRows),
        "",
        "### 3. State cost",
        "",
        table(["", ""], stateRows),
        "",
        "### 4. Memory of the host",
        "",
        table(["creates so far", "RSS", "peak RSS (VmHWM)", "leak check: RSS after a full GC", "leak check: V8 heap used after a full GC"], memRows),
        "",
        `Peak RSS after ${fmt(host.peakAfterBatch * host.batchSize)} creates: **${mib(atPeak.peakRssBytes)}** (the host of section 2, no forced GC; ` +
            `${mib((host.batches[host.batches.length - 1] as HostResult["batches"][number]).peakRssBytes)} after ${fmt(host.batches.length * host.batchSize)}). ` +
            `Leak check in a second host; both hosts are started with \`--expose-gc --require bench/host-heap-probe.js\` (on SIGUSR2 it runs a full GC and prints ` +
            "`process.memoryUsage()`; the GC runs between batches, outside the timing): over the second half of its " +
            `${host.leakBatches.length} batches the V8 heap after GC moves by ${fmt(host.heapSlopePerCreate)} bytes per create and the RSS after GC by ` +
            `${fmt(host.rssAfterGcSlopePerCreate)} (noise of the allocator returning pages; its maximum is ×${fmt(host.rssAfterGcGrowth, 2)} the first half's) → **${host.rssFlat ? "flat" : "growing"}**. ` +
            "Flat means: heap after GC grows < 1 KiB per create (one create's outputs are ~11 KiB) and the RSS after GC stays within 10 % of its first-half maximum. " +
            `Without forced GC the RSS is not judged: it rises (here ×${fmt(host.peakGrowth, 2)} from 2,000 to ${fmt(host.batches.length * host.batchSize)} creates) for as long as V8 postpones full collections; ` +
            `one full GC after the last batch of that host brings it to ${mib(host.afterLastBatchGc.rssBytes)} RSS and ${mib(host.afterLastBatchGc.heapUsedBytes)} of V8 heap.`,
    ].join("\n");
    return { text, targets };
}

const BEGIN = "<!-- bench:begin (written by `npm run bench`; edit outside these markers) -->";
const END = "<!-- bench:end -->";

function writeResults(section: string): void {
    const file = join(REPO_ROOT, "bench", "RESULTS.md");
    const block = `${BEGIN}\n${section}\n${END}`;
    let text: string;
    if (existsSync(file)) {
        const old = readFileSync(file, "utf8");
        const a = old.indexOf("<!-- bench:begin");
        const b = old.indexOf(END);
        text = a >= 0 && b > a ? old.slice(0, a) + block + old.slice(b + END.length) : `${old.trimEnd()}\n\n${block}\n`;
    } else {
        text = `# Benchmark results\n\n${block}\n`;
    }
    writeFileSync(file, text);
    log(`wrote ${file}`);
}

async function main(): Promise<void> {
    const started = Date.now();
    assertBuildCurrent();

    log("0/4 cross-checking the fast paths against node:crypto and YAML.stringify …");
    const cc = await crossCheck(CONFIG.crossCheck);
    if (cc.failures.length > 0) {
        for (const f of cc.failures) log(`FAIL ${f}`);
        throw new Error(`the fast paths differ from node:crypto / YAML.stringify in ${cc.failures.length} cases`);
    }

    log("starting the emulator (benchmark mode, own process) …");
    const emu = await EmulatorProcess.start({
        credentials: [{ accessKey: "BENCHACCESSKEY000001", secretKey: "BenchSecretKey0123456789abcdefghijklmnop", userId: "5f0e6c3a9b8d4e2f8a1b7c6d5e4f3a2b", userName: "bench" }],
        projects: [{ id: PROJECT_ID, name: "eu-west-0" }],
        clusters: [{ id: CLUSTER_ID, projectId: PROJECT_ID, name: "bench", publicIp: true, version: "v1.28" }],
        keyType: "rsa",
        benchmark: { poolSize: 8, durationDays: 365 },
    });
    const stop = async (): Promise<void> => {
        await stopAllHosts();
        await cleanupAllProgramDirs();
        await emu.stop();
    };
    const onSignal = (): void => {
        void stop().finally(() => process.exit(130));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
        const i = emu.info;
        const cred = i.credentials[0]!;
        const target: Target = {
            url: i.url,
            caFile: i.caFile,
            caPem: emu.caPem,
            region: i.region,
            projectId: i.projectId,
            clusterId: i.clusters[0]!.id,
            creds: { accessKey: cred.accessKey, secretKey: cred.secretKey },
        };
        log("1/4 per call: ours vs official SDK vs floor …");
        const pc = await perCall(emu, target, CONFIG.perCall, log);
        log("1/4 where a call's CPU goes, floor → ours …");
        const steps = await breakdown(target, CONFIG.breakdown.concurrency, CONFIG.breakdown.runs, CONFIG.breakdown.runMs, log);
        log("2-4/4 through the dynamic-provider host …");
        const host = await hostBench(target, CONFIG.host, log);
        const { text } = report(pc, steps, host, cc, (Date.now() - started) / 1000);
        process.stdout.write(`\n${text}\n`);
        if (WRITE) {
            writeResults(text);
            writeFileSync(join(REPO_ROOT, "bench", "results.json"), JSON.stringify({ config: CONFIG, perCall: pc, breakdown: steps, host, crossCheck: { ...cc, failures: cc.failures.length } }, null, 2) + "\n");
        }
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await stop();
    }
}

main().then(benchExecStartup).then(
    () => process.exit(0),
    (e: unknown) => {
        log(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        process.exit(1);
    },
);
