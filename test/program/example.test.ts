/**
 * The root stack (Pulumi.yaml → examples/kubernetes/index.ts) under pulumi.runtime.setMocks.
 *
 * The program runs the way the Node.js language host runs it: inside `runInPulumiStack`, so its
 * module exports become the outputs of the root `pulumi:pulumi:Stack` resource (registered with
 * registerResourceOutputs, which the mock monitor records). Checks the wiring — stack config →
 * ClusterCert inputs, the cert's kubeconfig (secret) → the Kubernetes provider → the Namespace and
 * ConfigMap — and that no kubeconfig, key or certificate reaches a registered input or a stack
 * output in plain text. The mocks answer the ClusterCert with planted secret outputs *as plain
 * values* (like a provider that forgot to mark them): the resource class must make them secret.
 *
 * Loads `pulumi-cce-clustercert` by name, i.e. the build output through the repository's
 * self-link (`npx tsc -p .` first; npm test builds before mocha).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import YAML from "yaml";
import { REPO_ROOT } from "../harness/program";
import { isSecret, plainText, stripSecrets, type PropertyMap } from "../harness/properties";
import { serializeResources, type RegisteredResource, type SerializeOptions } from "../harness/serialize";

interface ProjectFile {
    name: string;
    main: string;
    config: Record<string, { type: string; default?: unknown; description?: string }>;
}

const PROJECT_FILE = YAML.parse(readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as ProjectFile;
const PROJECT = PROJECT_FILE.name;
const EXAMPLE = path.join(REPO_ROOT, PROJECT_FILE.main);
const CERT_TYPE = "pulumi-nodejs:dynamic/cce:ClusterCert";
const K8S_PROVIDER_TYPE = "pulumi:providers:kubernetes";
const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";
const CONFIGMAP_TYPE = "kubernetes:core/v1:ConfigMap";
const STACK_TYPE = "pulumi:pulumi:Stack";

const CLUSTER_ID = "5a1d2c3b-7e8f-11ef-a000-0123456789ab";
const SERVER = { internal: "https://192.168.0.17:5443", external: "https://203.0.113.9:5443" };
const EXPIRES_AT = "2027-02-01T12:00:00.000Z";
const USER_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

/** Planted secrets: none of these may appear in plain text anywhere. */
const PLANTED = {
    clientKey: "-----BEGIN RSA PRIVATE KEY-----\nPLANTEDprivateKEYmaterial0123456789abcdefghijklmnopqrstuvwxyz\n-----END RSA PRIVATE KEY-----\n",
    clientCertificate: "-----BEGIN CERTIFICATE-----\nPLANTEDclientCERTIFICATE0123456789abcdefghijklmnopqrstuvwxyz\n-----END CERTIFICATE-----\n",
    clusterCaCertificate: "-----BEGIN CERTIFICATE-----\nPLANTEDclusterCA0123456789abcdefghijklmnopqrstuvwxyz\n-----END CERTIFICATE-----\n",
};
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

/** The kubeconfig the mock answers: the API's shape, rendered as YAML like the provider does. */
function fakeKubeconfig(context: "internal" | "external"): string {
    return YAML.stringify({
        kind: "Config",
        apiVersion: "v1",
        preferences: {},
        clusters: [
            { name: "internalCluster", cluster: { server: SERVER.internal, "certificate-authority-data": b64(PLANTED.clusterCaCertificate) } },
            { name: "externalCluster", cluster: { server: SERVER.external, "insecure-skip-tls-verify": true } },
        ],
        users: [{ name: "user", user: { "client-certificate-data": b64(PLANTED.clientCertificate), "client-key-data": b64(PLANTED.clientKey) } }],
        contexts: [
            { name: "internal", context: { cluster: "internalCluster", user: "user" } },
            { name: "external", context: { cluster: "externalCluster", user: "user" } },
        ],
        "current-context": context,
    });
}

/** Strings that must never be stored in plain text. */
function plantedStrings(): string[] {
    const kc = fakeKubeconfig("internal");
    return [
        ...Object.values(PLANTED).map((s) => s.split("\n")[1]!), // the PEM bodies
        ...Object.values(PLANTED).map(b64), // as they sit in the kubeconfig
        kc.slice(0, 200),
    ];
}

/** Mock answer: the ClusterCert's outputs as a create would return them (secrets deliberately plain). */
const newResource: NonNullable<SerializeOptions["newResource"]> = (a) => {
    if (a.type !== CERT_TYPE) return { id: `${a.name}_id`, state: a.inputs };
    const context = stripSecrets(a.inputs.context ?? "external") === "internal" ? "internal" : "external";
    const state: PropertyMap = {
        ...a.inputs,
        projectId: "0a0b0c0d0e0f40112233445566778899",
        kubeconfig: fakeKubeconfig(context),
        ...PLANTED,
        server: SERVER[context],
        endpoints: { ...SERVER },
        currentContext: context,
        insecureSkipTlsVerify: context === "external",
        userId: USER_ID,
        serialNumber: "0123ABCD",
        issuedAt: "2026-02-01T11:55:00.000Z",
        expiresAt: EXPIRES_AT,
        apiCall: "POST",
    };
    return { id: `${CLUSTER_ID}:0123ABCD`, state };
};

