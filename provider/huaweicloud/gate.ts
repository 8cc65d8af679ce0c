/**
 * Per-origin flow control shared by every call of a process (one dynamic-provider host serves every
 * resource of a `pulumi up`): how many requests may be on the wire to one origin, and how fast new
 * ones may start.
 *
 * Huawei Cloud's API gateway allows a number of calls per second (per user or per API) and answers
 * 429 `APIGW.0308` beyond it. The gate learns that rate from the gateway's answers:
 *
 * - **Unpaced until throttled.** Calls start as soon as one of the `capacity` places is free.
 * - **A 429 sets the pace.** The calls the gateway accepted within the last second (answered
 *   2xx) are about what it allows per second: the gate paces new calls at `DECREASE` times that
 *   (or times the current pace, if lower), and starts nothing until the oldest of those calls has
 *   left the gateway's one-second window. Only the first 429 of a burst counts: throttled answers to
 *   calls started before the last decrease change nothing more. With fewer than `MIN_EVIDENCE`
 *   calls accepted in that second the 429 says nothing about this process's rate (another client
 *   spends the quota, or the gateway is briefly unwell): only the call itself backs off.
 * - **Successes raise it.** Each success of a call that had to wait for the pace raises the rate by
 *   `GROWTH × (1 + seconds since the last decrease)` calls/s: at the pace's own rate of successes,
 *   +20 % per second right after a decrease, faster and faster the longer no 429 comes, until the
 *   limit is found again.
 * - **Overload backs off hard.** A 502/503/504, a reset or a time-out halves the number of calls
 *   allowed on the wire (one more per success, up to `capacity`) and halves the pace, if any.
 * - **Retry-After** (on a 429 or 5xx) holds every new call to the origin until then.
 * - **A throttled call comes back at once** when the gate has answered its 429 with a pace and a
 *   pause (`release` says so): its retry keeps its place in line and starts when the gateway has
 *   room. Otherwise (no pace, too little evidence) it backs off on its own.
 *
 * Calls wait in the order of their ticket: a call takes one ticket for all its attempts, so a retry
 * goes before calls that arrived after it, and no call waits behind later ones (nothing starves).
 * Between attempts a call holds no place. Everything is driven by the injected clock (`GateClock`),
 * so that a test can run the gate on a fake one.
 */
import { MAX_CONNECTIONS_PER_ORIGIN } from "./http";

/** The clock and timers the gate runs on: milliseconds, any origin. */
export interface GateClock {
    now(): number;
    /** Calls `fn` after `ms`; returns a function that cancels it. */
    setTimer(ms: number, fn: () => void): () => void;
}

/** The process's monotonic clock and real timers. */
export const realClock: GateClock = {
    now: () => performance.now(),
    setTimer(ms, fn) {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
    },
};

/** What an attempt's answer says about the origin's load. */
export type Outcome =
    /** A 2xx answer. */
    | "ok"
    /** 429, or the gateway's throttling code. */
    | "throttled"
    /** 502, 503, 504, a reset, a time-out or another network failure. */
    | "overloaded"
    /** Any other answer: nothing about load. */
    | "neutral";

/** One attempt's place on the wire, from `acquire` until `release`. */
export interface Permit {
    readonly ticket: number;
    /** When it was admitted (gate clock). */
    readonly startedAt: number;
    /** Whether it had to wait for the pace or a pause (demand above the rate). */
    readonly paced: boolean;
}

/** The window the gateway counts calls in; the accepted calls of the last one are its allowance. */
export const WINDOW_MS = 1000;
/** Calls accepted within the last window needed before a 429 sets the pace. */
export const MIN_EVIDENCE = 5;
/** Pace after a 429: this share of what the gateway accepted in the last window. */
export const DECREASE = 0.85;
/** Increase of the pace per paced success, per second since the last decrease (calls/s). */
export const GROWTH = 0.2;
/** Bounds of the pace (calls/s); at MAX_RATE the gate stops pacing. */
export const MIN_RATE = 0.5;
export const MAX_RATE = 5000;
/** Longest a Retry-After holds the origin (the retry policy's largest wait). */
export const MAX_PAUSE_MS = 20_000;
/** Most answer times kept for the window (a process faster than this per second counts only these). */
const MAX_TRACKED = 4096;

