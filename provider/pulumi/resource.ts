/**
 * `ClusterCert`: a client certificate for a Huawei Cloud CCE cluster, with its kubeconfig, as a
 * Pulumi resource. The kubeconfig and PEM outputs are secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { clusterCertProvider } from "./shim";
import {
    CREDENTIAL_INPUTS, SECRET_OUTPUTS, type ApiCall, type CertificateFacts, type ClusterCertInputs, type ClusterCertState, type ClusterType, type ContextName, type Endpoints, type Mode,
} from "../core/types";

/** The type token is `pulumi-nodejs:dynamic/cce:ClusterCert`. */
export const CLUSTER_CERT_MODULE = "cce";
export const CLUSTER_CERT_TYPE = "ClusterCert";

/** Arguments of a `ClusterCert` (see `ClusterCertInputs` for each one's default and limits). */
export type ClusterCertArgs = { [K in keyof ClusterCertInputs]: pulumi.Input<NonNullable<ClusterCertInputs[K]>> | undefined } & {
    clusterId: pulumi.Input<string>;
};

/**
 * The outputs of a `ClusterCert`, as plain values (see `ClusterCertState` for each field). The facts
 * of a stored certificate are absent in exec mode; `mode` and `clusterType` are always set on new resources.
 */
export type ClusterCertOutputs = Omit<ClusterCertState, CertificateFacts | "mode" | "clusterType"> &
    Partial<Pick<ClusterCertState, CertificateFacts>> & { mode: Mode; clusterType: ClusterType };

/**
 * Every output, seeded as `undefined` so that each exists on the resource (an output not in the
 * registered properties never resolves). A key of `ClusterCertOutputs` missing here does not compile.
 */
const OUTPUTS: Record<keyof ClusterCertOutputs, true> = {
    clusterId: true, clusterType: true, projectId: true, region: true, endpoint: true, duration: true, requestedExpiresAt: true, context: true,
    renewBeforeDays: true, legacyApi: true, revokeOnDelete: true, mode: true, execCommand: true,
    kubeconfig: true, clientCertificate: true, clientKey: true, clusterCaCertificate: true, server: true, endpoints: true,
    currentContext: true, insecureSkipTlsVerify: true, userId: true, fingerprint: true, serialNumber: true, issuedAt: true,
    expiresAt: true, portId: true, apiCall: true,
};

/** The names of every output `ClusterCert` declares (besides `clusterIdentifier`, which the program derives). */
export const CLUSTER_CERT_OUTPUTS: readonly (keyof ClusterCertOutputs)[] = Object.keys(OUTPUTS) as (keyof ClusterCertOutputs)[];

/** The prefix of `clusterIdentifier`. */
export const CLUSTER_IDENTIFIER_PREFIX = "cce-cluster:";

