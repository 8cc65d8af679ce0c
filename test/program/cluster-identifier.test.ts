/**
 * `clusterIdentifier` under pulumi.runtime.setMocks in PREVIEW mode: the preview of a renewal (or a
 * duration change) replaces the ClusterCert, so every output of it is unknown — the kubeconfig too,
 * and `@pulumi/kubernetes` replaces a provider whose kubeconfig is unknown unless
 * `clusterIdentifier` is set and unchanged. This checks our side of that contract with the real
 * examples: the Kubernetes provider receives a clusterIdentifier that is known while the
 * kubeconfig is not, and that stays the same across a duration change, a context change and a
 * credential change. Loads the package by name (the build output; `npm test` builds first).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { REPO_ROOT } from "../harness/program";
import { UNKNOWN, stripSecrets, type PropertyMap } from "../harness/properties";
import { serializeResources, outputDetails, type RegisteredResource } from "../harness/serialize";

const CERT_TYPE = "pulumi-nodejs:dynamic/cce:ClusterCert";
const K8S_PROVIDER_TYPE = "pulumi:providers:kubernetes";
const SINGLE = { file: path.join(REPO_ROOT, "examples", "kubernetes", "index.ts"), project: "cce-clustercert-example" };
const MULTI = { file: path.join(REPO_ROOT, "examples", "multi-cluster", "index.ts"), project: "multi-cluster" };
const CLUSTER_ID = "5a1d2c3b-7e8f-11ef-a000-0123456789ab";

/** Whether a registered input is unknown (the mock monitor's marker, or the engine's sentinel). */
function isUnknown(v: unknown): boolean {
    const plain = stripSecrets((v ?? null) as never) as unknown;
    return plain === UNKNOWN || (plain !== null && typeof plain === "object" && (plain as { __pulumiUnknown?: unknown }).__pulumiUnknown === true);
}

/** The preview of a replaced ClusterCert: no output is known (the mock answers no state). */
const replacedInPreview = (a: { type: string; name: string; inputs: PropertyMap }) => (a.type === CERT_TYPE ? { state: {} } : { state: a.inputs });

async function preview(example: { file: string; project: string }, config: Record<string, string>): Promise<RegisteredResource[]> {
    return serializeResources(
        async () => {
            await pulumi.runtime.runInPulumiStack(async () => {
                delete require.cache[require.resolve(example.file)];
                return require(example.file) as Record<string, unknown>;
            });
        },
        { project: example.project, preview: true, config, secretConfigKeys: Object.keys(config).filter((k) => /Key|Token/.test(k)), newResource: replacedInPreview },
    );
}

function providers(resources: RegisteredResource[]): RegisteredResource[] {
    return resources.filter((r) => r.type === K8S_PROVIDER_TYPE);
}

describe("clusterIdentifier: known in preview, stable across renewal, context and credential changes (mocks, preview)", () => {
    const single = (over: Record<string, string> = {}) =>
        preview(SINGLE, { [`${SINGLE.project}:clusterId`]: CLUSTER_ID, [`${SINGLE.project}:region`]: "eu-west-0", [`${SINGLE.project}:duration`]: "30", ...over });

    it("the example's Kubernetes provider gets a known clusterIdentifier while its kubeconfig is unknown", async () => {
        const [provider, ...others] = providers(await single());
        assert.equal(others.length, 0);
        assert.ok(isUnknown(provider!.inputs.kubeconfig), "the kubeconfig of a replaced ClusterCert is unknown in preview");
        assert.equal(provider!.inputs.clusterIdentifier, `cce-cluster:${CLUSTER_ID}`);
    });

    it("is the same after a duration change and a context change", async () => {
        const base = providers(await single())[0]!.inputs.clusterIdentifier;
        const longer = providers(await single({ [`${SINGLE.project}:duration`]: "365" }))[0]!.inputs.clusterIdentifier;
        const external = providers(await single({ [`${SINGLE.project}:context`]: "external" }))[0]!.inputs.clusterIdentifier;
        assert.equal(longer, base);
        assert.equal(external, base);
    });

    it("changes with the cluster", async () => {
        const other = providers(await single({ [`${SINGLE.project}:clusterId`]: "0000aaaa-7e8f-11ef-a000-0123456789ab" }))[0]!.inputs.clusterIdentifier;
        assert.equal(other, "cce-cluster:0000aaaa-7e8f-11ef-a000-0123456789ab");
    });

    it("the multi-cluster example passes one per cluster, unchanged by a credential rotation", async () => {
        const clusters = [
            { name: "eu-prod", clusterId: "11111111-aaaa-11ef-8000-000000000001", region: "eu-west-0", account: "eu" },
            { name: "ap-prod", clusterId: "33333333-cccc-11ef-8000-000000000003", region: "ap-southeast-3", account: "ap" },
        ];
        const config = (ak: string) => ({
            [`${MULTI.project}:clusters`]: JSON.stringify(clusters),
            [`${MULTI.project}:euAccessKey`]: ak,
            [`${MULTI.project}:euSecretKey`]: `${ak}-SecretKey0123456789abcdefghij`,
            [`${MULTI.project}:apAccessKey`]: "APACCESSKEY000000002",
            [`${MULTI.project}:apSecretKey`]: "ApSecretKey+0123456789abcdefghijklmnopqr",
        });
        const identifiers = (rs: RegisteredResource[]) => Object.fromEntries(providers(rs).map((p) => [p.name, p.inputs.clusterIdentifier]));
        const before = await preview(MULTI, config("EUACCESSKEY000000001"));
        const rotated = await preview(MULTI, config("EUACCESSKEY000000099"));
        assert.deepEqual(identifiers(before), { "eu-prod": "cce-cluster:11111111-aaaa-11ef-8000-000000000001", "ap-prod": "cce-cluster:33333333-cccc-11ef-8000-000000000003" });
        assert.deepEqual(identifiers(rotated), identifiers(before));
        for (const p of providers(before)) assert.ok(isUnknown(p.inputs.kubeconfig));
    });

    it("negative control: without clusterIdentifier the provider's inputs hold nothing known that names the cluster", async () => {
        const [provider] = providers(await single());
        const { clusterIdentifier: _c, ...rest } = provider!.inputs;
        assert.ok(Object.values(rest).every((v) => !JSON.stringify(v).includes(CLUSTER_ID)));
    });

    it("is known on the resource itself in preview while its other outputs are not", async () => {
        const { ClusterCert } = require("pulumi-cce-clustercert") as typeof import("../../provider");
        let details: { id: Awaited<ReturnType<typeof outputDetails>>; kubeconfig: Awaited<ReturnType<typeof outputDetails>>; duration: Awaited<ReturnType<typeof outputDetails>> } | undefined;
        await serializeResources(
            async () => {
                const cert = new ClusterCert("c", { clusterId: CLUSTER_ID, region: "eu-west-0" });
                details = { id: await outputDetails(cert.clusterIdentifier), kubeconfig: await outputDetails(cert.kubeconfig), duration: await outputDetails(cert.duration) };
            },
            { preview: true, newResource: replacedInPreview },
        );
        assert.deepEqual(details!.id, { value: `cce-cluster:${CLUSTER_ID}`, known: true, secret: false });
        assert.equal(details!.kubeconfig.known, false);
        assert.equal(details!.duration.known, false);
    });
});
