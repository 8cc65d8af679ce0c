/**
 * Creates under a gateway limit: `creates` ClusterCert creates, `concurrency` at a time, through one
 * real dynamic-provider host, against the emulator (its own process, benchmark mode) limiting the
 * credential to `limit` calls per sliding second and answering 429 `APIGW.0308` beyond it, without
 * `Retry-After` (like Huawei's gateway). Each run starts a fresh host (a `pulumi up` learns the limit
 * from nothing), makes one create to load the provider, then starts the clock.
 *
 * Refused calls are counted from the host's log (one line per retry, `… 429 APIGW.0308 …; retry n of
 * m`); a create whose retries ran out is a failure.
 */
import { ClusterCert, SECRET_OUTPUTS } from "../provider";
import { Engine } from "../test/harness/engine";
import { serializeResources } from "../test/harness/serialize";
import { EmulatorProcess } from "./emulator-process";
import { now, pool } from "./measure";
import { benchEmulatorOptions, oursProgramDir } from "./sdk-host-bench";

export interface FlowCase {
    /** Calls per second the gateway allows (sliding one-second window, per credential); 0: no limit (the machine's own pace, for reference). */
    limit: number;
    creates: number;
    concurrency: number;
}

export interface FlowRun {
    seconds: number;
    createsPerSecond: number;
    /** createsPerSecond / limit (NaN without a limit) */
    ofLimit: number;
    refused: number;
    failures: number;
    /** Other retries (5xx, resets): expected 0. */
    otherRetries: number;
}

export interface FlowResult {
    case: FlowCase;
    runs: FlowRun[];
}

const TYPE = "pulumi-nodejs:dynamic/cce:ClusterCert";
const RETRY_LINE = /retry \d+ of \d+/;

/** An emulator for one case, and what a create needs to reach it. */
interface Target {
    emu: EmulatorProcess;
    env: NodeJS.ProcessEnv;
    region: string;
    inputs: Awaited<ReturnType<typeof serializeResources>>[number]["inputs"];
}

async function targetFor(c: FlowCase): Promise<Target> {
    const emu = await EmulatorProcess.start({ ...benchEmulatorOptions("rsa"), ...(c.limit > 0 ? { rateLimit: { limit: c.limit, windowMs: 1000, scope: "credential" as const } } : {}) });
    const info = emu.info;
    const cred = info.credentials[0]!;
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_EXTRA_CA_CERTS: info.caFile, HW_ACCESS_KEY: cred.accessKey, HW_SECRET_KEY: cred.secretKey };
    const [registered] = await serializeResources(() => {
        new ClusterCert("cert", { clusterId: info.clusters[0]!.id, projectId: info.projectId, endpoint: info.url, duration: 365 });
    });
    return { emu, env, region: info.region, inputs: registered!.inputs };
}

/** One run of one case in a fresh host. */
async function flowRun(c: FlowCase, t: Target, cwd: string): Promise<FlowRun> {
    const up = { type: TYPE, additionalSecretOutputs: [...SECRET_OUTPUTS] };
    const engine = await Engine.start({ cwd, env: t.env, config: { "huaweicloud:region": t.region } });
    try {
        await engine.up(undefined, t.inputs, { name: "warm-up", ...up });
        // Let the warm-up call leave the gateway's window.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const logFrom = engine.host.logs().length;
        let failures = 0;
        const t0 = now();
        await pool(c.creates, c.concurrency, async (i) => {
            try {
                await engine.up(undefined, t.inputs, { name: `c${i}`, ...up });
            } catch {
                failures++;
            }
        });
        const seconds = (now() - t0) / 1000;
        await engine.stop(); // its exit drains the log
        const retries = engine.host.logs().slice(logFrom).filter((l) => RETRY_LINE.test(l));
        const refused = retries.filter((l) => / 429 APIGW\.0308 /.test(l)).length;
        return { seconds, createsPerSecond: c.creates / seconds, ofLimit: c.limit > 0 ? c.creates / seconds / c.limit : NaN, refused, failures, otherRetries: retries.length - refused };
    } finally {
        await engine.stop();
    }
}

/** Every case `runs` times, the runs of the cases interleaved (a, b, c, a, b, c, …) so that the machine's background load falls on all alike. */
export async function flowBench(cases: readonly FlowCase[], runs: number, progress: (line: string) => void): Promise<FlowResult[]> {
    const targets: Target[] = [];
    const oursDir = await oursProgramDir();
    try {
        for (const c of cases) targets.push(await targetFor(c));
        const out: FlowResult[] = cases.map((c) => ({ case: c, runs: [] }));
        for (let r = 0; r < runs; r++) {
            for (let i = 0; i < cases.length; i++) {
                const c = cases[i] as FlowCase;
                const run = await flowRun(c, targets[i] as Target, oursDir.dir);
                (out[i] as FlowResult).runs.push(run);
                progress(
                    `  ${c.creates} creates at ${c.concurrency} ${c.limit > 0 ? `against ${c.limit}/s` : "without a limit"}, run ${r + 1}/${runs}: ${run.createsPerSecond.toFixed(1)}/s` +
                        (c.limit > 0 ? ` (${run.ofLimit.toFixed(2)} of the limit), ${run.refused} refused` : "") +
                        `, ${run.failures} failed`,
                );
            }
        }
        return out;
    } finally {
        for (const t of targets) await t.emu.stop();
        await oursDir.cleanup();
    }
}

/** The cases of `npm run bench`: 300 creates against 50/s and 600 (the same six seconds of quota) against 100/s, and the latter without a limit for reference. */
export const FLOW_CASES: readonly FlowCase[] = [
    { limit: 50, creates: 300, concurrency: 64 },
    { limit: 100, creates: 600, concurrency: 64 },
    { limit: 0, creates: 600, concurrency: 64 },
];

if (require.main === module) {
    // npx ts-node -P bench/tsconfig.json bench/flow-bench.ts [runs] (after npm run build)
    flowBench(FLOW_CASES, Number(process.argv[2]) || 3, (l) => process.stderr.write(`${l}\n`)).then(
        () => process.exit(0),
        (e: unknown) => {
            console.error(e);
            process.exit(1);
        },
    );
}
