/**
 * Security, class 2 — one validator for every endpoint and setting, whatever its source. A value
 * from stack config or the environment gets the checks an argument gets: https:// only (plain http
 * only on loopback), no user info, `HW_CLOUD` a plain domain name, regions and ids that cannot
 * change the host or the path. No credential is ever sent in clear text: a refused setting stops
 * the operation before any request. Provider cases run through the REAL dynamic-provider host,
 * one host per environment; CLI cases through the built binary.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { send } from "../../provider/huaweicloud/http";
import type { CceEmulator } from "../emulator";
import { cliEnv, runCli } from "../cli/run-cli";
import { AK, CLUSTER, PROJECT, SK, assertOneSafeLine, attempt, certCalls, defaultArgs, failure, startEmulator, startEngine } from "./support";

const PASSWORD_USER = { domain: "sec-domain", name: "sec-user", password: "SecPassword-0123456789" };
const PASSWORD_ENV = { HW_USER_NAME: PASSWORD_USER.name, HW_USER_PASSWORD: PASSWORD_USER.password, HW_DOMAIN_NAME: PASSWORD_USER.domain };
const AKSK_ENV = { HW_ACCESS_KEY: AK, HW_SECRET_KEY: SK };

interface HostCase {
    name: string;
    env?: Record<string, string>;
    config?: Record<string, string>;
    /** Args keys to leave out (so that the environment or config is used). */
    drop: string[];
    expect: RegExp;
    notInMessage?: string[];
}

