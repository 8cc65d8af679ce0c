/**
 * Sections 2–4: through the real dynamic-provider host of @pulumi/pulumi, driven over gRPC the way
 * the engine drives it (test/harness): creates per second, cold start against the bare host
 * start-up, the size of what lands in the state, and the host's memory over repeated batches.
 */
import { join } from "node:path";
import { ClusterCert, SECRET_OUTPUTS } from "../provider";
import { clusterCertProvider } from "../provider/pulumi/shim";
import { Counter } from "../test/harness/fixtures/counter-resource";
import { COUNTER_FIXTURE_DIR, COUNTER_FIXTURE_PACKAGE } from "../test/harness/fixtures/counter-provider";
import { Engine } from "../test/harness/engine";
import { ProviderHost } from "../test/harness/host";
import { makeProgramDir, REPO_ROOT } from "../test/harness/program";
import type { PropertyMap } from "../test/harness/properties";
import { serializeProvider, serializeResources } from "../test/harness/serialize";
import type { Target } from "./clients";
import { median, now, pool } from "./measure";

const TYPE = "pulumi-nodejs:dynamic/cce:ClusterCert";

export interface HostOptions {
    coldRuns: number;
    batches: number;
    /** Batches of the leak check (a second host, full GC after each batch). */
    leakBatches: number;
    batchSize: number;
    concurrency: number;
    /** The batch after which the peak RSS is reported (2,000 creates with 4 × 500). */
    peakAfterBatch: number;
}

export interface BatchFigures {
    creates: number;
    seconds: number;
    rate: number;
    /** VmRSS right after the batch. */
    rssBytes: number;
    /** VmHWM: the most the host ever held. */
    peakRssBytes: number;
    /** After a forced full GC (bench/host-heap-probe.js): V8 heap in use and RSS. */
    heapUsedAfterGcBytes: number;
    rssAfterGcBytes: number;
}

export interface HostResult {
    providerBytes: number;
    outputsBytes: number;
    secretOutputsBytes: number;
    idBytes: number;
    bareStart: number[];
    coldStart: number[];
    fixtureColdStart: number[];
    /** Median of the runs, seconds. */
    bare: number;
    cold: number;
    fixtureCold: number;
    /** Median over the runs of cold / bare of the same run (the two start one after the other). */
    coldOverBare: number;
    /** Creates without forced GC (throughput, natural RSS). */
    batches: BatchFigures[];
    /** Creates in a second host with a full GC after each batch (leak check). */
    leakBatches: BatchFigures[];
    /** The host of `batches` after its last batch and one full GC. */
    afterLastBatchGc: { rssBytes: number; heapUsedBytes: number };
    concurrency: number;
    batchSize: number;
    peakAfterBatch: number;
    /** Least-squares slopes over the second half of the batches, bytes per create (RSS: natural run; after GC: leak check). */
    rssSlopePerCreate: number;
    rssAfterGcSlopePerCreate: number;
    heapSlopePerCreate: number;
    /** Leak check: max RSS after GC in the second half / in the first half of the batches. */
    rssAfterGcGrowth: number;
    /** Peak RSS (VmHWM) after the last batch / after `peakAfterBatch` batches, without forced GC. */
    peakGrowth: number;
    rssFlat: boolean;
}

function slope(xs: number[], ys: number[]): number {
    const n = xs.length;
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
        num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
        den += ((xs[i] as number) - mx) ** 2;
    }
    return den === 0 ? 0 : num / den;
}

