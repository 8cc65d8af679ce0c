/**
 * examples/multi-cluster under pulumi.runtime.setMocks: three ClusterCerts in two regions with two
 * sets of credentials from stack config secrets, each feeding its own Kubernetes provider and
 * Namespace. Checks the wiring (which credentials, which kubeconfig, which provider) and that no
 * secret reaches any registered input in plain text. Loads the package by name, i.e. the build
 * output (`npm run build` first; npm test does).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { REPO_ROOT } from "../harness/program";
import { isSecret, plainText, stripSecrets } from "../harness/properties";
import { serializeResources, type RegisteredResource } from "../harness/serialize";

const EXAMPLE = path.join(REPO_ROOT, "examples", "multi-cluster", "index.ts");
const PROJECT = "multi-cluster";
const CERT_TYPE = "pulumi-nodejs:dynamic/cce:ClusterCert";
const K8S_PROVIDER_TYPE = "pulumi:providers:kubernetes";
const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";

const CREDENTIALS = {
    eu: { accessKey: "EUACCESSKEY000000001", secretKey: "EuSecretKey/0123456789abcdefghijklmnopqr" },
    ap: { accessKey: "APACCESSKEY000000002", secretKey: "ApSecretKey+0123456789abcdefghijklmnopqr", securityToken: "ApSecurityToken-temporary-0123456789" },
};

const CLUSTERS = [
    { name: "eu-prod", clusterId: "11111111-aaaa-11ef-8000-000000000001", region: "eu-west-0", account: "eu" },
    { name: "eu-staging", clusterId: "22222222-bbbb-11ef-8000-000000000002", region: "eu-west-0", account: "eu", context: "external", namespace: "staging" },
    { name: "ap-prod", clusterId: "33333333-cccc-11ef-8000-000000000003", region: "ap-southeast-3", account: "ap", projectId: "0a0b0c0d0e0f40112233445566778899" },
] as const;

/** What the mock answers for a ClusterCert: a kubeconfig that names its cluster, as a real create would. */
const kubeconfigFor = (clusterId: string): string => `apiVersion: v1\nkind: Config\n# client certificate for ${clusterId}\n`;

function stackConfig(withToken: boolean): { config: Record<string, string>; secretConfigKeys: string[] } {
    const config: Record<string, string> = {
        [`${PROJECT}:clusters`]: JSON.stringify(CLUSTERS),
        [`${PROJECT}:euAccessKey`]: CREDENTIALS.eu.accessKey,
        [`${PROJECT}:euSecretKey`]: CREDENTIALS.eu.secretKey,
        [`${PROJECT}:apAccessKey`]: CREDENTIALS.ap.accessKey,
        [`${PROJECT}:apSecretKey`]: CREDENTIALS.ap.secretKey,
    };
    if (withToken) config[`${PROJECT}:apSecurityToken`] = CREDENTIALS.ap.securityToken;
    return { config, secretConfigKeys: Object.keys(config).filter((k) => !k.endsWith(":clusters")) };
}

/** Runs the example afresh under mocks (it is a module with top-level code: drop it from the cache first). */
async function runExample(withToken = true): Promise<RegisteredResource[]> {
    return serializeResources(
        () => {
            delete require.cache[require.resolve(EXAMPLE)];
            require(EXAMPLE);
        },
        {
            project: PROJECT,
            ...stackConfig(withToken),
            newResource: (a) => {
                if (a.type !== CERT_TYPE) return { id: `${a.name}_id`, state: a.inputs };
                const clusterId = stripSecrets(a.inputs.clusterId ?? null);
                assert.equal(typeof clusterId, "string");
                return {
                    id: `${String(clusterId)}:0123abcd`,
                    state: { ...a.inputs, kubeconfig: kubeconfigFor(String(clusterId)), server: `https://${String(clusterId)}.example:5443` },
                };
            },
        },
    );
}

