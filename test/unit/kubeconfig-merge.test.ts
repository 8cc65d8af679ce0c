/**
 * `mergeKubeconfig` (pure): the entry is appended or replaced in place and everything else stays byte
 * for byte — checked against an output written out by hand, and, for other layouts, by taking the
 * merged lines out again — names that YAML 1.1 would misread are quoted, and files that are not one
 * kubeconfig are refused.
 */
import assert from "node:assert/strict";
import YAML from "yaml";
import { checkMergeable, mergeKubeconfig, type MergeEntry } from "../../provider/kube/kubeconfig-merge";

const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").toString("base64");
const entry = (name: string, cert = "Q0VSVDE="): MergeEntry => ({
    name,
    cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": CA },
    user: { "client-certificate-data": cert, "client-key-data": "S0VZMQ==" },
});

/** A kubeconfig as people keep them: comments everywhere, blank lines, quoting, a flow mapping, no order. */
const RICH = `# my clusters — do not lose this comment
apiVersion: v1
kind: Config
preferences: {colors: true}   # flow style

clusters:
# production, managed by hand
- cluster:
    certificate-authority-data: AAAA
    server: "https://prod.example.com:6443"
  name: prod   # the big one
- name: 'staging'
  cluster: {server: https://staging.example.com}
contexts:
- context: {cluster: prod, user: admin}
  name: prod
current-context: prod   # keep me
users:
- name: admin
  user:
    token: "s3cr3t-token"
# trailing comment
`;

const EXPECTED_RICH = `# my clusters — do not lose this comment
apiVersion: v1
kind: Config
preferences: {colors: true}   # flow style

clusters:
# production, managed by hand
- cluster:
    certificate-authority-data: AAAA
    server: "https://prod.example.com:6443"
  name: prod   # the big one
- name: 'staging'
  cluster: {server: https://staging.example.com}
- name: cce-c1-internal
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${CA}
contexts:
- context: {cluster: prod, user: admin}
  name: prod
- name: cce-c1-internal
  context:
    cluster: cce-c1-internal
    user: cce-c1-internal
current-context: prod   # keep me
users:
- name: admin
  user:
    token: "s3cr3t-token"
- name: cce-c1-internal
  user:
    client-certificate-data: Q0VSVDE=
    client-key-data: S0VZMQ==
# trailing comment
`;

/** The lines of `after` that are not in a longest common subsequence with `before`, and whether all of `before` is in it. */
function addedLines(before: string[], after: string[]): { added: string[]; allKept: boolean } {
    const n = before.length;
    const m = after.length;
    const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    const added: string[] = [];
    let i = 0;
    let j = 0;
    while (j < m) {
        if (i < n && before[i] === after[j]) {
            i++;
            j++;
        } else if (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!) i++;
        else added.push(after[j++]!);
    }
    return { added, allKept: lcs[0]![0] === n };
}

/**
 * "Byte for byte": every line of `before` is in `after`, in order, and every other line of `after`
 * belongs to the merged entry (its name, its data, or a key of a list that had to be added).
 */
function assertOnlyAdded(before: string, after: string, name: string): void {
    const { added, allKept } = addedLines(before.split("\n"), after.split("\n"));
    assert.ok(allKept, `a line of the original is gone:\n${after}`);
    const entryLine = /^\s*(-\s+)?(name: |cluster: |user: |server: https:\/\/127\.0\.0\.1:6443$|certificate-authority-data: |client-(certificate|key)-data: |cluster:$|user:$|context:$|(clusters|users|contexts):$|current-context: |apiVersion: v1$|kind: Config$|preferences: \{\}$)/;
    for (const line of added) assert.ok(line.includes(name) || entryLine.test(line), `an added line that is not the entry's: ${JSON.stringify(line)}`);
}

