import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import YAML from "yaml";
import { encodePemData, type Kubeconfig } from "../../provider/kube/kubeconfig";
import { buildState, rerenderState, type Requested } from "../../provider/core/state";
import { createCa, issueCert, type CertificateAuthority, type IssuedCert } from "../emulator/pki";

const DAY = 24 * 60 * 60 * 1000;
const REQUESTED: Requested = {
    clusterId: "c1", projectId: "p1", region: "eu-west-0", endpoint: "https://cce.eu-west-0.myhuaweicloud.com",
    duration: 30, renewBeforeDays: 30, legacyApi: false, revokeOnDelete: false,
};

function kubeconfigFor(ca: CertificateAuthority, leaf: IssuedCert, external: boolean, keyPem = leaf.keyPem): Kubeconfig {
    const clusters = [{ name: "internalCluster", cluster: { server: "https://192.168.0.10:5443", "certificate-authority-data": encodePemData(ca.certPem) } }];
    const contexts = [{ name: "internal", context: { cluster: "internalCluster", user: "user" } }];
    if (external) {
        clusters.push({ name: "externalCluster", cluster: { server: "https://203.0.113.7:5443", "insecure-skip-tls-verify": true } as never });
        contexts.push({ name: "external", context: { cluster: "externalCluster", user: "user" } });
    }
    return {
        kind: "Config", apiVersion: "v1", preferences: {}, clusters,
        users: [{ name: "user", user: { "client-certificate-data": encodePemData(leaf.certPem), "client-key-data": encodePemData(keyPem) } }],
        contexts, "current-context": external ? "external" : "internal",
    };
}

describe("buildState", function () {
    this.timeout(30_000);
    let ca: CertificateAuthority;
    let leaf: IssuedCert;
    let other: IssuedCert;
    const now = new Date();
    before(async () => {
        ca = await createCa({ commonName: "cluster-ca" });
        leaf = await issueCert(ca, { commonName: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", organizations: ["system:masters"], notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + 30 * DAY), usage: "client", keyType: "ec" });
        other = await issueCert(ca, { commonName: "someone-else", notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + DAY), usage: "client", keyType: "ec" });
    });

    it("reads user, serial, fingerprint and validity from the certificate itself", () => {
        const s = buildState(REQUESTED, { kubeconfig: kubeconfigFor(ca, leaf, true), portId: "port-1", apiCall: "POST" }, now);
        const x = new X509Certificate(leaf.certPem);
        assert.equal(s.userId, "0a1b2c3d4e5f60718293a4b5c6d7e8f9");
        assert.equal(s.serialNumber, x.serialNumber.toUpperCase());
        assert.equal(s.fingerprint, x.fingerprint256);
        assert.equal(s.expiresAt, new Date(x.validTo).toISOString());
        assert.equal(s.issuedAt, new Date(x.validFrom).toISOString());
        assert.equal(s.clientCertificate, leaf.certPem);
        assert.equal(s.clientKey, leaf.keyPem);
        assert.equal(s.clusterCaCertificate, ca.certPem);
        assert.equal(s.portId, "port-1");
        assert.equal(s.apiCall, "POST");
    });

    it("follows the API's current-context by default and keeps insecure-skip-tls-verify", () => {
        const s = buildState(REQUESTED, { kubeconfig: kubeconfigFor(ca, leaf, true), apiCall: "POST" }, now);
        assert.equal(s.currentContext, "external");
        assert.equal(s.server, "https://203.0.113.7:5443");
        assert.equal(s.insecureSkipTlsVerify, true);
        assert.deepEqual(s.endpoints, { internal: "https://192.168.0.10:5443", external: "https://203.0.113.7:5443" });
        const doc = YAML.parse(s.kubeconfig) as Kubeconfig;
        assert.equal(doc["current-context"], "external");
        assert.equal(doc.clusters[1]!.cluster["insecure-skip-tls-verify"], true);
    });

    it("selects the requested context", () => {
        const s = buildState({ ...REQUESTED, context: "internal" }, { kubeconfig: kubeconfigFor(ca, leaf, true), apiCall: "POST" }, now);
        assert.equal(s.currentContext, "internal");
        assert.equal(s.server, "https://192.168.0.10:5443");
        assert.equal(s.insecureSkipTlsVerify, false);
        assert.equal((YAML.parse(s.kubeconfig) as Kubeconfig)["current-context"], "internal");
    });

    it("re-renders stored outputs for another context without the API", () => {
        const s = buildState({ ...REQUESTED, context: "internal" }, { kubeconfig: kubeconfigFor(ca, leaf, true), apiCall: "POST" }, now);
        const ext = rerenderState(s, "external");
        assert.equal(ext.currentContext, "external");
        assert.equal(ext.server, "https://203.0.113.7:5443");
        assert.equal(ext.insecureSkipTlsVerify, true);
        assert.equal(ext.context, "external");
        assert.equal(ext.clientKey, s.clientKey);
        assert.equal(ext.serialNumber, s.serialNumber);
        const back = rerenderState(ext, undefined);
        assert.equal(back.currentContext, "external", "without a context, CCE's own choice (external) applies");
        assert.equal(back.context, "external", "the output context is always the effective one");
    });

    it("rejects a key that does not match its certificate", () => {
        assert.throws(() => buildState(REQUESTED, { kubeconfig: kubeconfigFor(ca, leaf, false, other.keyPem), apiCall: "POST" }, now), /client key does not match the client certificate/);
    });

    it("rejects a certificate that already expired", () => {
        assert.throws(() => buildState(REQUESTED, { kubeconfig: kubeconfigFor(ca, leaf, false), apiCall: "POST" }, new Date(now.getTime() + 31 * DAY)), /already expired at/);
    });

    it("rejects an external context the answer does not have", () => {
        assert.throws(() => buildState({ ...REQUESTED, context: "external" }, { kubeconfig: kubeconfigFor(ca, leaf, false), apiCall: "POST" }, now), /context "external" is not in the API answer/);
    });

    it("names bad base64 in the user's data", () => {
        const kc = kubeconfigFor(ca, leaf, false);
        kc.users[0]!.user["client-key-data"] = "!!!";
        assert.throws(() => buildState(REQUESTED, { kubeconfig: kc, apiCall: "POST" }, now), /client-key-data of user "user" is not valid base64/);
    });
});
