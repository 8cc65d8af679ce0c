import assert from "node:assert/strict";
import YAML from "yaml";
import {
    decodePemData, encodePemData, endpointsOf, KubeconfigError, parseKubeconfigJson, parseKubeconfigYaml, renderKubeconfig, selectContext,
} from "../../provider/kube/kubeconfig";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n";

/** The API's answer for a cluster with a public IP, in its exact shape. */
function answer(): Record<string, unknown> {
    return {
        kind: "Config",
        apiVersion: "v1",
        preferences: {},
        clusters: [
            { name: "internalCluster", cluster: { server: "https://192.168.1.7:5443", "certificate-authority-data": encodePemData(PEM) } },
            { name: "externalCluster", cluster: { server: "https://203.0.113.10:5443", "insecure-skip-tls-verify": true } },
        ],
        users: [{ name: "user", user: { "client-certificate-data": encodePemData(PEM), "client-key-data": encodePemData(KEY) } }],
        contexts: [
            { name: "internal", context: { cluster: "internalCluster", user: "user" } },
            { name: "external", context: { cluster: "externalCluster", user: "user" } },
        ],
        "current-context": "external",
    };
}

describe("kubeconfig", () => {
    it("parses the API answer and selects contexts", () => {
        const kc = parseKubeconfigJson(JSON.stringify(answer())).kubeconfig;
        assert.equal(selectContext(kc).cluster.cluster.server, "https://203.0.113.10:5443");
        assert.equal(selectContext(kc, "internal").cluster.name, "internalCluster");
        assert.deepEqual(endpointsOf(kc), { internal: "https://192.168.1.7:5443", external: "https://203.0.113.10:5443" });
    });

    it("renders the whole answer as YAML, keeping insecure-skip-tls-verify, with the chosen current-context", () => {
        const kc = parseKubeconfigJson(JSON.stringify(answer())).kubeconfig;
        const yaml = renderKubeconfig(kc, "internal");
        const doc = YAML.parse(yaml) as Record<string, unknown>;
        assert.equal(doc["current-context"], "internal");
        assert.deepEqual({ ...doc, "current-context": "external" }, answer());
        assert.match(yaml, /insecure-skip-tls-verify: true/);
        assert.deepEqual(parseKubeconfigYaml(yaml), { ...answer(), "current-context": "internal" });
    });

    it("explains a missing external context", () => {
        const a = answer();
        a.clusters = (a.clusters as unknown[]).slice(0, 1);
        a.contexts = (a.contexts as unknown[]).slice(0, 1);
        a["current-context"] = "internal";
        const kc = parseKubeconfigJson(JSON.stringify(a)).kubeconfig;
        assert.throws(() => selectContext(kc, "external"), /context "external" is not in the API answer \(the cluster has no public IP.*available: internal/);
    });

    const broken: [string, (a: Record<string, unknown>) => unknown, RegExp][] = [
        ["not JSON", () => "<html>", /not valid JSON/],
        ["truncated JSON", (a) => JSON.stringify(a).slice(0, 100), /not valid JSON/],
        ["another kind", (a) => ({ ...a, kind: "Status" }), /"kind" is "Status"/],
        ["no users", (a) => ({ ...a, users: [] }), /no users/],
        ["no clusters", (a) => ({ ...a, clusters: [] }), /no clusters/],
        ["users not a list", (a) => ({ ...a, users: {} }), /"users" is not a list/],
        ["a cluster without server", (a) => ({ ...a, clusters: [{ name: "internalCluster", cluster: {} }] }), /clusters\[0\] \("internalCluster"\) has no server URL/],
        ["a current-context that does not exist", (a) => ({ ...a, "current-context": "other" }), /"current-context" "other" is not one of the contexts/],
        ["insecure-skip-tls-verify as a string", (a) => ({ ...a, clusters: [{ name: "x", cluster: { server: "https://a", "insecure-skip-tls-verify": "true" } }] }), /non-boolean/],
    ];
    for (const [name, mutate, message] of broken) {
        it(`rejects an answer with ${name}`, () => {
            const m = mutate(answer());
            assert.throws(() => parseKubeconfigJson(typeof m === "string" ? m : JSON.stringify(m)), (e: Error) => e instanceof KubeconfigError && message.test(e.message));
        });
    }

    it("decodes PEM data strictly", () => {
        assert.equal(decodePemData(encodePemData(PEM), "x"), PEM);
        assert.throws(() => decodePemData("not base64!", "client-key-data of user \"user\""), /client-key-data of user "user" is not valid base64/);
        assert.throws(() => decodePemData(Buffer.from("hello").toString("base64"), "ca"), /ca does not decode to PEM data/);
        assert.throws(() => decodePemData(undefined, "client-certificate-data"), /client-certificate-data is missing/);
    });
});
