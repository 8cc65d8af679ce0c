/**
 * Revocation (issue 4, item 4) through the real dynamic-provider host: with `revokeOnDelete`, delete
 * calls `clustercertrevoke` with the certificate's CN, after which the cluster's Kubernetes API
 * refuses every certificate of that user; a cluster that is gone or a user already revoked is a
 * warning. Delete receives only the stored outputs: credentials come from those the resource was
 * given as args (kept as secret outputs while revokeOnDelete is set), else stack config or env.
 */
import assert from "node:assert/strict";
import * as https from "node:https";
import { CceEmulator, faults } from "../emulator";
import { demoOptions } from "../emulator/options";
import { Engine, type ResourceState } from "../harness/engine";
import { REPO_ROOT } from "../harness/program";
import { secret } from "../harness/properties";
import { baseEnv, DOCUMENTED_SECRET_OUTPUTS, logsSince, nonSecretOutputs, registered, up } from "../harness/clustercert";

const opts = demoOptions();
const CRED = opts.credentials![0]!;
const PROJECT = opts.projects![0]!;
const CLUSTER = opts.clusters![1]!;
const LEGACY = { id: "0b1d2c4e-1b3f-11ef-9e2a-0255ac100222", projectId: PROJECT.id, publicIp: false, version: "v1.11" };
const CONFIG = { "huaweicloud:region": PROJECT.name, "huaweicloud:accessKey": CRED.accessKey, "huaweicloud:secretKey": secret(CRED.secretKey) };

/** Status of GET /api/v1/namespaces on the cluster's internal endpoint with the state's certificate. */
function kubeStatus(emu: CceEmulator, state: ResourceState): Promise<number> {
    const o = state.outputs;
    const url = new URL("/api/v1/namespaces", emu.cluster(o.clusterId as string).internalUrl);
    return new Promise((resolve, reject) => {
        const req = https.request(
            url,
            { cert: o.clientCertificate as string, key: o.clientKey as string, ca: o.clusterCaCertificate as string, agent: false },
            (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode ?? 0));
            },
        );
        req.on("error", reject);
        req.end();
    });
}

