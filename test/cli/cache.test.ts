/**
 * The exec certificate cache, its entries and its lock, in-process (the built-binary cases are in
 * test/security/exec-cache.test.ts). Entries hold real certificates (self-signed, EC), since an
 * entry is only served when its certificate and key check out.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { readCertificate } from "../../provider/kube/certificate";
import { cacheDir, isFresh, obtainCached, preparePrivateCacheDir, renewalMarginMs, RENEWAL_MARGIN_MAX_MS, storeCached, type CertCacheOptions } from "../../provider/cli/cache";
import { checkEntry, renderEntry } from "../../provider/cli/cache-entry";
import { cacheKey, identityOf, type CacheKeyParts } from "../../provider/cli/cache-key";
import { judgeLock, LockTimeoutError, parseLockInfo, withLock, type LockInfo } from "../../provider/cli/lock";
import { currentProcess, startTimeFromStat } from "../../provider/cli/process-info";
import type { ClusterCertState } from "../../provider/core/types";
import { selfSignedCert } from "../emulator/pki";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const PARTS: CacheKeyParts = { endpoint: "https://cce.example", projectId: "p1", clusterId: "c-1", identity: "ak:AK1" };

/** A state with a real certificate valid from `issuedAt` (whole seconds) for `lifetimeMs`. */
async function realState(issuedAt: Date, lifetimeMs: number, over: Partial<ClusterCertState> = {}): Promise<ClusterCertState> {
    const notBefore = new Date(Math.floor(issuedAt.getTime() / 1000) * 1000);
    const cert = await selfSignedCert({ commonName: "u1", notBefore, notAfter: new Date(notBefore.getTime() + lifetimeMs), usage: "client", keyType: "ec" });
    const info = readCertificate(cert.certPem);
    return {
        clusterId: "c-1", projectId: "p1", region: "eu-west-0", endpoint: "https://cce.example", context: "internal", renewBeforeDays: 30, legacyApi: false, revokeOnDelete: false,
        kubeconfig: "kind: Config\n", clientCertificate: cert.certPem, clientKey: cert.keyPem, server: "https://10.0.0.1:5443", endpoints: {},
        currentContext: "internal", insecureSkipTlsVerify: false, userId: "u1", fingerprint: info.fingerprint, serialNumber: info.serialNumber,
        issuedAt: info.notBefore.toISOString(), expiresAt: info.notAfter.toISOString(), apiCall: "POST",
        ...over,
    };
}

async function tempDir(): Promise<string> {
    return fs.mkdtemp(path.join(tmpdir(), "cce-cli-cache-"));
}

