/**
 * `cce-clustercert check` through the built binary: who a certificate is for and when it expires,
 * from a kubeconfig the CLI wrote (emulator), from `client.crt`, and from certificates minted here
 * with chosen validity (an independent CA: `test/emulator/pki.ts`); the exit codes 0 / 6 / 7 / 2 a CI
 * job acts on; an exec kubeconfig said to hold no certificate.
 */
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CceEmulator } from "../emulator";
import { createCa, issueCert, type CertificateAuthority } from "../emulator/pki";
import { cliEnv, runCli } from "./run-cli";

const PROJECT = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const CLUSTER = "d1111111-2222-3333-4444-000000000001";
const AK = "CLICHECKACCESSKEY001";
const SK = "CliCheckSecretKey0123456789abcdefghijklm";
const USER = "9a5a0c3a9b8d4e2f8a1b7c6d5e4f3a2b";
const DAY = 86_400_000;
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** A kubeconfig with one context per named certificate (PEM), the first current. */
function kubeconfigOf(certs: Record<string, string | { file: string } | { exec: true }>): string {
    const names = Object.keys(certs);
    const users = names.map((n) => {
        const c = certs[n]!;
        const user = typeof c === "string" ? `      client-certificate-data: ${b64(c)}` : "file" in c ? `      client-certificate: ${c.file}` : "      exec:\n        apiVersion: client.authentication.k8s.io/v1\n        command: cce-clustercert";
        return `  - name: ${n}\n    user:\n${user}`;
    });
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: c\n    cluster:\n      server: https://127.0.0.1:6443",
        "users:",
        ...users,
        "contexts:",
        ...names.map((n) => `  - name: ${n}\n    context:\n      cluster: c\n      user: ${n}`),
        `current-context: ${names[0]}`,
        "",
    ].join("\n");
}

