/**
 * CHANGELOG.md follows the convention it states (Keep a Changelog 1.1.0 + Semantic Versioning),
 * accounts for package.json's version, and docs/compatibility.md defines what a breaking change is.
 * The checker is tested on small texts that break each rule.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../harness/program";
import { changelogProblems, versionProblem } from "./changelog";

const read = (file: string): string => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");

const INTRO = "# Changelog\n\nFormat: [Keep a Changelog](https://keepachangelog.com/en/1.1.0/), [SemVer](https://semver.org/spec/v2.0.0.html).\n\n";
const URL = "https://example.invalid/";

/** A valid changelog with the given sections, link definitions appended for each. */
function changelog(sections: string[], labels: string[]): string {
    return `${INTRO}${sections.join("\n\n")}\n\n${labels.map((l) => `[${l}]: ${URL}${l}`).join("\n")}\n`;
}

describe("CHANGELOG.md", () => {
    it("follows Keep a Changelog 1.1.0 and Semantic Versioning", () => {
        assert.deepEqual(changelogProblems(read("CHANGELOG.md")), []);
    });

    it("accounts for package.json's version (released, or named in [Unreleased])", () => {
        const version = (JSON.parse(read("package.json")) as { version: string }).version;
        assert.equal(versionProblem(read("CHANGELOG.md"), version), undefined);
    });

    it("keeps every entry the changelog had before it was restructured", () => {
        const text = read("CHANGELOG.md");
        for (const item of ["`ClusterCert`, a Pulumi dynamic resource", "`expiresAt` (sent as `expire_at`", "`mode: \"exec\"`", "The `cce-clustercert` command", "Node.js 20 (>= 20.18.1"]) {
            assert.ok(text.includes(item), `lost: ${item}`);
        }
    });

    describe("the checker", () => {
        const ok = changelog(["## [Unreleased]\n\n### Added\n\n- b", "## [1.1.0] - 2026-02-01\n\n### Added\n\n- a\n\n### Fixed\n\n- c", "## [1.0.0] - 2026-01-01\n\n- first"], ["Unreleased", "1.1.0", "1.0.0"]);

        it("accepts a valid changelog", () => {
            assert.deepEqual(changelogProblems(ok), []);
        });

        const broken: [string, string, RegExp][] = [
            ["a heading without brackets and date", ok.replace("## [1.0.0] - 2026-01-01", "## 1.0.0"), /neither/],
            ["no [Unreleased] first", ok.replace("## [Unreleased]\n\n### Added\n\n- b\n\n", ""), /first section/],
            ["a missing link definition", ok.replace(`[1.1.0]: ${URL}1.1.0\n`, ""), /no link definition \[1\.1\.0\]/],
            ["an unknown group", ok.replace("### Fixed", "### Bugfixes"), /not one of/],
            ["groups out of order", ok.replace("### Added\n\n- a\n\n### Fixed", "### Fixed\n\n- a\n\n### Added"), /out of order/],
            ["versions not descending", ok.replace("## [1.0.0] - 2026-01-01", "## [1.2.0] - 2026-01-01").replace(`[1.0.0]: ${URL}1.0.0`, `[1.2.0]: ${URL}1.2.0`), /not lower than/],
            ["an impossible date", ok.replace("2026-01-01", "2026-02-30"), /not a date/],
            ["no link to Keep a Changelog", ok.replace("keepachangelog.com/en/1.1.0/", "example.invalid/"), /Keep a Changelog/],
        ];
        for (const [what, text, expected] of broken) {
            it(`refuses ${what}`, () => {
                const problems = changelogProblems(text);
                assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} in ${JSON.stringify(problems)}`);
            });
        }

        it("refuses a package.json version that is neither released nor named in [Unreleased]", () => {
            assert.equal(versionProblem(ok, "1.1.0"), undefined);
            assert.match(versionProblem(ok, "1.0.5") ?? "", /already released/);
            assert.match(versionProblem(ok, "1.2.0") ?? "", /neither released nor named/);
            assert.equal(versionProblem(ok.replace("- b", "- b (to be released as 1.2.0)"), "1.2.0"), undefined);
        });
    });
});

describe("docs/compatibility.md", () => {
    it("defines breaking changes (state, the runtime specifier), the supported Node versions and how CI proves them", () => {
        const text = read("docs/compatibility.md");
        assert.match(text, /pulumi-cce-clustercert\/runtime/);
        assert.match(text, /^## .*[Bb]reaking/m);
        const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
        assert.ok(text.includes(engines), `docs/compatibility.md does not quote engines.node ${engines}`);
        assert.match(text, /\.ci\/run/);
        assert.match(text, /\.github\/workflows\/ci\.yml/);
    });
});
