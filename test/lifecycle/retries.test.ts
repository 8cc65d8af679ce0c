/**
 * Retries and time limits (issue 4, item 5) through the real dynamic-provider host, with the
 * emulator's fault injection: 429 / APIGW.0308, 502, 503, 504, connection resets and time-outs are
 * retried with exponential backoff and full jitter (base 500 ms), `Retry-After` is honoured, answers
 * that will not change are not retried, `maxRetries` bounds it all (args, then config
 * `huaweicloud:maxRetries`, then env `HW_MAX_RETRIES`, else 5), each retry is logged once without
 * secrets, and a POST that timed out after being sent is retried.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { CceEmulator, faults, type CallRecord } from "../emulator";
import { demoOptions } from "../emulator/options";
import { Engine } from "../harness/engine";
import { REPO_ROOT } from "../harness/program";
import { assertNoSecret, baseEnv, gaps, logsSince, registered, up, startEmulatorAndEngine } from "../harness/clustercert";

const opts = demoOptions();
const CRED = opts.credentials![0]!;
const PROJECT = opts.projects![0]!;
const CLUSTER = opts.clusters![1]!;
const SECRETS = [CRED.accessKey, CRED.secretKey];
const RETRY_LINE = /^cce-clustercert: CCE clustercert: .*; retry (\d+) of (\d+) in (\d+) ms/;

describe("lifecycle: retries and time limits through the real host", function () {
    this.timeout(60_000);
    let emu: CceEmulator;
    let engine: Engine;
    let n = 0;
    const args = (extra: Record<string, unknown> = {}) =>
        registered({ clusterId: CLUSTER.id, projectId: PROJECT.id, endpoint: emu.url, duration: 7, ...extra });
    const certCalls = (from: number): CallRecord[] => emu.calls.entries.slice(from).filter((c) => c.route === "clustercert");
    const statuses = (from: number) => certCalls(from).map((c) => c.status);
    /**
     * Creates one resource; returns the new calls, the host lines since, and the result or error.
     * The host logs one line per retry before retrying, but its output may arrive after the RPC's
     * answer: wait for as many retry lines as the emulator saw attempts beyond the first.
     */
    async function attempt(e: Engine, extra: Record<string, unknown>) {
        const from = emu.calls.entries.length;
        const logFrom = e.host.logs().length;
        const started = Date.now();
        let error: Error | undefined;
        let state;
        try {
            state = (await up(e, undefined, await args(extra), `r${n++}`)).state;
        } catch (err) {
            error = err as Error;
        }
        const ms = Date.now() - started;
        const retriesSeen = Math.max(0, certCalls(from).length - 1);
        await e.host.waitForLogCount(RETRY_LINE, retriesSeen, { from: logFrom });
        const lines = logsSince(e, logFrom);
        return { from, statuses: statuses(from), calls: certCalls(from), lines, retries: lines.filter((l) => RETRY_LINE.test(l)), ms, error, state };
    }

    before(async () => {
        ({ emu, engine } = await startEmulatorAndEngine(opts, CRED, { "huaweicloud:region": PROJECT.name }));
    });
    after(async () => {
        await engine?.stop(); // after the exit every line the host printed is in its log
        if (engine) assertNoSecret(engine.host.logs().join("\n"), SECRETS, "the host's log");
        await emu?.stop();
    });
    afterEach(() => emu.clearFaults());

    it("retries 429 (APIGW.0308) twice then succeeds, with full-jitter backoff, one log line per retry, no secret", async () => {
        emu.inject(faults.throttled({ route: "clustercert", times: 2 }));
        const r = await attempt(engine, { maxRetries: 3 });
        assert.equal(r.error, undefined);
        assert.deepEqual(r.statuses, [429, 429, 200]);
        assert.equal(r.retries.length, 2, r.lines.join("\n"));
        r.retries.forEach((line, i) => {
            const m = RETRY_LINE.exec(line)!;
            assert.equal(Number(m[1]), i + 1);
            assert.equal(Number(m[2]), 3);
            assert.ok(Number(m[3]) < 500 * 2 ** i, `retry ${i + 1} waits less than ${500 * 2 ** i} ms (full jitter): ${line}`);
            assert.match(line, /429 APIGW\.0308 \(request id [0-9a-f-]{36}\)/);
            assertNoSecret(line, SECRETS, "a retry line");
        });
        const waited = gaps(r.calls.map((c) => c.time));
        waited.forEach((g, i) => assert.ok(g >= Number(RETRY_LINE.exec(r.retries[i]!)![3]) - 20, `waited ${g} ms`));
    });

    it("retries 503, 502 (an HTML page) and 504", async () => {
        emu.inject(faults.gatewayError(503, "APIGW.0202", "Service unavailable", { route: "clustercert" }));
        emu.inject(faults.html(502, "502 Bad Gateway", { route: "clustercert" }));
        emu.inject(faults.cceError(504, "CCE.01504001", "Gateway timeout", { route: "clustercert" }));
        const r = await attempt(engine, { maxRetries: 3 });
        assert.equal(r.error, undefined, r.error?.message);
        assert.deepEqual(r.statuses, [503, 502, 504, 200]);
        assert.deepEqual(r.retries.map((l) => /: (\d{3})/.exec(l)?.[1]), ["503", "502", "504"]);
    });

    it("honours Retry-After in seconds", async () => {
        emu.inject(faults.throttled({ route: "clustercert", retryAfter: 1 }));
        const a = await attempt(engine, { maxRetries: 1 });
        assert.deepEqual(a.statuses, [429, 200]);
        assert.ok(gaps(a.calls.map((c) => c.time))[0]! >= 950, "waited the advised second (full jitter alone waits < 500 ms)");
        assert.match(a.retries[0]!, /retry 1 of 1 in 1000 ms \(Retry-After\)/);
    });

    it("honours Retry-After as an HTTP date: counts from its own clock and never retries before that date", async () => {
        // The emulator writes the date when it answers (2 to 3 s ahead, HTTP dates have whole
        // seconds), so the time serialization, Check and the first request take does not matter.
        emu.inject(faults.throttled({ route: "clustercert", retryAfter: { httpDateInMs: 2000 } }));
        const b = await attempt(engine, { maxRetries: 1 });
        assert.deepEqual(b.statuses, [429, 200]);
        const [throttled, retried] = b.calls as [CallRecord, CallRecord];
        const advised = Date.parse(throttled.retryAfter ?? "");
        assert.ok(advised - throttled.time.getTime() >= 2000, `the emulator advised ${throttled.retryAfter}`);
        const line = RETRY_LINE.exec(b.retries[0]!);
        assert.ok(line, b.lines.join("\n"));
        assert.match(b.retries[0]!, /\(Retry-After\)/, "the wait comes from the header, not from the backoff");
        const wait = Number(line[3]);
        // The client read the answer after the emulator received the request: it cannot have more
        // than (date - that moment) left to wait. (A client reading the date as seconds, or adding
        // its own backoff, would wait longer.)
        assert.ok(wait <= advised - throttled.time.getTime(), `waits ${wait} ms, at most ${advised - throttled.time.getTime()} ms`);
        // However late it read the answer, it must not come back before the advised date (5 ms for
        // the millisecond clocks of two processes).
        assert.ok(retried.time.getTime() >= advised - 5, `retried at ${retried.time.toISOString()}, advised ${new Date(advised).toISOString()}`);
    });

    it("retries the gateway's throttling code APIGW.0308 under another status", async () => {
        emu.inject(faults.gatewayError(403, "APIGW.0308", "The throttling threshold has been reached", { route: "clustercert" }, { "Retry-After": "0" }));
        const r = await attempt(engine, { maxRetries: 1 });
        assert.deepEqual(r.statuses, [403, 200]);
    });

    it("retries a connection reset", async () => {
        emu.inject(faults.reset({ route: "clustercert" }));
        const r = await attempt(engine, { maxRetries: 2 });
        assert.equal(r.error, undefined, r.error?.message);
        assert.deepEqual(r.statuses, [0, 200]);
        assert.equal(r.retries.length, 1);
        assert.match(r.retries[0]!, /connection reset \((ECONNRESET|UND_ERR_SOCKET)\); retry 1 of 2/);
    });

    it("retries a connection that dies in the middle of the answer", async () => {
        emu.inject(faults.truncatedTransfer('{"kind":"Config","apiVersion":"v1","clusters":[]}', 12, 200, { route: "clustercert" }));
        const r = await attempt(engine, { maxRetries: 2 });
        assert.equal(r.error, undefined, r.error?.message);
        assert.deepEqual(r.statuses, [200, 200]);
        assert.equal(r.retries.length, 1, r.lines.join("\n"));
    });

    it("gives up on a request that hangs after timeoutSeconds, then retries it", async () => {
        emu.inject(faults.hang({ route: "clustercert" }));
        const r = await attempt(engine, { maxRetries: 1, timeoutSeconds: 1 });
        assert.equal(r.error, undefined, r.error?.message);
        assert.deepEqual(r.statuses, [0, 200]);
        assert.ok(r.ms >= 950, `gave up on the hung request after timeoutSeconds, not before (took ${r.ms} ms)`);
        assert.match(r.retries[0]!, /timed out \(.+\); retry 1 of 1/);
    });

    it("retries a POST that timed out after it was sent: the second certificate is the one used, the first is harmless", async () => {
        const minted = () => emu.cluster(CLUSTER.id).certificates();
        const before = minted().length;
        const from = emu.calls.entries.length;
        emu.inject(faults.delay(2000, { route: "clustercert" }));
        const r = await attempt(engine, { maxRetries: 1, timeoutSeconds: 1 });
        assert.equal(r.error, undefined, r.error?.message);
        // The late first request is still minted and answered (to nobody): wait for the emulator to log it.
        await emu.calls.waitFor({ route: "clustercert", status: 200 }, 2, { from });
        const mine = minted().slice(before);
        assert.equal(mine.length, 2, "the server minted a certificate for each POST");
        const serial = new X509Certificate(r.state!.outputs.clientCertificate as string).serialNumber.toUpperCase();
        assert.ok(mine.some((c) => c.serialNumber === serial));
        assert.ok(mine.every((c) => !c.revoked && c.userId === CRED.userId), "the unused one is just another valid certificate of the same user");
    });

    for (const [status, fault] of [
        [400, faults.cceError(400, "CCE.01400001", "Invalid request body", { route: "clustercert" })],
        [401, faults.gatewayError(401, "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail", { route: "clustercert" })],
        [403, faults.cceError(403, "CCE.01403001", "Forbidden", { route: "clustercert" })],
        [404, faults.cceError(404, "CCE.01404001", "Resource not found", { route: "clustercert" })],
        [500, faults.cceError(500, "CCE.01500001", "Internal error", { route: "clustercert" })],
    ] as const) {
        it(`does not retry ${status}: exactly one call`, async () => {
            emu.inject(fault);
            const r = await attempt(engine, { maxRetries: 3 });
            assert.ok(r.error, "fails");
            assert.deepEqual(r.statuses, [status]);
            assert.equal(r.retries.length, 0);
            assert.match(r.error.message, new RegExp(`CCE clustercert failed: ${status} `));
            assert.doesNotMatch(r.error.message, /attempts/);
        });
    }

    it("stops when the retries run out, and the message names the attempts", async () => {
        emu.inject(faults.throttled({ route: "clustercert", times: Infinity }));
        const r = await attempt(engine, { maxRetries: 2 });
        assert.ok(r.error);
        assert.deepEqual(r.statuses, [429, 429, 429]);
        assert.equal(r.retries.length, 2);
        assert.match(r.error.message, /CCE clustercert failed: 429 APIGW\.0308 .* after 3 attempts\. The API gateway throttled the request and the retries ran out/);
        emu.clearFaults();
        emu.inject(faults.hang({ route: "clustercert", times: Infinity }));
        const h = await attempt(engine, { maxRetries: 1, timeoutSeconds: 1 });
        assert.match(h.error!.message, /CCE clustercert failed: no answer from https:\/\/127\.0\.0\.1:\d+ \(timed out.*\) after 2 attempts/);
    });

    describe("maxRetries settings", () => {
        const throttledForever = () => emu.inject(faults.throttled({ route: "clustercert", times: Infinity, retryAfter: 0 }));

        it("defaults to 5 retries (6 attempts)", async () => {
            throttledForever();
            const r = await attempt(engine, {});
            assert.equal(r.statuses.length, 6);
            assert.match(r.error!.message, /after 6 attempts/);
            assert.equal(r.retries.length, 5);
            assert.match(r.retries[4]!, /retry 5 of 5/);
        });

        it("reads config huaweicloud:maxRetries before env HW_MAX_RETRIES, and args before both", async () => {
            const e = await Engine.start({
                cwd: REPO_ROOT,
                env: baseEnv(emu, { HW_ACCESS_KEY: CRED.accessKey, HW_SECRET_KEY: CRED.secretKey, HW_MAX_RETRIES: "3" }),
                config: { "huaweicloud:region": PROJECT.name, "huaweicloud:maxRetries": "1" },
            });
            try {
                throttledForever();
                assert.equal((await attempt(e, {})).statuses.length, 2, "config: 1 retry");
                assert.equal((await attempt(e, { maxRetries: 0 })).statuses.length, 1, "args win");
            } finally {
                await e.stop();
            }
        });

        it("reads env HW_MAX_RETRIES", async () => {
            const e = await Engine.start({
                cwd: REPO_ROOT,
                env: baseEnv(emu, { HW_ACCESS_KEY: CRED.accessKey, HW_SECRET_KEY: CRED.secretKey, HW_MAX_RETRIES: "2" }),
                config: { "huaweicloud:region": PROJECT.name },
            });
            try {
                throttledForever();
                const r = await attempt(e, {});
                assert.equal(r.statuses.length, 3);
                assert.match(r.error!.message, /after 3 attempts/);
            } finally {
                await e.stop();
            }
        });
    });
});