describe("cache key", () => {
    it("is a stable hash that differs per endpoint, project, cluster and identity", () => {
        const k = cacheKey(PARTS);
        assert.match(k, /^[0-9a-f]{64}$/);
        assert.equal(cacheKey({ ...PARTS }), k);
        for (const change of [{ endpoint: "https://other" }, { projectId: "p2" }, { clusterId: "c-2" }, { identity: "ak:AK2" }]) {
            assert.notEqual(cacheKey({ ...PARTS, ...change }), k);
        }
        const { projectId: _p, ...noProject } = PARTS;
        assert.notEqual(cacheKey({ ...noProject, region: "eu-west-0" }), cacheKey({ ...noProject, region: "eu-west-1" }));
    });
    it("keeps the file names of cache format 1 (old entries are replaced, not left behind)", () => {
        const v1 = createHash("sha256").update(JSON.stringify([1, PARTS.endpoint, `project:${PARTS.projectId}`, PARTS.clusterId, PARTS.identity])).digest("hex");
        assert.equal(cacheKey(PARTS), v1);
    });
    it("identifies the caller without any secret", () => {
        assert.equal(identityOf({ kind: "aksk", accessKey: "AK1", secretKey: "SECRETSK", source: "env" }), "ak:AK1");
        const token = identityOf({ kind: "token", token: "TOKENVALUE", source: "env" });
        assert.match(token, /^token-sha256:[0-9a-f]{64}$/);
        assert.ok(!token.includes("TOKENVALUE"));
        const user = identityOf({ kind: "password", domainName: "d", userName: "u", password: "PASSWORD", source: "env" });
        assert.equal(user, "user:d/u");
    });
    it("lives under $XDG_CACHE_HOME (absolute only) or ~/.cache", () => {
        assert.equal(cacheDir({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" }), "/x/cache/cce-clustercert");
        assert.equal(cacheDir({ XDG_CACHE_HOME: "relative", HOME: "/home/u" }), "/home/u/.cache/cce-clustercert");
        assert.equal(cacheDir({ HOME: "/home/u" }), "/home/u/.cache/cce-clustercert");
    });
});

describe("renewal margin", () => {
    it("is min(10 minutes, 20 % of the lifetime)", async () => {
        const t0 = new Date("2025-01-01T00:00:00Z");
        assert.equal(renewalMarginMs(t0, new Date(t0.getTime() + DAY)), RENEWAL_MARGIN_MAX_MS);
        assert.equal(renewalMarginMs(t0, new Date(t0.getTime() + 20 * 60_000)), 4 * 60_000);
        const state = await realState(t0, DAY);
        assert.equal(isFresh(state, new Date(t0.getTime() + DAY - 11 * 60_000)), true);
        assert.equal(isFresh(state, new Date(t0.getTime() + DAY - 10 * 60_000)), false);
        assert.equal(isFresh({ issuedAt: "x", expiresAt: "y" }, t0), false);
    });
});

describe("cache entries (checkEntry)", () => {
    let state: ClusterCertState;
    let other: ClusterCertState;
    const now = new Date("2025-01-01T00:00:00Z");
    before(async () => {
        state = await realState(now, DAY);
        other = await realState(now, DAY);
    });
    const entry = (s: ClusterCertState, identity = PARTS.identity): string => renderEntry(s, identity, now);

    it("accepts a complete entry for the requested cluster, endpoint, project and identity", () => {
        const checked = checkEntry(entry(state), PARTS);
        assert.equal(checked.ok, true);
        assert.equal(checked.ok && checked.state.serialNumber, state.serialNumber);
    });
    it("names why an entry is refused, without PEM", () => {
        const cases: [string, string][] = [
            ["{not json", "it is not JSON"],
            [JSON.stringify({ format: 1, savedAt: "", state }), "it is not of cache format 2"],
            [entry(state, "ak:AK2"), "it was minted for another identity"],
            [entry({ ...state, clusterId: "c-2" }), "it is for another cluster"],
            [entry({ ...state, endpoint: "https://other" }), "it is for another endpoint"],
            [entry({ ...state, projectId: "p2" }), "it is for another project"],
            [entry({ ...state, clientKey: "" }), "its clientKey is missing"],
            [entry({ ...state, clientCertificate: "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n" }), "the client certificate is not a valid PEM X.509 certificate"],
            [entry({ ...state, clientKey: other.clientKey }), "the client key does not match the client certificate"],
            [entry({ ...state, expiresAt: "2099-01-01T00:00:00.000Z" }), "its recorded validity is not its certificate's"],
            [entry({ ...state, fingerprint: other.fingerprint }), "its recorded fingerprint is not its certificate's"],
        ];
        for (const [text, reason] of cases) {
            const checked = checkEntry(text, PARTS);
            assert.deepEqual(checked, { ok: false, reason }, reason);
        }
        const { projectId: _p, ...byRegion } = PARTS;
        assert.deepEqual(checkEntry(entry(state), { ...byRegion, region: "eu-west-9" }), { ok: false, reason: "it is for another region" });
    });
});

describe("certificate cache", () => {
    let dir: string;
    let now: Date;
    let opts: CertCacheOptions;
    let logs: string[];
    let minted: ClusterCertState[];
    const mint = async (): Promise<ClusterCertState> => {
        const s = await realState(now, DAY);
        minted.push(s);
        return s;
    };
    beforeEach(async () => {
        dir = path.join(await tempDir(), "cce-clustercert");
        now = new Date("2025-01-01T00:00:00Z");
        logs = [];
        minted = [];
        opts = { dir, now: () => now, log: (l) => logs.push(l), lock: { staleMs: 60_000, waitMs: 5_000, pollMs: 10 } };
    });
    afterEach(async () => {
        await fs.rm(path.dirname(dir), { recursive: true, force: true });
    });

    it("mints once, then serves from the cache until the renewal margin", async () => {
        const first = await obtainCached(PARTS, mint, opts);
        assert.equal(first.fromCache, false);
        now = new Date(now.getTime() + 12 * HOUR);
        const second = await obtainCached(PARTS, mint, opts);
        assert.deepEqual([second.fromCache, second.state.serialNumber], [true, first.state.serialNumber]);
        now = new Date(Date.parse(first.state.expiresAt) - 5 * 60_000);
        const third = await obtainCached(PARTS, mint, opts);
        assert.equal(third.fromCache, false);
        assert.notEqual(third.state.serialNumber, first.state.serialNumber);
        assert.equal(minted.length, 2);
        assert.deepEqual(logs, [], "an expired entry is renewed silently");
    });
    it("keeps files 0600 in a 0700 directory, with no credential in them", async () => {
        await obtainCached({ ...PARTS, identity: "ak:AKVISIBLE" }, mint, opts);
        assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
        const files = await fs.readdir(dir);
        assert.equal(files.length, 1);
        assert.match(files[0] as string, /^[0-9a-f]{64}\.json$/);
        const file = path.join(dir, files[0] as string);
        assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
        assert.ok(!(await fs.readFile(file, "utf8")).includes("AKVISIBLE"), "the access key id is stored only as a digest");
    });
    it("also stores a certificate under the discovered project id", async () => {
        const { projectId: _p, ...byRegion } = PARTS;
        await obtainCached({ ...byRegion, region: "eu-west-0" }, mint, opts);
        const again = await obtainCached(PARTS, mint, opts);
        assert.equal(again.fromCache, true);
        assert.equal((await fs.readdir(dir)).length, 2);
    });
    it("replaces an unreadable entry and logs it once, in one line without PEM", async () => {
        await fs.mkdir(dir, { recursive: true, mode: 0o700 });
        await fs.writeFile(path.join(dir, `${cacheKey(PARTS)}.json`), "{not json");
        const got = await obtainCached(PARTS, mint, opts);
        assert.equal(got.fromCache, false);
        assert.deepEqual(logs, [`ignoring the cache file ${path.join(dir, `${cacheKey(PARTS)}.json`)} (it is not JSON); it will be replaced`]);
        assert.equal((await obtainCached(PARTS, mint, opts)).fromCache, true);
    });
    it("replaces an empty directory at the entry's name", async () => {
        await fs.mkdir(path.join(dir, `${cacheKey(PARTS)}.json`), { recursive: true });
        await fs.chmod(dir, 0o700);
        assert.equal((await obtainCached(PARTS, mint, opts)).fromCache, false);
        assert.match(logs.join("\n"), /\(it is a directory\); it will be replaced/);
        assert.ok((await fs.lstat(path.join(dir, `${cacheKey(PARTS)}.json`))).isFile());
    });
    it("hands out the new certificate when it cannot be stored, saying so", async () => {
        await fs.mkdir(path.join(dir, `${cacheKey(PARTS)}.json`, "x"), { recursive: true });
        await fs.chmod(dir, 0o700);
        const got = await obtainCached(PARTS, mint, opts);
        assert.equal(got.fromCache, false);
        assert.equal(got.state.serialNumber, minted[0]?.serialNumber);
        assert.match(logs.join("\n"), /the new certificate is not cached: cannot write .*\.json \(EISDIR\)/);
    });
    it("refuses a cache directory of another user or writable by others, without changing it", async () => {
        await fs.mkdir(dir, { recursive: true, mode: 0o700 });
        const uid = process.getuid?.() ?? 0;
        await assert.rejects(preparePrivateCacheDir(dir, uid + 1), { name: "UnsafeDirectoryError", message: `the cache directory ${dir} belongs to uid ${uid}, not to you (uid ${uid + 1}): remove it (as its owner) or set XDG_CACHE_HOME to a private directory of yours` });
        await fs.chmod(dir, 0o777);
        await assert.rejects(obtainCached(PARTS, mint, opts), { name: "UnsafeDirectoryError", message: new RegExp(`^the cache directory ${dir} has mode 0777, writable by group or others: run chmod 700 ${dir} `) });
        assert.equal((await fs.stat(dir)).mode & 0o777, 0o777);
        assert.equal(minted.length, 0);
    });
    it("mints once for many concurrent callers", async () => {
        const slowMint = async (): Promise<ClusterCertState> => {
            const s = await mint();
            await new Promise((r) => setTimeout(r, 100));
            return s;
        };
        const all = await Promise.all(Array.from({ length: 12 }, () => obtainCached(PARTS, slowMint, opts)));
        assert.equal(minted.length, 1);
        assert.deepEqual(new Set(all.map((a) => a.state.serialNumber)), new Set([minted[0]?.serialNumber]));
        assert.equal(all.filter((a) => !a.fromCache).length, 1);
        assert.deepEqual((await fs.readdir(dir)).filter((f) => !f.endsWith(".json")), [], "no lock or temp file is left");
    });
    it("mints anew with refresh (a revoked certificate) and stores the replacement", async () => {
        await obtainCached(PARTS, mint, opts);
        const refreshed = await obtainCached(PARTS, mint, { ...opts, refresh: true });
        assert.deepEqual([refreshed.fromCache, refreshed.state.serialNumber], [false, minted[1]?.serialNumber]);
        assert.equal((await obtainCached(PARTS, mint, opts)).state.serialNumber, minted[1]?.serialNumber);
    });
    it("does not store a failed mint and lets the next caller try", async () => {
        await assert.rejects(obtainCached(PARTS, async () => { throw new Error("boom"); }, opts), /boom/);
        const got = await obtainCached(PARTS, mint, opts);
        assert.equal(got.state.serialNumber, minted[0]?.serialNumber);
    });
    it("stores atomically (no partial file is ever visible)", async () => {
        const states = await Promise.all(Array.from({ length: 5 }, () => realState(now, DAY)));
        await storeCached(PARTS, states[0] as ClusterCertState, opts);
        const file = path.join(dir, `${cacheKey(PARTS)}.json`);
        const writes = Promise.all(Array.from({ length: 20 }, (_, i) => storeCached(PARTS, states[i % 5] as ClusterCertState, opts)));
        for (let i = 0; i < 50; i++) assert.equal(checkEntry(await fs.readFile(file, "utf8"), PARTS).ok, true);
        await writes;
        assert.deepEqual((await fs.readdir(dir)).filter((f) => f.endsWith(".tmp")), []);
    });
});

describe("lock file: pure parts", () => {
    const me = { pid: 100, host: "h", startTime: "500", bootId: "b1" };
    const info: LockInfo = { ...me, token: "t", createdAt: "2025-01-01T00:00:00.000Z" };
    const alive = { runs: true, startTime: "500" };
    it("parses only what this program writes", () => {
        assert.deepEqual(parseLockInfo(JSON.stringify(info)), info);
        for (const text of ["", "garbage", "null", "{}", JSON.stringify({ ...info, pid: 0 }), JSON.stringify({ ...info, pid: "1" }), JSON.stringify({ ...info, token: "" }), JSON.stringify({ ...info, host: "a\nb" }), JSON.stringify({ ...info, host: "" }), JSON.stringify({ ...info, createdAt: "x" }), JSON.stringify({ ...info, startTime: "12a" })]) {
            assert.equal(parseLockInfo(text), undefined, text);
        }
    });
    it("judges by age, boot, pid and start time", () => {
        assert.deepEqual(judgeLock(info, me, alive, 1000, 120_000), { stale: false, holder: "process 100 on h" });
        assert.deepEqual(judgeLock(info, me, alive, 121_000, 120_000), { stale: true, reason: "it is 121 s old (the limit is 120 s)" });
        assert.deepEqual(judgeLock(info, { ...me, bootId: "b2" }, alive, 1000, 120_000), { stale: true, reason: "it was taken before the last reboot" });
        assert.deepEqual(judgeLock(info, me, { runs: false, startTime: null }, 1000, 120_000), { stale: true, reason: "its process 100 no longer runs" });
        assert.deepEqual(judgeLock(info, me, { runs: true, startTime: "501" }, 1000, 120_000), { stale: true, reason: "pid 100 is another process (another start time)" });
        const { startTime: _s, ...noStart } = info;
        assert.deepEqual(judgeLock(noStart, me, alive, 1000, 120_000), { stale: true, reason: "pid 100 is another process (the lock records no start time)" });
        assert.deepEqual(judgeLock(noStart, me, { runs: true, startTime: undefined }, 1000, 120_000), { stale: false, holder: "process 100 on h" }, "without /proc the pid is trusted");
        assert.deepEqual(judgeLock({ ...info, host: "other" }, me, { runs: false, startTime: null }, 1000, 120_000), { stale: false, holder: "process 100 on other" });
    });
    it("reads field 22 of /proc/<pid>/stat after a command name with spaces and parentheses", () => {
        const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
        assert.equal(startTimeFromStat(`42 (a) b) c) ${fields.join(" ")}`), "22");
        assert.equal(startTimeFromStat("garbage"), undefined);
    });
});

describe("lock file", () => {
    let dir: string;
    let logs: string[];
    beforeEach(async () => {
        dir = await tempDir();
        logs = [];
    });
    afterEach(async () => {
        await fs.rm(dir, { recursive: true, force: true });
    });
    const fast = (): { staleMs: number; waitMs: number; pollMs: number; log: (l: string) => void } => ({ staleMs: 60_000, waitMs: 300, pollMs: 10, log: (l) => logs.push(l) });

    it("serializes holders and removes the lock afterwards", async () => {
        const file = path.join(dir, "x.lock");
        let inside = 0;
        let maxInside = 0;
        await Promise.all(
            Array.from({ length: 8 }, () =>
                withLock(file, async () => {
                    maxInside = Math.max(maxInside, ++inside);
                    await new Promise((r) => setTimeout(r, 5));
                    inside--;
                }, { ...fast(), waitMs: 5000 }),
            ),
        );
        assert.equal(maxInside, 1);
        await assert.rejects(fs.stat(file), { code: "ENOENT" });
        assert.deepEqual(await fs.readdir(dir), []);
    });
    it("runs without the lock after waitMs for a live holder, leaving that lock alone (or throws when required)", async () => {
        const file = path.join(dir, "x.lock");
        const held = JSON.stringify({ ...(await currentProcess()), token: "other", createdAt: new Date().toISOString() });
        await fs.writeFile(file, held);
        assert.equal(await withLock(file, async () => "ran", fast()), "ran");
        assert.equal(logs.length, 1);
        assert.match(logs[0] as string, new RegExp(`^proceeding without the lock ${file}: process ${process.pid} on .* still holds it after \\d+ s$`));
        assert.equal(await fs.readFile(file, "utf8"), held, "someone else's lock is left alone");
        await assert.rejects(withLock(file, async () => 1, { ...fast(), required: true }), LockTimeoutError);
    });
    it("takes over the lock of a dead process on this host", async () => {
        const child = spawn(process.execPath, ["-e", "0"]);
        const deadPid = await new Promise<number>((resolve) => child.on("exit", () => resolve(child.pid as number)));
        const file = path.join(dir, "x.lock");
        await fs.writeFile(file, JSON.stringify({ pid: deadPid, host: hostname(), token: "dead", createdAt: new Date().toISOString() }));
        assert.equal(await withLock(file, async () => "got it", fast()), "got it");
        assert.deepEqual(logs, [`taking over the lock ${file}: its process ${deadPid} no longer runs`]);
    });
    it("takes over an empty lock at once, and one older than staleMs", async () => {
        const file = path.join(dir, "x.lock");
        await fs.writeFile(file, "");
        assert.equal(await withLock(file, async () => "got it", { ...fast(), waitMs: 0 }), "got it");
        const old = new Date(Date.now() - 120_000);
        await fs.writeFile(file, JSON.stringify({ ...(await currentProcess()), token: "old", createdAt: old.toISOString() }));
        assert.equal(await withLock(file, async () => "got it", { ...fast(), waitMs: 0 }), "got it");
        assert.equal(logs.length, 2);
        assert.equal(logs[0], `taking over the lock ${file}: it is empty`);
        assert.match(logs[1] as string, /: it is 1[12]\d s old \(the limit is 60 s\)$/);
    });
});
