import assert from "node:assert/strict";
import YAML from "yaml";
import { answerApiVersion, buildExecCredential, EXEC_API_V1, EXEC_API_V1BETA1, rfc3339 } from "../../provider/kube/exec-credential";
import { buildExecKubeconfig, execCredentialArgs, renderExecKubeconfig, type ExecKubeconfigParams } from "../../provider/kube/exec-kubeconfig";
import { selectContext, type Kubeconfig } from "../../provider/kube/kubeconfig";

/** A real self-signed CA certificate (openssl, P-256): the exec kubeconfig keeps only well-formed CERTIFICATE blocks. */
const CA = `-----BEGIN CERTIFICATE-----
MIIBfjCCASWgAwIBAgIUFL289zZKIa6f6WUujgwHv1wpbK0wCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKa3ViZXJuZXRlczAeFw0yNjEyMDIxMzUwNThaFw0zNjExMjkx
MzUwNThaMBUxEzARBgNVBAMMCmt1YmVybmV0ZXMwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQBRhqKREwxtWnjshoHa55zFi+5iKiY3qqtFYlHI0lBBR+jqBifKwsG
ByYg0sOHDNMOfbETp9ITkYsnJn8rAfHCo1MwUTAdBgNVHQ4EFgQUpLsgTeFYVHbS
lOiazjoDRcB/JxQwHwYDVR0jBBgwFoAUpLsgTeFYVHbSlOiazjoDRcB/JxQwDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiASr8zifV1dy061S9yHoKWL
lzcRGA84W4NElnPfRzxRngIgYOwTXh7ZYV3imD2Q+sfvZMIaQrv1VbyVTUBM5tXg
reE=
-----END CERTIFICATE-----
`;

/** Our own exec kubeconfig read back as plain YAML (the answer sanitizer would drop `exec`, rightly). */
function readBack(yaml: string): Kubeconfig {
    return YAML.parse(yaml) as Kubeconfig;
}

const base: ExecKubeconfigParams = {
    clusterId: "c-1",
    projectId: "p1",
    region: "eu-west-0",
    endpoint: "https://cce.eu-west-0.myhuaweicloud.com",
    duration: 1,
    context: "internal",
    server: "https://192.168.0.10:5443",
    caCertificate: CA,
};

describe("renderExecKubeconfig", () => {
    it("renders a valid kubeconfig whose user runs exec-credential with the pinned flags", () => {
        const kc = readBack(renderExecKubeconfig(base));
        const sel = selectContext(kc);
        assert.equal(sel.context.name, "internal");
        assert.equal(sel.cluster.cluster.server, "https://192.168.0.10:5443");
        assert.equal(Buffer.from(sel.cluster.cluster["certificate-authority-data"] as string, "base64").toString(), CA);
        assert.equal(sel.cluster.cluster["insecure-skip-tls-verify"], undefined);
        assert.deepEqual(sel.user.user.exec, {
            apiVersion: EXEC_API_V1,
            command: "cce-clustercert",
            args: [
                "exec-credential", "--cluster-id", "c-1", "--project-id", "p1", "--region", "eu-west-0",
                "--endpoint", "https://cce.eu-west-0.myhuaweicloud.com", "--duration=1",
            ],
            interactiveMode: "Never",
            provideClusterInfo: false,
            installHint: sel.user.user.exec?.installHint,
        });
        assert.match(sel.user.user.exec?.installHint ?? "", /npm install -g pulumi-cce-clustercert/);
        assert.equal(sel.user.user["client-key-data"], undefined);
    });
    it("puts the command's own arguments first (e.g. node + script)", () => {
        const exec = buildExecKubeconfig({ ...base, command: ["node", "/abs/dist/provider/cli/main.js"], extraArgs: ["--legacy-api"] }).users[0]?.user.exec;
        assert.equal(exec?.command, "node");
        assert.deepEqual(exec?.args?.slice(0, 3), ["/abs/dist/provider/cli/main.js", "exec-credential", "--cluster-id"]);
        assert.equal(exec?.args?.at(-1), "--legacy-api");
    });
    it("keeps insecure-skip-tls-verify without CA data (kubectl refuses both)", () => {
        const kc = buildExecKubeconfig({ ...base, context: "external", server: "https://203.0.113.9:5443", insecureSkipTlsVerify: true });
        assert.equal(kc["current-context"], "external");
        assert.deepEqual(kc.clusters, [{ name: "externalCluster", cluster: { server: "https://203.0.113.9:5443", "insecure-skip-tls-verify": true } }]);
    });
    it("speaks v1beta1 for old kubectl: no interactiveMode, --api-version pinned", () => {
        const exec = buildExecKubeconfig({ ...base, apiVersion: EXEC_API_V1BETA1 }).users[0]?.user.exec;
        assert.equal(exec?.apiVersion, EXEC_API_V1BETA1);
        assert.equal(exec?.interactiveMode, undefined);
        assert.deepEqual(exec?.args?.slice(-2), ["--api-version", "v1beta1"]);
    });
    it("leaves out what is not known, and writes negative durations unambiguously", () => {
        assert.deepEqual(execCredentialArgs({ clusterId: "c", server: "https://x", duration: -1 }), ["exec-credential", "--cluster-id", "c", "--duration=-1"]);
        const doc = YAML.parse(renderExecKubeconfig({ clusterId: "c", server: "https://x" })) as { clusters: { cluster: Record<string, unknown> }[] };
        assert.deepEqual(doc.clusters[0]?.cluster, { server: "https://x" });
    });
    it("refuses a server that is not a URL and an empty command", () => {
        assert.throws(() => buildExecKubeconfig({ ...base, server: "192.168.0.1:5443" }), /the server URL (is not a URL|must be an https)/);
        assert.throws(() => buildExecKubeconfig({ ...base, command: [] }), /name a program/);
    });
});

describe("ExecCredential", () => {
    it("has the client certificate, key and expiry in client-go's shape", () => {
        const cred = buildExecCredential({ clientCertificate: "CERT", clientKey: "KEY", expiresAt: "2025-06-02T10:20:30.000Z" }, EXEC_API_V1);
        assert.deepEqual(cred, {
            apiVersion: EXEC_API_V1,
            kind: "ExecCredential",
            status: { clientCertificateData: "CERT", clientKeyData: "KEY", expirationTimestamp: "2025-06-02T10:20:30Z" },
        });
        assert.equal(rfc3339(new Date("2025-01-01T00:00:00.123Z")), "2025-01-01T00:00:00Z");
        assert.throws(() => buildExecCredential({ clientCertificate: "C", clientKey: "K", expiresAt: "soon" }, EXEC_API_V1), /expiry/);
    });
    it("answers in the version kubectl announces, else the flag, else v1", () => {
        const info = (v: string) => JSON.stringify({ apiVersion: v, kind: "ExecCredential", spec: { interactive: false } });
        assert.equal(answerApiVersion(info(EXEC_API_V1BETA1), undefined), EXEC_API_V1BETA1);
        assert.equal(answerApiVersion(info(EXEC_API_V1), "v1beta1"), EXEC_API_V1);
        assert.equal(answerApiVersion(undefined, "v1beta1"), EXEC_API_V1BETA1);
        assert.equal(answerApiVersion("not json", undefined), EXEC_API_V1);
        assert.equal(answerApiVersion(info("client.authentication.k8s.io/v1alpha1"), undefined), EXEC_API_V1);
    });
});
