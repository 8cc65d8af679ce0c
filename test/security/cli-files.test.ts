/**
 * Security hardening, class 7: the output files of `cce-clustercert get --out-dir` (built binary
 * against the CCE emulator, RSA keys as CCE hands out). The directory is checked before any API
 * call, and a failure at any point leaves it as it was. Failures are real: EFBIG from RLIMIT_FSIZE
 * (`ulimit -f`, a genuine partial write), EACCES from running the binary as another user
 * (`setpriv`), and names taken or turned read-only by the emulator while it mints the certificate.
 */
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, promises as fs, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CceEmulator } from "../emulator";
import { cliEnv, cliScript, runCli, runProcess, type Result } from "../cli/run-cli";

const PROJECT = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const CLUSTER = "77777777-2222-3333-4444-000000000001";
const AK = "SECFILESACCESSKEY001";
const SK = "SecFilesSecretKeyDoNotPrint0123456789ab";
/** A uid with no account: the "other user" of the EACCES cases (needs root and setpriv). */
const OTHER_UID = 12345;
const FILES = ["ca.crt", "client.crt", "client.key", "kubeconfig"];

function canSwitchUser(): boolean {
    return process.getuid?.() === 0 && ["/usr/bin/setpriv", "/bin/setpriv"].some((p) => existsSync(p));
}

