/**
 * The fast paths of provider/kube/certificate.ts (strict DER reader of certificates and keys:
 * certificate-der.ts, private-key-der.ts) and provider/kube/kubeconfig-yaml.ts (YAML writer) must
 * agree with node:crypto and the yaml library: the benchmark's cross-check, with more than 10,000 certificates and keys
 * (test/support/crosscheck.ts), so that `npm test` exercises them on every change. And they must be
 * taken for what CCE sends: a fast path switched off (or giving up on CCE's certificates, keys or
 * kubeconfigs) fails the second test, since its cost is why it exists (bench/RESULTS.md).
 */
import assert from "node:assert/strict";
import { crossCheck, fastPathsTaken } from "../support/crosscheck";

describe("fast paths agree with node:crypto and yaml", function () {
    this.timeout(600_000);
    it("on generated certificates, keys and documents, and on corrupted certificates and keys", async () => {
        // At least 10,000 certificates and keys: the generated certificates in 4 PEM layouts, the
        // corrupted ones, and every key check (generated and corrupted keys).
        const r = await crossCheck({ seed: 4242, certificateMutations: 8_000, keyMutations: 2_000 });
        assert.ok(r.yamlDocuments >= 4_000 && r.certificateMutations === 8_000 && r.keyMutations === 2_000, JSON.stringify({ ...r, failures: r.failures.length }));
        assert.ok(r.certificates * 4 + r.certificateMutations + r.keyChecks >= 10_000, `cases: ${JSON.stringify({ ...r, failures: r.failures.length })}`);
        assert.ok(r.yamlDocumentsByFastPath > 0 && r.keyChecksByFastPath > 0, `the fast paths decided some of the cases: ${JSON.stringify({ ...r, failures: r.failures.length })}`);
        assert.deepEqual(r.failures.slice(0, 5), []);
    });

    it("are taken for the certificates, keys (RSA and EC) and kubeconfigs CCE sends", async () => {
        assert.deepEqual(await fastPathsTaken(), {
            "rsa pkcs1 key": true,
            "rsa pkcs8 key": true,
            "ec sec1 key": true,
            "ec pkcs8 key": true,
            "RSA-3072 pkcs1 key": true,
            "RSA-3072 pkcs8 key": true,
            "RSA-4096 pkcs1 key": true,
            "RSA-4096 pkcs8 key": true,
            "P-384 sec1 key": true,
            "P-384 pkcs8 key": true,
            "kubeconfig YAML": true,
        });
    });
});
