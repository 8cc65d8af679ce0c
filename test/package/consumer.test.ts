/**
 * The package as a user gets it. `npm pack` this repository (after `npm run build`), install the
 * tarball with `npm install` into a fresh Pulumi program folder that has its own package.json,
 * run the program there under mocks *in its own node process* (so the closure serializer resolves
 * modules where they are installed), then start the real dynamic-provider host of the program's
 * own `@pulumi/pulumi` with the program folder as working directory, as the engine does for
 * `pulumi up`, and create and update a ClusterCert against the CCE emulator. Finally a second
 * program folder at another path (another CI runner) deletes it, with the first folder gone.
 *
 * Nothing here runs the `pulumi` CLI: the engine's part is test/harness/engine.ts.
 */
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CceEmulator } from "../emulator";
import { dynamicResourceType, Engine, type ResourceState } from "../harness/engine";
import { hostScriptFor } from "../harness/host";
import { REPO_ROOT } from "../harness/program";
import { isSecret } from "../harness/properties";
import {
    claimedPulumiVersion,
    installConsumerProgram,
    npmPack,
    PACKAGE_NAME,
    pulumiCopies,
    run,
    runUnderMocks,
    type ConsumerProgram,
    type MockRun,
    type PackResult,
} from "./npm";

const PROJECT = "consumer";
const CLUSTER_TYPE = dynamicResourceType("cce", "ClusterCert");
/** What the README promises as secret outputs (written out: the package's own list is what is tested). */
const SECRET_OUTPUTS = ["kubeconfig", "clientCertificate", "clientKey", "clusterCaCertificate"];
const CREDENTIAL = { accessKey: "CONSUMERTESTACCESSK1", secretKey: "ConsumerTestSecretKey0123456789abcdefghij" };
const PROJECT_ID = "7d1c3e5a9b0f4e2d8c6a4b2e0f1d3c5a";
const CLUSTER_ID = "3f2b6c1e-5d4a-11ef-8b9c-0255ac100010";
/** A second cluster for the installed CLI, so that its certificate does not count against the resource's. */
const CLI_CLUSTER_ID = "3f2b6c1e-5d4a-11ef-8b9c-0255ac100011";

/** Absolute paths that must never appear in what is stored in state. */
function forbiddenPaths(...extra: string[]): string[] {
    return [REPO_ROOT, fs.realpathSync(os.tmpdir()), os.tmpdir(), os.homedir(), process.cwd(), ...extra].filter((p) => p.length > 1);
}

