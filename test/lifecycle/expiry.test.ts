/**
 * Expiry by date (issue 4, item 2) through the real dynamic-provider host: `expiresAt` is sent as
 * the API's `expire_at`; a cloud that rejects `expire_at` gets the whole-day `duration` that covers
 * the requested time, and the provider says so.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { CceEmulator } from "../emulator";
import { demoOptions } from "../emulator/options";
import { CheckFailedError, Engine } from "../harness/engine";
import { DAY_MS, logsSince, registered, up, startEmulatorAndEngine } from "../harness/clustercert";

const opts = demoOptions();
const CRED = opts.credentials![0]!;
const PROJECT = opts.projects![0]!;
const CLUSTER = opts.clusters![1]!;

/** RFC 3339 time `ms` from now, whole seconds (what a user would write). */
function rfc3339In(ms: number): string {
    return new Date(Math.floor((Date.now() + ms) / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function notAfterOf(pem: unknown): Date {
    return new Date(new X509Certificate(pem as string).validTo);
}

describe("lifecycle: expiry by date (expiresAt → expire_at) through the real host", function () {
    this.timeout(60_000);
    let emu: CceEmulator;
    let engine: Engine;
    const args = (extra: Record<string, unknown>) => registered({ clusterId: CLUSTER.id, projectId: PROJECT.id, endpoint: emu.url, ...extra });
    const posts = () => emu.calls.filter({ route: "clustercert", method: "POST" });

    before(async () => {
        ({ emu, engine } = await startEmulatorAndEngine(opts, CRED, { "huaweicloud:region": PROJECT.name }));
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
    });
    afterEach(() => emu.configure({ expireAtSupported: true }));

    it("sends expiresAt (an RFC 3339 time) as expire_at: the certificate ends exactly then, in one POST", async () => {
        const at = rfc3339In(10 * DAY_MS + 3 * 60 * 60 * 1000 + 17 * 60 * 1000);
        const before = posts().length;
        const res = await up(engine, undefined, await args({ expiresAt: at }), "time");
        assert.equal(posts().length - before, 1);
        assert.equal(posts().at(-1)!.status, 200);
        // Only expire_at can produce a notAfter that is not a whole number of days from now.
        assert.equal(notAfterOf(res.state.outputs.clientCertificate).toISOString(), new Date(at).toISOString());
        assert.equal(res.state.outputs.expiresAt, new Date(at).toISOString());
        assert.equal(res.state.outputs.requestedExpiresAt, at);
        assert.equal(res.state.outputs.duration, undefined, "duration is not stored with expiresAt");
        assert.equal(res.state.outputs.apiCall, "POST");
    });

    it("takes an RFC 3339 date (midnight UTC) and a time with an offset", async () => {
        const day = new Date(Date.now() + 40 * DAY_MS).toISOString().slice(0, 10);
        const a = await up(engine, undefined, await args({ expiresAt: day }), "date");
        assert.equal(a.state.outputs.expiresAt, `${day}T00:00:00.000Z`);
        const withOffset = `${day}T12:30:00+02:00`;
        const b = await up(engine, undefined, await args({ expiresAt: withOffset }), "offset");
        assert.equal(b.state.outputs.expiresAt, `${day}T10:30:00.000Z`);
    });

    it("replaces when expiresAt changes, and is stable when it does not", async () => {
        const first = rfc3339In(20 * DAY_MS);
        const a = await up(engine, undefined, await args({ expiresAt: first }), "change");
        const same = await up(engine, a.state, await args({ expiresAt: first }));
        assert.equal(same.op, "same");
        const b = await up(engine, a.state, await args({ expiresAt: rfc3339In(25 * DAY_MS) }));
        assert.equal(b.op, "replace");
        assert.deepEqual(b.diff?.replaces, ["expiresAt"]);
    });

    it("falls back to whole days on a cloud that rejects expire_at: never earlier than asked, and says so", async () => {
        emu.configure({ expireAtSupported: false });
        const at = rfc3339In(7 * DAY_MS + 5 * 60 * 60 * 1000);
        const from = engine.host.logs().length;
        const before = posts();
        const res = await up(engine, undefined, await args({ expiresAt: at }), "fallback");
        const calls = posts().slice(before.length);
        assert.deepEqual(calls.map((c) => c.status), [400, 200], "expire_at refused, then duration accepted");
        assert.equal(calls[0]!.errorCode, "CCE.01400001");
        const notAfter = notAfterOf(res.state.outputs.clientCertificate);
        assert.ok(notAfter.getTime() >= Date.parse(at), `notAfter ${notAfter.toISOString()} must not be before ${at}`);
        assert.ok(notAfter.getTime() - Date.parse(at) < DAY_MS, "rounded up to the next whole day, no more");
        const line = await engine.host.waitForLog((l) => l.includes("rejected expire_at"));
        assert.match(line, /this cloud rejected expire_at \(CCE\.01400001\); requested duration 8 days instead, which expires no earlier than /);
        assert.ok(line.includes(new Date(at).toISOString()), line);
        assert.equal(logsSince(engine, from).filter((l) => l.includes("rejected expire_at")).length, 1);
        assert.equal(res.state.outputs.requestedExpiresAt, at, "the request is kept, so the next up sees no change");
        const again = await up(engine, res.state, await args({ expiresAt: at }));
        assert.equal(again.op, "same");
    });

    it("refuses, before any call, expiresAt less than 15 minutes or more than 5 years ahead, not RFC 3339, or with duration", async () => {
        const before = emu.calls.count();
        const cases: [Record<string, unknown>, RegExp][] = [
            [{ expiresAt: rfc3339In(10 * 60 * 1000) }, /between 15 minutes and 5 years from now/],
            [{ expiresAt: rfc3339In(6 * 366 * DAY_MS) }, /between 15 minutes and 5 years from now/],
            [{ expiresAt: "31/01/2027" }, /RFC 3339 date or time/],
            [{ expiresAt: rfc3339In(10 * DAY_MS), duration: 30 }, /either duration or expiresAt, not both/],
        ];
        for (const [extra, reason] of cases) {
            await assert.rejects(up(engine, undefined, await args(extra), "bad"), (e: unknown) => {
                assert.ok(e instanceof CheckFailedError, String(e));
                assert.ok(e.failures.some((f) => f.property === "expiresAt" && reason.test(f.reason)), JSON.stringify(e.failures));
                return true;
            });
        }
        assert.equal(emu.calls.count(), before);
    });
});
