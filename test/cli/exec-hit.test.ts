/**
 * The exec plugin's cache-hit fast path (`provider/cli/exec-hit.ts`, bundled into the built
 * `cce-clustercert` by `npm run build`), against the emulator:
 *
 * - what the built binary prints for a cached entry is byte for byte what the full path
 *   (`run.ts` → `commands/exec-credential.ts`, in-process) prints for the same entry, and what the
 *   entry's own fields make (RSA keys, as CCE sends, and EC keys, which take node:crypto's path);
 * - a hit loads neither undici, yaml, Pulumi, the HTTP client, the provider's operations nor the
 *   lock and dispatcher: checked on the built binary (NODE_DEBUG=module) and on the unbundled
 *   module graph (`require.cache` of a child process);
 * - whatever the fast path does not serve, the full path handles as before: a bad, foreign, FIFO or
 *   expired entry is replaced (and reported once), `--refresh` mints, errors are reported even
 *   though the entry is valid, `--help` and the other commands work.
 *
 * Runs the built CLI: `npm run build` first (npm test does).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { cacheKey } from "../../provider/cli/cache-key";
import { renderEntry } from "../../provider/cli/cache-entry";
import type { CliIo } from "../../provider/cli/io";
import { run } from "../../provider/cli/run";
import { EXEC_CREDENTIAL_HELP, GET_HELP, MAIN_HELP } from "../../provider/cli/usage";
import { packageVersion } from "../../provider/cli/version";
import type { ClusterCertState } from "../../provider/core/types";
import { readCertificate } from "../../provider/kube/certificate";
import { CceEmulator } from "../emulator";
import { selfSignedCert } from "../emulator/pki";
import { cliEnv, cliScript, REPO, runCli, runProcess, type Result } from "./run-cli";

const PROJECT = "0c5e1f7a3b2d4e6f8a9b0c1d2e3f4a5b";
const CLUSTER = "99999999-2222-3333-4444-000000000001";
const OTHER_CLUSTER = "99999999-2222-3333-4444-000000000002";
const AK = "EXECHITACCESSKEY0001";
const SK = "ExecHitSecretKeyDoNotPrint0123456789abc";
const AK2 = "EXECHITACCESSKEY0002";
const SK2 = "ExecHitSecretKeyTwo0123456789abcdefghij";
const V1 = "client.authentication.k8s.io/v1";
const V1BETA1 = "client.authentication.k8s.io/v1beta1";

interface Entry {
    format: number;
    savedAt: string;
    identity: string;
    state: ClusterCertState;
}

/** The ExecCredential an entry stands for, written out here from the entry's fields (not through the code under test). */
function expectedOutput(entryText: string, apiVersion: string): string {
    const s = (JSON.parse(entryText) as Entry).state;
    const status = { clientCertificateData: s.clientCertificate, clientKeyData: s.clientKey, expirationTimestamp: s.expiresAt.replace(/\.\d{3}Z$/, "Z") };
    return `${JSON.stringify({ apiVersion, kind: "ExecCredential", status })}\n`;
}

