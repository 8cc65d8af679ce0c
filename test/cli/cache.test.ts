import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { cacheDir, isFresh, obtainCached, parseEntry, renewalMarginMs, RENEWAL_MARGIN_MAX_MS, storeCached, type CertCacheOptions } from "../../provider/cli/cache";
import { cacheKey, identityOf, type CacheKeyParts } from "../../provider/cli/cache-key";
import { LockTimeoutError, withLock } from "../../provider/cli/lock";
import type { ClusterCertState } from "../../provider/types";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function fakeState(issuedAt: Date, lifetimeMs: number, serial: string): ClusterCertState {
    return {
        clusterId: "c-1", projectId: "p1", region: "eu-west-0", endpoint: "https://cce.example", renewBeforeDays: 30, legacyApi: false, revokeOnDelete: false,
        kubeconfig: "kind: Config\n", clientCertificate: `CERT ${serial}`, clientKey: `KEY ${serial}`, server: "https://10.0.0.1:5443", endpoints: {},
        currentContext: "internal", insecureSkipTlsVerify: false, userId: "u1", fingerprint: "AA", serialNumber: serial,
        issuedAt: issuedAt.toISOString(), expiresAt: new Date(issuedAt.getTime() + lifetimeMs).toISOString(), apiCall: "POST",
    };
}

const PARTS: CacheKeyParts = { endpoint: "https://cce.example", projectId: "p1", clusterId: "c-1", identity: "ak:AK1" };

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
    it("is min(10 minutes, 20 % of the lifetime)", () => {
        const t0 = new Date("2025-01-01T00:00:00Z");
        assert.equal(renewalMarginMs(t0, new Date(t0.getTime() + DAY)), RENEWAL_MARGIN_MAX_MS);
        assert.equal(renewalMarginMs(t0, new Date(t0.getTime() + 20 * 60_000)), 4 * 60_000);
        const state = fakeState(t0, DAY, "1");
        assert.equal(isFresh(state, new Date(t0.getTime() + DAY - 11 * 60_000)), true);
        assert.equal(isFresh(state, new Date(t0.getTime() + DAY - 10 * 60_000)), false);
        assert.equal(isFresh({ issuedAt: "x", expiresAt: "y" }, t0), false);
    });
});

