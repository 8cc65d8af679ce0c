/**
 * Security hardening of the new file inputs (built binary): the kubeconfig `check --kubeconfig`
 * and `revoke --from-kubeconfig` read, the certificate `check --cert` and a kubeconfig's
 * `client-certificate` name, and the kubeconfig `kubeconfig --merge` writes into. Each hostile file
 * gets one terminal-safe line and its documented exit code, never a hang; the merge target is left
 * exactly as it was, with no backup and no certificate minted.
 */
import assert from "node:assert/strict";
import { chownSync, promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CceEmulator, faults } from "../emulator";
import { createCa, issueCert, type CertificateAuthority } from "../emulator/pki";
import { cliEnv, runCli, runProcess, type Result } from "../cli/run-cli";
import { RAW_CONTROL } from "./support";

const PROJECT = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const CLUSTER = "e1111111-2222-3333-4444-000000000001";
const AK = "SECINPUTSACCESSKEY01";
const SK = "SecInputsSecretKey0123456789abcdefghijk";
const MiB = 1024 * 1024;
const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");

/** A kubeconfig whose current context's user has `user` (YAML lines, indented 6). */
const kubeconfigWith = (user: string, context = "c"): string =>
    `apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:6443\nusers:\n- name: u\n  user:\n${user}\ncontexts:\n- name: ${JSON.stringify(context)}\n  context:\n    cluster: k\n    user: u\ncurrent-context: ${JSON.stringify(context)}\n`;

