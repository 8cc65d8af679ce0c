/**
 * Security hardening, class 8: the exec plugin's cache and lock (`cce-clustercert exec-credential`,
 * built binary against the CCE emulator, RSA keys as CCE hands out). kubectl must never hang:
 * every run below ends on its own (runCli kills a child after 60 s, which would show as code null),
 * a planted or broken cache entry is never served, and an untrusted cache directory is refused.
 * Entries are planted from real ones (minted by the binary into "donor" caches).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { readCertificate } from "../../provider/kube/certificate";
import { renderEntry } from "../../provider/cli/cache-entry";
import { cacheKey } from "../../provider/cli/cache-key";
import type { ClusterCertState } from "../../provider/core/types";
import { cliEnv, cliScript, runCli, runProcess, type Result } from "../cli/run-cli";
import { CceEmulator } from "../emulator";
import { selfSignedCert } from "../emulator/pki";

const PROJECT = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const PRIVATE = "88888888-2222-3333-4444-000000000001";
const PUBLIC = "88888888-2222-3333-4444-000000000002";
const AK = "SECEXECACCESSKEY0001";
const SK = "SecExecSecretKeyDoNotPrint0123456789abc";
const AK2 = "SECEXECACCESSKEY0002";
const SK2 = "SecExecSecretKeyTwo0123456789abcdefghij";
const OTHER_UID = 12345;
const LOCK_WAIT_ENV = "CCE_CLUSTERCERT_LOCK_WAIT_SECONDS";

interface Entry {
    format: number;
    savedAt: string;
    identity: string;
    state: ClusterCertState;
}

/** Field 22 of /proc/<pid>/stat, read here independently of the code under test. */
async function startTimeOf(pid: number): Promise<string> {
    const text = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    const value = text.slice(text.lastIndexOf(")") + 2).split(" ")[19];
    assert.match(value ?? "", /^\d+$/);
    return value as string;
}

