/**
 * Real Kubernetes clients with what `ClusterCert` produced through the real dynamic-provider host.
 *
 * One CCE emulator with two clusters that have a public IP (so each has an internal endpoint,
 * verified with the cluster CA, and an external one, self-signed, reached with
 * `insecure-skip-tls-verify`). A certificate is obtained for each cluster by driving the real
 * `@pulumi/pulumi` dynamic-provider host over gRPC (`Engine`), exactly as in
 * test/engine/clustercert.test.ts. Its kubeconfig output is written to a 0600 file and used by:
 *
 * - `kubectl` (get --raw, get pods, create namespace/configmap) on both contexts;
 * - `@kubernetes/client-node` 1.x (`KubeConfig.loadFromString`, `CoreV1Api.listNamespacedPod`);
 * - a plain `node:https` request with the PEM outputs as `ca`/`cert`/`key` (the
 *   `curl --cacert ca.crt --cert client.crt --key client.key` flow of CCE's user guide).
 *
 * And a certificate of one cluster is refused by the other (401), by each client.
 *
 * kubectl runs asynchronously (`execFile`): the emulator is served from this very process, and a
 * synchronous child process would block the event loop in the middle of the TLS handshake.
 * Needs `npx tsc -p .` first (the host loads dist/provider/pulumi/runtime.js).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import YAML from "yaml";
import { CceEmulator } from "../emulator";
import { demoOptions } from "../emulator/options";
import { Engine, type ResourceState } from "../harness/engine";
import { REPO_ROOT } from "../harness/program";
import { DOCUMENTED_SECRET_OUTPUTS, registered, up } from "../harness/clustercert";

type K8s = typeof import("@kubernetes/client-node");

const opts = demoOptions();
const CRED = opts.credentials![0]!;
const PROJECT = opts.projects![0]!;
/** Cluster A: demoOptions' cluster with a public IP. */
const CLUSTER_A = opts.clusters!.find((c) => c.publicIp === true)!;
/** Cluster B: a second cluster with a public IP, in the same project, for the same user. */
const CLUSTER_B = { id: "b2c3d4e5-0000-11ef-9000-00000000000b", projectId: PROJECT.id, name: "second-public", publicIp: true, version: "v1.29" };

/** What the outputs of one ClusterCert give a client. */
interface Cert {
    clusterId: string;
    kubeconfig: string;
    kubeconfigFile: string;
    ca: string;
    cert: string;
    key: string;
    internal: string;
    external: string;
    userId: string;
}

interface KubeconfigDoc {
    clusters: { name: string; cluster: Record<string, unknown> }[];
    users: { name: string; user: Record<string, unknown> }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    "current-context": string;
    [key: string]: unknown;
}

interface ExecResult {
    code: number;
    stdout: string;
    stderr: string;
}

interface HttpsAnswer {
    status: number;
    body: string;
}

interface PodList {
    kind: string;
    items: { metadata: { name: string; namespace: string } }[];
}

/** `import()` that TypeScript does not turn into `require` (the package is ESM; Node 20.18 cannot require it). */
const nativeImport = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

async function loadClientNode(): Promise<K8s> {
    return (await nativeImport(pathToFileURL(require.resolve("@kubernetes/client-node")).href)) as K8s;
}

/** Runs a program asynchronously; never throws for a non-zero exit. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
        execFile(file, args, { env, timeout: timeoutMs, encoding: "utf8", maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error && typeof error.code === "string") {
                reject(error); // ENOENT and the like: the program did not run
                return;
            }
            const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
        });
    });
}

/** A GET with node:https; resolves with any HTTP answer, rejects on a TLS or network error. */
function httpsGet(url: string, tls: { ca?: string; cert?: string; key?: string }): Promise<HttpsAnswer> {
    return new Promise((resolve, reject) => {
        const req = https.request(url, { method: "GET", agent: false, headers: { Accept: "application/json" }, timeout: 10_000, ...tls }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`timeout: GET ${url}`)));
        req.on("error", reject);
        req.end();
    });
}

function parsePodList(text: string): PodList {
    const list = JSON.parse(text) as PodList;
    assert.equal(list.kind, "PodList");
    return list;
}

function assertDefaultPods(names: string[]): void {
    assert.equal(names.length, 2, `pods in default: ${names.join(", ")}`);
    for (const n of names) assert.match(n, /^nginx-/);
}

