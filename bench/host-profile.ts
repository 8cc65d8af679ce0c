/**
 * A CPU profile of the dynamic-provider host while it serves creates (not part of `npm run bench`):
 *
 *   npm run build && npx ts-node -P bench/tsconfig.json bench/host-profile.ts <ours|official> <rsa|ec> [creates] [concurrency]
 *   npx ts-node bench/cpuprofile-summary.ts /tmp/host-prof/<file>.cpuprofile --last-ms 4000
 *
 * The host runs with `--cpu-prof --cpu-prof-dir=/tmp/host-prof`; warm-up creates come first so that
 * `--last-ms` can cut them off.
 */
import { join } from "node:path";
import { ClusterCert, SECRET_OUTPUTS } from "../provider";
import { Engine } from "../test/harness/engine";
import { makeProgramDir, REPO_ROOT } from "../test/harness/program";
import type { PropertyMap } from "../test/harness/properties";
import { serializeProvider, serializeResources } from "../test/harness/serialize";
import { EmulatorProcess } from "./emulator-process";
import { pool } from "./measure";
import { OFFICIAL_FIXTURE_DIR, OFFICIAL_FIXTURE_PACKAGE, officialSdkProvider } from "./official-provider";
import { benchEmulatorOptions, type KeyType } from "./sdk-host-bench";

async function main(): Promise<void> {
    const [provider = "ours", key = "rsa", count = "2000", concurrency = "32"] = process.argv.slice(2);
    const emu = await EmulatorProcess.start(benchEmulatorOptions(key as KeyType));
    const programDir = await makeProgramDir({ links: { [OFFICIAL_FIXTURE_PACKAGE]: OFFICIAL_FIXTURE_DIR } });
    try {
        const info = emu.info;
        const cred = info.credentials[0]!;
        const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_EXTRA_CA_CERTS: info.caFile, HW_ACCESS_KEY: cred.accessKey, HW_SECRET_KEY: cred.secretKey };
        const clusterId = info.clusters[0]!.id;
        let inputs: PropertyMap;
        let type: string;
        if (provider === "ours") {
            const [r] = await serializeResources(() => {
                new ClusterCert("cert", { clusterId, projectId: info.projectId, endpoint: info.url, duration: 365 });
            });
            inputs = r!.inputs;
            type = "pulumi-nodejs:dynamic/cce:ClusterCert";
        } else {
            inputs = { __provider: await serializeProvider(officialSdkProvider), clusterId, projectId: info.projectId, endpoint: info.url, duration: 365 };
            type = "pulumi-nodejs:dynamic/bench:OfficialSdkClusterCert";
        }
        const engine = await Engine.start({
            cwd: provider === "ours" ? REPO_ROOT : programDir.dir,
            env,
            config: { "huaweicloud:region": info.region },
            nodeArgs: ["--cpu-prof", "--cpu-prof-dir=/tmp/host-prof", "--require", join(__dirname, "host-exit-on-term.js")],
        });
        let n = 0;
        await pool(Number(count), Number(concurrency), async () => {
            await engine.up(undefined, inputs, { name: `c${n++}`, type, additionalSecretOutputs: [...SECRET_OUTPUTS] });
        });
        await engine.stop();
        process.stderr.write(`${count} creates; profile in /tmp/host-prof\n`);
    } finally {
        await programDir.cleanup();
        await emu.stop();
    }
}

main().then(
    () => process.exit(0),
    (e: unknown) => {
        console.error(e);
        process.exit(1);
    },
);
