/**
 * The per-origin gate (provider/huaweicloud/gate.ts) on a fake clock: it admits up to its limits,
 * converges toward a gateway's sliding-window limit (a small simulation: 64 workers, a fake gateway
 * that refuses beyond `limit` calls per window, network latency with jitter, callApi's retries), backs off on overload, honours Retry-After, serves waiting calls in ticket order, and
 * never has more than MAX_CONNECTIONS_PER_ORIGIN calls on the wire. No wall clock anywhere: every
 * time is the fake clock's.
 */
import assert from "node:assert/strict";
import { DECREASE, MIN_EVIDENCE, OriginGate, WINDOW_MS, type GateClock, type Outcome, type Permit } from "../../provider/huaweicloud/gate";
import { MAX_CONNECTIONS_PER_ORIGIN } from "../../provider/huaweicloud/http";
import { backoffMs, DEFAULT_BASE_DELAY_MS, DEFAULT_MAX_DELAY_MS } from "../../provider/huaweicloud/retry";
import { rng } from "../support/rng";

/** Timers on a fake clock; `run` advances it from timer to timer, letting promise callbacks settle in between. */
class FakeClock implements GateClock {
    private t = 0;
    private seq = 0;
    private timers: { at: number; seq: number; fn: () => void; cancelled: boolean }[] = [];

    now(): number {
        return this.t;
    }

    setTimer(ms: number, fn: () => void): () => void {
        const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
        this.timers.push(timer);
        return () => {
            timer.cancelled = true;
        };
    }

    sleep(ms: number): Promise<void> {
        return new Promise((resolve) => this.setTimer(ms, resolve));
    }

    /** Pending (not cancelled) timers. */
    pending(): number {
        return this.timers.filter((t) => !t.cancelled).length;
    }

    /** Fires timers in time order until none is left or the next is after `until`. */
    async run(until = Infinity): Promise<void> {
        for (;;) {
            await settle();
            this.timers = this.timers.filter((t) => !t.cancelled);
            if (this.timers.length === 0) {
                if (Number.isFinite(until)) this.t = Math.max(this.t, until);
                return;
            }
            let next = this.timers[0]!;
            for (const t of this.timers) if (t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
            if (next.at > until) {
                this.t = Math.max(this.t, until);
                return;
            }
            this.timers.splice(this.timers.indexOf(next), 1);
            this.t = Math.max(this.t, next.at);
            next.fn();
        }
    }
}

/** Lets every pending promise callback run (setImmediate comes after the microtask queue). */
function settle(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
}


/** Acquires without waiting for the promise: the permit, once granted, lands in `granted`. */
function request(gate: OriginGate, granted: Permit[], ticket?: number): void {
    void gate.acquire(ticket).then((p) => granted.push(p));
}

interface Gateway {
    limit: number;
    windowMs: number;
    /** Extra answers to give first, whatever the window (e.g. 503s), in order. */
    script?: ("throttled" | "overloaded")[];
}

interface SimOptions {
    creates: number;
    concurrency: number;
    gateway: Gateway;
    /** One-way latency: base plus up to `jitterMs`, each way. */
    latencyMs: number;
    jitterMs: number;
    maxRetries: number;
    seed: number;
}

interface SimResult {
    seconds: number;
    createsPerSecond: number;
    refusals: number;
    failures: number;
    maxInFlight: number;
    /** Most calls the gateway accepted within one window. */
    fullestWindow: number;
    /** Calls per second the gateway accepted between the first and the last accepted call. */
    acceptedPerSecond: number;
}

/**
 * `creates` calls by `concurrency` workers through a fresh gate, against a gateway that accepts at
 * most `limit` calls per sliding `windowMs` (counted at arrival; refused calls do not count, as in
 * the emulator). A refused call retries after the policy's full-jitter backoff, up to `maxRetries`.
 */
async function simulate(o: SimOptions): Promise<SimResult> {
    const clock = new FakeClock();
    const gate = new OriginGate(clock);
    const r = rng(o.seed);
    const policy = { baseDelayMs: DEFAULT_BASE_DELAY_MS, maxDelayMs: DEFAULT_MAX_DELAY_MS, random: r };
    const arrivals: number[] = [];
    const script = [...(o.gateway.script ?? [])];
    let refusals = 0;
    let failures = 0;
    let onWire = 0;
    let maxInFlight = 0;
    const oneWay = (): number => o.latencyMs + r() * o.jitterMs;
    const gatewayAnswer = (at: number): Outcome => {
        const scripted = script.shift();
        if (scripted) return scripted;
        let inWindow = 0;
        for (let i = arrivals.length - 1; i >= 0 && (arrivals[i] as number) > at - o.gateway.windowMs; i--) inWindow++;
        if (inWindow >= o.gateway.limit) return "throttled";
        arrivals.push(at);
        return "ok";
    };
    const call = async (): Promise<void> => {
        const ticket = gate.ticket();
        for (let attempt = 1; ; attempt++) {
            const permit = await gate.acquire(ticket);
            maxInFlight = Math.max(maxInFlight, ++onWire);
            await clock.sleep(oneWay());
            const outcome = gatewayAnswer(clock.now());
            await clock.sleep(oneWay());
            onWire--;
            const held = gate.release(permit, outcome);
            if (outcome === "ok") return;
            refusals++;
            if (attempt > o.maxRetries) {
                failures++;
                return;
            }
            // As callApi: a throttled call the gate holds comes back at once, any other backs off.
            if (!(outcome === "throttled" && held)) await clock.sleep(backoffMs(attempt - 1, policy));
        }
    };
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < o.creates) {
            next++;
            await call();
        }
    };
    const done = Promise.all(Array.from({ length: o.concurrency }, worker));
    await clock.run();
    await done;
    let fullestWindow = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
        while ((arrivals[j] as number) <= (arrivals[i] as number) - o.gateway.windowMs) j++;
        fullestWindow = Math.max(fullestWindow, i - j + 1);
    }
    const seconds = clock.now() / 1000;
    const span = ((arrivals[arrivals.length - 1] as number) - (arrivals[0] as number)) / 1000;
    return { seconds, createsPerSecond: o.creates / seconds, refusals, failures, maxInFlight, fullestWindow, acceptedPerSecond: (arrivals.length - 1) / span };
}

