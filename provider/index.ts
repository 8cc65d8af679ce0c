/**
 * pulumi-cce-clustercert: X.509 client certificates and kubeconfigs for Huawei Cloud CCE clusters.
 *
 *     const cert = new ClusterCert("prod", { clusterId: "…", region: "eu-west-0", duration: 365 });
 *     const k8sProvider = new k8s.Provider("prod", { kubeconfig: cert.kubeconfig });
 */
export { ClusterCert, CLUSTER_CERT_MODULE, CLUSTER_CERT_TYPE, type ClusterCertArgs, type ClusterCertOutputs } from "./pulumi/resource";
export { clusterCertProvider } from "./pulumi/shim";
export { SECRET_OUTPUTS, type ApiCall, type ClusterType, type ContextName, type Endpoints, type Mode } from "./core/types";
