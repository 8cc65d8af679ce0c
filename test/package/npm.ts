/**
 * The package as users get it: `npm pack` of this repository, installed with `npm install` into a
 * fresh Pulumi program folder, and programs run there in their own `node` process.
 *
 * Child processes never inherit the `npm_*` variables of an enclosing `npm test` that describe
 * *this* package (`npm_package_*`, `npm_config_local_prefix`, `INIT_CWD`…): an `npm install` in a
 * program folder must behave as a user's does there. Registry, cache and proxy settings are kept.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { makeProgramDir, REPO_ROOT, type ProgramDir } from "../harness/program";
import type { PropertyMap } from "../harness/properties";

export const PACKAGE_NAME = "pulumi-cce-clustercert";
export const FIXTURE_PROGRAM_DIR = path.join(REPO_ROOT, "test", "package", "fixtures", "program");

export interface RunResult {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    ms: number;
}

export interface RunOptions {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
}

/** The environment for child `npm`/`node` processes: this one without the variables of an enclosing npm script. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        const lower = k.toLowerCase();
        if (
            lower.startsWith("npm_package_") ||
            lower.startsWith("npm_lifecycle_") ||
            lower === "npm_command" ||
            lower === "npm_config_local_prefix" ||
            lower === "npm_config_prefix" ||
            lower === "init_cwd" ||
            lower === "node_options" ||
            lower === "ts_node_project"
        ) {
            continue;
        }
        env[k] = v;
    }
    return { ...env, ...extra };
}

/** Runs a command to completion (no shell), collecting its output. Rejects only if it cannot start or times out. */
export function run(command: string, args: string[], opts: RunOptions): Promise<RunResult> {
    const started = Date.now();
    return new Promise<RunResult>((resolve, reject) => {
        const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? childEnv(), stdio: ["ignore", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        const timeoutMs = opts.timeoutMs ?? 120_000;
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`${command} ${args.join(" ")} did not finish within ${timeoutMs} ms (cwd ${opts.cwd})`));
        }, timeoutMs);
        child.once("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.once("close", (code, signal) => {
            clearTimeout(timer);
            resolve({
                code,
                signal,
                stdout: Buffer.concat(out).toString("utf8"),
                stderr: Buffer.concat(err).toString("utf8"),
                ms: Date.now() - started,
            });
        });
    });
}

function failure(what: string, r: RunResult): Error {
    return new Error(`${what} failed (exit ${r.code}${r.signal ? `, ${r.signal}` : ""}, ${r.ms} ms)\nstdout:\n${r.stdout.slice(-4000)}\nstderr:\n${r.stderr.slice(-4000)}`);
}

/** One file of `npm pack --json`. */
export interface PackedFile {
    path: string;
    size: number;
}

export interface PackResult {
    /** Absolute path of the tarball (undefined for a dry run). */
    tarball: string | undefined;
    files: PackedFile[];
    /** Size of the tarball and of its content, bytes. */
    size: number;
    unpackedSize: number;
    ms: number;
}

interface PackJson {
    filename: string;
    size: number;
    unpackedSize: number;
    files: PackedFile[];
}

function isPackJson(x: unknown): x is PackJson[] {
    return Array.isArray(x) && x.length === 1 && typeof (x[0] as { filename?: unknown }).filename === "string" && Array.isArray((x[0] as { files?: unknown }).files);
}

/** `npm pack` of the package in `packageDir` (default this repository) into `destination`, or a dry run without one. */
export async function npmPack(destination: string | undefined, packageDir: string = REPO_ROOT): Promise<PackResult> {
    const args = ["pack", "--json", "--ignore-scripts", ...(destination ? ["--pack-destination", destination] : ["--dry-run"])];
    const r = await run("npm", args, { cwd: packageDir });
    if (r.code !== 0) throw failure(`npm ${args.join(" ")}`, r);
    // npm may print warnings on stdout before the JSON: parse from the first "[".
    const json: unknown = JSON.parse(r.stdout.slice(r.stdout.indexOf("[")));
    if (!isPackJson(json)) throw new Error(`unexpected npm pack output: ${r.stdout.slice(0, 500)}`);
    const [p] = json;
    return {
        tarball: destination ? path.join(destination, p.filename) : undefined,
        files: p.files.map((f) => ({ path: f.path, size: f.size })),
        size: p.size,
        unpackedSize: p.unpackedSize,
        ms: r.ms,
    };
}

/** The version of a package installed in this repository (e.g. `@pulumi/pulumi`). */
export function installedVersion(pkg: string, from: string = REPO_ROOT): string {
    const file = require.resolve(`${pkg}/package.json`, { paths: [from] });
    const json = JSON.parse(fs.readFileSync(file, "utf8")) as { version: string };
    return json.version;
}

/** The `@pulumi/pulumi` range the package claims (its peer dependency). */
export function claimedPulumiRange(): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { peerDependencies?: Record<string, string> };
    const range = pkg.peerDependencies?.["@pulumi/pulumi"];
    if (range === undefined) throw new Error("package.json declares no @pulumi/pulumi peer dependency");
    return range;
}

