/**
 * The one builder of exec kubeconfigs, used by `ClusterCert`'s exec mode and by
 * `cce-clustercert kubeconfig --exec`: the target is pinned in the plugin's arguments (cluster,
 * project, region, CCE and IAM endpoints, duration, and the flags that change how it calls the API),
 * so kubectl's environment only has to supply credentials.
 */
import type { ExecApiVersion } from "../kube/exec-credential";
import { buildExecKubeconfig, renderExecKubeconfig, type ExecKubeconfigParams } from "../kube/exec-kubeconfig";
import type { ContextName, Kubeconfig } from "../kube/kubeconfig";
import { EXEC_DURATION_DAYS } from "./defaults";
import type { Target } from "./settings";
import type { ClusterCertInputs } from "./types";

/** The API server the kubeconfig points at. */
export interface ExecServer {
    server: string;
    /** PEM; left out with `insecureSkipTlsVerify` (kubectl refuses both). */
    caCertificate?: string;
    insecureSkipTlsVerify: boolean;
    context: ContextName;
}

export interface ExecKubeconfigOptions {
    /** The program and its leading arguments; default `["cce-clustercert"]`. */
    command?: readonly string[];
    /** Default v1 (kubectl >= 1.22). */
    apiVersion?: ExecApiVersion;
}

/**
 * The flags besides the target that change how the plugin calls the API: only those given
 * (`--cluster-type autopilot` pins a CCE Autopilot cluster's own API path).
 */
export function passThroughFlags(inputs: Pick<ClusterCertInputs, "clusterType" | "legacyApi" | "maxRetries" | "timeoutSeconds">): string[] {
    const out: string[] = [];
    if (inputs.clusterType === "autopilot") out.push("--cluster-type=autopilot");
    if (inputs.legacyApi === true) out.push("--legacy-api");
    if (inputs.maxRetries !== undefined) out.push(`--max-retries=${inputs.maxRetries}`);
    if (inputs.timeoutSeconds !== undefined) out.push(`--timeout-seconds=${inputs.timeoutSeconds}`);
    return out;
}

/** The exec kubeconfig (YAML) for `inputs` resolved as `target` (an unknown project id is left to the plugin to discover), pointing at `server`. */
export function execKubeconfigFor(inputs: ClusterCertInputs, target: Target, server: ExecServer, options: ExecKubeconfigOptions = {}): string {
    return renderExecKubeconfig(execParams(inputs, target, server, options));
}

/** The same exec kubeconfig as a document (for `kubeconfig --exec --merge`). */
export function execKubeconfigDocFor(inputs: ClusterCertInputs, target: Target, server: ExecServer, options: ExecKubeconfigOptions = {}): Kubeconfig {
    return buildExecKubeconfig(execParams(inputs, target, server, options));
}

function execParams(inputs: ClusterCertInputs, target: Target, server: ExecServer, options: ExecKubeconfigOptions): ExecKubeconfigParams {
    return {
        clusterId: inputs.clusterId,
        ...(target.projectId !== undefined ? { projectId: target.projectId } : {}),
        ...(target.region !== undefined ? { region: target.region } : {}),
        endpoint: target.endpoint,
        ...(target.iamEndpoint !== undefined ? { iamEndpoint: target.iamEndpoint } : {}),
        duration: inputs.duration ?? EXEC_DURATION_DAYS,
        context: server.context,
        server: server.server,
        ...(server.caCertificate !== undefined ? { caCertificate: server.caCertificate } : {}),
        insecureSkipTlsVerify: server.insecureSkipTlsVerify,
        ...(options.command !== undefined ? { command: options.command } : {}),
        ...(options.apiVersion !== undefined ? { apiVersion: options.apiVersion } : {}),
        extraArgs: passThroughFlags(inputs),
    };
}
