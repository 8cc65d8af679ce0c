/** Timing helpers: closed-loop load at a fixed concurrency, medians, formatting. */
import { performance } from "node:perf_hooks";

export interface RunResult {
    calls: number;
    seconds: number;
    /** calls / seconds */
    rate: number;
    /** CPU time of this process per call, microseconds. */
    clientCpuUsPerCall: number;
}

/**
 * `concurrency` workers call `fn` back to back until `durationMs` has passed; the run ends when
 * the last call in flight has finished. Any failure fails the run.
 */
export async function closedLoop(fn: () => Promise<void>, concurrency: number, durationMs: number): Promise<RunResult> {
    let calls = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const deadline = t0 + durationMs;
    const worker = async (): Promise<void> => {
        while (performance.now() < deadline) {
            await fn();
            calls++;
        }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { calls, seconds, rate: calls / seconds, clientCpuUsPerCall: (cpu.user + cpu.system) / calls };
}

/** Runs `count` tasks with at most `concurrency` at a time; resolves with their results in order. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
    const out: T[] = new Array<T>(count);
    let next = 0;
    const worker = async (): Promise<void> => {
        for (;;) {
            const i = next++;
            if (i >= count) return;
            out[i] = await task(i);
        }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return out;
}

export function median(values: readonly number[]): number {
    if (values.length === 0) return NaN;
    const s = [...values].sort((a, b) => a - b);
    const mid = s.length >> 1;
    return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function fmt(n: number, digits = 0): string {
    if (!Number.isFinite(n)) return "–";
    return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ms(seconds: number): string {
    return `${fmt(seconds * 1000, 0)} ms`;
}

export function mib(bytes: number): string {
    return `${fmt(bytes / (1024 * 1024), 1)} MiB`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
    return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function now(): number {
    return performance.now();
}
