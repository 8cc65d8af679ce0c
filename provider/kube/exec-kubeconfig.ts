/**
 * A kubeconfig whose user is a client-go exec credential plugin running
 * `cce-clustercert exec-credential` for one CCE cluster. Pure: the caller supplies the server URL,
 * the CA and the flags to pin. Used by `cce-clustercert kubeconfig --exec` and meant for
 * `ClusterCert`'s exec mode too.
 */
import { endpointProblem } from "../util/url";
import { encodePemData, type ExecConfig, type Kubeconfig, type KubeconfigCluster } from "./kubeconfig";
import { kubeconfigYaml } from "./kubeconfig-yaml";
import { certificatesOnly } from "./pem";
import type { ContextName } from "./kubeconfig";
import { EXEC_API_V1, EXEC_API_V1BETA1, type ExecApiVersion } from "./exec-credential";

/** The program kubectl runs by default: the `bin` name, found on the PATH (global install or npx). */
export const DEFAULT_EXEC_COMMAND: readonly string[] = ["cce-clustercert"];

export const INSTALL_HINT =
    "cce-clustercert obtains client certificates for Huawei Cloud CCE clusters. Install it with " +
    "`npm install -g pulumi-cce-clustercert` and export HW_ACCESS_KEY/HW_SECRET_KEY (or another supported credential).";

export interface ExecKubeconfigParams {
    clusterId: string;
    projectId?: string;
    region?: string;
    /** CCE endpoint (pinned so that kubectl does not depend on HW_CLOUD or the region's default). */
    endpoint?: string;
    iamEndpoint?: string;
    /** Days of validity of each certificate the plugin obtains. */
    duration?: number;
    /** The CCE context the server belongs to; names the kubeconfig's context ("internal"/"external"). */
    context?: ContextName;
    /** API server URL. */
    server: string;
    /** CA certificate of the API server, PEM. Left out when `insecureSkipTlsVerify` is set (kubectl refuses both). */
    caCertificate?: string;
    insecureSkipTlsVerify?: boolean;
    /** The program and its leading arguments, e.g. ["node", "/abs/dist/provider/cli/main.js"]. Default ["cce-clustercert"]. */
    command?: readonly string[];
    /** Default v1 (kubectl >= 1.22); v1beta1 for older kubectl. */
    apiVersion?: ExecApiVersion;
    /** Further flags for `exec-credential`, e.g. ["--legacy-api"]. */
    extraArgs?: readonly string[];
}

/** The arguments after the program: `exec-credential` and the flags that pin the target. */
export function execCredentialArgs(p: ExecKubeconfigParams): string[] {
    const args = ["exec-credential", "--cluster-id", p.clusterId];
    if (p.projectId !== undefined) args.push("--project-id", p.projectId);
    if (p.region !== undefined) args.push("--region", p.region);
    if (p.endpoint !== undefined) args.push("--endpoint", p.endpoint);
    if (p.iamEndpoint !== undefined) args.push("--iam-endpoint", p.iamEndpoint);
    if (p.duration !== undefined) args.push(`--duration=${p.duration}`);
    if (p.apiVersion === EXEC_API_V1BETA1) args.push("--api-version", "v1beta1");
    args.push(...(p.extraArgs ?? []));
    return args;
}

/** The kubeconfig's `exec` stanza. `interactiveMode` is required by v1 and left out of v1beta1 (older kubectl). */
export function execConfig(p: ExecKubeconfigParams): ExecConfig {
    const command = p.command ?? DEFAULT_EXEC_COMMAND;
    if (command.length === 0 || command[0] === "") throw new Error("the exec command must name a program");
    const apiVersion = p.apiVersion ?? EXEC_API_V1;
    return {
        apiVersion,
        command: command[0] as string,
        args: [...command.slice(1), ...execCredentialArgs(p)],
        ...(apiVersion === EXEC_API_V1 ? { interactiveMode: "Never" as const } : {}),
        provideClusterInfo: false,
        installHint: INSTALL_HINT,
    };
}

/** The kubeconfig document: one cluster, one exec user, one context (named like CCE's). */
export function buildExecKubeconfig(p: ExecKubeconfigParams): Kubeconfig {
    const why = endpointProblem(p.server);
    if (why !== undefined) throw new Error(`the server URL ${why}`);
    const contextName = p.context ?? "internal";
    const clusterName = `${contextName}Cluster`;
    const userName = "user";
    const cluster: KubeconfigCluster = { server: p.server };
    if (p.insecureSkipTlsVerify === true) cluster["insecure-skip-tls-verify"] = true;
    else if (p.caCertificate !== undefined && p.caCertificate !== "") cluster["certificate-authority-data"] = encodePemData(certificatesOnly(p.caCertificate, "the CA certificate"));
    return {
        kind: "Config",
        apiVersion: "v1",
        preferences: {},
        clusters: [{ name: clusterName, cluster }],
        users: [{ name: userName, user: { exec: execConfig(p) } }],
        contexts: [{ name: contextName, context: { cluster: clusterName, user: userName } }],
        "current-context": contextName,
    };
}

/** The exec kubeconfig as YAML. */
export function renderExecKubeconfig(p: ExecKubeconfigParams): string {
    return kubeconfigYaml(buildExecKubeconfig(p));
}
