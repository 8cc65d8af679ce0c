/**
 * Per-origin flow control shared by every call of a process (one dynamic-provider host serves every
 * resource of a `pulumi up`).
 */
import { MAX_CONNECTIONS_PER_ORIGIN } from "./http";

/**
 * How many calls to one origin may be under way at once, shrinking when the gateway throttles
 * (additive increase, multiplicative decrease): each throttled answer halves the limit, each success
 * raises it by one, up to MAX_CONNECTIONS_PER_ORIGIN. A call keeps its place through its retries and
 * their waits, and no new call starts while a throttled one waits to retry (it gets the capacity
 * that frees up first). Calls that wait for a place spend no attempt: when a program asks faster
 * than the gateway's quota, the excess waits here instead of burning its retries on 429s.
 */
export class OriginGate {
    private limit = MAX_CONNECTIONS_PER_ORIGIN;
    private active = 0;
    private backingOff = 0;
    private readonly queue: (() => void)[] = [];

    async enter(): Promise<void> {
        if (this.queue.length === 0 && this.backingOff === 0 && this.active < this.limit) {
            this.active++;
            return;
        }
        await new Promise<void>((resolve) => this.queue.push(resolve));
    }

    leave(): void {
        this.active--;
        this.admit();
    }

    throttled(): void {
        this.limit = Math.max(1, Math.floor(this.limit / 2));
    }

    /** Waits `ms` before retrying a throttled call; new calls are held back meanwhile. */
    async backOff(ms: number, sleep: (ms: number) => Promise<void>): Promise<void> {
        this.backingOff++;
        try {
            await sleep(ms);
        } finally {
            this.backingOff--;
            this.admit();
        }
    }

    succeeded(): void {
        if (this.limit < MAX_CONNECTIONS_PER_ORIGIN) this.limit++;
        this.admit();
    }

    private admit(): void {
        while (this.queue.length > 0 && this.backingOff === 0 && this.active < this.limit) {
            this.active++;
            (this.queue.shift() as () => void)();
        }
    }
}

const gates = new Map<string, OriginGate>();

export function gateFor(url: string): OriginGate {
    const origin = new URL(url).origin;
    let gate = gates.get(origin);
    if (!gate) {
        gate = new OriginGate();
        gates.set(origin, gate);
    }
    return gate;
}
