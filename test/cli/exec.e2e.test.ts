/**
 * End to end: `cce-clustercert kubeconfig --exec` and `exec-credential` (built binary, child
 * processes) against the CCE emulator, and kubectl listing pods through the exec plugin.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { EXEC_API_V1, EXEC_API_V1BETA1 } from "../../provider/kube/exec-credential";
import type { Kubeconfig } from "../../provider/kube/kubeconfig";
import { CceEmulator, faults } from "../emulator";
import { cliEnv, cliScript, findKubectl, runCli, runProcess, startCli, type KubectlInfo, type Running } from "./run-cli";

const PROJECT = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const PRIVATE = "22222222-2222-3333-4444-000000000001";
const PUBLIC = "22222222-2222-3333-4444-000000000002";
const AK = "CLIEXECACCESSKEY0001";
const SK = "CliExecSecretKeyDoNotPrint0123456789abc";
const AK2 = "CLIEXECACCESSKEY0002";
const SK2 = "CliExecSecretKeyTwo0123456789abcdefghij";

interface ExecCredentialJson {
    apiVersion: string;
    kind: string;
    status: { clientCertificateData: string; clientKeyData: string; expirationTimestamp: string };
}

describe("cce-clustercert kubeconfig --exec / exec-credential (built binary against the emulator)", function () {
    this.timeout(180_000);
    let emu: CceEmulator;
    let work: string;
    let env: NodeJS.ProcessEnv;
    let cacheCount = 0;
    const target = (): string[] => ["--endpoint", emu.url, "--iam-endpoint", emu.url];
    const clustercertCalls = (): number => emu.calls.count({ route: "clustercert" });
    /** A fresh, empty XDG_CACHE_HOME. */
    const freshCache = (): string => path.join(work, `cache-${++cacheCount}`);
    const commandFlag = (): string => `${process.execPath} ${cliScript()}`;

    before(async () => {
        emu = await CceEmulator.start({
            keyType: "ec",
            credentials: [{ accessKey: AK, secretKey: SK }, { accessKey: AK2, secretKey: SK2 }],
            projects: [{ id: PROJECT, name: "eu-west-0" }],
            clusters: [
                { id: PRIVATE, projectId: PROJECT, publicIp: false },
                { id: PUBLIC, projectId: PROJECT, publicIp: true },
            ],
        });
        work = await fs.mkdtemp(path.join(tmpdir(), "cce-cli-exec-"));
        env = cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT });
    });
    after(async () => {
        await emu?.stop();
        if (work) await fs.rm(work, { recursive: true, force: true });
    });
    beforeEach(() => emu.reset());

    describe("exec-credential", () => {
        it("prints an ExecCredential, caches the certificate (0600) and reuses it with no API call", async () => {
            const cache = freshCache();
            const first = await runCli(["exec-credential", "--cluster-id", PRIVATE, ...target()], { ...env, XDG_CACHE_HOME: cache });
            assert.equal(first.code, 0, first.stderr);
            const cred = JSON.parse(first.stdout) as ExecCredentialJson;
            assert.equal(cred.apiVersion, EXEC_API_V1);
            assert.equal(cred.kind, "ExecCredential");
            const cert = new X509Certificate(cred.status.clientCertificateData);
            assert.match(cred.status.clientKeyData, /PRIVATE KEY/);
            assert.equal(cred.status.expirationTimestamp, new Date(cert.validTo).toISOString().replace(/\.000Z$/, "Z"));
            const lifetime = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
            assert.ok(lifetime > 23 * 3_600_000 && lifetime < 26 * 3_600_000, `default validity is about a day, got ${lifetime} ms`);
            assert.equal(clustercertCalls(), 1);

            const dir = path.join(cache, "cce-clustercert");
            assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
            const files = await fs.readdir(dir);
            assert.equal(files.length, 1);
            assert.match(files[0] as string, /^[0-9a-f]{64}\.json$/);
            assert.equal((await fs.stat(path.join(dir, files[0] as string))).mode & 0o777, 0o600);
            const stored = await fs.readFile(path.join(dir, files[0] as string), "utf8");
            assert.ok(!stored.includes(SK) && !stored.includes(AK), "no credential in the cache");

            const second = await runCli(["exec-credential", "--cluster-id", PRIVATE, ...target()], { ...env, XDG_CACHE_HOME: cache });
            assert.equal(second.code, 0, second.stderr);
            assert.equal(second.stdout, first.stdout);
            assert.equal(clustercertCalls(), 1, "the second invocation is served from the cache");
        });
        it("replaces the cached certificate with --refresh", async () => {
            const cache = freshCache();
            const args = ["exec-credential", "--cluster-id", PRIVATE, ...target()];
            const first = await runCli(args, { ...env, XDG_CACHE_HOME: cache });
            const refreshed = await runCli([...args, "--refresh"], { ...env, XDG_CACHE_HOME: cache });
            assert.equal(refreshed.code, 0, refreshed.stderr);
            assert.notEqual(refreshed.stdout, first.stdout);
            assert.equal((await runCli(args, { ...env, XDG_CACHE_HOME: cache })).stdout, refreshed.stdout);
            assert.equal(clustercertCalls(), 2);
        });
        it("keys the cache by identity: another access key mints its own certificate", async () => {
            const cache = freshCache();
            await runCli(["exec-credential", "--cluster-id", PRIVATE, ...target()], { ...env, XDG_CACHE_HOME: cache });
            const other = await runCli(["exec-credential", "--cluster-id", PRIVATE, ...target()], { ...env, XDG_CACHE_HOME: cache, HW_ACCESS_KEY: AK2, HW_SECRET_KEY: SK2 });
            assert.equal(other.code, 0, other.stderr);
            assert.equal(clustercertCalls(), 2);
            assert.equal((await fs.readdir(path.join(cache, "cce-clustercert"))).filter((f) => f.endsWith(".json")).length, 2);
        });
        it("answers in the API version kubectl announces (KUBERNETES_EXEC_INFO) or --api-version", async () => {
            const cache = freshCache();
            const info = JSON.stringify({ apiVersion: EXEC_API_V1BETA1, kind: "ExecCredential", spec: { interactive: false } });
            const beta = await runCli(["exec-credential", "--cluster-id", PRIVATE, ...target()], { ...env, XDG_CACHE_HOME: cache, KUBERNETES_EXEC_INFO: info });
            assert.equal((JSON.parse(beta.stdout) as ExecCredentialJson).apiVersion, EXEC_API_V1BETA1);
            const flag = await runCli(["exec-credential", "--cluster-id", PRIVATE, ...target(), "--api-version", "v1beta1"], { ...env, XDG_CACHE_HOME: cache });
            assert.equal((JSON.parse(flag.stdout) as ExecCredentialJson).apiVersion, EXEC_API_V1BETA1);
            assert.equal(clustercertCalls(), 1);
        });
        it("mints once for concurrent invocations and never corrupts the cache", async () => {
            const cache = freshCache();
            const args = ["exec-credential", "--cluster-id", PRIVATE, ...target()];
            const WAITING = /waiting for another cce-clustercert process/;
            // Contention on purpose, however slow the machine: the emulator holds the first
            // invocation's clustercert request (it holds the lock meanwhile) until the seven others
            // have said they are waiting for it.
            let release = (): void => undefined;
            const released = new Promise<void>((resolve) => (release = resolve));
            let arrived = (): void => undefined;
            const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
            emu.inject(faults.holdUntil(released, { route: "clustercert" }, () => arrived()));
            const first = startCli(args, { ...env, XDG_CACHE_HOME: cache });
            const others: Running[] = [];
            try {
                let held = false;
                const ended = await Promise.race([
                    firstArrived.then(() => {
                        held = true;
                        return undefined;
                    }),
                    first.result,
                ]);
                assert.ok(held, `the first invocation ended before its request was held: ${ended?.stderr ?? ""}`);
                for (let i = 0; i < 7; i++) others.push(startCli(args, { ...env, XDG_CACHE_HOME: cache }));
                await Promise.all(others.map((o) => o.waitForStderr(WAITING)));
            } finally {
                release();
            }
            const runs = await Promise.all([first, ...others].map((r) => r.result));
            for (const r of runs) assert.equal(r.code, 0, r.stderr);
            assert.equal(clustercertCalls(), 1, "exactly one certificate minted");
            assert.equal(new Set(runs.map((r) => r.stdout)).size, 1, "every invocation hands out the same certificate");
            assert.doesNotMatch(runs[0]!.stderr, WAITING, "the first invocation did not wait");
            assert.deepEqual((await fs.readdir(path.join(cache, "cce-clustercert"))).filter((f) => !f.endsWith(".json")), [], "no lock or temp file left");
        });
        it("exits 3/4/2 like get, printing nothing on stdout", async () => {
            const cache = freshCache();
            const { HW_ACCESS_KEY: _a, HW_SECRET_KEY: _s, ...noCreds } = env;
            const none = await runCli(["exec-credential", "--cluster-id", PRIVATE, ...target()], { ...noCreds, XDG_CACHE_HOME: cache });
            assert.deepEqual([none.code, none.stdout], [3, ""]);
            const missing = await runCli(["exec-credential", "--cluster-id", "missing-cluster", ...target()], { ...env, XDG_CACHE_HOME: cache });
            assert.deepEqual([missing.code, missing.stdout], [4, ""]);
            const fixed = await runCli(["exec-credential", "--cluster-id", PRIVATE, ...target(), "--expires-at", "2030-01-01"], { ...env, XDG_CACHE_HOME: cache });
            assert.equal(fixed.code, 2);
            assert.match(fixed.stderr, /--duration/);
        });
    });

    describe("kubeconfig --exec", () => {
        it("renders an exec user with the pinned cluster, project, region, endpoint and duration; the server and CA from one call", async () => {
            const cache = freshCache();
            const res = await runCli(["kubeconfig", "--exec", "--cluster-id", PRIVATE, ...target(), "--duration", "2"], { ...env, XDG_CACHE_HOME: cache });
            assert.equal(res.code, 0, res.stderr);
            const kc = YAML.parse(res.stdout) as Kubeconfig;
            assert.equal(kc["current-context"], "internal");
            assert.equal(kc.clusters[0]?.cluster.server, emu.cluster(PRIVATE).internalUrl);
            assert.equal(Buffer.from(kc.clusters[0]?.cluster["certificate-authority-data"] as string, "base64").toString().trim(), emu.cluster(PRIVATE).caCertPem.trim());
            const exec = kc.users[0]?.user.exec;
            assert.equal(exec?.command, "cce-clustercert");
            assert.equal(exec?.apiVersion, EXEC_API_V1);
            assert.equal(exec?.interactiveMode, "Never");
            assert.deepEqual(exec?.args, [
                "exec-credential", "--cluster-id", PRIVATE, "--project-id", PROJECT, "--region", "eu-west-0",
                "--endpoint", emu.url, "--iam-endpoint", emu.url, "--duration=2",
            ]);
            assert.ok(!res.stdout.includes(SK) && !res.stdout.includes("PRIVATE KEY"), "no secret in the exec kubeconfig");
            assert.equal(clustercertCalls(), 1);
        });
        it("uses --server/--ca-file without any API call, and --command split into command + args", async () => {
            const caFile = path.join(work, "cluster-ca.crt");
            await fs.writeFile(caFile, emu.cluster(PRIVATE).caCertPem);
            const res = await runCli(
                ["kubeconfig", "--exec", "--cluster-id", PRIVATE, "--server", emu.cluster(PRIVATE).internalUrl, "--ca-file", caFile, "--command", `node "/opt/my tools/main.js"`, "--api-version", "v1beta1"],
                { ...env, XDG_CACHE_HOME: freshCache() },
            );
            assert.equal(res.code, 0, res.stderr);
            const exec = (YAML.parse(res.stdout) as Kubeconfig).users[0]?.user.exec;
            assert.equal(exec?.command, "node");
            assert.equal(exec?.apiVersion, EXEC_API_V1BETA1);
            assert.equal(exec?.interactiveMode, undefined);
            assert.deepEqual(exec?.args?.slice(0, 2), ["/opt/my tools/main.js", "exec-credential"]);
            assert.deepEqual(exec?.args?.slice(-2), ["--api-version", "v1beta1"]);
            assert.equal(emu.calls.count(), 0);
        });
        it("picks the external endpoint (insecure-skip-tls-verify, no CA) of a cluster with a public IP", async () => {
            const res = await runCli(["kubeconfig", "--exec", "--cluster-id", PUBLIC, ...target()], { ...env, XDG_CACHE_HOME: freshCache() });
            assert.equal(res.code, 0, res.stderr);
            const kc = YAML.parse(res.stdout) as Kubeconfig;
            assert.equal(kc["current-context"], "external");
            assert.deepEqual(kc.clusters[0]?.cluster, { server: emu.cluster(PUBLIC).externalUrl, "insecure-skip-tls-verify": true });
        });
        it("rejects exec-only flags without --exec and contradictory ones", async () => {
            const e = { ...env, XDG_CACHE_HOME: freshCache() };
            assert.equal((await runCli(["kubeconfig", "--cluster-id", PRIVATE, "--server", "https://127.0.0.1:1"], e)).code, 2);
            assert.equal((await runCli(["kubeconfig", "--exec", "--cluster-id", PRIVATE, "--ca-file", "/x"], e)).code, 2);
            assert.equal((await runCli(["kubeconfig", "--exec", "--cluster-id", PRIVATE, "--server", "https://127.0.0.1:1", "--ca-file", "/nonexistent"], e)).code, 2);
            assert.equal((await runCli(["kubeconfig", "--exec", "--cluster-id", PRIVATE, "--command", "'unterminated"], e)).code, 2);
            assert.equal(emu.calls.count(), 0);
        });
    });

    describe("kubectl with the exec kubeconfig", function () {
        let kubectl: KubectlInfo;
        before(function () {
            const found = findKubectl();
            if (typeof found === "string") {
                console.log(`      (skipping the kubectl tests: ${found})`);
                this.skip();
            }
            kubectl = found as KubectlInfo;
            if (kubectl.major < 1 || (kubectl.major === 1 && kubectl.minor < 11)) {
                console.log(`      (skipping the kubectl tests: kubectl ${kubectl.major}.${kubectl.minor} predates exec credential plugins, 1.11)`);
                this.skip();
            }
        });
        /** v1 needs kubectl >= 1.22; older kubectl gets v1beta1. */
        const apiFlag = (): string[] => (kubectl.major === 1 && kubectl.minor < 22 ? ["--api-version", "v1beta1"] : []);

        async function execKubeconfig(cache: string, forceV1beta1 = false): Promise<string> {
            const api = forceV1beta1 ? ["--api-version", "v1beta1"] : apiFlag();
            const res = await runCli(["kubeconfig", "--exec", "--cluster-id", PRIVATE, ...target(), "--command", commandFlag(), ...api], { ...env, XDG_CACHE_HOME: cache });
            assert.equal(res.code, 0, res.stderr);
            const file = path.join(work, `kubeconfig-${cacheCount}`);
            await fs.writeFile(file, res.stdout, { mode: 0o600 });
            return file;
        }

        async function getPods(kubeconfig: string, cache: string): Promise<string> {
            const res = await runProcess(kubectl.path, ["--kubeconfig", kubeconfig, "get", "pods", "-o", "name"], {
                ...env,
                XDG_CACHE_HOME: cache,
            });
            assert.equal(res.code, 0, `kubectl failed: ${res.stderr}`);
            return res.stdout;
        }

        it("lists pods twice in a row; the plugin mints on the first run only, the second is served from the cache", async () => {
            const kubeconfig = await execKubeconfig(freshCache());
            const pluginCache = freshCache();
            emu.reset();
            const first = await getPods(kubeconfig, pluginCache);
            assert.match(first, /pod\/nginx-/);
            assert.equal(clustercertCalls(), 1, "the first kubectl run mints one certificate through the plugin");
            const kubeCalls = emu.calls.count({ route: "kube" });
            assert.ok(kubeCalls > 0, "kubectl reached the cluster's API server");
            const second = await getPods(kubeconfig, pluginCache);
            assert.equal(second, first);
            assert.equal(clustercertCalls(), 1, "the second kubectl run made no clustercert call");
            assert.ok(emu.calls.count({ route: "kube" }) > kubeCalls);
            assert.equal(emu.calls.count({ route: "iam-projects" }) + emu.calls.count({ route: "iam-tokens" }), 0);
        });
        it("needs no call at all when kubectl shares the cache `kubeconfig --exec` filled", async () => {
            const cache = freshCache();
            const kubeconfig = await execKubeconfig(cache);
            emu.reset();
            assert.match(await getPods(kubeconfig, cache), /pod\/nginx-/);
            assert.equal(clustercertCalls(), 0);
        });
        it("works with the v1beta1 plugin API too (what kubectl older than 1.22 needs)", async () => {
            const kubeconfig = await execKubeconfig(freshCache(), true);
            assert.match(await getPods(kubeconfig, freshCache()), /pod\/nginx-/);
        });
    });
});
