/**
 * The CCE emulator in its own process (`node dist/test/emulator/main.js --config … --benchmark`),
 * so that the client under test and the server do not share one event loop. Prints the JSON line
 * of main.ts, which is parsed here; `stop()` ends the process (SIGTERM, then SIGKILL) and removes
 * the config file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as readline from "node:readline";
import type { EmulatorOptions } from "../test/emulator/options";
import { REPO_ROOT } from "../test/harness/program";

export interface EmulatorLine {
    url: string;
    caFile: string;
    region: string;
    projectId: string;
    credentials: { accessKey: string; secretKey: string; userId: string }[];
    clusters: { id: string; projectId: string; publicIp: boolean }[];
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
    for (const c of live) {
        try {
            c.kill("SIGKILL");
        } catch {
            // already gone
        }
    }
});

/** CPU time (user + system) of a process in seconds, from /proc/<pid>/stat; 0 when unreadable. */
export function processCpuSeconds(pid: number): number {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // After "(comm) ": state is field 3 → index 0; utime is field 14 → index 11, stime index 12.
        const ticks = Number(fields[11]) + Number(fields[12]);
        return ticks / CLOCK_TICKS;
    } catch {
        return 0;
    }
}
/** sysconf(_SC_CLK_TCK): 100 on every Linux node runs on. */
const CLOCK_TICKS = 100;

export class EmulatorProcess {
    private constructor(
        private readonly child: ChildProcess,
        private readonly dir: string,
        readonly info: EmulatorLine,
        readonly caPem: string,
        private readonly exited: Promise<void>,
    ) {}

    get pid(): number {
        return this.child.pid ?? -1;
    }

    /** CPU seconds the emulator has used so far. */
    cpuSeconds(): number {
        return processCpuSeconds(this.pid);
    }

    static async start(options: EmulatorOptions, timeoutMs = 60_000): Promise<EmulatorProcess> {
        const main = join(REPO_ROOT, "dist", "test", "emulator", "main.js");
        const dir = mkdtempSync(join(tmpdir(), "cce-bench-"));
        const config = join(dir, "emulator.json");
        writeFileSync(config, JSON.stringify(options));
        const child = spawn(process.execPath, [main, "--config", config, "--benchmark"], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
        live.add(child);
        const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
        void exited.then(() => live.delete(child));
        let stderr = "";
        child.stderr!.on("data", (d: Buffer) => {
            stderr += d.toString("utf8");
        });
        const lines = readline.createInterface({ input: child.stdout! });
        try {
            const first = await new Promise<string>((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error(`the emulator printed nothing within ${timeoutMs} ms`)), timeoutMs);
                lines.once("line", (line) => {
                    clearTimeout(timer);
                    resolve(line);
                });
                void exited.then(() => {
                    clearTimeout(timer);
                    reject(new Error(`the emulator exited before it printed its address: ${stderr}`));
                });
            });
            const info = JSON.parse(first) as EmulatorLine;
            return new EmulatorProcess(child, dir, info, readFileSync(info.caFile, "utf8"), exited);
        } catch (e) {
            child.kill("SIGKILL");
            await exited;
            rmSync(dir, { recursive: true, force: true });
            throw e;
        }
    }

    async stop(): Promise<void> {
        if (this.child.exitCode === null && this.child.signalCode === null) {
            this.child.kill("SIGTERM");
            const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
            await this.exited;
            clearTimeout(timer);
        }
        rmSync(this.dir, { recursive: true, force: true });
    }
}
