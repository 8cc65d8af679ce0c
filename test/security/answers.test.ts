/**
 * Security, class 1 — the answer is data, not configuration. A clustercert answer comes from the
 * network; only the fields the API documents reach the `kubeconfig` output and the files the CLI
 * writes. Every case runs a create through the REAL dynamic-provider host against an emulator whose
 * answer a test rewrites, and asserts the exact outcome: the outputs, the one warning line naming
 * what was dropped, or the error, and the number of clustercert calls.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Agent, request } from "undici";
import YAML from "yaml";
import { signRequest } from "../../provider/huaweicloud/signer";
import { faults, type CceEmulator } from "../emulator";
import type { Engine } from "../harness/engine";
import { cliEnv, runCli } from "../cli/run-cli";
import { AK, SK, PROJECT, CLUSTER, assertOneSafeLine, attempt, certCalls, defaultArgs, failure, startEmulator, startEngine, waitForLines, type Outcome } from "./support";

type Doc = Record<string, unknown> & { clusters: Entry[]; users: Entry[]; contexts: Entry[] };
type Entry = Record<string, unknown> & { name: string; cluster?: Record<string, unknown>; user?: Record<string, unknown>; context?: Record<string, unknown> };

/** Rewrites the next clustercert answer's kubeconfig. */
const rewrite = (fn: (kc: Doc) => unknown) =>
    faults.kubeconfig(
        (kc) => {
            fn(kc as unknown as Doc); // edits in place; a returned value would replace the answer
        },
        { route: "clustercert" },
    );

const work = mkdtempSync(path.join(tmpdir(), "cce-sec-answers-"));
const MARKER = path.join(work, "exec-ran");
const HOSTILE_EXEC = { apiVersion: "client.authentication.k8s.io/v1", command: "sh", args: ["-c", `touch ${MARKER}; echo '{}'`], interactiveMode: "Never" };

interface DropCase {
    name: string;
    mutate: (kc: Doc) => unknown;
    /** Exactly the dropped paths the warning names. */
    dropped: string[];
    /** Texts that must not be in the kubeconfig output. */
    absent: string[];
}

const DROPS: DropCase[] = [
    { name: "an exec stanza in the user", mutate: (kc) => void (kc.users[0]!.user!.exec = HOSTILE_EXEC), dropped: ["users[0].user.exec"], absent: ["exec", MARKER, "command"] },
    { name: "a proxy-url in a cluster", mutate: (kc) => void (kc.clusters[1]!.cluster!["proxy-url"] = "http://203.0.113.9:3128"), dropped: ["clusters[1].cluster.proxy-url"], absent: ["proxy-url", "203.0.113.9"] },
    {
        name: "an auth-provider, a token and a basic-auth login in the user",
        mutate: (kc) => Object.assign(kc.users[0]!.user!, { "auth-provider": { name: "oidc", config: { "idp-issuer-url": "https://evil.example" } }, token: "stolen-token-value", username: "admin", password: "hunter2-password" }),
        dropped: ["users[0].user.auth-provider", "users[0].user.token", "users[0].user.username", "users[0].user.password"],
        absent: ["auth-provider", "evil.example", "stolen-token-value", "hunter2-password"],
    },
    {
        name: "file paths kubectl would read (client-certificate, client-key, certificate-authority)",
        mutate: (kc) => {
            Object.assign(kc.users[0]!.user!, { "client-certificate": "/etc/shadow", "client-key": "/root/.ssh/id_rsa" });
            kc.clusters[0]!.cluster!["certificate-authority"] = "/etc/passwd";
        },
        dropped: ["clusters[0].cluster.certificate-authority", "users[0].user.client-certificate", "users[0].user.client-key"],
        absent: ["/etc/shadow", "/root/.ssh", "/etc/passwd"],
    },
    {
        name: "tls-server-name and disable-compression in a cluster",
        mutate: (kc) => Object.assign(kc.clusters[0]!.cluster!, { "tls-server-name": "evil.example", "disable-compression": true }),
        dropped: ["clusters[0].cluster.tls-server-name", "clusters[0].cluster.disable-compression"],
        absent: ["tls-server-name", "evil.example"],
    },
    {
        name: "a namespace and extensions in a context",
        mutate: (kc) => Object.assign(kc.contexts[1]!.context!, { namespace: "kube-system", extensions: [{ name: "x", extension: { a: 1 } }] }),
        dropped: ["contexts[1].context.namespace", "contexts[1].context.extensions"],
        absent: ["kube-system", "extensions"],
    },
    {
        name: "top-level extensions, preferences and an unknown key",
        mutate: (kc) => Object.assign(kc, { extensions: [{ name: "e", extension: {} }], preferences: { colors: true }, "x-vendor": "surprise" }),
        dropped: ["preferences.colors", "extensions", "x-vendor"],
        absent: ["colors", "extensions", "surprise"],
    },
    {
        name: "extra keys beside name in list entries",
        mutate: (kc) => {
            kc.clusters[0]!.extra = "cluster-extra";
            kc.users[0]!.extra = "user-extra";
        },
        dropped: ["clusters[0].extra", "users[0].extra"],
        absent: ["cluster-extra", "user-extra"],
    },
];