describe("real Kubernetes clients with the kubeconfig ClusterCert produced through the real host", function () {
    this.timeout(60_000);
    let emu: CceEmulator;
    let engine: Engine;
    let dir: string;
    let A: Cert;
    let B: Cert;
    const states: ResourceState[] = [];

    /** Obtains a certificate for `clusterId` through the host and writes its kubeconfig (0600). */
    async function obtain(clusterId: string, name: string, context?: "internal" | "external"): Promise<Cert> {
        const inputs = await registered({ clusterId, projectId: PROJECT.id, endpoint: emu.url, iamEndpoint: emu.url, duration: 30, ...(context ? { context } : {}) }, name);
        const { state, op } = await up(engine, undefined, inputs, name);
        assert.equal(op, "create");
        states.push(state);
        for (const k of DOCUMENTED_SECRET_OUTPUTS) assert.ok(state.secretOutputs.has(k), `${k} is a secret`);
        const o = state.outputs as Record<string, unknown>;
        const endpoints = o.endpoints as { internal?: string; external?: string };
        const kubeconfigFile = path.join(dir, `${name}.kubeconfig`);
        writeFileSync(kubeconfigFile, o.kubeconfig as string, { mode: 0o600 });
        return {
            clusterId,
            kubeconfig: o.kubeconfig as string,
            kubeconfigFile,
            ca: o.clusterCaCertificate as string,
            cert: o.clientCertificate as string,
            key: o.clientKey as string,
            internal: endpoints.internal!,
            external: endpoints.external!,
            userId: o.userId as string,
        };
    }

    /** A kubeconfig with the clusters of `clusterOf` and the user (certificate) of `userOf`. */
    function crossKubeconfig(clusterOf: Cert, userOf: Cert, name: string): { text: string; file: string } {
        const doc = YAML.parse(clusterOf.kubeconfig) as KubeconfigDoc;
        doc.users = (YAML.parse(userOf.kubeconfig) as KubeconfigDoc).users;
        const text = YAML.stringify(doc);
        const file = path.join(dir, `${name}.kubeconfig`);
        writeFileSync(file, text, { mode: 0o600 });
        return { text, file };
    }

    const lastKube = (clusterId: string) => emu.calls.last({ route: "kube", clusterId });

    before(async () => {
        dir = mkdtempSync(path.join(tmpdir(), "cce-clients-"));
        emu = await CceEmulator.start({ ...opts, clusters: [...opts.clusters!, CLUSTER_B] });
        engine = await Engine.start({
            cwd: REPO_ROOT,
            env: { PATH: process.env.PATH ?? "", HOME: dir, NODE_EXTRA_CA_CERTS: emu.caFile, HW_ACCESS_KEY: CRED.accessKey, HW_SECRET_KEY: CRED.secretKey },
            config: { "huaweicloud:region": PROJECT.name },
        });
        A = await obtain(CLUSTER_A.id, "cluster-a");
        B = await obtain(CLUSTER_B.id, "cluster-b", "internal");
    });

    after(async () => {
        for (const s of states) await engine?.destroy(s).catch(() => undefined);
        await engine?.stop();
        await emu?.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("writes a kubeconfig (0600) whose PEM data are the PEM outputs, with both contexts", () => {
        assert.equal(statSync(A.kubeconfigFile).mode & 0o777, 0o600);
        const doc = YAML.parse(A.kubeconfig) as KubeconfigDoc;
        assert.deepEqual(doc.contexts.map((c) => c.name).sort(), ["external", "internal"]);
        assert.equal(doc["current-context"], "external");
        const user = doc.users[0]!.user;
        assert.equal(Buffer.from(String(user["client-certificate-data"]), "base64").toString("utf8"), A.cert);
        assert.equal(Buffer.from(String(user["client-key-data"]), "base64").toString("utf8"), A.key);
        const internal = doc.clusters.find((c) => c.name === "internalCluster")!.cluster;
        const external = doc.clusters.find((c) => c.name === "externalCluster")!.cluster;
        assert.equal(Buffer.from(String(internal["certificate-authority-data"]), "base64").toString("utf8"), A.ca);
        assert.equal(internal.server, A.internal);
        assert.equal(external.server, A.external);
        assert.equal(external["insecure-skip-tls-verify"], true);
        assert.equal((YAML.parse(B.kubeconfig) as KubeconfigDoc)["current-context"], "internal");
        assert.equal(A.userId, B.userId, "same IAM user on both clusters: only the cluster CA tells them apart");
    });

    describe("kubectl", function () {
        let cacheDir: string;
        let env: NodeJS.ProcessEnv;
        const kubectl = (kubeconfig: string, args: string[]): Promise<ExecResult> =>
            run("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", cacheDir, "--request-timeout", "20s", ...args], env);

        before(async function () {
            cacheDir = path.join(dir, "kube-cache");
            env = { PATH: process.env.PATH ?? "", HOME: dir };
            let v: ExecResult;
            try {
                v = await run("kubectl", ["version", "--client"], env);
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
                console.log("      kubectl is not on the PATH: skipping the kubectl tests (.ci/run installs Debian's kubernetes-client)");
                this.skip();
            }
            assert.equal(v.code, 0, `kubectl version --client failed: ${v.stderr}`);
        });

        for (const context of ["internal", "external"] as const) {
            it(`get --raw /api/v1/namespaces/default/pods --context ${context}`, async () => {
                const r = await kubectl(A.kubeconfigFile, ["--context", context, "get", "--raw", "/api/v1/namespaces/default/pods"]);
                assert.equal(r.code, 0, r.stderr);
                assertDefaultPods(parsePodList(r.stdout).items.map((p) => p.metadata.name));
                const call = lastKube(A.clusterId)!;
                assert.equal(call.endpoint, context);
                assert.equal(call.status, 200);
                assert.equal(call.userId, A.userId, "the API server saw the certificate's CN");
            });

            it(`get pods --context ${context}`, async () => {
                const r = await kubectl(A.kubeconfigFile, ["--context", context, "get", "pods"]);
                assert.equal(r.code, 0, r.stderr);
                const lines = r.stdout.trimEnd().split("\n");
                assert.match(lines[0]!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
                assertDefaultPods(lines.slice(1).map((l) => l.split(/\s+/)[0]!));
                assert.equal(lastKube(A.clusterId)!.endpoint, context);
            });
        }

        it("creates a namespace and a configmap through internal and reads them back through external", async () => {
            const ns = "clients-test";
            let r = await kubectl(A.kubeconfigFile, ["--context", "internal", "create", "namespace", ns]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /namespace\/clients-test created/);
            r = await kubectl(A.kubeconfigFile, ["--context", "internal", "-n", ns, "create", "configmap", "cluster-info", "--from-literal=owner=clustercert"]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /configmap\/cluster-info created/);
            r = await kubectl(A.kubeconfigFile, ["--context", "external", "-n", ns, "get", "configmap", "cluster-info", "-o", "json"]);
            assert.equal(r.code, 0, r.stderr);
            const cm = JSON.parse(r.stdout) as { metadata: { namespace: string }; data: Record<string, string> };
            assert.equal(cm.metadata.namespace, ns);
            assert.deepEqual(cm.data, { owner: "clustercert" });
            r = await kubectl(A.kubeconfigFile, ["--context", "external", "get", "namespace", ns, "-o", "name"]);
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.stdout.trim(), `namespace/${ns}`);
            // Only cluster A has them.
            r = await kubectl(B.kubeconfigFile, ["--context", "internal", "get", "namespace", ns]);
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /NotFound|not found/);
        });

        it("works with cluster B's own kubeconfig", async () => {
            const r = await kubectl(B.kubeconfigFile, ["--context", "external", "get", "--raw", "/api/v1/namespaces/default/pods"]);
            assert.equal(r.code, 0, r.stderr);
            assertDefaultPods(parsePodList(r.stdout).items.map((p) => p.metadata.name));
            assert.equal(lastKube(B.clusterId)!.status, 200);
        });

        for (const context of ["internal", "external"] as const) {
            it(`refuses cluster A's certificate on cluster B (--context ${context}): Unauthorized`, async () => {
                const cross = crossKubeconfig(B, A, `b-with-a-${context}`);
                const r = await kubectl(cross.file, ["--context", context, "get", "--raw", "/api/v1/namespaces/default/pods"]);
                assert.notEqual(r.code, 0, r.stdout);
                assert.match(r.stderr, /Unauthorized/);
                const call = lastKube(B.clusterId)!;
                assert.equal(call.status, 401);
                assert.equal(call.endpoint, context);
                assert.equal(call.errorCode, "client certificate not signed by this cluster's CA");
            });
        }
    });

    describe("@kubernetes/client-node", () => {
        let k8s: K8s;
        before(async () => {
            k8s = await loadClientNode();
        });

        async function listDefaultPods(kubeconfig: string, context: string): Promise<string[]> {
            const kc = new k8s.KubeConfig();
            kc.loadFromString(kubeconfig);
            kc.setCurrentContext(context);
            const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: "default" });
            return pods.items.map((p) => p.metadata?.name ?? "");
        }

        it("lists pods on the internal context, verifying the server with the cluster CA", async () => {
            const kc = new k8s.KubeConfig();
            kc.loadFromString(A.kubeconfig);
            kc.setCurrentContext("internal");
            const cluster = kc.getCurrentCluster()!;
            assert.equal(cluster.server, A.internal);
            assert.equal(cluster.skipTLSVerify, false);
            assert.equal(Buffer.from(cluster.caData ?? "", "base64").toString("utf8"), A.ca);
            assertDefaultPods(await listDefaultPods(A.kubeconfig, "internal"));
            assert.equal(lastKube(A.clusterId)!.endpoint, "internal");
            assert.equal(lastKube(A.clusterId)!.userId, A.userId);
        });

        it("lists pods on the external context, honouring insecure-skip-tls-verify", async () => {
            const kc = new k8s.KubeConfig();
            kc.loadFromString(A.kubeconfig);
            kc.setCurrentContext("external");
            assert.equal(kc.getCurrentCluster()!.skipTLSVerify, true);
            assertDefaultPods(await listDefaultPods(A.kubeconfig, "external"));
            assert.equal(lastKube(A.clusterId)!.endpoint, "external");
        });

        it("fails TLS verification on the external endpoint without insecure-skip-tls-verify", async () => {
            const doc = YAML.parse(A.kubeconfig) as KubeconfigDoc;
            delete doc.clusters.find((c) => c.name === "externalCluster")!.cluster["insecure-skip-tls-verify"];
            const before = emu.calls.count({ route: "kube", clusterId: A.clusterId });
            await assert.rejects(listDefaultPods(YAML.stringify(doc), "external"), (e: Error) => {
                // node-fetch's FetchError carries the TLS error's code: the external certificate is self-signed.
                assert.equal((e as { code?: unknown }).code, "DEPTH_ZERO_SELF_SIGNED_CERT", e.message);
                return true;
            });
            assert.equal(emu.calls.count({ route: "kube", clusterId: A.clusterId }), before, "no request reached the API");
        });

        it("refuses cluster A's certificate on cluster B: 401", async () => {
            const cross = crossKubeconfig(B, A, "b-with-a-client-node");
            for (const context of ["internal", "external"]) {
                await assert.rejects(listDefaultPods(cross.text, context), (e: unknown) => {
                    assert.equal((e as { code?: unknown }).code, 401, String(e));
                    return true;
                });
                assert.equal(lastKube(B.clusterId)!.status, 401);
            }
        });
    });

    describe("node:https with the PEM outputs (curl --cacert --cert --key)", () => {
        const pods = (c: Cert) => `${c.internal}/api/v1/namespaces/default/pods/`;

        it("lists pods with ca/cert/key of the same cluster", async () => {
            const r = await httpsGet(pods(A), { ca: A.ca, cert: A.cert, key: A.key });
            assert.equal(r.status, 200, r.body);
            assertDefaultPods(parsePodList(r.body).items.map((p) => p.metadata.name));
            const call = lastKube(A.clusterId)!;
            assert.equal(call.endpoint, "internal");
            assert.equal(call.userId, A.userId);
        });

        it("is refused (401) with the certificate of another cluster, both ways", async () => {
            for (const [server, client] of [[A, B], [B, A]] as const) {
                const r = await httpsGet(pods(server), { ca: server.ca, cert: client.cert, key: client.key });
                assert.equal(r.status, 401, r.body);
                const status = JSON.parse(r.body) as { kind: string; reason: string; code: number };
                assert.deepEqual([status.kind, status.reason, status.code], ["Status", "Unauthorized", 401]);
                assert.equal(lastKube(server.clusterId)!.errorCode, "client certificate not signed by this cluster's CA");
            }
        });

        it("is refused (401) without a client certificate", async () => {
            const r = await httpsGet(pods(A), { ca: A.ca });
            assert.equal(r.status, 401, r.body);
            assert.equal(lastKube(A.clusterId)!.errorCode, "no client certificate");
        });

        it("fails TLS verification with another cluster's CA, before any request", async () => {
            const before = emu.calls.count({ route: "kube", clusterId: A.clusterId });
            await assert.rejects(httpsGet(pods(A), { ca: B.ca, cert: A.cert, key: A.key }), (e: NodeJS.ErrnoException) => {
                assert.match(String(e.code), /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/, e.message);
                return true;
            });
            assert.equal(emu.calls.count({ route: "kube", clusterId: A.clusterId }), before);
        });
    });
});