describe("security: get --out-dir (built binary against the emulator)", function () {
    this.timeout(180_000);
    let emu: CceEmulator;
    let work: string;
    /** 0755 and world-readable, for the binary run as OTHER_UID. */
    let shared: string;
    let env: NodeJS.ProcessEnv;
    let n = 0;
    const fresh = (): string => path.join(work, `out-${++n}`);
    const calls = (): number => emu.calls.count({ route: "clustercert" });
    const getArgs = (dir: string, ...extra: string[]): string[] => ["get", "--cluster-id", CLUSTER, "--endpoint", emu.url, "--iam-endpoint", emu.url, "--out-dir", dir, ...extra];
    const get = (dir: string, ...extra: string[]): Promise<Result> => runCli(getArgs(dir, ...extra), env);
    /** Every entry of `dir`, dot files included, sorted. */
    const list = async (dir: string): Promise<string[]> => (await fs.readdir(dir)).sort();
    const mode = async (p: string): Promise<number> => (await fs.stat(p)).mode & 0o7777;
    const exists = async (p: string): Promise<boolean> => fs.lstat(p).then(() => true, () => false);
    const errorLine = (message: string): string => `cce-clustercert: error: ${message}\n`;
    /** Four old files, as a previous run would have left them. */
    const oldFiles = async (dir: string): Promise<void> => {
        await fs.mkdir(dir, { mode: 0o700 });
        for (const f of FILES) await fs.writeFile(path.join(dir, f), `OLD ${f}\n`, { mode: 0o600 });
    };
    const assertOld = async (dir: string, names = FILES): Promise<void> => {
        for (const f of names) assert.equal(await fs.readFile(path.join(dir, f), "utf8"), `OLD ${f}\n`, f);
    };

    before(async () => {
        emu = await CceEmulator.start({
            keyType: "rsa",
            credentials: [{ accessKey: AK, secretKey: SK }],
            projects: [{ id: PROJECT, name: "eu-west-0" }],
            clusters: [{ id: CLUSTER, projectId: PROJECT, publicIp: false }],
        });
        work = await fs.mkdtemp(path.join(tmpdir(), "cce-sec-files-"));
        shared = await fs.mkdtemp(path.join(tmpdir(), "cce-sec-files-shared-"));
        await fs.chmod(shared, 0o755);
        const ca = path.join(shared, "ca.crt");
        await fs.copyFile(emu.caFile, ca);
        await fs.chmod(ca, 0o644);
        env = cliEnv(work, ca, { ak: AK, sk: SK, projectId: PROJECT });
    });
    after(async () => {
        await emu?.stop();
        for (const d of [work, shared]) if (d) await fs.rm(d, { recursive: true, force: true });
    });
    beforeEach(() => emu.reset());

    describe("checks before minting", () => {
        it("creates a missing --out-dir and its parents 0700, then writes exactly the four files, 0600", async () => {
            const parent = fresh();
            const dir = path.join(parent, "a", "b");
            const res = await get(dir);
            assert.equal(res.code, 0, res.stderr);
            assert.deepEqual(await list(dir), FILES, "no probe, temporary or backup file is left");
            for (const d of [parent, path.join(parent, "a"), dir]) assert.equal(await mode(d), 0o700, d);
            for (const f of FILES) assert.equal(await mode(path.join(dir, f)), 0o600, f);
            assert.ok(new X509Certificate(await fs.readFile(path.join(dir, "client.crt"), "utf8")).checkPrivateKey(
                createPrivateKey(await fs.readFile(path.join(dir, "client.key"), "utf8")),
            ));
            assert.match(res.stderr, new RegExp(`^cce-clustercert: wrote ${dir}/kubeconfig, ${dir}/ca\\.crt, ${dir}/client\\.crt, ${dir}/client\\.key\\n`));
            assert.equal(calls(), 1);
        });
        for (const [m, what] of [[0o777, "writable by everyone"], [0o770, "writable by its group"], [0o1777, "sticky but world-writable, like /tmp"]] as const) {
            it(`refuses an existing --out-dir ${what} (${m.toString(8)}) before any API call, and leaves it alone`, async () => {
                const dir = fresh();
                await fs.mkdir(dir);
                await fs.chmod(dir, m);
                const res = await get(dir);
                assert.equal(res.code, 1);
                const shown = m.toString(8).padStart(4, "0");
                assert.equal(res.stderr, errorLine(`refusing to write into ${dir}: its mode ${shown} lets group or others create or replace files in it; run chmod go-w ${dir} or choose a private --out-dir`));
                assert.equal(res.stdout, "");
                assert.deepEqual(await list(dir), []);
                assert.equal(await mode(dir), m, "the directory's mode is not changed");
                assert.equal(calls(), 0);
            });
        }
        it("refuses a group-writable current directory for --format files without --out-dir", async () => {
            const dir = fresh();
            await fs.mkdir(dir);
            await fs.chmod(dir, 0o775);
            const res = await runCli(["get", "--cluster-id", CLUSTER, "--endpoint", emu.url, "--iam-endpoint", emu.url, "--format", "files"], env, dir);
            assert.equal(res.code, 1);
            assert.equal(res.stderr, errorLine(`refusing to write into ${dir}: its mode 0775 lets group or others create or replace files in it; run chmod go-w ${dir} or choose a private --out-dir`));
            assert.deepEqual(await list(dir), []);
            assert.equal(calls(), 0);
        });
        it("accepts a directory others may read but only its owner may write (0755), keeping its mode", async () => {
            const dir = fresh();
            await fs.mkdir(dir);
            await fs.chmod(dir, 0o755);
            const res = await get(dir);
            assert.equal(res.code, 0, res.stderr);
            assert.deepEqual(await list(dir), FILES);
            assert.equal(await mode(dir), 0o755);
            assert.equal(calls(), 1);
        });
        it("refuses a --out-dir that is a file, or lies below one, before any API call", async () => {
            const file = fresh();
            await fs.writeFile(file, "not a directory\n");
            const res = await get(file);
            assert.equal(res.code, 1);
            assert.equal(res.stderr, errorLine(`cannot use ${file} (not a directory); choose a directory for --out-dir`));
            const below = await get(path.join(file, "sub"));
            assert.equal(below.code, 1);
            assert.equal(below.stderr, errorLine(`cannot create directory ${path.join(file, "sub")} (ENOTDIR)`));
            assert.equal(await fs.readFile(file, "utf8"), "not a directory\n");
            assert.equal(calls(), 0);
        });
        it("without --force names the files that exist, overwrites nothing and asks for no certificate", async () => {
            const dir = fresh();
            await oldFiles(dir);
            await fs.rm(path.join(dir, "ca.crt"));
            await fs.rm(path.join(dir, "client.crt"));
            const res = await get(dir);
            assert.equal(res.code, 2);
            assert.equal(res.stderr, errorLine(`refusing to overwrite ${dir}/kubeconfig, ${dir}/client.key: pass --force to replace them`));
            assert.deepEqual(await list(dir), ["client.key", "kubeconfig"]);
            await assertOld(dir, ["client.key", "kubeconfig"]);
            assert.equal(calls(), 0);
        });
        it("with --force refuses a directory at a file's name before any API call, changing nothing", async () => {
            const dir = fresh();
            await oldFiles(dir);
            await fs.rm(path.join(dir, "client.key"));
            await fs.mkdir(path.join(dir, "client.key"));
            const res = await get(dir, "--force");
            assert.equal(res.code, 1);
            assert.equal(res.stderr, errorLine(`cannot replace ${dir}/client.key (it is a directory); remove it or choose another --out-dir`));
            assert.deepEqual(await list(dir), FILES);
            await assertOld(dir, ["ca.crt", "client.crt", "kubeconfig"]);
            assert.equal(calls(), 0);
        });
        it("refuses a directory it cannot write to (EACCES, run as another user) before any API call", async function () {
            if (!canSwitchUser()) this.skip();
            const dir = path.join(shared, `ro-${++n}`);
            await fs.mkdir(dir, { mode: 0o755 }); // root's; OTHER_UID may read, not write
            const res = await runProcess("setpriv", [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, "--clear-groups", process.execPath, cliScript(), ...getArgs(dir)], { ...env, HOME: shared });
            assert.equal(res.code, 1);
            assert.equal(res.stderr, errorLine(`cannot write into ${dir} (EACCES); nothing was requested; choose a writable --out-dir`));
            assert.deepEqual(await list(dir), []);
            const sub = path.join(dir, "sub");
            const below = await runProcess("setpriv", [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, "--clear-groups", process.execPath, cliScript(), ...getArgs(sub)], { ...env, HOME: shared });
            assert.equal(below.code, 1);
            assert.equal(below.stderr, errorLine(`cannot create directory ${sub} (EACCES)`));
            assert.equal(calls(), 0);
        });
    });

    describe("failures while writing leave the directory as it was", () => {
        /** The binary with RLIMIT_FSIZE = `kib` KiB: a larger file fails with EFBIG after a partial write. */
        const getLimited = (kib: number, dir: string, ...extra: string[]): Promise<Result> =>
            runProcess("bash", ["-c", `ulimit -f ${kib} && exec "$0" "$@"`, process.execPath, cliScript(), ...getArgs(dir, ...extra)], env);

        it("EFBIG midway through the kubeconfig (ulimit -f 2): no temporary file, no final file, and the directory it created is gone", async () => {
            const parent = fresh();
            await fs.mkdir(parent, { mode: 0o700 });
            const dir = path.join(parent, "new");
            const res = await getLimited(2, dir);
            assert.equal(res.code, 1);
            assert.equal(res.stderr, errorLine(`cannot write ${dir}/kubeconfig (EFBIG); nothing was written to ${dir}: check its free space and permissions`));
            assert.equal(await exists(dir), false, "the directory this run created is removed");
            assert.deepEqual(await list(parent), []);
            assert.equal(calls(), 1, "the certificate was minted (the limit only bites when writing)");
        });
        it("EFBIG into an existing empty directory leaves it empty", async () => {
            const dir = fresh();
            await fs.mkdir(dir, { mode: 0o700 });
            const res = await getLimited(2, dir, "--format", "json");
            assert.equal(res.code, 1);
            assert.equal(res.stderr, errorLine(`cannot write ${dir}/clustercert.json (EFBIG); nothing was written to ${dir}: check its free space and permissions`));
            assert.deepEqual(await list(dir), []);
            assert.equal(calls(), 1);
        });
        it("EFBIG with --force keeps every old file as it was", async () => {
            const dir = fresh();
            await oldFiles(dir);
            const res = await getLimited(2, dir, "--force");
            assert.equal(res.code, 1);
            assert.equal(res.stderr, errorLine(`cannot write ${dir}/kubeconfig (EFBIG); nothing was written to ${dir}: check its free space and permissions`));
            assert.deepEqual(await list(dir), FILES);
            await assertOld(dir);
            assert.equal(calls(), 1);
        });
        it("a name taken while the certificate is minted: the files already linked are removed again (no --force)", async () => {
            const dir = fresh();
            await fs.mkdir(dir, { mode: 0o700 });
            // Runs inside the emulator while it answers: after the checks, before the files are written.
            emu.inject({ route: "clustercert", kind: "kubeconfig", mutation: () => void mkdirSync(path.join(dir, "client.key")) });
            const res = await get(dir);
            assert.equal(res.code, 2);
            assert.equal(res.stderr, errorLine(`refusing to overwrite ${dir}/client.key: pass --force to replace it`));
            assert.deepEqual(await list(dir), ["client.key"], "kubeconfig, ca.crt and client.crt were linked, then removed");
            assert.ok((await fs.lstat(path.join(dir, "client.key"))).isDirectory());
            assert.equal(calls(), 1);
        });
        it("a rename that fails after three succeeded (--force): the three replaced files are restored", async () => {
            const dir = fresh();
            await oldFiles(dir);
            emu.inject({
                route: "clustercert", kind: "kubeconfig", mutation: () => {
                    rmSync(path.join(dir, "client.key"));
                    mkdirSync(path.join(dir, "client.key"));
                },
            });
            const res = await get(dir, "--force");
            assert.equal(res.code, 1);
            assert.equal(res.stderr, errorLine(`cannot replace ${dir}/client.key (EISDIR); nothing was changed in ${dir}`));
            assert.deepEqual(await list(dir), FILES, "no temporary or backup file is left");
            await assertOld(dir, ["ca.crt", "client.crt", "kubeconfig"]);
            assert.equal(calls(), 1);
        });
        it("a directory that turns read-only while the certificate is minted (EACCES, another user): nothing is written", async function () {
            if (!canSwitchUser()) this.skip();
            const dir = path.join(shared, `turns-ro-${++n}`);
            mkdirSync(dir, { mode: 0o700 });
            chownSync(dir, OTHER_UID, OTHER_UID);
            emu.inject({ route: "clustercert", kind: "kubeconfig", mutation: () => chmodSync(dir, 0o500) });
            const res = await runProcess("setpriv", [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, "--clear-groups", process.execPath, cliScript(), ...getArgs(dir)], { ...env, HOME: shared });
            assert.equal(res.code, 1, res.stderr);
            assert.equal(res.stderr, errorLine(`cannot write ${dir}/kubeconfig (EACCES); nothing was written to ${dir}: check its free space and permissions`));
            assert.deepEqual(await list(dir), []);
            assert.equal(calls(), 1);
        });
        it("an API failure after --out-dir was created removes it again", async () => {
            const dir = fresh();
            emu.inject({ route: "clustercert", kind: "respond", status: 500, body: JSON.stringify({ errorCode: "CCE.01500001", errorMessage: "boom" }) });
            const res = await get(dir, "--max-retries", "0");
            assert.equal(res.code, 5);
            assert.match(res.stderr, /^cce-clustercert: error: .*500 CCE\.01500001 "boom"/);
            assert.equal(await exists(dir), false);
            assert.equal(calls(), 1);
        });
        it("--force replaces a symbolic link at a file's name instead of writing through it", async () => {
            const dir = fresh();
            await oldFiles(dir);
            const outside = path.join(work, `outside-${n}.key`);
            await fs.writeFile(outside, "OUTSIDE\n", { mode: 0o644 });
            await fs.rm(path.join(dir, "client.key"));
            await fs.symlink(outside, path.join(dir, "client.key"));
            const res = await get(dir, "--force");
            assert.equal(res.code, 0, res.stderr);
            assert.deepEqual(await list(dir), FILES);
            assert.ok((await fs.lstat(path.join(dir, "client.key"))).isFile());
            assert.match(await fs.readFile(path.join(dir, "client.key"), "utf8"), /^-----BEGIN RSA PRIVATE KEY-----/);
            assert.equal(await fs.readFile(outside, "utf8"), "OUTSIDE\n", "the link's target is untouched");
            for (const f of FILES) assert.equal(await mode(path.join(dir, f)), 0o600, f);
            assert.equal(calls(), 1);
        });
    });
});