interface RefuseCase {
    name: string;
    mutate: (kc: Doc) => unknown;
    expect: RegExp;
    /** Texts that must not be in the error message. */
    notInMessage?: string[];
}

const server = (kc: Doc, url: string) => void (kc.clusters[1]!.cluster!.server = url);

const REFUSALS: RefuseCase[] = [
    { name: "a plain http server on another host", mutate: (kc) => server(kc, "http://203.0.113.5:5443"), expect: /clusters\[1\] \("externalCluster"\) has a server URL that must use https:\/\/ \(plain http is accepted only for loopback test servers\)/ },
    { name: "a server with user info", mutate: (kc) => server(kc, "https://admin:Sup3rSecretPw@203.0.113.5:5443"), expect: /has a server URL that must not contain user info/, notInMessage: ["Sup3rSecretPw", "admin:"] },
    { name: "a server with a newline", mutate: (kc) => server(kc, "https://203.0.113.5:5443/\nx"), expect: /has a server URL that must not contain white space or control characters/ },
    { name: "a server with a query", mutate: (kc) => server(kc, "https://203.0.113.5:5443/?redirect=evil"), expect: /has a server URL that must not have a query or fragment/ },
    { name: "a file: server", mutate: (kc) => server(kc, "file:///etc/passwd"), expect: /has a server URL that must be an https:\/\/ URL/ },
    { name: "a javascript: server", mutate: (kc) => server(kc, "javascript:alert(1)"), expect: /has a server URL that must be an https:\/\/ URL/ },
    { name: "a server that is not a string", mutate: (kc) => void (kc.clusters[1]!.cluster!.server = ["https://a"]), expect: /clusters\[1\] \("externalCluster"\) has no server URL/ },
    { name: "two clusters of the same name", mutate: (kc) => void (kc.clusters[1]!.name = "internalCluster"), expect: /clusters has two entries named "internalCluster" \(kubectl refuses duplicate names\)/ },
    { name: "two users of the same name", mutate: (kc) => void kc.users.push({ ...kc.users[0]! }), expect: /users has two entries named "user"/ },
    { name: "two contexts of the same name", mutate: (kc) => void (kc.contexts[0]!.name = "external"), expect: /contexts has two entries named "external"/ },
    { name: "a name with an escape sequence", mutate: (kc) => void (kc.users[0]!.name = "user\u001b[2J"), expect: /users\[0\] has the name "user\\x1b\[2J", which is not a valid name/ },
    { name: "a name of 129 characters", mutate: (kc) => void (kc.clusters[0]!.name = "c".repeat(129)), expect: /clusters\[0\] has the name "c{60}…\(69 more characters\)", which is not a valid name/ },
    { name: "17 clusters", mutate: (kc) => void kc.clusters.push(...Array.from({ length: 15 }, (_, i) => ({ name: `extra${i}`, cluster: { server: "https://127.0.0.1:1" } }))), expect: /"clusters" has 17 entries, more than the 16 accepted/ },
    { name: "apiVersion v2", mutate: (kc) => void (kc.apiVersion = "v2"), expect: /"apiVersion" is not "v1"/ },
    { name: "kind with a newline", mutate: (kc) => void (kc.kind = "Config\n"), expect: /"kind" is "Config\\x0a", not "Config"/ },
    { name: "a context naming a cluster reference with a slash-dot path", mutate: (kc) => void (kc.contexts[1]!.context!.cluster = "../../x y"), expect: /contexts\[1\] \("external"\) cluster reference has the name "\.\.\/\.\.\/x y", which is not a valid name/ },
];

