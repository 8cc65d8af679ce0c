/**
 * A ClusterCert feeding the Kubernetes provider in the same stack.
 *
 *   pulumi config set clusterId <id>
 *   pulumi config set region eu-west-0            # or huaweicloud:region
 *   pulumi config set duration 30                 # days; -1 = 5 years
 *   pulumi config set context internal            # or external
 *   pulumi up
 *
 * Optional `endpoint`/`iamEndpoint`/`projectId` config points the stack at another endpoint
 * (e.g. the built-in emulator, see the README).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterCert } from "pulumi-cce-clustercert";

const config = new pulumi.Config();
const context = config.get("context");
if (context !== undefined && context !== "internal" && context !== "external") {
    throw new Error(`config context must be "internal" or "external", got "${context}"`);
}

const cert = new ClusterCert("cluster", {
    clusterId: config.require("clusterId"),
    region: config.get("region"),
    projectId: config.get("projectId"),
    duration: config.getNumber("duration") ?? 365,
    context,
    endpoint: config.get("endpoint"),
    iamEndpoint: config.get("iamEndpoint"),
});

// clusterIdentifier is known during preview and changes only with the cluster: a renewal (which
// replaces the ClusterCert and makes its kubeconfig unknown in that preview) then updates the
// Kubernetes provider instead of replacing it and every resource it manages.
const provider = new k8s.Provider("cce", { kubeconfig: cert.kubeconfig, clusterIdentifier: cert.clusterIdentifier });

const namespace = new k8s.core.v1.Namespace("apps", { metadata: { name: config.get("namespace") ?? "apps" } }, { provider });

new k8s.core.v1.ConfigMap(
    "cluster-info",
    {
        metadata: { namespace: namespace.metadata.name, name: "cluster-info" },
        // expiresAt is undefined only in exec mode (no certificate is stored).
        data: { server: cert.server, expiresAt: cert.expiresAt.apply((at) => at ?? ""), userId: cert.userId },
    },
    { provider },
);

export const server = cert.server;
export const expiresAt = cert.expiresAt;
export const kubeconfig = cert.kubeconfig;
