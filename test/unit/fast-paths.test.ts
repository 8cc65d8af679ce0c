/**
 * The fast paths of provider/kube/certificate.ts (strict DER reader of certificates and keys:
 * certificate-der.ts, private-key-der.ts) and provider/kube/kubeconfig-yaml.ts (YAML writer) must
 * agree with node:crypto and the yaml library: a smaller run of the benchmark's cross-check
 * (test/support/crosscheck.ts), so that `npm test` exercises them on every change. And they must be
 * taken for what CCE sends: a fast path switched off (or giving up on CCE's certificates, keys or
 * kubeconfigs) fails the second test, since its cost is why it exists (bench/RESULTS.md).
 */
import assert from "node:assert/strict";
import { crossCheck, fastPathsTaken } from "../support/crosscheck";

describe("fast paths agree with node:crypto and yaml", function () {
    this.timeout(120_000);
    it("on generated certificates, keys and documents, and on corrupted certificates and keys", async () => {
        const r = await crossCheck({ seed: 4242, certificateMutations: 2_000, keyMutations: 400 });
        assert.ok(r.yamlDocuments > 0 && r.certificates > 0 && r.certificateMutations === 2_000 && r.keyMutations === 400, JSON.stringify(r));
        assert.ok(r.yamlDocumentsByFastPath > 0 && r.keyChecksByFastPath > 0, `the fast paths decided some of the cases: ${JSON.stringify({ ...r, failures: r.failures.length })}`);
        assert.deepEqual(r.failures.slice(0, 5), []);
    });

    it("are taken for the certificates, keys (RSA and EC) and kubeconfigs CCE sends", async () => {
        assert.deepEqual(await fastPathsTaken(), {
            "rsa pkcs1 key": true,
            "rsa pkcs8 key": true,
            "ec sec1 key": true,
            "ec pkcs8 key": true,
            "kubeconfig YAML": true,
        });
    });
});