interface StackRun {
    resources: RegisteredResource[];
    /** The module's exports (what the language host hands to the Stack resource). */
    exports: Record<string, unknown>;
    /** The root Stack resource's outputs as registered (registerResourceOutputs), secrets as markers. */
    stackOutputs: PropertyMap;
}

/** Runs the example afresh (it is a module with top-level code), like the language host does. */
async function runStack(config: Record<string, string>, secretConfigKeys: string[] = []): Promise<StackRun> {
    let monitor: unknown;
    let exports: Record<string, unknown> = {};
    const resources = await serializeResources(
        async () => {
            monitor = pulumi.runtime.getMonitor();
            await pulumi.runtime.runInPulumiStack(async () => {
                delete require.cache[require.resolve(EXAMPLE)];
                exports = require(EXAMPLE) as Record<string, unknown>;
                return exports;
            });
        },
        { project: PROJECT, config, secretConfigKeys, newResource },
    );
    assert.ok(monitor instanceof MockMonitor, "setMocks installs a MockMonitor");
    const stack = [...monitor.getRegisteredResources().values()].find((r) => r.urn.split("::")[2] === STACK_TYPE);
    assert.ok(stack, "no root Stack resource was registered");
    const state: unknown = stack.state;
    const toJavaScript = (state as { toJavaScript?: unknown } | undefined)?.toJavaScript;
    assert.equal(typeof toJavaScript, "function", "the Stack's outputs were never registered");
    return { resources, exports, stackOutputs: (state as { toJavaScript(): PropertyMap }).toJavaScript() };
}

/** Stack config keys of this project. */
const key = (k: string): string => `${PROJECT}:${k}`;

/** What `pulumi up` passes to the program: the stack's config plus Pulumi.yaml's defaults for keys it does not set. */
function withProjectDefaults(stackConfig: Record<string, string>): Record<string, string> {
    const merged = { ...stackConfig };
    for (const [k, spec] of Object.entries(PROJECT_FILE.config)) {
        if (!(key(k) in merged) && spec.default !== undefined) merged[key(k)] = String(spec.default);
    }
    return merged;
}

