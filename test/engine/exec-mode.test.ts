/**
 * ClusterCert with mode "exec" through the real dynamic-provider host: no private key or client
 * certificate enters the state; kubectl runs `cce-clustercert exec-credential` with the kubeconfig.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import YAML from "yaml";
import { DOCUMENTED_SECRET_OUTPUTS, registered as registeredAs, up } from "../harness/clustercert";
import { CceEmulator } from "../emulator";
import { demoOptions } from "../emulator/options";
import { Engine, type ResourceState } from "../harness/engine";
import { REPO_ROOT } from "../harness/program";
import type { ClusterCertArgs } from "../../provider";
import type { PropertyMap } from "../harness/properties";

const opts = demoOptions();
const CRED = opts.credentials![0]!;
const PROJECT = opts.projects![0]!;
// The public cluster: CCE chooses "external", so asking for "internal" later is a real change of context.
const CLUSTER = opts.clusters![0]!;
const CLI = path.join(REPO_ROOT, "dist", "provider", "cli", "main.js");

const registered = (args: ClusterCertArgs): Promise<PropertyMap> => registeredAs(args, "exec");

describe("ClusterCert in exec mode", function () {
    this.timeout(120_000);
    let emu: CceEmulator;
    let engine: Engine;
    let state: ResourceState;
    let tmp: string;
    const env = () => ({ PATH: process.env.PATH ?? "", HOME: tmp, NODE_EXTRA_CA_CERTS: emu.caFile, HW_ACCESS_KEY: CRED.accessKey, HW_SECRET_KEY: CRED.secretKey, XDG_CACHE_HOME: path.join(tmp, "cache") });

    before(async () => {
        tmp = mkdtempSync(path.join(os.tmpdir(), "cce-exec-"));
        emu = await CceEmulator.start(opts); // RSA 2048 PKCS#1 client keys, as CCE hands out
        engine = await Engine.start({ cwd: REPO_ROOT, env: env() });
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
        rmSync(tmp, { recursive: true, force: true });
    });

    it("stores no key and no client certificate, and renders an exec kubeconfig", async () => {
        const inputs = await registered({ clusterId: CLUSTER.id, projectId: PROJECT.id, region: PROJECT.name, endpoint: emu.url, iamEndpoint: emu.url, mode: "exec", execCommand: [process.execPath, CLI] });
        const res = await up(engine, undefined, inputs, "exec");
        state = res.state;
        const o = state.outputs as Record<string, unknown>;
        assert.equal(o.mode, "exec");
        assert.ok(state.secretOutputs.has("kubeconfig"), "the exec kubeconfig is stored as a secret too");
        for (const k of DOCUMENTED_SECRET_OUTPUTS) if (k in o) assert.ok(state.secretOutputs.has(k), `${k} is a secret`);
        for (const k of ["clientKey", "clientCertificate", "fingerprint", "serialNumber", "expiresAt"]) assert.equal(o[k], undefined, `${k} must be absent`);
        assert.doesNotMatch(JSON.stringify(state.outputs), /PRIVATE KEY|client-key-data|client-certificate-data/);
        assert.match(state.id, new RegExp(`^${CLUSTER.id}:exec-[0-9a-f]{16}$`));
        const kc = YAML.parse(o.kubeconfig as string) as { users: { user: { exec: { command: string; args: string[]; apiVersion: string } } }[] };
        const exec = kc.users[0]!.user.exec;
        assert.equal(exec.apiVersion, "client.authentication.k8s.io/v1");
        assert.equal(exec.command, process.execPath);
        assert.deepEqual(exec.args.slice(0, 4), [CLI, "exec-credential", "--cluster-id", CLUSTER.id]);
        assert.ok(exec.args.includes("--endpoint") && exec.args.includes(emu.url));
    });

    it("replaces on a change of context, which needs another server", async () => {
        const inputs = await registered({ clusterId: CLUSTER.id, projectId: PROJECT.id, region: PROJECT.name, endpoint: emu.url, iamEndpoint: emu.url, mode: "exec", execCommand: [process.execPath, CLI], context: "internal" });
        const res = await up(engine, state, inputs, "exec");
        assert.equal(res.op, "replace");
        assert.deepEqual(res.diff?.replaces, ["context"]);
        state = res.state;
    });

    it("lets kubectl list pods through the exec plugin, the second time from its cache", async function () {
        if (spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status !== 0) this.skip();
        const file = path.join(tmp, "kubeconfig");
        writeFileSync(file, state.outputs.kubeconfig as string, { mode: 0o600 });
        const run = () => promisify(execFile)("kubectl", ["--kubeconfig", file, "--cache-dir", path.join(tmp, "kube-cache"), "get", "pods"], { env: env(), encoding: "utf8" });
        const before = emu.calls.count({ route: "clustercert" });
        const first = await run();
        assert.match(first.stdout, /Running/);
        assert.equal(emu.calls.count({ route: "clustercert" }) - before, 1, "the plugin minted one certificate");
        const second = await run();
        assert.match(second.stdout, /Running/);
        assert.equal(emu.calls.count({ route: "clustercert" }) - before, 1, "the second run used the cache");
    });
});