interface Waiter {
    ticket: number;
    paced: boolean;
    admit: (p: Permit) => void;
}

/** A snapshot of the gate's state, for tests and diagnostics. */
export interface GateState {
    inFlight: number;
    maxInFlight: number;
    /** Calls per second, or undefined while unpaced. */
    rate: number | undefined;
    waiting: number;
    pausedUntil: number;
}

/** The flow control of one origin; see the module comment. */
export class OriginGate {
    private inFlight = 0;
    private maxInFlight: number;
    private rate: number | undefined;
    /** Theoretical start of the next call at the current pace (GCRA). */
    private nextStartAt = -Infinity;
    private pausedUntil = -Infinity;
    private lastDecreaseAt = -Infinity;
    /** Answer times of accepted calls, oldest first, from `acceptedHead` on. */
    private accepted: number[] = [];
    private acceptedHead = 0;
    /** Sorted by ticket. */
    private readonly waiting: Waiter[] = [];
    private nextTicket = 0;
    private timer: { at: number; cancel: () => void } | undefined;

    constructor(
        private readonly clock: GateClock = realClock,
        /** Most calls on the wire at once. */
        readonly capacity: number = MAX_CONNECTIONS_PER_ORIGIN,
    ) {
        this.maxInFlight = capacity;
    }

    /** A place in line, kept by a call through all its attempts. */
    ticket(): number {
        return this.nextTicket++;
    }

    /** Resolves when the attempt may start; `release` must follow. */
    acquire(ticket: number = this.ticket()): Promise<Permit> {
        return new Promise((admit) => {
            let i = this.waiting.length;
            while (i > 0 && (this.waiting[i - 1] as Waiter).ticket > ticket) i--;
            this.waiting.splice(i, 0, { ticket, paced: false, admit });
            this.pump();
        });
    }

    /**
     * Ends an attempt with what its answer said; `retryAfterMs` is the answer's Retry-After, if any.
     * For a throttled attempt, returns true when the gate itself holds the retry until the gateway
     * has room (it paces this origin and has answered this burst of 429s): the call may then come
     * back at once. Otherwise the call backs off on its own.
     */
    release(permit: Permit, outcome: Outcome, retryAfterMs?: number): boolean {
        this.inFlight--;
        const now = this.clock.now();
        let holds = false;
        if (outcome === "ok") this.succeeded(permit, now);
        else if (outcome === "throttled") holds = this.throttled(permit, now);
        else if (outcome === "overloaded") this.overloaded(permit, now);
        if (retryAfterMs !== undefined && retryAfterMs > 0) this.pausedUntil = Math.max(this.pausedUntil, now + Math.min(retryAfterMs, MAX_PAUSE_MS));
        this.pump();
        return holds;
    }

    state(): GateState {
        return { inFlight: this.inFlight, maxInFlight: this.maxInFlight, rate: this.rate, waiting: this.waiting.length, pausedUntil: this.pausedUntil };
    }

    private succeeded(permit: Permit, now: number): void {
        this.record(now);
        if (this.maxInFlight < this.capacity) this.maxInFlight++;
        if (this.rate !== undefined && permit.paced && permit.startedAt >= this.lastDecreaseAt) {
            const rate = this.rate + GROWTH * (1 + (now - this.lastDecreaseAt) / 1000);
            this.rate = rate >= MAX_RATE ? undefined : rate;
        }
    }

