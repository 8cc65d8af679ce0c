/**
 * Program level: a ClusterCert under pulumi.runtime.setMocks. The real closure serializer runs, so
 * a provider that captured a package, a credential or a path of this machine fails here.
 */
import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ClusterCert, clusterCertProvider } from "../../provider";
import { DOCUMENTED_SECRET_OUTPUTS, registration } from "../harness/clustercert";
import { outputDetails, serializeProvider, serializeResources } from "../harness/serialize";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const PLANTED = {
    accessKey: "AKPLANTED0123456789XY",
    secretKey: "SKplanted/secret+key0123456789abcdefghij",
    securityToken: "STplanted-security-token-abcdef",
    authToken: "MIIplanted-iam-token-xyz",
};

/** Absolute paths of this machine that must never be baked into state. */
function machinePaths(): string[] {
    const repo = path.resolve(__dirname, "..", "..");
    return [repo, os.homedir(), process.cwd(), os.tmpdir()].filter((p) => p.length > 1);
}

describe("ClusterCert under mocks", () => {
    const saved = { ...process.env };
    before(() => {
        process.env.HW_ACCESS_KEY = "AKFROMENV00000000000";
        process.env.HW_SECRET_KEY = "SKfromEnvironment000000000000000000000000";
    });
    after(() => {
        process.env = saved;
    });

    it("registers pulumi-nodejs:dynamic/cce:ClusterCert with a small, clean __provider", async () => {
        const registered = await serializeResources(() => {
            new ClusterCert("prod", { clusterId: "c1", region: "eu-west-0", duration: 30, ...PLANTED });
        });
        assert.equal(registered.length, 1);
        const r = registered[0]!;
        assert.equal(r.type, "pulumi-nodejs:dynamic/cce:ClusterCert");
        const text = r.inputs.__provider;
        assert.equal(typeof text, "string");
        const providerText = text as string;
        assert.ok(providerText.length < 8192, `serialized provider is ${providerText.length} bytes`);
        assert.match(providerText, /require\("pulumi-cce-clustercert\/runtime"\)/);
        for (const secret of [...Object.values(PLANTED), process.env.HW_ACCESS_KEY!, process.env.HW_SECRET_KEY!]) {
            assert.ok(!providerText.includes(secret), "the serialized provider contains a credential");
        }
        for (const p of machinePaths()) assert.ok(!providerText.includes(p), `the serialized provider contains the path ${p}`);
        assert.doesNotMatch(providerText, /require\("\//, "no require of an absolute path");
        // Credentials are secret inputs; ordinary inputs are plain.
        for (const k of Object.keys(PLANTED)) {
            const v = r.inputs[k] as Record<string, unknown>;
            assert.equal(typeof v, "object", `${k} should be a secret input`);
            assert.ok(SECRET_SIG in v, `${k} should be a secret input`);
        }
        assert.equal(r.inputs.clusterId, "c1");
        assert.equal(r.inputs.duration, 30);
    });

    it("makes kubeconfig and PEM outputs secret even under mocks, and leaves the rest plain", async () => {
        let cert: ClusterCert | undefined;
        await serializeResources(
            () => {
                cert = new ClusterCert("prod", { clusterId: "c1", region: "eu-west-0" });
            },
            {
                newResource: (a) => ({
                    id: "c1:01",
                    state: {
                        ...a.inputs, kubeconfig: "apiVersion: v1", clientCertificate: "CERT", clientKey: "KEY", clusterCaCertificate: "CA",
                        server: "https://192.168.0.1:5443", expiresAt: "2027-01-01T00:00:00.000Z", userId: "u1",
                    },
                }),
            },
        );
        for (const name of DOCUMENTED_SECRET_OUTPUTS) {
            const d = await outputDetails((cert as unknown as Record<string, pulumi.Output<unknown>>)[name]!);
            assert.equal(d.secret, true, `${name} must be secret`);
        }
        assert.equal((await outputDetails(cert!.clientKey)).value, "KEY");
        for (const name of ["server", "expiresAt", "userId", "clusterId"] as const) {
            assert.equal((await outputDetails(cert![name])).secret, false, `${name} should not be secret`);
        }
    });

    it("asks the engine to treat the secret outputs as secrets (additionalSecretOutputs), keeping the user's own", async () => {
        // Read from the RegisterResourceRequest the SDK sent to the monitor (serialize.ts).
        const [r] = await serializeResources(() => {
            new ClusterCert("prod", { clusterId: "c1" }, { additionalSecretOutputs: ["userId"] });
        });
        assert.deepEqual(
            [...r!.additionalSecretOutputs].sort(),
            [...DOCUMENTED_SECRET_OUTPUTS, "accessKey", "secretKey", "securityToken", "authToken", "userId"].sort(),
        );
    });

    it("registration() captures what the real class registers: the engine-level tests apply exactly this", async () => {
        const reg = await registration({ clusterId: "c1", region: "eu-west-0", accessKey: PLANTED.accessKey, secretKey: PLANTED.secretKey }, "captured");
        assert.deepEqual([...reg.additionalSecretOutputs].sort(), [...DOCUMENTED_SECRET_OUTPUTS, "accessKey", "secretKey", "securityToken", "authToken"].sort());
        // The mock answered every output in plain text: only the class's own pulumi.secret wrapping
        // makes these secret on the object (the credentials are secret inputs, not wrapped outputs).
        assert.deepEqual(reg.secretProperties, [...DOCUMENTED_SECRET_OUTPUTS].sort());
        assert.ok(SECRET_SIG in (reg.inputs.secretKey as object), "the secret key is a secret input");
        assert.equal(reg.inputs.clusterId, "c1");
    });

    it("serializes the provider object alone the same way", async () => {
        const text = await serializeProvider(clusterCertProvider);
        assert.ok(text.length < 8192);
        assert.match(text, /exports\.handler/);
    });
});
