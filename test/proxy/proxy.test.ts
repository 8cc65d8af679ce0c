/**
 * A CI runner behind a proxy: the real dynamic-provider host, started with `HTTPS_PROXY` in its
 * environment (as `pulumi up` passes its own environment to the plugin), reaches the CCE emulator
 * through a local CONNECT proxy; `NO_PROXY` sends matching hosts around it. Credentials come from
 * the environment as a CI secret store provides them: `HW_ACCESS_KEY`/`HW_SECRET_KEY`, and the
 * temporary form with `HW_SECURITY_TOKEN`.
 */
import assert from "node:assert/strict";
import { CceEmulator } from "../emulator";
import { DOCUMENTED_SECRET_OUTPUTS, registered, up } from "../harness/clustercert";
import { Engine, type ResourceState } from "../harness/engine";
import { ProviderError } from "../harness/host";
import { makeProgramDir, type ProgramDir } from "../harness/program";
import type { PropertyMap } from "../harness/properties";
import { ConnectProxy } from "./connect-proxy";

const PROJECT_ID = "4e6f8a0b2c4d4e6f8a0b2c4d6e8f0a1b";
const CLUSTER_ID = "9a8b7c6d-5e4f-11ef-a1b2-0255ac100020";
const LONG_TERM = { accessKey: "PROXYTESTACCESSKEY01", secretKey: "ProxyTestSecretKey0123456789abcdefghijkl" };
const TEMPORARY = {
    accessKey: "PROXYTESTTEMPORARY01",
    secretKey: "ProxyTestTemporarySecret0123456789abcdef",
    securityToken: "gQpjbi1ub3J0aC00Temporary-Security-Token-for-the-proxy-test",
};
const PROXY_AUTH = { user: "ci-runner", password: "pr0xy p@ss/word" };

