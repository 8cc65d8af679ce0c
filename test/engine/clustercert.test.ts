/**
 * Engine level: the real dynamic-provider host of @pulumi/pulumi, started as the engine starts it
 * (cwd = the program directory), fed the __provider text the real serializer produced, and driven
 * over gRPC through create, diff, update, replace, refresh and delete against the CCE emulator.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import YAML from "yaml";
import { baseEnv, DOCUMENTED_SECRET_OUTPUTS, registered, up } from "../harness/clustercert";
import { CceEmulator } from "../emulator";
import { demoOptions } from "../emulator/options";
import { Engine, CheckFailedError, type ResourceState } from "../harness/engine";
import { REPO_ROOT } from "../harness/program";
import type { PropertyMap } from "../harness/properties";

const opts = demoOptions();
const CRED = opts.credentials![0]!;
const PROJECT = opts.projects![0]!;
const PUBLIC = opts.clusters![0]!;
const PRIVATE = opts.clusters![1]!;

const AKSK_ENV = { HW_ACCESS_KEY: CRED.accessKey, HW_SECRET_KEY: CRED.secretKey };
/** Temporary credentials: requests must carry X-Security-Token, and it is signed. */
const TEMP = { accessKey: "TEMPORARYACCESSKEY01", secretKey: "TemporarySecretKey0123456789abcdefghijkl", securityToken: "gQpzZWN1cml0eS10b2tlbi1wbGFudGVk" };