describe("mergeKubeconfig", () => {
    it("appends to each list and keeps every other byte (output written out by hand)", () => {
        const r = mergeKubeconfig(RICH, entry("cce-c1-internal"), false, "F");
        assertOnlyAdded(RICH, r.text, "cce-c1-internal");
        assert.equal(r.method, "spliced");
        assert.deepEqual(r.replaced, []);
        assert.equal(r.text, EXPECTED_RICH);
    });

    it("replaces its own earlier entry in place on a re-run (no duplicate), the rest unchanged", () => {
        const first = mergeKubeconfig(RICH, entry("cce-c1-internal"), false, "F").text;
        const second = mergeKubeconfig(first, entry("cce-c1-internal", "Q0VSVDI="), false, "F");
        assert.deepEqual(second.replaced, ["clusters", "users", "contexts"]);
        assert.equal(second.text, EXPECTED_RICH.replace("client-certificate-data: Q0VSVDE=", "client-certificate-data: Q0VSVDI="));
        assert.equal(mergeKubeconfig(second.text, entry("cce-c1-internal", "Q0VSVDI="), false, "F").text, second.text, "the same entry again changes nothing");
        const doc = YAML.parse(second.text) as { clusters: { name: string }[] };
        assert.equal(doc.clusters.filter((c) => c.name === "cce-c1-internal").length, 1);
    });

    it("sets current-context only with setCurrent, keeping its comment", () => {
        const r = mergeKubeconfig(RICH, entry("cce-c1-internal"), true, "F");
        assert.match(r.text, /\ncurrent-context: cce-c1-internal   # keep me\n/);
        assert.equal(r.text, EXPECTED_RICH.replace("current-context: prod   # keep me", "current-context: cce-c1-internal   # keep me"));
    });

    it("keeps other layouts too: indented sequences, JSON, null lists, no final newline, an empty or comment-only file", () => {
        const cases = [
            "kind: Config\nclusters:\n    -   name: x\n        cluster:\n            server: https://x\nusers: []\n",
            JSON.stringify({ kind: "Config", apiVersion: "v1", clusters: [{ name: "a", cluster: { server: "https://a" } }], users: [], contexts: [], "current-context": "a" }, null, 2),
            "apiVersion: v1\nclusters: null\ncontexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers: null\n",
            "apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster:\n    server: https://x",
            "",
            "# nothing here yet\n",
        ];
        for (const text of cases) {
            for (const setCurrent of [false, true]) {
                const r = mergeKubeconfig(text, entry("cce-c1-internal"), setCurrent, "F");
                const doc = YAML.parse(r.text, { version: "1.1" }) as Record<string, { name: string }[] | string>;
                for (const list of ["clusters", "users", "contexts"]) assert.equal((doc[list] as { name: string }[]).filter((e) => e.name === "cce-c1-internal").length, 1, `${list} of ${JSON.stringify(text)}`);
                if (setCurrent) assert.equal(doc["current-context"], "cce-c1-internal");
                if (!text.trim().startsWith("{") && !/null|\[\]|""/.test(text)) assertOnlyAdded(text.endsWith("\n") || text === "" ? text : `${text}\n`, r.text, "cce-c1-internal");
                assert.equal(r.method, "spliced", JSON.stringify(text));
            }
        }
    });

    it("quotes names a YAML 1.1 reader would misread, so kubectl reads them back as written", () => {
        for (const name of ["on", "yes", "0x1F", "2001-12-14", "null", "1e3", "no"]) {
            const r = mergeKubeconfig(RICH, entry(name), true, "F");
            const doc = YAML.parse(r.text, { version: "1.1" }) as { clusters: { name: unknown }[]; "current-context": unknown; contexts: { context: { user: unknown } }[] };
            assert.equal(doc.clusters.at(-1)!.name, name, `${name} read back as ${JSON.stringify(doc.clusters.at(-1)!.name)}`);
            assert.equal(doc["current-context"], name);
            assert.equal(doc.contexts.at(-1)!.context.user, name);
        }
    });

    it("refuses what is not one kubeconfig, naming the file, and changes nothing", () => {
        const refuse = (text: string, message: RegExp) => {
            assert.throws(() => mergeKubeconfig(text, entry("dup"), false, "/home/u/.kube/config"), (e: Error) => message.test(e.message) && !e.message.includes("\n"));
            assert.throws(() => checkMergeable(text, "dup", "/home/u/.kube/config"), (e: Error) => message.test(e.message));
        };
        refuse("clusters: [\n", /^\/home\/u\/\.kube\/config is not valid YAML/);
        refuse("kind: Config\n---\nkind: Config\n", /holds 2 YAML documents/);
        refuse("- a\n- b\n", /is not a kubeconfig \(its top level is not a mapping\)/);
        refuse("apiVersion: v1\nkind: Pod\n", /is not a kubeconfig \(kind "Pod"\)/);
        refuse("kind: Config\nclusters: oops\n", /"clusters" is not a list/);
        refuse("kind: Config\nusers:\n- name: dup\n  user: {}\n- name: dup\n  user: {}\n", /has 2 users named "dup"/);
        refuse("kind: Config\na: &a [*a, *a]\n", /cannot be read as a kubeconfig/);
        const laughs = ["kind: Config", "a: &a [x,x,x,x,x,x,x,x,x,x]"];
        for (let i = 1; i < 9; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(",")}]`);
        refuse(`${laughs.join("\n")}\n`, /cannot be read as a kubeconfig \(aliases or tags it uses\)/);
        assert.throws(() => mergeKubeconfig("", entry("bad name"), false, "F"), /is not a kubeconfig name/);
        assert.throws(() => mergeKubeconfig("", entry("x\u001b[31m"), false, "F"), (e: Error) => !/\u001b/.test(e.message));
    });
});
