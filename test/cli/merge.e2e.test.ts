/**
 * `cce-clustercert kubeconfig [--exec] --merge` through the built binary against the emulator, the
 * merged files read by the real kubectl (`kubectl config view -o json`, `kubectl --context <alias>
 * get --raw /version`): a new ~/.kube/config, a file of one's own kept byte for byte, a re-run that
 * replaces its entry (with a backup), $KUBECONFIG, exec mode, names YAML 1.1 would misread.
 */
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CceEmulator } from "../emulator";
import { cliEnv, cliScript, findKubectl, runCli, runProcess, type KubectlInfo } from "./run-cli";

const PROJECT = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const CLUSTER = "c1111111-2222-3333-4444-000000000001";
const PUBLIC = "c1111111-2222-3333-4444-000000000002";
const AK = "CLIMERGEACCESSKEY001";
const SK = "CliMergeSecretKey0123456789abcdefghijklm";

/** A kubeconfig of one's own: comments, quoting, a flow mapping, a token user. */
const OWN = `# my kubeconfig — hand edited
apiVersion: v1
kind: Config
clusters:
- cluster:
    server: "https://prod.example.invalid:6443"   # prod
  name: prod
contexts:
- context: {cluster: prod, user: admin}
  name: prod
current-context: prod
preferences: {}
users:
- name: admin
  user:
    token: "not-a-real-token"
`;

interface ConfigView {
    clusters: { name: string; cluster: { server: string } }[];
    users: { name: string; user: Record<string, unknown> }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    "current-context": string;
}

