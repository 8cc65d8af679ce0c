/**
 * The text `npm run bench` prints and writes into bench/RESULTS.md between the markers: the
 * environment, the targets, and sections 1–6 (sections 5 and 6 come from report-sections.ts).
 */
import { readFileSync } from "node:fs";
import * as os from "node:os";
import { REPO_ROOT } from "../test/harness/program";
import type { CrossCheckResult } from "../test/support/crosscheck";
import type { FlowResult } from "./flow-bench";
import type { HostResult } from "./host-bench";
import { fmt, median, mib, ms, table } from "./measure";
import type { PerCallResult, StepFigures } from "./percall";
import { flowSection, sdkSection } from "./report-sections";
import type { SdkHostResult } from "./sdk-host-bench";

/** Everything one run of the bench measured. */
export interface BenchFigures {
    pc: PerCallResult;
    steps: StepFigures[];
    host: HostResult;
    cc: CrossCheckResult;
    sdk: SdkHostResult;
    flow: FlowResult[];
}

/** The parts of the bench's configuration the text describes. */
export interface ReportConfig {
    quick: boolean;
    perCall: { concurrencies: number[]; runs: number[]; runMs: number; warmupMs: number };
    breakdown: { concurrency: number; runs: number; runMs: number };
}

function version(pkg: string): string {
    try {
        return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`, { paths: [REPO_ROOT] }), "utf8")) as { version: string }).version;
    } catch {
        return "?";
    }
}

/** Median over the runs of the per-run ratio (the runs of the three clients are interleaved). */
function pairedRatio(a: number[], b: number[]): number {
    return median(a.map((x, i) => x / (b[i] as number)));
}

/** The text of the results for `f`, measured with `config` in `wallSeconds`. */
export function report(f: BenchFigures, config: ReportConfig, wallSeconds: number): string {
    const { pc, steps, host, cc } = f;
    const CONFIG = config;
    const QUICK = config.quick;
    const sdk = sdkSection(f.sdk);
    const flow = flowSection(f.flow);
    const cpus = os.cpus();
    const env = [
        `- Machine: ${cpus.length} cores (\`os.cpus()\`: ${cpus[0]?.model ?? "?"}), ${mib(os.totalmem())} RAM, ${os.platform()} ${os.release()}`,
        `- Node ${process.version} (OpenSSL ${process.versions.openssl}, V8 ${process.versions.v8}); undici ${version("undici")}, yaml ${version("yaml")}, ` +
            `@pulumi/pulumi ${version("@pulumi/pulumi")}, @huaweicloud/huaweicloud-sdk-cce ${version("@huaweicloud/huaweicloud-sdk-cce")} + core ${version("@huaweicloud/huaweicloud-sdk-core")}`,
        `- Run: ${new Date().toISOString()}, ${QUICK ? "quick mode, " : ""}whole bench ${fmt(wallSeconds)} s`,
        `- Emulator: its own process (\`node dist/test/emulator/main.js --config … --benchmark\`), RSA-2048 client keys (section 5: RSA-2048 and EC P-256), 8 pre-minted certificates per (cluster, user), one cluster with a public IP (two contexts)`,
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
    const targets: string[][] = [
        ...flow.targets,
        ...sdk.targets,
        ["serialized `__provider` < 4 KiB", `${fmt(host.providerBytes)} bytes`, yes(host.providerBytes < 4096)],
        ["host cold start ≤ 1.3× bare host start", `${fmt(host.coldOverBare, 2)}× (${ms(host.cold)} vs ${ms(host.bare)}; per-run ratios ${fmt(Math.min(...host.coldStart.map((c, i) => c / (host.bareStart[i] as number))), 2)}–${fmt(Math.max(...host.coldStart.map((c, i) => c / (host.bareStart[i] as number))), 2)})`, yes(host.coldOverBare <= 1.3)],
        [
            "host RSS flat over 2,000 creates and more (no leak)",
            `after a full GC between batches: V8 heap ${fmt(host.heapSlopePerCreate)} bytes/create, RSS ×${fmt(host.rssAfterGcGrowth, 2)} (second half vs first); ` +
                `without forced GC the peak RSS rises ×${fmt(host.peakGrowth, 2)} from ${fmt(host.peakAfterBatch * host.batchSize)} to ${fmt(host.batches.length * host.batchSize)} creates (garbage V8 has not collected yet, see below)`,
            yes(host.rssFlat),
        ],
        ["earlier target, in-process per call: c=32 ours ≥ 2× official SDK", `${fmt(vsOfficial, 2)}×`, yes(vsOfficial >= 2)],
        ["earlier target, in-process per call: c=32 ours ≥ 0.8× floor", `${fmt(vsFloor, 2)}×`, yes(vsFloor >= 0.8)],
    ];

    return [
        env,
        "",
        `Fast-path cross-check before measuring: ${fmt(cc.yamlDocuments)} YAML documents (${fmt(cc.yamlDocumentsByFastPath)} written by the fast path), ` +
            `${fmt(cc.certificates)} certificates in 4 PEM layouts, RSA and EC keys (${fmt(cc.keyChecks)} key checks, ${fmt(cc.keyChecksByFastPath)} decided by the fast path), ` +
            `${fmt(cc.certificateMutations)} corrupted certificates, ${fmt(cc.keyMutations)} corrupted keys: ${cc.failures.length === 0 ? "no difference from node:crypto / the yaml library" : `${cc.failures.length} FAILURES`}.`,
        "",
        "### Targets",
        "",
        table(["target", "result", ""], targets),
        "",
        "### 1. Per call, in-process (calls/s, median of runs)",
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
        "",
        sdk.text,
        "",
        flow.text,
    ].join("\n");
}

