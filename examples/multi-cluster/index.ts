/**
 * Several CCE clusters in one stack: two regions, two Huawei Cloud accounts (two sets of
 * credentials), one `ClusterCert` per cluster, each feeding its own Kubernetes provider.
 *
 * Credentials are stack config secrets, passed to each `ClusterCert` as arguments (so they are
 * stored encrypted, as secret inputs, and a `pulumi destroy` on another machine needs no
 * environment variables). The `ap` account may use temporary credentials (a security token).
 *
 *   pulumi config set --secret euAccessKey <AK of the EU account>
 *   pulumi config set --secret euSecretKey <SK of the EU account>
 *   pulumi config set --secret apAccessKey <AK of the AP account>
 *   pulumi config set --secret apSecretKey <SK of the AP account>
 *   pulumi config set --secret apSecurityToken <token>      # only for temporary credentials
 *
 * and the clusters, in Pulumi.<stack>.yaml:
 *
 *   config:
 *     multi-cluster:clusters:
 *       - { name: eu-prod,    clusterId: <id>, region: eu-west-0,      account: eu }
 *       - { name: eu-staging, clusterId: <id>, region: eu-west-0,      account: eu }
 *       - { name: ap-prod,    clusterId: <id>, region: ap-southeast-3, account: ap }
 *
 * Optional per cluster: `projectId` (otherwise discovered from the region), `context`
 * (`internal` or `external`), `duration` (days), `namespace` (default `apps`).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterCert } from "pulumi-cce-clustercert";

const config = new pulumi.Config();

/** One set of credentials: an AK/SK pair, with a security token when it is temporary. */
interface Account {
    accessKey: pulumi.Output<string>;
    secretKey: pulumi.Output<string>;
    securityToken?: pulumi.Output<string>;
}

const accounts: Record<string, Account> = {
    eu: {
        accessKey: config.requireSecret("euAccessKey"),
        secretKey: config.requireSecret("euSecretKey"),
    },
    ap: {
        accessKey: config.requireSecret("apAccessKey"),
        secretKey: config.requireSecret("apSecretKey"),
        securityToken: config.getSecret("apSecurityToken"),
    },
};

interface ClusterSpec {
    name: string;
    clusterId: string;
    region: string;
    account: string;
    projectId?: string;
    context?: "internal" | "external";
    duration?: number;
    namespace?: string;
}

const clusters = config.requireObject<ClusterSpec[]>("clusters");
if (!Array.isArray(clusters) || clusters.length === 0) {
    throw new Error("config clusters must be a non-empty list of { name, clusterId, region, account }");
}
const names = new Set<string>();
for (const c of clusters) {
    if (!c.name || !c.clusterId || !c.region) throw new Error(`config clusters: every entry needs name, clusterId and region: ${JSON.stringify(c)}`);
    if (!(c.account in accounts)) throw new Error(`config clusters: ${c.name} names account "${c.account}"; known: ${Object.keys(accounts).join(", ")}`);
    if (names.has(c.name)) throw new Error(`config clusters: the name ${c.name} is used twice`);
    names.add(c.name);
}

export interface ClusterOutputs {
    server: pulumi.Output<string>;
    /** Undefined only in exec mode (not used here). */
    expiresAt: pulumi.Output<string | undefined>;
    namespace: pulumi.Output<string>;
}

const outputs: Record<string, ClusterOutputs> = {};
const kubeconfigs: Record<string, pulumi.Output<string>> = {};

for (const c of clusters) {
    const account = accounts[c.account]!;
    const cert = new ClusterCert(c.name, {
        clusterId: c.clusterId,
        region: c.region,
        projectId: c.projectId,
        context: c.context,
        duration: c.duration,
        accessKey: account.accessKey,
        secretKey: account.secretKey,
        securityToken: account.securityToken,
    });

    // One Kubernetes provider per cluster: resources choose their cluster with `{ provider }`.
    // clusterIdentifier keeps the provider (and its resources) in place when the certificate is renewed.
    const provider = new k8s.Provider(c.name, { kubeconfig: cert.kubeconfig, clusterIdentifier: cert.clusterIdentifier });

    const namespace = new k8s.core.v1.Namespace(
        `${c.name}-${c.namespace ?? "apps"}`,
        { metadata: { name: c.namespace ?? "apps", labels: { "app.kubernetes.io/managed-by": "pulumi", region: c.region } } },
        { provider },
    );

    outputs[c.name] = { server: cert.server, expiresAt: cert.expiresAt, namespace: namespace.metadata.name };
    kubeconfigs[c.name] = cert.kubeconfig;
}

/** Per cluster: API server, certificate expiry, namespace. */
export const clusterOutputs = outputs;
/** Per cluster: the kubeconfig (each one a secret). */
export const kubeconfig = kubeconfigs;
