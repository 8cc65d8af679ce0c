/**
 * `cce-clustercert kubeconfig --exec`: prints a kubeconfig whose user runs
 * `cce-clustercert exec-credential`. The server and CA come from `--server`/`--ca-file`, or else from
 * one clustercert call made through the exec-credential cache (so the certificate it returns serves
 * kubectl's first request). Without `--exec` it is `get` printing the kubeconfig. With `--merge`
 * (either way) the cluster, user and context are merged into a kubeconfig file instead (`merge.ts`).
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { execKubeconfigDocFor, execKubeconfigFor, type ExecServer } from "../../core/exec-kubeconfig";
import { issueCertificate } from "../../core/issue";
import type { Target } from "../../core/settings";
import { rerenderState } from "../../core/state";
import type { ClusterCertInputs } from "../../core/types";
import { countCertificates } from "../../kube/certificate";
import { parseKubeconfigYaml, selectContext } from "../../kube/kubeconfig";
import { EXEC_API_CHOICES, execApiVersion } from "../../kube/exec-credential";
import { certificatesOnly } from "../../kube/pem";
import { safeText } from "../../util/text";
import { endpointProblem } from "../../util/url";
import { booleanFlag, choiceFlag, HELP_FLAG, inputsFromFlags, parseFlags, stringFlag, TARGET_FLAGS, UsageError, type Flags, type FlagSpecs } from "../args";
import { EXIT_OK } from "../exit-codes";
import { note, type CliIo } from "../io";
import { obtainForExec } from "../obtain";
import { cliEnvironment, resolveCliTarget, resolveRequest } from "../request";
import { splitWords } from "../shell-words";
import { KUBECONFIG_HELP } from "../usage";
import { rejectFixedExpiry } from "./exec-credential";
import { describeExpiry, runGet } from "./get";
import { defaultMergeName, MERGE_FLAGS, mergeInto, planMerge, type MergePlan } from "./merge";

const EXEC_ONLY_FLAGS: FlagSpecs = {
    exec: { type: "boolean" },
    server: { type: "string" },
    "ca-file": { type: "string" },
    "insecure-skip-tls-verify": { type: "boolean" },
    command: { type: "string" },
    "api-version": { type: "string" },
};

export const KUBECONFIG_FLAGS: FlagSpecs = { ...TARGET_FLAGS, ...HELP_FLAG, ...EXEC_ONLY_FLAGS, ...MERGE_FLAGS };

/** Largest `--ca-file` read: a CA bundle of a few hundred certificates. */
export const MAX_CA_FILE_BYTES = 1024 * 1024;

