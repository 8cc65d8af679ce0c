/**
 * What `npm pack` ships: compiled JavaScript with type declarations, README.md, LICENSE and
 * CHANGELOG.md, nothing from test/ or the emulator; every module the shipped code loads is shipped
 * or declared; `exports` allows every path the closure serializer and users reference; `engines`
 * and the dependency sections are what users need. Reads the build output: `npm run build` first.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import { REPO_ROOT } from "../harness/program";
import { versionProblem } from "./changelog";
import { installedVersion, npmPack, PACKAGE_NAME, type PackResult } from "./npm";

interface ExportConditions {
    [condition: string]: string | ExportConditions | null;
}

interface PackageJson {
    name: string;
    version: string;
    license?: string;
    main?: string;
    types?: string;
    bin?: string | Record<string, string>;
    exports?: string | Record<string, string | ExportConditions | null>;
    files?: string[];
    engines?: Record<string, string>;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    devDependencies?: Record<string, string>;
    bundleDependencies?: string[] | boolean;
    bundledDependencies?: string[] | boolean;
}

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as PackageJson;
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Every file path an `exports` value can point at. */
function exportTargets(value: string | ExportConditions | null | undefined): string[] {
    if (value === null || value === undefined) return [];
    if (typeof value === "string") return [value];
    return Object.values(value).flatMap(exportTargets);
}

/** "@scope/name/deep/path" → "@scope/name"; "name/deep" → "name". */
function packageNameOf(specifier: string): string {
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Module specifiers a compiled file loads: `require("x")` in .js; `from "x"`, `import("x")`, `require("x")` in .d.ts. */
function specifiers(file: string, text: string): string[] {
    const patterns = file.endsWith(".d.ts")
        ? [/\bfrom\s+"([^"]+)"/g, /\bimport\(\s*"([^"]+)"\s*\)/g, /\brequire\(\s*"([^"]+)"\s*\)/g, /^import\s+"([^"]+)"/gm, /reference\s+types="([^"]+)"/g]
        : [/\brequire\(\s*"([^"]+)"\s*\)/g];
    return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]!));
}

/** Whether a relative specifier from `fromFile` lands on a packed file (as Node resolves .js / .d.ts / index). */
function resolvesInPack(fromFile: string, specifier: string, packed: Set<string>, declaration: boolean): boolean {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
    const candidates = declaration
        ? [`${base}.d.ts`, `${base.replace(/\.js$/, "")}.d.ts`, `${base}/index.d.ts`]
        : [base, `${base}.js`, `${base}.json`, `${base}/index.js`];
    return candidates.some((c) => packed.has(c));
}

/** Module paths ("cli/main") of every TypeScript source under `dir`. */
function sourceModules(dir: string, prefix = ""): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        if (e.isDirectory()) return sourceModules(path.join(dir, e.name), `${prefix}${e.name}/`);
        return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [`${prefix}${e.name.replace(/\.ts$/, "")}`] : [];
    });
}

/** engines.node of an installed dependency. */
function dependencyEngines(name: string): string | undefined {
    const file = require.resolve(`${name}/package.json`, { paths: [REPO_ROOT] });
    return (JSON.parse(fs.readFileSync(file, "utf8")) as PackageJson).engines?.node;
}

/** Compares "20.18.1"-like versions (missing parts are 0). */
function compareVersions(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < 3; i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d !== 0) return d;
    }
    return 0;
}

