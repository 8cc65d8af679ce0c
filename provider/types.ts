/**
 * Plain (resolved) shapes of the resource's inputs and outputs, as the dynamic provider sees
 * them inside the provider host. `resource.ts` wraps them in `pulumi.Input`/`pulumi.Output`.
 */

/** Which kubeconfig context the outputs describe. */
export type ContextName = "internal" | "external";

/** Which API call issued the certificate: the current POST or the deprecated GET (clusters < v1.13). */
export type ApiCall = "POST" | "GET";

export interface ClusterCertInputs {
    clusterId: string;
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
}

export interface Endpoints {
    internal?: string;
    external?: string;
}

export interface ClusterCertState {
    // What the certificate was requested for (resolved inputs, compared by diff).
    clusterId: string;
    projectId: string;
    region?: string;
    endpoint: string;
    duration?: number;
    requestedExpiresAt?: string;
    context?: ContextName;
    renewBeforeDays: number;
    legacyApi: boolean;
    revokeOnDelete: boolean;
    // What the API answered.
    kubeconfig: string;
    clientCertificate: string;
    clientKey: string;
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
    portId?: string;
    apiCall: ApiCall;
}

/** Output names that hold key material or the kubeconfig: always Pulumi secrets. */
export const SECRET_OUTPUTS = ["kubeconfig", "clientCertificate", "clientKey", "clusterCaCertificate"] as const;

/** Input names that hold credentials: secret inputs, never outputs, never part of a diff. */
export const CREDENTIAL_INPUTS = ["accessKey", "secretKey", "securityToken", "authToken"] as const;
