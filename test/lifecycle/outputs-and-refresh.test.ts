/**
 * Issue 11, items 2–5, through the REAL dynamic-provider host against the emulator:
 * - every output declared on `ClusterCert` resolves to a value, or is one of the documented
 *   optional ones and absent exactly when documented — checked on the outputs the host returns and
 *   on the resource object a program sees when those outputs come back;
 * - with `revokeOnDelete`, rotating the credentials given as arguments is an in-place update (no
 *   API call) that stores the new ones, and destroy revokes with the latest;
 * - impossible dates are refused by check (and by the CLI) naming the value;
 * - refresh returns the inputs the state records and warns, without any API call, when the stored
 *   certificate has expired or is within its renewal window.
 */
import assert from "node:assert/strict";
import { ClusterCert } from "../../provider";
import { CLUSTER_CERT_OUTPUTS } from "../../provider/pulumi/resource";
import { CceEmulator } from "../emulator";
import { CheckFailedError, type Engine } from "../harness/engine";
import { stripSecrets } from "../harness/properties";
import { outputDetails, serializeResources } from "../harness/serialize";
import { DAY_MS, registered, startEmulatorAndEngine, up } from "../harness/clustercert";
import { cliEnv, runCli } from "../cli/run-cli";

const PROJECT = { id: "0d11ce0a1b2c3d4e5f60718293a4b5c6", name: "eu-west-0" };
const PUBLIC = { id: "0d11ce01-1b3f-11ef-9e2a-0255ac100001", projectId: PROJECT.id, publicIp: true };
const OLD_CRED = { accessKey: "OUTPUTSOLDACCESSKEY1", secretKey: "OutputsOldSecretKey0123456789abcdefghij" };
const NEW_CRED = { accessKey: "OUTPUTSNEWACCESSKEY2", secretKey: "OutputsNewSecretKey0123456789abcdefghij" };

/** Outputs that may be absent, and when (as documented on the class). */
const OPTIONAL: Record<string, string> = {
    region: "no region set anywhere",
    duration: "expiresAt given",
    requestedExpiresAt: "no expiresAt",
    execCommand: "not exec mode with execCommand",
    clientCertificate: "exec mode",
    clientKey: "exec mode",
    clusterCaCertificate: "no CA data in the answer",
    fingerprint: "exec mode",
    serialNumber: "exec mode",
    issuedAt: "exec mode",
    expiresAt: "exec mode",
    portId: "no Port-ID header",
};

