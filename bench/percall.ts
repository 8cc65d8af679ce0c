/**
 * Section 1: calls per second of ours, the official SDK and the floor at concurrency 1 and 32,
 * against the emulator running in its own process. Runs are interleaved (ours, official, floor,
 * ours, …) so that drift of the machine hits every client alike; each figure is the median of the runs.
 */
import { floor, official, ours, steps, type BenchClient, type Target } from "./clients";
import type { EmulatorProcess } from "./emulator-process";
import { closedLoop, median } from "./measure";

export interface PerCallOptions {
    concurrencies: number[];
    /** Runs per concurrency (same order as `concurrencies`). */
    runs: number[];
    runMs: number;
    warmupMs: number;
}

export interface ClientFigures {
    name: string;
    concurrency: number;
    /** Median calls/s over the runs. */
    rate: number;
    rates: number[];
    /** Median CPU of the client process per call (µs). */
    clientCpuUs: number;
    /** Median CPU of the emulator process per call (µs). */
    serverCpuUs: number;
}

export type PerCallResult = Record<"ours" | "official" | "floor", ClientFigures>[];

export async function perCall(emu: EmulatorProcess, target: Target, opts: PerCallOptions, progress: (line: string) => void): Promise<PerCallResult> {
    const clients: Record<"ours" | "official" | "floor", BenchClient> = { ours: ours(target), official: official(target), floor: floor(target) };
    const keys = ["ours", "official", "floor"] as const;
    const out: PerCallResult = [];
    try {
        for (const c of opts.concurrencies) {
            const samples: Record<string, { rate: number[]; client: number[]; server: number[] }> = {};
            for (const k of keys) {
                samples[k] = { rate: [], client: [], server: [] };
                clients[k].prepare?.();
                await closedLoop(() => clients[k].call(), c, opts.warmupMs);
            }
            const runs = opts.runs[opts.concurrencies.indexOf(c)] ?? 5;
            for (let r = 0; r < runs; r++) {
                for (const k of keys) {
                    clients[k].prepare?.();
                    const s0 = emu.cpuSeconds();
                    const res = await closedLoop(() => clients[k].call(), c, opts.runMs);
                    const serverUs = ((emu.cpuSeconds() - s0) * 1e6) / res.calls;
                    const s = samples[k]!;
                    s.rate.push(res.rate);
                    s.client.push(res.clientCpuUsPerCall);
                    s.server.push(serverUs);
                }
                progress(`  concurrency ${c}, run ${r + 1}/${runs}: ` + keys.map((k) => `${k} ${Math.round(samples[k]!.rate[r]!)}/s`).join(", "));
            }
            const figures = Object.fromEntries(
                keys.map((k) => {
                    const s = samples[k]!;
                    const f: ClientFigures = { name: clients[k].name, concurrency: c, rate: median(s.rate), rates: s.rate, clientCpuUs: median(s.client), serverCpuUs: median(s.server) };
                    return [k, f];
                }),
            ) as Record<"ours" | "official" | "floor", ClientFigures>;
            out.push(figures);
        }
    } finally {
        await Promise.all(keys.map((k) => clients[k].close()));
    }
    return out;
}

export interface StepFigures {
    name: string;
    /** Median client CPU per call, µs. */
    clientCpuUs: number;
    rate: number;
}

/** Client CPU per call of each step from the floor to ours (interleaved runs, medians). */
export async function breakdown(target: Target, concurrency: number, runs: number, runMs: number, progress: (line: string) => void): Promise<StepFigures[]> {
    const clients = steps(target);
    const cpu: number[][] = clients.map(() => []);
    const rate: number[][] = clients.map(() => []);
    try {
        for (const c of clients) {
            c.prepare?.();
            await closedLoop(() => c.call(), concurrency, runMs);
        }
        for (let r = 0; r < runs; r++) {
            for (let k = 0; k < clients.length; k++) {
                const c = clients[k] as BenchClient;
                c.prepare?.();
                const res = await closedLoop(() => c.call(), concurrency, runMs);
                (cpu[k] as number[]).push(res.clientCpuUsPerCall);
                (rate[k] as number[]).push(res.rate);
            }
            progress(`  breakdown run ${r + 1}/${runs}`);
        }
    } finally {
        // The steps share our process-wide dispatcher: close it once, then the floor's agent.
        await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    }
    return clients.map((c, k) => ({ name: c.name, clientCpuUs: median(cpu[k] as number[]), rate: median(rate[k] as number[]) }));
}
