/**
 * The upgrade contract of the serialized provider: every existing stack stores the shim that
 * version 0.1.0 serialized (`fixtures/provider-0.1.0.js`, 2,448 bytes, made by 0.1.0's own code:
 * seven methods that each `require("pulumi-cce-clustercert/runtime")`). Whatever this package's
 * files become, that text must keep working against the new build. Through the REAL dynamic-provider
 * host: create with the old shim, then the life of a resource that 0.1.0 itself created
 * (`fixtures/state-0.1.0.json`: its inputs and outputs as 0.1.0 stored them) — no change on `up`,
 * refresh, an in-place update, and a delete that revokes.
 *
 * The fixture state was made against an emulator of its day: its endpoint (a loopback URL with a
 * random port) is pointed at today's emulator; everything else is replayed as stored.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { CceEmulator } from "../emulator";
import { DAY_MS, baseEnv } from "../harness/clustercert";
import { Engine, type ResourceState } from "../harness/engine";
import { REPO_ROOT } from "../harness/program";
import { stripSecrets, type PropertyMap } from "../harness/properties";

const TYPE = "pulumi-nodejs:dynamic/cce:ClusterCert";
const PROVIDER_0_1_0 = readFileSync(path.join(__dirname, "fixtures", "provider-0.1.0.js"), "utf8");
const STATE_0_1_0 = JSON.parse(readFileSync(path.join(__dirname, "fixtures", "state-0.1.0.json"), "utf8")) as {
    id: string;
    inputs: PropertyMap;
    outputs: PropertyMap;
    secretOutputs: string[];
};
// The emulator the fixture state was made against (fixtures/README.md).
const PROJECT = { id: "0f1e0a1b2c3d4e5f60718293a4b5c010", name: "eu-west-0" };
const CLUSTER = { id: "0f1e0a1b-1b3f-11ef-9e2a-0255ac100010", projectId: PROJECT.id, publicIp: true };
const CREDENTIAL = { accessKey: "FIXTURE010ACCESSKEY1", secretKey: "Fixture010SecretKey0123456789abcdefghij", userId: "0f1e0a1b2c3d4e5f60718293a4b5c0aa" };
const OLD_ENDPOINT = String(STATE_0_1_0.outputs.endpoint);

describe("upgrade contract: the shim 0.1.0 serialized, and a resource 0.1.0 created, against this build (real host)", function () {
    this.timeout(120_000);
    let emu: CceEmulator;
    let engine: Engine;

    /** Replaces the fixture's endpoint of the day by today's emulator, in any (nested) value. */
    const repoint = <T>(value: T): T => JSON.parse(JSON.stringify(value).split(OLD_ENDPOINT).join(emu.url)) as T;

    /** The 0.1.0 resource as today's engine holds it. */
    function oldState(): ResourceState {
        return {
            urn: `urn:pulumi:stack::project::${TYPE}::cert`,
            type: TYPE,
            name: "cert",
            id: STATE_0_1_0.id,
            inputs: repoint(STATE_0_1_0.inputs),
            outputs: repoint(STATE_0_1_0.outputs),
            secretOutputs: new Set(STATE_0_1_0.secretOutputs),
            additionalSecretOutputs: ["kubeconfig", "clientCertificate", "clientKey", "clusterCaCertificate", "accessKey", "secretKey", "securityToken", "authToken"],
        };
    }

    /** Inputs as a program would register them now, with the OLD shim text as __provider. */
    function inputsWithOldShim(extra: PropertyMap = {}): PropertyMap {
        const { __provider: _p, ...stored } = repoint(STATE_0_1_0.inputs);
        return { ...stored, __provider: PROVIDER_0_1_0, ...extra };
    }

    before(async () => {
        emu = await CceEmulator.start({ credentials: [CREDENTIAL], projects: [PROJECT], clusters: [CLUSTER] });
        engine = await Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu, { HW_ACCESS_KEY: CREDENTIAL.accessKey, HW_SECRET_KEY: CREDENTIAL.secretKey }) });
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
    });
    beforeEach(() => emu.reset());

    it("the fixture is 0.1.0's shim: seven methods, each loading the runtime by its package specifier", () => {
        assert.equal(Buffer.byteLength(PROVIDER_0_1_0), 2448);
        assert.equal(PROVIDER_0_1_0.match(/require\("pulumi-cce-clustercert\/runtime"\)/g)?.length, 7);
        assert.equal(STATE_0_1_0.outputs.__provider, PROVIDER_0_1_0, "the stored state holds the same text");
        assert.equal("context" in STATE_0_1_0.outputs, false, "0.1.0 stored no context when none was given");
    });

    it("creates with the old shim text: one call, a certificate, secret outputs", async () => {
        const res = await engine.up(undefined, inputsWithOldShim({ duration: 30 }), { name: "fresh", type: TYPE, additionalSecretOutputs: oldState().additionalSecretOutputs });
        assert.equal(res.op, "create");
        assert.equal(emu.calls.count({ route: "clustercert" }), 1);
        assert.match(String(res.state.outputs.clientKey), /BEGIN RSA PRIVATE KEY/);
        assert.equal(res.state.outputs.context, "external");
        assert.ok(res.state.secretOutputs.has("kubeconfig"));
    });

    it("sees no change for the 0.1.0 resource with the same inputs, without a call", async () => {
        const res = await engine.up(oldState(), inputsWithOldShim());
        assert.equal(res.op, "same", JSON.stringify(res.diff));
        assert.equal(emu.calls.entries.length, 0);
    });

    it("refreshes the 0.1.0 resource: no call, outputs kept, the inputs it records", async () => {
        const refreshed = await engine.refresh(oldState());
        assert.ok(refreshed);
        assert.equal(emu.calls.entries.length, 0);
        assert.deepEqual(refreshed.outputs, oldState().outputs);
        assert.equal(stripSecrets(refreshed.inputs.clusterId ?? null), CLUSTER.id);
        assert.equal(refreshed.inputs.context, "external", "the effective context of a state that stored none");
    });

    it("updates the 0.1.0 resource in place (context) from its stored kubeconfig, no call", async () => {
        const res = await engine.up(oldState(), inputsWithOldShim({ context: "internal" }));
        assert.equal(res.op, "update");
        assert.equal(emu.calls.entries.length, 0);
        assert.equal(res.state.outputs.context, "internal");
        assert.equal(res.state.outputs.currentContext, "internal");
        assert.equal(res.state.outputs.serialNumber, STATE_0_1_0.outputs.serialNumber);
        assert.equal(res.state.outputs.__provider, PROVIDER_0_1_0);
    });

    it("renews a due 0.1.0 resource on up: a replacement through the old shim", async () => {
        const due = oldState();
        due.outputs = { ...due.outputs, issuedAt: new Date(Date.now() - 360 * DAY_MS).toISOString(), expiresAt: new Date(Date.now() + 5 * DAY_MS).toISOString() };
        const res = await engine.up(due, inputsWithOldShim());
        assert.equal(res.op, "replace");
        assert.deepEqual(res.diff?.replaces, ["expiresAt"]);
        assert.equal(emu.calls.count({ route: "clustercert" }), 1);
        assert.equal(emu.calls.count({ route: "clustercertrevoke" }), 1, "revokeOnDelete: the old one is revoked first");
    });

    it("deletes the 0.1.0 resource: revokes its user with the credentials 0.1.0 stored", async () => {
        await engine.destroy(oldState());
        const revoke = emu.calls.last({ route: "clustercertrevoke" });
        assert.ok(revoke, "a revocation");
        assert.equal(revoke.status, 200);
        assert.equal(revoke.accessKey, CREDENTIAL.accessKey);
        assert.equal(stripSecrets((STATE_0_1_0.outputs.userId ?? null) as never), CREDENTIAL.userId);
    });
});
