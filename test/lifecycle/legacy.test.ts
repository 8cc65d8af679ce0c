/**
 * Old clusters (issue 4, item 3) through the real dynamic-provider host: a cluster older than
 * v1.13 refuses the POST (404, 405 or 400 saying so); the provider then uses the deprecated GET and
 * records `apiCall: "GET"`. `legacyApi: true` goes straight to the GET. Other refusals (no such
 * cluster, a bad request) are not mistaken for an old cluster.
 */
import assert from "node:assert/strict";
import { CceEmulator, faults } from "../emulator";
import { demoOptions } from "../emulator/options";
import { Engine } from "../harness/engine";
import { DAY_MS, registered, up, startEmulatorAndEngine } from "../harness/clustercert";

const opts = demoOptions();
const CRED = opts.credentials![0]!;
const PROJECT = opts.projects![0]!;
const CURRENT = opts.clusters![1]!;
const LEGACY = { id: "0b1d2c4e-1b3f-11ef-9e2a-0255ac100111", projectId: PROJECT.id, name: "old", publicIp: false, version: "v1.11" };
const CODES = { 404: "CCE.01404002", 405: "CCE.01405001", 400: "CCE.01400001" } as const;

describe("lifecycle: old clusters (deprecated GET) through the real host", function () {
    this.timeout(60_000);
    let emu: CceEmulator;
    let engine: Engine;
    const args = (clusterId: string, extra: Record<string, unknown> = {}) =>
        registered({ clusterId, projectId: PROJECT.id, endpoint: emu.url, maxRetries: 0, ...extra });
    /** "METHOD status" of every clustercert call after `from`. */
    const since = (from: number) =>
        emu.calls.entries.slice(from).filter((c) => c.route === "clustercert").map((c) => `${c.method} ${c.status}`);

    before(async () => {
        // EC P-256 (SEC1) client keys on purpose: the other engine and lifecycle tests use RSA 2048
        // PKCS#1, what CCE hands out; this file and concurrency.test.ts keep EC keys covered.
        ({ emu, engine } = await startEmulatorAndEngine({ ...opts, keyType: "ec", clusters: [...opts.clusters!, LEGACY] }, CRED, { "huaweicloud:region": PROJECT.name }));
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
    });
    afterEach(() => {
        emu.configure({ legacyPostStatus: 404 });
        emu.clearFaults();
    });

    for (const status of [404, 405, 400] as const) {
        it(`falls back to the deprecated GET when a v1.11 cluster answers the POST with ${status}, and records apiCall GET`, async () => {
            emu.configure({ legacyPostStatus: status });
            const from = emu.calls.entries.length;
            const res = await up(engine, undefined, await args(LEGACY.id, { duration: 30 }), `legacy${status}`);
            assert.deepEqual(since(from), [`POST ${status}`, "GET 200"]);
            assert.equal(emu.calls.entries.slice(from).find((c) => c.method === "POST")!.errorCode, CODES[status]);
            assert.equal(res.state.outputs.apiCall, "GET");
            // The GET takes no duration: its certificate is valid 5 years.
            const years = (Date.parse(res.state.outputs.expiresAt as string) - Date.now()) / (365 * DAY_MS);
            assert.ok(years > 4.9 && years < 5.1, `${years} years`);
            const line = await engine.host.waitForLog((l) => l.includes(`the cluster refused the POST (${status} ${CODES[status]})`));
            assert.match(line, /used the deprecated GET \(clusters older than v1\.13\), which takes no duration/);
            // The stored request is unchanged, so the next up is quiet (no replacement loop).
            const again = await up(engine, res.state, await args(LEGACY.id, { duration: 30 }));
            assert.equal(again.op, "same");
        });
    }

    it("also falls back when an expiresAt POST is refused by an old cluster (400), without trying duration first", async () => {
        emu.configure({ legacyPostStatus: 400 });
        const at = new Date(Date.now() + 30 * DAY_MS).toISOString();
        const from = emu.calls.entries.length;
        const res = await up(engine, undefined, await args(LEGACY.id, { expiresAt: at }), "legacyAt");
        assert.deepEqual(since(from), ["POST 400", "GET 200"]);
        assert.equal(res.state.outputs.apiCall, "GET");
    });

    it("uses only the GET with legacyApi: true (old and current clusters)", async () => {
        for (const id of [LEGACY.id, CURRENT.id]) {
            const from = emu.calls.entries.length;
            const res = await up(engine, undefined, await args(id, { legacyApi: true }), `forced-${id.slice(-3)}`);
            assert.deepEqual(since(from), ["GET 200"]);
            assert.equal(res.state.outputs.apiCall, "GET");
            assert.equal(res.state.outputs.legacyApi, true);
        }
    });

    it("records apiCall POST on a current cluster, and switching legacyApi later is an in-place update without a call", async () => {
        const a = await up(engine, undefined, await args(CURRENT.id), "switch");
        assert.equal(a.state.outputs.apiCall, "POST");
        const before = emu.calls.count();
        const b = await up(engine, a.state, await args(CURRENT.id, { legacyApi: true }));
        assert.equal(b.op, "update");
        assert.equal(emu.calls.count(), before);
        assert.equal(b.state.outputs.legacyApi, true);
        assert.equal(b.state.outputs.apiCall, "POST", "the certificate in use was still issued by the POST");
    });

    it("does not mistake a missing cluster (404 CCE.01404001) for an old one: one POST, no GET", async () => {
        const from = emu.calls.entries.length;
        await assert.rejects(up(engine, undefined, await args("no-such-cluster"), "missing"), /404 CCE\.01404001 .*does not exist/);
        assert.deepEqual(since(from), ["POST 404"]);
    });

    it("does not mistake an ordinary 400 for an old cluster: one POST, no GET", async () => {
        emu.inject(faults.cceError(400, "CCE.01400001", "Invalid request body: duration must be -1 or an integer between 1 and 1827", { route: "clustercert" }));
        const from = emu.calls.entries.length;
        await assert.rejects(up(engine, undefined, await args(CURRENT.id), "bad400"), /400 CCE\.01400001 "Invalid request body: duration/);
        assert.deepEqual(since(from), ["POST 400"]);
    });

    it("names both refusals when the GET fallback fails too", async () => {
        emu.inject(faults.cceError(403, "CCE.01403001", "Forbidden: no permission for the deprecated API", { route: "clustercert", method: "GET" }));
        const from = emu.calls.entries.length;
        await assert.rejects(up(engine, undefined, await args(LEGACY.id), "bothfail"), (e: Error) => {
            assert.match(e.message, /403 CCE\.01403001/, "the GET's own error");
            assert.match(e.message, /refused the POST \(404 CCE\.01404002\)/, "and why the GET was tried");
            return true;
        });
        assert.deepEqual(since(from), ["POST 404", "GET 403"]);
    });
});
