/**
 * Security class 6, YAML that every reader reads the same: kubectl reads kubeconfigs with a YAML 1.1
 * parser (go-yaml v2 via sigs.k8s.io/yaml), to which `on`, `y`, `No`, `0x1F`, `1_000`, `~` or `.inf`
 * are not strings. Every kubeconfig this package writes must give kubectl back exactly the strings
 * it holds. The oracle is the real kubectl v1.32 (`config view -o json`, `config get-contexts`,
 * requests to the emulator's Kubernetes API, which checks the client certificate, and the exec
 * plugin run end to end), plus the `yaml` library in both YAML versions for the table of words.
 */
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { parseKubeconfigYaml, renderKubeconfig, type Kubeconfig } from "../../provider/kube/kubeconfig";
import { isSafePlain, kubeconfigYaml, libraryYaml, plainBlockYaml } from "../../provider/kube/kubeconfig-yaml";
import { faults, type CceEmulator } from "../emulator";
import type { Engine } from "../harness/engine";
import { cliEnv, cliScript, findKubectl, runCli, runProcess, type Result } from "../cli/run-cli";
import { AK, CLUSTER, PROJECT, SK, attempt, certCalls, defaultArgs, failure, startEmulator, startEngine } from "./support";

/** A date read by YAML, written so that deepEqual can compare it. */
const date = (iso: string) => ({ date: iso });
const plainValue = (v: unknown): unknown => (v instanceof Date ? date(v.toISOString()) : v);

/** Every special word: what the `yaml` library reads from it unquoted, as YAML 1.1 (kubectl's) and 1.2. */
const WORDS: readonly [word: string, v11: unknown, v12: unknown][] = [
    ["y", true, "y"], ["Y", true, "Y"], ["yes", true, "yes"], ["Yes", true, "Yes"], ["YES", true, "YES"],
    ["n", false, "n"], ["N", false, "N"], ["no", false, "no"], ["No", false, "No"], ["NO", false, "NO"],
    ["true", true, true], ["True", true, true], ["TRUE", true, true],
    ["false", false, false], ["False", false, false], ["FALSE", false, false],
    ["on", true, "on"], ["On", true, "On"], ["ON", true, "ON"], ["off", false, "off"], ["Off", false, "Off"], ["OFF", false, "OFF"],
    ["null", null, null], ["Null", null, null], ["NULL", null, null], ["~", null, null], ["", null, null],
    ["0x1F", 31, 31], ["0o17", "0o17", 15], ["017", 15, 17], ["1_000", 1000, "1_000"], ["0b101", 5, "0b101"],
    ["+1", 1, 1], ["-1", -1, -1], ["1e3", 1000, 1000], ["1.5", 1.5, 1.5],
    ["12:30:00", 45000, "12:30:00"], ["190:20:30", 685230, "190:20:30"],
    [".inf", Infinity, Infinity], ["-.Inf", -Infinity, -Infinity], [".NaN", NaN, NaN],
    ["2001-12-14", date("2001-12-14T00:00:00.000Z"), "2001-12-14"],
    ["2001-12-14t21:59:43.10-05:00", date("2001-12-15T02:59:43.100Z"), "2001-12-14t21:59:43.10-05:00"],
    ["2001-12-14 21:59:43.10 -5", date("2001-12-15T02:59:43.100Z"), "2001-12-14 21:59:43.10 -5"],
    // YAML 1.1's value and merge keys: strings to this library, special to go-yaml v2.
    ["=", "=", "="], ["<<", "<<", "<<"],
];

/** Strings that are YAML syntax when plain (they do not even parse, or parse as something else). */
const SYNTAX = ["- x", "#x", "a: b", "x #y", "@at", "`tick", "!tag", "&anchor", "*alias", "%dir", "{a}", "[a]", "'q'", '"q"', "|", ">", "? k", " lead", "trail ", "two\nlines", "tab\there", "back\\slash"];

