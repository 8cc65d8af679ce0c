/**
 * One client in a closed loop against the emulator (own process), for `node --cpu-prof`:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof -r ts-node/register bench/profile.ts [ours|official|floor] [concurrency] [ms]
 *   npx ts-node bench/cpuprofile-summary.ts /tmp/prof/*.cpuprofile --last-ms 6000
 *
 * (`--last-ms` leaves out start-up: ts-node compiling, the emulator minting its pool.)
 */
import { floor, official, ours, type BenchClient, type Target } from "./clients";
import { EmulatorProcess } from "./emulator-process";
import { closedLoop } from "./measure";

async function main(): Promise<void> {
    const [which = "ours", conc = "32", duration = "8000"] = process.argv.slice(2);
    const projectId = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
    const emu = await EmulatorProcess.start({
        credentials: [{ accessKey: "BENCHACCESSKEY000001", secretKey: "BenchSecretKey0123456789abcdefghijklmnop", userId: "5f0e6c3a9b8d4e2f8a1b7c6d5e4f3a2b" }],
        projects: [{ id: projectId, name: "eu-west-0" }],
        clusters: [{ id: "6a0d2c4e-1b3f-11ef-9e2a-0255ac100001", projectId, publicIp: true, version: "v1.28" }],
        keyType: "rsa",
        benchmark: { poolSize: 8, durationDays: 365 },
    });
    try {
        const i = emu.info;
        const target: Target = {
            url: i.url, caFile: i.caFile, caPem: emu.caPem, region: i.region, projectId: i.projectId, clusterId: i.clusters[0]!.id,
            creds: { accessKey: i.credentials[0]!.accessKey, secretKey: i.credentials[0]!.secretKey },
        };
        const client: BenchClient = which === "official" ? official(target) : which === "floor" ? floor(target) : ours(target);
        const r = await closedLoop(() => client.call(), Number(conc), Number(duration));
        console.log(`${client.name}, concurrency ${conc}: ${Math.round(r.rate)} calls/s, ${Math.round(r.clientCpuUsPerCall)} µs CPU per call`);
        await client.close();
    } finally {
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
