/**
 * `npm run bench:exec` (also the last step of `npm run bench`, with its options): how long kubectl
 * waits for the exec plugin. kubectl starts `cce-clustercert exec-credential` before every command,
 * so a cache hit is measured against the floor any Node program pays, `node -e 0`:
 *
 *   - hit vs `node -e 0`: `--pairs` pairs (default 40), the two runs of a pair back to back in
 *     alternating order; the figure is the median of the per-pair ratios, with its p10–p90 spread
 *     (the machine's speed drifts, pairs cancel most of it);
 *   - miss vs hit: `--miss-pairs` pairs (default 15); before each miss the cache entry is removed, so
 *     the plugin makes its one clustercert call (AK/SK, project id given: no IAM call) and stores
 *     the answer.
 *
 * - the entry check, cold (what a hit pays: the first and only call in a fresh process), in
 *   `--check-runs` processes (default 15) each: the shared `inspectClientCertificate`
 *   (provider/kube/certificate.ts, whose strict DER reader takes an RSA certificate and key) against
 *   node:crypto alone (X509Certificate, createPrivateKey, checkPrivateKey, fingerprint256).
 *
 * Wall time of `spawnSync` from start to exit, stdout and stderr piped as kubectl pipes them. The
 * emulator runs in its own process in benchmark mode (pre-minted RSA-2048 certificates, as CCE
 * sends). Every hit is checked to be one: exit 0, nothing on stderr, the same ExecCredential, the
 * cache file untouched.
 *
 * Options: `--quick` (15/5 pairs, RESULTS.md left alone unless `--write`), `--no-write`,
 * `--node PATH` (another Node binary; `node -e 0` is then that binary's), `--script PATH` (another
 * build of the CLI, e.g. an older one, to compare). Results go into the "Exec plugin cache hit"
 * section of bench/RESULTS.md between the `exec-bench:begin`/`exec-bench:end` markers, and are
 * written only for the machine's Node and this build unless `--write` is given.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "../test/harness/program";
import { EmulatorProcess } from "./emulator-process";
import { fmt, median, table } from "./measure";

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const option = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
};
const QUICK = flag("--quick");
const NODE = resolve(option("--node") ?? process.execPath);
const SCRIPT = resolve(option("--script") ?? join(REPO_ROOT, binEntry()));
const DEFAULT_SUBJECT = NODE === process.execPath && option("--script") === undefined;
const WRITE = flag("--write") || (!QUICK && !flag("--no-write") && DEFAULT_SUBJECT);
const PAIRS = Number(option("--pairs") ?? (QUICK ? 15 : 40));
const MISS_PAIRS = Number(option("--miss-pairs") ?? (QUICK ? 5 : 15));
const CHECK_RUNS = Number(option("--check-runs") ?? (QUICK ? 5 : 15));
const WARMUP = 3;

const PROJECT_ID = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const CLUSTER_ID = "6a0d2c4e-1b3f-11ef-9e2a-0255ac100002";
const TARGET_RATIO = 1.3;

function log(line: string): void {
    process.stderr.write(`${line}\n`);
}

/** package.json's `bin` entry for cce-clustercert: what npx, a global and a project install run. */
function binEntry(): string {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { bin?: string | Record<string, string> };
    const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin?.["cce-clustercert"];
    if (bin === undefined) throw new Error("package.json declares no cce-clustercert bin");
    return bin;
}

/** The p-quantile (0..1) of `values`, nearest rank. */
function quantile(values: readonly number[], p: number): number {
    const s = [...values].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))] as number;
}

interface Spread {
    median: number;
    p10: number;
    p90: number;
}

function spread(values: readonly number[]): Spread {
    return { median: median(values), p10: quantile(values, 0.1), p90: quantile(values, 0.9) };
}

interface Run {
    ms: number;
    stdout: string;
    stderr: string;
}

