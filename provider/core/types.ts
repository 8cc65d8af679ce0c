/**
 * Plain (resolved) shapes of the resource's inputs and outputs, as the dynamic provider sees
 * them inside the provider host. `resource.ts` wraps them in `pulumi.Input`/`pulumi.Output`.
 */

import type { ApiCall, ClusterType } from "../huaweicloud/cce";
import type { ContextName } from "../kube/kubeconfig";

export type { ApiCall, ClusterType, ContextName };

/**
 * `certificate` (default): the certificate and its key are stored (as secrets) and the kubeconfig embeds them.
 * `exec`: no key is stored; the kubeconfig runs `cce-clustercert exec-credential`, which obtains short-lived
 * certificates on demand on the machine that uses it.
 */
export type Mode = "certificate" | "exec";


export interface ClusterCertInputs {
    clusterId: string;
    /**
     * `"standard"` (default) or `"autopilot"` (a CCE Autopilot cluster: `duration` -1 or 1..1825 only,
     * no `expiresAt`, `legacyApi` or `revokeOnDelete`). A change replaces the resource.
     */
    clusterType?: ClusterType;
    projectId?: string;
    region?: string;
    /** Days, -1 (maximum, 5 years) or 1..1827. Default 365 unless `expiresAt` is given. */
    duration?: number;
    /** RFC 3339 date or time at which the certificate should expire (exclusive with `duration`). */
    expiresAt?: string;
    endpoint?: string;
    iamEndpoint?: string;
    context?: ContextName;
    /** Renew (replace) the certificate when it expires within this many days. Default 30. */
    renewBeforeDays?: number;
    /** Always use the deprecated GET (clusters older than v1.13). */
    legacyApi?: boolean;
    /** Revoke the certificate's user on the cluster when the resource is deleted. */
    revokeOnDelete?: boolean;
    maxRetries?: number;
    /** Per-request time limit in seconds. Default 30. */
    timeoutSeconds?: number;
    accessKey?: string;
    secretKey?: string;
    securityToken?: string;
    authToken?: string;
    mode?: Mode;
    /** exec mode: the program (and leading arguments) kubectl runs. Default ["cce-clustercert"]. */
    execCommand?: string[];
}

export interface Endpoints {
    internal?: string;
    external?: string;
}

export interface ClusterCertState {
    // What the certificate was requested for (resolved inputs, compared by diff).
    clusterId: string;
    /** Absent in states written before CCE Autopilot support: "standard". */
    clusterType?: ClusterType;
    projectId: string;
    /** Absent when no region is set anywhere (an explicit `endpoint` and `projectId` need none). */
    region?: string;
    endpoint: string;
    /** Days requested: the argument, else 365 (exec mode: 1). Absent when `expiresAt` fixes the end instead. */
    duration?: number;
    /** The `expiresAt` argument as given; absent without it. */
    requestedExpiresAt?: string;
    /** The context the outputs describe: the argument, else CCE's choice (`external` when the cluster has a public IP). */
    context: ContextName;
    renewBeforeDays: number;
    legacyApi: boolean;
    revokeOnDelete: boolean;
    /** Absent in states written before exec mode existed: "certificate". */
    mode?: Mode;
    execCommand?: string[];
    // What the API answered.
    /** Secret. The API's kubeconfig as YAML, `current-context` set to the chosen context (exec mode: one running the exec plugin). */
    kubeconfig: string;
    /** Secret. PEM. */
    clientCertificate: string;
    /** Secret. PEM. */
    clientKey: string;
    /** Secret. PEM; absent when the API sent no CA data. */
    clusterCaCertificate?: string;
    server: string;
    endpoints: Endpoints;
    currentContext: string;
    insecureSkipTlsVerify: boolean;
    userId: string;
    fingerprint: string;
    serialNumber: string;
    issuedAt: string;
    expiresAt: string;
    /** The answer's Port-ID header; absent when the API sent none. */
    portId?: string;
    apiCall: ApiCall;
}

/** The outputs that describe a stored certificate: absent in exec mode. */
export type CertificateFacts = "clientCertificate" | "clientKey" | "fingerprint" | "serialNumber" | "issuedAt" | "expiresAt";

/** The outputs of an exec-mode resource: no certificate, no key. */
export type ExecState = Omit<ClusterCertState, CertificateFacts> & { mode: "exec" };

/** What a resource stores: a certificate, or (exec mode) only how to obtain one. */
export type StoredState = ClusterCertState | ExecState;

export function isExecState(s: StoredState): s is ExecState {
    return s.mode === "exec";
}

/** Output names that hold key material or the kubeconfig: always Pulumi secrets. */
export const SECRET_OUTPUTS = ["kubeconfig", "clientCertificate", "clientKey", "clusterCaCertificate"] as const;

/** Every argument of a `ClusterCert`: one left out here does not compile. */
const INPUT_NAMES: Record<keyof ClusterCertInputs, true> = {
    clusterId: true, clusterType: true, projectId: true, region: true, duration: true, expiresAt: true, endpoint: true, iamEndpoint: true, context: true,
    renewBeforeDays: true, legacyApi: true, revokeOnDelete: true, maxRetries: true, timeoutSeconds: true,
    accessKey: true, secretKey: true, securityToken: true, authToken: true, mode: true, execCommand: true,
};
export const CLUSTER_CERT_INPUTS = Object.keys(INPUT_NAMES) as readonly (keyof ClusterCertInputs)[];

/** Input names that hold credentials: secret inputs, never outputs, never part of a diff. */
export const CREDENTIAL_INPUTS = ["accessKey", "secretKey", "securityToken", "authToken"] as const;
