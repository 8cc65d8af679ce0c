/**
 * `ProviderHost`: the real Node.js dynamic-provider host of `@pulumi/pulumi`
 * (`cmd/dynamic-provider/index.js`) in a child process, driven over gRPC like the engine does.
 *
 * The engine (pkg/resource/plugin/provider_plugin.go, `NewProvider`) runs the plugin with the
 * program directory as working directory, the engine address as only argument, and adds
 * `PULUMI_NODEJS_PROJECT`, `PULUMI_PROJECT` and `PULUMI_CONFIG` (the `pulumi-nodejs:` namespace
 * of the config, normally `{}`) to its environment. The host binds 127.0.0.1:0 and prints the
 * port on its first stdout line; everything it prints later (stdout and stderr) is shown to the
 * user as diagnostics and is collected here (`logs()`).
 *
 * Every host started is tracked: `stopAllHosts()` stops them (use it in an `after` hook or the
 * root hook in ./hooks.ts), and a process `exit` handler SIGKILLs any that are left. Child
 * process and pipes are unref'd once started, so a forgotten host never keeps mocha alive.
 */
import { spawn, type ChildProcess } from "child_process";
import { randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as readline from "readline";
import * as grpc from "@grpc/grpc-js";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { toProviderError } from "./host-error";
import { REPO_ROOT } from "./program";
import { fromStruct, stripSecrets, toStruct, type PropertyMap, type SecretValue } from "./properties";

export { ProviderError } from "./host-error";
export type { ResourceInitFailure } from "./host-error";

/** Absolute path of the host script, resolved from this repository's node_modules. */
export const HOST_SCRIPT: string = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js", {
    paths: [REPO_ROOT],
});

/** The host script of the `@pulumi/pulumi` installed in (or above) `programDir`, as the engine would start it. */
export function hostScriptFor(programDir: string): string {
    return require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js", { paths: [programDir] });
}

/** The provider type and package of Node.js dynamic providers. */
export const DYNAMIC_PROVIDER_TYPE = "pulumi:providers:pulumi-nodejs";
const DYNAMIC_PROVIDER_PACKAGE = "pulumi-nodejs";

/** A log line to wait for: a substring, a pattern or a predicate. */
export type LogMatch = string | RegExp | ((line: string) => boolean);

/** How long `waitForLog` waits by default: generous, the machine running the tests may be loaded. */
export const DEFAULT_LOG_WAIT_MS = 30_000;

export interface HostStartOptions {
    /** The program directory (working directory of the host). */
    cwd: string;
    /** Environment of the host (default: process.env). The engine's variables are added on top. */
    env?: NodeJS.ProcessEnv;
    /** Extra `node` arguments placed before the script (e.g. `--max-old-space-size=64`). */
    nodeArgs?: string[];
    /**
     * Project name, exported as PULUMI_NODEJS_PROJECT / PULUMI_PROJECT like the engine does.
     * The host's `config.get("x")` reads `<project>:x`. Default: env's PULUMI_NODEJS_PROJECT, else "project".
     */
    project?: string;
    /** Time allowed for the host to print its port (default 20 s). */
    startTimeoutMs?: number;
    /** Deadline of every RPC (default: none, like the engine). */
    callTimeoutMs?: number;
    /**
     * Absolute path of the host script (default `HOST_SCRIPT`, this repository's copy). Pass
     * `hostScriptFor(programDir)` to run the `@pulumi/pulumi` a program has installed, as the engine does.
     */
    hostScript?: string;
}

export type DiffChanges = "none" | "some" | "unknown";

export interface PropertyDiff {
    kind: "add" | "add-replace" | "delete" | "delete-replace" | "update" | "update-replace";
    inputDiff: boolean;
}

export interface DiffResult {
    changes: DiffChanges;
    replaces: string[];
    stables: string[];
    /** Changed top-level keys, if the provider reported them. */
    diffs: string[];
    deleteBeforeReplace: boolean;
    detailedDiff?: Record<string, PropertyDiff>;
}

