/**
 * What each hand-written fast path saves of the host's CPU per create (not part of `npm run bench`):
 *
 *   npm run build && npx ts-node -P bench/tsconfig.json bench/fast-path-value.ts [rounds] [batch] [concurrency]
 *
 * Builds copies of the package (package.json + dist/, node_modules linked) with one fast path
 * switched off in the built JavaScript — the strict DER reader of certificates and keys
 * (`fastCertificate` answers undefined, so node:crypto reads every certificate and key), or the
 * YAML writer (`plainBlockYaml` answers undefined, so the `yaml` library renders every kubeconfig)
 * — and measures each copy against the shipped build through the real dynamic-provider host, RSA
 * and EC keys. In each round the hosts of the three builds serve their batches *at the same time*
 * (one key type per round, alternating), so that whatever else the machine runs weighs on all three
 * alike; the host's CPU time per create of each (/proc/<pid>/stat) is compared within the round.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterCert, SECRET_OUTPUTS } from "../provider";
import { Engine } from "../test/harness/engine";
import { makeProgramDir, REPO_ROOT, type ProgramDir } from "../test/harness/program";
import type { PropertyMap } from "../test/harness/properties";
import { serializeResources } from "../test/harness/serialize";
import { EmulatorProcess, processCpuSeconds } from "./emulator-process";
import { median, now, pool } from "./measure";
import { benchEmulatorOptions, type KeyType } from "./sdk-host-bench";

interface Variant {
    name: string;
    /** file under dist/provider → [search, replacement] */
    patch?: { file: string; search: string; replace: string };
}

const ALL_VARIANTS: readonly Variant[] = [
    { name: "shipped" },
    { name: "without the DER reader", patch: { file: "kube/certificate-der.js", search: "function fastCertificate(pem) {", replace: "function fastCertificate(pem) { return undefined;" } },
    { name: "without the YAML writer", patch: { file: "kube/kubeconfig-yaml.js", search: "function plainBlockYaml(doc) {", replace: "function plainBlockYaml(doc) { return undefined;" } },
];
const KEYS: readonly KeyType[] = ["rsa", "ec"];
/** `FAST_PATHS=yaml` or `=der` compares the shipped build with that one variant only. */
const VARIANTS = ALL_VARIANTS.filter((v) => !v.patch || !process.env.FAST_PATHS || v.patch.file.includes(process.env.FAST_PATHS === "yaml" ? "yaml" : "certificate"));

/** A copy of the built package with `v`'s patch applied; returns its folder. */
function buildVariant(v: Variant, root: string): string {
    if (!v.patch) return REPO_ROOT;
    const dir = join(root, v.name.replace(/\W+/g, "-"));
    cpSync(join(REPO_ROOT, "dist", "provider"), join(dir, "dist", "provider"), { recursive: true });
    cpSync(join(REPO_ROOT, "package.json"), join(dir, "package.json"));
    symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    const file = join(dir, "dist", "provider", v.patch.file);
    const text = readFileSync(file, "utf8");
    if (!text.includes(v.patch.search)) throw new Error(`${v.patch.file} has no "${v.patch.search}": update bench/fast-path-value.ts`);
    writeFileSync(file, text.replace(v.patch.search, v.patch.replace));
    return dir;
}

async function main(): Promise<void> {
    const [rounds = 8, batchSize = 200, concurrency = 32] = process.argv.slice(2).map(Number);
    const root = mkdtempSync(join(tmpdir(), "cce-fast-path-"));
    const emus: Partial<Record<KeyType, EmulatorProcess>> = {};
    const engines: Engine[] = [];
    const dirs: ProgramDir[] = [];
    try {
        for (const k of KEYS) emus[k] = await EmulatorProcess.start(benchEmulatorOptions(k));
        const caFile = join(root, "ca.pem");
        writeFileSync(caFile, KEYS.map((k) => emus[k]!.caPem).join("\n"));
        const info = emus.rsa!.info;
        const cred = info.credentials[0]!;
        const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_EXTRA_CA_CERTS: caFile, HW_ACCESS_KEY: cred.accessKey, HW_SECRET_KEY: cred.secretKey };
        const inputs: Partial<Record<KeyType, PropertyMap>> = {};
        for (const k of KEYS) {
            const [r] = await serializeResources(() => {
                new ClusterCert("cert", { clusterId: info.clusters[0]!.id, projectId: info.projectId, endpoint: emus[k]!.info.url, duration: 365 });
            });
            inputs[k] = r!.inputs;
        }
        const hosts: Engine[] = [];
        for (const v of VARIANTS) {
            const pkg = buildVariant(v, root);
            const dir = await makeProgramDir({ links: { "pulumi-cce-clustercert": pkg } });
            dirs.push(dir);
            const e = await Engine.start({ cwd: dir.dir, env, config: { "huaweicloud:region": info.region } });
            engines.push(e);
            hosts.push(e);
        }
        let n = 0;
        const up = { type: "pulumi-nodejs:dynamic/cce:ClusterCert", additionalSecretOutputs: [...SECRET_OUTPUTS] };
        const batch = async (e: Engine, k: KeyType, size: number): Promise<number> => {
            const cpu0 = processCpuSeconds(e.host.pid);
            await pool(size, concurrency, async () => {
                await e.up(undefined, inputs[k]!, { name: `c${n++}`, ...up });
            });
            e.calls.length = 0;
            return ((processCpuSeconds(e.host.pid) - cpu0) * 1e6) / size;
        };
        for (const e of hosts) for (const k of KEYS) await batch(e, k, 100);
        const us: number[][][] = VARIANTS.map(() => KEYS.map(() => []));
        const t0 = now();
        for (let r = 0; r < rounds * KEYS.length; r++) {
            const k = r % KEYS.length;
            const round = await Promise.all(hosts.map((e) => batch(e, KEYS[k]!, batchSize)));
            round.forEach((x, v) => us[v]![k]!.push(x));
            process.stderr.write(`round ${r + 1}/${rounds * KEYS.length} (${KEYS[k]}): ${round.map((x) => x.toFixed(0)).join(" / ")} µs\n`);
        }
        console.log(`${rounds} rounds per key type; in each, the hosts serve ${batchSize} creates each at concurrency ${concurrency} each, at the same time; ${((now() - t0) / 1000).toFixed(0)} s`);
        for (let k = 0; k < KEYS.length; k++) {
            const base = us[0]![k]!;
            for (let v = 0; v < VARIANTS.length; v++) {
                const runs = us[v]![k]!;
                const ratios = runs.map((x, i) => x / base[i]!);
                console.log(
                    `${KEYS[k]} ${VARIANTS[v]!.name}: host CPU per create median ${median(runs).toFixed(0)} µs (${Math.min(...runs).toFixed(0)}–${Math.max(...runs).toFixed(0)})` +
                        (v === 0 ? "" : `; / shipped: median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`),
                );
            }
        }
    } finally {
        for (const e of engines) await e.stop();
        for (const d of dirs) await d.cleanup();
        for (const k of KEYS) await emus[k]?.stop();
        rmSync(root, { recursive: true, force: true });
    }
}

main().then(
    () => process.exit(0),
    (e: unknown) => {
        console.error(e);
        process.exit(1);
    },
);