/** Runs `args` under `env`, like kubectl does (stdout and stderr piped), and times it from spawn to exit. */
function timed(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Run {
    const t0 = process.hrtime.bigint();
    const res = spawnSync(command, args, { env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 1 << 20 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.error !== undefined) throw res.error;
    if (res.status !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${res.status ?? res.signal}: ${res.stderr}`);
    return { ms, stdout: res.stdout, stderr: res.stderr };
}

/** The ratios a/b of runs done in pairs, each pair in alternating order. */
function paired(count: number, a: () => number, b: () => number): { a: number[]; b: number[]; ratios: number[] } {
    const out = { a: [] as number[], b: [] as number[], ratios: [] as number[] };
    for (let i = 0; i < count; i++) {
        let x: number;
        let y: number;
        if (i % 2 === 0) {
            x = a();
            y = b();
        } else {
            y = b();
            x = a();
        }
        out.a.push(x);
        out.b.push(y);
        out.ratios.push(x / y);
    }
    return out;
}

/**
 * A child process's time for the first check of `entryFile`'s certificate and key, µs: the shared
 * `inspectClientCertificate` ("shared") or node:crypto alone ("node-crypto"). Both load the same
 * modules before the clock starts; both must find the recorded fingerprint.
 */
const CHECK_SCRIPT = `
const [entryFile, how, distDir] = process.argv.slice(1);
const state = JSON.parse(require("node:fs").readFileSync(entryFile, "utf8")).state;
const { inspectClientCertificate } = require(distDir + "/provider/kube/certificate.js");
const crypto = require("node:crypto");
const t0 = process.hrtime.bigint();
let fingerprint;
if (how === "shared") fingerprint = inspectClientCertificate(state.clientCertificate, state.clientKey).fingerprint;
else {
    const cert = new crypto.X509Certificate(state.clientCertificate);
    if (!cert.checkPrivateKey(crypto.createPrivateKey({ key: state.clientKey, format: "pem" }))) throw new Error("the key does not match");
    fingerprint = cert.fingerprint256;
    void [new Date(cert.validFrom), new Date(cert.validTo), cert.serialNumber, cert.subject];
}
const us = Number(process.hrtime.bigint() - t0) / 1000;
if (fingerprint !== state.fingerprint) throw new Error("the fingerprint differs");
process.stdout.write(String(us));
`;

function checkCost(entryFile: string, how: "shared" | "node-crypto"): number {
    const res = spawnSync(NODE, ["-e", CHECK_SCRIPT, entryFile, how, join(REPO_ROOT, "dist")], { encoding: "utf8" });
    if (res.status !== 0) throw new Error(`the check (${how}) failed: ${res.stderr}`);
    return Number(res.stdout) / 1000;
}

interface Result {
    node: string;
    script: string;
    hit: { ms: Spread; floorMs: Spread; ratio: Spread; pairs: number };
    miss: { ms: Spread; hitMs: Spread; ratio: Spread; extraMs: Spread; pairs: number };
    check: { sharedMs: Spread; nodeCryptoMs: Spread; runs: number };
}

async function measure(): Promise<Result> {
    if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} does not exist: run \`npm run build\` first (\`npm run bench:exec\` does)`);
    log(`exec plugin start-up: ${SCRIPT} on ${NODE} (${PAIRS} hit pairs, ${MISS_PAIRS} miss pairs)`);
    const emu = await EmulatorProcess.start({
        credentials: [{ accessKey: "BENCHEXECACCESSKEY01", secretKey: "BenchExecSecretKey0123456789abcdefghijk", userId: "5f0e6c3a9b8d4e2f8a1b7c6d5e4f3a2b", userName: "bench" }],
        projects: [{ id: PROJECT_ID, name: "eu-west-0" }],
        clusters: [{ id: CLUSTER_ID, projectId: PROJECT_ID, name: "bench-exec", publicIp: false, version: "v1.28" }],
        keyType: "rsa",
        benchmark: { poolSize: 8, durationDays: 365 },
    });
    const home = mkdtempSync(join(os.tmpdir(), "cce-bench-exec-"));
    try {
        const cred = emu.info.credentials[0]!;
        const env: NodeJS.ProcessEnv = {
            PATH: process.env.PATH,
            HOME: home,
            XDG_CACHE_HOME: join(home, "cache"),
            HW_ACCESS_KEY: cred.accessKey,
            HW_SECRET_KEY: cred.secretKey,
            HW_REGION_NAME: emu.info.region,
            HW_PROJECT_ID: emu.info.projectId,
            NODE_EXTRA_CA_CERTS: emu.info.caFile,
            KUBERNETES_EXEC_INFO: JSON.stringify({ kind: "ExecCredential", apiVersion: "client.authentication.k8s.io/v1", spec: { interactive: false } }),
        };
        const plugin = [SCRIPT, "exec-credential", "--cluster-id", CLUSTER_ID, "--endpoint", emu.info.url, "--iam-endpoint", emu.info.url];
        const cacheDir = join(home, "cache", "cce-clustercert");

        // Mint once; from then on every hit must print this, without touching the cache file.
        const first = timed(NODE, plugin, env);
        const files = (): string[] => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith(".json")) : []);
        if (files().length !== 1) throw new Error(`expected one cache file after the first run, found ${files().join(", ") || "none"}`);
        const entry = join(cacheDir, files()[0]!);
        let stamp = statSync(entry);
        let expected = first.stdout;
        const hit = (): number => {
            const r = timed(NODE, plugin, env);
            const st = statSync(entry);
            if (r.stdout !== expected || r.stderr !== "" || st.ino !== stamp.ino || st.mtimeMs !== stamp.mtimeMs) {
                throw new Error(`not a cache hit: stderr ${JSON.stringify(r.stderr.slice(0, 200))}, same output ${r.stdout === expected}, cache file rewritten ${st.ino !== stamp.ino}`);
            }
            return r.ms;
        };
        const floor = (): number => timed(NODE, ["-e", "0"], env).ms;
        const miss = (): number => {
            unlinkSync(entry);
            const r = timed(NODE, plugin, env);
            if (r.stderr !== "" || !existsSync(entry)) throw new Error(`the miss did not store a certificate: ${r.stderr.slice(0, 200)}`);
            expected = r.stdout;
            stamp = statSync(entry);
            return r.ms;
        };

        for (let i = 0; i < WARMUP; i++) {
            hit();
            floor();
        }
        log(`  ${PAIRS} pairs: hit, node -e 0 …`);
        const h = paired(PAIRS, hit, floor);
        log(`  ${MISS_PAIRS} pairs: miss (entry removed), hit …`);
        const m = paired(MISS_PAIRS, miss, hit);
        log(`  ${CHECK_RUNS} × 2 processes: the entry check, cold …`);
        const c = paired(CHECK_RUNS, () => checkCost(entry, "shared"), () => checkCost(entry, "node-crypto"));
        return {
            node: `${spawnSync(NODE, ["-p", "process.version"], { encoding: "utf8" }).stdout.trim()}`,
            script: SCRIPT,
            hit: { ms: spread(h.a), floorMs: spread(h.b), ratio: spread(h.ratios), pairs: PAIRS },
            miss: { ms: spread(m.a), hitMs: spread(m.b), ratio: spread(m.ratios), extraMs: spread(m.a.map((x, i) => x - (m.b[i] as number))), pairs: MISS_PAIRS },
            check: { sharedMs: spread(c.a), nodeCryptoMs: spread(c.b), runs: CHECK_RUNS },
        };
    } finally {
        rmSync(home, { recursive: true, force: true });
        await emu.stop();
    }
}