export async function hostBench(target: Target, opts: HostOptions, progress: (line: string) => void): Promise<HostResult> {
    const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        NODE_EXTRA_CA_CERTS: target.caFile,
        HW_ACCESS_KEY: target.creds.accessKey,
        HW_SECRET_KEY: target.creds.secretKey,
    };
    const config = { "huaweicloud:region": target.region };
    const up = { type: TYPE, additionalSecretOutputs: [...SECRET_OUTPUTS] };

    // What a program registers: the real closure serializer's __provider text and the inputs.
    const providerText = await serializeProvider(clusterCertProvider);
    const [registered] = await serializeResources(() => {
        new ClusterCert("cert", { clusterId: target.clusterId, projectId: target.projectId, endpoint: target.url, duration: 365 });
    });
    const inputs: PropertyMap = registered!.inputs;
    if (inputs.__provider !== providerText) throw new Error("the resource's __provider differs from serializeProvider's text");

    // A trivial dynamic provider built the same way (the harness's counter fixture), as a reference.
    const fixtureDir = await makeProgramDir({ links: { [COUNTER_FIXTURE_PACKAGE]: COUNTER_FIXTURE_DIR } });
    const [counter] = await serializeResources(() => {
        new Counter("c", { count: 1 });
    });
    const counterInputs: PropertyMap = counter!.inputs;

    const bareStart: number[] = [];
    const coldStart: number[] = [];
    const fixtureColdStart: number[] = [];
    let outputsBytes = 0;
    let secretOutputsBytes = 0;
    let idBytes = 0;
    try {
        for (let r = 0; r < opts.coldRuns; r++) {
            // Bare: spawn → port printed → first RPC (GetPluginInfo) answered.
            let t0 = now();
            const host = await ProviderHost.start({ cwd: REPO_ROOT, env });
            await host.getPluginInfo();
            bareStart.push((now() - t0) / 1000);
            await host.stop();

            // Cold: spawn → GetPluginInfo → Configure → Check → Create answered (what `pulumi up` does).
            t0 = now();
            const engine = await Engine.start({ cwd: REPO_ROOT, env, config });
            const res = await engine.up(undefined, inputs, { name: "cold", ...up });
            coldStart.push((now() - t0) / 1000);
            await engine.stop();
            if (r === 0) {
                const o = res.state.outputs;
                outputsBytes = Buffer.byteLength(JSON.stringify(o));
                secretOutputsBytes = Buffer.byteLength(JSON.stringify(Object.fromEntries(Object.entries(o).filter(([k]) => res.state.secretOutputs.has(k)))));
                idBytes = Buffer.byteLength(res.state.id);
            }

            t0 = now();
            const fixture = await Engine.start({ cwd: fixtureDir.dir, env });
            await fixture.up(undefined, counterInputs, { name: "c", type: "pulumi-nodejs:dynamic/fixture:Counter" });
            fixtureColdStart.push((now() - t0) / 1000);
            await fixture.stop();
            progress(`  start-up run ${r + 1}/${opts.coldRuns}: bare ${Math.round(bareStart[r]! * 1000)} ms, cold ${Math.round(coldStart[r]! * 1000)} ms, fixture ${Math.round(fixtureColdStart[r]! * 1000)} ms`);
        }
    } finally {
        await fixtureDir.cleanup();
    }

    /**
     * `count` batches of creates in a fresh host; with `gcEachBatch`, a full GC after each batch
     * (outside the timing), otherwise only after the last one. The host is started with the probe
     * preloaded either way (`--expose-gc` only exposes `gc()`; it does not change when V8 collects).
     */
    let afterLastBatchGc = { rssBytes: NaN, heapUsedBytes: NaN };
    const runBatches = async (label: string, count: number, gcEachBatch: boolean): Promise<BatchFigures[]> => {
        const nodeArgs = ["--expose-gc", "--require", join(__dirname, "host-heap-probe.js")];
        const engine = await Engine.start({ cwd: REPO_ROOT, env, config, nodeArgs });
        const fullGc = async (): Promise<{ heapUsed: number; rss: number }> => {
            engine.host.clearLogs();
            process.kill(engine.host.pid, "SIGUSR2");
            const line = await engine.host.waitForLog((l) => l.startsWith("bench-heap "), 10_000);
            const heapUsed = (JSON.parse(line.slice("bench-heap ".length)) as { heapUsed: number }).heapUsed;
            return { heapUsed, rss: engine.host.memoryUsage()?.rssBytes ?? NaN };
        };
        const out: BatchFigures[] = [];
        try {
            for (let b = 0; b < count; b++) {
                const t0 = now();
                await pool(opts.batchSize, opts.concurrency, async (i) => {
                    await engine.up(undefined, inputs, { name: `cert-${b}-${i}`, ...up });
                });
                const seconds = (now() - t0) / 1000;
                engine.calls.length = 0; // the harness's own log of RPCs: not the host's memory
                const mem = engine.host.memoryUsage();
                if (!mem) throw new Error("the host is gone");
                let heapUsed = NaN;
                let rssAfterGc = NaN;
                if (gcEachBatch || b === count - 1) {
                    const gc = await fullGc();
                    heapUsed = gc.heapUsed;
                    rssAfterGc = gc.rss;
                    if (!gcEachBatch) afterLastBatchGc = { rssBytes: gc.rss, heapUsedBytes: gc.heapUsed };
                }
                out.push({ creates: opts.batchSize, seconds, rate: opts.batchSize / seconds, rssBytes: mem.rssBytes, peakRssBytes: mem.peakRssBytes, heapUsedAfterGcBytes: heapUsed, rssAfterGcBytes: rssAfterGc });
                const mb = (x: number): string => (x / 2 ** 20).toFixed(1);
                progress(
                    `  ${label} batch ${b + 1}/${count}: ${opts.batchSize} creates in ${seconds.toFixed(2)} s, host RSS ${mb(mem.rssBytes)} MiB (peak ${mb(mem.peakRssBytes)} MiB)` +
                        (Number.isNaN(heapUsed) ? "" : `; after a full GC: RSS ${mb(rssAfterGc)} MiB, V8 heap ${mb(heapUsed)} MiB`),
                );
            }
        } finally {
            await engine.stop();
        }
        return out;
    };
    const batches = await runBatches("creates", opts.batches, false);
    const leakBatches = await runBatches("leak check", opts.leakBatches, true);

    /** Least-squares slope of `value` over the second half of `list`, per create. */
    const tailSlope = (list: BatchFigures[], value: (b: BatchFigures) => number): number => {
        const half = Math.floor(list.length / 2);
        const tail = list.slice(half);
        return slope(tail.map((_, i) => (half + i + 1) * opts.batchSize), tail.map(value));
    };
    const rssSlopePerCreate = tailSlope(batches, (b) => b.rssBytes);
    const rssAfterGcSlopePerCreate = tailSlope(leakBatches, (b) => b.rssAfterGcBytes);
    const heapSlopePerCreate = tailSlope(leakBatches, (b) => b.heapUsedAfterGcBytes);
    const half = Math.floor(leakBatches.length / 2);
    const maxOf = (list: BatchFigures[], value: (b: BatchFigures) => number): number => Math.max(...list.map(value));
    const rssAfterGcGrowth = maxOf(leakBatches.slice(half), (b) => b.rssAfterGcBytes) / maxOf(leakBatches.slice(0, half), (b) => b.rssAfterGcBytes);
    const peakGrowth = (batches[batches.length - 1] as BatchFigures).peakRssBytes / (batches[opts.peakAfterBatch - 1] as BatchFigures).peakRssBytes;
    // Flat (no leak): the V8 heap after a full GC grows by less than 1 KiB per create over the second
    // half of the leak check (one create's outputs are ~11 KiB: keeping a tenth of them would show),
    // and the RSS after a full GC (which moves by ±10 MiB as the allocator returns pages) does not rise
    // more than 10 % above its first-half maximum. The RSS without forced GC (`peakGrowth`) is
    // reported, not judged: it rises as long as V8 postpones full collections.
    const rssFlat = heapSlopePerCreate < 1024 && rssAfterGcGrowth <= 1.1;
    return {
        providerBytes: Buffer.byteLength(providerText),
        outputsBytes,
        secretOutputsBytes,
        idBytes,
        bareStart,
        coldStart,
        fixtureColdStart,
        bare: median(bareStart),
        cold: median(coldStart),
        fixtureCold: median(fixtureColdStart),
        coldOverBare: median(coldStart.map((c, i) => c / (bareStart[i] as number))),
        batches,
        leakBatches,
        afterLastBatchGc,
        concurrency: opts.concurrency,
        batchSize: opts.batchSize,
        peakAfterBatch: opts.peakAfterBatch,
        rssSlopePerCreate,
        rssAfterGcSlopePerCreate,
        heapSlopePerCreate,
        rssAfterGcGrowth,
        peakGrowth,
        rssFlat,
    };
}