/**
 * The lowest version the claimed range admits, or the newest release in it (asked from the npm
 * registry, as a user's `npm install` would resolve it).
 */
export async function claimedPulumiVersion(which: "lowest" | "latest"): Promise<string> {
    const semver = require("semver") as typeof import("semver");
    const range = claimedPulumiRange();
    if (which === "lowest") {
        const min = semver.minVersion(range);
        if (min === null) throw new Error(`the range ${range} admits no version`);
        return min.version;
    }
    const r = await run("npm", ["view", `@pulumi/pulumi@${range}`, "version", "--json", "--no-update-notifier"], { cwd: REPO_ROOT, timeoutMs: 120_000 });
    if (r.code !== 0) throw failure(`npm view @pulumi/pulumi@${range} version`, r);
    const listed = JSON.parse(r.stdout) as string | string[];
    const newest = semver.maxSatisfying(Array.isArray(listed) ? listed : [listed], range);
    if (newest === null) throw new Error(`the registry lists no @pulumi/pulumi release in ${range}`);
    return newest;
}

export interface ConsumerProgram extends ProgramDir {
    /** How long `npm install` took, ms. */
    installMs: number;
}

/**
 * A fresh program folder (own package.json, Pulumi.yaml, the fixture program) with the tarball
 * and `@pulumi/pulumi@<version>` installed by `npm install`, as a user's `npm install` would.
 */
export async function installConsumerProgram(tarball: string, pulumiVersion: string, name = "consumer"): Promise<ConsumerProgram> {
    const files: Record<string, string> = {};
    for (const f of fs.readdirSync(FIXTURE_PROGRAM_DIR)) {
        files[f] = fs.readFileSync(path.join(FIXTURE_PROGRAM_DIR, f), "utf8");
    }
    const dir = await makeProgramDir({ name, links: {}, replaceDefaultLinks: true, files });
    try {
        const args = ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-update-notifier", tarball, `@pulumi/pulumi@${pulumiVersion}`];
        const r = await run("npm", args, { cwd: dir.dir, timeoutMs: 300_000 });
        if (r.code !== 0) throw failure(`npm ${args.join(" ")} in ${dir.dir}`, r);
        return { ...dir, installMs: r.ms };
    } catch (e) {
        await dir.cleanup();
        throw e;
    }
}

/** What `mock-run.js` prints: the program's registrations under mocks, from the program's own modules. */
export interface MockRun {
    pulumiVersion: string;
    packageVersion: string;
    /** What the program registered, with the additionalSecretOutputs option of each registration. */
    registered: { type: string; name: string; inputs: PropertyMap; additionalSecretOutputs: string[] }[];
    /** Module specifiers the serializer wrote for closures capturing the package's root and runtime modules. */
    captures: Record<string, string[]>;
    ms: number;
}

function isMockRun(x: unknown): x is Omit<MockRun, "ms"> {
    const o = x as Partial<MockRun> | null;
    return typeof o === "object" && o !== null && typeof o.pulumiVersion === "string" && Array.isArray(o.registered) && typeof o.captures === "object";
}

/**
 * Runs the program under `pulumi.runtime.setMocks` in its own `node` process with cwd = the
 * program folder; stack config is passed as the engine passes it (PULUMI_CONFIG).
 */
export async function runUnderMocks(
    programDir: string,
    opts: { project: string; stack?: string; config: Record<string, string>; secretKeys?: string[] },
): Promise<MockRun> {
    const env = childEnv({
        PULUMI_CONFIG: JSON.stringify(opts.config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(opts.secretKeys ?? []),
    });
    const r = await run(process.execPath, ["mock-run.js", opts.project, opts.stack ?? "stack"], { cwd: programDir, env, timeoutMs: 60_000 });
    if (r.code !== 0) throw failure(`node mock-run.js in ${programDir}`, r);
    const line = r.stdout.trim().split("\n").pop() ?? "";
    const json: unknown = JSON.parse(line);
    if (!isMockRun(json)) throw new Error(`unexpected mock-run output: ${line.slice(0, 500)}`);
    return { ...json, ms: r.ms };
}

/** Every `@pulumi/pulumi` installed under `dir/node_modules` (nested copies included). */
export function pulumiCopies(dir: string): string[] {
    const found: string[] = [];
    const walk = (nm: string): void => {
        if (!fs.existsSync(nm)) return;
        for (const entry of fs.readdirSync(nm, { withFileTypes: true })) {
            if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
            const full = path.join(nm, entry.name);
            if (entry.name.startsWith("@")) {
                for (const sub of fs.readdirSync(full, { withFileTypes: true })) {
                    if (!sub.isDirectory()) continue;
                    const pkgDir = path.join(full, sub.name);
                    if (entry.name === "@pulumi" && sub.name === "pulumi") found.push(pkgDir);
                    walk(path.join(pkgDir, "node_modules"));
                }
            } else {
                walk(path.join(full, "node_modules"));
            }
        }
    };
    walk(path.join(dir, "node_modules"));
    return found;
}