function assertNoPath(text: string, what: string, paths: string[]): void {
    for (const p of paths) assert.ok(!text.includes(p), `${what} contains the absolute path ${p}`);
    assert.doesNotMatch(text, /require\(\s*["'`](\/|[A-Za-z]:\\)/, `${what} requires a module by absolute path`);
}

for (const which of ["lowest", "latest"] as const) describe(`the packed package in a user's program folder, with the ${which} @pulumi/pulumi of the claimed range`, function () {
    this.timeout(300_000);

    let emulator: CceEmulator;
    let packDir: string;
    let pack: PackResult;
    let first: ConsumerProgram;
    let second: ConsumerProgram;
    let pulumiVersion: string;
    let run1: MockRun;
    let providerText: string;
    let state: ResourceState;
    const engines: Engine[] = [];
    const timings: Record<string, number> = {};

    /** Stack config as `pulumi config set` would hold it, for the program (PULUMI_CONFIG) and the host (Configure). */
    const stackConfig = (context: "internal" | "external"): Record<string, string> => ({
        [`${PROJECT}:clusterId`]: CLUSTER_ID,
        [`${PROJECT}:projectId`]: PROJECT_ID,
        [`${PROJECT}:region`]: "eu-west-0",
        [`${PROJECT}:endpoint`]: emulator.url,
        [`${PROJECT}:iamEndpoint`]: emulator.url,
        [`${PROJECT}:duration`]: "30",
        [`${PROJECT}:context`]: context,
        [`${PROJECT}:revokeOnDelete`]: "true",
    });

    /** The host's environment in a CI job: PATH/HOME, credentials from the secret store, the emulator's CA. */
    const hostEnv = (): NodeJS.ProcessEnv => ({
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        HW_ACCESS_KEY: CREDENTIAL.accessKey,
        HW_SECRET_KEY: CREDENTIAL.secretKey,
        NODE_EXTRA_CA_CERTS: emulator.caFile,
    });

    const startEngine = async (program: ConsumerProgram, context: "internal" | "external"): Promise<Engine> => {
        const engine = await Engine.start({
            cwd: program.dir,
            hostScript: hostScriptFor(program.dir),
            env: hostEnv(),
            project: PROJECT,
            config: stackConfig(context),
        });
        engines.push(engine);
        return engine;
    };

    before(async function () {
        const distIndex = path.join(REPO_ROOT, "dist", "provider", "index.js");
        assert.ok(fs.existsSync(distIndex), `${distIndex} is missing: run \`npm run build\` first (npm test does)`);
        pulumiVersion = await claimedPulumiVersion(which);
        packDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "cce-pack-"));
        [emulator, pack] = await Promise.all([
            CceEmulator.start({
                keyType: "ec",
                credentials: [{ ...CREDENTIAL, userId: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" }],
                projects: [{ id: PROJECT_ID, name: "eu-west-0" }],
                clusters: [
                    { id: CLUSTER_ID, projectId: PROJECT_ID, publicIp: true },
                    { id: CLI_CLUSTER_ID, projectId: PROJECT_ID, publicIp: false },
                ],
            }),
            npmPack(packDir),
        ]);
        timings.pack = pack.ms;
        assert.ok(pack.tarball && fs.existsSync(pack.tarball), "npm pack wrote no tarball");
        // Two runners install in parallel (2 cores in CI): the first creates, the second destroys.
        const t0 = Date.now();
        [first, second] = await Promise.all([
            installConsumerProgram(pack.tarball, pulumiVersion, PROJECT),
            installConsumerProgram(pack.tarball, pulumiVersion, PROJECT),
        ]);
        timings.installFirst = first.installMs;
        timings.installSecond = second.installMs;
        timings.installBoth = Date.now() - t0;
    });

    after(async () => {
        await Promise.all(engines.map((e) => e.stop()));
        await Promise.all([first?.cleanup(), second?.cleanup()]);
        await emulator?.stop();
        if (packDir) await fs.promises.rm(packDir, { recursive: true, force: true });
        console.log(`      @pulumi/pulumi ${pulumiVersion}; timings (ms): ${JSON.stringify(timings)}; tarball ${pack?.size} bytes, ${pack?.files.length} files`);
    });

    it("installs a real copy of the package, and the program's single @pulumi/pulumi", async () => {
        for (const program of [first, second]) {
            const installed = path.join(program.dir, "node_modules", PACKAGE_NAME);
            assert.equal(fs.lstatSync(installed).isSymbolicLink(), false, "the package is a link, not an installed copy");
            // Resolved as the host resolves it: from a process whose cwd is the program folder.
            // (Not require.resolve here: inside this repository Node resolves the package name to itself.)
            const r = await run(process.execPath, ["-p", `require.resolve("${PACKAGE_NAME}/runtime")`], { cwd: program.dir });
            const runtime = r.stdout.trim();
            assert.equal(r.code, 0, r.stderr);
            assert.equal(fs.realpathSync(runtime), fs.realpathSync(path.join(installed, "dist", "provider", "pulumi", "runtime.js")));
            assert.ok(hostScriptFor(program.dir).startsWith(path.join(program.dir, "node_modules", "@pulumi", "pulumi") + path.sep));
            assert.ok(!fs.existsSync(path.join(installed, "test")), "the package ships test/");
            assert.deepEqual(pulumiCopies(program.dir), [path.join(program.dir, "node_modules", "@pulumi", "pulumi")], "a second copy of @pulumi/pulumi");
            const pkg = JSON.parse(fs.readFileSync(path.join(program.dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
            assert.ok(pkg.dependencies?.[PACKAGE_NAME]?.endsWith(".tgz"), JSON.stringify(pkg.dependencies));
        }
        assert.notEqual(first.dir, second.dir);
    });

    it("the installed bin runs on this Node: --version, and a real get against the emulator", async () => {
        const bin = path.join(second.dir, "node_modules", ".bin", "cce-clustercert");
        assert.equal(fs.realpathSync(bin), fs.realpathSync(path.join(second.dir, "node_modules", PACKAGE_NAME, "dist", "provider", "cli", "main.js")));
        assert.ok((fs.statSync(bin).mode & 0o111) !== 0, `${bin} is not executable`);
        // The bin starts with `#!/usr/bin/env node`: this Node's directory first on PATH, as a user's shell has it.
        const env = {
            PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
            HOME: second.dir,
            XDG_CACHE_HOME: path.join(second.dir, ".cache"),
            HW_ACCESS_KEY: CREDENTIAL.accessKey,
            HW_SECRET_KEY: CREDENTIAL.secretKey,
            NODE_EXTRA_CA_CERTS: emulator.caFile,
        };
        const which = await run("/usr/bin/env", ["node", "-p", "process.execPath"], { cwd: second.dir, env });
        assert.equal(fs.realpathSync(which.stdout.trim()), fs.realpathSync(process.execPath), "the bin's `env node` is another Node");

        const version = await run(bin, ["--version"], { cwd: second.dir, env });
        assert.equal(version.code, 0, version.stderr);
        const versionOf = (dir: string): string => (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
        assert.equal(version.stdout.trim(), versionOf(path.join(second.dir, "node_modules", PACKAGE_NAME)));
        assert.equal(version.stdout.trim(), versionOf(REPO_ROOT));

        const before = emulator.calls.count({ route: "clustercert" });
        const get = await run(bin, ["get", "--cluster-id", CLI_CLUSTER_ID, "--project-id", PROJECT_ID, "--region", "eu-west-0", "--endpoint", emulator.url, "--iam-endpoint", emulator.url, "--duration", "1", "--format", "json"], { cwd: second.dir, env });
        assert.equal(get.code, 0, get.stderr);
        assert.equal(emulator.calls.count({ route: "clustercert" }), before + 1);
        const out = JSON.parse(get.stdout) as { clusterId?: string; server?: string; clientCertificate?: string; clientKey?: string };
        assert.equal(out.clusterId, CLI_CLUSTER_ID);
        assert.equal(out.server, emulator.cluster(CLI_CLUSTER_ID).internalUrl);
        const cert = new X509Certificate(String(out.clientCertificate));
        assert.ok(cert.checkPrivateKey(createPrivateKey(String(out.clientKey))), "the key does not match the certificate");
        assert.deepEqual(emulator.cluster(CLI_CLUSTER_ID).certificates().map((c) => c.serialNumber), [cert.serialNumber], "not the certificate the emulator minted");
        assert.ok(!get.stderr.includes(CREDENTIAL.secretKey) && !get.stderr.includes("PRIVATE KEY"), get.stderr);
    });

    it("type-checks a TypeScript program against the installed declarations (node16 and node module resolution)", async () => {
        const tsc = require.resolve("typescript/bin/tsc", { paths: [REPO_ROOT] });
        const base = { strict: true, target: "ES2022", noEmit: true, types: [] as string[] };
        const configs: Record<string, object> = {
            // `exports`-aware resolution, every declaration file checked.
            "tsconfig.node16.json": { compilerOptions: { ...base, module: "node16", moduleResolution: "node16", skipLibCheck: false }, files: ["typed.ts"] },
            // The resolution of `pulumi new typescript` projects: "types"/"main", not "exports" (typed.ts guards against `any`).
            "tsconfig.node.json": { compilerOptions: { ...base, module: "commonjs", moduleResolution: "node", skipLibCheck: true }, files: ["typed.ts"] },
        };
        const t0 = Date.now();
        const results = await Promise.all(
            Object.entries(configs).map(async ([file, config]) => {
                await fs.promises.writeFile(path.join(second.dir, file), JSON.stringify(config, null, 2));
                return { file, r: await run(process.execPath, [tsc, "-p", file], { cwd: second.dir, timeoutMs: 120_000 }) };
            }),
        );
        timings.typecheck = Date.now() - t0;
        for (const { file, r } of results) assert.equal(r.code, 0, `tsc -p ${file} failed:\n${r.stdout}${r.stderr}`);
    });

    it("serializes a ClusterCert in the program's own process: a shim requiring the installed runtime, no absolute path", async () => {
        run1 = await runUnderMocks(first.dir, { project: PROJECT, config: stackConfig("internal") });
        timings.serialize = run1.ms;
        assert.equal(run1.pulumiVersion, pulumiVersion);
        assert.equal(run1.registered.length, 1);
        const [r] = run1.registered;
        assert.equal(r.type, CLUSTER_TYPE);
        assert.equal(r.name, "cluster");
        assert.equal(typeof r.inputs.__provider, "string");
        providerText = r.inputs.__provider as string;
        assert.match(providerText, /require\("pulumi-cce-clustercert\/runtime"\)/);
        assert.ok(providerText.length < 8192, `__provider is ${providerText.length} bytes`);
        assertNoPath(providerText, "__provider", forbiddenPaths(first.dir, fs.realpathSync(first.dir)));
        assert.equal(r.inputs.clusterId, CLUSTER_ID);
        assert.equal(r.inputs.revokeOnDelete, true);
        for (const k of SECRET_OUTPUTS) assert.ok(r.additionalSecretOutputs.includes(k), `the installed ClusterCert asks the engine to keep ${k} secret`);
        // A user's closure capturing the package is serialized as a require of an exported path.
        assert.deepEqual(run1.captures, { root: [PACKAGE_NAME], runtime: [`${PACKAGE_NAME}/runtime`] });
    });

    it("a second program folder at another path serializes the identical text", async () => {
        const run2 = await runUnderMocks(second.dir, { project: PROJECT, config: stackConfig("internal") });
        assert.equal(run2.registered[0]?.inputs.__provider, providerText);
    });

    it("creates and updates through the real host of the program's @pulumi/pulumi, cwd = the program folder", async () => {
        const engine = await startEngine(first, "internal");
        assert.equal(engine.host.cwd, first.dir);
        assert.equal((await engine.host.getPluginInfo()).version, pulumiVersion);

        const t0 = Date.now();
        // With the resource options the installed ClusterCert registered, as the engine applies them.
        const created = await engine.up(undefined, run1.registered[0]!.inputs, {
            name: "cluster",
            type: CLUSTER_TYPE,
            additionalSecretOutputs: run1.registered[0]!.additionalSecretOutputs,
        });
        timings.create = Date.now() - t0;
        assert.equal(created.op, "create");
        const s1 = created.state;
        const posts = emulator.calls.filter({ route: "clustercert", method: "POST", clusterId: CLUSTER_ID });
        assert.equal(posts.length, 1, JSON.stringify(emulator.calls.counts()));
        assert.ok(posts[0]!.status < 300 && posts[0]!.authenticated, `POST clustercert answered ${posts[0]!.status}`);
        assert.equal(posts[0]!.accessKey, CREDENTIAL.accessKey, "the host did not use HW_ACCESS_KEY");
        assert.match(s1.id, new RegExp(`^${CLUSTER_ID}:`));
        assert.equal(s1.outputs.currentContext, "internal");
        assert.equal(s1.outputs.server, emulator.cluster(CLUSTER_ID).internalUrl);
        assert.match(String(s1.outputs.kubeconfig), /client-key-data/);
        for (const k of SECRET_OUTPUTS) assert.ok(s1.secretOutputs.has(k), `${k} is not secret in state`);
        assert.equal(s1.outputs.__provider, providerText);
        assertNoPath(JSON.stringify(s1.outputs), "the stored outputs", [first.dir, fs.realpathSync(first.dir), REPO_ROOT]);

        // `pulumi up` after `pulumi config set context external`: the program runs again, an in-place update, no API call.
        const run2 = await runUnderMocks(first.dir, { project: PROJECT, config: stackConfig("external") });
        const calls = emulator.calls.count({ route: "clustercert" });
        const t1 = Date.now();
        const updated = await engine.up(s1, run2.registered[0]!.inputs, { additionalSecretOutputs: run2.registered[0]!.additionalSecretOutputs });
        timings.update = Date.now() - t1;
        assert.equal(updated.op, "update");
        assert.deepEqual(updated.diff?.replaces, []);
        assert.equal(emulator.calls.count({ route: "clustercert" }), calls, "the update called the API");
        state = updated.state;
        assert.equal(state.id, s1.id);
        assert.equal(state.outputs.serialNumber, s1.outputs.serialNumber);
        assert.equal(state.outputs.currentContext, "external");
        assert.equal(state.outputs.server, emulator.cluster(CLUSTER_ID).externalUrl);
        for (const k of SECRET_OUTPUTS.filter((k) => k in state.outputs)) assert.ok(state.secretOutputs.has(k), `${k} is not secret after the update`);
        assert.equal(isSecret(state.inputs.__provider), false, "__provider is secret: the provider closure captured a secret");
        await engine.stop();
    });

    it("refresh through the program's host: no call, and the inputs the state records where the host passes them on (>= 3.216)", async () => {
        assert.ok(state, "nothing was created");
        const engine = await startEngine(first, "external");
        const calls = emulator.calls.count();
        const refreshed = await engine.refresh(state);
        assert.ok(refreshed);
        assert.equal(emulator.calls.count(), calls, "refresh called the API");
        assert.deepEqual(refreshed.outputs, state.outputs);
        const semver = require("semver") as typeof import("semver");
        if (semver.gte(pulumiVersion, "3.216.0")) {
            assert.equal(refreshed.inputs.clusterId, CLUSTER_ID, "the host passes ReadResult.inputs on");
            assert.equal(refreshed.inputs.context, "external");
            assert.equal(refreshed.inputs.revokeOnDelete, true);
        } else {
            assert.deepEqual(refreshed.inputs, state.inputs, "an older host keeps the stored inputs");
        }
        await engine.stop();
    });

    it("a second program folder at another path deletes it with the first folder gone (pulumi destroy on another runner)", async () => {
        assert.ok(state, "nothing was created");
        const firstDir = first.dir;
        await first.cleanup();
        assert.equal(fs.existsSync(firstDir), false);

        const engine = await startEngine(second, "external");
        const revokesBefore = emulator.calls.count({ route: "clustercertrevoke" });
        const t0 = Date.now();
        await engine.destroy(state);
        timings.delete = Date.now() - t0;
        const revokes = emulator.calls.filter({ route: "clustercertrevoke" });
        assert.equal(revokes.length, revokesBefore + 1, "revokeOnDelete: the delete should call clustercertrevoke once");
        assert.ok(revokes[revokes.length - 1]!.status < 300, `revoke answered ${revokes[revokes.length - 1]!.status}`);
        const certs = emulator.cluster(CLUSTER_ID).certificates();
        assert.equal(certs.length, 1);
        assert.equal(certs[0]!.revoked, true);
        const logs = engine.host.logs();
        assert.ok(!logs.some((l) => /Cannot find module|ERR_PACKAGE_PATH_NOT_EXPORTED/.test(l)), logs.join("\n"));
    });
});
