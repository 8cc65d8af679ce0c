/**
 * `kubeconfig --merge`: the flags, the check of the target file before any certificate is obtained,
 * and the merge of one cluster, user and context (named `--alias`, default
 * `cce-<cluster id>-<context>`) into it. The file work is `kubeconfig-file.ts`, the YAML edit
 * `kube/kubeconfig-merge.ts`.
 */
import * as path from "node:path";
import type { KubeconfigCluster, KubeconfigUser } from "../../kube/kubeconfig";
import { MERGE_NAME, mergeKubeconfig } from "../../kube/kubeconfig-merge";
import { quote } from "../../util/text";
import { booleanFlag, stringFlag, UsageError, type Flags, type FlagSpecs } from "../args";
import { shownPath } from "../files";
import { note, type CliIo } from "../io";
import { defaultKubeconfigPath, openMergeTarget, writeMerged, type MergeTarget } from "../kubeconfig-file";

export const MERGE_FLAGS: FlagSpecs = {
    merge: { type: "boolean" },
    kubeconfig: { type: "string" },
    alias: { type: "string" },
    "set-current": { type: "boolean" },
};

export interface MergePlan {
    target: MergeTarget;
    alias?: string;
    setCurrent: boolean;
}

/** The entries' name when no `--alias` is given: unique per cluster and context, the same on every run. */
export function defaultMergeName(clusterId: string, context: string): string {
    return `cce-${clusterId}-${context}`;
}

/** The plan of `--merge` (its target checked and read), or undefined without it (then its flags are refused). */
export async function planMerge(flags: Flags, io: CliIo): Promise<MergePlan | undefined> {
    if (!booleanFlag(flags, "merge")) {
        const misplaced = ["kubeconfig", "alias", "set-current"].filter((f) => flags[f] !== undefined);
        if (misplaced.length > 0) throw new UsageError(`${misplaced.map((f) => `--${f}`).join(", ")} need${misplaced.length === 1 ? "s" : ""} --merge`);
        return undefined;
    }
    const alias = stringFlag(flags, "alias");
    if (alias !== undefined && !MERGE_NAME.test(alias)) {
        throw new UsageError(`--alias ${quote(alias, 80)} is not a kubeconfig name: use letters, digits and ._@:/+=- , at most 128`);
    }
    const file = stringFlag(flags, "kubeconfig");
    const full = file !== undefined ? path.resolve(io.cwd, file) : defaultKubeconfigPath(io.env);
    const target = await openMergeTarget(full, alias);
    return { target, ...(alias !== undefined ? { alias } : {}), setCurrent: booleanFlag(flags, "set-current") };
}

/** Merges the cluster and user (named `plan.alias` or `defaultName`) into the target and says what it did. */
export async function mergeInto(plan: MergePlan, entry: { cluster: KubeconfigCluster; user: KubeconfigUser }, defaultName: string, io: CliIo): Promise<void> {
    const name = plan.alias ?? defaultName;
    const shown = shownPath(plan.target.path);
    const result = mergeKubeconfig(plan.target.text, { name, ...entry }, plan.setCurrent, shown);
    const current = plan.setCurrent ? `; current context ${name}` : `; select it with kubectl --context ${name}`;
    if (result.text === plan.target.text) {
        note(io, `${shown} already holds cluster, user and context ${name} as merged: unchanged${current}`);
        return;
    }
    const backup = await writeMerged(plan.target, result.text);
    const replaced = result.replaced.length > 0 ? ` (replacing its earlier ${result.replaced.join(", ")} entries)` : "";
    note(io, `merged cluster, user and context ${name} into ${shown}${replaced}${backup !== undefined ? `; previous content in ${shownPath(backup)}` : ""}${current}`);
    if (result.method === "rendered") note(io, `the YAML library re-rendered ${shown} (comments kept, layout normalized): its previous form is in the backup`);
}
