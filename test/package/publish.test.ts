/**
 * A release that can be published: `npm publish --dry-run` succeeds without npm having to correct
 * package.json, uploads exactly what `npm pack` ships, and the metadata a registry page and a
 * user's tools read is complete. Nothing is uploaded: a dry run with `--offline` never contacts
 * the registry. Reads the build output: `npm run build` first.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../harness/program";
import { npmPack, PACKAGE_NAME, run, type RunResult } from "./npm";

interface PublishManifest {
    name: string;
    version: string;
    description?: string;
    keywords?: string[];
    homepage?: string;
    bugs?: { url?: string } | string;
    repository?: { type?: string; url?: string; directory?: string } | string;
    author?: string | { name?: string };
    license?: string;
    private?: boolean;
    publishConfig?: Record<string, unknown>;
    scripts?: Record<string, string>;
}

/** The one GitHub repository every link in package.json points at (a placeholder until the project has its own). */
const GITHUB = /^https:\/\/github\.com\/([\w.-]+)\/([\w.-]+)$/;

/** `owner/name` of a repository URL as npm writes it (`git+https://github.com/o/n.git`), or undefined. */
export function githubRepository(url: string | undefined): string | undefined {
    const m = GITHUB.exec((url ?? "").replace(/^git\+/, "").replace(/\.git$/, ""));
    return m ? `${m[1]}/${m[2]}` : undefined;
}

/** npm's warnings in a dry run's stderr, less the one every dry run without a login prints. */
export function publishWarnings(stderr: string): string[] {
    return stderr
        .split("\n")
        .filter((l) => /^npm (warn|WARN|error|ERR)/.test(l))
        .filter((l) => !/requires you to be logged in/.test(l));
}

interface DryRunEntry {
    id: string;
    name: string;
    version: string;
    files: { path: string }[];
}

/** The package's entry in `npm publish --dry-run --json`: npm 10 prints it bare, npm 11 keyed by name. */
export function dryRunEntry(json: unknown, name: string): DryRunEntry | undefined {
    const o = json as Record<string, unknown> | null;
    const entry = (typeof o?.id === "string" ? o : o?.[name]) as Partial<DryRunEntry> | undefined;
    return typeof entry?.id === "string" && Array.isArray(entry.files) ? (entry as DryRunEntry) : undefined;
}

describe("npm publish --dry-run", function () {
    this.timeout(120_000);

    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as PublishManifest;
    let dryRun: RunResult;

    before(async () => {
        assert.ok(fs.existsSync(path.join(REPO_ROOT, "dist", "provider", "index.js")), "run `npm run build` first (npm test does)");
        // --ignore-scripts: `prepack` would build dist/ again under the running suite.
        dryRun = await run("npm", ["publish", "--dry-run", "--json", "--ignore-scripts", "--offline", "--no-update-notifier"], { cwd: REPO_ROOT });
    });

    it("succeeds, and npm corrects nothing in package.json", () => {
        assert.equal(dryRun.code, 0, `npm publish --dry-run failed:\n${dryRun.stderr.slice(-4000)}`);
        assert.deepEqual(publishWarnings(dryRun.stderr), [], "npm warned while publishing (run `npm pkg fix` and see the lines)");
        assert.match(dryRun.stderr, /\(dry-run\)/, "not a dry run");
    });

    it("would upload exactly the files of `npm pack`, as name@version", async () => {
        const entry = dryRunEntry(JSON.parse(dryRun.stdout.slice(dryRun.stdout.indexOf("{"))), PACKAGE_NAME);
        assert.ok(entry, `no ${PACKAGE_NAME} in the output of npm publish --dry-run --json:\n${dryRun.stdout.slice(0, 500)}`);
        assert.equal(entry.id, `${PACKAGE_NAME}@${pkg.version}`);
        const pack = await npmPack(undefined);
        assert.deepEqual(entry.files.map((f) => f.path).sort(), pack.files.map((f) => f.path).sort());
    });

    it("has complete metadata: description, keywords, author, license, repository, homepage and bugs of one repository", () => {
        assert.notEqual(pkg.private, true, "a private package cannot be published");
        assert.ok((pkg.description ?? "").length > 20, "description");
        for (const k of ["pulumi", "huaweicloud", "cce", "kubernetes", "kubeconfig"]) assert.ok(pkg.keywords?.includes(k), `keywords lacks ${k}`);
        const author = typeof pkg.author === "string" ? pkg.author : pkg.author?.name;
        assert.ok(author && author.trim().length > 0, "author");
        assert.equal(pkg.license, "Apache-2.0");
        assert.ok(typeof pkg.repository === "object", "repository must be an object ({ type, url }), as npm normalizes it");
        assert.equal(pkg.repository.type, "git");
        const repo = githubRepository(pkg.repository.url);
        assert.ok(repo, `repository.url ${pkg.repository.url} is not a GitHub repository URL`);
        assert.equal(pkg.homepage, `https://github.com/${repo}#readme`);
        const bugs = typeof pkg.bugs === "string" ? pkg.bugs : pkg.bugs?.url;
        assert.equal(bugs, `https://github.com/${repo}/issues`);
    });

    it("publishes publicly to the registry npm is configured for, and builds dist/ before packing", () => {
        assert.equal(pkg.publishConfig?.access, "public");
        // A registry in publishConfig would override the user's; provenance there would fail a publish from a laptop.
        assert.equal(pkg.publishConfig?.registry, undefined);
        assert.equal(pkg.publishConfig?.provenance, undefined, "provenance belongs to the release workflow (npm publish --provenance)");
        // Without a build, `files` matches nothing under dist/ and npm would publish README, LICENSE and CHANGELOG only.
        assert.match(pkg.scripts?.prepack ?? "", /\bnpm run build\b/, "scripts.prepack must build dist/");
    });

    it("fails on a package.json npm has to correct (checked against the same npm)", async () => {
        const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "cce-publish-"));
        try {
            const bad = { name: "cce-clustercert-publish-check", version: "1.0.0", license: "MIT", repository: "https://github.com/o/n", bin: { x: "./x.js" } };
            await fs.promises.writeFile(path.join(dir, "package.json"), JSON.stringify(bad));
            await fs.promises.writeFile(path.join(dir, "x.js"), "#!/usr/bin/env node\n");
            const r = await run("npm", ["publish", "--dry-run", "--offline", "--no-update-notifier"], { cwd: dir });
            assert.equal(r.code, 0, r.stderr);
            assert.ok(publishWarnings(r.stderr).some((l) => /repository/.test(l)), `npm did not complain:\n${r.stderr}`);
        } finally {
            await fs.promises.rm(dir, { recursive: true, force: true });
        }
    });
});