/** Files of the package (relative to the repository) and of node_modules that a process loaded, from NODE_DEBUG=module. */
function loadedFiles(stderr: string): string[] {
    return [...stderr.matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((m) => path.relative(REPO, m[1] as string));
}

describe("exec-credential: the cache-hit fast path (built binary against the emulator)", function () {
    this.timeout(240_000);
    const emus: Record<"rsa" | "ec", CceEmulator | undefined> = { rsa: undefined, ec: undefined };
    let work: string;
    let n = 0;

    const emu = (kind: "rsa" | "ec" = "rsa"): CceEmulator => emus[kind] as CceEmulator;
    const calls = (kind: "rsa" | "ec" = "rsa"): number => emu(kind).calls.count({ route: "clustercert" });
    const freshRoot = (): string => path.join(work, `xdg-${++n}`);
    const cacheDirOf = (root: string): string => path.join(root, "cce-clustercert");
    const args = (kind: "rsa" | "ec" = "rsa", cluster = CLUSTER): string[] => ["exec-credential", "--cluster-id", cluster, "--endpoint", emu(kind).url, "--iam-endpoint", emu(kind).url];
    const envFor = (root: string, kind: "rsa" | "ec" = "rsa", extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
        ...cliEnv(work, emu(kind).caFile, { ak: AK, sk: SK, projectId: PROJECT }),
        XDG_CACHE_HOME: root,
        ...extra,
    });
    const entryOf = (root: string, kind: "rsa" | "ec" = "rsa", cluster = CLUSTER, ak = AK): string =>
        path.join(cacheDirOf(root), `${cacheKey({ endpoint: emu(kind).url, projectId: PROJECT, clusterId: cluster, identity: `ak:${ak}` })}.json`);
    const note = (line: string): string => `cce-clustercert: ${line}\n`;
    /** The serial of the certificate an ExecCredential hands out. */
    const serialOf = (stdout: string): string => new X509Certificate((JSON.parse(stdout) as { status: { clientCertificateData: string } }).status.clientCertificateData).serialNumber;
    /** The serial of the certificate a cache entry holds. */
    const entrySerial = (text: string): string => new X509Certificate((JSON.parse(text) as Entry).state.clientCertificate).serialNumber;

    /** A cache (in a fresh XDG_CACHE_HOME) holding one certificate minted by the binary; returns the root and the entry's text. */
    const minted = async (kind: "rsa" | "ec" = "rsa", extra: NodeJS.ProcessEnv = {}, cluster = CLUSTER, ak = AK): Promise<{ root: string; text: string }> => {
        const root = freshRoot();
        const res = await runCli(args(kind, cluster), envFor(root, kind, extra));
        assert.equal(res.code, 0, res.stderr);
        return { root, text: await fs.readFile(entryOf(root, kind, cluster, ak), "utf8") };
    };
    /** The full path, in-process: the dispatcher and the exec-credential command, as before the fast path existed. */
    const fullPath = async (argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Result> => {
        let stdout = "";
        let stderr = "";
        const io: CliIo = { env, cwd: work, now: () => new Date(), stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
        const code = await run(argv, io);
        return { code, stdout, stderr };
    };
    /** A cache directory (0700) holding `text` at the entry name of CLUSTER/AK. */
    const plant = async (text: string): Promise<string> => {
        const root = freshRoot();
        await fs.mkdir(cacheDirOf(root), { recursive: true, mode: 0o700 });
        await fs.writeFile(entryOf(root), text, { mode: 0o600 });
        return root;
    };

    before(async () => {
        for (const keyType of ["rsa", "ec"] as const) {
            emus[keyType] = await CceEmulator.start({
                keyType,
                credentials: [{ accessKey: AK, secretKey: SK }, { accessKey: AK2, secretKey: SK2 }],
                projects: [{ id: PROJECT, name: "eu-west-0" }],
                clusters: [
                    { id: CLUSTER, projectId: PROJECT, publicIp: false },
                    { id: OTHER_CLUSTER, projectId: PROJECT, publicIp: true },
                ],
            });
        }
        work = await fs.mkdtemp(path.join(tmpdir(), "cce-cli-exec-hit-"));
    });
    after(async () => {
        for (const e of Object.values(emus)) await e?.stop();
        if (work) await fs.rm(work, { recursive: true, force: true });
    });
    beforeEach(() => {
        for (const e of Object.values(emus)) e?.reset();
    });

    describe("output", () => {
        const variants: { name: string; extraArgs: string[]; extraEnv: NodeJS.ProcessEnv; apiVersion: string }[] = [
            { name: "v1 by default", extraArgs: [], extraEnv: {}, apiVersion: V1 },
            { name: "v1beta1 by --api-version", extraArgs: ["--api-version", "v1beta1"], extraEnv: {}, apiVersion: V1BETA1 },
            {
                name: "the version kubectl announces in KUBERNETES_EXEC_INFO over the flag",
                extraArgs: ["--api-version", "v1beta1"],
                extraEnv: { KUBERNETES_EXEC_INFO: JSON.stringify({ kind: "ExecCredential", apiVersion: V1, spec: { interactive: false } }) },
                apiVersion: V1,
            },
        ];
        for (const kind of ["rsa", "ec"] as const) {
            it(`is byte for byte the full path's for the same entry (${kind.toUpperCase()} key): ${variants.map((v) => v.name).join("; ")}`, async () => {
                const { root, text } = await minted(kind);
                emu(kind).reset();
                for (const v of variants) {
                    const env = envFor(root, kind, v.extraEnv);
                    const fast = await runCli([...args(kind), ...v.extraArgs], env);
                    const full = await fullPath([...args(kind), ...v.extraArgs], env);
                    assert.deepEqual({ code: fast.code, stderr: fast.stderr }, { code: 0, stderr: "" }, v.name);
                    assert.deepEqual({ code: full.code, stderr: full.stderr }, { code: 0, stderr: "" }, v.name);
                    assert.equal(fast.stdout, full.stdout, `${v.name}: the fast path prints what the full path prints`);
                    assert.equal(fast.stdout, expectedOutput(text, v.apiVersion), `${v.name}: the entry's certificate, key and expiry`);
                }
                assert.equal(calls(kind), 0, "both paths served the cache");
                assert.equal(await fs.readFile(entryOf(root, kind), "utf8"), text, "a hit writes nothing");
            });
        }
    });

    describe("what a hit loads", () => {
        const HEAVY = /(^|\/)node_modules\/|\/provider\/(pulumi|core\/(issue|state|revoke|exec-kubeconfig))\/?|\/provider\/huaweicloud\/(?!endpoints\.js$|limits\.js$|credentials\.js$)|\/provider\/kube\/(kubeconfig|kubeconfig-yaml|pem|exec-kubeconfig)\.js$|\/provider\/cli\/(run|lock|obtain|cache|usage|report|version|output-files|commands\/.*)\.js$/;

        it("the built binary loads no file but itself: no undici, yaml or other package, no other module of the provider", async () => {
            const { root } = await minted();
            emu().reset();
            const res = await runCli(args(), envFor(root, "rsa", { NODE_DEBUG: "module" }));
            assert.equal(res.code, 0, res.stderr);
            assert.equal(calls(), 0, "it was a hit");
            const loaded = loadedFiles(res.stderr);
            assert.deepEqual(loaded, [path.relative(REPO, cliScript())], `loaded: ${loaded.join(", ")} (the bin must be the bundle that \`npm run build\` makes)`);
            const stdout = res.stdout;
            const withoutDebug = await runCli(args(), envFor(root));
            assert.equal(withoutDebug.stdout, stdout);
        });

        it("the unbundled hit path (dist/provider/cli/exec-hit.js) requires nothing that makes calls, renders YAML, locks or dispatches", async () => {
            const { root } = await minted();
            const script = [
                `const { cachedExecCredential } = require(${JSON.stringify(path.join(REPO, "dist", "provider", "cli", "exec-hit.js"))});`,
                `const io = { env: process.env, cwd: process.cwd(), now: () => new Date(), stdout: () => {}, stderr: () => {} };`,
                `const answer = cachedExecCredential(${JSON.stringify(args().slice(1))}, io);`,
                `process.stdout.write(JSON.stringify({ hit: answer !== undefined, modules: Object.keys(require.cache) }));`,
            ].join("\n");
            const res = await runProcess(process.execPath, ["-e", script], envFor(root));
            assert.equal(res.code, 0, res.stderr);
            const { hit, modules } = JSON.parse(res.stdout) as { hit: boolean; modules: string[] };
            assert.equal(hit, true, "the entry was served");
            const heavy = modules.filter((m) => HEAVY.test(m)).map((m) => path.relative(REPO, m));
            assert.deepEqual(heavy, [], "modules a hit must not load");
            for (const needed of ["cli/exec-hit.js", "cli/cache-read.js", "cli/cache-entry.js", "kube/certificate.js", "core/validate.js"]) {
                assert.ok(modules.some((m) => m.endsWith(`/dist/provider/${needed}`)), `${needed} is loaded (the list is read correctly)`);
            }
        });
    });

    describe("what the fast path leaves to the full path", () => {
        /** The run replaced the entry: exit 0, the reported line (if any), one call, a new certificate stored and served next time with no call. */
        const replaced = async (root: string, res: Result, stderr: string, oldSerial?: string): Promise<void> => {
            assert.equal(res.code, 0, res.stderr);
            assert.equal(res.stderr, stderr);
            assert.equal(calls(), 1);
            const st = await fs.lstat(entryOf(root));
            assert.ok(st.isFile(), "a regular file again");
            const text = await fs.readFile(entryOf(root), "utf8");
            assert.equal(res.stdout, expectedOutput(text, V1), "it handed out what it stored");
            if (oldSerial !== undefined) assert.notEqual(serialOf(res.stdout), oldSerial);
            const again = await runCli(args(), envFor(root));
            assert.deepEqual([again.code, again.stderr, again.stdout], [0, "", res.stdout], "the next run is a hit");
            assert.equal(calls(), 1);
        };
        const ignoring = (root: string, reason: string): string => note(`ignoring the cache file ${entryOf(root)} (${reason}); it will be replaced`);

        it("an entry that is not JSON is replaced and reported once", async () => {
            const root = await plant("{ not json");
            await replaced(root, await runCli(args(), envFor(root)), ignoring(root, "it is not JSON"));
        });
        it("another identity's entry at this identity's name is replaced and reported once", async () => {
            const foreign = await minted("rsa", { HW_ACCESS_KEY: AK2, HW_SECRET_KEY: SK2 }, CLUSTER, AK2);
            emu().reset();
            const root = await plant(foreign.text);
            await replaced(root, await runCli(args(), envFor(root)), ignoring(root, "it was minted for another identity"), entrySerial(foreign.text));
        });
        it("a FIFO at the entry's name does not block: replaced and reported once", async () => {
            const root = freshRoot();
            await fs.mkdir(cacheDirOf(root), { recursive: true, mode: 0o700 });
            assert.equal((await runProcess("mkfifo", ["-m", "600", entryOf(root)], {})).code, 0);
            await replaced(root, await runCli(args(), envFor(root)), ignoring(root, "it is a FIFO"));
        });
        it("an expired entry is replaced silently", async () => {
            const valid = await minted();
            emu().reset();
            const now = Date.now();
            const cert = await selfSignedCert({ commonName: "u", notBefore: new Date(now - 2 * 86_400_000), notAfter: new Date(now - 86_400_000), usage: "client", keyType: "rsa" });
            const info = readCertificate(cert.certPem);
            const state: ClusterCertState = {
                ...(JSON.parse(valid.text) as Entry).state,
                clientCertificate: cert.certPem, clientKey: cert.keyPem, fingerprint: info.fingerprint, serialNumber: info.serialNumber,
                issuedAt: info.notBefore.toISOString(), expiresAt: info.notAfter.toISOString(),
            };
            const root = await plant(renderEntry(state, `ak:${AK}`, new Date()));
            await replaced(root, await runCli(args(), envFor(root)), "", info.serialNumber);
        });
        it("--refresh mints a new certificate although the entry is valid", async () => {
            const { root, text } = await minted();
            emu().reset();
            const res = await runCli([...args(), "--refresh"], envFor(root));
            await replaced(root, res, "", entrySerial(text));
        });
        it("errors are reported as before although the entry is valid, and nothing is handed out", async () => {
            const { root } = await minted();
            emu().reset();
            const { HW_ACCESS_KEY: _a, HW_SECRET_KEY: _s, ...noCreds } = envFor(root);
            const cases: { what: string; argv: string[]; env: NodeJS.ProcessEnv; code: number; stderr: RegExp }[] = [
                { what: "malformed lock wait", argv: args(), env: envFor(root, "rsa", { CCE_CLUSTERCERT_LOCK_WAIT_SECONDS: "ten" }), code: 2, stderr: /^cce-clustercert: error: CCE_CLUSTERCERT_LOCK_WAIT_SECONDS must be a number of seconds from 0 to 600, got "ten"\n/ },
                { what: "no credentials", argv: args(), env: noCreds, code: 3, stderr: /^cce-clustercert: error: no Huawei Cloud credentials found/ },
                { what: "--expires-at", argv: [...args(), "--expires-at", "2030-01-01T00:00:00Z"], env: envFor(root), code: 2, stderr: /--expires-at cannot be used with exec credentials/ },
                { what: "--duration 0", argv: [...args(), "--duration", "0"], env: envFor(root), code: 2, stderr: /^cce-clustercert: error: --duration: duration must be -1/ },
                { what: "an unknown flag", argv: [...args(), "--bogus"], env: envFor(root), code: 2, stderr: /--bogus/ },
                { what: "a bad --api-version", argv: [...args(), "--api-version", "v2"], env: envFor(root), code: 2, stderr: /--api-version must be one of v1, v1beta1/ },
            ];
            for (const c of cases) {
                const res = await runCli(c.argv, c.env);
                assert.equal(res.code, c.code, `${c.what}: ${res.stderr}`);
                assert.equal(res.stdout, "", `${c.what}: nothing on stdout`);
                assert.match(res.stderr, c.stderr, c.what);
                const full = await fullPath(c.argv, c.env);
                assert.deepEqual(full, res, `${c.what}: as the full path reports it`);
            }
            const unsafe = await plant(await fs.readFile(entryOf(root), "utf8"));
            await fs.chmod(cacheDirOf(unsafe), 0o777);
            const refused = await runCli(args(), envFor(unsafe));
            assert.deepEqual([refused.code, refused.stdout], [1, ""], refused.stderr);
            assert.match(refused.stderr, /has mode 0777, writable by group or others/);
            assert.equal(calls(), 0);
        });
        it("--help, --version, help and the other commands work as before", async () => {
            const env = envFor(freshRoot());
            const cases: { argv: string[]; code: number; stdout: string; stderr: string }[] = [
                { argv: ["exec-credential", "--help"], code: 0, stdout: EXEC_CREDENTIAL_HELP, stderr: "" },
                { argv: ["exec-credential", "-h", "--cluster-id", CLUSTER], code: 0, stdout: EXEC_CREDENTIAL_HELP, stderr: "" },
                { argv: ["help", "exec-credential"], code: 0, stdout: EXEC_CREDENTIAL_HELP, stderr: "" },
                { argv: ["get", "--help"], code: 0, stdout: GET_HELP, stderr: "" },
                { argv: ["--help"], code: 0, stdout: MAIN_HELP, stderr: "" },
                { argv: ["--version"], code: 0, stdout: `${packageVersion()}\n`, stderr: "" },
                { argv: [], code: 2, stdout: "", stderr: MAIN_HELP },
                { argv: ["exec-credentials"], code: 2, stdout: "", stderr: `${note('error: unknown command "exec-credentials"; commands: get, kubeconfig, exec-credential, check, revoke (see --help)')}${note("see --help")}` },
            ];
            for (const c of cases) {
                const res = await runCli(c.argv, env);
                assert.deepEqual(res, { code: c.code, stdout: c.stdout, stderr: c.stderr }, c.argv.join(" "));
            }
            const got = await runCli(["get", "--cluster-id", CLUSTER, "--endpoint", emu().url, "--iam-endpoint", emu().url, "--format", "json"], env);
            assert.equal(got.code, 0, got.stderr);
            assert.equal((JSON.parse(got.stdout) as { clusterId?: string }).clusterId, CLUSTER);
        });
    });

    it("writes a large answer completely through a pipe (writeStdoutDirect)", async () => {
        const text = `${"x".repeat(300_000)}\n`;
        const script = `require(${JSON.stringify(path.join(REPO, "dist", "provider", "cli", "io.js"))}).writeStdoutDirect("x".repeat(300000) + "\\n")`;
        const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
        const chunks: Buffer[] = [];
        // Read slowly at first, so that the pipe fills up and writeSync has to write in parts.
        child.stdout.pause();
        await new Promise((resolve) => setTimeout(resolve, 200));
        child.stdout.on("data", (d: Buffer) => chunks.push(d));
        child.stdout.resume();
        const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
        assert.equal(code, 0);
        assert.equal(Buffer.concat(chunks).toString("utf8"), text);
    });
});