describe("per-origin gate (fake clock)", () => {
    it("admits up to its capacity at once, then one more for each release", async () => {
        const clock = new FakeClock();
        const gate = new OriginGate(clock);
        const granted: Permit[] = [];
        for (let i = 0; i < MAX_CONNECTIONS_PER_ORIGIN + 5; i++) request(gate, granted);
        await settle();
        assert.equal(granted.length, MAX_CONNECTIONS_PER_ORIGIN);
        assert.equal(gate.state().waiting, 5);
        gate.release(granted[0]!, "ok");
        gate.release(granted[1]!, "neutral");
        await settle();
        assert.equal(granted.length, MAX_CONNECTIONS_PER_ORIGIN + 2);
        assert.equal(gate.state().inFlight, MAX_CONNECTIONS_PER_ORIGIN);
        assert.equal(clock.pending(), 0, "unpaced: no timer");
    });

    it("serves waiting calls in ticket order: a retry goes before calls that came after it, and nobody is overtaken", async () => {
        const clock = new FakeClock();
        const gate = new OriginGate(clock, 1);
        const granted: Permit[] = [];
        const first = gate.ticket();
        request(gate, granted, first);
        await settle();
        const later = [gate.ticket(), gate.ticket(), gate.ticket()];
        for (const t of later) request(gate, granted, t);
        // The first call's attempt fails; it comes back for its retry with its own ticket.
        gate.release(granted[0]!, "neutral");
        request(gate, granted, first);
        for (let i = 0; i < 4; i++) {
            await settle();
            gate.release(granted[granted.length - 1]!, "ok");
        }
        await settle();
        assert.deepEqual(
            granted.map((p) => p.ticket),
            [first, later[0], first, later[1], later[2]],
        );
    });

    it("sets a pace from a 429 after enough accepted calls: DECREASE × the calls accepted in the last window, and pauses until the oldest of them has left it", async () => {
        const clock = new FakeClock();
        const gate = new OriginGate(clock);
        const granted: Permit[] = [];
        // 10 calls answered 2xx at t = 10, 20, …, 100; then one is throttled at t = 110.
        for (let i = 0; i < 10; i++) {
            request(gate, granted);
            await settle();
            await clock.run(clock.now() + 10);
            gate.release(granted[i]!, "ok");
        }
        request(gate, granted);
        await settle();
        await clock.run(110);
        gate.release(granted[10]!, "throttled");
        const s = gate.state();
        assert.equal(s.rate, 10 * DECREASE);
        assert.equal(s.pausedUntil, 10 + WINDOW_MS, "until the first accepted call has left the gateway's window");
        // Nothing starts before the pause ends; then calls are spaced at the pace.
        for (let i = 0; i < 4; i++) request(gate, granted);
        await clock.run(10 + WINDOW_MS - 1);
        assert.equal(granted.length, 11, "held during the pause");
        await clock.run(10 + WINDOW_MS);
        assert.equal(granted.length, 13, "the pace lets a call start half an interval early: two at once at most");
        const interval = 1000 / (10 * DECREASE);
        await clock.run(10 + WINDOW_MS + interval - 1);
        assert.equal(granted.length, 13);
        await clock.run(10 + WINDOW_MS + interval + 0.001); // (floating point)
        assert.equal(granted.length, 14, "then one per interval");
        await clock.run(10 + WINDOW_MS + 2 * interval - 1);
        assert.equal(granted.length, 14);
        await clock.run(10 + WINDOW_MS + 2 * interval + 0.001);
        assert.equal(granted.length, 15);
    });

    it(`ignores a 429 with fewer than ${MIN_EVIDENCE} calls accepted in the window, and 429s of calls started before the last decrease`, async () => {
        const clock = new FakeClock();
        const gate = new OriginGate(clock);
        const granted: Permit[] = [];
        for (let i = 0; i < 3; i++) request(gate, granted);
        await settle();
        await clock.run(10);
        gate.release(granted[0]!, "ok");
        gate.release(granted[1]!, "throttled");
        assert.equal(gate.state().rate, undefined, "one accepted call says nothing about the rate");
        for (let i = 0; i < 20; i++) request(gate, granted);
        await settle();
        await clock.run(20);
        for (let i = 3; i < 13; i++) gate.release(granted[i]!, "ok");
        gate.release(granted[13]!, "throttled");
        const rate = gate.state().rate;
        assert.equal(rate, 11 * DECREASE);
        gate.release(granted[14]!, "throttled"); // started before the decrease: the same burst
        assert.equal(gate.state().rate, rate);
    });

    it("raises the pace with each paced success, faster the longer no 429 comes", async () => {
        const clock = new FakeClock();
        const gate = new OriginGate(clock);
        const granted: Permit[] = [];
        for (let i = 0; i < 16; i++) request(gate, granted);
        await settle();
        for (let i = 0; i < 10; i++) gate.release(granted[i]!, "ok");
        gate.release(granted[10]!, "throttled");
        for (let i = 11; i < 16; i++) gate.release(granted[i]!, "ok");
        const start = gate.state().rate as number;
        const rates: number[] = [];
        for (let second = 0; second < 6; second++) {
            for (let i = 0; i < 20; i++) request(gate, granted);
            const before = granted.length;
            await clock.run(clock.now() + 1000);
            for (const p of granted.slice(before)) gate.release(p, "ok");
            await settle();
            rates.push(gate.state().rate as number);
        }
        assert.ok(rates[0]! > start);
        const gains = rates.map((x, i) => x - (i === 0 ? start : rates[i - 1]!));
        assert.ok(gains[5]! > gains[1]!, `gains per second grow: ${gains.map((g) => g.toFixed(2)).join(", ")}`);
    });

    it("backs off hard on overload: each 5xx or network failure halves the calls on the wire (down to one) and the pace; successes restore them one by one", async () => {
        const clock = new FakeClock();
        const gate = new OriginGate(clock);
        const granted: Permit[] = [];
        for (let i = 0; i < 40; i++) request(gate, granted);
        await settle();
        for (let i = 0; i < 5; i++) gate.release(granted[i]!, "overloaded");
        assert.equal(gate.state().maxInFlight, 1, "16 → 8 → 4 → 2 → 1 → 1");
        await settle();
        assert.equal(granted.length, 16, "nothing new while 11 are still on the wire");
        for (let i = 5; i < 16; i++) gate.release(granted[i]!, "ok");
        await settle();
        assert.equal(gate.state().maxInFlight, 12, "one more per success");
        assert.equal(gate.state().inFlight, 12);
    });

    it("halves the pace on overload, once per burst", async () => {
        const clock = new FakeClock();
        const gate = new OriginGate(clock);
        const granted: Permit[] = [];
        for (let i = 0; i < 12; i++) request(gate, granted);
        await settle();
        await clock.run(10);
        for (let i = 0; i < 10; i++) gate.release(granted[i]!, "ok");
        gate.release(granted[10]!, "throttled");
        gate.release(granted[11]!, "ok");
        const paced = gate.state().rate as number;
        assert.equal(paced, 10 * DECREASE);
        for (let i = 0; i < 3; i++) request(gate, granted);
        await clock.run(5000);
        assert.equal(granted.length, 15);
        gate.release(granted[12]!, "overloaded");
        assert.equal(gate.state().rate, paced / 2);
        gate.release(granted[13]!, "overloaded"); // started before that decrease
        assert.equal(gate.state().rate, paced / 2);
    });

    it("honours Retry-After: no call to the origin starts before it", async () => {
        const clock = new FakeClock();
        const gate = new OriginGate(clock);
        const granted: Permit[] = [];
        request(gate, granted);
        await settle();
        gate.release(granted[0]!, "throttled", 2000);
        for (let i = 0; i < 3; i++) request(gate, granted);
        await clock.run(1999);
        assert.equal(granted.length, 1);
        await clock.run(2000);
        assert.equal(granted.length, 4);
        assert.ok(granted.slice(1).every((p) => p.startedAt === 2000));
    });

    for (const [limit, windowMs, creates] of [
        [50, 1000, 300],
        [100, 1000, 600],
        [10, 100, 200],
    ] as const) {
        const perSecond = (limit * 1000) / windowMs;
        it(`converges on a gateway limit of ${limit} per ${windowMs} ms: ${creates} calls by 64 workers, no failure, few refusals, never more than ${MAX_CONNECTIONS_PER_ORIGIN} on the wire`, async () => {
            for (const seed of [1, 2, 3]) {
                const r = await simulate({ creates, concurrency: 64, gateway: { limit, windowMs }, latencyMs: 5, jitterMs: 10, maxRetries: 5, seed });
                const line = `seed ${seed}: ${JSON.stringify(r)}`;
                if (process.env.GATE_SIM_VERBOSE) console.log(`      ${line}`);
                if (process.env.GATE_SIM_TUNE) continue;
                assert.equal(r.failures, 0, line);
                assert.ok(r.maxInFlight <= MAX_CONNECTIONS_PER_ORIGIN, line);
                assert.ok(r.fullestWindow <= limit, line);
                if (windowMs === 1000) {
                    assert.ok(r.createsPerSecond >= 0.8 * perSecond, `at least 0.8 × ${perSecond}/s: ${line}`);
                    // The calls on the wire when the first 429 comes are refused too: at most a place's worth, and few after.
                    assert.ok(r.refusals <= MAX_CONNECTIONS_PER_ORIGIN + creates / 20, `few refusals: ${line}`);
                } else {
                    assert.ok(r.createsPerSecond >= 0.25 * perSecond, `a window shorter than the gate's second is found more slowly: ${line}`);
                }
            }
        });
    }

    it("recovers from a burst of 503s and still converges on the limit afterwards", async () => {
        const r = await simulate({
            creates: 300,
            concurrency: 64,
            gateway: { limit: 50, windowMs: 1000, script: Array.from({ length: 12 }, () => "overloaded" as const) },
            latencyMs: 5,
            jitterMs: 10,
            maxRetries: 5,
            seed: 7,
        });
        assert.equal(r.failures, 0, JSON.stringify(r));
        assert.ok(r.createsPerSecond >= 0.7 * 50, JSON.stringify(r));
    });
});