describe("examples/multi-cluster under mocks", () => {
    let resources: RegisteredResource[];
    const byType = (type: string): RegisteredResource[] => resources.filter((r) => r.type === type);

    before(async () => {
        resources = await runExample();
    });

    it("registers one ClusterCert, one Kubernetes provider and one Namespace per cluster", () => {
        assert.deepEqual(byType(CERT_TYPE).map((r) => r.name), CLUSTERS.map((c) => c.name));
        assert.deepEqual(byType(K8S_PROVIDER_TYPE).map((r) => r.name), CLUSTERS.map((c) => c.name));
        assert.equal(byType(NAMESPACE_TYPE).length, CLUSTERS.length);
        assert.equal(resources.length, 3 * CLUSTERS.length);
    });

    it("gives each ClusterCert its cluster, region and project, across two regions", () => {
        for (const c of CLUSTERS) {
            const cert = byType(CERT_TYPE).find((r) => r.name === c.name)!;
            assert.equal(cert.inputs.clusterId, c.clusterId);
            assert.equal(cert.inputs.region, c.region);
            assert.equal(cert.inputs.projectId, "projectId" in c ? c.projectId : undefined);
            assert.equal(cert.inputs.context, "context" in c ? c.context : undefined);
            assert.match(String(cert.inputs.__provider), /require\("pulumi-cce-clustercert\/runtime"\)/);
        }
        assert.deepEqual(new Set(byType(CERT_TYPE).map((r) => r.inputs.region)), new Set(["eu-west-0", "ap-southeast-3"]));
    });

    it("passes each account's credentials, as secret inputs, to the certs of that account only", () => {
        for (const c of CLUSTERS) {
            const cert = byType(CERT_TYPE).find((r) => r.name === c.name)!;
            const creds: { accessKey: string; secretKey: string; securityToken?: string } = CREDENTIALS[c.account];
            for (const key of ["accessKey", "secretKey", "securityToken"] as const) {
                const input = cert.inputs[key];
                if (creds[key] === undefined) {
                    assert.equal(input, undefined, `${c.name}: unexpected ${key}`);
                    continue;
                }
                assert.ok(input !== undefined && isSecret(input), `${c.name}: ${key} is not a secret input`);
                assert.equal(stripSecrets(input), creds[key], `${c.name}: ${key} of the wrong account`);
            }
        }
    });

    it("feeds each Kubernetes provider its own cert's kubeconfig, as a secret", () => {
        for (const c of CLUSTERS) {
            const provider = byType(K8S_PROVIDER_TYPE).find((r) => r.name === c.name)!;
            const kubeconfig = provider.inputs.kubeconfig;
            assert.ok(kubeconfig !== undefined && isSecret(kubeconfig), `${c.name}: the provider's kubeconfig is not secret`);
            assert.equal(stripSecrets(kubeconfig), kubeconfigFor(c.clusterId), `${c.name}: the provider got another cluster's kubeconfig`);
        }
    });

    it("creates each Namespace with the provider of its own cluster", () => {
        const providers = byType(K8S_PROVIDER_TYPE);
        const namespaces = byType(NAMESPACE_TYPE);
        for (const c of CLUSTERS) {
            const provider = providers.find((r) => r.name === c.name)!;
            const ns = namespaces.find((r) => r.name === `${c.name}-${"namespace" in c ? c.namespace : "apps"}`);
            assert.ok(ns, `${c.name}: no Namespace (${namespaces.map((n) => n.name).join(", ")})`);
            assert.equal(ns.provider, `${provider.urn}::${provider.id}`, `${c.name}: the Namespace uses another provider`);
            const metadata = ns.inputs.metadata as { name?: string; labels?: Record<string, string> };
            assert.equal(metadata.name, "namespace" in c ? c.namespace : "apps");
            assert.equal(metadata.labels?.region, c.region);
        }
        assert.equal(new Set(namespaces.map((n) => n.provider)).size, CLUSTERS.length);
    });

    it("has no secret in plain text in any registered input", () => {
        const secrets = [
            CREDENTIALS.eu.accessKey, CREDENTIALS.eu.secretKey, CREDENTIALS.ap.accessKey, CREDENTIALS.ap.secretKey, CREDENTIALS.ap.securityToken,
            ...CLUSTERS.map((c) => kubeconfigFor(c.clusterId).trim()),
        ];
        for (const r of resources) {
            const text = plainText(r.inputs);
            for (const s of secrets) assert.ok(!text.includes(s), `${r.type} ${r.name} has a secret in plain text`);
        }
        // Nor in the serialized provider (the same shim in every cert).
        const texts = new Set(byType(CERT_TYPE).map((r) => r.inputs.__provider));
        assert.equal(texts.size, 1);
    });

    it("works without the optional security token (long-term AP credentials)", async () => {
        const again = await runExample(false);
        const ap = again.find((r) => r.type === CERT_TYPE && r.name === "ap-prod")!;
        assert.equal(ap.inputs.securityToken, undefined);
        assert.equal(stripSecrets(ap.inputs.accessKey ?? null), CREDENTIALS.ap.accessKey);
    });

    it("refuses a cluster that names an unknown account", async () => {
        await assert.rejects(
            serializeResources(
                () => {
                    delete require.cache[require.resolve(EXAMPLE)];
                    require(EXAMPLE);
                },
                {
                    project: PROJECT,
                    config: { ...stackConfig(true).config, [`${PROJECT}:clusters`]: JSON.stringify([{ name: "x", clusterId: "c", region: "eu-west-0", account: "us" }]) },
                },
            ),
            /names account "us"/,
        );
    });
});
