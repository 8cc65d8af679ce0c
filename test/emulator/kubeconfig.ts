/**
 * The clustercert answer: a kubeconfig as JSON, in the exact shape of CCE's API
 * (kind, apiVersion, preferences, clusters, users, contexts, current-context).
 */

export interface KubeconfigCluster {
    name: string;
    cluster: { server: string; "certificate-authority-data"?: string; "insecure-skip-tls-verify"?: boolean };
}

export interface KubeconfigJson {
    kind: "Config";
    apiVersion: "v1";
    preferences: Record<string, never>;
    clusters: KubeconfigCluster[];
    users: { name: string; user: { "client-certificate-data": string; "client-key-data": string } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    "current-context": string;
}

export interface KubeconfigInput {
    internalServer: string;
    /** Present when the cluster has a public IP (EIP). */
    externalServer?: string;
    caCertPem: string;
    clientCertPem: string;
    clientKeyPem: string;
}

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/**
 * Without a public IP: `internalCluster` (server + CA), context `internal`, current `internal`.
 * With one: also `externalCluster` (insecure-skip-tls-verify, no CA data), context `external`,
 * current `external`. One user, `user`, with the base64 PEM certificate and key.
 */
export function buildKubeconfig(input: KubeconfigInput): KubeconfigJson {
    const clusters: KubeconfigCluster[] = [
        { name: "internalCluster", cluster: { server: input.internalServer, "certificate-authority-data": b64(input.caCertPem) } },
    ];
    const contexts = [{ name: "internal", context: { cluster: "internalCluster", user: "user" } }];
    if (input.externalServer !== undefined) {
        clusters.push({ name: "externalCluster", cluster: { server: input.externalServer, "insecure-skip-tls-verify": true } });
        contexts.push({ name: "external", context: { cluster: "externalCluster", user: "user" } });
    }
    return {
        kind: "Config",
        apiVersion: "v1",
        preferences: {},
        clusters,
        users: [{ name: "user", user: { "client-certificate-data": b64(input.clientCertPem), "client-key-data": b64(input.clientKeyPem) } }],
        contexts,
        "current-context": input.externalServer !== undefined ? "external" : "internal",
    };
}