    /** Reacts to a 429; true when the pace and pause now answer it (see `release`). */
    private throttled(permit: Permit, now: number): boolean {
        if (permit.startedAt < this.lastDecreaseAt) return this.rate !== undefined; // this burst was answered already
        const count = this.acceptedWithin(now);
        if (count < MIN_EVIDENCE) return false;
        const allowance = count * (1000 / WINDOW_MS);
        this.setRate(Math.min(this.rate ?? Infinity, allowance) * DECREASE, now);
        // The gateway's window is full: start nothing until the oldest call it holds has left it.
        this.pausedUntil = Math.max(this.pausedUntil, (this.accepted[this.acceptedHead] as number) + WINDOW_MS);
        return true;
    }

    private overloaded(permit: Permit, now: number): void {
        this.maxInFlight = Math.max(1, Math.floor(this.maxInFlight / 2));
        if (this.rate !== undefined && permit.startedAt >= this.lastDecreaseAt) this.setRate(this.rate / 2, now);
    }

    private setRate(rate: number, now: number): void {
        this.rate = Math.min(MAX_RATE, Math.max(MIN_RATE, rate));
        this.lastDecreaseAt = now;
    }

    /** Records an accepted call's answer time and forgets those older than the window. */
    private record(now: number): void {
        this.accepted.push(now);
        if (this.accepted.length - this.acceptedHead > MAX_TRACKED) this.acceptedHead++;
        this.acceptedWithin(now);
    }

    /** How many accepted calls were answered within the last window (dropping older ones). */
    private acceptedWithin(now: number): number {
        while (this.acceptedHead < this.accepted.length && (this.accepted[this.acceptedHead] as number) <= now - WINDOW_MS) this.acceptedHead++;
        if (this.acceptedHead > 1024 && this.acceptedHead * 2 > this.accepted.length) {
            this.accepted = this.accepted.slice(this.acceptedHead);
            this.acceptedHead = 0;
        }
        return this.accepted.length - this.acceptedHead;
    }

    /** When the next call may start: after any pause, and no sooner than the pace allows (half an interval early at most). */
    private earliestStart(): number {
        if (this.rate === undefined) return this.pausedUntil;
        return Math.max(this.pausedUntil, this.nextStartAt - 500 / this.rate);
    }

    /** Admits waiting calls while there is room and the pace allows; otherwise sets a timer for when it will. */
    private pump(): void {
        while (this.waiting.length > 0 && this.inFlight < this.maxInFlight) {
            const now = this.clock.now();
            const at = this.earliestStart();
            if (at > now) {
                (this.waiting[0] as Waiter).paced = true;
                this.wakeAt(at, now);
                return;
            }
            const w = this.waiting.shift() as Waiter;
            this.inFlight++;
            if (this.rate !== undefined) this.nextStartAt = Math.max(this.nextStartAt, now - 500 / this.rate) + 1000 / this.rate;
            w.admit({ ticket: w.ticket, startedAt: now, paced: w.paced });
        }
    }

    private wakeAt(at: number, now: number): void {
        if (this.timer !== undefined) {
            if (this.timer.at <= at) return;
            this.timer.cancel();
        }
        const timer = {
            at,
            cancel: this.clock.setTimer(at - now, () => {
                if (this.timer === timer) this.timer = undefined;
                this.pump();
            }),
        };
        this.timer = timer;
    }
}

/** Most origins a process keeps a gate for; beyond it, idle gates are forgotten. */
const MAX_GATES = 64;
const gates = new Map<string, OriginGate>();

/** The gate of `url`'s origin, shared by the whole process. */
export function gateFor(url: string): OriginGate {
    const origin = new URL(url).origin;
    let gate = gates.get(origin);
    if (!gate) {
        if (gates.size >= MAX_GATES) {
            for (const [o, g] of gates) {
                const s = g.state();
                if (s.inFlight === 0 && s.waiting === 0) gates.delete(o);
                if (gates.size < MAX_GATES) break;
            }
        }
        gate = new OriginGate();
        gates.set(origin, gate);
    }
    return gate;
}