describe("behind an HTTPS proxy (CI runner)", function () {
    this.timeout(60_000);

    let emulator: CceEmulator;
    let program: ProgramDir;
    const proxies: ConnectProxy[] = [];
    const engines: Engine[] = [];

    before(async () => {
        [emulator, program] = await Promise.all([
            CceEmulator.start({
                keyType: "ec",
                credentials: [
                    { ...LONG_TERM, userId: "1b2c3d4e5f60718293a4b5c6d7e8f901" },
                    { ...TEMPORARY, userId: "2c3d4e5f60718293a4b5c6d7e8f90112" },
                ],
                projects: [{ id: PROJECT_ID, name: "eu-west-0" }],
                clusters: [{ id: CLUSTER_ID, projectId: PROJECT_ID }],
            }),
            makeProgramDir({ name: "proxy-program" }),
        ]);
    });

    after(async () => {
        await Promise.all(engines.map((e) => e.stop()));
        await Promise.all(proxies.map((p) => p.stop()));
        await emulator?.stop();
        await program?.cleanup();
    });

    beforeEach(() => emulator.reset());

    const startProxy = async (auth?: { user: string; password: string }): Promise<ConnectProxy> => {
        const p = await ConnectProxy.start(auth ? { auth } : {});
        proxies.push(p);
        return p;
    };

    /** A host whose whole environment is what a CI job would give `pulumi up`. */
    const startEngine = async (env: Record<string, string>): Promise<Engine> => {
        const engine = await Engine.start({
            cwd: program.dir,
            env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_EXTRA_CA_CERTS: emulator.caFile, ...env },
            config: { "huaweicloud:region": "eu-west-0" },
        });
        engines.push(engine);
        return engine;
    };

    /** What a program registers; no projectId: it is discovered through IAM (a second request). */
    const inputs = (name: string): Promise<PropertyMap> =>
        registered({ clusterId: CLUSTER_ID, region: "eu-west-0", endpoint: emulator.url, iamEndpoint: emulator.url, duration: 30, revokeOnDelete: true }, name);

    const create = async (engine: Engine, name: string): Promise<ResourceState> => {
        const { op, state } = await up(engine, undefined, await inputs(name), name);
        assert.equal(op, "create");
        assert.equal(state.outputs.projectId, PROJECT_ID);
        for (const k of DOCUMENTED_SECRET_OUTPUTS) assert.ok(state.secretOutputs.has(k), `${k} is stored as a secret`);
        return state;
    };

    const emulatorPort = (): number => Number(new URL(emulator.url).port);

    it("create and delete go through the proxy named by HTTPS_PROXY (CONNECT tunnels to the endpoint)", async () => {
        const proxy = await startProxy();
        const engine = await startEngine({ ...longTermEnv(), HTTPS_PROXY: proxy.url() });
        const state = await create(engine, "via-proxy");
        assert.ok(proxy.opened.length > 0, "no tunnel was opened: the proxy was bypassed");
        for (const t of proxy.tunnels) assert.equal(t.target, `127.0.0.1:${emulatorPort()}`);
        assert.deepEqual(proxy.plainRequests, []);
        assert.equal(emulator.calls.count({ route: "iam-projects" }), 1);
        assert.equal(emulator.calls.count({ route: "clustercert", method: "POST" }), 1);
        assert.equal(emulator.calls.filter({ route: "clustercert" })[0]?.accessKey, LONG_TERM.accessKey);

        // The delete (revokeOnDelete) goes through the proxy too: a new tunnel, or the kept-alive one carries it.
        const bytesBefore = proxy.bytesUp;
        await engine.destroy(state);
        assert.equal(emulator.calls.count({ route: "clustercertrevoke" }), 1);
        assert.ok(proxy.bytesUp > bytesBefore, "the revoke request did not go through the proxy");
        assert.equal(proxy.tunnels.filter((t) => t.status !== 200).length, 0);
    });

    it("temporary credentials (HW_SECURITY_TOKEN) and lowercase https_proxy with user:password work", async () => {
        const proxy = await startProxy(PROXY_AUTH);
        const engine = await startEngine({
            HW_ACCESS_KEY: TEMPORARY.accessKey,
            HW_SECRET_KEY: TEMPORARY.secretKey,
            HW_SECURITY_TOKEN: TEMPORARY.securityToken,
            https_proxy: proxy.url(PROXY_AUTH),
        });
        const state = await create(engine, "temporary");
        assert.ok(proxy.opened.length > 0, "no tunnel was opened");
        const expected = `Basic ${Buffer.from(`${PROXY_AUTH.user}:${PROXY_AUTH.password}`).toString("base64")}`;
        for (const t of proxy.tunnels) assert.equal(t.authorization, expected);
        const post = emulator.calls.filter({ route: "clustercert", method: "POST" });
        assert.equal(post.length, 1);
        assert.equal(post[0]!.accessKey, TEMPORARY.accessKey);
        assert.ok(post[0]!.authenticated && post[0]!.status < 300, `clustercert answered ${post[0]!.status}`);
        const stored = JSON.stringify({ inputs: state.inputs, outputs: state.outputs });
        for (const secret of [TEMPORARY.secretKey, TEMPORARY.securityToken, PROXY_AUTH.password, encodeURIComponent(PROXY_AUTH.password)]) {
            assert.ok(!stored.includes(secret), "a credential was stored in state");
            assert.ok(!engine.host.logs().join("\n").includes(secret), "a credential was printed by the host");
        }
    });

    for (const noProxy of ["127.0.0.1", "localhost,127.0.0.1", "PORT", "*"]) {
        it(`NO_PROXY=${noProxy === "PORT" ? "127.0.0.1:<endpoint port>" : noProxy} sends the endpoint around the proxy`, async () => {
            const proxy = await startProxy();
            const value = noProxy === "PORT" ? `example.com, 127.0.0.1:${emulatorPort()}` : noProxy;
            const engine = await startEngine({ ...longTermEnv(), HTTPS_PROXY: proxy.url(), NO_PROXY: value });
            await create(engine, `no-proxy-${proxies.length}`);
            assert.equal(proxy.tunnels.length, 0, `the proxy was used: ${JSON.stringify(proxy.tunnels)}`);
            assert.equal(emulator.calls.count({ route: "clustercert", method: "POST" }), 1);
        });
    }

    it("an empty HTTPS_PROXY (an unset CI variable) means no proxy", async () => {
        const proxy = await startProxy();
        const engine = await startEngine({ ...longTermEnv(), HTTPS_PROXY: "", HTTP_PROXY: "", NO_PROXY: "" });
        await create(engine, "empty-proxy");
        assert.equal(proxy.tunnels.length, 0);
        assert.equal(emulator.calls.count({ route: "clustercert", method: "POST" }), 1);
    });

    it("a NO_PROXY that does not match the endpoint (other host, other port) keeps the proxy", async () => {
        const proxy = await startProxy();
        const engine = await startEngine({ ...longTermEnv(), HTTPS_PROXY: proxy.url(), no_proxy: `example.com,.internal,127.0.0.1:${emulatorPort() + 1}` });
        await create(engine, "no-match");
        assert.ok(proxy.opened.length > 0, "the proxy was bypassed");
    });

    it("a proxy that refuses (407, wrong credentials) fails the create without reaching the endpoint", async () => {
        const proxy = await startProxy(PROXY_AUTH);
        const engine = await startEngine({ ...longTermEnv(), HTTPS_PROXY: proxy.url({ user: PROXY_AUTH.user, password: "wrong" }), HW_MAX_RETRIES: "0" });
        let error: unknown;
        try {
            await create(engine, "refused");
        } catch (e) {
            error = e;
        }
        assert.ok(error instanceof ProviderError, `expected the create to fail, got ${String(error)}`);
        assert.ok(proxy.tunnels.length > 0 && proxy.tunnels.every((t) => t.status === 407));
        assert.equal(emulator.calls.count(), 0, "a request reached the endpoint");
        assert.ok(!error.message.includes("wrong") && !error.message.includes(PROXY_AUTH.password), "the error shows the proxy password");
        assert.match(error.message, /the proxy refused the tunnel with HTTP 407/);
        console.log(`      error shown to the user: ${error.message.split("\n")[0]}`);
    });
});

function longTermEnv(): Record<string, string> {
    return { HW_ACCESS_KEY: LONG_TERM.accessKey, HW_SECRET_KEY: LONG_TERM.secretKey };
}