describe("certificate cache", () => {
    let dir: string;
    let now: Date;
    let opts: CertCacheOptions;
    let logs: string[];
    beforeEach(async () => {
        dir = path.join(await tempDir(), "cce-clustercert");
        now = new Date("2025-01-01T00:00:00Z");
        logs = [];
        opts = { dir, now: () => now, log: (l) => logs.push(l), lock: { staleMs: 60_000, waitMs: 5_000, pollMs: 10 } };
    });
    afterEach(async () => {
        await fs.rm(path.dirname(dir), { recursive: true, force: true });
    });

    it("mints once, then serves from the cache until the renewal margin", async () => {
        let minted = 0;
        const mint = async () => fakeState(now, DAY, String(++minted));
        const first = await obtainCached(PARTS, mint, opts);
        assert.deepEqual([first.fromCache, first.state.serialNumber], [false, "1"]);
        now = new Date(now.getTime() + 12 * HOUR);
        const second = await obtainCached(PARTS, mint, opts);
        assert.deepEqual([second.fromCache, second.state.serialNumber], [true, "1"]);
        now = new Date(Date.parse(first.state.expiresAt) - 5 * 60_000);
        const third = await obtainCached(PARTS, mint, opts);
        assert.deepEqual([third.fromCache, third.state.serialNumber], [false, "2"]);
        assert.equal(minted, 2);
    });
    it("keeps files 0600 in a 0700 directory, with no credential in them", async () => {
        await obtainCached({ ...PARTS, identity: "ak:AKVISIBLE" }, async () => fakeState(now, DAY, "1"), opts);
        assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
        const files = await fs.readdir(dir);
        assert.equal(files.length, 1);
        assert.match(files[0] as string, /^[0-9a-f]{64}\.json$/);
        const file = path.join(dir, files[0] as string);
        assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
        assert.ok(!(await fs.readFile(file, "utf8")).includes("AKVISIBLE"));
    });
    it("also stores a certificate under the discovered project id", async () => {
        const { projectId: _p, ...byRegion } = PARTS;
        const parts = { ...byRegion, region: "eu-west-0" };
        let minted = 0;
        await obtainCached(parts, async () => fakeState(now, DAY, String(++minted)), opts);
        const again = await obtainCached(PARTS, async () => fakeState(now, DAY, String(++minted)), opts);
        assert.equal(again.fromCache, true);
        assert.equal((await fs.readdir(dir)).length, 2);
    });
    it("replaces an unreadable or foreign cache file", async () => {
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(path.join(dir, `${cacheKey(PARTS)}.json`), "{not json");
        const got = await obtainCached(PARTS, async () => fakeState(now, DAY, "new"), opts);
        assert.equal(got.fromCache, false);
        assert.match(logs.join("\n"), /unreadable cache file/);
        assert.equal(parseEntry(JSON.stringify({ format: 1, savedAt: "", state: fakeState(now, DAY, "x") }), { clusterId: "c-2", endpoint: "https://cce.example" }), undefined);
        assert.equal(parseEntry(JSON.stringify({ format: 99, state: fakeState(now, DAY, "x") }), PARTS), undefined);
        assert.equal(parseEntry(JSON.stringify({ format: 1, state: { ...fakeState(now, DAY, "x"), clientKey: "" } }), PARTS), undefined);
    });
    it("mints once for many concurrent callers", async () => {
        let minted = 0;
        const mint = async () => {
            minted++;
            await new Promise((r) => setTimeout(r, 100));
            return fakeState(now, DAY, String(minted));
        };
        const all = await Promise.all(Array.from({ length: 12 }, () => obtainCached(PARTS, mint, opts)));
        assert.equal(minted, 1);
        assert.deepEqual(new Set(all.map((a) => a.state.serialNumber)), new Set(["1"]));
        assert.equal(all.filter((a) => !a.fromCache).length, 1);
        assert.deepEqual((await fs.readdir(dir)).filter((f) => !f.endsWith(".json")), [], "no lock or temp file is left");
    });
    it("mints anew with refresh (a revoked certificate) and stores the replacement", async () => {
        let minted = 0;
        const mint = async () => fakeState(now, DAY, String(++minted));
        await obtainCached(PARTS, mint, opts);
        const refreshed = await obtainCached(PARTS, mint, { ...opts, refresh: true });
        assert.deepEqual([refreshed.fromCache, refreshed.state.serialNumber], [false, "2"]);
        assert.equal((await obtainCached(PARTS, mint, opts)).state.serialNumber, "2");
    });
    it("does not store a failed mint and lets the next caller try", async () => {
        await assert.rejects(obtainCached(PARTS, async () => { throw new Error("boom"); }, opts), /boom/);
        const got = await obtainCached(PARTS, async () => fakeState(now, DAY, "ok"), opts);
        assert.equal(got.state.serialNumber, "ok");
    });
    it("stores atomically (no partial file is ever visible)", async () => {
        await storeCached(PARTS, fakeState(now, DAY, "a"), opts);
        const file = path.join(dir, `${cacheKey(PARTS)}.json`);
        const writes = Promise.all(Array.from({ length: 20 }, (_, i) => storeCached(PARTS, fakeState(now, DAY, `s${i}`), opts)));
        for (let i = 0; i < 50; i++) assert.ok(parseEntry(await fs.readFile(file, "utf8"), PARTS));
        await writes;
        assert.deepEqual((await fs.readdir(dir)).filter((f) => f.endsWith(".tmp")), []);
    });
});

describe("lock file", () => {
    let dir: string;
    beforeEach(async () => {
        dir = await tempDir();
    });
    afterEach(async () => {
        await fs.rm(dir, { recursive: true, force: true });
    });
    const fast = { staleMs: 60_000, waitMs: 300, pollMs: 10 };

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
                }, { ...fast, waitMs: 5000 }),
            ),
        );
        assert.equal(maxInside, 1);
        await assert.rejects(fs.stat(file), { code: "ENOENT" });
    });
    it("gives up after waitMs for a live holder", async () => {
        const file = path.join(dir, "x.lock");
        await fs.writeFile(file, JSON.stringify({ pid: process.pid, host: hostname(), token: "other", createdAt: "" }));
        await assert.rejects(withLock(file, async () => 1, fast), LockTimeoutError);
        assert.ok(await fs.stat(file), "someone else's lock is left alone");
    });
    it("takes over the lock of a dead process on this host", async () => {
        const child = spawn(process.execPath, ["-e", "0"]);
        const deadPid = await new Promise<number>((resolve) => child.on("exit", () => resolve(child.pid as number)));
        const file = path.join(dir, "x.lock");
        await fs.writeFile(file, JSON.stringify({ pid: deadPid, host: hostname(), token: "dead", createdAt: "" }));
        assert.equal(await withLock(file, async () => "got it", fast), "got it");
    });
    it("takes over a lock older than staleMs", async () => {
        const file = path.join(dir, "x.lock");
        await fs.writeFile(file, "garbage");
        const old = new Date(Date.now() - 120_000);
        await fs.utimes(file, old, old);
        assert.equal(await withLock(file, async () => "got it", fast), "got it");
    });
});
