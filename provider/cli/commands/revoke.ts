/**
 * `cce-clustercert revoke`: one `clustercertrevoke` call for an IAM user or agency on a cluster, by
 * id or by the client certificate's CN in a kubeconfig. Revocation invalidates every certificate and
 * kubeconfig that identity obtained for the cluster, so without `--yes` it only says what it would
 * revoke and exits 8; with `--yes` it says it again, then revokes.
 */
import { MAX_KUBECONFIG_FILE_BYTES } from "../../core/defaults";
import { AUTOPILOT_REVOKE_REFUSAL, describeRevokee, revocationScope, revokeIdentity, type Revokee } from "../../core/revoke";
import type { ClusterCertInputs } from "../../core/types";
import { ID } from "../../huaweicloud/endpoints";
import { readCertificate } from "../../kube/certificate";
import { parseUserKubeconfig, userCredentialOf } from "../../kube/kubeconfig-user";
import { ClusterCertError } from "../../util/errors";
import { quote } from "../../util/text";
import { booleanFlag, HELP_FLAG, inputsFromFlags, parseFlags, stringFlag, TARGET_FLAGS, UsageError, type Flags, type FlagSpecs } from "../args";
import { EXIT_NOT_CONFIRMED, EXIT_OK } from "../exit-codes";
import { shownPath } from "../files";
import { readInputFile } from "../input-file";
import { note, type CliIo } from "../io";
import { cliEnvironment, resolveCliCredentials, resolveCliTarget } from "../request";
import { REVOKE_HELP } from "../usage";

const { duration: _d, "expires-at": _e, context: _c, "legacy-api": _l, ...REVOKE_TARGET_FLAGS } = TARGET_FLAGS;

export const REVOKE_FLAGS: FlagSpecs = {
    ...REVOKE_TARGET_FLAGS,
    ...HELP_FLAG,
    "user-id": { type: "string" },
    "agency-id": { type: "string" },
    "from-kubeconfig": { type: "string" },
    yes: { type: "boolean" },
};

/** An IAM user or agency id: what CCE puts in a certificate's CN (32 hex characters today). */
function checkId(id: string, where: string): string {
    if (!ID.test(id)) throw new ClusterCertError("usage", `${where} ${quote(id, 80)} is not an IAM user or agency id (letters, digits, '-' and '_', at most 64)`);
    return id;
}

/** The CN of the client certificate of the kubeconfig's current context. */
async function idFromKubeconfig(file: string, io: CliIo): Promise<{ id: string; context: string }> {
    try {
        const read = await readInputFile(file, "--from-kubeconfig", MAX_KUBECONFIG_FILE_BYTES, io.cwd);
        const what = `--from-kubeconfig ${shownPath(read.path)}`;
        const found = userCredentialOf(parseUserKubeconfig(read.text, what), undefined, what);
        if (found.kind === "certificate-file") {
            throw new ClusterCertError(
                "usage",
                `${what}: user ${quote(found.user, 80)} names its certificate file ${quote(found.file, 120)}: pass --user-id with that certificate's CN`,
            );
        }
        if (found.kind === "none") throw new ClusterCertError("usage", `${found.why}; pass --user-id or --agency-id`);
        const cn = readCertificate(found.pem, what).commonName;
        return { id: checkId(cn, `${what}: the client certificate's CN`), context: found.context };
    } catch (e) {
        // Whatever is wrong with the file is bad usage here (exit 2): the flag named an unusable file.
        if (e instanceof ClusterCertError && e.code !== "usage") throw new ClusterCertError("usage", e.message, { cause: e });
        throw e;
    }
}

/** Exactly one of --user-id, --agency-id, --from-kubeconfig. */
async function revokeeOf(flags: Flags, io: CliIo): Promise<{ revokee: Revokee; origin?: string }> {
    const given = (["user-id", "agency-id", "from-kubeconfig"] as const).filter((f) => flags[f] !== undefined);
    if (given.length !== 1) {
        throw new UsageError(
            given.length === 0 ? "name whose certificates to revoke: --user-id ID, --agency-id ID or --from-kubeconfig FILE" : `give only one of ${given.map((f) => `--${f}`).join(", ")}`,
        );
    }
    const user = stringFlag(flags, "user-id");
    if (user !== undefined) return { revokee: { kind: "user", id: checkId(user, "--user-id") } };
    const agency = stringFlag(flags, "agency-id");
    if (agency !== undefined) return { revokee: { kind: "agency", id: checkId(agency, "--agency-id") } };
    const file = stringFlag(flags, "from-kubeconfig") as string;
    const { id, context } = await idFromKubeconfig(file, io);
    return {
        revokee: { kind: "user", id },
        origin: `the CN of the client certificate of context ${quote(context, 80)} in ${shownPath(file)} (if that certificate was obtained through an agency, pass --agency-id ${id} instead)`,
    };
}

export async function runRevoke(argv: readonly string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, REVOKE_FLAGS);
    if (booleanFlag(flags, "help")) {
        io.stdout(REVOKE_HELP);
        return EXIT_OK;
    }
    const inputs: ClusterCertInputs = inputsFromFlags(flags, io.now());
    if (inputs.clusterType === "autopilot") throw new UsageError(AUTOPILOT_REVOKE_REFUSAL);
    const { revokee, origin } = await revokeeOf(flags, io);
    const target = resolveCliTarget(inputs, io);
    if (origin !== undefined) note(io, `${describeRevokee(revokee)}: ${origin}`);
    if (!booleanFlag(flags, "yes")) {
        const where = `${target.projectId !== undefined ? `project ${target.projectId}, ` : ""}${target.endpoint}`;
        note(io, `--yes would revoke ${revocationScope(revokee, inputs.clusterId)} (${where})`);
        note(io, "nothing was revoked: run again with --yes to revoke");
        return EXIT_NOT_CONFIRMED;
    }
    resolveCliCredentials(inputs, io);
    await revokeIdentity(inputs, revokee, cliEnvironment(io));
    return EXIT_OK;
}