async function bootId(): Promise<string> {
    return (await fs.readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
}

describe("security: exec-credential cache and lock (built binary against the emulator)", function () {
    this.timeout(240_000);
    let emu: CceEmulator;
    let work: string;
    let env: NodeJS.ProcessEnv;
    let n = 0;
    const sleepers: ChildProcess[] = [];
    /** Valid entry texts minted by the binary: cluster PRIVATE with AK (twice), PUBLIC with AK, PRIVATE with AK2. */
    const donor: Record<"a" | "b" | "public" | "ak2", string> = { a: "", b: "", public: "", ak2: "" };

    const calls = (): number => emu.calls.count({ route: "clustercert" });
    /** A fresh XDG_CACHE_HOME; the cache directory is `<it>/cce-clustercert`. */
    const freshRoot = (): string => path.join(work, `xdg-${++n}`);
    const cacheDirOf = (root: string): string => path.join(root, "cce-clustercert");
    const keyOf = (cluster = PRIVATE, ak = AK): string => cacheKey({ endpoint: emu.url, projectId: PROJECT, clusterId: cluster, identity: `ak:${ak}` });
    const entryOf = (root: string, cluster = PRIVATE, ak = AK): string => path.join(cacheDirOf(root), `${keyOf(cluster, ak)}.json`);
    const lockOf = (root: string): string => path.join(cacheDirOf(root), `${keyOf()}.lock`);
    const args = (cluster = PRIVATE): string[] => ["exec-credential", "--cluster-id", cluster, "--endpoint", emu.url, "--iam-endpoint", emu.url];
    const exec = (root: string, extra: NodeJS.ProcessEnv = {}, cluster = PRIVATE): Promise<Result> => runCli(args(cluster), { ...env, XDG_CACHE_HOME: root, ...extra });
    const note = (line: string): string => `cce-clustercert: ${line}\n`;
    const list = async (dir: string): Promise<string[]> => (await fs.readdir(dir)).sort();
    /** The ExecCredential's certificate serial (proves which certificate was handed out). */
    const servedSerial = (res: Result): string => {
        const cred = JSON.parse(res.stdout) as { kind: string; status: { clientCertificateData: string } };
        assert.equal(cred.kind, "ExecCredential");
        return new X509Certificate(cred.status.clientCertificateData).serialNumber;
    };
    const serialOf = (entryText: string): string => new X509Certificate((JSON.parse(entryText) as Entry).state.clientCertificate).serialNumber;
    /** A cache directory (0700) holding `text` at PRIVATE/AK's entry name. */
    const plant = async (text: string): Promise<string> => {
        const root = freshRoot();
        await fs.mkdir(cacheDirOf(root), { recursive: true, mode: 0o700 });
        await fs.writeFile(entryOf(root), text, { mode: 0o600 });
        return root;
    };
    const edit = (text: string, change: (e: Entry) => void): string => {
        const e = JSON.parse(text) as Entry;
        change(e);
        return `${JSON.stringify(e)}\n`;
    };
    /** After a replacement: a regular file holding a certificate other than `notSerial`, that the next run serves with no call. */
    const assertReplaced = async (root: string, res: Result, notSerial?: string): Promise<void> => {
        assert.equal(res.code, 0, res.stderr);
        const st = await fs.lstat(entryOf(root));
        assert.ok(st.isFile(), "the entry is a regular file again");
        assert.equal(st.mode & 0o777, 0o600);
        const text = await fs.readFile(entryOf(root), "utf8");
        assert.equal(serialOf(text), servedSerial(res), "the certificate handed out is the one stored");
        if (notSerial !== undefined) assert.notEqual(servedSerial(res), notSerial);
        const before = calls();
        const again = await exec(root);
        assert.equal(again.code, 0, again.stderr);
        assert.equal(again.stderr, "");
        assert.equal(servedSerial(again), servedSerial(res));
        assert.equal(calls(), before, "the replacement is served from the cache");
    };
    const sleeper = (): ChildProcess => {
        const child = spawn("sleep", ["60"], { stdio: "ignore" });
        sleepers.push(child);
        return child;
    };
    const writeLock = async (root: string, content: string): Promise<void> => {
        await fs.mkdir(cacheDirOf(root), { recursive: true, mode: 0o700 });
        await fs.writeFile(lockOf(root), content, { mode: 0o600 });
    };

    before(async () => {
        emu = await CceEmulator.start({
            keyType: "rsa",
            credentials: [{ accessKey: AK, secretKey: SK }, { accessKey: AK2, secretKey: SK2 }],
            projects: [{ id: PROJECT, name: "eu-west-0" }],
            clusters: [
                { id: PRIVATE, projectId: PROJECT, publicIp: false },
                { id: PUBLIC, projectId: PROJECT, publicIp: true },
            ],
        });
        work = await fs.mkdtemp(path.join(tmpdir(), "cce-sec-exec-"));
        await fs.chmod(work, 0o755);
        const ca = path.join(work, "ca.crt");
        await fs.copyFile(emu.caFile, ca);
        await fs.chmod(ca, 0o644);
        env = cliEnv(work, ca, { ak: AK, sk: SK, projectId: PROJECT });
        const mintInto = async (cluster: string, extra: NodeJS.ProcessEnv, ak: string): Promise<string> => {
            const root = freshRoot();
            const res = await exec(root, extra, cluster);
            assert.equal(res.code, 0, res.stderr);
            return fs.readFile(entryOf(root, cluster, ak), "utf8");
        };
        donor.a = await mintInto(PRIVATE, {}, AK);
        donor.b = await mintInto(PRIVATE, {}, AK);
        donor.public = await mintInto(PUBLIC, {}, AK);
        donor.ak2 = await mintInto(PRIVATE, { HW_ACCESS_KEY: AK2, HW_SECRET_KEY: SK2 }, AK2);
    });
    after(async () => {
        for (const s of sleepers) s.kill("SIGKILL");
        await emu?.stop();
        if (work) await fs.rm(work, { recursive: true, force: true });
    });
    beforeEach(() => emu.reset());

    it("serves a valid entry with no API call, from a directory others may read but not write (0755)", async () => {
        const root = await plant(donor.a);
        await fs.chmod(cacheDirOf(root), 0o755);
        const res = await exec(root);
        assert.equal(res.code, 0, res.stderr);
        assert.equal(res.stderr, "");
        assert.equal(servedSerial(res), serialOf(donor.a));
        assert.equal(calls(), 0);
        assert.equal((await fs.stat(cacheDirOf(root))).mode & 0o777, 0o755);
    });

    describe("the cache directory", () => {
        const refusal = (res: Result, message: string): void => {
            assert.equal(res.code, 1);
            assert.equal(res.stdout, "", "no certificate is handed out");
            assert.equal(res.stderr, note(`error: ${message}`));
        };
        it("refuses a directory owned by another user (chown 12345), serving nothing planted there", async () => {
            const root = await plant(donor.a);
            const dir = cacheDirOf(root);
            await fs.chown(dir, OTHER_UID, OTHER_UID);
            const uid = process.getuid?.() as number;
            const res = await exec(root);
            refusal(res, `the cache directory ${dir} belongs to uid ${OTHER_UID}, not to you (uid ${uid}): remove it (as its owner) or set XDG_CACHE_HOME to a private directory of yours`);
            assert.equal(await fs.readFile(entryOf(root), "utf8"), donor.a);
            assert.equal(calls(), 0);
        });
        it("refuses, when run as another user (setpriv), a directory root owns", async function () {
            if (process.getuid?.() !== 0 || !existsSync("/usr/bin/setpriv")) this.skip();
            const root = await plant(donor.a);
            await fs.chmod(root, 0o755);
            await fs.chmod(cacheDirOf(root), 0o755);
            const res = await runProcess("setpriv", [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, "--clear-groups", process.execPath, cliScript(), ...args()], { ...env, HOME: work, XDG_CACHE_HOME: root });
            refusal(res, `the cache directory ${cacheDirOf(root)} belongs to uid 0, not to you (uid ${OTHER_UID}): remove it (as its owner) or set XDG_CACHE_HOME to a private directory of yours`);
            assert.equal(calls(), 0);
        });
        for (const m of [0o777, 0o770, 0o722]) {
            it(`refuses a directory writable by group or others (${m.toString(8)}) and does not chmod it`, async () => {
                const root = await plant(donor.a);
                const dir = cacheDirOf(root);
                await fs.chmod(dir, m);
                const res = await exec(root);
                refusal(res, `the cache directory ${dir} has mode 0${m.toString(8)}, writable by group or others: run chmod 700 ${dir} or set XDG_CACHE_HOME to a private directory of yours`);
                assert.equal((await fs.stat(dir)).mode & 0o777, m);
                assert.equal(await fs.readFile(entryOf(root), "utf8"), donor.a);
                assert.equal(calls(), 0);
            });
        }
        it("refuses a cache directory that is a file", async () => {
            const root = freshRoot();
            await fs.mkdir(root, { mode: 0o700 });
            await fs.writeFile(cacheDirOf(root), "x");
            const res = await exec(root);
            refusal(res, `the cache directory ${cacheDirOf(root)} is not a directory: remove it or set XDG_CACHE_HOME to a private directory of yours`);
            assert.equal(calls(), 0);
        });
    });

    describe("cache entries: never blocks, never serves a bad one", () => {
        const badEntry = async (text: string | undefined, reason: string, prepare?: (root: string) => Promise<void>, notSerial?: string): Promise<string> => {
            const root = text === undefined ? freshRoot() : await plant(text);
            if (prepare) await prepare(root);
            const res = await exec(root);
            assert.equal(res.code, 0, res.stderr);
            assert.equal(res.stderr, note(`ignoring the cache file ${entryOf(root)} (${reason}); it will be replaced`));
            assert.equal(calls(), 1);
            await assertReplaced(root, res, notSerial);
            assert.deepEqual(await list(cacheDirOf(root)), [`${keyOf()}.json`], "no lock or temporary file is left");
            return root;
        };
        it("garbage PEM in the certificate", async () => {
            await badEntry(edit(donor.a, (e) => (e.state.clientCertificate = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")), "the client certificate is not a valid PEM X.509 certificate");
        });
        it("a key that does not belong to the certificate", async () => {
            const other = JSON.parse(donor.b) as Entry;
            await badEntry(edit(donor.a, (e) => (e.state.clientKey = other.state.clientKey)), "the client key does not match the client certificate", undefined, serialOf(donor.a));
        });
        it("an entry of another cluster at this cluster's name", async () => {
            await badEntry(donor.public, "it is for another cluster", undefined, serialOf(donor.public));
        });
        it("an entry of another identity (access key) at this identity's name", async () => {
            await badEntry(donor.ak2, "it was minted for another identity", undefined, serialOf(donor.ak2));
        });
        it("a recorded expiry that is not the certificate's", async () => {
            await badEntry(edit(donor.a, (e) => (e.state.expiresAt = "2099-01-01T00:00:00.000Z")), "its recorded validity is not its certificate's", undefined, serialOf(donor.a));
        });
        it("an entry of the previous cache format (1, no identity)", async () => {
            const old = JSON.parse(donor.a) as Entry;
            await badEntry(`${JSON.stringify({ format: 1, savedAt: old.savedAt, state: old.state })}\n`, "it is not of cache format 2", undefined, serialOf(donor.a));
        });
        it("a FIFO: opened without blocking, replaced by a regular file", async () => {
            await badEntry(undefined, "it is a FIFO", async (root) => {
                await fs.mkdir(cacheDirOf(root), { recursive: true, mode: 0o700 });
                const made = await runProcess("mkfifo", ["-m", "600", entryOf(root)], {});
                assert.equal(made.code, 0, made.stderr);
            });
        });
        it("a symbolic link to a valid entry elsewhere: not followed, the link replaced, its target untouched", async () => {
            const elsewhere = path.join(work, `elsewhere-${++n}.json`);
            await fs.writeFile(elsewhere, donor.a, { mode: 0o600 });
            await badEntry(undefined, "it is a symbolic link", async (root) => {
                await fs.mkdir(cacheDirOf(root), { recursive: true, mode: 0o700 });
                await fs.symlink(elsewhere, entryOf(root));
            }, serialOf(donor.a));
            assert.equal(await fs.readFile(elsewhere, "utf8"), donor.a);
        });
        it("a file larger than 64 KiB (a valid entry padded with blanks)", async () => {
            await badEntry(donor.a + " ".repeat(64 * 1024), "it is larger than 65536 bytes", undefined, serialOf(donor.a));
        });
        it("an empty directory at the entry's name", async () => {
            await badEntry(undefined, "it is a directory", async (root) => {
                await fs.mkdir(entryOf(root), { recursive: true });
                await fs.chmod(cacheDirOf(root), 0o700);
            });
        });
        /** A real certificate and key with the given validity, put into a copy of a valid entry. */
        const withValidity = async (notBefore: Date, notAfter: Date): Promise<string> => {
            const cert = await selfSignedCert({ commonName: "u", notBefore, notAfter, usage: "client", keyType: "rsa" });
            const info = readCertificate(cert.certPem);
            const state: ClusterCertState = {
                ...(JSON.parse(donor.a) as Entry).state,
                clientCertificate: cert.certPem, clientKey: cert.keyPem, fingerprint: info.fingerprint, serialNumber: info.serialNumber,
                issuedAt: info.notBefore.toISOString(), expiresAt: info.notAfter.toISOString(),
            };
            return renderEntry(state, `ak:${AK}`, new Date());
        };
        it("an expired entry is replaced (silently: it is not a bad one)", async () => {
            const now = Date.now();
            const root = await plant(await withValidity(new Date(now - 2 * 86_400_000), new Date(now - 86_400_000)));
            const res = await exec(root);
            assert.equal(res.stderr, "");
            assert.equal(calls(), 1);
            await assertReplaced(root, res);
        });
        it("an entry within its renewal margin (5 minutes left of a day) is replaced", async () => {
            const now = Date.now();
            const text = await withValidity(new Date(now - 86_400_000), new Date(now + 5 * 60_000));
            const root = await plant(text);
            const res = await exec(root);
            assert.equal(res.stderr, "");
            assert.equal(calls(), 1);
            await assertReplaced(root, res, serialOf(text));
        });
    });

    describe("the lock: taken over when stale, never waited on for long", () => {
        /** A run that took over the lock: one line naming why, one certificate minted, lock and temp files gone. */
        const takenOver = async (root: string, reason: string | RegExp): Promise<void> => {
            const res = await exec(root);
            assert.equal(res.code, 0, res.stderr);
            const prefix = `cce-clustercert: taking over the lock ${lockOf(root)}: `;
            if (typeof reason === "string") assert.equal(res.stderr, `${prefix}${reason}\n`);
            else {
                assert.ok(res.stderr.startsWith(prefix) && res.stderr.endsWith("\n") && res.stderr.split("\n").length === 2, res.stderr);
                assert.match(res.stderr.slice(prefix.length, -1), reason);
            }
            assert.equal(calls(), 1);
            assert.deepEqual(await list(cacheDirOf(root)), [`${keyOf()}.json`], "no lock or temporary file is left");
            assert.equal(serialOf(await fs.readFile(entryOf(root), "utf8")), servedSerial(res));
        };
        const lockJson = async (over: Record<string, unknown>): Promise<string> =>
            JSON.stringify({ pid: 1, host: hostname(), token: "someone-else", createdAt: new Date().toISOString(), bootId: await bootId(), ...over });

        it("an empty lock file (as a crash on a full disk leaves) is taken over at once", async () => {
            const root = freshRoot();
            await writeLock(root, "");
            await takenOver(root, "it is empty");
        });
        it("a garbage lock file is taken over at once", async () => {
            const root = freshRoot();
            await writeLock(root, "\u0000\u0000garbage{");
            await takenOver(root, "it is not a lock this program wrote");
        });
        it("a lock naming a live unrelated process (another start time) is taken over", async () => {
            const child = sleeper();
            const start = await startTimeOf(child.pid as number);
            const root = freshRoot();
            await writeLock(root, await lockJson({ pid: child.pid, startTime: String(Number(start) + 1) }));
            await takenOver(root, `pid ${child.pid} is another process (another start time)`);
        });
        it("a lock naming a live process but no start time is taken over", async () => {
            const child = sleeper();
            const root = freshRoot();
            await writeLock(root, await lockJson({ pid: child.pid }));
            await takenOver(root, `pid ${child.pid} is another process (the lock records no start time)`);
        });
        it("a lock of a process that no longer runs is taken over", async () => {
            const child = spawn(process.execPath, ["-e", "0"]);
            const dead = await new Promise<number>((resolve) => child.on("exit", () => resolve(child.pid as number)));
            const root = freshRoot();
            await writeLock(root, await lockJson({ pid: dead }));
            await takenOver(root, `its process ${dead} no longer runs`);
        });
        it("a lock older than the bound (2 minutes) is taken over even though its process runs", async () => {
            const child = sleeper();
            const root = freshRoot();
            const createdAt = new Date(Date.now() - 180_000).toISOString();
            await writeLock(root, await lockJson({ pid: child.pid, startTime: await startTimeOf(child.pid as number), createdAt }));
            await takenOver(root, /^it is 1[89]\d s old \(the limit is 120 s\)$/);
        });
        it("a FIFO at the lock's name does not block: it is taken over", async () => {
            const root = freshRoot();
            await fs.mkdir(cacheDirOf(root), { recursive: true, mode: 0o700 });
            assert.equal((await runProcess("mkfifo", ["-m", "600", lockOf(root)], {})).code, 0);
            await takenOver(root, "it is not a lock file (it is a FIFO)");
        });
        it("a live holder (right start time) is waited for up to the bound, then the plugin proceeds without the lock", async () => {
            const child = sleeper();
            const root = freshRoot();
            const lock = await lockJson({ pid: child.pid, startTime: await startTimeOf(child.pid as number) });
            await writeLock(root, lock);
            const res = await exec(root, { [LOCK_WAIT_ENV]: "1" });
            assert.equal(res.code, 0, res.stderr);
            assert.equal(res.stderr, [
                note("waiting for another cce-clustercert process to obtain the certificate"),
                note(`proceeding without the lock ${lockOf(root)}: process ${child.pid} on ${hostname()} still holds it after 1 s`),
            ].join(""));
            assert.equal(calls(), 1);
            assert.equal(await fs.readFile(lockOf(root), "utf8"), lock, "another process's lock is left alone");
            assert.deepEqual(await list(cacheDirOf(root)), [`${keyOf()}.json`, `${keyOf()}.lock`]);
            assert.equal(serialOf(await fs.readFile(entryOf(root), "utf8")), servedSerial(res), "the certificate is stored anyway");
        });
        it("a fresh lock from another host is waited for up to the bound (0.5 s), then passed by", async () => {
            const root = freshRoot();
            const lock = await lockJson({ host: "some-other-host.invalid", pid: 4242 });
            await writeLock(root, lock);
            const res = await exec(root, { [LOCK_WAIT_ENV]: "0.5" });
            assert.equal(res.code, 0, res.stderr);
            assert.match(res.stderr, new RegExp(`^cce-clustercert: waiting for another cce-clustercert process to obtain the certificate\\ncce-clustercert: proceeding without the lock ${lockOf(root)}: process 4242 on some-other-host\\.invalid still holds it after [01] s\\n$`));
            assert.equal(calls(), 1);
            assert.equal(await fs.readFile(lockOf(root), "utf8"), lock);
        });
        it("a directory at the lock's name cannot be taken over: the plugin proceeds without the lock at once", async () => {
            const root = freshRoot();
            await fs.mkdir(lockOf(root), { recursive: true });
            await fs.chmod(cacheDirOf(root), 0o700);
            const res = await exec(root);
            assert.equal(res.code, 0, res.stderr);
            assert.equal(res.stderr, note(`proceeding without the lock ${lockOf(root)}: it is not a lock file (it is a directory) and it cannot be removed (EISDIR)`));
            assert.equal(calls(), 1);
            assert.ok((await fs.stat(lockOf(root))).isDirectory());
        });
        it("rejects a malformed wait bound before any call", async () => {
            const res = await exec(freshRoot(), { [LOCK_WAIT_ENV]: "ten" });
            assert.equal(res.code, 2);
            assert.equal(res.stderr, `${note(`error: ${LOCK_WAIT_ENV} must be a number of seconds from 0 to 600, got "ten"`)}${note("see --help")}`);
            assert.equal(res.stdout, "");
            assert.equal(calls(), 0);
        });
    });

    it("never writes a secret or PEM to stderr on these paths", async () => {
        const root = await plant(edit(donor.a, (e) => (e.state.clientKey = (JSON.parse(donor.b) as Entry).state.clientKey)));
        await writeLock(root, "garbage");
        const res = await exec(root);
        assert.equal(res.code, 0, res.stderr);
        assert.equal(res.stderr.split("\n").length, 3, res.stderr);
        for (const s of [SK, AK, "BEGIN", "PRIVATE KEY"]) assert.ok(!res.stderr.includes(s), s);
        assert.equal(calls(), 1);
    });
});