describe("cce-clustercert kubeconfig --merge (built binary, kubectl reads the result)", function () {
    this.timeout(240_000);
    let emu: CceEmulator;
    let work: string;
    let env: NodeJS.ProcessEnv;
    let kubectl: KubectlInfo | string;
    let n = 0;
    const target = (cluster = CLUSTER): string[] => ["--cluster-id", cluster, "--endpoint", emu.url, "--iam-endpoint", emu.url];
    /** A fresh HOME for one test. */
    const home = async (): Promise<string> => fs.mkdtemp(path.join(work, `home-${++n}-`));
    const kube = (args: string[], e: NodeJS.ProcessEnv) => runProcess((kubectl as KubectlInfo).path, args, e);
    async function view(file: string, e: NodeJS.ProcessEnv): Promise<ConfigView> {
        const res = await kube(["config", "view", "--kubeconfig", file, "-o", "json"], e);
        assert.equal(res.code, 0, res.stderr);
        return JSON.parse(res.stdout) as ConfigView;
    }
    async function version(file: string, context: string, e: NodeJS.ProcessEnv): Promise<void> {
        const res = await kube(["--kubeconfig", file, "--context", context, "get", "--raw", "/version"], e);
        assert.equal(res.code, 0, `kubectl --context ${context}: ${res.stderr}`);
        assert.match(res.stdout, /"gitVersion"/);
    }

    before(async function () {
        kubectl = findKubectl();
        emu = await CceEmulator.start({
            keyType: "ec",
            credentials: [{ accessKey: AK, secretKey: SK }],
            projects: [{ id: PROJECT, name: "eu-west-0" }],
            clusters: [{ id: CLUSTER, projectId: PROJECT }, { id: PUBLIC, projectId: PROJECT, publicIp: true }],
        });
        work = await fs.mkdtemp(path.join(tmpdir(), "cce-cli-merge-"));
        env = cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT });
    });
    after(async () => {
        await emu?.stop();
        if (work) await fs.rm(work, { recursive: true, force: true });
    });

    it("creates ~/.kube/config (0600, directory 0700) with cce-<cluster>-<context>; kubectl uses it", async function () {
        const h = await home();
        const e = { ...env, HOME: h };
        const res = await runCli(["kubeconfig", "--merge", ...target()], e);
        assert.equal(res.code, 0, res.stderr);
        assert.equal(res.stdout, "", "nothing on stdout");
        const file = path.join(h, ".kube", "config");
        const name = `cce-${CLUSTER}-internal`;
        assert.match(res.stderr, new RegExp(`merged cluster, user and context ${name} into ${file.replace(/[.]/g, "\\.")}; select it with kubectl --context ${name}`));
        assert.match(res.stderr, /expires \S+ \(in 365 days\)/);
        assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
        assert.equal((await fs.stat(path.dirname(file))).mode & 0o777, 0o700);
        await assert.rejects(fs.stat(`${file}.cce-clustercert.bak`), "no backup of a file that did not exist");
        if (typeof kubectl === "string") return this.skip();
        const v = await view(file, e);
        assert.deepEqual(v.contexts.map((c) => [c.name, c.context.cluster, c.context.user]), [[name, name, name]]);
        assert.equal(v["current-context"] ?? "", "", "no current context without --set-current");
        await version(file, name, e);
    });

    it("merges into a file of one's own: every byte of it kept, a re-run replaces the entry and keeps a backup", async function () {
        const h = await home();
        const file = path.join(h, "own.kubeconfig");
        await fs.writeFile(file, OWN, { mode: 0o600 });
        const e = { ...env, HOME: h, KUBECONFIG: `${file}${path.delimiter}${path.join(h, "second")}` };
        const first = await runCli(["kubeconfig", "--merge", ...target(), "--alias", "cce-dev"], e);
        assert.equal(first.code, 0, first.stderr);
        const merged = await fs.readFile(file, "utf8");
        assert.ok(merged.startsWith(OWN.slice(0, OWN.indexOf("contexts:"))), "the start, up to the appended cluster, is the original");
        for (const line of OWN.split("\n")) assert.ok(merged.includes(line), `kept: ${line}`);
        assert.equal(await fs.readFile(`${file}.cce-clustercert.bak`, "utf8"), OWN, "the backup is the previous content");
        const second = await runCli(["kubeconfig", "--merge", ...target(), "--alias", "cce-dev", "--set-current"], e);
        assert.equal(second.code, 0, second.stderr);
        assert.match(second.stderr, /replacing its earlier clusters, users, contexts entries/);
        const again = await fs.readFile(file, "utf8");
        assert.equal(await fs.readFile(`${file}.cce-clustercert.bak`, "utf8"), merged, "the backup is the content before this run");
        const changed = again.split("\n").filter((l, i) => l !== merged.split("\n")[i]);
        assert.ok(changed.every((l) => /client-(certificate|key)-data: |^current-context: cce-dev$/.test(l)), `only the certificate, key and current context changed: ${changed.join(" | ")}`);
        if (typeof kubectl === "string") return this.skip();
        const v = await view(file, e);
        assert.deepEqual(v.clusters.map((c) => c.name).sort(), ["cce-dev", "prod"], "no duplicate after the re-run");
        assert.equal(v["current-context"], "cce-dev");
        await version(file, "cce-dev", e);
        const current = await kube(["--kubeconfig", file, "get", "--raw", "/version"], e);
        assert.equal(current.code, 0, current.stderr);
    });

    it("kubeconfig --exec --merge: the exec user under the alias; kubectl runs the plugin", async function () {
        const h = await home();
        const e = { ...env, HOME: h, XDG_CACHE_HOME: path.join(h, "cache") };
        const res = await runCli(["kubeconfig", "--exec", "--merge", ...target(PUBLIC), "--set-current", "--command", `${process.execPath} ${cliScript()}`], e);
        assert.equal(res.code, 0, res.stderr);
        const file = path.join(h, ".kube", "config");
        const name = `cce-${PUBLIC}-external`;
        if (typeof kubectl === "string") return this.skip();
        const v = await view(file, e);
        assert.equal(v["current-context"], name);
        assert.ok("exec" in (v.users.find((u) => u.name === name)?.user ?? {}), "the user runs the plugin");
        const get = await kube(["--kubeconfig", file, "get", "pods", "-o", "name"], e);
        assert.equal(get.code, 0, get.stderr);
        assert.match(get.stdout, /^pod\//m);
    });

    it("names a YAML 1.1 reader would misread are written quoted: kubectl finds them as given", async function () {
        const h = await home();
        const file = path.join(h, "names.kubeconfig");
        await fs.writeFile(file, OWN, { mode: 0o600 });
        for (const alias of ["on", "0x1F", "2001-12-14", "null"]) {
            const res = await runCli(["kubeconfig", "--merge", ...target(), "--kubeconfig", file, "--alias", alias], { ...env, HOME: h });
            assert.equal(res.code, 0, res.stderr);
        }
        if (typeof kubectl === "string") return this.skip();
        const v = await view(file, { ...env, HOME: h });
        assert.deepEqual(v.contexts.map((c) => c.name).sort(), ["0x1F", "2001-12-14", "null", "on", "prod"]);
        await version(file, "0x1F", { ...env, HOME: h });
        await version(file, "on", { ...env, HOME: h });
    });

    it("without --merge its flags are refused (exit 2, no call)", async () => {
        emu.reset();
        for (const flag of [["--alias", "x"], ["--set-current"], ["--kubeconfig", "f"]]) {
            const res = await runCli(["kubeconfig", ...target(), ...flag], env);
            assert.equal(res.code, 2, res.stderr);
            assert.match(res.stderr, /needs --merge/);
        }
        assert.equal((await runCli(["kubeconfig", "--merge", ...target(), "--alias", "a b"], env)).code, 2);
        assert.equal(emu.calls.count(), 0);
    });
});
