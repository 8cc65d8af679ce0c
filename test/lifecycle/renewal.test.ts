/**
 * Renewal (issue 4, item 1) through the real dynamic-provider host: `pulumi up` replaces a
 * certificate that expires within `renewBeforeDays` (clamped to a third of its lifetime), says why
 * and when; a fresh certificate is never due; `pulumi refresh` never calls the API.
 *
 * Months cannot be waited for: the emulator's clock is moved back while it mints, so that a
 * 1-day certificate comes out already close to its end, or the stored state is edited.
 */
import assert from "node:assert/strict";
import { CceEmulator } from "../emulator";
import { demoOptions } from "../emulator/options";
import { Engine, type ResourceState } from "../harness/engine";
import type { PropertyMap } from "../harness/properties";
import { DAY_MS, logsSince, registered, up, startEmulatorAndEngine } from "../harness/clustercert";

const opts = demoOptions();
const CRED = opts.credentials![0]!;
const PROJECT = opts.projects![0]!;
const CLUSTER = opts.clusters![1]!;
const HOUR_MS = 60 * 60 * 1000;

function daysLeft(state: ResourceState): number {
    return (Date.parse(state.outputs.expiresAt as string) - Date.now()) / DAY_MS;
}

/** The same state with the certificate's dates replaced (what an old state file would hold). */
function withDates(state: ResourceState, issuedAt: number, expiresAt: number): ResourceState {
    return { ...state, outputs: { ...state.outputs, issuedAt: new Date(issuedAt).toISOString(), expiresAt: new Date(expiresAt).toISOString() } };
}

