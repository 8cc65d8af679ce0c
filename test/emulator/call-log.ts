/**
 * The log of every request the emulator received (CCE, IAM and the clusters' Kubernetes APIs),
 * with counters per route, for tests to assert on.
 */
import type { AuthKind } from "./auth";

/** Route names: CCE, IAM, the Kubernetes API of an emulated cluster, or nothing known. */
export type RouteName = "clustercert" | "clustercertrevoke" | "iam-tokens" | "iam-projects" | "kube" | "unknown";

export interface CallRecord {
    time: Date;
    method: string;
    /** Path without the query. */
    path: string;
    query: string;
    route: RouteName;
    /** HTTP status answered; 0 when the emulator never answered (hang, connection reset). */
    status: number;
    auth: AuthKind;
    /** Whether authentication succeeded (false also when none was needed or it was not reached). */
    authenticated: boolean;
    accessKey?: string;
    userId?: string;
    projectId?: string;
    clusterId?: string;
    /** Kubernetes API calls: which endpoint of the cluster answered. */
    endpoint?: "internal" | "external";
    requestId: string;
    /** Error code of an error answer (e.g. APIGW.0301, CCE.01404001). */
    errorCode?: string;
    /** Kind of the injected fault that shaped this answer, if any. */
    fault?: string;
    /** The Retry-After header of the answer, if it had one (as sent). */
    retryAfter?: string;
    /** A successful clustercertrevoke: which body field named whom. */
    revoked?: { field: "userId" | "agencyId"; id: string };
    durationMs: number;
}

export interface CallFilter {
    route?: RouteName;
    method?: string;
    status?: number;
    clusterId?: string;
    auth?: AuthKind;
}

function matches(r: CallRecord, f: CallFilter): boolean {
    return (
        (f.route === undefined || r.route === f.route) &&
        (f.method === undefined || r.method === f.method.toUpperCase()) &&
        (f.status === undefined || r.status === f.status) &&
        (f.clusterId === undefined || r.clusterId === f.clusterId) &&
        (f.auth === undefined || r.auth === f.auth)
    );
}

export class CallLog {
    private readonly records: CallRecord[] = [];
    private readonly listeners = new Set<() => void>();

    /** Every request so far, oldest first. */
    get entries(): readonly CallRecord[] {
        return this.records;
    }

    add(record: CallRecord): void {
        this.records.push(record);
        for (const listener of [...this.listeners]) listener();
    }

    /**
     * Waits until at least `count` requests matching `filter` are logged from index `from` on (a
     * request is logged when it is answered, or at once when it gets no answer), and returns them.
     * Rejects after `timeoutMs` (default 30 s, generous for a loaded machine).
     */
    waitFor(filter: CallFilter, count: number, opts: { from?: number; timeoutMs?: number } = {}): Promise<CallRecord[]> {
        const found = (): CallRecord[] => this.records.slice(opts.from ?? 0).filter((r) => matches(r, filter));
        const now = found();
        if (now.length >= count) return Promise.resolve(now);
        const timeoutMs = opts.timeoutMs ?? 30_000;
        return new Promise((resolve, reject) => {
            const check = (): void => {
                const list = found();
                if (list.length < count) return;
                done();
                resolve(list);
            };
            const timer = setTimeout(() => {
                done();
                reject(new Error(`emulator: ${found().length} of ${count} calls matching ${JSON.stringify(filter)} within ${timeoutMs} ms`));
            }, timeoutMs);
            const done = (): void => {
                clearTimeout(timer);
                this.listeners.delete(check);
            };
            this.listeners.add(check);
        });
    }

    /** Requests matching `filter` (all of them without one). */
    filter(filter: CallFilter = {}): CallRecord[] {
        return this.records.filter((r) => matches(r, filter));
    }

    count(filter: CallFilter = {}): number {
        return this.filter(filter).length;
    }

    /** Counters per "METHOD route", e.g. { "POST clustercert": 3, "GET iam-projects": 1 }. */
    counts(): Record<string, number> {
        const out: Record<string, number> = {};
        for (const r of this.records) {
            const key = `${r.method} ${r.route}`;
            out[key] = (out[key] ?? 0) + 1;
        }
        return out;
    }

    /** The most recent request matching `filter`. */
    last(filter: CallFilter = {}): CallRecord | undefined {
        for (let i = this.records.length - 1; i >= 0; i--) {
            const r = this.records[i] as CallRecord;
            if (matches(r, filter)) return r;
        }
        return undefined;
    }

    clear(): void {
        this.records.length = 0;
    }
}
