/**
 * CCE Autopilot through the built CLI against the emulator: `get` and `kubeconfig --exec` with
 * `--cluster-type autopilot` call the Autopilot path, kubectl reaches the cluster with what they
 * print, the wrong type fails with the documented exit code and a hint, and what Autopilot does not
 * take is refused before any call.
 */
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { CceEmulator } from "../emulator";
import { cliEnv, cliScript, findKubectl, runCli, runProcess, type KubectlInfo } from "./run-cli";

const PROJECT = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const AUTOPILOT = "a1111111-2222-3333-4444-000000000001";
const STANDARD = "a1111111-2222-3333-4444-000000000002";
const AK = "CLIAUTOPILOTACCESSK1";
const SK = "CliAutopilotSecretKey0123456789abcdefghi";

describe("cce-clustercert with --cluster-type autopilot (built binary against the emulator)", function () {
    this.timeout(180_000);
    let emu: CceEmulator;
    let work: string;
    let env: NodeJS.ProcessEnv;
    let kubectl: KubectlInfo | string;
    const target = (): string[] => ["--endpoint", emu.url, "--iam-endpoint", emu.url];
    const certCalls = () => emu.calls.filter({ route: "clustercert" });

    async function kubectlVersion(kubeconfig: string, name: string): Promise<void> {
        const file = path.join(work, name);
        await fs.writeFile(file, kubeconfig, { mode: 0o600 });
        const res = await runProcess((kubectl as KubectlInfo).path, ["--kubeconfig", file, "get", "--raw", "/version"], env);
        assert.equal(res.code, 0, `kubectl failed: ${res.stderr}`);
        assert.match(res.stdout, /"gitVersion": *"v1\.28\.3-r0-emulator"/);
    }

    before(async () => {
        emu = await CceEmulator.start({
            keyType: "ec",
            credentials: [{ accessKey: AK, secretKey: SK }],
            projects: [{ id: PROJECT, name: "eu-west-0" }],
            clusters: [
                { id: AUTOPILOT, projectId: PROJECT, type: "autopilot" },
                { id: STANDARD, projectId: PROJECT },
            ],
        });
        work = await fs.mkdtemp(path.join(tmpdir(), "cce-cli-autopilot-"));
        env = cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT }, { XDG_CACHE_HOME: path.join(work, "cache") });
        kubectl = findKubectl();
    });
    after(async () => {
        await emu?.stop();
        if (work) await fs.rm(work, { recursive: true, force: true });
    });
    beforeEach(() => emu.reset());

    it("get: one POST on the Autopilot path with {duration}; kubectl uses the kubeconfig", async function () {
        const res = await runCli(["get", "--cluster-id", AUTOPILOT, "--cluster-type", "autopilot", "--duration", "-1", ...target()], env);
        assert.equal(res.code, 0, res.stderr);
        assert.deepEqual(certCalls().map((c) => [c.method, c.path, c.status]), [["POST", `/autopilot/v3/projects/${PROJECT}/clusters/${AUTOPILOT}/clustercert`, 200]]);
        assert.match(res.stderr, /expires \S+ \(in (1826|1827) days\)/, "-1 is the maximum, 5 years");
        if (typeof kubectl === "string") return this.skip();
        await kubectlVersion(res.stdout, "get.kubeconfig");
    });

    it("kubeconfig --exec pins --cluster-type=autopilot; kubectl runs the plugin against the Autopilot path", async function () {
        const res = await runCli(["kubeconfig", "--exec", "--cluster-id", AUTOPILOT, "--cluster-type", "autopilot", ...target(), "--command", `${process.execPath} ${cliScript()}`], env);
        assert.equal(res.code, 0, res.stderr);
        const kc = YAML.parse(res.stdout) as { users: { user: { exec: { args: string[] } } }[] };
        assert.ok(kc.users[0]!.user.exec.args.includes("--cluster-type=autopilot"));
        assert.ok(certCalls().every((c) => c.path.startsWith("/autopilot/v3/")));
        if (typeof kubectl === "string") return this.skip();
        await kubectlVersion(res.stdout, "exec.kubeconfig");
        assert.ok(certCalls().every((c) => c.path.startsWith("/autopilot/v3/") && c.status === 200));
    });

    it("the wrong cluster type: exit 4 and one line naming the other type", async () => {
        const wrong = await runCli(["get", "--cluster-id", AUTOPILOT, ...target()], env);
        assert.equal(wrong.code, 4);
        assert.equal(wrong.stderr.trim().split("\n").length, 1, wrong.stderr);
        assert.match(wrong.stderr, /^cce-clustercert: error: CCE clustercert failed: 404 CCE\.01404001 .*--cluster-type autopilot/);
        const other = await runCli(["get", "--cluster-id", STANDARD, "--cluster-type", "autopilot", ...target()], env);
        assert.equal(other.code, 4);
        assert.match(other.stderr, /CCE Autopilot clustercert failed: 404 .*leave out clusterType "autopilot"/);
    });

    it("refuses what Autopilot does not take, with exit code 2 and no call", async () => {
        for (const [flags, message] of [
            [["--duration", "1826"], /--duration: CCE Autopilot accepts duration -1 \(5 years\) or 1 to 1825 days/],
            [["--expires-at", "2030-01-01"], /--expires-at: CCE Autopilot's clustercert takes no expiry date/],
            [["--legacy-api"], /--legacy-api: CCE Autopilot has no deprecated GET/],
        ] as const) {
            const res = await runCli(["get", "--cluster-id", AUTOPILOT, "--cluster-type", "autopilot", ...flags, ...target()], env);
            assert.equal(res.code, 2, res.stderr);
            assert.match(res.stderr, message);
        }
        assert.equal((await runCli(["get", "--cluster-id", AUTOPILOT, "--cluster-type", "Autopilot", ...target()], env)).code, 2);
        assert.equal(emu.calls.count(), 0);
    });
});