/** Strings written plain (the fast path) that every reader reads back as themselves. */
const SAFE = ["internalCluster", "user", "eu-west-0", "a:b", "onion", "nope", "nullable", "Yes2", "x", "https://127.0.0.1:6443/path"];

/** What `kubectl config view -o json` prints (the parts read here). */
interface Viewed {
    clusters: { name: string; cluster: { server: string } }[];
    users: { name: string; user: { exec?: { command: string; args: string[] } } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    "current-context": string;
}

/** A kubeconfig document with `w` everywhere a string of our own goes: names, references, current-context, exec args. */
function docWith(w: string): Kubeconfig {
    return {
        kind: "Config",
        apiVersion: "v1",
        preferences: {},
        clusters: [{ name: w, cluster: { server: "https://127.0.0.1:6443" } }],
        users: [{ name: w, user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "cce-clustercert", args: ["exec-credential", "--cluster-id", w], interactiveMode: "Never" } } }],
        contexts: [{ name: w, context: { cluster: w, user: w } }],
        "current-context": w,
    };
}

describe("security 6: YAML that every reader reads the same", function () {
    this.timeout(300_000);

    describe("the yaml library, YAML 1.1 and 1.2, over every special word", () => {
        for (const [word, v11, v12] of WORDS) {
            it(`${JSON.stringify(word)}: plain it reads as ${JSON.stringify(plainValue(v11)) ?? String(v11)} (1.1) / ${JSON.stringify(plainValue(v12)) ?? String(v12)} (1.2); rendered, both read the string`, () => {
                if (word !== "") {
                    assert.deepEqual(plainValue(YAML.parse(`v: ${word}`, { version: "1.1" }).v), v11);
                    assert.deepEqual(plainValue(YAML.parse(`v: ${word}`, { version: "1.2" }).v), v12);
                }
                assert.equal(isSafePlain(word), false);
                const doc = docWith(word);
                const text = kubeconfigYaml(doc);
                assert.equal(plainBlockYaml(doc), undefined, "the fast path gives up");
                assert.equal(text, libraryYaml(doc));
                assert.ok(text.includes(`- name: ${JSON.stringify(word)}\n`), `double-quoted in:\n${text}`);
                assert.deepEqual(YAML.parse(text, { version: "1.1" }), doc);
                assert.deepEqual(YAML.parse(text, { version: "1.2" }), doc);
            });
        }

        it("strings that are YAML syntax when plain are quoted and read back the same by 1.1 and 1.2", () => {
            for (const s of SYNTAX) {
                assert.equal(isSafePlain(s), false, JSON.stringify(s));
                const text = kubeconfigYaml(docWith(s));
                assert.deepEqual(YAML.parse(text, { version: "1.1" }), docWith(s), JSON.stringify(s));
                assert.deepEqual(YAML.parse(text, { version: "1.2" }), docWith(s), JSON.stringify(s));
            }
        });

        it("safe strings are written plain by the fast path, exactly as the library writes them, and read back the same", () => {
            for (const s of SAFE) {
                assert.equal(isSafePlain(s), true, JSON.stringify(s));
                const doc = docWith(s);
                doc.users[0]!.user.exec!.args = ["exec-credential", s];
                const fast = plainBlockYaml(doc);
                assert.equal(fast, libraryYaml(doc), JSON.stringify(s));
                assert.ok(fast?.includes(`- name: ${s}\n`));
                assert.deepEqual(YAML.parse(fast as string, { version: "1.1" }), doc);
                assert.deepEqual(YAML.parse(fast as string, { version: "1.2" }), doc);
            }
        });
    });

    describe("kubectl v1.32 reads what this package writes", function () {
        const NAMES = ["on", "y", "No", "off", "yes", "null", "0x1F", "0o17", "1_000", "2001-12-14", "12:30:00", "1e3", ".inf", "="];
        /** Names kubectl reads fine when quoted but the answer's sanitizer refuses (not letters, digits and ._@:/+=-). */
        const REFUSED = ["~", "<<"];
        /** Ids a YAML reader takes for non-strings when plain: kubectl itself misreads on, y, No, null and 1_000 (2001-12-14 is a date to YAML 1.1). */
        const EXEC_IDS = ["on", "y", "No", "null", "1_000", "2001-12-14"];
        let emu: CceEmulator;
        let engine: Engine;
        let work: string;
        let env: NodeJS.ProcessEnv;
        let n = 0;

        before(async function () {
            const found = findKubectl();
            if (typeof found === "string") {
                console.log(`      (skipping the kubectl cases: ${found})`);
                this.skip();
            }
            emu = await startEmulator({ keyType: "ec", clusters: [CLUSTER, ...EXEC_IDS.map((id) => ({ id, projectId: PROJECT.id, publicIp: false, version: "v1.28" }))] });
            engine = await startEngine(emu, { HW_ACCESS_KEY: AK, HW_SECRET_KEY: SK });
            work = await fs.mkdtemp(path.join(tmpdir(), "cce-sec-yaml-"));
            env = cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT.id });
        });
        after(async () => {
            await engine?.stop();
            await emu?.stop();
            if (work) await fs.rm(work, { recursive: true, force: true });
        });
        beforeEach(() => emu?.reset());

        const fresh = (name: string): string => path.join(work, `${++n}-${name}`);
        async function writeKubeconfig(text: string): Promise<string> {
            const file = fresh("kubeconfig");
            await fs.writeFile(file, text, { mode: 0o600 });
            return file;
        }
        /** kubectl with its discovery cache and the plugin's certificate cache in fresh temp folders (asynchronous: the emulator lives here). */
        function kubectl(kubeconfig: string, args: readonly string[]): Promise<Result> {
            return runProcess("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", fresh("kube-cache"), ...args], { ...env, XDG_CACHE_HOME: fresh("xdg") });
        }
        async function view(kubeconfig: string): Promise<Viewed> {
            const res = await kubectl(kubeconfig, ["config", "view", "-o", "json"]);
            assert.equal(res.code, 0, res.stderr);
            return JSON.parse(res.stdout);
        }
        const names = (list: { name: string }[]): string[] => list.map((e) => e.name).sort();
        const refs = (kc: Viewed): string[][] => kc.contexts.map((c) => [c.name, c.context.cluster, c.context.user]).sort();
        /** `kubectl config get-contexts` as rows of words (CURRENT NAME CLUSTER AUTHINFO), header dropped, sorted. */
        async function contextRows(kubeconfig: string): Promise<string[][]> {
            const res = await kubectl(kubeconfig, ["config", "get-contexts"]);
            assert.equal(res.code, 0, res.stderr);
            return res.stdout.trimEnd().split("\n").slice(1).map((l) => l.trim().split(/\s+/)).sort((a, b) => (a.join(" ") < b.join(" ") ? -1 : 1));
        }
        /** `kubectl get --raw /version` through the kubeconfig's current context: the emulator checked the client certificate. */
        async function assertReachesCluster(kubeconfig: string, userId: string, clusterId: string): Promise<void> {
            const from = emu.calls.entries.length;
            const res = await kubectl(kubeconfig, ["get", "--raw", "/version"]);
            assert.equal(res.code, 0, res.stderr);
            assert.equal((JSON.parse(res.stdout) as { gitVersion: string }).gitVersion, "v1.28.3-r0-emulator");
            const kube = emu.calls.entries.slice(from).filter((c) => c.route === "kube");
            assert.ok(kube.length > 0, "kubectl reached the cluster");
            for (const c of kube) assert.deepEqual([c.status, c.auth, c.userId, c.clusterId, c.endpoint], [200, "x509", userId, clusterId, "internal"]);
        }

        /** The answer with the internal cluster and the user renamed to `name` (the contexts keep CCE's names and refer to them). */
        function renameInAnswer(name: string): void {
            emu.inject(
                faults.kubeconfig((kc) => {
                    for (const c of kc.clusters) if (c.name === "internalCluster") c.name = name;
                    for (const u of kc.users) u.name = name;
                    for (const c of kc.contexts) {
                        if (c.context.cluster === "internalCluster") c.context.cluster = name;
                        c.context.user = name;
                    }
                }, { route: "clustercert" }),
            );
        }

        for (const name of NAMES) {
            it(`answer names ${JSON.stringify(name)}: the provider's kubeconfig gives kubectl back those strings, and kubectl reaches the cluster with it`, async () => {
                renameInAnswer(name);
                const o = await attempt(engine, emu, defaultArgs(emu, { context: "internal" }));
                assert.equal(o.error, undefined, o.error?.message);
                assert.equal(certCalls(o), 1);
                const text = o.state?.outputs.kubeconfig as string;
                assert.ok(text.includes(`- name: ${JSON.stringify(name)}\n`), `quoted in:\n${text}`);
                const file = await writeKubeconfig(text);
                const kc = await view(file);
                assert.deepEqual(names(kc.clusters), [name, "externalCluster"].sort());
                assert.deepEqual(names(kc.users), [name]);
                assert.deepEqual(refs(kc), [["external", "externalCluster", name], ["internal", name, name]]);
                assert.equal(kc["current-context"], "internal");
                assert.deepEqual(await contextRows(file), [["*", "internal", name, name], ["external", "externalCluster", name]]);
                await assertReachesCluster(file, o.state?.outputs.userId as string, CLUSTER.id);
                if (name === "on") {
                    const pods = await kubectl(file, ["get", "pods", "-o", "name"]);
                    assert.equal(pods.code, 0, pods.stderr);
                    assert.match(pods.stdout, /^pod\/nginx-/m);
                }
            });
        }

        for (const name of REFUSED) {
            it(`answer names ${JSON.stringify(name)}: refused by the sanitizer, naming the entry`, async () => {
                renameInAnswer(name);
                const o = await attempt(engine, emu, defaultArgs(emu, { context: "internal" }));
                const rid = (o.calls.find((c) => c.route === "clustercert") as { requestId: string }).requestId;
                assert.equal(
                    failure(o),
                    `CCE clustercert: the API answered 200 but clusters[0] has the name ${JSON.stringify(name)}, which is not a valid name (letters, digits and ._@:/+=- , at most 128) (request id ${rid}). This is a cloud-side fault; retry, and report the request id if it persists.`,
                );
                assert.equal(certCalls(o), 1);
            });
        }

        it("renderKubeconfig with every special word as names, references, current-context and exec args: kubectl reads them all back and reaches the cluster", async () => {
            const o = await attempt(engine, emu, defaultArgs(emu, { context: "internal" }));
            assert.equal(o.error, undefined, o.error?.message);
            const real = parseKubeconfigYaml(o.state?.outputs.kubeconfig as string);
            const cluster = real.clusters.find((c) => c.name === "internalCluster")!.cluster;
            const user = real.users[0]!.user;
            const words = [...WORDS.map(([w]) => w), ...REFUSED].filter((w, i, all) => w !== "" && all.indexOf(w) === i);
            const kc: Kubeconfig = {
                kind: "Config",
                apiVersion: "v1",
                preferences: {},
                clusters: words.map((w) => ({ name: w, cluster: { ...cluster } })),
                users: [...words.map((w) => ({ name: w, user: { ...user } })), { name: "exec", user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "cce-clustercert", args: words, interactiveMode: "Never" } } }],
                contexts: words.map((w) => ({ name: w, context: { cluster: w, user: w } })),
                "current-context": "~",
            };
            const file = await writeKubeconfig(renderKubeconfig(kc, "~"));
            const seen = await view(file);
            assert.deepEqual(names(seen.clusters), [...words].sort());
            assert.deepEqual(names(seen.users), [...words, "exec"].sort());
            assert.deepEqual(refs(seen), words.map((w) => [w, w, w]).sort());
            assert.equal(seen["current-context"], "~");
            assert.deepEqual(seen.users.find((u) => u.name === "exec")?.user.exec?.args, words);
            await assertReachesCluster(file, o.state?.outputs.userId as string, CLUSTER.id);

            // The oracle can tell: the same document written by plain YAML 1.2 rules is misread by kubectl.
            const naive = await writeKubeconfig(YAML.stringify(kc, { lineWidth: 0 }));
            const misread = await kubectl(naive, ["config", "view", "-o", "json"]);
            assert.notEqual(misread.code, 0, "kubectl must choke on plain `on`");
            assert.match(misread.stderr, /cannot unmarshal (bool|number) into Go struct field/);
        });

        for (const id of EXEC_IDS) {
            it(`cluster id ${JSON.stringify(id)}: kubeconfig --exec, then kubectl runs the plugin with that very id`, async () => {
                const script = cliScript();
                const made = await runCli(
                    ["kubeconfig", "--exec", "--cluster-id", id, "--endpoint", emu.url, "--iam-endpoint", emu.url, "--duration", "1", "--command", `${process.execPath} ${script}`],
                    { ...env, XDG_CACHE_HOME: fresh("xdg") },
                );
                assert.equal(made.code, 0, made.stderr);
                assert.ok(made.stdout.includes(`- ${JSON.stringify(id)}\n`), `the id is quoted in:\n${made.stdout}`);
                const file = await writeKubeconfig(made.stdout);
                const kc = await view(file);
                assert.equal(kc.users[0]?.user.exec?.command, process.execPath);
                assert.deepEqual(kc.users[0]?.user.exec?.args, [
                    script, "exec-credential", "--cluster-id", id, "--project-id", PROJECT.id, "--region", "eu-west-0",
                    "--endpoint", emu.url, "--iam-endpoint", emu.url, "--duration=1",
                ]);
                emu.reset();
                // A fresh plugin cache: the plugin must mint, and it asks for the cluster kubectl handed it.
                const pods = await kubectl(file, ["get", "pods", "-o", "name"]);
                assert.equal(pods.code, 0, pods.stderr);
                assert.match(pods.stdout, /^pod\/nginx-/m);
                assert.deepEqual(emu.calls.filter({ route: "clustercert" }).map((c) => [c.clusterId, c.status]), [[id, 200]]);
                const kube = emu.calls.filter({ route: "kube" });
                assert.ok(kube.length > 0 && kube.every((c) => c.clusterId === id && c.auth === "x509" && c.status === 200));
            });
        }

        it('provider exec mode for cluster "on": the exec kubeconfig output gives kubectl the id "on", and the plugin mints for it', async () => {
            const script = cliScript();
            const o = await attempt(engine, emu, defaultArgs(emu, { clusterId: "on", mode: "exec", execCommand: [process.execPath, script] }));
            assert.equal(o.error, undefined, o.error?.message);
            const file = await writeKubeconfig(o.state?.outputs.kubeconfig as string);
            const kc = await view(file);
            const args = kc.users[0]?.user.exec?.args ?? [];
            assert.deepEqual(args.slice(0, 4), [script, "exec-credential", "--cluster-id", "on"]);
            emu.reset();
            const pods = await kubectl(file, ["get", "pods", "-o", "name"]);
            assert.equal(pods.code, 0, pods.stderr);
            assert.match(pods.stdout, /^pod\/nginx-/m);
            assert.deepEqual(emu.calls.filter({ route: "clustercert" }).map((c) => [c.clusterId, c.status]), [["on", 200]]);
        });
    });
});
