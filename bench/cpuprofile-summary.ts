/**
 * Summarizes a `.cpuprofile` written by `node --cpu-prof`: the functions with the most self time
 * and the most inclusive time, as shares of the sampled time.
 *
 *   npx ts-node bench/cpuprofile-summary.ts <file.cpuprofile> [--last-ms N] [--top N]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
}
interface Profile {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
    endTime: number;
}

function main(): void {
    const argv = process.argv.slice(2);
    const file = argv.find((a) => !a.startsWith("--"));
    if (!file) throw new Error("usage: cpuprofile-summary.ts <file.cpuprofile> [--last-ms N] [--top N]");
    const opt = (name: string, dflt: number): number => {
        const i = argv.indexOf(name);
        return i >= 0 ? Number(argv[i + 1]) : dflt;
    };
    const lastMs = opt("--last-ms", 0);
    const top = opt("--top", 40);
    const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const key = (n: ProfileNode): string =>
        `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/.*node_modules\//, "").replace(/^file:\/\//, "").replace(/.*\/(provider|bench|test|dist)\//, "$1/")}:${n.callFrame.lineNumber + 1}`;
    const cutoff = lastMs > 0 ? p.endTime - lastMs * 1000 : -Infinity;
    const self = new Map<string, number>();
    const inclusive = new Map<string, number>();
    let total = 0;
    let t = p.startTime;
    p.samples.forEach((id, i) => {
        const dt = p.timeDeltas[i] ?? 0;
        t += dt;
        if (t < cutoff) return;
        total += dt;
        const node = byId.get(id);
        if (!node) return;
        self.set(key(node), (self.get(key(node)) ?? 0) + dt);
        const seen = new Set<string>();
        for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
            const k = key(byId.get(cur) as ProfileNode);
            if (seen.has(k)) continue;
            seen.add(k);
            inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
        }
    });
    const show = (m: Map<string, number>): string =>
        [...m]
            .sort((a, b) => b[1] - a[1])
            .slice(0, top)
            .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
            .join("\n");
    console.log(`${(total / 1000).toFixed(0)} ms sampled\n\nself time:\n${show(self)}\n\ninclusive time:\n${show(inclusive)}`);
}

main();
