/**
 * Negative controls for the AK/SK signature, end to end: the provider's real client (in the real
 * dynamic-provider host) signs a clustercert request, a man in the middle (test/proxy/tamper-proxy.ts,
 * trusted through the emulator's root CA) changes it after signing, and the emulator — whose
 * signature check shares no code with the provider — must refuse it with 401 APIGW.0301. The
 * untouched request through the same proxy succeeds (positive control), so each refusal is caused
 * by the change and nothing else.
 */
import assert from "node:assert/strict";
import { CceEmulator } from "../emulator";
import { demoOptions } from "../emulator/options";
import { baseEnv, registered, up } from "../harness/clustercert";
import { Engine } from "../harness/engine";
import { REPO_ROOT } from "../harness/program";
import { TamperProxy, untouched, type Tamper } from "../proxy/tamper-proxy";

const opts = demoOptions();
const CRED = opts.credentials![0]!;
const PROJECT = opts.projects![0]!;
const TARGET = opts.clusters![1]!;
const OTHER = opts.clusters![0]!;

describe("signature refusals: requests changed after the provider signed them get 401", function () {
    this.timeout(120_000);
    let emu: CceEmulator;
    let proxy: TamperProxy;
    let engine: Engine;
    let n = 0;

    before(async () => {
        emu = await CceEmulator.start(opts);
        proxy = await TamperProxy.start(emu.url, { certPem: emu.caCertPem, keyPem: emu.caKeyPem });
        engine = await Engine.start({ cwd: REPO_ROOT, env: baseEnv(emu, { HW_ACCESS_KEY: CRED.accessKey, HW_SECRET_KEY: CRED.secretKey }) });
    });
    after(async () => {
        await engine?.stop();
        await proxy?.stop();
        await emu?.stop();
    });
    afterEach(() => {
        proxy.tamper = untouched;
    });

    /** One create through the proxy with `tamper` applied; resolves with the error (or undefined) and the emulator's record. */
    async function createThrough(tamper: Tamper) {
        proxy.tamper = tamper;
        const from = emu.calls.entries.length;
        const name = `t${n++}`;
        const inputs = await registered({ clusterId: TARGET.id, projectId: PROJECT.id, endpoint: proxy.url, duration: 7, maxRetries: 0 }, name);
        let error: Error | undefined;
        try {
            await up(engine, undefined, inputs, name);
        } catch (e) {
            error = e as Error;
        }
        const calls = emu.calls.entries.slice(from);
        assert.equal(calls.length, 1, `exactly one request reached the emulator: ${JSON.stringify(emu.calls.counts())}`);
        return { error, call: calls[0]! };
    }

    function assertRefused(r: Awaited<ReturnType<typeof createThrough>>, reason: RegExp): void {
        assert.equal(r.call.status, 401);
        assert.equal(r.call.errorCode, "APIGW.0301");
        assert.equal(r.call.authenticated, false);
        assert.ok(r.error, "the create must fail");
        assert.match(r.error.message, /CCE clustercert failed: 401 APIGW\.0301 "Incorrect IAM authentication information: /);
        assert.match(r.error.message, reason);
    }

    it("lets the untouched request through the proxy (positive control)", async () => {
        const r = await createThrough(untouched);
        assert.equal(r.error, undefined, r.error?.message);
        assert.equal(r.call.status, 200);
        assert.equal(r.call.accessKey, CRED.accessKey);
        assert.match(proxy.received.at(-1)!.headers.authorization ?? "", /^SDK-HMAC-SHA256 Access=\S+, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/);
    });

    it("refuses a wrong signature (one hex digit changed)", async () => {
        const r = await createThrough((req) => {
            req.headers.authorization = req.headers.authorization!.replace(/([0-9a-f])$/, (d) => (d === "0" ? "1" : "0"));
            return req;
        });
        assertRefused(r, /verify aksk signature fail/);
    });

    it("refuses the signature over another body (duration 7 → 3650)", async () => {
        const r = await createThrough((req) => {
            const body = JSON.parse(req.body.toString("utf8")) as { duration: number };
            assert.equal(body.duration, 7);
            return { ...req, body: Buffer.from(JSON.stringify({ ...body, duration: 3650 })) };
        });
        assertRefused(r, /verify aksk signature fail/);
    });

    it("refuses the signature replayed against another path (another cluster of the same project)", async () => {
        const r = await createThrough((req) => ({ ...req, target: req.target.replace(TARGET.id, OTHER.id) }));
        assert.equal(r.call.clusterId, OTHER.id);
        assertRefused(r, /verify aksk signature fail/);
        assert.equal(emu.cluster(OTHER.id).certificates().length, 0, "nothing was minted for the other cluster");
    });

    it("refuses a request that lost a signed header (X-Project-Id)", async () => {
        const r = await createThrough((req) => {
            assert.ok(req.headers["x-project-id"]);
            delete req.headers["x-project-id"];
            return req;
        });
        assertRefused(r, /the signed header x-project-id is not in the request/);
    });

    it("refuses a signed header changed in flight (X-Sdk-Date one second later)", async () => {
        const r = await createThrough((req) => {
            const d = req.headers["x-sdk-date"]!;
            const later = new Date(Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15) + 1));
            req.headers["x-sdk-date"] = later.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
            return req;
        });
        assertRefused(r, /verify aksk signature fail/);
    });
});
