/**
 * `cce-clustercert revoke` through the built binary against the emulator: without `--yes` it says
 * who would lose access and exits 8 with no call; with `--yes` it says it again, sends one
 * clustercertrevoke with `userId` or `agencyId`, and kubectl is then refused with every earlier
 * certificate of that identity; bad usage gets exit 2 before any call.
 */
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CceEmulator, faults } from "../emulator";
import { cliEnv, findKubectl, runCli, runProcess, type KubectlInfo } from "./run-cli";

const PROJECT = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const CLUSTER = "b1111111-2222-3333-4444-000000000001";
const AUTOPILOT = "b1111111-2222-3333-4444-000000000002";
const AK = "CLIREVOKEACCESSKEY01";
const SK = "CliRevokeSecretKey0123456789abcdefghijkl";
const USER = "7e5a0c3a9b8d4e2f8a1b7c6d5e4f3a2b";

describe("cce-clustercert revoke (built binary against the emulator)", function () {
    this.timeout(180_000);
    let emu: CceEmulator;
    let work: string;
    let env: NodeJS.ProcessEnv;
    let kubectl: KubectlInfo | string;
    const target = (): string[] => ["--cluster-id", CLUSTER, "--endpoint", emu.url, "--iam-endpoint", emu.url];
    const revokes = () => emu.calls.filter({ route: "clustercertrevoke" });

    /** A kubeconfig with a fresh certificate of USER (written to `name`). */
    async function kubeconfig(name: string): Promise<string> {
        const res = await runCli(["get", ...target(), "--duration", "2"], env);
        assert.equal(res.code, 0, res.stderr);
        const file = path.join(work, name);
        await fs.writeFile(file, res.stdout, { mode: 0o600 });
        return file;
    }
    async function kubectlStatus(file: string): Promise<number | null> {
        return (await runProcess((kubectl as KubectlInfo).path, ["--kubeconfig", file, "get", "--raw", "/version"], env)).code;
    }

    before(async () => {
        emu = await CceEmulator.start({
            keyType: "ec",
            credentials: [{ accessKey: AK, secretKey: SK, userId: USER }],
            projects: [{ id: PROJECT, name: "eu-west-0" }],
            clusters: [{ id: CLUSTER, projectId: PROJECT }, { id: AUTOPILOT, projectId: PROJECT, type: "autopilot" }],
        });
        work = await fs.mkdtemp(path.join(tmpdir(), "cce-cli-revoke-"));
        env = cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT });
        kubectl = findKubectl();
    });
    after(async () => {
        await emu?.stop();
        if (work) await fs.rm(work, { recursive: true, force: true });
    });
    beforeEach(() => {
        emu.reset();
    });

    it("without --yes: says who would lose access, revokes nothing, exit 8", async () => {
        const res = await runCli(["revoke", ...target(), "--user-id", USER], env);
        assert.equal(res.code, 8, res.stderr);
        assert.match(res.stderr, new RegExp(`--yes would revoke every certificate and kubeconfig that user ${USER} obtained for cluster ${CLUSTER}: console downloads and the certificates of other stacks and tools included stop working \\(project ${PROJECT}, https://127\\.0\\.0\\.1:\\d+\\)`));
        assert.match(res.stderr, /nothing was revoked: run again with --yes/);
        assert.equal(res.stdout, "");
        assert.equal(emu.calls.count(), 0);
    });

    it("--yes: warns first, revokes with {userId}; kubectl is refused with every earlier certificate of that user", async function () {
        const first = await kubeconfig("first.kubeconfig");
        const second = await kubeconfig("second.kubeconfig");
        if (typeof kubectl !== "string") assert.equal(await kubectlStatus(first), 0);
        emu.reset();
        const res = await runCli(["revoke", ...target(), "--user-id", USER, "--yes"], env);
        assert.equal(res.code, 0, res.stderr);
        const lines = res.stderr.trim().split("\n");
        assert.match(lines[0]!, new RegExp(`^cce-clustercert: revoking every certificate and kubeconfig that user ${USER} obtained for cluster ${CLUSTER}: console downloads`));
        assert.equal(lines.at(-1), `cce-clustercert: revoked every certificate of user ${USER} on cluster ${CLUSTER}`);
        assert.deepEqual(revokes().map((c) => [c.method, c.status]), [["POST", 200]]);
        assert.ok(emu.cluster(CLUSTER).certificates().every((c) => c.revoked), "every certificate of the user on the cluster");
        if (typeof kubectl === "string") return this.skip();
        assert.notEqual(await kubectlStatus(first), 0, "kubectl is refused with the revoked certificate");
        assert.notEqual(await kubectlStatus(second), 0, "and with the other one of the same user");
    });

    it("--from-kubeconfig reads the CN of the current context's certificate", async () => {
        const file = await kubeconfig("from.kubeconfig");
        emu.reset();
        const dry = await runCli(["revoke", ...target(), "--from-kubeconfig", file], env);
        assert.equal(dry.code, 8, dry.stderr);
        assert.match(dry.stderr, new RegExp(`user ${USER}: the CN of the client certificate of context "internal" in ${file.replace(/[.]/g, "\\.")} \\(if that certificate was obtained through an agency, pass --agency-id ${USER} instead\\)`));
        const res = await runCli(["revoke", ...target(), "--from-kubeconfig", file, "--yes"], env);
        assert.equal(res.code, 0, res.stderr);
        assert.equal(revokes().length, 1);
    });

    it("--agency-id sends {agencyId}, --user-id {userId}", async () => {
        const res = await runCli(["revoke", ...target(), "--agency-id", "0a0b0c0d0e0f", "--yes"], env);
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stderr, /revoking every certificate and kubeconfig that agency 0a0b0c0d0e0f obtained/);
        assert.equal((await runCli(["revoke", ...target(), "--user-id", USER, "--yes"], env)).code, 0);
        assert.deepEqual(revokes().map((c) => c.revoked), [{ field: "agencyId", id: "0a0b0c0d0e0f" }, { field: "userId", id: USER }]);
    });

    it("a server error is one line with exit 5, after the warning", async () => {
        emu.inject(faults.cceError(500, "CCE.01500001", "internal\u001b[31m error", { route: "clustercertrevoke", times: 10 }));
        const res = await runCli(["revoke", ...target(), "--user-id", USER, "--yes", "--max-retries", "0"], env);
        assert.equal(res.code, 5);
        const lines = res.stderr.trim().split("\n");
        assert.equal(lines.length, 2, res.stderr);
        assert.match(lines[1]!, /^cce-clustercert: error: CCE clustercertrevoke failed: 500 CCE\.01500001 "internal\\x1b\[31m error"/);
        emu.clearFaults();
    });

    it("bad usage: exit 2 and one line, before any call", async () => {
        for (const [args, message] of [
            [["--yes"], /name whose certificates to revoke: --user-id ID, --agency-id ID or --from-kubeconfig FILE/],
            [["--user-id", USER, "--agency-id", USER, "--yes"], /give only one of --user-id, --agency-id/],
            [["--user-id", "a/b", "--yes"], /--user-id "a\/b" is not an IAM user or agency id/],
            [["--user-id", USER, "--duration", "3"], /Unknown option '--duration'/],
            [["--from-kubeconfig", path.join(work, "missing"), "--yes"], /--from-kubeconfig \S+missing does not exist/],
        ] as const) {
            const res = await runCli(["revoke", ...target(), ...args], env);
            assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
            assert.match(res.stderr, message);
        }
        const autopilot = await runCli(["revoke", "--cluster-id", AUTOPILOT, "--cluster-type", "autopilot", "--user-id", USER, "--yes", "--endpoint", emu.url], env);
        assert.equal(autopilot.code, 2);
        assert.match(autopilot.stderr, /CCE Autopilot publishes no clustercertrevoke API .*: revoke the certificate in the CCE console instead/);
        assert.equal(emu.calls.count(), 0);
    });

    it("no credentials: exit 3; an unknown cluster: exit 4", async () => {
        const { HW_ACCESS_KEY: _a, HW_SECRET_KEY: _s, ...bare } = env;
        assert.equal((await runCli(["revoke", ...target(), "--user-id", USER, "--yes"], bare)).code, 3);
        const gone = await runCli(["revoke", "--cluster-id", "no-such-cluster", "--endpoint", emu.url, "--user-id", USER, "--yes"], env);
        assert.equal(gone.code, 4, gone.stderr);
        assert.match(gone.stderr, /CCE clustercertrevoke failed: 404 CCE\.01404001/);
    });
});
