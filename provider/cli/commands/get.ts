/**
 * `cce-clustercert get`: one clustercert call, then the kubeconfig on stdout, JSON on stdout, or the
 * files `kubeconfig`, `ca.crt`, `client.crt`, `client.key` (mode 0600, never overwritten without
 * `--force`, all or nothing). The output directory is checked before the call (see
 * `output-files.ts`), so no certificate is minted that could not be written. The expiry goes to stderr.
 */
import * as path from "node:path";
import { issueCertificate } from "../../core/issue";
import type { ClusterCertInputs, ClusterCertState } from "../../core/types";
import { booleanFlag, choiceFlag, HELP_FLAG, inputsFromFlags, parseFlags, stringFlag, TARGET_FLAGS, type FlagSpecs } from "../args";
import { EXIT_OK } from "../exit-codes";
import { abandonOutputDir, prepareOutputDir, writeOutputFiles, type OutputFile, type PreparedOutputDir } from "../output-files";
import { note, type CliIo } from "../io";
import { cliEnvironment, resolveRequest } from "../request";
import { GET_HELP } from "../usage";

export const FORMATS = ["kubeconfig", "json", "files"] as const;
export type Format = (typeof FORMATS)[number];

export const GET_FLAGS: FlagSpecs = {
    ...TARGET_FLAGS,
    ...HELP_FLAG,
    format: { type: "string" },
    "out-dir": { type: "string" },
    force: { type: "boolean" },
};

export const JSON_FILE = "clustercert.json";

/** The JSON output: what was issued and for what; the resource-only settings are left out. */
export function jsonOf(state: ClusterCertState): Record<string, unknown> {
    const { renewBeforeDays: _r, legacyApi: _l, revokeOnDelete: _d, duration: _du, requestedExpiresAt: _e, context: _c, ...rest } = state;
    return rest;
}

/** The files of `--format files`: the kubeconfig and the three PEM files of the CCE console's download. */
export function filesOf(state: ClusterCertState): OutputFile[] {
    const files: OutputFile[] = [{ name: "kubeconfig", content: state.kubeconfig }];
    if (state.clusterCaCertificate !== undefined) files.push({ name: "ca.crt", content: state.clusterCaCertificate });
    files.push({ name: "client.crt", content: state.clientCertificate }, { name: "client.key", content: state.clientKey });
    return files;
}

/** The file names a format writes (ca.crt only when the answer has a CA; checked up front regardless). */
function plannedNames(format: Format): string[] {
    if (format === "files") return ["kubeconfig", "ca.crt", "client.crt", "client.key"];
    return [format === "json" ? JSON_FILE : "kubeconfig"];
}

export function describeExpiry(state: ClusterCertState, now: Date): string {
    const ms = new Date(state.expiresAt).getTime() - now.getTime();
    const days = ms / 86_400_000;
    const left = days >= 2 ? `${Math.round(days)} days` : `${Math.max(0, Math.round(ms / 3_600_000))} hours`;
    return `certificate of user ${state.userId} for cluster ${state.clusterId} expires ${state.expiresAt} (in ${left})`;
}

export interface GetPlan {
    inputs: ClusterCertInputs;
    format: Format;
    /** Absent: stdout. */
    outDir?: string;
    force: boolean;
}

export function planGet(argv: readonly string[], io: CliIo): GetPlan | "help" {
    const flags = parseFlags(argv, GET_FLAGS);
    if (booleanFlag(flags, "help")) return "help";
    const inputs = inputsFromFlags(flags, io.now());
    const outDirFlag = stringFlag(flags, "out-dir");
    const format = choiceFlag(flags, "format", FORMATS) ?? (outDirFlag !== undefined ? "files" : "kubeconfig");
    const outDir = outDirFlag !== undefined ? path.resolve(io.cwd, outDirFlag) : format === "files" ? io.cwd : undefined;
    return { inputs, format, ...(outDir !== undefined ? { outDir } : {}), force: booleanFlag(flags, "force") };
}

/** Writes the state as planned (into the directory `prepared` checked); returns a line for stderr describing where it went. */
export async function emit(plan: GetPlan, state: ClusterCertState, io: CliIo, prepared?: PreparedOutputDir): Promise<string | undefined> {
    const content = plan.format === "json" ? `${JSON.stringify(jsonOf(state), null, 2)}\n` : state.kubeconfig;
    if (plan.outDir === undefined) {
        io.stdout(content);
        return undefined;
    }
    const files = plan.format === "files" ? filesOf(state) : [{ name: plan.format === "json" ? JSON_FILE : "kubeconfig", content }];
    const written = await writeOutputFiles(plan.outDir, files, plan.force, prepared);
    const noCa = plan.format === "files" && state.clusterCaCertificate === undefined ? " (no ca.crt: the answer has no CA data)" : "";
    return `wrote ${written.join(", ")}${noCa}`;
}

export async function runGet(argv: readonly string[], io: CliIo): Promise<number> {
    const plan = planGet(argv, io);
    if (plan === "help") {
        io.stdout(GET_HELP);
        return EXIT_OK;
    }
    resolveRequest(plan.inputs, io);
    // Refuse before minting a certificate that could not be written.
    const prepared = plan.outDir !== undefined ? await prepareOutputDir(plan.outDir, plannedNames(plan.format), plan.force) : undefined;
    let state: ClusterCertState;
    let where: string | undefined;
    try {
        state = await issueCertificate(plan.inputs, cliEnvironment(io));
        where = await emit(plan, state, io, prepared);
    } catch (e) {
        if (prepared !== undefined) await abandonOutputDir(prepared);
        throw e;
    }
    if (where !== undefined) note(io, where);
    note(io, describeExpiry(state, io.now()));
    return EXIT_OK;
}
