/**
 * Concurrency (issue 4, item 6): 200 ClusterCert creates in parallel through ONE real
 * dynamic-provider host against an emulator that throttles above a global rate. All succeed (the
 * 429s are retried), over a bounded number of TCP connections (the provider's undici agent allows
 * 16 per origin, counted on the emulator's side), with no duplicate ids. Prints the figures.
 *
 * Whether the host outruns the rate limit depends on the machine; the first 20 clustercert
 * requests are therefore answered 429 by an injected fault, so the retry path is exercised on any
 * machine. The limit itself is checked exactly on the emulator's call log (the limiter counts
 * requests at the time the log records).
 */
import assert from "node:assert/strict";
import { MAX_CONNECTIONS_PER_ORIGIN } from "../../provider/huaweicloud/http";
import { CceEmulator, faults } from "../emulator";
import { demoOptions } from "../emulator/options";
import { Engine, type UpResult } from "../harness/engine";
import { assertNoSecret, registered, up, startEmulatorAndEngine } from "../harness/clustercert";

const opts = demoOptions();
const CRED = opts.credentials![0]!;
const PROJECT = opts.projects![0]!;
const CLUSTER = opts.clusters![1]!;
const CREATES = 200;
/** 100 requests per second for everyone (the gateway's "api" policy), counted over 100 ms windows so that bursts are throttled on any machine. */
const RATE_LIMIT = { limit: 10, windowMs: 100, scope: "global" as const };
const PER_SECOND = (RATE_LIMIT.limit * 1000) / RATE_LIMIT.windowMs;
/** 429s the test injects whatever the machine's speed. */
const INJECTED_429 = 20;

describe("lifecycle: 200 parallel creates through one host", function () {
    this.timeout(120_000);
    let emu: CceEmulator;
    let engine: Engine;

    before(async () => {
        // EC keys on purpose: 200 certificates (RSA 2048 keys cost far more to mint), and EC keys stay covered end to end.
        ({ emu, engine } = await startEmulatorAndEngine({ ...opts, keyType: "ec", rateLimit: RATE_LIMIT }, CRED, { "huaweicloud:region": PROJECT.name }));
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
    });

    it(`creates ${CREATES} certificates in parallel: all succeed, unique ids, at most ${MAX_CONNECTIONS_PER_ORIGIN} connections`, async () => {
        const inputs = await registered({ clusterId: CLUSTER.id, projectId: PROJECT.id, endpoint: emu.url, duration: 30 });
        emu.reset();
        emu.resetConnectionStats();
        const injected = emu.inject(faults.throttled({ route: "clustercert", times: INJECTED_429 }));
        const logFrom = engine.host.logs().length;
        const rssBefore = engine.host.rssBytes() ?? 0;

        const started = Date.now();
        const settled = await Promise.allSettled(Array.from({ length: CREATES }, (_, i) => up(engine, undefined, inputs, `c${i}`)));
        const wallMs = Date.now() - started;

        const failures = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected");
        assert.deepEqual(failures.map((f) => String(f.reason).slice(0, 300)), [], "every create succeeds");
        const results = settled.map((s) => (s as PromiseFulfilledResult<UpResult>).value);
        const ids = new Set(results.map((r) => r.state.id));
        const serials = new Set(results.map((r) => r.state.outputs.serialNumber));
        assert.equal(ids.size, CREATES, "no duplicate ids");
        assert.equal(serials.size, CREATES, "no duplicate certificates");
        for (const r of results) assert.equal(r.op, "create");

        const calls = emu.calls.filter({ route: "clustercert" });
        const ok = calls.filter((c) => c.status === 200).length;
        const throttled = calls.filter((c) => c.status === 429).length;
        const other = calls.filter((c) => c.status !== 200 && c.status !== 429);
        assert.equal(ok, CREATES, "one successful clustercert call per create");
        assert.deepEqual(other.map((c) => c.status), [], "only 200 and 429 answers");
        const conn = emu.connectionStats();
        assert.ok(conn.accepted >= 1 && conn.accepted <= MAX_CONNECTIONS_PER_ORIGIN, `TCP connections accepted: ${conn.accepted}`);
        assert.ok(conn.peakOpen <= MAX_CONNECTIONS_PER_ORIGIN, `TCP connections open at once: ${conn.peakOpen}`);

        assert.equal(injected.hits, INJECTED_429, "the injected 429s were all answered");
        assert.equal(calls.filter((c) => c.status === 429 && c.fault !== undefined).length, INJECTED_429);

        // The limit, exactly: the limiter counts requests at their call-log time, so no window of
        // windowMs may hold more than `limit` requests it let through.
        const passed = calls.filter((c) => c.status === 200).map((c) => c.time.getTime()).sort((a, b) => a - b);
        let fullest = 0;
        for (let i = 0, j = 0; i < passed.length; i++) {
            while ((passed[j] as number) <= (passed[i] as number) - RATE_LIMIT.windowMs) j++;
            fullest = Math.max(fullest, i - j + 1);
        }
        assert.ok(fullest <= RATE_LIMIT.limit, `${fullest} requests let through within ${RATE_LIMIT.windowMs} ms`);
        // Per-second view of the emulator's answers (printed).
        const t0 = calls[0]!.time.getTime();
        const perSecond = new Map<number, number>();
        for (const c of calls) if (c.status === 200) perSecond.set(Math.floor((c.time.getTime() - t0) / 1000), (perSecond.get(Math.floor((c.time.getTime() - t0) / 1000)) ?? 0) + 1);
        const peakPerSecond = Math.max(...perSecond.values());

        // One log line per retry: the host prints it before retrying, but it may arrive after the answers.
        const retryLines = await engine.host.waitForLogCount(/retry \d+ of \d+/, throttled, { from: logFrom });
        assertNoSecret(engine.host.logs().join("\n"), [CRED.accessKey, CRED.secretKey], "the host's log");
        const figures = {
            creates: CREATES,
            rateLimit: `${RATE_LIMIT.limit} per ${RATE_LIMIT.windowMs} ms (${PER_SECOND}/s), global`,
            wallMs,
            createsPerSecond: Number((CREATES / (wallMs / 1000)).toFixed(1)),
            clustercertCalls: calls.length,
            callsPerSecond: Number((calls.length / (wallMs / 1000)).toFixed(1)),
            answered429: throttled,
            answered429ByTheLimiter: throttled - INJECTED_429,
            fullestWindow: fullest,
            retryLogLines: retryLines.length,
            mostRetriesOfOneRequest: Math.max(0, ...retryLines.map((l) => Number(/retry (\d+) of/.exec(l)?.[1] ?? 0))),
            tcpConnectionsAccepted: conn.accepted,
            tcpConnectionsPeakOpen: conn.peakOpen,
            successfulCallsPerSecondPeak: peakPerSecond,
            hostRssMiB: Math.round((engine.host.memoryUsage()?.peakRssBytes ?? 0) / 1048576),
            hostRssBeforeMiB: Math.round(rssBefore / 1048576),
        };
        // eslint-disable-next-line no-console
        console.log(`      concurrency figures: ${JSON.stringify(figures)}`);
        assert.equal(retryLines.length, throttled, "one log line per retry");
        assert.ok(throttled >= INJECTED_429, "the host was throttled (at least the injected 429s) and retried every one");
    });
});
