/**
 * Command-line flags: parsing (`node:util` parseArgs, strict), typed access, and the conversion of
 * the flags that mirror the resource's arguments into `ClusterCertInputs`, checked by the
 * provider's own `validateInputs`. Pure: no I/O.
 */
import { parseArgs } from "node:util";
import type { ClusterCertInputs } from "../core/types";
import { validateInputs, type CheckFailure } from "../core/validate";
import { ClusterCertError } from "../util/errors";

/** Bad usage: unknown flag, missing or malformed value. Exit code 2. */
export class UsageError extends ClusterCertError {
    constructor(message: string, cause?: unknown) {
        super("usage", message, cause !== undefined ? { cause } : {});
    }
}

export interface FlagSpec {
    type: "string" | "boolean";
    short?: string;
}
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;
export type Flags = Readonly<Record<string, string | boolean | undefined>>;

/** Flags that mirror the `ClusterCert` arguments, shared by every command. */
export const TARGET_FLAGS: FlagSpecs = {
    "cluster-id": { type: "string" },
    "cluster-type": { type: "string" },
    "project-id": { type: "string" },
    region: { type: "string" },
    endpoint: { type: "string" },
    "iam-endpoint": { type: "string" },
    duration: { type: "string" },
    "expires-at": { type: "string" },
    context: { type: "string" },
    "legacy-api": { type: "boolean" },
    "max-retries": { type: "string" },
    "timeout-seconds": { type: "string" },
};

export const HELP_FLAG: FlagSpecs = { help: { type: "boolean", short: "h" } };

/** Input name → flag name, for messages. */
const FLAG_OF_INPUT: Readonly<Record<string, string>> = {
    clusterId: "--cluster-id",
    clusterType: "--cluster-type",
    projectId: "--project-id",
    region: "--region",
    endpoint: "--endpoint",
    iamEndpoint: "--iam-endpoint",
    duration: "--duration",
    expiresAt: "--expires-at",
    context: "--context",
    legacyApi: "--legacy-api",
    maxRetries: "--max-retries",
    timeoutSeconds: "--timeout-seconds",
};

/**
 * `--duration -1` reads as two options to parseArgs; joins a string flag and a following negative
 * number into `--duration=-1`.
 */
function joinNegativeValues(argv: readonly string[], specs: FlagSpecs): string[] {
    const out: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i] as string;
        const next = argv[i + 1];
        const name = a.startsWith("--") && !a.includes("=") ? a.slice(2) : undefined;
        if (name !== undefined && specs[name]?.type === "string" && next !== undefined && /^-\d+$/.test(next)) {
            out.push(`${a}=${next}`);
            i++;
        } else out.push(a);
    }
    return out;
}

/** Parses `argv` strictly against `specs`: no positionals, no unknown flags, no repeated flags. */
export function parseFlags(argv: readonly string[], specs: FlagSpecs): Flags {
    const args = joinNegativeValues(argv, specs);
    let parsed: ReturnType<typeof parseArgs>;
    try {
        parsed = parseArgs({ args, options: { ...specs }, strict: true, allowPositionals: false, tokens: true });
    } catch (e) {
        const message = (e as Error).message.split("\n")[0] ?? "invalid arguments";
        throw new UsageError(message.replace(/ To specify a positional argument.*$/, ""));
    }
    const seen = new Set<string>();
    for (const t of parsed.tokens ?? []) {
        if (t.kind !== "option") continue;
        if (seen.has(t.name)) throw new UsageError(`--${t.name} is given more than once`);
        seen.add(t.name);
    }
    const out: Record<string, string | boolean | undefined> = {};
    for (const [k, v] of Object.entries(parsed.values)) {
        if (typeof v === "string" || typeof v === "boolean") out[k] = v;
    }
    return out;
}

export function stringFlag(flags: Flags, name: string): string | undefined {
    const v = flags[name];
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw new UsageError(`--${name} needs a value`);
    if (v.trim() === "") throw new UsageError(`--${name} must not be empty`);
    return v;
}

export function booleanFlag(flags: Flags, name: string): boolean {
    return flags[name] === true;
}

export function integerFlag(flags: Flags, name: string): number | undefined {
    const v = stringFlag(flags, name);
    if (v === undefined) return undefined;
    if (!/^-?\d{1,9}$/.test(v.trim())) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(v)}`);
    return Number(v.trim());
}

/** One choice among `allowed`, or undefined when the flag is absent. */
export function choiceFlag<T extends string>(flags: Flags, name: string, allowed: readonly T[]): T | undefined {
    const v = stringFlag(flags, name);
    if (v === undefined) return undefined;
    const found = allowed.find((a) => a === v);
    if (found === undefined) throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
    return found;
}

/** Renders validation failures with flag names instead of argument names. */
export function describeFailures(failures: readonly CheckFailure[]): string {
    return failures.map((f) => `${FLAG_OF_INPUT[f.property] ?? f.property}: ${f.reason}`).join("; ");
}

/** The `ClusterCert` inputs given by the target flags, validated like the resource's arguments. */
export function inputsFromFlags(flags: Flags, now: Date): ClusterCertInputs {
    const clusterId = stringFlag(flags, "cluster-id");
    const candidate: Record<string, unknown> = {
        clusterId,
        clusterType: stringFlag(flags, "cluster-type"),
        projectId: stringFlag(flags, "project-id"),
        region: stringFlag(flags, "region"),
        endpoint: stringFlag(flags, "endpoint"),
        iamEndpoint: stringFlag(flags, "iam-endpoint"),
        duration: integerFlag(flags, "duration"),
        expiresAt: stringFlag(flags, "expires-at"),
        context: stringFlag(flags, "context"),
        legacyApi: booleanFlag(flags, "legacy-api") ? true : undefined,
        maxRetries: integerFlag(flags, "max-retries"),
        timeoutSeconds: integerFlag(flags, "timeout-seconds"),
    };
    for (const k of Object.keys(candidate)) if (candidate[k] === undefined) delete candidate[k];
    const failures = validateInputs(candidate, now);
    if (failures.length > 0) throw new UsageError(describeFailures(failures));
    return candidate as unknown as ClusterCertInputs;
}