function report(r: Result): string {
    const cpus = os.cpus();
    const x = (s: Spread): string => `${fmt(s.median, 2)}× (p10–p90 ${fmt(s.p10, 2)}–${fmt(s.p90, 2)})`;
    const t = (s: Spread): string => `${fmt(s.median, 1)} ms (p10–p90 ${fmt(s.p10, 1)}–${fmt(s.p90, 1)})`;
    const t2 = (s: Spread): string => `${fmt(s.median, 2)} ms (p10–p90 ${fmt(s.p10, 2)}–${fmt(s.p90, 2)})`;
    const met = r.hit.ratio.median <= TARGET_RATIO ? "met" : "**missed**";
    return [
        `- Machine: ${cpus.length} cores (${cpus[0]?.model ?? "?"}), load average ${os.loadavg().map((l) => fmt(l, 1)).join(" / ")} at the end; Node ${r.node}; ${new Date().toISOString()}`,
        `- Plugin: \`node ${r.script.startsWith(REPO_ROOT) ? r.script.slice(REPO_ROOT.length + 1) : r.script} exec-credential …\` (AK/SK from the environment, RSA-2048 certificate from the emulator in benchmark mode)`,
        "",
        table(
            ["", "median of paired ratios (spread)", "wall time, median (spread)"],
            [
                [`cache hit / \`node -e 0\` (${r.hit.pairs} pairs) — target ≤ ${TARGET_RATIO}×: ${met}`, x(r.hit.ratio), `hit ${t(r.hit.ms)}; node -e 0 ${t(r.hit.floorMs)}`],
                [`cache miss / cache hit (${r.miss.pairs} pairs)`, x(r.miss.ratio), `miss ${t(r.miss.ms)}; hit ${t(r.miss.hitMs)}; miss − hit ${t(r.miss.extraMs)}`],
            ],
        ),
        "",
        `Entry check, cold (first call in a fresh process, ${r.check.runs} processes each): \`inspectClientCertificate\` (strict DER reader, RSA) ${t2(r.check.sharedMs)}; node:crypto alone ${t2(r.check.nodeCryptoMs)}.`,
    ].join("\n");
}

const BEGIN = "<!-- exec-bench:begin (written by `npm run bench:exec`; edit outside these markers) -->";
const END = "<!-- exec-bench:end -->";

/** Rewrites the part of RESULTS.md between this script's markers (adding the section at the end if it is missing). */
function writeResults(text: string): void {
    const file = join(REPO_ROOT, "bench", "RESULTS.md");
    const old = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n";
    const block = `${BEGIN}\n${text}\n${END}`;
    const a = old.indexOf("<!-- exec-bench:begin");
    const b = old.indexOf(END);
    const next = a >= 0 && b > a ? old.slice(0, a) + block + old.slice(b + END.length) : `${old.trimEnd()}\n\n## Exec plugin cache hit\n\n${block}\n`;
    writeFileSync(file, next);
    log(`wrote ${file}`);
}

/** Measures, prints the section, and writes it into RESULTS.md (see the options above). */
export async function benchExecStartup(): Promise<void> {
    const text = report(await measure());
    process.stdout.write(`\n${text}\n`);
    if (WRITE) writeResults(text);
}

if (require.main === module) {
    benchExecStartup().then(
        () => process.exit(0),
        (e: unknown) => {
            log(`bench:exec failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
            process.exit(1);
        },
    );
}