describe("lifecycle: revocation on delete through the real host", function () {
    this.timeout(60_000);
    let emu: CceEmulator;
    let engine: Engine;
    const args = (extra: Record<string, unknown> = {}) =>
        registered({ clusterId: CLUSTER.id, projectId: PROJECT.id, endpoint: emu.url, duration: 30, maxRetries: 2, ...extra });
    const revokes = () => emu.calls.filter({ route: "clustercertrevoke" });

    before(async () => {
        emu = await CceEmulator.start({ ...opts, clusters: [...opts.clusters!, LEGACY] });
        // No credential in the host's environment: only stack config.
        engine = await Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu), config: CONFIG });
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
    });
    afterEach(() => emu.clearFaults());

    it("makes no call on delete without revokeOnDelete (the default)", async () => {
        const { state } = await up(engine, undefined, await args(), "keep");
        const before = emu.calls.count();
        await engine.destroy(state);
        assert.equal(emu.calls.count(), before);
        assert.equal(await kubeStatus(emu, state), 200, "the certificate still works");
    });

    it("revokes with one clustercertrevoke call; the kube API then refuses EVERY certificate of that user on the cluster", async () => {
        const other = (await up(engine, undefined, await args(), "other")).state; // same user, no revokeOnDelete
        const { state } = await up(engine, undefined, await args({ revokeOnDelete: true }), "revoke");
        assert.equal(state.outputs.revokeOnDelete, true);
        assert.equal(await kubeStatus(emu, state), 200);
        assert.equal(await kubeStatus(emu, other), 200);
        const from = engine.host.logs().length;
        const before = revokes().length;
        await engine.destroy(state);
        const calls = revokes().slice(before);
        assert.equal(calls.length, 1);
        assert.equal(calls[0]!.method, "POST");
        assert.equal(calls[0]!.status, 200);
        assert.equal(calls[0]!.clusterId, CLUSTER.id);
        assert.equal(await kubeStatus(emu, state), 401, "the revoked certificate is refused");
        assert.equal(await kubeStatus(emu, other), 401, "so is every other certificate of the same user on that cluster");
        const mine = emu.cluster(CLUSTER.id).certificates().find((c) => c.serialNumber === state.outputs.serialNumber);
        assert.equal(mine?.revoked, true);
        assert.equal(mine?.userId, state.outputs.userId, "revoked by the certificate's CN");
        await engine.host.waitForLog(`${state.id}: revoked every certificate of user ${state.outputs.userId as string} on cluster ${CLUSTER.id}`);
        // Before the call, one line says who loses access: every certificate of that user, not just this one.
        const lines = logsSince(engine, from);
        const warned = lines.findIndex((l) =>
            l.includes(`${state.id}: revoking every certificate and kubeconfig that user ${state.outputs.userId as string} obtained for cluster ${CLUSTER.id}: console downloads and the certificates of other stacks and tools included stop working`),
        );
        const done = lines.findIndex((l) => l.includes(`${state.id}: revoked every certificate`));
        assert.ok(warned >= 0 && warned < done, `the warning comes first:\n${lines.join("\n")}`);
        assert.ok(!logsSince(engine, from).some((l) => l.includes(CRED.secretKey)));
        // A certificate minted after the revocation works.
        const fresh = (await up(engine, undefined, await args(), "after")).state;
        assert.equal(await kubeStatus(emu, fresh), 200);
    });

    it("retries a throttled revocation", async () => {
        const { state } = await up(engine, undefined, await args({ revokeOnDelete: true }), "throttled");
        emu.inject(faults.throttled({ route: "clustercertrevoke", retryAfter: 0 }));
        const before = revokes().length;
        await engine.destroy(state);
        assert.deepEqual(revokes().slice(before).map((c) => c.status), [429, 200]);
    });

    it("only warns when the cluster is gone (404)", async () => {
        const { state } = await up(engine, undefined, await args({ revokeOnDelete: true }), "gone");
        const goneState: ResourceState = { ...state, outputs: { ...state.outputs, clusterId: "deleted-cluster" } };
        const before = revokes().length;
        await engine.destroy(goneState);
        assert.deepEqual(revokes().slice(before).map((c) => c.status), [404]);
        const line = await engine.host.waitForLog((l) => l.includes("warning: revocation of user"));
        assert.match(line, /on cluster deleted-cluster skipped: .*404 CCE\.01404001/);
    });

    it("only warns when the user is already revoked (409), and revoking twice is harmless", async () => {
        const { state } = await up(engine, undefined, await args({ revokeOnDelete: true }), "twice");
        await engine.destroy(state);
        const before = revokes().length;
        await engine.destroy(state); // the emulator answers 200 again
        emu.inject(faults.cceError(409, "CCE.01409001", "The certificates of this user are already revoked", { route: "clustercertrevoke" }));
        await engine.destroy(state);
        assert.deepEqual(revokes().slice(before).map((c) => c.status), [200, 409]);
        const line = await engine.host.waitForLog((l) => l.includes("skipped") && l.includes("409"));
        assert.match(line, /warning: revocation of user .* skipped: .*409 CCE\.01409001/);
    });

    it("only warns on a legacy cluster, which cannot revoke, and says why", async () => {
        const { state } = await up(engine, undefined, await registered({ clusterId: LEGACY.id, projectId: PROJECT.id, endpoint: emu.url, revokeOnDelete: true }), "legacy");
        assert.equal(state.outputs.apiCall, "GET");
        await engine.destroy(state);
        const line = await engine.host.waitForLog((l) => l.includes("warning: revocation") && l.includes(LEGACY.id));
        assert.match(line, /not supported by clusters of version v1\.11/);
    });

    it("fails (no warning) when revocation is refused for another reason, e.g. 403", async () => {
        const { state } = await up(engine, undefined, await args({ revokeOnDelete: true }), "denied");
        emu.inject(faults.cceError(403, "CCE.01403001", "Forbidden: no permission cce:cluster:revokeClientCredential", { route: "clustercertrevoke" }));
        await assert.rejects(engine.destroy(state), /CCE clustercertrevoke failed: 403 CCE\.01403001/);
    });

    it("revokes with credentials given as resource args: kept as SECRET outputs only while revokeOnDelete is set", async () => {
        // The host reads stack config once (first use of the provider): a stack without credentials.
        const bare = await Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu), config: { "huaweicloud:region": PROJECT.name } });
        try {
            const creds = { accessKey: CRED.accessKey, secretKey: CRED.secretKey };
            const plain = (await up(bare, undefined, await args(creds), "argsplain")).state;
            assert.ok(!("accessKey" in plain.outputs) && !("secretKey" in plain.outputs), "without revokeOnDelete credentials are never outputs");

            const { state } = await up(bare, undefined, await args({ revokeOnDelete: true, ...creds }), "argsonly");
            for (const k of ["accessKey", "secretKey"]) {
                if (k in state.outputs) assert.ok(state.secretOutputs.has(k), `${k} kept for delete must be a secret output`);
            }
            assert.ok(!nonSecretOutputs(state).includes(CRED.secretKey), "the secret key is in no non-secret output");
            for (const k of DOCUMENTED_SECRET_OUTPUTS) if (k in state.outputs) assert.ok(state.secretOutputs.has(k), `${k} is a secret output`);
            const before = revokes().length;
            await bare.destroy(state);
            assert.deepEqual(revokes().slice(before).map((c) => c.status), [200], "revoked with the credentials the resource was given");
            await bare.host.waitForLog(`${state.id}: revoked every certificate of user`);
            await bare.stop(); // every line it printed has arrived once it exited
            assert.ok(!bare.host.logs().join("\n").includes(CRED.secretKey));
        } finally {
            await bare.stop();
        }
    });

    it("fails delete with a clear message when no credential is found anywhere", async () => {
        const bare = await Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu), config: { "huaweicloud:region": PROJECT.name } });
        try {
            // Created by the configured host; deleted by one that has no credentials at all.
            const { state } = await up(engine, undefined, await args({ revokeOnDelete: true }), "nocreds");
            const before = revokes().length;
            await assert.rejects(bare.destroy(state), (e: Error) => {
                assert.match(e.message, /no Huawei Cloud credentials found\. Looked in, in order: .*stack config huaweicloud:accessKey.*env HW_ACCESS_KEY/);
                return true;
            });
            assert.equal(revokes().length, before, "nothing was sent");
            await engine.destroy(state);
            assert.equal(revokes().length, before + 1);
        } finally {
            await bare.stop();
        }
    });
});