describe("security 1: the answer is data — only documented kubeconfig fields pass (through the real host)", function () {
    this.timeout(120_000);
    let emu: CceEmulator;
    let engine: Engine;

    before(async () => {
        emu = await startEmulator();
        engine = await startEngine(emu, { HW_ACCESS_KEY: AK, HW_SECRET_KEY: SK });
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
        rmSync(work, { recursive: true, force: true });
    });
    afterEach(() => emu.clearFaults());

    async function warning(o: Outcome): Promise<string[]> {
        const lines = await waitForLines(engine, o, (l) => l.includes("held fields that are not passed on"));
        assert.equal(lines.length, 1, `exactly one warning line, got ${JSON.stringify(lines)}`);
        assertOneSafeLine(lines[0]!, "the warning");
        assert.match(lines[0]!, /warning: the clustercert answer \(request id [0-9a-f-]{36}\) held fields that are not passed on; dropped: /);
        return lines[0]!.split("dropped: ")[1]!.split(", ");
    }

    for (const c of DROPS) {
        it(`drops ${c.name}, says so once, and keeps a working kubeconfig`, async () => {
            emu.inject(rewrite(c.mutate));
            const o = await attempt(engine, emu, defaultArgs(emu));
            assert.ok(o.state, `created: ${o.error?.message}`);
            assert.equal(certCalls(o), 1);
            assert.deepEqual((await warning(o)).sort(), [...c.dropped].sort());
            const kubeconfig = o.state.outputs.kubeconfig as string;
            for (const text of c.absent) assert.ok(!kubeconfig.includes(text), `the kubeconfig output holds ${JSON.stringify(text)}`);
            const doc = YAML.parse(kubeconfig) as Doc;
            assert.deepEqual(Object.keys(doc), ["kind", "apiVersion", "preferences", "clusters", "users", "contexts", "current-context"]);
            assert.deepEqual(Object.keys(doc.users[0]!.user!), ["client-certificate-data", "client-key-data"]);
            for (const cl of doc.clusters) assert.ok(Object.keys(cl.cluster!).every((k) => ["server", "certificate-authority-data", "insecure-skip-tls-verify"].includes(k)));
            for (const cx of doc.contexts) assert.deepEqual(Object.keys(cx.context!), ["cluster", "user"]);
        });
    }

    it("names at most 12 dropped fields, then how many more", async () => {
        emu.inject(rewrite((kc) => Object.assign(kc, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`junk${String(i).padStart(2, "0")}`, i])))));
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.ok(o.state);
        const named = await warning(o);
        assert.equal(named.length, 12);
        assert.match(named[11]!, /^junk11 and 8 more$/);
    });

    it("escapes hostile key names in the warning (one safe line)", async () => {
        emu.inject(rewrite((kc) => Object.assign(kc.users[0]!.user!, { "evil\u001b[31m\nkey\u2028": 1 })));
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.ok(o.state);
        assert.deepEqual(await warning(o), ["users[0].user.evil\\x1b[31m\\x0akey\\u2028"]);
    });

    for (const c of REFUSALS) {
        it(`refuses ${c.name}`, async () => {
            emu.inject(rewrite(c.mutate));
            const o = await attempt(engine, emu, defaultArgs(emu));
            const message = failure(o);
            assert.match(message, /^CCE clustercert: the API answered 200 but /);
            assert.match(message, c.expect);
            assertOneSafeLine(message, "the error");
            for (const t of c.notInMessage ?? []) assert.ok(!message.includes(t), `the error repeats ${t}`);
            assert.equal(certCalls(o), 1, "one call, no retry of a malformed answer");
        });
    }

    it("accepts a plain http server on loopback (test servers)", async () => {
        emu.inject(rewrite((kc) => server(kc, "http://127.0.0.1:1")));
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.ok(o.state, o.error?.message);
        assert.equal(o.state.outputs.server, "http://127.0.0.1:1");
    });

    describe("end to end: what kubectl and the CLI do with a hostile answer", () => {
        const kubectl = (kubeconfig: string, args: string[]) =>
            new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
                const child = execFile(
                    "kubectl",
                    ["--kubeconfig", kubeconfig, "--cache-dir", path.join(work, "kcache"), "--request-timeout", "20s", ...args],
                    { env: { PATH: process.env.PATH ?? "", HOME: work }, timeout: 60_000 },
                    (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
                );
                // A user without credentials makes kubectl ask for a user name on stdin: give it none.
                child.stdin?.end();
            });

        /** An answer whose user has an exec stanza, plus an exec-only user and a context "ops" using it. */
        const withExecUsers = (kc: Doc): void => {
            kc.users[0]!.user!.exec = HOSTILE_EXEC;
            kc.users.push({ name: "ops-user", user: { exec: HOSTILE_EXEC } });
            kc.contexts.push({ name: "ops", context: { cluster: "externalCluster", user: "ops-user" } });
        };

        it("negative control: kubectl runs the exec stanza of the raw answer (so the next test can fail)", async () => {
            emu.inject(rewrite(withExecUsers));
            const raw = await fetchRawAnswer(emu);
            const file = path.join(work, "raw.yaml");
            writeFileSync(file, YAML.stringify(JSON.parse(raw)));
            await kubectl(file, ["--context", "ops", "get", "--raw", "/version"]);
            assert.ok(existsSync(MARKER), "kubectl ran the answer's command");
            rmSync(MARKER);
        });

        it("the provider's kubeconfig from an answer with exec stanzas never runs them, and kubectl works with the certificate", async () => {
            emu.inject(rewrite(withExecUsers));
            const o = await attempt(engine, emu, defaultArgs(emu));
            assert.ok(o.state, o.error?.message);
            const file = path.join(work, "sanitized.yaml");
            writeFileSync(file, o.state.outputs.kubeconfig as string, { mode: 0o600 });
            const r = await kubectl(file, ["get", "--raw", "/version"]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /gitVersion/);
            const ops = await kubectl(file, ["--context", "ops", "get", "--raw", "/version"]);
            assert.notEqual(ops.code, 0, "the exec-only user has no credentials left");
            assert.ok(!existsSync(MARKER), "the answer's command ran");
        });

        it("`get --out-dir` writes a kubeconfig without the answer's exec stanza and proxy-url, and warns once on stderr", async () => {
            emu.inject(rewrite((kc) => {
                kc.users[0]!.user!.exec = HOSTILE_EXEC;
                kc.clusters[0]!.cluster!["proxy-url"] = "http://203.0.113.9:3128";
            }));
            const out = path.join(work, "get-out");
            const r = await runCli(["get", "--cluster-id", CLUSTER.id, "--endpoint", emu.url, "--out-dir", out], cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT.id }));
            assert.equal(r.code, 0, r.stderr);
            const written = readFileSync(path.join(out, "kubeconfig"), "utf8");
            assert.ok(!written.includes("exec") && !written.includes("proxy-url") && !written.includes(MARKER));
            const warnings = r.stderr.split("\n").filter((l) => l.includes("held fields that are not passed on"));
            assert.equal(warnings.length, 1, r.stderr);
            assert.match(warnings[0]!, /dropped: clusters\[0\]\.cluster\.proxy-url, users\[0\]\.user\.exec$/);
        });

        it("exec mode renders only its own exec command, whatever the answer held", async () => {
            emu.inject(rewrite((kc) => {
                kc.users[0]!.user!.exec = HOSTILE_EXEC;
                kc.clusters[1]!.cluster!["proxy-url"] = "http://203.0.113.9:3128";
            }));
            const o = await attempt(engine, emu, defaultArgs(emu, { mode: "exec", duration: undefined }));
            assert.ok(o.state, o.error?.message);
            const doc = YAML.parse(o.state.outputs.kubeconfig as string) as Doc;
            assert.equal((doc.users[0]!.user!.exec as { command: string }).command, "cce-clustercert");
            assert.ok(!(o.state.outputs.kubeconfig as string).includes(MARKER));
            assert.ok(!(o.state.outputs.kubeconfig as string).includes("proxy-url"));
        });
    });
});

/** The answer exactly as the emulator sends it (with the queued fault), fetched with a signature of the official SDK's shape. */
async function fetchRawAnswer(emu: CceEmulator): Promise<string> {
    const url = `${emu.url}/api/v3/projects/${PROJECT.id}/clusters/${CLUSTER.id}/clustercert`;
    const body = JSON.stringify({ duration: 1 });
    const headers = signRequest({ method: "POST", url, headers: { "Content-Type": "application/json", "X-Project-Id": PROJECT.id }, body }, { accessKey: AK, secretKey: SK }, new Date());
    const dispatcher = new Agent({ connect: { ca: emu.caCertPem } });
    try {
        const res = await request(url, { method: "POST", headers, body, dispatcher });
        return await res.body.text();
    } finally {
        await dispatcher.close();
    }
}