describe("cce-clustercert check (built binary)", function () {
    this.timeout(180_000);
    let emu: CceEmulator;
    let work: string;
    let env: NodeJS.ProcessEnv;
    let ca: CertificateAuthority;
    const check = (args: string[]) => runCli(["check", ...args], env, work);
    /** A client certificate of `cn` ending `endsInMs` from now (negative: in the past). */
    const cert = async (cn: string, endsInMs: number, organizations = ["system:masters", "dev, ops"]) =>
        (await issueCert(ca, { commonName: cn, organizations, usage: "client", keyType: "ec", notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() + endsInMs) })).certPem;

    before(async () => {
        emu = await CceEmulator.start({ keyType: "ec", credentials: [{ accessKey: AK, secretKey: SK, userId: USER }], projects: [{ id: PROJECT, name: "eu-west-0" }], clusters: [{ id: CLUSTER, projectId: PROJECT }] });
        work = await fs.mkdtemp(path.join(tmpdir(), "cce-cli-check-"));
        env = cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT });
        ca = await createCa({ commonName: "check-test-ca" });
    });
    after(async () => {
        await emu?.stop();
        if (work) await fs.rm(work, { recursive: true, force: true });
    });

    it("reads the kubeconfig `get` wrote: CN, groups, expiry; exit 0 beyond the window, 6 within it", async () => {
        const got = await runCli(["get", "--cluster-id", CLUSTER, "--endpoint", emu.url, "--duration", "30", "--out-dir", "out"], env, work);
        assert.equal(got.code, 0, got.stderr);
        const ok = await check(["--kubeconfig", "out/kubeconfig"]);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.stderr, "");
        assert.match(ok.stdout, new RegExp(`^certificate: ${path.join(work, "out", "kubeconfig").replace(/[.]/g, "\\.")} \\(context internal, user user\\)$`, "m"));
        assert.match(ok.stdout, new RegExp(`^user \\(CN\\): +${USER}$`, "m"));
        assert.match(ok.stdout, /^groups \(O\): +system:masters$/m);
        assert.match(ok.stdout, /^expires: +\S+ \(in 29 days\)$/m);
        assert.match(ok.stdout, /^status: +valid beyond 7d$/m);
        for (const [within, code] of [["31d", 6], ["744h", 6], ["30", 6], ["29", 0], ["29d", 0], ["0", 0], ["43200m", 6]] as const) {
            const res = await check(["--kubeconfig", "out/kubeconfig", "--within", within]);
            assert.equal(res.code, code, `--within ${within}: ${res.stdout}${res.stderr}`);
        }
        const crt = await check(["--cert", "out/client.crt", "--within", "31d"]);
        assert.equal(crt.code, 6);
        assert.match(crt.stdout, /^status: +EXPIRES WITHIN 31d$/m);
    });

    it("--format json: one object with the facts and the verdict", async () => {
        const file = path.join(work, "two.kubeconfig");
        await fs.writeFile(file, kubeconfigOf({ long: await cert("long-user", 90 * DAY), soon: await cert("soon-user", 2 * DAY) }));
        const res = await check(["--kubeconfig", file, "--context", "soon", "--format", "json"]);
        assert.equal(res.code, 6);
        const j = JSON.parse(res.stdout) as Record<string, unknown>;
        assert.equal(j.commonName, "soon-user");
        assert.deepEqual(j.organizations, ["system:masters", "dev, ops"]);
        assert.deepEqual(j.source, { file, context: "soon", user: "soon" });
        assert.equal(j.status, "expiring");
        assert.equal(j.within, "7d");
        assert.equal(j.withinSeconds, 7 * 86400);
        assert.ok(Math.abs((j.secondsLeft as number) - 2 * 86400) < 600);
        assert.equal(Date.parse(j.notAfter as string) > Date.now(), true);
        assert.equal((await check(["--kubeconfig", file])).code, 0, "the current context is the long one");
    });

    it("exit 7: expired, a certificate file named by the kubeconfig, an exec user, a missing file or context", async () => {
        const expired = await cert("gone-user", -3 * DAY);
        await fs.mkdir(path.join(work, "certs"), { recursive: true });
        await fs.writeFile(path.join(work, "certs", "expired.crt"), expired);
        const byFile = path.join(work, "certs", "byfile.kubeconfig");
        await fs.writeFile(byFile, kubeconfigOf({ f: { file: "expired.crt" } }));
        const res = await check(["--kubeconfig", byFile]);
        assert.equal(res.code, 7, res.stderr);
        assert.match(res.stdout, /^expired: +\S+ \(3 days ago\)$/m);
        assert.match(res.stdout, /^status: +EXPIRED$/m);
        assert.match(res.stdout, new RegExp(`^certificate: ${path.join(work, "certs", "expired.crt").replace(/[.]/g, "\\.")} \\(context f, user f\\)$`, "m"));

        const exec = path.join(work, "exec.kubeconfig");
        await fs.writeFile(exec, kubeconfigOf({ e: { exec: true } }));
        const e = await check(["--kubeconfig", exec]);
        assert.equal(e.code, 7);
        assert.equal(e.stdout, "");
        assert.match(e.stderr, /^cce-clustercert: error: --kubeconfig \S+exec\.kubeconfig: user "e" of context "e" runs an exec credential plugin \("cce-clustercert"\), which obtains its credentials when kubectl runs: there is no certificate in the kubeconfig to check\n$/);

        for (const [args, message] of [
            [["--kubeconfig", "nope"], /--kubeconfig \S+nope does not exist/],
            [["--kubeconfig", exec, "--context", "other"], /has no context named "other"/],
            [["--cert", path.join(work, "out", "client.key")], /holds a private key: refused/],
        ] as const) {
            const r = await check([...args]);
            assert.equal(r.code, 7, `${args.join(" ")}: ${r.stderr}`);
            assert.match(r.stderr, message);
            assert.equal(r.stderr.trim().split("\n").length, 1);
            assert.doesNotMatch(r.stderr, /PRIVATE KEY|BEGIN/);
        }
    });

    it("exit 2 for bad usage", async () => {
        for (const args of [[], ["--kubeconfig", "a", "--cert", "b"], ["--cert", "b", "--context", "x"], ["--cert", "b", "--within", "10y"], ["--cert", "b", "--within", "1828d"], ["--cert", "b", "--within", "-1"], ["--cert", "b", "--format", "yaml"]]) {
            const r = await check(args);
            assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        }
    });
});