export interface CheckFailure {
    property: string;
    reason: string;
}

export interface CheckResult {
    inputs: PropertyMap;
    failures: CheckFailure[];
}

export interface CreateResult {
    id: string;
    properties: PropertyMap;
}

export interface ReadResult {
    id: string;
    properties: PropertyMap;
    inputs?: PropertyMap;
}

export interface UpdateResult {
    properties: PropertyMap;
}

export interface ConfigureResult {
    acceptSecrets: boolean;
    supportsPreview: boolean;
    acceptResources: boolean;
    acceptOutputs: boolean;
}

/** A stack config value: plain, or a secret marker for `pulumi config set --secret`. */
export type ConfigValue = string | SecretValue<string>;

export interface ConfigureOptions {
    /** URN of the provider resource (default: the default provider of `stack`/project). */
    urn?: string;
    /** ID of the provider resource (default: a random UUID, like a default provider). */
    id?: string;
    stack?: string;
}

export interface LogEntry {
    stream: "stdout" | "stderr";
    line: string;
}

export interface ExitInfo {
    code: number | null;
    signal: NodeJS.Signals | null;
}

export interface MemoryUsage {
    /** Resident set size now (VmRSS). */
    rssBytes: number;
    /** Peak resident set size (VmHWM). */
    peakRssBytes: number;
}

/** Splits a URN `urn:pulumi:<stack>::<project>::<qualified type>::<name>` into name and type. */
export function parseUrn(urn: string): { stack: string; project: string; type: string; name: string } {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) {
        throw new Error(`invalid URN: ${urn}`);
    }
    const qualifiedType = parts[2];
    return {
        stack: parts[0].slice("urn:pulumi:".length),
        project: parts[1],
        type: qualifiedType.split("$").pop() ?? qualifiedType,
        name: parts.slice(3).join("::"),
    };
}

