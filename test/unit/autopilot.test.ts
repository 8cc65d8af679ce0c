/**
 * CCE Autopilot, the pure parts: which arguments `check` refuses for `clusterType: "autopilot"`,
 * that a change of cluster type replaces, the flag the exec kubeconfig pins, and the hint of a 404.
 */
import assert from "node:assert/strict";
import { inputsFromFlags, parseFlags, TARGET_FLAGS, UsageError } from "../../provider/cli/args";
import { diffState } from "../../provider/core/diff";
import { execKubeconfigFor, passThroughFlags } from "../../provider/core/exec-kubeconfig";
import { revokeIdentity } from "../../provider/core/revoke";
import { EMPTY_CONFIG } from "../../provider/core/settings";
import type { ClusterCertState } from "../../provider/core/types";
import { validateInputs } from "../../provider/core/validate";
import { autopilotClusterCertUrl } from "../../provider/huaweicloud/cce";
import { CloudApiError } from "../../provider/huaweicloud/errors";
import { ClusterCertError } from "../../provider/util/errors";

const NOW = new Date("2026-11-23T12:00:00Z");
const reasons = (news: Record<string, unknown>): Record<string, string> =>
    Object.fromEntries(validateInputs({ clusterId: "c1", ...news }, NOW).map((f) => [f.property, f.reason]));

describe("CCE Autopilot: check", () => {
    it("accepts clusterType standard or autopilot, duration -1 and 1..1825 for Autopilot", () => {
        assert.deepEqual(reasons({ clusterType: "standard", duration: 1827 }), {});
        for (const duration of [-1, 1, 365, 1825]) assert.deepEqual(reasons({ clusterType: "autopilot", duration }), {}, String(duration));
        assert.deepEqual(reasons({ clusterType: "autopilot", mode: "exec" }), {});
    });
    it("refuses another cluster type, and what the Autopilot API does not take, with one line each", () => {
        assert.match(reasons({ clusterType: "Autopilot" }).clusterType ?? "", /^clusterType must be "standard" or "autopilot", got "Autopilot"$/);
        assert.match(reasons({ clusterType: "autopilot", duration: 1826 }).duration ?? "", /CCE Autopilot accepts duration -1 \(5 years\) or 1 to 1825 days, got 1826/);
        assert.match(reasons({ clusterType: "autopilot", duration: 0 }).duration ?? "", /from 1 to 1827/, "the general rule still applies");
        assert.match(reasons({ clusterType: "autopilot", expiresAt: "2027-01-31" }).expiresAt ?? "", /takes no expiry date: use duration/);
        assert.match(reasons({ clusterType: "autopilot", legacyApi: true }).legacyApi ?? "", /no deprecated GET/);
        assert.match(reasons({ clusterType: "autopilot", revokeOnDelete: true }).revokeOnDelete ?? "", /publishes no clustercertrevoke/);
        assert.deepEqual(reasons({ clusterType: "autopilot", legacyApi: false, revokeOnDelete: false }), {});
        for (const r of Object.values(reasons({ clusterType: "autopilot", duration: 1826, expiresAt: "2027-01-31", legacyApi: true, revokeOnDelete: true }))) {
            assert.doesNotMatch(r, /\n/);
        }
    });
    it("the CLI flag goes through the same check and names the flag", () => {
        const inputs = inputsFromFlags(parseFlags(["--cluster-id", "c1", "--cluster-type", "autopilot", "--duration", "-1"], TARGET_FLAGS), NOW);
        assert.equal(inputs.clusterType, "autopilot");
        assert.throws(
            () => inputsFromFlags(parseFlags(["--cluster-id", "c1", "--cluster-type", "autopilot", "--expires-at", "2027-01-31"], TARGET_FLAGS), NOW),
            (e: Error) => e instanceof UsageError && /^--expires-at: CCE Autopilot/.test(e.message),
        );
        assert.throws(
            () => inputsFromFlags(parseFlags(["--cluster-id", "c1", "--cluster-type", "turbo"], TARGET_FLAGS), NOW),
            (e: Error) => e instanceof UsageError && /^--cluster-type: clusterType must be/.test(e.message),
        );
    });
});

