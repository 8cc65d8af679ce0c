/**
 * Server-side printing: the `meta.k8s.io/v1` Table that `kubectl get` asks for
 * (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io,…`).
 */
import type { KubeObject, ResourceInfo } from "./kube-store";

interface Column {
    name: string;
    type: string;
    format: string;
    description: string;
    priority: number;
    cell: (o: KubeObject, now: Date) => string | number;
}

/** Kubernetes' HumanDuration, roughly: 45s, 5m, 3h, 2d, 400d. */
export function age(since: string, now: Date): string {
    const s = Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 1000));
    if (s < 120) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h}h`;
    return `${Math.floor(h / 24)}d`;
}

function field(o: KubeObject, ...path: string[]): unknown {
    let v: unknown = o;
    for (const p of path) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
    return v;
}

const NAME: Column = { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.", priority: 0, cell: (o) => o.metadata.name };
const AGE: Column = {
    name: "Age",
    type: "string",
    format: "",
    description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
    priority: 0,
    cell: (o, now) => age(o.metadata.creationTimestamp, now),
};

const COLUMNS: Record<string, Column[]> = {
    pods: [
        NAME,
        {
            name: "Ready",
            type: "string",
            format: "",
            description: "The aggregate readiness state of this pod for accepting traffic.",
            priority: 0,
            cell: (o) => {
                const statuses = (field(o, "status", "containerStatuses") as Array<{ ready?: boolean }> | undefined) ?? [];
                return `${statuses.filter((c) => c.ready).length}/${statuses.length}`;
            },
        },
        { name: "Status", type: "string", format: "", description: "The aggregate status of the containers in this pod.", priority: 0, cell: (o) => String(field(o, "status", "phase") ?? "Unknown") },
        {
            name: "Restarts",
            type: "string",
            format: "",
            description: "The number of times the containers in this pod have been restarted.",
            priority: 0,
            cell: (o) => String(((field(o, "status", "containerStatuses") as Array<{ restartCount?: number }> | undefined) ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0)),
        },
        AGE,
        { name: "IP", type: "string", format: "", description: "IP address allocated to the pod.", priority: 1, cell: (o) => String(field(o, "status", "podIP") ?? "<none>") },
        { name: "Node", type: "string", format: "", description: "Name of the node this pod runs on.", priority: 1, cell: (o) => String(field(o, "spec", "nodeName") ?? "<none>") },
    ],
    namespaces: [NAME, { name: "Status", type: "string", format: "", description: "The status of the namespace", priority: 0, cell: (o) => String(field(o, "status", "phase") ?? "") }, AGE],
    configmaps: [
        NAME,
        {
            name: "Data",
            type: "string",
            format: "",
            description: "Number of keys in data and binaryData.",
            priority: 0,
            cell: (o) => Object.keys((field(o, "data") as object | undefined) ?? {}).length + Object.keys((field(o, "binaryData") as object | undefined) ?? {}).length,
        },
        AGE,
    ],
    deployments: [
        NAME,
        { name: "Ready", type: "string", format: "", description: "Number of the pod with ready state", priority: 0, cell: () => "0/0" },
        { name: "Up-to-date", type: "string", format: "", description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", priority: 0, cell: () => 0 },
        { name: "Available", type: "string", format: "", description: "Total number of available pods targeted by this deployment.", priority: 0, cell: () => 0 },
        AGE,
    ],
};

/** True when the Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
    return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** A Table of `objects`; `includeObject` is the query parameter (None, Metadata (default) or Object). */
export function toTable(resource: ResourceInfo, objects: KubeObject[], now: Date, resourceVersion: string, includeObject = "Metadata", apiVersion = "meta.k8s.io/v1"): Record<string, unknown> {
    const columns = COLUMNS[resource.name] ?? [NAME, AGE];
    return {
        kind: "Table",
        apiVersion,
        metadata: { resourceVersion },
        columnDefinitions: columns.map(({ cell: _cell, ...c }) => c),
        rows: objects.map((o) => ({
            cells: columns.map((c) => c.cell(o, now)),
            ...(includeObject === "None"
                ? {}
                : { object: includeObject === "Object" ? o : { kind: "PartialObjectMetadata", apiVersion, metadata: o.metadata } }),
        })),
    };
}
