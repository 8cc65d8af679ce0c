import assert from "node:assert/strict";
import * as runtime from "../../provider/pulumi/runtime";
import type { ClusterCertInputs, ClusterCertState } from "../../provider/core/types";

const DAY = 24 * 60 * 60 * 1000;

function stored(issuedDaysAgo: number, lifetimeDays: number, extra: Partial<ClusterCertState> = {}): ClusterCertState {
    const issued = Date.now() - issuedDaysAgo * DAY;
    return {
        clusterId: "c1", projectId: "p1", region: "eu-west-0", endpoint: "https://cce.eu-west-0.myhuaweicloud.com", duration: lifetimeDays,
        context: "internal", renewBeforeDays: 30, legacyApi: false, revokeOnDelete: false,
        kubeconfig: "", clientCertificate: "", clientKey: "", server: "https://192.168.0.1:5443", endpoints: {}, currentContext: "internal",
        insecureSkipTlsVerify: false, userId: "u", fingerprint: "f", serialNumber: "01", issuedAt: new Date(issued).toISOString(),
        expiresAt: new Date(issued + lifetimeDays * DAY).toISOString(), apiCall: "POST", ...extra,
    };
}

const NEWS: ClusterCertInputs = { clusterId: "c1", projectId: "p1", region: "eu-west-0", duration: 365 };

describe("diff", () => {
    const saved = { ...process.env };
    let logged: string[] = [];
    const originalError = console.error;
    beforeEach(() => {
        for (const k of ["HW_REGION_NAME", "HW_PROJECT_ID", "HW_CLOUD"]) delete process.env[k];
        logged = [];
        console.error = (line: string) => logged.push(line);
    });
    afterEach(() => {
        console.error = originalError;
        process.env = { ...saved };
    });

    it("sees no change for the same inputs, and none for other credentials", async () => {
        const olds = stored(10, 365);
        assert.deepEqual(await runtime.diff("id", olds, NEWS), { changes: false, replaces: [], deleteBeforeReplace: false });
        assert.deepEqual(await runtime.diff("id", olds, { ...NEWS, accessKey: "AK2", secretKey: "SK2", authToken: "t" }), { changes: false, replaces: [], deleteBeforeReplace: false });
    });

    for (const [field, value] of [["clusterId", "c2"], ["projectId", "p2"], ["region", "eu-west-101"], ["endpoint", "https://127.0.0.1:9443"], ["duration", 30]] as const) {
        it(`replaces on a change of ${field}`, async () => {
            const d = await runtime.diff("id", stored(10, 365), { ...NEWS, [field]: value });
            assert.equal(d.changes, true);
            assert.ok(d.replaces?.includes(field), JSON.stringify(d));
        });
    }

    it("updates in place on a change of context, renewBeforeDays or revokeOnDelete", async () => {
        for (const change of [{ context: "external" as const }, { renewBeforeDays: 10 }, { revokeOnDelete: true }]) {
            const d = await runtime.diff("id", stored(10, 365), { ...NEWS, ...change });
            assert.deepEqual(d, { changes: true, replaces: [], deleteBeforeReplace: false }, JSON.stringify(change));
        }
    });

    it("replaces a certificate that expires within renewBeforeDays, and says why", async () => {
        const d = await runtime.diff("c1:01", stored(340, 365), NEWS);
        assert.deepEqual(d.replaces, ["expiresAt"]);
        assert.ok(logged.some((l) => /c1:01: the client certificate expires at .* within its renewal window \(renewBeforeDays 30\)/.test(l)), logged.join("\n"));
    });

    it("replaces an already expired certificate", async () => {
        const d = await runtime.diff("c1:01", stored(400, 365), NEWS);
        assert.deepEqual(d.replaces, ["expiresAt"]);
        assert.ok(logged.some((l) => /expired at/.test(l)));
    });

    it("never finds a fresh short certificate due (the window is clamped to a third of its lifetime)", async () => {
        const d = await runtime.diff("id", stored(0, 1), { ...NEWS, duration: 1 });
        assert.deepEqual(d, { changes: false, replaces: [], deleteBeforeReplace: false });
        const later = await runtime.diff("id", stored(0.8, 1), { ...NEWS, duration: 1 });
        assert.deepEqual(later.replaces, ["expiresAt"]);
    });

    it("compares expiresAt with the requested date, not the certificate's", async () => {
        const olds = stored(1, 60, { duration: undefined, requestedExpiresAt: "2027-01-31" });
        assert.deepEqual((await runtime.diff("id", olds, { ...NEWS, duration: undefined, expiresAt: "2027-01-31" })).replaces, []);
        assert.deepEqual((await runtime.diff("id", olds, { ...NEWS, duration: undefined, expiresAt: "2027-02-28" })).replaces, ["expiresAt"]);
    });

    it("does not renew a certificate whose end is fixed by expiresAt, and says so", async () => {
        const olds = stored(340, 365, { duration: undefined, requestedExpiresAt: "2027-01-31" });
        const d = await runtime.diff("c1:01", olds, { ...NEWS, duration: undefined, expiresAt: "2027-01-31" });
        assert.deepEqual(d.replaces, []);
        assert.ok(logged.some((l) => /warning: c1:01: .* expiresAt fixes its end: set a later expiresAt/.test(l)), logged.join("\n"));
    });

    it("deletes before replacing when revokeOnDelete is set (revocation would hit the new certificate too)", async () => {
        assert.equal((await runtime.diff("id", stored(10, 365, { revokeOnDelete: true }), { ...NEWS, duration: 30, revokeOnDelete: true })).deleteBeforeReplace, true);
        assert.equal((await runtime.diff("id", stored(10, 365), { ...NEWS, duration: 30 })).deleteBeforeReplace, false);
    });

    it("resolves region and project through the environment before comparing", async () => {
        process.env.HW_REGION_NAME = "eu-west-0";
        process.env.HW_PROJECT_ID = "p1";
        assert.deepEqual((await runtime.diff("id", stored(1, 365), { clusterId: "c1" })).replaces, []);
        process.env.HW_REGION_NAME = "cn-north-4";
        assert.deepEqual((await runtime.diff("id", stored(1, 365), { clusterId: "c1" })).replaces, ["region", "endpoint"]);
    });
});

describe("renewal status", () => {
    it("names renewBeforeDays, and the cap when a third of the lifetime is shorter", () => {
        const { renewalStatus } = require("../../provider/core/renewal") as typeof import("../../provider/core/renewal");
        const now = new Date("2027-01-01T00:00:00.000Z");
        const long = renewalStatus({ issuedAt: "2026-01-11T00:00:00.000Z", expiresAt: "2027-01-11T00:00:00.000Z" }, 30, now);
        assert.equal(long?.description, "expires at 2027-01-11T00:00:00.000Z (in 10 days), within its renewal window (renewBeforeDays 30)");
        const short = renewalStatus({ issuedAt: "2026-12-31T00:00:00.000Z", expiresAt: "2027-01-01T12:00:00.000Z" }, 30, now);
        assert.equal(short?.due, true);
        assert.equal(short?.description, "expires at 2027-01-01T12:00:00.000Z (in 12 hour(s)), within its renewal window (renewBeforeDays 30, at most a third of its lifetime: 12 hour(s))");
    });
});