describe("npm pack", function () {
    this.timeout(60_000);

    let pack: PackResult;
    let files: string[];
    let packed: Set<string>;

    before(async () => {
        assert.ok(fs.existsSync(path.join(REPO_ROOT, "dist", "provider", "index.js")), "run `npm run build` first (npm test does)");
        pack = await npmPack(undefined);
        files = pack.files.map((f) => f.path).sort();
        packed = new Set(files);
    });

    it("ships README.md, LICENSE (Apache-2.0), CHANGELOG.md (with this version) and package.json", () => {
        for (const f of ["README.md", "LICENSE", "CHANGELOG.md", "package.json"]) assert.ok(packed.has(f), `${f} is not in the package (package.json "files"): ${files.filter((x) => !x.startsWith("dist/")).join(", ")}`);
        assert.equal(pkg.license, "Apache-2.0");
        const license = fs.readFileSync(path.join(REPO_ROOT, "LICENSE"), "utf8");
        assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
        const changelog = fs.readFileSync(path.join(REPO_ROOT, "CHANGELOG.md"), "utf8");
        assert.equal(versionProblem(changelog, pkg.version), undefined, `CHANGELOG.md does not account for ${pkg.version}`);
    });

    it("ships only compiled JavaScript and declarations of the provider, plus the documents", () => {
        const bins = typeof pkg.bin === "string" ? [pkg.bin] : Object.values(pkg.bin ?? {});
        const allowed = new Set(["README.md", "LICENSE", "CHANGELOG.md", "package.json", ...bins.map((b) => path.posix.normalize(b.replace(/^\.\//, "")))]);
        const unexpected = files.filter((f) => !allowed.has(f) && !/^dist\/provider\/.+\.(js|d\.ts)$/.test(f));
        assert.deepEqual(unexpected, [], "files users do not need");
        for (const f of files) {
            assert.doesNotMatch(f, /(^|\/)(test|tests|examples|emulator|fixtures|\.ci|docs)(\/|$)/, `${f} is test, example or CI material`);
            assert.ok(!f.endsWith(".map"), `${f} is a source map`);
            assert.ok(!/\.ts$/.test(f) || f.endsWith(".d.ts"), `${f} is TypeScript source`);
            assert.ok(!/\.(tgz|log)$|(^|\/)\.(env|npmrc|git)/.test(f), `${f} should not be shipped`);
        }
    });

    it("has a declaration file next to every JavaScript file, and every module of the provider", () => {
        for (const js of files.filter((f) => f.endsWith(".js"))) {
            assert.ok(packed.has(js.replace(/\.js$/, ".d.ts")), `${js} has no .d.ts`);
        }
        const sources = sourceModules(path.join(REPO_ROOT, "provider"));
        for (const m of sources) {
            assert.ok(packed.has(`dist/provider/${m}.js`), `dist/provider/${m}.js (from provider/${m}.ts) is not shipped`);
        }
        // A shipped module without a source is left over from an earlier build (tsc does not clean dist/).
        const stale = files.filter((f) => f.endsWith(".js") && !sources.includes(f.replace(/^dist\/provider\//, "").replace(/\.js$/, "")));
        assert.deepEqual(stale, [], "shipped files without a source in provider/ (stale build output: remove dist/ and build again)");
        for (const f of ["dist/provider/index.js", "dist/provider/index.d.ts", "dist/provider/pulumi/runtime.js", "dist/provider/pulumi/runtime.d.ts"]) {
            assert.ok(packed.has(f), `${f} is not shipped`);
        }
    });

    it("every module the shipped files load is shipped, a Node built-in, or a dependency/peer dependency", () => {
        const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), PACKAGE_NAME]);
        const problems: string[] = [];
        for (const f of files.filter((x) => x.endsWith(".js") || x.endsWith(".d.ts"))) {
            const text = fs.readFileSync(path.join(REPO_ROOT, f), "utf8");
            for (const s of specifiers(f, text)) {
                if (s.startsWith(".")) {
                    if (!resolvesInPack(f, s, packed, f.endsWith(".d.ts"))) problems.push(`${f}: ${s} is not shipped`);
                } else if (!BUILTINS.has(s) && !BUILTINS.has(packageNameOf(s)) && !declared.has(packageNameOf(s))) {
                    problems.push(`${f}: ${s} is neither a dependency nor a peer dependency`);
                } else if (packageNameOf(s) === PACKAGE_NAME && typeof pkg.exports === "object") {
                    // The package requiring itself by name (the serialized shim does): `exports` must allow the subpath.
                    const subpath = `.${s.slice(PACKAGE_NAME.length)}`;
                    if (!(subpath in pkg.exports)) problems.push(`${f}: ${s} is not allowed by package.json exports`);
                }
            }
        }
        assert.deepEqual(problems, []);
    });

    it("main, types, bin and every exports target are shipped; the runtime the shim requires is exported", () => {
        const targets = [pkg.main, pkg.types].filter((t): t is string => typeof t === "string");
        if (typeof pkg.bin === "string") targets.push(pkg.bin);
        else if (pkg.bin) targets.push(...Object.values(pkg.bin));
        const exp = pkg.exports;
        if (exp !== undefined) {
            if (typeof exp === "string") targets.push(exp);
            else for (const v of Object.values(exp)) targets.push(...exportTargets(v));
        }
        for (const t of targets) {
            const rel = path.posix.normalize(t.replace(/^\.\//, ""));
            assert.ok(packed.has(rel), `${t} (package.json) is not in the package`);
        }
        if (exp !== undefined && typeof exp !== "string") {
            // The serialized provider requires "pulumi-cce-clustercert/runtime"; users import the root.
            assert.ok("./runtime" in exp, "exports must allow ./runtime (the serialized provider requires it)");
            assert.ok("." in exp, "exports must allow the package root");
            assert.ok("./package.json" in exp, "exports should allow ./package.json (tools read it)");
        }
        // The shim requires exactly what is exported.
        const shim = fs.readFileSync(path.join(REPO_ROOT, "dist", "provider", "pulumi", "shim.js"), "utf8");
        const required = [...new Set(specifiers("dist/provider/pulumi/shim.js", shim).filter((s) => packageNameOf(s) === PACKAGE_NAME))];
        assert.deepEqual(required, [`${PACKAGE_NAME}/runtime`]);
    });

    it("declares Node 20, 22 and 24 in engines", () => {
        const range = pkg.engines?.node;
        assert.ok(range, "engines.node is missing");
        const clauses = range.split("||").map((c) => c.trim());
        for (const major of [20, 22, 24]) {
            assert.ok(
                clauses.some((c) => new RegExp(`^(\\^|~|>=)?\\s*${major}(\\.\\d+|\\.x)*(\\s|$)`).test(c)),
                `engines.node ${JSON.stringify(range)} does not state Node ${major}`,
            );
        }
        for (const major of [16, 18]) {
            assert.ok(!clauses.some((c) => new RegExp(`^(\\^|~|>=)?\\s*${major}(\\.|\\s|$)`).test(c)), `engines.node admits Node ${major}`);
        }
        // No clause may admit a Node version that a dependency refuses (undici 7 needs >= 20.18.1).
        for (const dep of Object.keys(pkg.dependencies ?? {})) {
            const depRange = dependencyEngines(dep);
            const depFloor = depRange === undefined ? undefined : /^>=\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(depRange)?.[1];
            if (depFloor === undefined) continue;
            for (const clause of clauses) {
                const floor = /^(?:\^|~|>=)?\s*(\d+(?:\.\d+){0,2})/.exec(clause)?.[1];
                assert.ok(floor, `cannot read the lower bound of ${clause}`);
                assert.ok(compareVersions(floor, depFloor) >= 0, `engines.node clause ${clause} admits Node ${floor}, but ${dep} needs ${depRange}`);
            }
        }
        const current = Number(process.versions.node.split(".")[0]);
        assert.ok(clauses.some((c) => new RegExp(`^(\\^|~|>=)?\\s*${current}(\\.|\\s|$)`).test(c)), `this Node (${process.versions.node}) is not in engines.node`);
    });

    it("takes @pulumi/pulumi from the program (peer dependency), never as a dependency of its own", () => {
        assert.ok(pkg.peerDependencies?.["@pulumi/pulumi"], "@pulumi/pulumi must be a peer dependency");
        assert.notEqual(pkg.peerDependenciesMeta?.["@pulumi/pulumi"]?.optional, true, "@pulumi/pulumi is needed: not optional");
        assert.equal(pkg.dependencies?.["@pulumi/pulumi"], undefined, "@pulumi/pulumi as a dependency can install a second copy");
        assert.ok(pkg.devDependencies?.["@pulumi/pulumi"], "the tests need @pulumi/pulumi as a dev dependency");
        // The peer range has a lower bound at or below the version the tests run with.
        const floor = /(\d+)\.(\d+)\.(\d+)/.exec(pkg.peerDependencies["@pulumi/pulumi"]);
        assert.ok(floor, pkg.peerDependencies["@pulumi/pulumi"]);
        const [maj, min] = installedVersion("@pulumi/pulumi").split(".").map(Number);
        assert.equal(Number(floor[1]), maj, "the peer range and the tested version differ in major version");
        assert.ok(Number(floor[2]) <= min!, "the tested @pulumi/pulumi is older than the peer range");
        for (const name of Object.keys(pkg.dependencies ?? {})) {
            assert.ok(!name.startsWith("@pulumi/"), `${name}: Pulumi packages belong to the program (peer dependencies)`);
            assert.ok(!name.startsWith("@types/"), `${name}: type packages are dev dependencies`);
        }
        assert.equal(pkg.bundleDependencies ?? pkg.bundledDependencies, undefined, "bundled dependencies would ship another copy");
        assert.equal(pkg.dependencies?.[PACKAGE_NAME], undefined, "the package must not depend on itself at run time");
    });

    it("is small", () => {
        assert.ok(pack.unpackedSize < 1024 * 1024, `unpacked size ${pack.unpackedSize} bytes`);
        console.log(`      npm pack --dry-run: ${files.length} files, ${pack.size} bytes packed, ${pack.unpackedSize} unpacked (${pack.ms} ms)`);
    });
});