describe("the root stack (Pulumi.yaml → examples/kubernetes) under mocks", () => {
    const STACK_CONFIG = {
        [key("clusterId")]: CLUSTER_ID,
        [key("region")]: "eu-west-101",
        [key("duration")]: "30",
        [key("context")]: "internal",
    };
    let run: StackRun;
    const one = (type: string): RegisteredResource => {
        const found = run.resources.filter((r) => r.type === type);
        assert.equal(found.length, 1, `${type}: ${found.length} registered`);
        return found[0]!;
    };

    before(async () => {
        run = await runStack(STACK_CONFIG);
    });

    it("Pulumi.yaml runs examples/kubernetes/index.ts and declares cluster and duration (region and context stay optional)", () => {
        assert.equal(PROJECT, "cce-clustercert-example");
        assert.equal(PROJECT_FILE.main, "examples/kubernetes/index.ts");
        // A key declared without a default is required by the CLI: region and context are not declared.
        assert.deepEqual(Object.keys(PROJECT_FILE.config).sort(), ["clusterId", "duration"]);
        assert.equal(PROJECT_FILE.config.clusterId!.default, undefined);
        assert.equal(PROJECT_FILE.config.duration!.type, "integer");
    });

    it("registers the Stack, a ClusterCert, a Kubernetes provider, a Namespace and a ConfigMap", () => {
        assert.deepEqual(run.resources.map((r) => r.type).sort(), [CERT_TYPE, CONFIGMAP_TYPE, NAMESPACE_TYPE, K8S_PROVIDER_TYPE, STACK_TYPE].sort());
        const stack = one(STACK_TYPE);
        for (const r of run.resources.filter((x) => x !== stack)) {
            assert.ok(r.urn.includes(`::${STACK_TYPE}$`), `${r.type} ${r.name} is not a child of the Stack: ${r.urn}`);
        }
    });

    it("takes the ClusterCert's cluster, region, duration and context from stack config", () => {
        const cert = one(CERT_TYPE);
        assert.equal(cert.inputs.clusterId, CLUSTER_ID);
        assert.equal(cert.inputs.region, "eu-west-101");
        assert.equal(cert.inputs.duration, 30, "duration is a number, not the config string");
        assert.equal(cert.inputs.context, "internal");
        for (const k of ["projectId", "endpoint", "iamEndpoint", "accessKey", "secretKey"]) assert.equal(cert.inputs[k], undefined, `${k} should not be set`);
        assert.match(String(cert.inputs.__provider), /require\("pulumi-cce-clustercert\/runtime"\)/);
    });

    it("builds the Kubernetes provider from the cert's kubeconfig, as a secret", () => {
        const provider = one(K8S_PROVIDER_TYPE);
        const kubeconfig = provider.inputs.kubeconfig;
        assert.ok(kubeconfig !== undefined && isSecret(kubeconfig), "the provider's kubeconfig is not a secret input");
        assert.equal(stripSecrets(kubeconfig), fakeKubeconfig("internal"), "the provider got something else than the cert's kubeconfig");
        // The output it came from is the one the mock answered for the cert.
        assert.equal(stripSecrets(kubeconfig), one(CERT_TYPE).state.kubeconfig);
    });

    it("creates the Namespace and the ConfigMap through that provider", () => {
        const provider = one(K8S_PROVIDER_TYPE);
        const ref = `${provider.urn}::${provider.id}`;
        const ns = one(NAMESPACE_TYPE);
        const cm = one(CONFIGMAP_TYPE);
        assert.equal(ns.provider, ref, "the Namespace uses another provider");
        assert.equal(cm.provider, ref, "the ConfigMap uses another provider");
        assert.deepEqual(ns.inputs.metadata, { name: "apps" });
        const metadata = cm.inputs.metadata as { name?: string; namespace?: string };
        assert.equal(metadata.name, "cluster-info");
        assert.equal(metadata.namespace, "apps", "the ConfigMap lives in the Namespace");
        assert.deepEqual(cm.inputs.data, { server: SERVER.internal, expiresAt: EXPIRES_AT, userId: USER_ID });
    });

    it("exports server and expiresAt in plain text and the kubeconfig as a secret", () => {
        assert.deepEqual(Object.keys(run.exports).sort(), ["expiresAt", "kubeconfig", "server"]);
        assert.deepEqual(Object.keys(run.stackOutputs).sort(), ["expiresAt", "kubeconfig", "server"]);
        assert.equal(run.stackOutputs.server, SERVER.internal);
        assert.equal(run.stackOutputs.expiresAt, EXPIRES_AT);
        const kubeconfig = run.stackOutputs.kubeconfig;
        assert.ok(kubeconfig !== undefined && isSecret(kubeconfig), "the kubeconfig stack output is not a secret");
        assert.equal(stripSecrets(kubeconfig), fakeKubeconfig("internal"));
    });

    it("has no kubeconfig, key or certificate in plain text in any registered input or stack output", () => {
        const planted = plantedStrings();
        for (const r of run.resources) {
            const text = plainText(r.inputs);
            for (const s of planted) assert.ok(!text.includes(s), `${r.type} ${r.name} has a secret in plain text`);
        }
        const outputs = plainText(run.stackOutputs);
        for (const s of planted) assert.ok(!outputs.includes(s), "a stack output has a secret in plain text");
        // The check would see them: the secret values do hold them.
        const provider = one(K8S_PROVIDER_TYPE);
        assert.ok(JSON.stringify(provider.inputs).includes(b64(PLANTED.clientKey)));
    });

    it("follows the context config: external selects the external server", async () => {
        const external = await runStack({ ...STACK_CONFIG, [key("context")]: "external" });
        const cert = external.resources.find((r) => r.type === CERT_TYPE)!;
        assert.equal(cert.inputs.context, "external");
        assert.equal(external.stackOutputs.server, SERVER.external);
        const provider = external.resources.find((r) => r.type === K8S_PROVIDER_TYPE)!;
        assert.equal(stripSecrets(provider.inputs.kubeconfig ?? null), fakeKubeconfig("external"));
    });

    it("gets Pulumi.yaml's default duration 365 and leaves region to huaweicloud:region when the stack sets only cluster and context", async () => {
        const config = withProjectDefaults({ [key("clusterId")]: CLUSTER_ID, [key("context")]: "external" });
        const r = await runStack(config);
        const cert = r.resources.find((x) => x.type === CERT_TYPE)!;
        assert.equal(cert.inputs.region, undefined);
        assert.equal(cert.inputs.duration, 365);
    });

    it("refuses an invalid context in stack config", async () => {
        await assert.rejects(
            serializeResources(
                () => {
                    delete require.cache[require.resolve(EXAMPLE)];
                    require(EXAMPLE);
                },
                { project: PROJECT, config: { ...STACK_CONFIG, [key("context")]: "public" }, newResource },
            ),
            /config context must be "internal" or "external", got "public"/,
        );
    });

    it("requires clusterId", async () => {
        const { [key("clusterId")]: _omitted, ...rest } = STACK_CONFIG;
        await assert.rejects(
            serializeResources(
                () => {
                    delete require.cache[require.resolve(EXAMPLE)];
                    require(EXAMPLE);
                },
                { project: PROJECT, config: rest, newResource },
            ),
            /Missing required configuration variable 'cce-clustercert-example:clusterId'/,
        );
    });
});