export function makeUrn(stack: string, project: string, type: string, name: string): string {
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

const CHANGES: Record<number, DiffChanges> = {
    [provproto.DiffResponse.DiffChanges.DIFF_UNKNOWN]: "unknown",
    [provproto.DiffResponse.DiffChanges.DIFF_NONE]: "none",
    [provproto.DiffResponse.DiffChanges.DIFF_SOME]: "some",
};

const KINDS: Record<number, PropertyDiff["kind"]> = {
    [provproto.PropertyDiff.Kind.ADD]: "add",
    [provproto.PropertyDiff.Kind.ADD_REPLACE]: "add-replace",
    [provproto.PropertyDiff.Kind.DELETE]: "delete",
    [provproto.PropertyDiff.Kind.DELETE_REPLACE]: "delete-replace",
    [provproto.PropertyDiff.Kind.UPDATE]: "update",
    [provproto.PropertyDiff.Kind.UPDATE_REPLACE]: "update-replace",
};

type UnaryMethod<Req, Res> = (
    request: Req,
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: (error: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

const liveHosts = new Set<ProviderHost>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
    if (exitHandlerInstalled) {
        return;
    }
    exitHandlerInstalled = true;
    process.on("exit", () => {
        for (const host of liveHosts) {
            host.killNow();
        }
    });
}

/** Stops every host started by this process and not yet stopped. */
export async function stopAllHosts(): Promise<void> {
    await Promise.all([...liveHosts].map((h) => h.stop()));
}

/** The resource a request is about: URN, name and type, as the engine sets them on every request. */
interface Addressable {
    setUrn(value: string): unknown;
    setName(value: string): unknown;
    setType(value: string): unknown;
}

function addressed<T extends Addressable>(req: T, urn: string): T {
    const { name, type } = parseUrn(urn);
    req.setUrn(urn);
    req.setName(name);
    req.setType(type);
    return req;
}

/** Number of hosts started and not yet stopped (for leak checks). */
export function liveHostCount(): number {
    return liveHosts.size;
}

export class ProviderHost {
    /** Port the host listens on (127.0.0.1). */
    readonly port: number;
    /** The project name given to the host (PULUMI_NODEJS_PROJECT). */
    readonly project: string;
    readonly cwd: string;

    private readonly child: ChildProcess;
    private readonly client: provrpc.ResourceProviderClient;
    private readonly entries: LogEntry[];
    private readonly waiters = new Set<() => void>();
    private readonly exitPromise: Promise<ExitInfo>;
    private exitInfo: ExitInfo | undefined;
    private readonly callTimeoutMs: number | undefined;
    private stopping: Promise<void> | undefined;

    private constructor(args: {
        child: ChildProcess;
        port: number;
        project: string;
        cwd: string;
        entries: LogEntry[];
        exitPromise: Promise<ExitInfo>;
        callTimeoutMs: number | undefined;
    }) {
        this.child = args.child;
        this.port = args.port;
        this.project = args.project;
        this.cwd = args.cwd;
        this.entries = args.entries;
        this.exitPromise = args.exitPromise;
        this.callTimeoutMs = args.callTimeoutMs;
        this.exitPromise.then((info) => {
            this.exitInfo = info;
        });
        this.client = new provrpc.ResourceProviderClient(`127.0.0.1:${this.port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024,
            "grpc.max_send_message_length": 400 * 1024 * 1024,
        });
    }

    /** Spawns the host and connects to it. Rejects (and kills the child) if it does not print its port in time. */
    static async start(opts: HostStartOptions): Promise<ProviderHost> {
        installExitHandler();
        const base = opts.env ?? process.env;
        const project = opts.project ?? base.PULUMI_NODEJS_PROJECT ?? "project";
        const env: NodeJS.ProcessEnv = {
            ...base,
            PULUMI_NODEJS_PROJECT: project,
            PULUMI_PROJECT: project,
            PULUMI_CONFIG: base.PULUMI_CONFIG ?? "{}",
        };
        const script = opts.hostScript ?? HOST_SCRIPT;
        const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, "127.0.0.1:1"], {
            cwd: opts.cwd,
            env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        const entries: LogEntry[] = [];
        const exitPromise = new Promise<ExitInfo>((resolve) => {
            // "close": the process exited and its pipes are drained, so logs() is complete.
            child.once("close", (code, signal) => resolve({ code, signal }));
        });
        let host: ProviderHost | undefined;
        const notify = (): void => {
            host?.notifyWaiters();
        };
        const stderrLines = readline.createInterface({ input: child.stderr! });
        stderrLines.on("line", (line) => {
            entries.push({ stream: "stderr", line });
            notify();
        });
        const stdoutLines = readline.createInterface({ input: child.stdout! });
        const timeoutMs = opts.startTimeoutMs ?? 20_000;

        let port: number;
        try {
            port = await new Promise<number>((resolve, reject) => {
                let first = true;
                const timer = setTimeout(() => {
                    reject(new Error(`the dynamic-provider host did not print its port within ${timeoutMs} ms`));
                }, timeoutMs);
                stdoutLines.on("line", (line) => {
                    if (!first) {
                        entries.push({ stream: "stdout", line });
                        notify();
                        return;
                    }
                    first = false;
                    clearTimeout(timer);
                    const n = Number(line.trim());
                    if (Number.isInteger(n) && n > 0 && n < 65536) {
                        resolve(n);
                    } else {
                        reject(new Error(`the dynamic-provider host printed ${JSON.stringify(line)} instead of a port`));
                    }
                });
                child.once("error", (err) => {
                    clearTimeout(timer);
                    reject(err);
                });
                exitPromise.then((info) => {
                    clearTimeout(timer);
                    reject(new Error(`the dynamic-provider host exited (code ${info.code}, signal ${info.signal}) before printing its port`));
                });
            });
        } catch (err) {
            if (child.exitCode === null && child.signalCode === null) {
                child.kill("SIGKILL");
            }
            await Promise.race([exitPromise, new Promise((r) => setTimeout(r, 2000))]);
            const stderr = entries.filter((e) => e.stream === "stderr").map((e) => e.line).join("\n");
            const message = err instanceof Error ? err.message : String(err);
            throw new Error(
                `${message}\n  pid: ${child.pid}\n  command: node ${[...(opts.nodeArgs ?? []), script, "127.0.0.1:1"].join(" ")}\n  cwd: ${opts.cwd}\n  stderr:\n${stderr || "  (empty)"}`,
            );
        }

        host = new ProviderHost({ child, port, project, cwd: opts.cwd, entries, exitPromise, callTimeoutMs: opts.callTimeoutMs });
        liveHosts.add(host);
        // A leaked host must not keep the test runner alive; the exit handler kills it.
        child.unref();
        (child.stdout as { unref?: () => void } | null)?.unref?.();
        (child.stderr as { unref?: () => void } | null)?.unref?.();
        return host;
    }

    /** Process id of the host. */
    get pid(): number {
        return this.child.pid ?? -1;
    }

    /** True once the host process has exited. */
    get exited(): boolean {
        return this.exitInfo !== undefined;
    }

    /** Resolves when the host process has exited (and its output is drained). */
    waitForExit(): Promise<ExitInfo> {
        return this.exitPromise;
    }

    /** Every line the host printed after its port, stdout and stderr, in arrival order. */
    logs(): string[] {
        return this.entries.map((e) => e.line);
    }

    /** Same as logs(), with the stream of each line. */
    logEntries(): LogEntry[] {
        return this.entries.map((e) => ({ ...e }));
    }

    clearLogs(): void {
        this.entries.length = 0;
    }

    /**
     * Waits until a log line matches (host output is asynchronous: a line printed during a call
     * can arrive after the call's response). Rejects after `timeoutMs` (default 30 s: generous,
     * the machine may be loaded) or on exit.
     */
    async waitForLog(match: LogMatch, timeoutMs = DEFAULT_LOG_WAIT_MS): Promise<string> {
        const [line] = await this.waitForLogCount(match, 1, { timeoutMs });
        return line as string;
    }

    /**
     * Waits until at least `count` lines from index `from` on (an index into `logs()`) match, and
     * returns every matching line from there. Rejects after `timeoutMs` (default 30 s) or on exit.
     */
    async waitForLogCount(match: LogMatch, count: number, opts: { from?: number; timeoutMs?: number } = {}): Promise<string[]> {
        const test = typeof match === "function" ? match : typeof match === "string" ? (l: string) => l.includes(match) : (l: string) => match.test(l);
        const timeoutMs = opts.timeoutMs ?? DEFAULT_LOG_WAIT_MS;
        const found = (): string[] => this.entries.slice(opts.from ?? 0).map((e) => e.line).filter(test);
        const now = found();
        if (now.length >= count) {
            return now;
        }
        return new Promise<string[]>((resolve, reject) => {
            const check = (): void => {
                const lines = found();
                if (lines.length >= count) {
                    done();
                    resolve(lines);
                } else if (this.exited) {
                    done();
                    reject(new Error(`host exited with ${lines.length} of ${count} matching lines; logs:\n${this.logs().join("\n")}`));
                }
            };
            const timer = setTimeout(() => {
                done();
                reject(new Error(`${found().length} of ${count} matching host log lines within ${timeoutMs} ms; logs:\n${this.logs().join("\n")}`));
            }, timeoutMs);
            const done = (): void => {
                clearTimeout(timer);
                this.waiters.delete(check);
            };
            this.waiters.add(check);
            this.exitPromise.then(check);
        });
    }

    /** @internal */
    notifyWaiters(): void {
        for (const w of [...this.waiters]) {
            w();
        }
    }

    /** Memory of the host process from /proc/<pid>/status (Linux), or undefined if it is gone. */
    memoryUsage(): MemoryUsage | undefined {
        let text: string;
        try {
            text = fs.readFileSync(`/proc/${this.pid}/status`, "utf8");
        } catch {
            return undefined;
        }
        const kib = (field: string): number => {
            const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(text);
            return m ? Number(m[1]) * 1024 : 0;
        };
        return { rssBytes: kib("VmRSS"), peakRssBytes: kib("VmHWM") };
    }

    /** Current RSS of the host in bytes (undefined if it is gone). */
    rssBytes(): number | undefined {
        return this.memoryUsage()?.rssBytes;
    }

    /** Closes the client and stops the process (SIGTERM, SIGKILL after 5 s); waits for the exit. Idempotent. */
    stop(): Promise<void> {
        if (!this.stopping) {
            this.stopping = (async () => {
                this.client.close();
                if (!this.exited) {
                    this.child.ref();
                    this.child.kill("SIGTERM");
                    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
                    await this.exitPromise;
                    clearTimeout(timer);
                }
                liveHosts.delete(this);
            })();
        }
        return this.stopping;
    }

    /** @internal Synchronous kill for the process exit handler. */
    killNow(): void {
        if (!this.exited) {
            try {
                this.child.kill("SIGKILL");
            } catch {
                // already gone
            }
        }
    }

    private call<Req, Res>(name: string, method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
        const options: Partial<grpc.CallOptions> = {};
        if (this.callTimeoutMs !== undefined) {
            options.deadline = Date.now() + this.callTimeoutMs;
        }
        return new Promise<Res>((resolve, reject) => {
            method.call(this.client, request, new grpc.Metadata(), options, (err, res) => {
                if (err) {
                    reject(toProviderError(name, err));
                } else {
                    resolve(res);
                }
            });
        });
    }

    // ---- RPCs ------------------------------------------------------------------------------

    async getPluginInfo(): Promise<{ version: string }> {
        const res = await this.call<Empty, plugproto.PluginInfo>("getPluginInfo", this.client.getPluginInfo, new Empty());
        return { version: res.getVersion() };
    }

    /**
     * Configure as the engine does for the default `pulumi-nodejs` provider: `args` holds the whole
     * stack config with namespaced keys (secret values as secret markers, which the host unwraps),
     * `variables` the deprecated `pulumi-nodejs:config:<key>` form with plain values.
     */
    async configure(config: Record<string, ConfigValue>, opts: ConfigureOptions = {}): Promise<ConfigureResult> {
        const req = new provproto.ConfigureRequest();
        const variables = req.getVariablesMap();
        const args: PropertyMap = {};
        for (const [k, v] of Object.entries(config)) {
            args[k] = v;
            const plain = stripSecrets(v);
            variables.set(`${DYNAMIC_PROVIDER_PACKAGE}:config:${k}`, typeof plain === "string" ? plain : JSON.stringify(plain));
        }
        req.setArgs(toStruct(args));
        req.setAcceptsecrets(true);
        req.setAcceptresources(true);
        req.setSendsOldInputs(true);
        req.setSendsOldInputsToDelete(true);
        const urn = opts.urn ?? makeUrn(opts.stack ?? "stack", this.project, DYNAMIC_PROVIDER_TYPE, "default");
        req.setUrn(urn);
        req.setName(parseUrn(urn).name);
        req.setType(DYNAMIC_PROVIDER_TYPE);
        req.setId(opts.id ?? randomUUID());
        const res = await this.call<provproto.ConfigureRequest, provproto.ConfigureResponse>("configure", this.client.configure, req);
        return {
            acceptSecrets: res.getAcceptsecrets(),
            supportsPreview: res.getSupportspreview(),
            acceptResources: res.getAcceptresources(),
            acceptOutputs: res.getAcceptoutputs(),
        };
    }

    async check(urn: string, olds: PropertyMap, news: PropertyMap): Promise<CheckResult> {
        const req = addressed(new provproto.CheckRequest(), urn);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        req.setRandomseed(randomBytes(32));
        const res = await this.call<provproto.CheckRequest, provproto.CheckResponse>("check", this.client.check, req);
        return {
            inputs: fromStruct(res.getInputs()),
            failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    /** Diff(id, olds = old OUTPUTS, news = checked inputs); `oldInputs` is also sent by the engine. */
    async diff(id: string, urn: string, olds: PropertyMap, news: PropertyMap, oldInputs?: PropertyMap, ignoreChanges: string[] = []): Promise<DiffResult> {
        const req = addressed(new provproto.DiffRequest(), urn);
        req.setId(id);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        if (oldInputs) {
            req.setOldInputs(toStruct(oldInputs));
        }
        req.setIgnorechangesList(ignoreChanges);
        const res = await this.call<provproto.DiffRequest, provproto.DiffResponse>("diff", this.client.diff, req);
        const result: DiffResult = {
            changes: CHANGES[res.getChanges()] ?? "unknown",
            replaces: res.getReplacesList(),
            stables: res.getStablesList(),
            diffs: res.getDiffsList(),
            deleteBeforeReplace: res.getDeletebeforereplace(),
        };
        if (res.getHasdetaileddiff()) {
            const detailed: Record<string, PropertyDiff> = {};
            res.getDetaileddiffMap().forEach((d, key) => {
                detailed[key] = { kind: KINDS[d.getKind()] ?? "update", inputDiff: d.getInputdiff() };
            });
            result.detailedDiff = detailed;
        }
        return result;
    }

    async create(urn: string, props: PropertyMap, preview = false): Promise<CreateResult> {
        const req = addressed(new provproto.CreateRequest(), urn);
        req.setProperties(toStruct(props));
        req.setPreview(preview);
        const res = await this.call<provproto.CreateRequest, provproto.CreateResponse>("create", this.client.create, req);
        return { id: res.getId(), properties: fromStruct(res.getProperties()) };
    }

    /** Read(id, props = stored outputs, inputs = stored inputs) — what `pulumi refresh` sends. */
    async read(id: string, urn: string, props: PropertyMap, inputs?: PropertyMap): Promise<ReadResult> {
        const req = addressed(new provproto.ReadRequest(), urn);
        req.setId(id);
        req.setProperties(toStruct(props));
        if (inputs) {
            req.setInputs(toStruct(inputs));
        }
        const res = await this.call<provproto.ReadRequest, provproto.ReadResponse>("read", this.client.read, req);
        const resInputs = res.getInputs();
        return {
            id: res.getId(),
            properties: fromStruct(res.getProperties()),
            ...(resInputs ? { inputs: fromStruct(resInputs) } : {}),
        };
    }

    /** Update(id, olds = old OUTPUTS, news = checked inputs). */
    async update(id: string, urn: string, olds: PropertyMap, news: PropertyMap, preview = false, oldInputs?: PropertyMap): Promise<UpdateResult> {
        const req = addressed(new provproto.UpdateRequest(), urn);
        req.setId(id);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        req.setPreview(preview);
        if (oldInputs) {
            req.setOldInputs(toStruct(oldInputs));
        }
        const res = await this.call<provproto.UpdateRequest, provproto.UpdateResponse>("update", this.client.update, req);
        return { properties: fromStruct(res.getProperties()) };
    }

    /** Delete(id, props = stored outputs). */
    async delete(id: string, urn: string, props: PropertyMap, oldInputs?: PropertyMap): Promise<void> {
        const req = addressed(new provproto.DeleteRequest(), urn);
        req.setId(id);
        req.setProperties(toStruct(props));
        if (oldInputs) {
            req.setOldInputs(toStruct(oldInputs));
        }
        await this.call<provproto.DeleteRequest, Empty>("delete", this.client.delete, req);
    }

    /** Cancel (the engine sends it on Ctrl-C). */
    async cancel(): Promise<void> {
        await this.call<Empty, Empty>("cancel", this.client.cancel, new Empty());
    }
}
