/**
 * The fast paths of provider/kube/certificate.ts (strict DER reader) and provider/kube/kubeconfig.ts (YAML
 * writer) must agree with node:crypto and YAML.stringify: a smaller run of the benchmark's
 * cross-check (bench/crosscheck.ts), so that `npm test` exercises them on every change.
 */
import assert from "node:assert/strict";
import { crossCheck } from "../support/crosscheck";

describe("fast paths agree with node:crypto and yaml", function () {
    this.timeout(120_000);
    it("on generated certificates, keys and documents, and on corrupted certificates and keys", async () => {
        const r = await crossCheck({ seed: 4242, certificateMutations: 2_000, keyMutations: 200 });
        assert.ok(r.yamlDocuments > 0 && r.certificates > 0 && r.certificateMutations === 2_000 && r.keyMutations === 200, JSON.stringify(r));
        assert.deepEqual(r.failures.slice(0, 5), []);
    });
});