export class ClusterCert extends pulumi.dynamic.Resource {
    /** The CCE cluster's id. */
    declare public readonly clusterId: pulumi.Output<string>;
    /** "standard" (default) or "autopilot" (a CCE Autopilot cluster, served on its own API path). */
    declare public readonly clusterType: pulumi.Output<ClusterType>;
    /** The project (resolved, or discovered from the region through IAM). */
    declare public readonly projectId: pulumi.Output<string>;
    /** The region; undefined when none is set anywhere (an explicit `endpoint` and `projectId` need none). */
    declare public readonly region: pulumi.Output<string | undefined>;
    /** The CCE endpoint the certificate was obtained from. */
    declare public readonly endpoint: pulumi.Output<string>;
    /** Days requested: the argument, else 365 (exec mode: 1); undefined when `expiresAt` fixes the end instead. */
    declare public readonly duration: pulumi.Output<number | undefined>;
    /** The `expiresAt` argument as given; undefined without it. */
    declare public readonly requestedExpiresAt: pulumi.Output<string | undefined>;
    /** The context the outputs describe: the argument, else CCE's choice ("external" when the cluster has a public IP). */
    declare public readonly context: pulumi.Output<ContextName>;
    /** The renewal window in force, days (default 30). */
    declare public readonly renewBeforeDays: pulumi.Output<number>;
    declare public readonly legacyApi: pulumi.Output<boolean>;
    declare public readonly revokeOnDelete: pulumi.Output<boolean>;
    /** "certificate" (default) or "exec" (no key in state; the kubeconfig runs `cce-clustercert exec-credential`). */
    declare public readonly mode: pulumi.Output<Mode>;
    /** exec mode: the program kubectl runs, when given; undefined otherwise. */
    declare public readonly execCommand: pulumi.Output<string[] | undefined>;
    /** Secret: the kubeconfig (YAML) for the Kubernetes provider. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** Secret: the client certificate (PEM); undefined in exec mode. */
    public readonly clientCertificate: pulumi.Output<string | undefined>;
    /** Secret: the client private key (PEM); undefined in exec mode. */
    public readonly clientKey: pulumi.Output<string | undefined>;
    /** Secret: the cluster CA certificate (PEM); undefined when the API sent no CA data (e.g. only the external endpoint). */
    public readonly clusterCaCertificate: pulumi.Output<string | undefined>;
    /** The API server URL of the chosen context. */
    declare public readonly server: pulumi.Output<string>;
    /** The server URL of each of CCE's contexts present (`internal`, and `external` with a public IP). */
    declare public readonly endpoints: pulumi.Output<Endpoints>;
    /** The kubeconfig's current context (the same as `context`). */
    declare public readonly currentContext: pulumi.Output<string>;
    /** Whether the chosen server is used without TLS verification (CCE's external endpoint). */
    declare public readonly insecureSkipTlsVerify: pulumi.Output<boolean>;
    /** The certificate's CN: the IAM user or agency id it acts as. */
    declare public readonly userId: pulumi.Output<string>;
    /** SHA-256 fingerprint of the certificate; undefined in exec mode. */
    declare public readonly fingerprint: pulumi.Output<string | undefined>;
    /** Serial number (upper-case hex); undefined in exec mode. */
    declare public readonly serialNumber: pulumi.Output<string | undefined>;
    /** Start of validity (ISO 8601); undefined in exec mode. */
    declare public readonly issuedAt: pulumi.Output<string | undefined>;
    /** End of validity (ISO 8601), read from the certificate; undefined in exec mode. */
    declare public readonly expiresAt: pulumi.Output<string | undefined>;
    /** The answer's Port-ID header; undefined when the API sent none. */
    declare public readonly portId: pulumi.Output<string | undefined>;
    /** "POST", or "GET" for the deprecated call of clusters older than v1.13. */
    declare public readonly apiCall: pulumi.Output<ApiCall>;
    /**
     * A stable name of the cluster, known during preview (derived from `clusterId` alone, not from
     * `clusterType`: CCE cluster ids are UUIDs that one cluster of either type holds): pass it to
     * `new k8s.Provider(name, { kubeconfig: cert.kubeconfig, clusterIdentifier: cert.clusterIdentifier })`.
     * The Kubernetes provider then replaces itself, and every resource it manages, only when this
     * changes — not when the certificate is renewed, the context changes or credentials rotate.
     */
    public readonly clusterIdentifier: pulumi.Output<string>;

    constructor(name: string, args: ClusterCertArgs, opts?: pulumi.CustomResourceOptions) {
        const props: Record<string, unknown> = {};
        for (const key of CLUSTER_CERT_OUTPUTS) props[key] = undefined;
        for (const [key, value] of Object.entries(args)) {
            if (value === undefined) continue;
            props[key] = (CREDENTIAL_INPUTS as readonly string[]).includes(key) ? pulumi.secret(value) : value;
        }
        // Credentials appear among the outputs only with revokeOnDelete (for the delete); secret then too.
        const additionalSecretOutputs = [...new Set([...SECRET_OUTPUTS, ...CREDENTIAL_INPUTS, ...(opts?.additionalSecretOutputs ?? [])])];
        super(clusterCertProvider, name, props, { ...opts, additionalSecretOutputs }, CLUSTER_CERT_MODULE, CLUSTER_CERT_TYPE);
        const self = this as unknown as Record<(typeof SECRET_OUTPUTS)[number], pulumi.Output<string>>;
        this.kubeconfig = pulumi.secret(self.kubeconfig);
        this.clientCertificate = pulumi.secret(self.clientCertificate);
        this.clientKey = pulumi.secret(self.clientKey);
        this.clusterCaCertificate = pulumi.secret(self.clusterCaCertificate);
        this.clusterIdentifier = pulumi.output(args.clusterId).apply((id) => `${CLUSTER_IDENTIFIER_PREFIX}${id}`);
    }
}

/** Each output of `ClusterCertOutputs` is declared on the class with its type: a missing or mistyped one does not compile. */
type DeclaredOutputs = { [K in keyof ClusterCertOutputs]-?: pulumi.Output<ClusterCertOutputs[K]> };
export const declaredOutputs = (c: ClusterCert): DeclaredOutputs => c;