describe("ClusterCert through the real dynamic-provider host", function () {
    this.timeout(120_000);
    let emu: CceEmulator;
    let engine: Engine;
    let inputs: PropertyMap;
    let state: ResourceState;

    const posts = () => emu.calls.count({ route: "clustercert" });

    before(async () => {
        emu = await CceEmulator.start({ ...opts, credentials: [...opts.credentials!, TEMP] }); // RSA 2048 PKCS#1 client keys, as CCE hands out
        engine = await Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu, AKSK_ENV), config: { "huaweicloud:region": PROJECT.name } });
        inputs = await registered({ clusterId: PUBLIC.id, projectId: PROJECT.id, endpoint: emu.url, iamEndpoint: emu.url, duration: 30 });
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
    });

    it("creates with exactly one clustercert call and returns secret kubeconfig and PEM outputs", async () => {
        const before = posts();
        const res = await up(engine, undefined, inputs);
        state = res.state;
        assert.equal(res.op, "create");
        assert.equal(posts() - before, 1);
        const o = state.outputs as Record<string, unknown>;
        // What the engine stores as secret follows from what ClusterCert registered (see up()).
        assert.deepEqual([...state.secretOutputs].sort(), [...DOCUMENTED_SECRET_OUTPUTS].sort(), "exactly the kubeconfig and the PEM outputs are stored as secrets");
        assert.match(o.clientKey as string, /^-----BEGIN RSA PRIVATE KEY-----\n/, "the key as CCE hands it out: RSA, PKCS#1");
        const cert = new X509Certificate(o.clientCertificate as string);
        assert.equal(state.id, `${PUBLIC.id}:${cert.serialNumber.toUpperCase()}`);
        assert.equal(o.userId, CRED.userId);
        assert.equal(o.fingerprint, cert.fingerprint256);
        assert.equal(o.expiresAt, new Date(cert.validTo).toISOString());
        const days = (Date.parse(o.expiresAt as string) - Date.now()) / 86_400_000;
        assert.ok(days > 29.9 && days <= 30.01, `expires in ${days} days`);
        assert.ok(cert.verify(new X509Certificate(o.clusterCaCertificate as string).publicKey), "client cert is signed by the cluster CA");
        assert.equal(o.currentContext, "external", "a cluster with a public IP answers external as current-context");
        assert.equal(o.insecureSkipTlsVerify, true);
        const kc = YAML.parse(o.kubeconfig as string) as { clusters: { name: string; cluster: Record<string, unknown> }[] };
        assert.equal(kc.clusters.find((c) => c.name === "externalCluster")!.cluster["insecure-skip-tls-verify"], true);
        assert.ok((o.endpoints as Record<string, string>).internal?.startsWith("https://127.0.0.1:"));
        assert.equal(typeof o.portId, "string");
        assert.equal(o.apiCall, "POST");
        assert.ok(!("accessKey" in o) && !("secretKey" in o));
    });

    it("sees no change on a second up, and makes no API call", async () => {
        const before = posts();
        const res = await up(engine, state, inputs);
        assert.equal(res.op, "same");
        assert.equal(posts(), before);
    });

    it("ignores a change of credentials", async () => {
        const withCreds = await registered({ clusterId: PUBLIC.id, projectId: PROJECT.id, endpoint: emu.url, iamEndpoint: emu.url, duration: 30, accessKey: "OTHERAK", secretKey: "OTHERSK" });
        const res = await up(engine, state, withCreds);
        assert.equal(res.op, "same");
    });

    it("updates in place on a change of context, from the stored answer, with full outputs", async () => {
        const before = posts();
        const internal = await registered({ clusterId: PUBLIC.id, projectId: PROJECT.id, endpoint: emu.url, iamEndpoint: emu.url, duration: 30, context: "internal" });
        const res = await up(engine, state, internal);
        assert.equal(res.op, "update");
        assert.equal(posts(), before, "no API call for a context change");
        const o = res.state.outputs as Record<string, unknown>;
        const old = state.outputs as Record<string, unknown>;
        assert.equal(o.currentContext, "internal");
        assert.equal(o.insecureSkipTlsVerify, false);
        assert.equal(o.server, (old.endpoints as Record<string, string>).internal);
        assert.equal((YAML.parse(o.kubeconfig as string) as Record<string, unknown>)["current-context"], "internal");
        for (const k of ["clientKey", "clientCertificate", "userId", "expiresAt", "serialNumber", "portId", "endpoint", "projectId"]) {
            assert.deepEqual(o[k], old[k], `update must return ${k}`);
        }
        for (const k of DOCUMENTED_SECRET_OUTPUTS) assert.ok(res.state.secretOutputs.has(k), `${k} stays a secret after an update`);
        assert.equal(res.state.id, state.id);
        state = res.state;
        inputs = internal;
    });

    it("keeps the stored outputs on refresh without calling the API", async () => {
        const before = emu.calls.count();
        const refreshed = await engine.refresh(state);
        assert.ok(refreshed);
        assert.deepEqual(refreshed!.outputs, state.outputs);
        assert.equal(emu.calls.count(), before);
    });

    it("replaces on a change of duration: one new certificate, no call to delete the old one", async () => {
        const before = emu.calls.count();
        const longer = await registered({ clusterId: PUBLIC.id, projectId: PROJECT.id, endpoint: emu.url, iamEndpoint: emu.url, duration: 90, context: "internal" });
        const res = await up(engine, state, longer);
        assert.equal(res.op, "replace");
        assert.deepEqual(res.diff?.replaces, ["duration"]);
        assert.equal(emu.calls.count() - before, 1);
        assert.notEqual(res.state.id, state.id);
        const days = (Date.parse(res.state.outputs.expiresAt as string) - Date.now()) / 86_400_000;
        assert.ok(days > 89.9 && days <= 90.01);
        state = res.state;
    });

    it("deletes without calling the API", async () => {
        const before = emu.calls.count();
        await engine.destroy(state);
        assert.equal(emu.calls.count(), before);
    });

    it("rejects bad inputs in check with one failure per field, before any call", async () => {
        const before = emu.calls.count();
        const bad = await registered({ clusterId: "../x", duration: 0, context: "public" as never, endpoint: "http://example.com" });
        await assert.rejects(up(engine, undefined, bad, "bad"), (e: unknown) => {
            assert.ok(e instanceof CheckFailedError);
            assert.deepEqual(e.failures.map((f) => f.property).sort(), ["clusterId", "context", "duration", "endpoint"]);
            return true;
        });
        assert.equal(emu.calls.count(), before);
    });

    it("takes credentials from stack config through Configure", async () => {
        const e2 = await Engine.start({
            cwd: REPO_ROOT, env: baseEnv(emu),
            config: { "huaweicloud:region": PROJECT.name, "huaweicloud:accessKey": CRED.accessKey, "huaweicloud:secretKey": CRED.secretKey },
        });
        try {
            const res = await up(e2, undefined, await registered({ clusterId: PRIVATE.id, projectId: PROJECT.id, endpoint: emu.url }, "cfg"), "cfg");
            assert.equal(res.state.outputs.currentContext, "internal", "a cluster without public IP has only internal");
            assert.equal((res.state.outputs.endpoints as Record<string, string>).external, undefined);
        } finally {
            await e2.stop();
        }
    });

    it("discovers the project id from the region, and authenticates with an IAM password", async () => {
        const user = opts.passwordUsers![0]!;
        const e3 = await Engine.start({
            cwd: REPO_ROOT, env: baseEnv(emu, { HW_USER_NAME: user.name, HW_USER_PASSWORD: user.password, HW_DOMAIN_NAME: user.domain }),
            config: { "huaweicloud:region": PROJECT.name },
        });
        try {
            const before = { tokens: emu.calls.count({ route: "iam-tokens" }), projects: emu.calls.count({ route: "iam-projects" }) };
            const res = await up(e3, undefined, await registered({ clusterId: PRIVATE.id, endpoint: emu.url, iamEndpoint: emu.url }, "pw"), "pw");
            assert.equal(res.state.outputs.projectId, PROJECT.id);
            assert.equal(emu.calls.count({ route: "iam-tokens" }) - before.tokens, 1);
            assert.equal(emu.calls.count({ route: "iam-projects" }) - before.projects, 1);
            // A second certificate in the same host reuses the cached token and project id.
            await up(e3, undefined, await registered({ clusterId: PUBLIC.id, endpoint: emu.url, iamEndpoint: emu.url }, "pw2"), "pw2");
            assert.equal(emu.calls.count({ route: "iam-tokens" }) - before.tokens, 1, "the IAM token is cached per process");
            assert.equal(emu.calls.count({ route: "iam-projects" }) - before.projects, 1, "the project id is cached per process");
            assert.equal(emu.calls.filter({ route: "clustercert" }).slice(-2).every((c) => c.auth === "token"), true);
        } finally {
            await e3.stop();
        }
    });

    it("signs with temporary credentials (HW_SECURITY_TOKEN) and fails clearly without the token", async () => {
        const withToken = await Engine.start({
            cwd: REPO_ROOT, env: baseEnv(emu, { HW_ACCESS_KEY: TEMP.accessKey, HW_SECRET_KEY: TEMP.secretKey, HW_SECURITY_TOKEN: TEMP.securityToken }),
        });
        const withoutToken = await Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu, { HW_ACCESS_KEY: TEMP.accessKey, HW_SECRET_KEY: TEMP.secretKey }) });
        try {
            const args = { clusterId: PRIVATE.id, projectId: PROJECT.id, endpoint: emu.url, maxRetries: 0 };
            const res = await up(withToken, undefined, await registered(args, "temp"), "temp");
            assert.equal(res.op, "create");
            await assert.rejects(up(withoutToken, undefined, await registered(args, "temp2"), "temp2"), (e: Error) => {
                assert.match(e.message, /401 APIGW\.0301/);
                assert.ok(!e.message.includes(TEMP.secretKey) && !e.message.includes(TEMP.securityToken));
                return true;
            });
        } finally {
            await withToken.stop();
            await withoutToken.stop();
        }
    });

    it("revokes on delete with the credentials given as args, kept as secret outputs (several accounts per stack)", async () => {
        const e5 = await Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu) }); // no credentials in env or config
        try {
            const args = { clusterId: PRIVATE.id, projectId: PROJECT.id, endpoint: emu.url, revokeOnDelete: true, accessKey: CRED.accessKey, secretKey: CRED.secretKey };
            const res = await up(e5, undefined, await registered(args, "rev"), "rev");
            const o = res.state.outputs as Record<string, unknown>;
            assert.equal(o.accessKey, CRED.accessKey);
            assert.ok(res.state.secretOutputs.has("accessKey") && res.state.secretOutputs.has("secretKey"), "credentials kept for the delete are secret");
            const before = emu.calls.count({ route: "clustercertrevoke" });
            await e5.destroy(res.state);
            const revokes = emu.calls.filter({ route: "clustercertrevoke" }).slice(before);
            assert.equal(revokes.length, 1);
            assert.equal(revokes[0]!.status, 200);
            assert.equal(revokes[0]!.accessKey, CRED.accessKey);
            // Without revokeOnDelete no credential is kept among the outputs.
            const plain = await up(e5, undefined, await registered({ ...args, revokeOnDelete: false }, "norev"), "norev");
            assert.equal("accessKey" in plain.state.outputs, false);
            assert.equal("secretKey" in plain.state.outputs, false);
        } finally {
            await e5.stop();
        }
    });

    it("reports a wrong secret key with the API's answer and without the key", async () => {
        const wrongSk = "WrongSecretKeyPlanted0123456789abcdefghij";
        const e4 = await Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu, { HW_ACCESS_KEY: CRED.accessKey, HW_SECRET_KEY: wrongSk }) });
        try {
            await assert.rejects(
                up(e4, undefined, await registered({ clusterId: PRIVATE.id, projectId: PROJECT.id, endpoint: emu.url, maxRetries: 0 }, "wrong"), "wrong"),
                (e: Error) => {
                    assert.match(e.message, /CCE clustercert failed: 401 APIGW\.0301 .*request id/);
                    assert.ok(!e.message.includes(wrongSk));
                    return true;
                },
            );
            assert.ok(!e4.host.logs().join("\n").includes(wrongSk));
        } finally {
            await e4.stop();
        }
    });
});