describe("CCE Autopilot: diff, exec kubeconfig, URL, 404 hint, revocation", () => {
    const DAY = 86_400_000;
    const issued = Date.now() - DAY;
    const olds: ClusterCertState = {
        clusterId: "c1", projectId: "p1", region: "eu-west-0", endpoint: "https://cce.eu-west-0.myhuaweicloud.com", duration: 365, context: "internal",
        renewBeforeDays: 30, legacyApi: false, revokeOnDelete: false, kubeconfig: "", clientCertificate: "", clientKey: "", server: "https://192.168.0.1:5443",
        endpoints: {}, currentContext: "internal", insecureSkipTlsVerify: false, userId: "u", fingerprint: "f", serialNumber: "01",
        issuedAt: new Date(issued).toISOString(), expiresAt: new Date(issued + 365 * DAY).toISOString(), apiCall: "POST",
    };
    const target = { region: "eu-west-0", cloud: "myhuaweicloud.com", projectId: "p1", endpoint: "https://cce.eu-west-0.myhuaweicloud.com" };
    const news = { clusterId: "c1", projectId: "p1", region: "eu-west-0", duration: 365 };

    it("replaces on a change of clusterType; a state without one is standard", () => {
        assert.deepEqual(diffState("id", olds, news, target, new Date()).replaces, []);
        assert.deepEqual(diffState("id", olds, { ...news, clusterType: "standard" }, target, new Date()).replaces, []);
        assert.deepEqual(diffState("id", olds, { ...news, clusterType: "autopilot" }, target, new Date()).replaces, ["clusterType"]);
        assert.deepEqual(diffState("id", { ...olds, clusterType: "autopilot" }, news, target, new Date()).replaces, ["clusterType"]);
    });
    it("exec kubeconfigs pin --cluster-type for Autopilot (the one builder both front ends use)", () => {
        assert.deepEqual(passThroughFlags({ clusterType: "autopilot" }), ["--cluster-type=autopilot"]);
        assert.deepEqual(passThroughFlags({ clusterType: "standard" }), []);
        const yaml = execKubeconfigFor({ clusterId: "c1", clusterType: "autopilot" }, target, { server: "https://127.0.0.1:1", insecureSkipTlsVerify: true, context: "external" });
        assert.match(yaml, /- "--cluster-type=autopilot"\n/);
    });
    it("builds the Autopilot path", () => {
        assert.equal(autopilotClusterCertUrl("https://cce.x", "p/1", "c1"), "https://cce.x/autopilot/v3/projects/p%2F1/clusters/c1/clustercert");
    });
    it("a 404 of one API names the other cluster type", () => {
        const standard = new CloudApiError("CCE clustercert", 404, { code: "CCE.01404001", message: "cluster not found" }, "");
        assert.match(standard.message, /If it is a CCE Autopilot cluster, set clusterType: "autopilot" \(CLI: --cluster-type autopilot\)\.$/);
        const autopilot = new CloudApiError("CCE Autopilot clustercert", 404, { code: "CCE.01404001", message: "cluster not found" }, "");
        assert.match(autopilot.message, /If it is a standard CCE cluster \(not Autopilot\), leave out clusterType "autopilot"\.$/);
        const revoke = new CloudApiError("CCE clustercertrevoke", 404, { code: "CCE.01404001", message: "cluster not found" }, "");
        assert.doesNotMatch(revoke.message, /Autopilot/);
        assert.doesNotMatch(new CloudApiError("CCE clustercert", 403, {}, "x").message, /Autopilot/);
    });
    it("refuses to revoke on an Autopilot cluster before any call, saying why", async () => {
        const logged: string[] = [];
        const env = { config: EMPTY_CONFIG, env: {}, now: () => new Date(), log: (l: string) => logged.push(l) };
        await assert.rejects(
            revokeIdentity({ clusterId: "c1", clusterType: "autopilot", endpoint: "https://127.0.0.1:9", projectId: "p1" }, { kind: "user", id: "u" }, env),
            (e: Error) => e instanceof ClusterCertError && e.code === "usage" && /CCE Autopilot publishes no clustercertrevoke API/.test(e.message),
        );
        assert.deepEqual(logged, []);
    });
});
