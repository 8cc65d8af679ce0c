/**
 * Test helpers: run the built `cce-clustercert` (through package.json's `bin` entry when it is
 * there) and `kubectl` as child processes, asynchronously so that an in-process emulator keeps
 * answering.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "..", "..");
export const BIN_NAME = "cce-clustercert";
export const EXPECTED_BIN = "dist/provider/cli/main.js";

/** package.json's `bin` entry for the CLI, if declared. */
export function declaredBin(): string | undefined {
    const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { bin?: unknown };
    if (typeof pkg.bin === "string") return pkg.bin;
    if (pkg.bin !== null && typeof pkg.bin === "object") {
        const entry = (pkg.bin as Record<string, unknown>)[BIN_NAME];
        if (typeof entry === "string") return entry;
    }
    return undefined;
}

/** Absolute path of the script `node` runs: the bin entry, else the compiled main. */
export function cliScript(): string {
    const script = path.resolve(REPO, declaredBin() ?? EXPECTED_BIN);
    if (!existsSync(script)) throw new Error(`${script} does not exist: run \`npm run build\` (npm test does) before these tests`);
    return script;
}

export interface Result {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** The environment children start from: PATH and the like, none of the caller's cloud settings. */
/** The CLI's environment in the e2e tests: AK/SK, region and project from env, the emulator's CA trusted, HOME in `work`. */
export function cliEnv(work: string, caFile: string, creds: { ak: string; sk: string; projectId: string }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
        ...baseEnv(),
        HOME: work,
        HW_ACCESS_KEY: creds.ak,
        HW_SECRET_KEY: creds.sk,
        HW_REGION_NAME: "eu-west-0",
        HW_PROJECT_ID: creds.projectId,
        NODE_EXTRA_CA_CERTS: caFile,
        ...extra,
    };
}

export function baseEnv(): NodeJS.ProcessEnv {
    const keep = ["PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"];
    const env: NodeJS.ProcessEnv = {};
    for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
    return env;
}

export function runProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd = REPO, timeoutMs = 60_000): Promise<Result> {
    return startProcess(command, args, env, cwd, timeoutMs).result;
}

/** A child process still running: its result, and a way to wait for what it writes on stderr. */
export interface Running {
    result: Promise<Result>;
    /** Resolves once stderr matches `pattern`; rejects if the process ends first or after `timeoutMs` (default 60 s). */
    waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Starts `command` (killed after `timeoutMs`); see `Running`. */
export function startProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd = REPO, timeoutMs = 60_000): Running {
    const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let ended = false;
    const waiters = new Set<() => void>();
    const notify = (): void => {
        for (const w of [...waiters]) w();
    };
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        notify();
    });
    const result = new Promise<Result>((resolve, reject) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("error", (e) => {
            clearTimeout(timer);
            ended = true;
            notify();
            reject(e);
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            ended = true;
            notify();
            resolve({ code, stdout, stderr });
        });
    });
    const waitForStderr = (pattern: RegExp, waitMs = 60_000): Promise<void> =>
        new Promise((resolve, reject) => {
            const check = (): void => {
                if (pattern.test(stderr)) finish(resolve);
                else if (ended) finish(() => reject(new Error(`the process ended without writing ${pattern} on stderr; stderr: ${stderr}`)));
            };
            const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} on stderr within ${waitMs} ms; stderr: ${stderr}`))), waitMs);
            const finish = (then: () => void): void => {
                clearTimeout(timer);
                waiters.delete(check);
                then();
            };
            waiters.add(check);
            check();
        });
    return { result, waitForStderr };
}

/** `node <bin> ...args` with exactly `env`. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, cwd = REPO): Promise<Result> {
    return runProcess(process.execPath, [cliScript(), ...args], env, cwd);
}

/** Starts `node <bin> ...args` with exactly `env` and returns at once (see `Running`). */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv, cwd = REPO): Running {
    return startProcess(process.execPath, [cliScript(), ...args], env, cwd);
}

export interface KubectlInfo {
    path: string;
    major: number;
    minor: number;
}

/** The kubectl on the PATH and its client version, or why it cannot be used. */
export function findKubectl(): KubectlInfo | string {
    const res = spawnSync("kubectl", ["version", "--client", "-o", "json"], { encoding: "utf8", timeout: 30_000 });
    if (res.error !== undefined) return `kubectl is not on the PATH (${(res.error as NodeJS.ErrnoException).code ?? res.error.message})`;
    try {
        const v = (JSON.parse(res.stdout) as { clientVersion?: { major?: string; minor?: string } }).clientVersion;
        const major = Number.parseInt(v?.major ?? "", 10);
        const minor = Number.parseInt(v?.minor ?? "", 10);
        if (Number.isNaN(major) || Number.isNaN(minor)) return `cannot read kubectl's version from ${JSON.stringify(res.stdout.slice(0, 200))}`;
        return { path: "kubectl", major, minor };
    } catch {
        return `cannot read kubectl's version (exit ${res.status}): ${res.stderr.slice(0, 200)}`;
    }
}