const HOST_CASES: HostCase[] = [
    { name: "HW_IAM_ENDPOINT on plain http (password login)", env: { ...PASSWORD_ENV, HW_IAM_ENDPOINT: "http://iam.example.com" }, drop: ["iamEndpoint"], expect: /^HW_IAM_ENDPOINT must use https:\/\/ \(plain http is accepted only for loopback test servers\)$/ },
    { name: "huaweicloud:iamEndpoint on plain http", env: PASSWORD_ENV, config: { "huaweicloud:iamEndpoint": "http://iam.example.com" }, drop: ["iamEndpoint"], expect: /^huaweicloud:iamEndpoint must use https:\/\// },
    { name: "HW_IAM_ENDPOINT with user info", env: { ...PASSWORD_ENV, HW_IAM_ENDPOINT: "https://admin:UrlSecret-987654@iam.example.com" }, drop: ["iamEndpoint"], expect: /^HW_IAM_ENDPOINT must not contain user info \(user:password@\)$/, notInMessage: ["UrlSecret-987654", "admin"] },
    { name: "HW_IAM_ENDPOINT with a tab", env: { ...AKSK_ENV, HW_IAM_ENDPOINT: "https://iam.example.com/\tx" }, drop: ["iamEndpoint"], expect: /^HW_IAM_ENDPOINT must not contain white space or control characters$/ },
    { name: "HW_CLOUD with user info (x@host)", env: { ...AKSK_ENV, HW_CLOUD: "x@127.0.0.1" }, drop: ["endpoint", "iamEndpoint"], expect: /^HW_CLOUD "x@127\.0\.0\.1" must be a plain domain name such as myhuaweicloud\.com or otc\.t-systems\.com$/ },
    { name: "huaweicloud:cloud with a path", env: AKSK_ENV, config: { "huaweicloud:cloud": "evil.example/#" }, drop: ["endpoint"], expect: /^huaweicloud:cloud "evil\.example\/#" must be a plain domain name/ },
    { name: "HW_REGION_NAME that is a host name", env: { ...AKSK_ENV, HW_REGION_NAME: "eu-west-0.evil.example" }, drop: [], expect: /^HW_REGION_NAME "eu-west-0\.evil\.example" is not a region name like eu-west-0 or cn-north-4$/ },
    { name: "huaweicloud:region with a path", env: AKSK_ENV, config: { "huaweicloud:region": "x/../y" }, drop: [], expect: /^huaweicloud:region "x\/\.\.\/y" is not a region name/ },
    { name: "HW_PROJECT_ID with a path", env: { ...AKSK_ENV, HW_PROJECT_ID: "../../v3/x" }, drop: ["projectId"], expect: /^HW_PROJECT_ID "\.\.\/\.\.\/v3\/x" is not a valid id/ },
    { name: "HW_MAX_RETRIES not a number", env: { ...AKSK_ENV, HW_MAX_RETRIES: "lots" }, drop: ["maxRetries"], expect: /^HW_MAX_RETRIES "lots" must be a whole number from 0 to 20$/ },
    { name: "huaweicloud:maxRetries too large", env: AKSK_ENV, config: { "huaweicloud:maxRetries": "99" }, drop: ["maxRetries"], expect: /^huaweicloud:maxRetries "99" must be a whole number from 0 to 20$/ },
];

describe("security 2: every endpoint and setting is validated whatever its source", function () {
    this.timeout(180_000);
    let emu: CceEmulator;
    const work = mkdtempSync(path.join(tmpdir(), "cce-sec-endpoints-"));

    before(async () => {
        emu = await startEmulator({ passwordUsers: [PASSWORD_USER] });
    });
    after(async () => {
        await emu?.stop();
        rmSync(work, { recursive: true, force: true });
    });

    describe("provider (one real host per environment)", () => {
        for (const c of HOST_CASES) {
            it(`refuses ${c.name} before any request`, async () => {
                const engine = await startEngine(emu, c.env ?? {}, c.config ?? {});
                try {
                    const args = defaultArgs(emu);
                    for (const k of c.drop) delete args[k];
                    const o = await attempt(engine, emu, args);
                    const message = failure(o);
                    assert.match(message, c.expect);
                    assertOneSafeLine(message, "the error");
                    for (const t of c.notInMessage ?? []) assert.ok(!message.includes(t), `the error repeats ${t}`);
                    assert.equal(o.calls.length, 0, `no request at all, got ${o.calls.map((r) => r.route).join(", ")}`);
                } finally {
                    await engine.stop();
                }
            });
        }

        it("accepts HW_IAM_ENDPOINT on https (the emulator) for a password login", async () => {
            const engine = await startEngine(emu, { ...PASSWORD_ENV, HW_IAM_ENDPOINT: emu.url });
            try {
                const args = defaultArgs(emu);
                delete args.iamEndpoint;
                const o = await attempt(engine, emu, args);
                assert.ok(o.state, o.error?.message);
                assert.equal(certCalls(o), 1);
                assert.equal(o.calls.filter((r) => r.route === "iam-tokens").length, 1);
            } finally {
                await engine.stop();
            }
        });
    });

    describe("CLI (built binary)", () => {
        const env = (extra: Record<string, string> = {}) => cliEnv(work, emu.caFile, { ak: AK, sk: SK, projectId: PROJECT.id }, extra);
        const get = (args: string[], extra: Record<string, string> = {}) => runCli(["get", "--cluster-id", CLUSTER.id, ...args], env(extra));
        const execKubeconfig = (server: string) => runCli(["kubeconfig", "--exec", "--cluster-id", CLUSTER.id, "--endpoint", emu.url, "--server", server], env());

        const cases: { name: string; run: () => ReturnType<typeof runCli>; expect: RegExp; notIn?: string }[] = [
            { name: "HW_IAM_ENDPOINT on plain http", run: () => get(["--endpoint", emu.url], { HW_IAM_ENDPOINT: "http://iam.example.com" }), expect: /^cce-clustercert: error: HW_IAM_ENDPOINT must use https:\/\// },
            { name: "--endpoint on plain http", run: () => get(["--endpoint", "http://cce.example.com"]), expect: /^cce-clustercert: error: --endpoint: endpoint must use https:\/\// },
            { name: "--iam-endpoint with user info", run: () => get(["--endpoint", emu.url, "--iam-endpoint", "https://u:CliUrlSecret-1234@iam.example.com"]), expect: /--iam-endpoint: iamEndpoint must not contain user info/, notIn: "CliUrlSecret-1234" },
            { name: "HW_CLOUD with user info", run: () => get(["--region", "eu-west-0"], { HW_CLOUD: "x@127.0.0.1" }), expect: /error: HW_CLOUD "x@127\.0\.0\.1" must be a plain domain name/ },
            { name: "HW_REGION_NAME that is a host name", run: () => get(["--endpoint", emu.url], { HW_REGION_NAME: "eu-west-0.evil.example" }), expect: /error: HW_REGION_NAME "eu-west-0\.evil\.example" is not a region name/ },
            { name: "--server on plain http", run: () => execKubeconfig("http://203.0.113.1:5443"), expect: /error: --server must use https:\/\// },
            { name: "--server with user info", run: () => execKubeconfig("https://u:ServerSecret-42@203.0.113.1:5443"), expect: /error: --server must not contain user info/, notIn: "ServerSecret-42" },
            { name: "--server with a space", run: () => execKubeconfig("https://203.0.113.1:5443/a b"), expect: /error: --server must not contain white space or control characters/ },
            { name: "exec-credential with HW_IAM_ENDPOINT on plain http", run: () => runCli(["exec-credential", "--cluster-id", CLUSTER.id, "--endpoint", emu.url], env({ HW_IAM_ENDPOINT: "http://iam.example.com", XDG_CACHE_HOME: path.join(work, "cache") })), expect: /error: HW_IAM_ENDPOINT must use https:\/\// },
        ];
        for (const c of cases) {
            it(`refuses ${c.name}: exit 2, one line, no request`, async () => {
                const before = emu.calls.entries.length;
                const r = await c.run();
                assert.equal(r.code, 2, r.stderr);
                assert.equal(r.stdout, "");
                const lines = r.stderr.trimEnd().split("\n");
                assert.match(lines[0]!, c.expect);
                assert.deepEqual(lines.slice(1), ["cce-clustercert: see --help"]);
                if (c.notIn) assert.ok(!r.stderr.includes(c.notIn), "the secret in the URL is not repeated");
                assert.equal(emu.calls.entries.length, before, "no request");
            });
        }
    });

    describe("the HTTP client itself", () => {
        it("refuses plain http to a host that is not loopback before connecting", async () => {
            await assert.rejects(
                send({ method: "POST", url: "http://10.9.8.7:8080/v3/auth/tokens", headers: { "X-Auth-Token": "t0ken-never-sent" }, body: "{}", timeoutMs: 60_000 }, {}),
                /^Error: refusing to send a request to http:\/\/10\.9\.8\.7:8080: only https:\/\/ \(or http:\/\/ on loopback\) is used$/,
            );
        });
        it("sends plain http to loopback (test servers)", async () => {
            let seen = 0;
            const server = createServer((_req, res) => {
                seen++;
                res.end("ok");
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            try {
                const res = await send({ method: "GET", url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, headers: {}, timeoutMs: 10_000 }, {});
                assert.equal(res.body, "ok");
                assert.equal(seen, 1);
            } finally {
                server.close();
            }
        });
    });
});