describe("lifecycle: outputs, credential rotation, dates and refresh through the real host", function () {
    /** Host log lines after `from` matching `test`, once the first has arrived (output may trail the answer). */
    function linesSince(from: number, test: (l: string) => boolean): Promise<string[]> {
        return engine.host.waitForLogCount(test, 1, { from });
    }

    this.timeout(120_000);
    let emu: CceEmulator;
    let engine: Engine;
    const base = () => ({ clusterId: PUBLIC.id, projectId: PROJECT.id, endpoint: emu.url, region: PROJECT.name, maxRetries: 0 });

    before(async () => {
        ({ emu, engine } = await startEmulatorAndEngine({ credentials: [OLD_CRED, NEW_CRED], projects: [PROJECT], clusters: [PUBLIC] }, OLD_CRED));
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
    });
    beforeEach(() => emu.reset());

    describe("every declared output resolves", () => {
        async function declaredOf(state: Record<string, unknown>): Promise<Record<string, unknown>> {
            // A program's ClusterCert whose create returns exactly these outputs (what the engine hands back).
            const values: Record<string, unknown> = {};
            await serializeResources(
                async () => {
                    const cert = new ClusterCert("c", { clusterId: PUBLIC.id });
                    for (const n of [...CLUSTER_CERT_OUTPUTS, "clusterIdentifier" as const]) values[n] = (await outputDetails(cert[n] as never)).value;
                },
                { newResource: () => ({ id: "c_id", state: state as never }) },
            );
            return values;
        }

        it("certificate mode without duration or context: duration 365, context external, every other output set", async () => {
            const { state } = await up(engine, undefined, await registered(base()));
            const o = state.outputs;
            assert.equal(o.duration, 365);
            assert.equal(o.context, "external");
            assert.equal(o.currentContext, "external");
            const values = await declaredOf(o);
            assert.equal(values.duration, 365, "cert.duration resolves although the argument was not given");
            assert.equal(values.context, "external", "cert.context resolves although the argument was not given");
            assert.equal(values.clusterIdentifier, `cce-cluster:${PUBLIC.id}`);
            for (const [k, v] of Object.entries(values)) {
                if (v === undefined) assert.ok(k in OPTIONAL && ["requestedExpiresAt", "execCommand"].includes(k), `${k} is undefined in certificate mode`);
            }
        });

        it("exec mode: only the documented exec-mode outputs are absent", async () => {
            const { state } = await up(engine, undefined, await registered({ ...base(), mode: "exec" }));
            const values = await declaredOf(state.outputs);
            const absent = Object.entries(values).filter(([, v]) => v === undefined).map(([k]) => k).sort();
            assert.deepEqual(absent, ["clientCertificate", "clientKey", "execCommand", "expiresAt", "fingerprint", "issuedAt", "requestedExpiresAt", "serialNumber"]);
            assert.equal(values.duration, 1);
            assert.equal(values.context, "external");
        });

        it("with expiresAt: duration is absent, requestedExpiresAt holds the argument", async () => {
            const at = new Date(Date.now() + 40 * DAY_MS).toISOString().slice(0, 10);
            const { state } = await up(engine, undefined, await registered({ ...base(), expiresAt: at }));
            assert.equal(state.outputs.duration, undefined);
            assert.equal(state.outputs.requestedExpiresAt, at);
        });

        it("a context argument dropped later is no change when it named CCE's own choice", async () => {
            const first = await up(engine, undefined, await registered({ ...base(), context: "external" }));
            const again = await up(engine, first.state, await registered(base()));
            assert.equal(again.op, "same");
            const internal = await up(engine, first.state, await registered({ ...base(), context: "internal" }));
            assert.equal(internal.op, "update");
            assert.equal(internal.state.outputs.context, "internal");
            assert.equal(emu.calls.count({ route: "clustercert" }), 1, "no call for a context change");
        });
    });

    describe("revokeOnDelete and credential rotation", () => {
        it("stores rotated argument credentials with an in-place update (no API call) and revokes with them", async () => {
            const withCreds = async (c: typeof OLD_CRED) => registered({ ...base(), revokeOnDelete: true, accessKey: c.accessKey, secretKey: c.secretKey });
            const created = await up(engine, undefined, await withCreds(OLD_CRED));
            assert.equal(created.state.outputs.accessKey, OLD_CRED.accessKey);
            const same = await up(engine, created.state, await withCreds(OLD_CRED));
            assert.equal(same.op, "same");
            const rotated = await up(engine, created.state, await withCreds(NEW_CRED));
            assert.equal(rotated.op, "update");
            assert.equal(rotated.state.outputs.accessKey, NEW_CRED.accessKey);
            assert.equal(rotated.state.outputs.secretKey, NEW_CRED.secretKey);
            assert.ok(rotated.state.secretOutputs.has("secretKey") && rotated.state.secretOutputs.has("accessKey"));
            assert.equal(rotated.state.outputs.serialNumber, created.state.outputs.serialNumber, "the same certificate");
            assert.equal(emu.calls.count({ route: "clustercert" }), 1, "no call for the rotation");
            await engine.destroy(rotated.state);
            const revoke = emu.calls.last({ route: "clustercertrevoke" });
            assert.ok(revoke, "destroy revoked");
            assert.equal(revoke.status, 200);
            assert.equal(revoke.accessKey, NEW_CRED.accessKey, "with the latest credentials");
        });

        it("without revokeOnDelete a credential change is still no change (nothing is stored)", async () => {
            const created = await up(engine, undefined, await registered({ ...base(), accessKey: OLD_CRED.accessKey, secretKey: OLD_CRED.secretKey }));
            const rotated = await up(engine, created.state, await registered({ ...base(), accessKey: NEW_CRED.accessKey, secretKey: NEW_CRED.secretKey }));
            assert.equal(rotated.op, "same");
            assert.equal(created.state.outputs.accessKey, undefined);
        });
    });

    describe("dates are validated as dates", () => {
        for (const bad of ["2027-02-30", "2027-04-31", "2027-02-29", "2027-06-01T24:00:00Z", "2027-06-01T23:59:60Z", "2027-06-01T12:00:00+24:00"]) {
            it(`check refuses expiresAt ${bad}, naming it`, async () => {
                await assert.rejects(up(engine, undefined, await registered({ ...base(), expiresAt: bad })), (e: Error) => {
                    assert.ok(e instanceof CheckFailedError, e.message);
                    assert.equal(e.failures.length, 1);
                    assert.equal(e.failures[0]!.property, "expiresAt");
                    assert.equal(e.failures[0]!.reason, `expiresAt must be an existing RFC 3339 date or time, e.g. 2027-01-31 or 2027-01-31T12:00:00Z, got "${bad}"`);
                    return true;
                });
                assert.equal(emu.calls.entries.length, 0);
            });
        }
        it("the CLI refuses --expires-at 2027-02-30 with exit 2, naming it", async () => {
            const r = await runCli(["get", "--cluster-id", PUBLIC.id, "--endpoint", emu.url, "--expires-at", "2027-02-30"], cliEnv("/tmp", emu.caFile, { ak: OLD_CRED.accessKey, sk: OLD_CRED.secretKey, projectId: PROJECT.id }));
            assert.equal(r.code, 2);
            assert.match(r.stderr, /--expires-at: expiresAt must be an existing RFC 3339 date or time, .* got "2027-02-30"/);
            assert.equal(emu.calls.entries.length, 0);
        });
    });

    describe("refresh", () => {
        it("returns the inputs the state records, and makes no call", async () => {
            const created = await up(engine, undefined, await registered({ ...base(), duration: 30, context: "internal", revokeOnDelete: true, accessKey: OLD_CRED.accessKey, secretKey: OLD_CRED.secretKey }));
            const calls = emu.calls.entries.length;
            const refreshed = await engine.refresh(created.state);
            assert.ok(refreshed);
            assert.equal(emu.calls.entries.length, calls, "no API call");
            const { __provider: _p, ...inputs } = stripSecrets(refreshed.inputs) as Record<string, unknown>;
            assert.deepEqual(inputs, {
                clusterId: PUBLIC.id, clusterType: "standard", projectId: PROJECT.id, region: PROJECT.name, endpoint: emu.url, duration: 30, context: "internal",
                renewBeforeDays: 30, legacyApi: false, revokeOnDelete: true, mode: "certificate", accessKey: OLD_CRED.accessKey, secretKey: OLD_CRED.secretKey,
            });
            assert.deepEqual(refreshed.outputs, created.state.outputs, "outputs unchanged");
            const again = await up(engine, refreshed, await registered({ ...base(), duration: 30, context: "internal", revokeOnDelete: true, accessKey: OLD_CRED.accessKey, secretKey: OLD_CRED.secretKey }));
            assert.equal(again.op, "same", "an up after the refresh changes nothing");
        });

        for (const [name, daysLeft, expect] of [
            ["within the renewal window", 10, /warning: [^ ]+: the client certificate expires at \S+ \(in (9|10) days\), within its renewal window \(renewBeforeDays 30\): the next pulumi up replaces it/],
            ["expired", -2, /warning: [^ ]+: the client certificate expired at \S+ \(2 days ago\), within its renewal window \(renewBeforeDays 30\): the next pulumi up replaces it/],
        ] as const) {
            it(`warns, without a call, when the certificate is ${name}`, async () => {
                const created = await up(engine, undefined, await registered({ ...base(), duration: 365 }));
                const from = engine.host.logs().length;
                const calls = emu.calls.entries.length;
                // The stored certificate as if `daysLeft` days of its year were left.
                const expiresAt = new Date(Date.now() + daysLeft * DAY_MS);
                const issuedAt = new Date(expiresAt.getTime() - 365 * DAY_MS);
                const shifted = { ...created.state, outputs: { ...created.state.outputs, issuedAt: issuedAt.toISOString(), expiresAt: expiresAt.toISOString() } };
                await engine.refresh(shifted);
                const lines = await linesSince(from, (l) => l.includes("the client certificate"));
                assert.equal(lines.length, 1, lines.join("\n"));
                assert.match(lines[0]!, expect);
                assert.equal(emu.calls.entries.length, calls, "no API call");
            });
        }

        it("says nothing when the certificate is far from its renewal window", async () => {
            const created = await up(engine, undefined, await registered({ ...base(), duration: 365 }));
            const from = engine.host.logs().length;
            await engine.refresh(created.state);
            // A due certificate refreshed next: its warning is the first line about a certificate since `from`.
            const due = { ...created.state, outputs: { ...created.state.outputs, issuedAt: new Date(Date.now() - 364 * DAY_MS).toISOString(), expiresAt: new Date(Date.now() + DAY_MS).toISOString() } };
            await engine.refresh(due);
            const lines = await linesSince(from, (l) => l.includes("the client certificate"));
            assert.equal(lines.length, 1, lines.join("\n"));
            assert.match(lines[0]!, /expires at \S+ \(in (23 hour\(s\)|24 hour\(s\)|1 day)\)/, "only the due certificate's warning");
        });
    });
});
