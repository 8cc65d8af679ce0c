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

    /** Every request so far, oldest first. */
    get entries(): readonly CallRecord[] {
        return this.records;
    }

    add(record: CallRecord): void {
        this.records.push(record);
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
