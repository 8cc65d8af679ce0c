/**
 * `ClusterCert`: a client certificate for a Huawei Cloud CCE cluster, with its kubeconfig, as a
 * Pulumi resource. The kubeconfig and PEM outputs are secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { clusterCertProvider } from "./provider";
import {
    CREDENTIAL_INPUTS, SECRET_OUTPUTS, type ApiCall, type CertificateFacts, type ClusterCertInputs, type ClusterCertState, type ContextName, type Endpoints, type Mode,
} from "./types";

/** The type token is `pulumi-nodejs:dynamic/cce:ClusterCert`. */
export const CLUSTER_CERT_MODULE = "cce";
export const CLUSTER_CERT_TYPE = "ClusterCert";

/** Arguments of a `ClusterCert`; see the README for defaults and where unset values come from. */
export type ClusterCertArgs = { [K in keyof ClusterCertInputs]: pulumi.Input<NonNullable<ClusterCertInputs[K]>> | undefined } & {
    clusterId: pulumi.Input<string>;
};

/**
 * The outputs of a `ClusterCert`, as plain values (see `ClusterCertState` for each field). The facts
 * of a stored certificate are absent in exec mode; `mode` is always set on new resources.
 */
export type ClusterCertOutputs = Omit<ClusterCertState, CertificateFacts | "mode"> & Partial<Pick<ClusterCertState, CertificateFacts>> & { mode: Mode };

const OUTPUT_NAMES: readonly (keyof ClusterCertOutputs)[] = [
    "projectId", "region", "endpoint", "requestedExpiresAt", "renewBeforeDays", "legacyApi", "revokeOnDelete", "mode",
    "kubeconfig", "clientCertificate", "clientKey", "clusterCaCertificate", "server", "endpoints", "currentContext",
    "insecureSkipTlsVerify", "userId", "fingerprint", "serialNumber", "issuedAt", "expiresAt", "portId", "apiCall",
];


export class ClusterCert extends pulumi.dynamic.Resource {
    declare public readonly clusterId: pulumi.Output<string>;
    declare public readonly projectId: pulumi.Output<string>;
    declare public readonly region: pulumi.Output<string | undefined>;
    declare public readonly endpoint: pulumi.Output<string>;
    declare public readonly duration: pulumi.Output<number | undefined>;
    declare public readonly requestedExpiresAt: pulumi.Output<string | undefined>;
    declare public readonly context: pulumi.Output<ContextName | undefined>;
    declare public readonly renewBeforeDays: pulumi.Output<number>;
    declare public readonly legacyApi: pulumi.Output<boolean>;
    declare public readonly revokeOnDelete: pulumi.Output<boolean>;
    /** "certificate" (default) or "exec" (no key in state; the kubeconfig runs `cce-clustercert exec-credential`). */
    declare public readonly mode: pulumi.Output<Mode>;
    /** Secret: the kubeconfig (YAML) for the Kubernetes provider. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** Secret: the client certificate (PEM). */
    public readonly clientCertificate: pulumi.Output<string>;
    /** Secret: the client private key (PEM). */
    public readonly clientKey: pulumi.Output<string>;
    /** Secret: the cluster CA certificate (PEM). */
    public readonly clusterCaCertificate: pulumi.Output<string | undefined>;
    declare public readonly server: pulumi.Output<string>;
    declare public readonly endpoints: pulumi.Output<Endpoints>;
    declare public readonly currentContext: pulumi.Output<string>;
    declare public readonly insecureSkipTlsVerify: pulumi.Output<boolean>;
    /** The certificate's CN: the IAM user or agency id it acts as. */
    declare public readonly userId: pulumi.Output<string>;
    declare public readonly fingerprint: pulumi.Output<string>;
    declare public readonly serialNumber: pulumi.Output<string>;
    declare public readonly issuedAt: pulumi.Output<string>;
    /** When the certificate expires (ISO 8601), read from the certificate. */
    declare public readonly expiresAt: pulumi.Output<string>;
    declare public readonly portId: pulumi.Output<string | undefined>;
    declare public readonly apiCall: pulumi.Output<ApiCall>;

    constructor(name: string, args: ClusterCertArgs, opts?: pulumi.CustomResourceOptions) {
        const props: Record<string, unknown> = {};
        for (const key of OUTPUT_NAMES) props[key] = undefined;
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
    }
}
