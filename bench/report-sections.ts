/**
 * The tables and target rows of sections 5 (ClusterCert against a provider on the official SDK,
 * through the host) and 6 (creates under a gateway limit) of bench/RESULTS.md.
 */
import type { FlowResult } from "./flow-bench";
import { fmt, table } from "./measure";
import { KEYS, paired, spread, type HostRun, type KeyType, type ProviderName, type SdkHostResult, type Spread } from "./sdk-host-bench";

/** A figure with its spread: "0.66 (0.54–0.86)". */
export function withSpread(s: Spread, digits = 2, unit = ""): string {
    return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)}${unit})`;
}

const yes = (ok: boolean): string => (ok ? "met" : "**missed**");
const KEY_NAMES: Record<KeyType, string> = { rsa: "RSA-2048", ec: "EC P-256" };

export interface Section {
    text: string;
    targets: string[][];
}

export function sdkSection(r: SdkHostResult): Section {
    const o = r.options;
    const cpuOf = (p: ProviderName, k: KeyType): Spread => spread(r.cpu[p][k].map((x) => x.hostCpuUsPerCreate));
    const rateOf = (p: ProviderName, k: KeyType): Spread => spread(r.throughput[p][k].map((x) => x.rate));
    const cpuRatio = (k: KeyType): Spread => spread(paired(r.cpu.ours[k], r.cpu.official[k], (x: HostRun) => x.hostCpuUsPerCreate));
    const rateRatio = (k: KeyType): Spread => spread(paired(r.throughput.ours[k], r.throughput.official[k], (x: HostRun) => x.rate));
    const rows = KEYS.map((k) => [
        KEY_NAMES[k],
        withSpread(cpuOf("ours", k), 0),
        withSpread(cpuOf("official", k), 0),
        withSpread(cpuOf("floor", k), 0),
        withSpread(cpuRatio(k)),
        withSpread(rateOf("ours", k), 0),
        withSpread(rateOf("official", k), 0),
        withSpread(rateRatio(k)),
    ]);
    const text = [
        "### 5. Against a provider written on the official SDK, through the host",
        "",
        table(
            [
                "client keys",
                "host CPU µs/create: ours",
                "official SDK provider",
                "floor (a provider that only answers)",
                "ours / official",
                "creates/s: ours",
                "official SDK provider",
                "ours / official",
            ],
            rows,
        ),
        "",
        `Median (min–max) over ${o.rounds} rounds; ratios are taken within a round. One host per provider (bench/fixtures/: the official-SDK provider ` +
            "calls `createKubernetesClusterCert`, renders the kubeconfig with `yaml`, decodes the PEM data and reads the certificate once with `X509Certificate`; " +
            "it checks nothing), both key types from two emulator processes. *creates/s*: per round one batch of " +
            `${o.batchSize} creates (Check + Create, ${o.concurrency} at a time) per provider and key type, one after the other in an order that rotates by round. ` +
            `*Host CPU per create*: per round and key type, the three hosts serve creates at the same time for ${fmt(o.cpuMs / 1000, 1)} s (${o.concurrency} at a time each), ` +
            "so that the machine's other load weighs on them alike; CPU time of the host process (/proc/<pid>/stat) over the creates it finished. " +
            "The harness driving the hosts over gRPC and the emulators run on the same two cores, which is why creates/s differ less than host CPU.",
    ].join("\n");
    const targets = [
        ...KEYS.map((k) => [`host CPU per create ≤ 0.75× the official-SDK provider (${KEY_NAMES[k]})`, `${withSpread(cpuRatio(k))}×`, yes(cpuRatio(k).median <= 0.75)]),
        ...KEYS.map((k) => [`creates/s ≥ 1.2× the official-SDK provider (${KEY_NAMES[k]})`, `${withSpread(rateRatio(k))}×`, yes(rateRatio(k).median >= 1.2)]),
    ];
    return { text, targets };
}

export function flowSection(results: readonly FlowResult[]): Section {
    const unlimited = results.find((r) => r.case.limit === 0);
    const rows = results.map((r) => {
        const c = r.case;
        const rates = spread(r.runs.map((x) => x.createsPerSecond));
        return [
            c.limit > 0 ? `${fmt(c.limit)}/s` : "none (reference)",
            `${fmt(c.creates)} at ${c.concurrency}`,
            withSpread(rates, 1),
            c.limit > 0 ? withSpread(spread(r.runs.map((x) => x.ofLimit))) : "",
            c.limit > 0 ? withSpread(spread(r.runs.map((x) => x.refused)), 0) : "",
            String(r.runs.reduce((a, x) => a + x.failures, 0)),
            r.runs.map((x) => fmt(x.createsPerSecond, 1)).join(", "),
        ];
    });
    const text = [
        "### 6. Creates under a gateway limit (through one host)",
        "",
        table(["gateway limit (calls/s, sliding 1 s, per credential)", "creates", "creates/s", "of the limit", "refused calls (429) per run", "failed creates (all runs)", "runs (creates/s)"], rows),
        "",
        `Median (min–max) over ${results[0]?.runs.length ?? 0} runs of each case, the runs of the cases interleaved. Each run: a fresh host (the flow control learns the limit from nothing), ` +
            "one create to load the provider, a pause of 1.1 s, then the creates (Check + Create over gRPC); the emulator in its own process answers 429 `APIGW.0308` " +
            "without `Retry-After` beyond the limit; refused calls are counted from the host's retry lines. " +
            (unlimited ? "The reference case has no limit: it shows how fast the machine ran one host at that time, the ceiling of the 100/s case." : ""),
    ].join("\n");
    const targets = results
        .filter((r) => r.case.limit > 0)
        .map((r) => {
            const ratio = spread(r.runs.map((x) => x.ofLimit));
            const failures = r.runs.reduce((a, x) => a + x.failures, 0);
            const machine = unlimited ? `; without a limit the machine ran ${withSpread(spread(unlimited.runs.map((x) => x.createsPerSecond)), 1)} creates/s` : "";
            return [
                `${fmt(r.case.creates)} creates at ${r.case.concurrency} against ${r.case.limit}/s: ≥ 0.8 × ${r.case.limit} creates/s, no failure`,
                `${withSpread(ratio)}× the limit, ${failures} failed${machine}`,
                yes(ratio.median >= 0.8 && failures === 0),
            ];
        });
    return { text, targets };
}