describe("lifecycle: revokeOnDelete and replacement", function () {
    this.timeout(60_000);
    let emu: CceEmulator;
    let engine: Engine;

    before(async () => {
        emu = await CceEmulator.start(opts);
        engine = await Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu), config: CONFIG });
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
    });

    // Revoking the old certificate revokes every certificate of its user on the cluster: created
    // first, the replacement would be revoked too (its kube API would answer 401). Diff must ask
    // for deleteBeforeReplace when the old state has revokeOnDelete (provider/pulumi/runtime.ts).
    it("a replacement (renewal or a changed duration) leaves a WORKING certificate: the old one is revoked before the new one is issued", async () => {
        const inputs = (duration: number) => registered({ clusterId: CLUSTER.id, projectId: PROJECT.id, endpoint: emu.url, duration, revokeOnDelete: true });
        const old = (await up(engine, undefined, await inputs(30), "renewed")).state;
        const res = await up(engine, old, await inputs(60));
        assert.equal(res.op, "replace");
        assert.equal(res.diff?.deleteBeforeReplace, true, "revoking the old certificate revokes every certificate of the user: delete it first");
        assert.equal(await kubeStatus(emu, old), 401, "the old certificate is revoked");
        assert.equal(await kubeStatus(emu, res.state), 200, "the new certificate works");
    });
});
