/**
 * What lets `.ci/run` run the suite on Node 20, 22 and 24 from one `npm ci`: node_modules holds
 * no native addon and nothing built for one Node version, and every installed package admits the
 * Node that runs the suite. Under `.ci/run` (CI_NODE_EXPECTED set), also that the suite runs on
 * the Node the leg chose and that `node` on PATH (kubectl exec plugins, `#!/usr/bin/env node`
 * bins) is the same one.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../harness/program";

const semver = require("semver") as { satisfies(version: string, range: string): boolean; validRange(range: string): string | null };

/**
 * Files that only work with the Node ABI they were built for, or builds that `npm ci` would run.
 * (The `.bare` prebuilds of bare-fs & co., optional dependencies of tar-fs, are for the Bare
 * runtime: Node never loads them.)
 */
const NATIVE = [/\.node$/, /(^|\/)binding\.gyp$/];

/** Paths (relative to `dir`) of native addons and native build files under `dir`, following no symlink. */
export function nativeArtifacts(dir: string): string[] {
    const found: string[] = [];
    const walk = (rel: string): void => {
        for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const child = rel === "" ? e.name : `${rel}/${e.name}`;
            if (e.isDirectory()) walk(child);
            else if (e.isFile() && NATIVE.some((re) => re.test(child))) found.push(child);
        }
    };
    walk("");
    return found;
}

/** Installed packages as `name@version` → `engines.node`, each real directory once (the self-link is skipped). */
export function installedEngines(nodeModules: string): Map<string, string> {
    const out = new Map<string, string>();
    const seen = new Set<string>();
    const visit = (dir: string): void => {
        const real = fs.realpathSync(dir);
        if (seen.has(real) || !fs.existsSync(path.join(dir, "package.json"))) return;
        seen.add(real);
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string; engines?: { node?: string } };
        if (pkg.engines?.node) out.set(`${pkg.name}@${pkg.version}`, pkg.engines.node);
        walk(path.join(dir, "node_modules"));
    };
    const walk = (nm: string): void => {
        if (!fs.existsSync(nm)) return;
        for (const e of fs.readdirSync(nm, { withFileTypes: true })) {
            if (e.name.startsWith(".")) continue;
            const full = path.join(nm, e.name);
            if (e.isSymbolicLink()) continue; // the package's link to itself: not installed code
            if (e.name.startsWith("@")) for (const s of fs.readdirSync(full)) visit(path.join(full, s));
            else visit(full);
        }
    };
    walk(nodeModules);
    return out;
}

/**
 * Packages known to refuse one of our Node versions in `engines`, and why that is accepted: recent
 * `@pulumi/pulumi` declares `>=22`, yet runs on Node 20 (the whole suite proves it there); it is
 * the program's peer dependency, and the README tells Node 20 users about npm's EBADENGINE warning.
 */
const ENGINE_EXCEPTIONS: { name: RegExp; nodeMajor: number }[] = [{ name: /^@pulumi\/pulumi@/, nodeMajor: 20 }];

/** Packages (name@version: range) whose engines.node refuses `nodeVersion`, less the known exceptions. */
export function refusingPackages(engines: Map<string, string>, nodeVersion: string): string[] {
    const major = Number(nodeVersion.split(".")[0]);
    return [...engines]
        .filter(([, range]) => semver.validRange(range) !== null && !semver.satisfies(nodeVersion, range))
        .filter(([id]) => !ENGINE_EXCEPTIONS.some((x) => x.name.test(id) && x.nodeMajor === major))
        .map(([id, range]) => `${id}: ${range}`);
}

describe(`the Node runtime (${process.version})`, function () {
    this.timeout(60_000);

    it("node_modules holds no native addon and no native build: one `npm ci` serves every Node version", () => {
        assert.deepEqual(nativeArtifacts(path.join(REPO_ROOT, "node_modules")), []);
    });

    it("only the known install scripts run at `npm ci`, and none builds for a Node version", () => {
        const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { hasInstallScript?: boolean }> };
        const withScripts = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript).map(([k]) => k.replace(/^.*node_modules\//, ""));
        // @pulumi/kubernetes: `pulumi plugin install` (skipped without a pulumi CLI); protobufjs: a version-scheme warning;
        // esbuild (build only): checks that its platform's executable (a Go binary, from an optional dependency) runs.
        assert.deepEqual(withScripts.sort(), ["@pulumi/kubernetes", "esbuild", "protobufjs"], "a new install script: check it builds nothing per Node version, then list it here");
    });

    it("every installed package admits this Node in its engines (known exceptions aside)", () => {
        const engines = installedEngines(path.join(REPO_ROOT, "node_modules"));
        assert.ok(engines.size > 20, `only ${engines.size} packages with engines found`);
        assert.deepEqual(refusingPackages(engines, process.versions.node), []);
    });

    it("the checks find what they look for", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cce-native-"));
        try {
            fs.mkdirSync(path.join(dir, "addon", "build", "Release"), { recursive: true });
            fs.writeFileSync(path.join(dir, "addon", "build", "Release", "x.node"), "");
            fs.writeFileSync(path.join(dir, "addon", "binding.gyp"), "{}");
            assert.deepEqual(nativeArtifacts(dir).sort(), ["addon/binding.gyp", "addon/build/Release/x.node"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const engines = new Map([["old@1.0.0", "<21"], ["@pulumi/pulumi@3.270.0", ">=22"], ["any@1.0.0", ">=18"]]);
        assert.deepEqual(refusingPackages(engines, "22.1.0"), ["old@1.0.0: <21"]);
        assert.deepEqual(refusingPackages(engines, "20.18.1"), []);
        assert.deepEqual(refusingPackages(new Map([["@pulumi/pulumi@4.0.0", ">=26"]]), "24.0.0"), ["@pulumi/pulumi@4.0.0: >=26"]);
    });

    it("runs on the Node that .ci/run chose for this leg, and `node` on PATH is that Node (skipped outside .ci/run)", function () {
        const expected = process.env.CI_NODE_EXPECTED;
        if (!expected) this.skip();
        assert.equal(process.versions.node, expected);
        const r = spawnSync("node", ["-p", "process.execPath"], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.realpathSync(r.stdout.trim()), fs.realpathSync(process.execPath), "`node` on PATH is another Node than the one running the tests");
    });
});
