/**
 * `npm run bench`: builds nothing itself (the npm script runs `npm run build` first, because the
 * dynamic-provider host loads dist/provider/pulumi/runtime.js), then
 *
 *   0. checks the fast paths of provider/kube/certificate.ts and provider/kube/kubeconfig-yaml.ts
 *      against node:crypto and the yaml library (test/support/crosscheck.ts);
 *   1. per call, in-process: ours vs the official SDK vs the floor at concurrency 1 and 32;
 *   2. through the real dynamic-provider host: creates per second, cold start vs bare start-up;
 *   3. state cost: the serialized __provider and one resource's outputs;
 *   4. memory: host RSS over repeated batches of creates;
 *   5. through the host against a provider written on the official SDK, RSA and EC keys;
 *   6. creates under a gateway limit (50/s and 100/s) through one host;
 *
 * prints the tables (bench/report.ts) and writes them into bench/RESULTS.md between the
 * `bench:begin`/`bench:end` markers (the notes around them are kept). Options: `--quick` (fewer,
 * shorter runs; RESULTS.md is then left alone unless `--write` is given), `--no-write`.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stopAllHosts } from "../test/harness/host";
import { cleanupAllProgramDirs, REPO_ROOT } from "../test/harness/program";
import type { Target } from "./clients";
import { crossCheck } from "../test/support/crosscheck";
import { EmulatorProcess } from "./emulator-process";
import { benchExecStartup } from "./exec-startup";
import { FLOW_CASES, flowBench } from "./flow-bench";
import { hostBench } from "./host-bench";
import { breakdown, perCall } from "./percall";
import { report } from "./report";
import { sdkHostBench } from "./sdk-host-bench";

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const WRITE = args.has("--write") || (!QUICK && !args.has("--no-write"));

const CONFIG = {
    perCall: { concurrencies: [1, 32], runs: QUICK ? [3, 3] : [5, 11], runMs: QUICK ? 800 : 1500, warmupMs: QUICK ? 500 : 1000 },
    breakdown: { concurrency: 32, runs: QUICK ? 3 : 5, runMs: QUICK ? 600 : 1200 },
    host: { coldRuns: QUICK ? 3 : 7, batches: QUICK ? 5 : 10, leakBatches: QUICK ? 4 : 8, batchSize: 500, concurrency: 32, peakAfterBatch: 4 },
    crossCheck: { seed: 777, certificateMutations: QUICK ? 2_000 : 5_000, keyMutations: QUICK ? 200 : 1_000 },
    sdk: { rounds: QUICK ? 3 : 10, batchSize: 200, concurrency: 32, cpuMs: QUICK ? 2000 : 3000 },
    flow: { runs: QUICK ? 1 : 5 },
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
    const stale = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts") && statSync(join(dir, f)).mtimeMs > builtAt);
    if (stale.length > 0) throw new Error(`dist/ is older than provider/${stale[0]}: run \`npm run build\` first (\`npm run bench\` does)`);
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

    log("0/6 cross-checking the fast paths against node:crypto and the yaml library …");
    const cc = await crossCheck(CONFIG.crossCheck);
    if (cc.failures.length > 0) {
        for (const f of cc.failures) log(`FAIL ${f}`);
        throw new Error(`the fast paths differ from node:crypto / the yaml library in ${cc.failures.length} cases`);
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
        log("1/6 per call: ours vs official SDK vs floor …");
        const pc = await perCall(emu, target, CONFIG.perCall, log);
        log("1/6 where a call's CPU goes, floor → ours …");
        const steps = await breakdown(target, CONFIG.breakdown.concurrency, CONFIG.breakdown.runs, CONFIG.breakdown.runMs, log);
        log("2-4/6 through the dynamic-provider host …");
        const host = await hostBench(target, CONFIG.host, log);
        log("5/6 through the host against a provider on the official SDK, RSA and EC keys …");
        const sdk = await sdkHostBench(CONFIG.sdk, log);
        log("6/6 creates under a gateway limit …");
        const flow = await flowBench(FLOW_CASES, CONFIG.flow.runs, log);
        const text = report({ pc, steps, host, cc, sdk, flow }, { quick: QUICK, ...CONFIG }, (Date.now() - started) / 1000);
        process.stdout.write(`\n${text}\n`);
        if (WRITE) {
            writeResults(text);
            writeFileSync(
                join(REPO_ROOT, "bench", "results.json"),
                JSON.stringify({ config: CONFIG, perCall: pc, breakdown: steps, host, sdk, flow, crossCheck: { ...cc, failures: cc.failures.length } }, null, 2) + "\n",
            );
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
