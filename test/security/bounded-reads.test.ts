/**
 * Security, class 3 — bounded reads. Every response body is read up to MAX_RESPONSE_BYTES (1 MiB,
 * about 100 times a clustercert answer), enforced while reading; a larger or endless body is cut
 * off, a compressed one is refused (nothing is inflated), JSON nested deeper than MAX_JSON_DEPTH is a
 * clean error. Provider cases through the REAL dynamic-provider host; `sent.bytes` of a flood fault
 * is what the server managed to write before the client hung up.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { MAX_RESPONSE_BYTES } from "../../provider/huaweicloud/http";
import { MAX_JSON_DEPTH } from "../../provider/util/json";
import { faults, type CceEmulator } from "../emulator";
import type { Engine } from "../harness/engine";
import { cliEnv, runCli } from "../cli/run-cli";
import { AK, CLUSTER, PROJECT, SK, assertOneSafeLine, attempt, certCalls, defaultArgs, failure, startEmulator, startEngine, waitForLines } from "./support";

const MiB = 1024 * 1024;
const JSON_TYPE = { "Content-Type": "application/json;charset=UTF-8" };
/** A client that stops reading at the cap lets the server write at most the cap plus what the socket buffers hold. */
const WRITTEN_BOUND = 16 * MiB;

function kubeconfigLike(): string {
    return JSON.stringify({ kind: "Config", apiVersion: "v1", preferences: {}, clusters: [], users: [], contexts: [], "current-context": "internal" });
}