/** A billion-laughs document that is a kubeconfig on its face. */
function laughs(): string {
    const lines = ["apiVersion: v1", "kind: Config", "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]"];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(",")}]`);
    return `${lines.join("\n")}\n`;
}

describe("security: kubeconfig and certificate files given to check, revoke and kubeconfig --merge (built binary)", function () {
    this.timeout(240_000);
    let emu: CceEmulator;
    let work: string;
    let env: NodeJS.ProcessEnv;
    let ca: CertificateAuthority;
    let n = 0;
    const file = async (content: string | Buffer, mode = 0o600): Promise<string> => {
        const p = path.join(work, `f-${++n}`);
        await fs.writeFile(p, content, { mode });
        return p;
    };
    const fifo = async (): Promise<string> => {
        const p = path.join(work, `fifo-${++n}`);
        assert.equal((await runProcess("mkfifo", ["-m", "600", p], {})).code, 0);
        return p;
    };
    const certPem = async (cn: string) =>
        (await issueCert(ca, { commonName: cn, usage: "client", keyType: "ec", notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) })).certPem;
    /** One line on stderr, no raw control character, the given exit code and message. */
    function assertRefused(res: Result, code: number, message: RegExp, where: string): void {
        assert.equal(res.code, code, `${where}: exit ${res.code}: ${res.stderr}`);
        // One line; a malformed flag adds the usual "see --help".
        const error = res.stderr.replace("cce-clustercert: see --help\n", "").trimEnd();
        assert.equal(error.split("\n").length, 1, `${where}: one line: ${res.stderr}`);
        assert.doesNotMatch(error, RAW_CONTROL, where);
        assert.doesNotMatch(res.stdout, RAW_CONTROL, where);
        assert.match(res.stderr, message, `${where}: ${res.stderr}`);
        assert.doesNotMatch(res.stderr, /BEGIN|PRIVATE KEY/, where);
    }

    before(async () => {
        emu = await CceEmulator.start({ keyType: "ec", credentials: [{ accessKey: AK, secretKey: SK }], projects: [{ id: PROJECT, name: "eu-west-0" }], clusters: [{ id: CLUSTER, projectId: PROJECT }] });
        work = await fs.mkdtemp(path.join(tmpdir(), "cce-sec-inputs-"));
        await fs.chmod(work, 0o700);
        env = cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT });
        ca = await createCa({ commonName: "sec-inputs-ca" });
    });
    after(async () => {
        await emu?.stop();
        if (work) await fs.rm(work, { recursive: true, force: true });
    });
    beforeEach(() => emu.reset());

    const keyPem = `-----BEGIN EC PRIVATE KEY-----\n${b64("not really a key but shaped like one........")}\n-----END EC PRIVATE KEY-----\n`;

    /** Hostile kubeconfigs: [name, content or maker, message]. */
    const hostile = (): [string, () => Promise<string>, RegExp][] => [
        ["a FIFO (never blocks)", fifo, /it is a FIFO/],
        ["a character device", async () => "/dev/zero", /not a regular file/],
        ["a directory", async () => work, /it is a directory/],
        ["one byte over 4 MiB", () => file(Buffer.alloc(4 * MiB + 1, 0x61)), /larger than 4194304 bytes/],
        ["binary junk", () => file(Buffer.from([0x00, 0xff, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0x7b, 0x7b])), /is not valid YAML|is not a kubeconfig/],
        ["a billion laughs", () => file(laughs()), /is not valid YAML/],
        ["a top-level list", () => file("- a\n- b\n"), /is not a kubeconfig/],
        ["a private key as client-certificate-data", () => file(kubeconfigWith(`    client-certificate-data: ${b64(keyPem)}`)), /holds a private key: refused|does not decode to PEM/],
        ["a context name with escape sequences", () => file(kubeconfigWith("    token: x", "\u001b]0;pwned\u0007\u001b[2J")), /\\x1b\]0;pwned\\x07\\x1b\[2J/],
    ];

    it("check --kubeconfig: exit 7 and one safe line for every hostile file", async () => {
        for (const [name, make, message] of hostile()) assertRefused(await runCli(["check", "--kubeconfig", await make()], env), 7, message, name);
        const viaFifo = await file(kubeconfigWith(`    client-certificate: ${await fifo()}`));
        assertRefused(await runCli(["check", "--kubeconfig", viaFifo], env), 7, /client-certificate of user "u" in --kubeconfig .*: .*it is a FIFO/, "client-certificate naming a FIFO");
        assertRefused(await runCli(["check", "--cert", await fifo()], env), 7, /--cert .*it is a FIFO/, "--cert FIFO");
        assertRefused(await runCli(["check", "--cert", await file(Buffer.alloc(MiB + 1, 0x61))], env), 7, /larger than 1048576 bytes/, "--cert too large");
        assertRefused(await runCli(["check", "--cert", await file(keyPem)], env), 7, /holds a private key: refused/, "--cert holding only a key");
    });

    it("check prints a hostile CN and O escaped", async () => {
        const pem = (await issueCert(ca, { commonName: "evil\u001b[31mred\u0007", organizations: ["g\u001b[2J"], usage: "client", keyType: "ec", notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 30 * 86_400_000) })).certPem;
        const res = await runCli(["check", "--cert", await file(pem)], env);
        assert.equal(res.code, 0, res.stderr);
        assert.doesNotMatch(res.stdout.replace(/\n/g, ""), RAW_CONTROL);
        assert.match(res.stdout, /user \(CN\): +evil\\(x1b|1B)\[31mred\\(x07|07)/);
        assert.match(res.stdout, /groups \(O\): +g\\x1b\[2J/);
    });

    it("revoke --from-kubeconfig: exit 2 and one safe line, no call; a CN that is no id is refused", async () => {
        const target = ["--cluster-id", CLUSTER, "--endpoint", emu.url, "--yes"];
        for (const [name, make, message] of hostile()) assertRefused(await runCli(["revoke", ...target, "--from-kubeconfig", await make()], env), 2, message, name);
        const badCn = await file(kubeconfigWith(`    client-certificate-data: ${b64(await certPem("../../etc\u001b[31m"))}`));
        assertRefused(await runCli(["revoke", ...target, "--from-kubeconfig", badCn], env), 2, /the client certificate's CN "\.\.\/\.\.\/etc(\\x1b|\\\\1B)\[31m" is not an IAM user or agency id/, "bad CN");
        const exec = await file(kubeconfigWith("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: cce-clustercert"));
        assertRefused(await runCli(["revoke", ...target, "--from-kubeconfig", exec], env), 2, /runs an exec credential plugin .*; pass --user-id or --agency-id/, "exec user");
        assert.equal(emu.calls.count(), 0);
    });

    describe("kubeconfig --merge into a hostile target: refused before any call, left exactly as it was", () => {
        const merge = (target: string, ...extra: string[]) =>
            runCli(["kubeconfig", "--merge", "--kubeconfig", target, "--cluster-id", CLUSTER, "--endpoint", emu.url, "--iam-endpoint", emu.url, ...extra], env);
        async function assertUntouched(target: string, before: string, res: Result, message: RegExp, where: string): Promise<void> {
            assertRefused(res, 1, message, where);
            assert.equal(await fs.readFile(target, "utf8"), before, `${where}: unchanged`);
            await assert.rejects(fs.lstat(`${target}.cce-clustercert.bak`), `${where}: no backup`);
            assert.equal(emu.calls.count({ route: "clustercert" }), 0, `${where}: no certificate minted`);
        }

        it("unparsable, several documents, not a kubeconfig, a duplicate of the name, a billion laughs", async () => {
            for (const [name, content, message] of [
                ["unparsable", "clusters: [\n  - {name: x\n", /is not valid YAML .*: nothing was changed/],
                ["two documents", "kind: Config\n---\nkind: Config\n", /holds 2 YAML documents/],
                ["a Pod", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", /is not a kubeconfig \(kind "Pod"\)/],
                ["a duplicate", "kind: Config\nusers:\n- name: mine\n  user: {}\n- name: mine\n  user: {}\n", /has 2 users named "mine"/],
                ["a billion laughs", laughs(), /cannot be read as a kubeconfig \(aliases or tags it uses\)/],
            ] as const) {
                const target = await file(content);
                await assertUntouched(target, content, await merge(target, "--alias", "mine"), message, name);
            }
        });

        it("a symbolic link is refused, naming its target; the link and the target stay", async () => {
            const real = await file("kind: Config\n");
            const link = path.join(work, `link-${++n}`);
            await fs.symlink(real, link);
            const res = await merge(link);
            assertRefused(res, 1, new RegExp(`is a symbolic link \\(to ${real.replace(/[.]/g, "\\.")}\\): pass --kubeconfig with the file it points to`), "symlink");
            assert.ok((await fs.lstat(link)).isSymbolicLink());
            assert.equal(await fs.readFile(real, "utf8"), "kind: Config\n");
            assert.equal(emu.calls.count({ route: "clustercert" }), 0);
        });

        it("a FIFO, a directory, an oversized file, another user's file, a directory others can write to", async () => {
            assertRefused(await merge(await fifo()), 1, /it is a FIFO; nothing was changed/, "FIFO");
            const dir = path.join(work, `d-${++n}`);
            await fs.mkdir(dir, { mode: 0o700 });
            assertRefused(await merge(dir), 1, /it is a directory/, "directory");
            const big = `kind: Config\n#${"x".repeat(4 * MiB)}\n`;
            const bigFile = await file(big);
            await assertUntouched(bigFile, big, await merge(bigFile), /larger than 4194304 bytes/, "oversized");
            if (process.getuid?.() === 0) {
                const foreign = await file("kind: Config\n");
                chownSync(foreign, 12345, 12345);
                await assertUntouched(foreign, "kind: Config\n", await merge(foreign), /belongs to uid 12345, not to you/, "another user's file");
            }
            const open = path.join(work, `open-${++n}`);
            await fs.mkdir(open);
            await fs.chmod(open, 0o777);
            const inOpen = path.join(open, "config");
            await fs.writeFile(inOpen, "kind: Config\n", { mode: 0o600 });
            await assertUntouched(inOpen, "kind: Config\n", await merge(inOpen), /can be written by group or others \(mode 0777\): run chmod go-w/, "open directory");
        });

        it("a file changed while the certificate was obtained is not overwritten (exit 1), and no backup is written", async () => {
            const target = await file("kind: Config\n");
            let release!: () => void;
            const held = new Promise<void>((r) => (release = r));
            emu.inject(
                faults.holdUntil(held, { route: "clustercert" }, () => {
                    void fs.writeFile(target, "kind: Config\n# edited meanwhile\n").then(() => release());
                }),
            );
            const res = await merge(target);
            assertRefused(res, 1, /cannot merge into \S+ \(it changed while the certificate was obtained\); nothing was written: run the command again/, "changed");
            assert.equal(await fs.readFile(target, "utf8"), "kind: Config\n# edited meanwhile\n");
            await assert.rejects(fs.lstat(`${target}.cce-clustercert.bak`));
        });

        it("an alias with control characters is refused escaped (exit 2)", async () => {
            const target = await file("kind: Config\n");
            const res = await merge(target, "--alias", "x\u001b[2Jy");
            assertRefused(res, 2, /--alias "x\\x1b\[2Jy" is not a kubeconfig name/, "alias");
            assert.equal(await fs.readFile(target, "utf8"), "kind: Config\n");
        });
    });
});
