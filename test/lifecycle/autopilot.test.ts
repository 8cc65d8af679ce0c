/**
 * CCE Autopilot clusters through the real dynamic-provider host: `clusterType: "autopilot"` calls the
 * Autopilot path (the emulator serves an Autopilot cluster there only), kubectl reaches the cluster
 * with the kubeconfig it yields (certificate and exec mode), check refuses what the Autopilot API does
 * not take, a change of cluster type replaces, and a 404 names the other cluster type.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { CceEmulator } from "../emulator";
import { demoOptions } from "../emulator/options";
import { CheckFailedError, Engine, type ResourceState } from "../harness/engine";
import { REPO_ROOT } from "../harness/program";
import { baseEnv, registered, up } from "../harness/clustercert";
import { findKubectl, runProcess, type KubectlInfo } from "../cli/run-cli";

const opts = demoOptions();
const CRED = opts.credentials![0]!;
const PROJECT = opts.projects![0]!;
const AUTOPILOT = { id: "ap0d2c4e-1b3f-11ef-9e2a-0255ac100a01", projectId: PROJECT.id, name: "autopilot", publicIp: true, type: "autopilot" as const };
const STANDARD = { id: "st0d2c4e-1b3f-11ef-9e2a-0255ac100a02", projectId: PROJECT.id, name: "standard", publicIp: false };
const CLI = path.join(REPO_ROOT, "dist", "provider", "cli", "main.js");

describe("lifecycle: CCE Autopilot clusters through the real host", function () {
    this.timeout(120_000);
    let emu: CceEmulator;
    let engine: Engine;
    let tmp: string;
    let kubectl: KubectlInfo | string;
    const hostEnv = (): NodeJS.ProcessEnv => ({
        ...baseEnv(emu, { HW_ACCESS_KEY: CRED.accessKey, HW_SECRET_KEY: CRED.secretKey }),
        HOME: tmp,
        XDG_CACHE_HOME: path.join(tmp, "cache"),
    });
    const args = (extra: Record<string, unknown> = {}) =>
        registered({ clusterId: AUTOPILOT.id, clusterType: "autopilot", projectId: PROJECT.id, endpoint: emu.url, iamEndpoint: emu.url, maxRetries: 0, ...extra });
    const certCalls = () => emu.calls.filter({ route: "clustercert" });

    /** `kubectl get --raw /version` with `kubeconfig`: the emulated cluster's version JSON. */
    async function kubectlVersion(kubeconfig: string, name: string): Promise<string> {
        const file = path.join(tmp, name);
        writeFileSync(file, kubeconfig, { mode: 0o600 });
        const res = await runProcess((kubectl as KubectlInfo).path, ["--kubeconfig", file, "--cache-dir", path.join(tmp, "kube-cache"), "get", "--raw", "/version"], hostEnv());
        assert.equal(res.code, 0, `kubectl failed: ${res.stderr}`);
        return res.stdout;
    }

    before(async () => {
        tmp = mkdtempSync(path.join(os.tmpdir(), "cce-autopilot-"));
        emu = await CceEmulator.start({ ...opts, clusters: [AUTOPILOT, STANDARD] });
        engine = await Engine.start({ cwd: REPO_ROOT, env: hostEnv() });
        kubectl = findKubectl();
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
        rmSync(tmp, { recursive: true, force: true });
    });
    beforeEach(() => emu.reset());

    let state: ResourceState;

    it("creates with one POST on the Autopilot path; kubectl reaches the cluster with the kubeconfig", async function () {
        const res = await up(engine, undefined, await args({ duration: 30 }), "ap");
        state = res.state;
        const calls = certCalls();
        assert.deepEqual(calls.map((c) => [c.method, c.path, c.status]), [["POST", `/autopilot/v3/projects/${PROJECT.id}/clusters/${AUTOPILOT.id}/clustercert`, 200]]);
        assert.equal(state.outputs.clusterType, "autopilot");
        assert.equal(state.outputs.context, "external", "CCE's choice with a public IP, as on standard clusters");
        const days = (Date.parse(state.outputs.expiresAt as string) - Date.parse(state.outputs.issuedAt as string)) / 86_400_000;
        assert.ok(Math.abs(days - 30 - 5 / 1440) < 0.01, `30 days (the emulator back-dates by 5 minutes), got ${days}`);
        if (typeof kubectl === "string") return this.skip();
        const version = JSON.parse(await kubectlVersion(state.outputs.kubeconfig as string, "ap.kubeconfig")) as { gitVersion: string };
        assert.match(version.gitVersion, /-emulator$/);
        assert.equal(emu.calls.filter({ route: "kube", clusterId: AUTOPILOT.id }).at(-1)?.userId, state.outputs.userId);
    });

    it("refreshes without a call and reports clusterType among the inputs", async () => {
        const refreshed = await engine.refresh(state);
        assert.equal(refreshed?.outputs.clusterType, "autopilot");
        assert.equal(refreshed?.inputs.clusterType, "autopilot", "ReadResult.inputs records it (@pulumi/pulumi >= 3.216)");
        assert.equal(certCalls().length, 0);
    });

    it("sees no change for the same arguments, and replaces on a change of clusterType", async () => {
        assert.equal((await up(engine, state, await args({ duration: 30 }), "ap")).op, "same");
        const preview = await engine.up(state, await args({ duration: 30, clusterType: "standard" }), { name: "ap", type: state.type, preview: true });
        assert.equal(preview.op, "replace");
        assert.deepEqual(preview.diff?.replaces, ["clusterType"]);
    });

    it("fails on the standard path for an Autopilot cluster, with a hint to set clusterType", async () => {
        await assert.rejects(up(engine, undefined, await args({ clusterType: undefined }), "wrong-type"), (e: Error) => {
            assert.match(e.message, /CCE clustercert failed: 404 CCE\.01404001 .*If it is a CCE Autopilot cluster, set clusterType: "autopilot"/);
            return true;
        });
        assert.ok(certCalls().every((c) => c.path.startsWith("/api/v3/") && c.status === 404));
        await assert.rejects(up(engine, undefined, await args({ clusterId: STANDARD.id }), "wrong-type-2"), /CCE Autopilot clustercert failed: 404 .*leave out clusterType "autopilot"/);
    });

    it("refuses in check what the Autopilot API does not take, before any call", async () => {
        for (const [extra, property, reason] of [
            [{ duration: 1826 }, "duration", /1 to 1825 days, got 1826/],
            [{ expiresAt: "2030-01-01" }, "expiresAt", /takes no expiry date/],
            [{ legacyApi: true }, "legacyApi", /no deprecated GET/],
            [{ revokeOnDelete: true }, "revokeOnDelete", /publishes no clustercertrevoke/],
            [{ clusterType: "serverless" }, "clusterType", /must be "standard" or "autopilot"/],
        ] as const) {
            await assert.rejects(up(engine, undefined, await args(extra), "bad"), (e: unknown) => {
                assert.ok(e instanceof CheckFailedError, String(e));
                assert.deepEqual(e.failures.map((f) => f.property), [property]);
                assert.match(e.failures[0]!.reason, reason);
                return true;
            });
        }
        assert.equal(emu.calls.count(), 0);
    });

    it("exec mode pins --cluster-type=autopilot; kubectl obtains its certificate on the Autopilot path", async function () {
        const res = await up(engine, undefined, await args({ mode: "exec", execCommand: [process.execPath, CLI] }), "ap-exec");
        const kc = YAML.parse(res.state.outputs.kubeconfig as string) as { users: { user: { exec: { args: string[] } } }[] };
        assert.ok(kc.users[0]!.user.exec.args.includes("--cluster-type=autopilot"), JSON.stringify(kc.users[0]!.user.exec.args));
        if (typeof kubectl === "string") return this.skip();
        emu.reset();
        await kubectlVersion(res.state.outputs.kubeconfig as string, "ap-exec.kubeconfig");
        const calls = certCalls();
        assert.equal(calls.length, 1, "the plugin minted one certificate");
        assert.ok(calls[0]!.path.startsWith("/autopilot/v3/"), calls[0]!.path);
    });
});