describe("lifecycle: renewal through the real host", function () {
    this.timeout(60_000);
    let emu: CceEmulator;
    let engine: Engine;
    /** Ids of resources only refreshed: no line may ever announce their replacement (checked once the host exited); a due one is only warned about. */
    const refreshedIds: string[] = [];
    const args = (extra: Record<string, unknown> = {}) =>
        registered({ clusterId: CLUSTER.id, projectId: PROJECT.id, endpoint: emu.url, iamEndpoint: emu.url, ...extra });

    before(async () => {
        // The emulator's clock is moved while it mints: allow the resulting X-Sdk-Date skew.
        ({ emu, engine } = await startEmulatorAndEngine({ ...opts, clockSkewToleranceMs: 3 * DAY_MS }, CRED, { "huaweicloud:region": PROJECT.name }));
    });
    after(async () => {
        await engine?.stop();
        if (engine) {
            // Host output may arrive late; after the exit it has all arrived.
            const late = engine.host.logs().filter((l) => refreshedIds.some((id) => l.includes(id)) && /will be replaced|replaced by a new one/.test(l));
            assert.deepEqual(late, [], "refresh announced a renewal");
        }
        await emu?.stop();
    });
    afterEach(() => emu.configure({ now: () => new Date() }));

    it("never finds a freshly issued 1-day certificate due: the window is clamped to a third of its lifetime", async () => {
        const inputs = await args({ duration: 1 });
        const created = await up(engine, undefined, inputs, "fresh");
        assert.equal(created.op, "create");
        assert.ok(daysLeft(created.state) > 0.99, `expires in ${daysLeft(created.state)} days`);
        const before = emu.calls.count();
        const again = await up(engine, created.state, inputs);
        assert.equal(again.op, "same", "a fresh certificate must not be replaced (renewBeforeDays 30 > its lifetime)");
        assert.equal(emu.calls.count(), before);
        const third = await up(engine, again.state, inputs);
        assert.equal(third.op, "same");
    });

    it("never finds a fresh certificate due even with the largest renewBeforeDays", async () => {
        const inputs = await args({ duration: 30, renewBeforeDays: 1826 });
        const created = await up(engine, undefined, inputs, "wide");
        const again = await up(engine, created.state, inputs);
        assert.equal(again.op, "same");
    });

    it("replaces a certificate that expires within the window on up, and the host's log says why and when", async () => {
        // Minted 23 hours "ago" for 1 day: it expires in about an hour.
        emu.configure({ now: () => new Date(Date.now() - 23 * HOUR_MS) });
        const inputs = await args({ duration: 1 });
        const old = (await up(engine, undefined, inputs, "near")).state;
        emu.configure({ now: () => new Date() });
        const left = (Date.parse(old.outputs.expiresAt as string) - Date.now()) / HOUR_MS;
        assert.ok(left > 0.9 && left < 1.1, `the old certificate expires in ${left} hours`);

        const from = engine.host.logs().length;
        const posts = emu.calls.count({ route: "clustercert" });
        const res = await up(engine, old, inputs);
        assert.equal(res.op, "replace");
        assert.deepEqual(res.diff?.replaces, ["expiresAt"]);
        assert.equal(emu.calls.count({ route: "clustercert" }) - posts, 1, "one new certificate");
        assert.notEqual(res.state.id, old.id);
        assert.ok(daysLeft(res.state) > 0.99, "the new certificate has its full lifetime");
        const line = await engine.host.waitForLog((l) => l.includes(`${old.id}: the client certificate expires at`));
        assert.ok(line.includes(old.outputs.expiresAt as string), `the line names when: ${line}`);
        // A 1-day certificate: the window is a third of its lifetime, not renewBeforeDays, and the line says so.
        assert.match(line, /within its renewal window \(renewBeforeDays 30, at most a third of its lifetime: 8 hour\(s\)\): it will be replaced/);
        assert.equal(logsSince(engine, from).filter((l) => l.includes("renewal window")).length, 1, "said once");

        // No replacement loop: the new certificate is not due.
        const again = await up(engine, res.state, inputs);
        assert.equal(again.op, "same");
    });

    it("replaces an already expired certificate and says it expired", async () => {
        const inputs = await args({ duration: 30 });
        const created = (await up(engine, undefined, inputs, "expired")).state;
        const now = Date.now();
        const expired = withDates(created, now - 31 * DAY_MS, now - DAY_MS);
        const res = await up(engine, expired, inputs);
        assert.equal(res.op, "replace");
        assert.deepEqual(res.diff?.replaces, ["expiresAt"]);
        const line = await engine.host.waitForLog((l) => l.includes(`${created.id}: the client certificate expired at`));
        assert.ok(line.includes(expired.outputs.expiresAt as string), line);
        assert.ok(daysLeft(res.state) > 29.9);
    });

    it("honours renewBeforeDays: 20 days left is due with the default 30, not with 10", async () => {
        const now = Date.now();
        const dflt = await args({ duration: 365 });
        const a = (await up(engine, undefined, dflt, "r30")).state;
        const aOld = withDates(a, now - 345 * DAY_MS, now + 20 * DAY_MS);
        const ra = await up(engine, aOld, dflt);
        assert.equal(ra.op, "replace");
        await engine.host.waitForLog((l) => l.includes(`${a.id}: the client certificate expires at ${aOld.outputs.expiresAt as string}`));

        const ten = await args({ duration: 365, renewBeforeDays: 10 });
        const b = (await up(engine, undefined, ten, "r10")).state;
        const bOld = withDates(b, now - 345 * DAY_MS, now + 20 * DAY_MS);
        const before = emu.calls.count();
        const rb = await up(engine, bOld, ten);
        assert.equal(rb.op, "same");
        assert.equal(emu.calls.count(), before);
    });

    it("shows the replacement in preview without calling the API", async () => {
        const inputs = await args({ duration: 30 });
        const created = (await up(engine, undefined, inputs, "prev")).state;
        const now = Date.now();
        const due = withDates(created, now - 29 * DAY_MS, now + DAY_MS);
        const before = emu.calls.count();
        const res = await engine.up(due, inputs, { preview: true });
        assert.equal(res.op, "replace");
        assert.deepEqual(res.diff?.replaces, ["expiresAt"]);
        assert.equal(emu.calls.count(), before);
    });

    it("never issues a certificate on refresh, even when the certificate is due or expired", async () => {
        const inputs = await args({ duration: 30 });
        const created = (await up(engine, undefined, inputs, "refresh")).state;
        refreshedIds.push(created.id);
        const now = Date.now();
        for (const state of [created, withDates(created, now - 29 * DAY_MS, now + HOUR_MS), withDates(created, now - 31 * DAY_MS, now - DAY_MS)]) {
            const from = engine.host.logs().length;
            const before = emu.calls.count();
            const refreshed = await engine.refresh(state);
            assert.ok(refreshed, "refresh keeps the resource");
            assert.equal(refreshed!.id, state.id);
            assert.deepEqual(refreshed!.outputs as PropertyMap, state.outputs, "refresh keeps the stored outputs");
            assert.equal(emu.calls.count(), before, "refresh makes no API call");
            // What has arrived so far; the after hook checks again once every line has arrived.
            assert.deepEqual(logsSince(engine, from).filter((l) => /will be replaced|replaced by a new one/.test(l)), [], "refresh does not announce a renewal");
        }
    });
});
