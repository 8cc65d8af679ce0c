/**
 * The exec plugin as users install it outside a Pulumi program: `npm install --global` (here into
 * a private `--prefix`) and `npx --package <tarball>`. The bin of both is the bundle `npm run build`
 * writes (`dist/provider/cli/main.js`); a miss must reach the API through the dependencies npm
 * installed next to it, and the hit that follows must answer the same certificate without a call.
 * (The project install is covered by consumer.test.ts.) `--legacy-peer-deps` keeps npm from adding
 * the `@pulumi/pulumi` peer: the CLI must not need it.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CceEmulator } from "../emulator";
import { childEnv, npmPack, run, type PackResult, type RunResult } from "./npm";

const CREDENTIAL = { accessKey: "INSTALLSTESTACCESSK1", secretKey: "InstallsTestSecretKey0123456789abcdefghij" };
const PROJECT_ID = "5e2a4c6b8d0f4a1c9e7b5d3f1a2c4e6b";
const CLUSTER_ID = "8c4e2a6d-7b1f-11ef-9a3c-0255ac100020";

describe("the exec plugin installed globally and run through npx", function () {
    this.timeout(600_000);
    let emulator: CceEmulator;
    let pack: PackResult;
    let work: string;

    before(async () => {
        work = await fs.promises.mkdtemp(path.join(os.tmpdir(), "cce-installs-"));
        [emulator, pack] = await Promise.all([
            CceEmulator.start({
                credentials: [{ ...CREDENTIAL, userId: "1b2c3d4e5f60718293a4b5c6d7e8f9a0" }],
                projects: [{ id: PROJECT_ID, name: "eu-west-0" }],
                clusters: [{ id: CLUSTER_ID, projectId: PROJECT_ID, publicIp: false }],
            }),
            npmPack(work),
        ]);
        assert.ok(pack.tarball && fs.existsSync(pack.tarball), "npm pack wrote no tarball");
    });

    after(async () => {
        await emulator?.stop();
        if (work) await fs.promises.rm(work, { recursive: true, force: true });
    });

    const pluginArgs = (): string[] => ["exec-credential", "--cluster-id", CLUSTER_ID, "--endpoint", emulator.url, "--iam-endpoint", emulator.url];
    /** A user's environment: this Node first on PATH, a private cache, AK/SK and the emulator's CA. */
    const userEnv = async (name: string): Promise<NodeJS.ProcessEnv> => {
        const cache = await fs.promises.mkdtemp(path.join(work, `${name}-cache-`));
        return childEnv({
            PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
            XDG_CACHE_HOME: cache,
            HW_ACCESS_KEY: CREDENTIAL.accessKey,
            HW_SECRET_KEY: CREDENTIAL.secretKey,
            HW_PROJECT_ID: PROJECT_ID,
            NODE_EXTRA_CA_CERTS: await caBundle(),
        });
    };
    /**
     * The emulator's CA added to the CAs this process was given (NODE_EXTRA_CA_CERTS): npx fetches
     * the package's dependencies from the registry, which a CI machine may reach only through a
     * proxy with its own CA.
     */
    const caBundle = async (): Promise<string> => {
        const inherited = process.env.NODE_EXTRA_CA_CERTS;
        if (!inherited) return emulator.caFile;
        const file = path.join(work, "ca-bundle.pem");
        const parts = await Promise.all([fs.promises.readFile(inherited, "utf8"), fs.promises.readFile(emulator.caFile, "utf8")]);
        await fs.promises.writeFile(file, parts.map((p) => `${p.trimEnd()}\n`).join(""));
        return file;
    };
    const serialOf = (r: RunResult): string => {
        assert.equal(r.code, 0, r.stderr);
        const cred = JSON.parse(r.stdout) as { kind?: string; status: { clientCertificateData: string } };
        assert.equal(cred.kind, "ExecCredential");
        return new X509Certificate(cred.status.clientCertificateData).serialNumber;
    };
    /** Runs the plugin twice: a miss (one clustercert call), then a hit (none, the same certificate). */
    const missThenHit = async (command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> => {
        const calls = (): number => emulator.calls.count({ route: "clustercert" });
        const before = calls();
        const miss = await run(command, [...args, ...pluginArgs()], { cwd: work, env, timeoutMs: 300_000 });
        const minted = serialOf(miss);
        assert.equal(calls(), before + 1, "a miss makes one clustercert call");
        assert.ok(emulator.cluster(CLUSTER_ID).certificates().some((c) => c.serialNumber === minted), "not a certificate the emulator minted");
        const hit = await run(command, [...args, ...pluginArgs()], { cwd: work, env, timeoutMs: 300_000 });
        assert.equal(serialOf(hit), minted, "the hit hands out the cached certificate");
        assert.doesNotMatch(hit.stderr, /cce-clustercert:/, "a hit says nothing (npm may)");
        assert.equal(calls(), before + 1, "a hit makes no call");
    };

    it("npm install --global: the installed bin is the bundle, and serves a miss and then a hit", async () => {
        const prefix = path.join(work, "global");
        const install = await run("npm", ["install", "--global", "--prefix", prefix, "--prefer-offline", "--legacy-peer-deps", "--no-audit", "--no-fund", "--no-update-notifier", String(pack.tarball)], {
            cwd: work,
            timeoutMs: 300_000,
        });
        assert.equal(install.code, 0, install.stderr);
        const bin = path.join(prefix, "bin", "cce-clustercert");
        const installed = path.join(prefix, "lib", "node_modules", "pulumi-cce-clustercert");
        assert.equal(fs.realpathSync(bin), fs.realpathSync(path.join(installed, "dist", "provider", "cli", "main.js")));
        assert.ok(!fs.existsSync(path.join(installed, "node_modules", "@pulumi", "pulumi")) && !fs.existsSync(path.join(prefix, "lib", "node_modules", "@pulumi", "pulumi")), "@pulumi/pulumi was installed");
        // The bundle: the hit path is inside the bin, not a separate module next to it.
        assert.match(fs.readFileSync(bin, "utf8"), /function cachedExecCredential\(/);
        await missThenHit(bin, [], await userEnv("global"));
    });

    it("npx --package <tarball>: a miss and then a hit", async () => {
        const env = await userEnv("npx");
        // npx installs into npm's own cache (`_npx`); a private one keeps the user's untouched.
        env.npm_config_cache = path.join(work, "npm-cache-npx");
        const npxArgs = ["exec", "--yes", "--prefer-offline", "--legacy-peer-deps", "--no-update-notifier", `--package=${pack.tarball}`, "--", "cce-clustercert"];
        await missThenHit("npm", npxArgs, env);
    });
});