describe("security 3: bounded reads — size cap while reading, no inflation, bounded nesting", function () {
    this.timeout(180_000);
    let emu: CceEmulator;
    let engine: Engine;
    const work = mkdtempSync(path.join(tmpdir(), "cce-sec-reads-"));
    const PASSWORD_USER = { domain: "sec-domain", name: "sec-user", password: "SecPassword-0123456789" };

    before(async () => {
        emu = await startEmulator({ passwordUsers: [PASSWORD_USER] });
        engine = await startEngine(emu, { HW_ACCESS_KEY: AK, HW_SECRET_KEY: SK });
    });
    after(async () => {
        await engine?.stop();
        await emu?.stop();
        rmSync(work, { recursive: true, force: true });
    });
    afterEach(() => emu.clearFaults());

    it("the cap is 1 MiB and the nesting bound 32 levels (named in the README)", () => {
        assert.equal(MAX_RESPONSE_BYTES, MiB);
        assert.equal(MAX_JSON_DEPTH, 32);
    });

    it("refuses a 200 answer that announces 50 MB, without reading it", async () => {
        const flood = faults.flood(200, { ...JSON_TYPE, "Content-Length": String(50 * MiB) }, {}, { route: "clustercert" });
        emu.inject(flood);
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.match(failure(o), /^CCE clustercert: the API answered 200 but the answer announces 52428800 bytes, more than the 1048576-byte limit \(request id [0-9a-f-]{36}\)\./);
        assert.equal(certCalls(o), 1);
        assert.ok(flood.sent.bytes < WRITTEN_BOUND, `the server wrote ${flood.sent.bytes} bytes`);
    });

    it("cuts an endless 200 body off at the cap", async () => {
        const flood = faults.flood(200, JSON_TYPE, {}, { route: "clustercert" });
        emu.inject(flood);
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.match(failure(o), /^CCE clustercert: the API answered 200 but the answer is larger than the 1048576-byte limit/);
        assert.ok(flood.sent.bytes > MiB && flood.sent.bytes < WRITTEN_BOUND, `the server wrote ${flood.sent.bytes} bytes`);
    });

    it("cuts an endless error body off and reports the status", async () => {
        emu.inject(faults.flood(500, { "Content-Type": "text/html" }, {}, { route: "clustercert" }));
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.match(failure(o), /^CCE clustercert failed: 500 \(the answer is larger than the 1048576-byte limit\) \(request id [0-9a-f-]{36}\)\. The service failed/);
    });

    it("retries an oversized 503 like any 503, each attempt bounded", async () => {
        const flood = faults.flood(503, { "Content-Type": "text/plain" }, {}, { route: "clustercert", times: 2 });
        emu.inject(flood);
        const o = await attempt(engine, emu, defaultArgs(emu, { maxRetries: 1 }));
        assert.match(failure(o), /failed: 503 \(the answer is larger than the 1048576-byte limit\) .*after 2 attempts/);
        assert.equal(certCalls(o), 2);
        assert.ok(flood.sent.bytes < 2 * WRITTEN_BOUND, `the server wrote ${flood.sent.bytes} bytes`);
    });

    it("refuses a gzip-compressed answer (it asks for none and inflates nothing)", async () => {
        emu.inject(faults.respond(200, gzipSync(kubeconfigLike()), { ...JSON_TYPE, "Content-Encoding": "gzip" }, { route: "clustercert" }));
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.match(failure(o), /the API answered 200 but the answer is compressed \(Content-Encoding gzip\), which this client does not accept/);
    });

    it("refuses a gzip bomb (10 KB inflating to 100 MB) without inflating it", async () => {
        const bomb = gzipSync(Buffer.alloc(100 * MiB, 0x20), { level: 9 });
        assert.ok(bomb.length < 200_000);
        emu.inject(faults.respond(200, bomb, { ...JSON_TYPE, "Content-Encoding": "gzip" }, { route: "clustercert" }));
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.match(failure(o), /the answer is compressed \(Content-Encoding gzip\)/);
        const peak = engine.host.memoryUsage()?.peakRssBytes;
        if (peak !== undefined) assert.ok(peak < 400 * MiB, `the host's peak RSS is ${peak} bytes: it did not inflate 100 MB`);
    });

    it("refuses a compressed error answer, naming the status", async () => {
        emu.inject(faults.respond(400, Buffer.from([0x1b, 0x2c, 0, 0]), { ...JSON_TYPE, "Content-Encoding": "br" }, { route: "clustercert" }));
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.match(failure(o), /^CCE clustercert failed: 400 \(the answer is compressed \(Content-Encoding br\), which this client does not accept\)/);
    });

    it("refuses an answer nested 100,000 levels deep with a clean error", async () => {
        const deep = `{"kind":"Config","clusters":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
        emu.inject(faults.respond(200, deep, JSON_TYPE, { route: "clustercert" }));
        const o = await attempt(engine, emu, defaultArgs(emu));
        const message = failure(o);
        assert.match(message, /^CCE clustercert: the API answered 200 but the body is nested deeper than 32 levels \(request id/);
        assertOneSafeLine(message, "the error");
    });

    it("reports a deeply nested error body as a body, not a crash", async () => {
        emu.inject(faults.respond(400, `{"error":${"[".repeat(50_000)}${"]".repeat(50_000)}}`, JSON_TYPE, { route: "clustercert" }));
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.match(failure(o), /^CCE clustercert failed: 400 \(a application\/json body of 100010 bytes\)/);
    });

    it("cuts off an endless IAM token answer (password login)", async () => {
        const host = await startEngine(emu, { HW_USER_NAME: PASSWORD_USER.name, HW_USER_PASSWORD: PASSWORD_USER.password, HW_DOMAIN_NAME: PASSWORD_USER.domain });
        try {
            emu.inject(faults.flood(201, JSON_TYPE, {}, { route: "iam-tokens" }));
            const o = await attempt(host, emu, defaultArgs(emu));
            assert.match(failure(o), /^IAM token: the API answered 201 but the answer is larger than the 1048576-byte limit/);
            assert.equal(certCalls(o), 0);
        } finally {
            await host.stop();
        }
    });

    it("accepts an answer just under the cap (the padding is dropped and named)", async () => {
        emu.inject(faults.kubeconfig((kc) => void Object.assign(kc, { padding: "p".repeat(MiB - 64 * 1024) }), { route: "clustercert" }));
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.ok(o.state, o.error?.message);
        assert.equal((await waitForLines(engine, o, (l) => /dropped: padding$/.test(l))).length, 1);
        assert.ok(!(o.state.outputs.kubeconfig as string).includes("ppp"));
    });

    it("refuses the same answer one byte over the cap", async () => {
        emu.inject(
            faults.kubeconfig(
                (kc) => {
                    const base = JSON.stringify({ ...kc, padding: "" }).length;
                    return JSON.stringify({ ...kc, padding: "p".repeat(MiB + 1 - base) });
                },
                { route: "clustercert" },
            ),
        );
        const o = await attempt(engine, emu, defaultArgs(emu));
        assert.match(failure(o), /the answer (announces 1048577 bytes, more than|is larger than) the 1048576-byte limit/);
    });

    describe("CLI (built binary)", () => {
        const env = (extra: Record<string, string> = {}) => cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT.id }, extra);

        it("`get --out-dir` with an endless answer: exit 5, one line, no file written", async () => {
            emu.inject(faults.flood(200, JSON_TYPE, {}, { route: "clustercert" }));
            const out = path.join(work, "flooded");
            const r = await runCli(["get", "--cluster-id", CLUSTER.id, "--endpoint", emu.url, "--out-dir", out], env());
            assert.equal(r.code, 5, r.stderr);
            assert.match(r.stderr, /^cce-clustercert: error: CCE clustercert: the API answered 200 but the answer is larger than the 1048576-byte limit/);
            assert.equal(r.stderr.trimEnd().split("\n").length, 1);
            assert.ok(!existsSync(out) || readdirSync(out).length === 0, "no file written");
        });

        it("`exec-credential` with a 50 MB answer: exit 5, nothing cached", async () => {
            emu.inject(faults.flood(200, { ...JSON_TYPE, "Content-Length": String(50 * MiB) }, {}, { route: "clustercert" }));
            const cache = path.join(work, "xdg");
            const r = await runCli(["exec-credential", "--cluster-id", CLUSTER.id, "--endpoint", emu.url], env({ XDG_CACHE_HOME: cache }));
            assert.equal(r.code, 5, r.stderr);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, /announces 52428800 bytes, more than the 1048576-byte limit/);
            const dir = path.join(cache, "cce-clustercert");
            assert.deepEqual(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")) : [], []);
        });
    });
});