/** The CERTIFICATE blocks of `--ca-file` (a private key in it is refused: it would land in the kubeconfig). */
async function readCaFile(file: string, io: CliIo): Promise<string> {
    const full = path.resolve(io.cwd, file);
    const where = `--ca-file ${safeText(full, 200)}`;
    let text: string;
    try {
        const st = await fs.stat(full);
        if (!st.isFile()) throw new UsageError(`${where} is not a regular file`);
        if (st.size > MAX_CA_FILE_BYTES) throw new UsageError(`${where} is larger than ${MAX_CA_FILE_BYTES} bytes`);
        text = await fs.readFile(full, "utf8");
    } catch (e) {
        if (e instanceof UsageError) throw e;
        throw new UsageError(`${where} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
    }
    try {
        const pem = certificatesOnly(text, where);
        countCertificates(pem, where);
        return pem;
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
}

/** `--server` with `--ca-file` or `--insecure-skip-tls-verify`: no API call. */
async function serverFromFlags(flags: Flags, inputs: ClusterCertInputs, io: CliIo): Promise<ExecServer> {
    const server = stringFlag(flags, "server") as string;
    const why = endpointProblem(server);
    if (why !== undefined) throw new UsageError(`--server ${why}`);
    const caFile = stringFlag(flags, "ca-file");
    const insecure = booleanFlag(flags, "insecure-skip-tls-verify");
    if (caFile !== undefined && insecure) throw new UsageError("give either --ca-file or --insecure-skip-tls-verify, not both");
    return {
        server,
        ...(caFile !== undefined ? { caCertificate: await readCaFile(caFile, io) } : {}),
        insecureSkipTlsVerify: insecure,
        context: inputs.context ?? "internal",
    };
}

/** One clustercert call through the exec-credential cache: the server of the chosen context, and the project id it was obtained for. */
async function serverFromApi(inputs: ClusterCertInputs, io: CliIo): Promise<{ server: ExecServer; projectId: string }> {
    const { context, ...withoutContext } = inputs;
    const { state, fromCache } = await obtainForExec(resolveRequest(withoutContext, io), io);
    const chosen = rerenderState(state, context);
    note(io, `${fromCache ? "used the cached certificate" : "obtained a certificate (cached for exec-credential)"}; server ${chosen.server} (context ${chosen.currentContext})`);
    return {
        server: {
            server: chosen.server,
            ...(chosen.clusterCaCertificate !== undefined ? { caCertificate: chosen.clusterCaCertificate } : {}),
            insecureSkipTlsVerify: chosen.insecureSkipTlsVerify,
            context: chosen.context,
        },
        projectId: state.projectId,
    };
}

export async function runKubeconfig(argv: readonly string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, KUBECONFIG_FLAGS);
    if (booleanFlag(flags, "help")) {
        io.stdout(KUBECONFIG_HELP);
        return EXIT_OK;
    }
    if (!booleanFlag(flags, "exec")) {
        const misplaced = Object.keys(EXEC_ONLY_FLAGS).filter((f) => flags[f] !== undefined);
        if (misplaced.length > 0) throw new UsageError(`${misplaced.map((f) => `--${f}`).join(", ")} need${misplaced.length === 1 ? "s" : ""} --exec`);
        if (mergeFlagsAbsent(flags)) return runGet([...argv, "--format", "kubeconfig"], io);
        return mergeCertificate(flags, io);
    }
    rejectFixedExpiry(argv);
    if (flags.server === undefined && (flags["ca-file"] !== undefined || flags["insecure-skip-tls-verify"] !== undefined)) {
        throw new UsageError("--ca-file and --insecure-skip-tls-verify go with --server");
    }
    const inputs = inputsFromFlags(flags, io.now());
    // The file to merge into is checked before any call.
    const merge = await planMerge(flags, io);
    const command = flags.command !== undefined ? splitWords(stringFlag(flags, "command") as string) : undefined;
    const apiVersion = execApiVersion(choiceFlag(flags, "api-version", EXEC_API_CHOICES));
    const target = resolveCliTarget(inputs, io);
    const { server, projectId } = flags.server !== undefined ? { server: await serverFromFlags(flags, inputs, io), projectId: target.projectId } : await serverFromApi(inputs, io);
    const pinned: Target = { ...target, ...(projectId !== undefined ? { projectId } : {}) };
    const options = { ...(command !== undefined ? { command } : {}), apiVersion };
    if (merge !== undefined) {
        const doc = execKubeconfigDocFor(inputs, pinned, server, options);
        await mergeInto(merge, { cluster: doc.clusters[0]!.cluster, user: doc.users[0]!.user }, defaultMergeName(inputs.clusterId, server.context), io);
        return EXIT_OK;
    }
    io.stdout(execKubeconfigFor(inputs, pinned, server, options));
    return EXIT_OK;
}

function mergeFlagsAbsent(flags: Flags): boolean {
    return Object.keys(MERGE_FLAGS).every((f) => flags[f] === undefined);
}

/** `kubeconfig --merge` without `--exec`: one certificate (like `get`), its chosen context merged into the file. */
async function mergeCertificate(flags: Flags, io: CliIo): Promise<number> {
    const inputs = inputsFromFlags(flags, io.now());
    const plan = (await planMerge(flags, io)) as MergePlan;
    resolveRequest(inputs, io);
    const state = await issueCertificate(inputs, cliEnvironment(io));
    const chosen = selectContext(parseKubeconfigYaml(state.kubeconfig));
    await mergeInto(plan, { cluster: chosen.cluster.cluster, user: chosen.user.user }, defaultMergeName(inputs.clusterId, state.context), io);
    note(io, describeExpiry(state, io.now()));
    return EXIT_OK;
}
