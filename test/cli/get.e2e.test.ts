/**
 * End to end: the built `cce-clustercert get` (a child process) against the CCE emulator.
 */
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { CceEmulator } from "../emulator";
import { cliEnv, declaredBin, EXPECTED_BIN, runCli } from "./run-cli";

const PROJECT = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const PRIVATE = "11111111-2222-3333-4444-000000000001";
const PUBLIC = "11111111-2222-3333-4444-000000000002";
const AK = "CLIE2EACCESSKEY00001";
const SK = "CliE2eSecretKeyDoNotPrint0123456789abcd";

describe("cce-clustercert get (built binary against the emulator)", function () {
    this.timeout(120_000);
    let emu: CceEmulator;
    let work: string;
    let env: NodeJS.ProcessEnv;
    const target = (): string[] => ["--endpoint", emu.url, "--iam-endpoint", emu.url];

    before(async () => {
        emu = await CceEmulator.start({
            keyType: "ec",
            credentials: [{ accessKey: AK, secretKey: SK }],
            projects: [{ id: PROJECT, name: "eu-west-0" }],
            clusters: [
                { id: PRIVATE, projectId: PROJECT, publicIp: false },
                { id: PUBLIC, projectId: PROJECT, publicIp: true },
            ],
        });
        work = await fs.mkdtemp(path.join(tmpdir(), "cce-cli-get-"));
        env = cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT }, { XDG_CACHE_HOME: path.join(work, "cache") });
    });
    after(async () => {
        await emu?.stop();
        if (work) await fs.rm(work, { recursive: true, force: true });
    });
    beforeEach(() => emu.reset());

    const clustercertCalls = (): number => emu.calls.count({ route: "clustercert" });

    it("package.json declares the bin entry (skipped until it does)", function () {
        const bin = declaredBin();
        if (bin === undefined) this.skip();
        assert.equal(path.normalize(bin as string), path.normalize(EXPECTED_BIN));
    });

    it("has --help on every command", async () => {
        for (const args of [["--help"], ["get", "--help"], ["kubeconfig", "--help"], ["exec-credential", "-h"], ["help", "get"]]) {
            const res = await runCli(args, env);
            assert.equal(res.code, 0, `${args.join(" ")}: ${res.stderr}`);
            assert.match(res.stdout, /Usage:/);
        }
        assert.match((await runCli(["get", "--help"], env)).stdout, /--out-dir DIR/);
        assert.match((await runCli(["kubeconfig", "--help"], env)).stdout, /--command CMD/);
        assert.match((await runCli(["exec-credential", "--help"], env)).stdout, /XDG_CACHE_HOME/);
        assert.equal(clustercertCalls(), 0);
    });

    it("writes kubeconfig, ca.crt, client.crt and client.key with mode 0600, and the expiry on stderr", async () => {
        const dir = path.join(work, "out-files");
        const res = await runCli(["get", "--cluster-id", PRIVATE, ...target(), "--out-dir", dir, "--duration", "30"], env);
        assert.equal(res.code, 0, res.stderr);
        assert.equal(res.stdout, "");
        assert.deepEqual((await fs.readdir(dir)).sort(), ["ca.crt", "client.crt", "client.key", "kubeconfig"]);
        for (const f of await fs.readdir(dir)) assert.equal((await fs.stat(path.join(dir, f))).mode & 0o777, 0o600, f);
        const cert = new X509Certificate(await fs.readFile(path.join(dir, "client.crt"), "utf8"));
        assert.ok(cert.checkPrivateKey(createPrivateKey(await fs.readFile(path.join(dir, "client.key"), "utf8"))));
        assert.equal((await fs.readFile(path.join(dir, "ca.crt"), "utf8")).trim(), emu.cluster(PRIVATE).caCertPem.trim());
        const kc = YAML.parse(await fs.readFile(path.join(dir, "kubeconfig"), "utf8")) as { "current-context": string; clusters: { cluster: { server: string } }[] };
        assert.equal(kc["current-context"], "internal");
        assert.equal(kc.clusters[0]?.cluster.server, emu.cluster(PRIVATE).internalUrl);
        const expiry = new Date(cert.validTo).toISOString();
        assert.ok(res.stderr.includes(`expires ${expiry}`), res.stderr);
        assert.match(res.stderr, /\(in (29|30) days\)/);
        assert.equal(clustercertCalls(), 1);
    });

    it("never overwrites without --force (and then asks for no certificate); replaces with it", async () => {
        const dir = path.join(work, "out-force");
        assert.equal((await runCli(["get", "--cluster-id", PRIVATE, ...target(), "--out-dir", dir], env)).code, 0);
        const before = await fs.readFile(path.join(dir, "client.crt"), "utf8");
        emu.reset();
        const refused = await runCli(["get", "--cluster-id", PRIVATE, ...target(), "--out-dir", dir], env);
        assert.equal(refused.code, 2, refused.stderr);
        assert.match(refused.stderr, /refusing to overwrite .*kubeconfig.*--force/);
        assert.equal(clustercertCalls(), 0, "no certificate is minted when it cannot be written");
        assert.equal(await fs.readFile(path.join(dir, "client.crt"), "utf8"), before);
        const forced = await runCli(["get", "--cluster-id", PRIVATE, ...target(), "--out-dir", dir, "--force"], env);
        assert.equal(forced.code, 0, forced.stderr);
        const after = await fs.readFile(path.join(dir, "client.crt"), "utf8");
        assert.notEqual(after, before);
        for (const f of await fs.readdir(dir)) assert.equal((await fs.stat(path.join(dir, f))).mode & 0o777, 0o600, f);
        assert.deepEqual((await fs.readdir(dir)).sort(), ["ca.crt", "client.crt", "client.key", "kubeconfig"], "no temp files left");
    });

    it("prints the kubeconfig on stdout by default, selecting --context", async () => {
        const res = await runCli(["get", "--cluster-id", PUBLIC, ...target()], env);
        assert.equal(res.code, 0, res.stderr);
        const kc = YAML.parse(res.stdout) as { "current-context": string; contexts: { name: string }[]; users: { user: Record<string, string> }[] };
        assert.equal(kc["current-context"], "external");
        assert.deepEqual(kc.contexts.map((c) => c.name).sort(), ["external", "internal"]);
        assert.match(Buffer.from(kc.users[0]?.user["client-key-data"] ?? "", "base64").toString(), /PRIVATE KEY/);
        assert.match(res.stderr, /expires \d{4}-\d\d-\d\dT/);
        assert.ok(!res.stderr.includes("PRIVATE KEY"));
        const internal = await runCli(["get", "--cluster-id", PUBLIC, ...target(), "--context", "internal", "--format", "kubeconfig"], env);
        assert.equal((YAML.parse(internal.stdout) as { "current-context": string })["current-context"], "internal");
    });

    it("prints JSON with --format json", async () => {
        const res = await runCli(["get", "--cluster-id", PUBLIC, ...target(), "--format", "json", "--expires-at", new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10)], env);
        assert.equal(res.code, 0, res.stderr);
        const out = JSON.parse(res.stdout) as Record<string, unknown>;
        assert.equal(out.clusterId, PUBLIC);
        assert.equal(out.projectId, PROJECT);
        assert.equal(out.currentContext, "external");
        assert.equal(out.server, emu.cluster(PUBLIC).externalUrl);
        assert.equal(out.insecureSkipTlsVerify, true);
        assert.deepEqual(out.endpoints, { internal: emu.cluster(PUBLIC).internalUrl, external: emu.cluster(PUBLIC).externalUrl });
        assert.match(String(out.clientCertificate), /BEGIN CERTIFICATE/);
        assert.match(String(out.clientKey), /PRIVATE KEY/);
        assert.equal(typeof out.expiresAt, "string");
        assert.equal(out.renewBeforeDays, undefined);
    });

    it("writes only the chosen format into --out-dir", async () => {
        const dir = path.join(work, "out-json");
        const res = await runCli(["get", "--cluster-id", PRIVATE, ...target(), "--format", "json", "--out-dir", dir], env);
        assert.equal(res.code, 0, res.stderr);
        assert.deepEqual(await fs.readdir(dir), ["clustercert.json"]);
        assert.equal((await fs.stat(path.join(dir, "clustercert.json"))).mode & 0o777, 0o600);
        assert.equal(res.stdout, "");
    });

    it("discovers the project from the region through IAM when none is given", async () => {
        const { HW_PROJECT_ID: _p, ...noProject } = env;
        const res = await runCli(["get", "--cluster-id", PRIVATE, ...target(), "--format", "json"], noProject);
        assert.equal(res.code, 0, res.stderr);
        assert.equal((JSON.parse(res.stdout) as { projectId: string }).projectId, PROJECT);
        assert.equal(emu.calls.count({ route: "iam-projects" }), 1);
    });

    describe("exit codes and messages", () => {
        it("2 for bad usage, before any call", async () => {
            for (const args of [
                [],
                ["bogus"],
                ["get"],
                ["get", "--cluster-id", PRIVATE, "--duration", "0"],
                ["get", "--cluster-id", PRIVATE, "--format", "yaml"],
                ["get", "--cluster-id", PRIVATE, "--secret-key", SK],
                ["get", "--cluster-id", PRIVATE, "--duration", "3", "--expires-at", "2030-01-01"],
            ]) {
                const res = await runCli(args, env);
                assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
                assert.ok(!res.stderr.includes(SK), "the secret key is never printed");
            }
            const { HW_REGION_NAME: _r, ...noRegion } = env;
            const res = await runCli(["get", "--cluster-id", PRIVATE], noRegion);
            assert.equal(res.code, 2);
            assert.match(res.stderr, /--region/);
            assert.equal(emu.calls.count(), 0);
        });
        it("3 without credentials, with a wrong secret key (401), and when forbidden (403)", async () => {
            const { HW_ACCESS_KEY: _a, HW_SECRET_KEY: _s, ...noCreds } = env;
            const none = await runCli(["get", "--cluster-id", PRIVATE, ...target()], noCreds);
            assert.equal(none.code, 3, none.stderr);
            assert.match(none.stderr, /no Huawei Cloud credentials found: export .*HW_ACCESS_KEY/);
            const half = await runCli(["get", "--cluster-id", PRIVATE, ...target()], { ...noCreds, HW_ACCESS_KEY: AK });
            assert.equal(half.code, 3);
            assert.match(half.stderr, /HW_SECRET_KEY is missing/);
            const wrongSk = "WrongSecretKeyAlsoNeverPrinted0000000000";
            const wrong = await runCli(["get", "--cluster-id", PRIVATE, ...target(), "--max-retries", "0"], { ...env, HW_SECRET_KEY: wrongSk });
            assert.equal(wrong.code, 3, wrong.stderr);
            assert.match(wrong.stderr, /401/);
            assert.ok(!wrong.stderr.includes(wrongSk) && !wrong.stderr.includes(AK));
            emu.inject({ route: "clustercert", kind: "respond", status: 403, body: JSON.stringify({ errorCode: "CCE.01403001", errorMessage: "no permission" }) });
            const forbidden = await runCli(["get", "--cluster-id", PRIVATE, ...target()], env);
            assert.equal(forbidden.code, 3, forbidden.stderr);
            assert.match(forbidden.stderr, /403 CCE\.01403001/);
        });
        it("4 for an unknown cluster or project", async () => {
            const res = await runCli(["get", "--cluster-id", "no-such-cluster", ...target()], env);
            assert.equal(res.code, 4, res.stderr);
            assert.match(res.stderr, /404/);
            const { HW_PROJECT_ID: _p, ...noProject } = env;
            const region = await runCli(["get", "--cluster-id", PRIVATE, ...target(), "--region", "ap-southeast-9"], noProject);
            assert.equal(region.code, 4, region.stderr);
            assert.match(region.stderr, /no project named "ap-southeast-9"/);
        });
        it("5 for other API errors, malformed answers and network failures, without secrets or PEM", async () => {
            emu.inject({ route: "clustercert", kind: "respond", status: 500, body: JSON.stringify({ errorCode: "CCE.01500001", errorMessage: "boom" }) });
            const failed = await runCli(["get", "--cluster-id", PRIVATE, ...target(), "--max-retries", "0"], env);
            assert.equal(failed.code, 5, failed.stderr);
            assert.match(failed.stderr, /500 CCE\.01500001 "boom"/);
            emu.inject({ route: "clustercert", kind: "kubeconfig", mutation: "mismatched-key" });
            const malformed = await runCli(["get", "--cluster-id", PRIVATE, ...target()], env);
            assert.equal(malformed.code, 5, malformed.stderr);
            assert.ok(!/BEGIN|PRIVATE KEY/.test(malformed.stderr), malformed.stderr);
            const down = await runCli(["get", "--cluster-id", PRIVATE, "--endpoint", "https://127.0.0.1:1", "--max-retries", "0"], env);
            assert.equal(down.code, 5, down.stderr);
            assert.match(down.stderr, /no answer from https:\/\/127\.0\.0\.1:1/);
            const noExternal = await runCli(["get", "--cluster-id", PRIVATE, ...target(), "--context", "external"], env);
            assert.equal(noExternal.code, 5, noExternal.stderr);
            assert.match(noExternal.stderr, /no public IP/);
            for (const r of [failed, malformed, down, noExternal]) assert.ok(!r.stderr.includes(SK) && r.stdout === "");
        });
    });
});
