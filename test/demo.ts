/**
 * `npm run demo`: the quick start without a cloud account.
 *
 * Starts the built-in CCE emulator, serializes a ClusterCert the way a Pulumi program does, drives
 * the real dynamic-provider host of @pulumi/pulumi over gRPC the way `pulumi up` does (Configure,
 * Check, Create), writes the kubeconfig and PEM files (mode 0600), lists pods in the emulated
 * cluster with kubectl (or @kubernetes/client-node when kubectl is missing), and stops everything.
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ClusterCert } from "../provider";
import { demoOptions } from "./emulator/options";
import { CceEmulator } from "./emulator";
import { Engine } from "./harness/engine";
import { REPO_ROOT } from "./harness/program";
import { serializeResources } from "./harness/serialize";

function hasKubectl(): boolean {
    return spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;
}

async function listPodsWithClientNode(kubeconfigFile: string): Promise<string> {
    const k8s = (await import("@kubernetes/client-node")) as typeof import("@kubernetes/client-node");
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigFile);
    const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: "default" });
    return ["NAME  STATUS", ...pods.items.map((p) => `${p.metadata?.name}  ${p.status?.phase}`)].join("\n");
}

async function main(): Promise<void> {
    const outDir = path.resolve(process.argv[2] ?? path.join(REPO_ROOT, ".demo"));
    const options = demoOptions();
    const cred = options.credentials![0]!;
    const project = options.projects![0]!;
    const cluster = options.clusters![0]!;

    console.log("1. starting the CCE emulator (HTTPS on 127.0.0.1, real certificates and AK/SK checks)");
    const emu = await CceEmulator.start(options);
    let engine: Engine | undefined;
    try {
        console.log(`   ${emu.url}, cluster ${cluster.id} (${cluster.name}, public IP: ${cluster.publicIp === true})`);
        console.log("2. serializing a ClusterCert as a Pulumi program would (pulumi.runtime.setMocks)");
        const [registered] = await serializeResources(() => {
            new ClusterCert("demo", { clusterId: cluster.id, region: project.name, endpoint: emu.url, iamEndpoint: emu.url, duration: 30 });
        });
        console.log(`   type ${registered!.type}, serialized provider ${(registered!.inputs.__provider as string).length} bytes`);

        console.log("3. starting the real dynamic-provider host and calling Configure, Check, Create over gRPC, as `pulumi up` does");
        engine = await Engine.start({
            cwd: REPO_ROOT,
            env: { ...process.env, NODE_EXTRA_CA_CERTS: emu.caFile, HW_ACCESS_KEY: cred.accessKey, HW_SECRET_KEY: cred.secretKey },
            config: { "huaweicloud:region": project.name },
        });
        // With the resource options the program registered (additionalSecretOutputs), as the engine applies them.
        const { state } = await engine.up(undefined, registered!.inputs, { name: registered!.name, type: registered!.type, additionalSecretOutputs: registered!.additionalSecretOutputs });
        const o = state.outputs as Record<string, string>;
        console.log(`   id ${state.id}`);
        console.log(`   user ${o.userId}, expires ${o.expiresAt}, context ${o.currentContext}, server ${o.server}`);
        console.log(`   stored as secrets: ${[...state.secretOutputs].sort().join(", ")}`);

        mkdirSync(outDir, { recursive: true, mode: 0o700 });
        const files: Record<string, string> = { kubeconfig: o.kubeconfig!, "ca.crt": o.clusterCaCertificate!, "client.crt": o.clientCertificate!, "client.key": o.clientKey! };
        for (const [name, content] of Object.entries(files)) writeFileSync(path.join(outDir, name), content, { mode: 0o600 });
        console.log(`4. wrote ${Object.keys(files).join(", ")} (mode 0600) to ${outDir}`);

        const kubeconfig = path.join(outDir, "kubeconfig");
        if (hasKubectl()) {
            for (const context of ["internal", "external"]) {
                console.log(`5. kubectl --kubeconfig ${kubeconfig} --context ${context} get pods`);
                // Asynchronously: the emulator serves kubectl from this very process.
                const { stdout } = await promisify(execFile)("kubectl", ["--kubeconfig", kubeconfig, "--context", context, "get", "pods"], { encoding: "utf8" });
                console.log(stdout.trimEnd());
            }
        } else {
            console.log("5. kubectl is not installed: listing pods with @kubernetes/client-node");
            console.log(await listPodsWithClientNode(kubeconfig));
        }
        console.log("6. stopping the provider host and the emulator");
    } finally {
        await engine?.stop();
        await emu.stop();
    }
}

main().then(
    () => process.exit(0),
    (e: unknown) => {
        console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
    },
);
