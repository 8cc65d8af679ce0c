/**
 * The dependency rule of provider/ (scripts/check-layers.ts, run by `npm run lint`): the tree as it
 * is satisfies it, and an upward or sideways import makes the check — and so `npm run lint` — fail.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { checkLayers, layerOf, violation } from "../../scripts/check-layers";
import { REPO_ROOT } from "../harness/program";

const PROVIDER = path.join(REPO_ROOT, "provider");
const CHECK = path.join(REPO_ROOT, "scripts", "check-layers.ts");

function runCheck(dir: string) {
    return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", CHECK, dir], { cwd: REPO_ROOT, encoding: "utf8" });
}

describe("layers: imports point down", () => {
    it("holds for provider/ as it is", () => {
        assert.deepEqual(checkLayers(PROVIDER), []);
        const r = runCheck(PROVIDER);
        assert.equal(r.status, 0, r.stderr);
    });

    it("judges imports by layer", () => {
        assert.equal(layerOf("core/state.ts"), "core");
        assert.equal(layerOf("index.ts"), "index");
        assert.equal(violation("core/state.ts", "kube/pem"), undefined);
        assert.equal(violation("cli/run.ts", "core/issue"), undefined);
        assert.equal(violation("index.ts", "pulumi/resource"), undefined);
        assert.match(violation("huaweicloud/cce.ts", "core/types") ?? "", /runs back up/);
        assert.match(violation("util/text.ts", "kube/pem") ?? "", /runs back up/);
        assert.match(violation("kube/kubeconfig.ts", "huaweicloud/endpoints") ?? "", /side by side/);
        assert.match(violation("pulumi/runtime.ts", "cli/obtain") ?? "", /side by side/);
        assert.match(violation("core/issue.ts", "index") ?? "", /public face/);
    });

    for (const [file, line, expect] of [
        ["util/text.ts", 'import { ClusterCert } from "../pulumi/resource";\n', /util\/text\.ts -> pulumi\/resource: util\/ \(rank 0\) imports pulumi\/ \(rank 3\): an import runs back up/],
        ["kube/pem.ts", 'export { signRequest } from "../huaweicloud/signer";\n', /kube\/pem\.ts -> huaweicloud\/signer: kube\/ and huaweicloud\/ stand side by side/],
        ["huaweicloud/http.ts", 'const x = require("../core/defaults");\n', /huaweicloud\/http\.ts -> core\/defaults: .* runs back up/],
    ] as const) {
        it(`fails the lint check for ${line.trim()} in ${file}`, () => {
            const copy = mkdtempSync(path.join(tmpdir(), "cce-layers-"));
            try {
                cpSync(PROVIDER, copy, { recursive: true });
                appendFileSync(path.join(copy, file), line);
                const r = runCheck(copy);
                assert.equal(r.status, 1, "the check must fail");
                assert.match(r.stderr, expect);
            } finally {
                rmSync(copy, { recursive: true, force: true });
            }
        });
    }
});
