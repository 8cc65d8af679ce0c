/**
 * CHANGELOG.md's convention, as pure functions: Keep a Changelog 1.1.0 with Semantic Versioning.
 * One `## [Unreleased]` section first, then released versions `## [X.Y.Z] - YYYY-MM-DD`, newest
 * first; within a section only the six Keep a Changelog groups, in their order; every bracketed
 * heading has a link definition. Used by test/package/changelog.test.ts and pack.test.ts.
 */

/** The groups Keep a Changelog allows inside a version, in the order they must appear. */
export const GROUPS = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"] as const;

/** One `## ` section of the changelog. */
export interface ChangelogSection {
    /** "Unreleased" or an X.Y.Z version (undefined when the heading has neither form). */
    version: string | undefined;
    /** YYYY-MM-DD of a released version. */
    date: string | undefined;
    heading: string;
    /** 1-based line of the heading. */
    line: number;
    /** Lines between this heading and the next `## ` heading (or the link definitions). */
    body: string[];
}

export interface Changelog {
    title: string;
    sections: ChangelogSection[];
    /** Link definitions `[label]: url`, by label. */
    links: Map<string, string>;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const LINK = /^\[([^\]]+)\]:\s*(\S+)\s*$/;

/** Splits the text into its title, `## ` sections and link definitions. */
export function parseChangelog(text: string): Changelog {
    const lines = text.split(/\r?\n/);
    const sections: ChangelogSection[] = [];
    const links = new Map<string, string>();
    lines.forEach((line, i) => {
        const link = LINK.exec(line);
        if (link) {
            links.set(link[1]!, link[2]!);
            return;
        }
        if (line.startsWith("## ")) {
            const released = /^## \[([^\]]+)\] - (\d{4}-\d{2}-\d{2})$/.exec(line);
            const unreleased = /^## \[Unreleased\]$/.exec(line);
            const version = unreleased ? "Unreleased" : released && SEMVER.test(released[1]!) ? released[1] : undefined;
            sections.push({ version, date: released?.[2], heading: line, line: i + 1, body: [] });
            return;
        }
        sections[sections.length - 1]?.body.push(line);
    });
    return { title: lines[0] ?? "", sections, links };
}

/** -1, 0 or 1 as X.Y.Z version a is lower, equal or higher than b. */
export function compareSemver(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
    return 0;
}

function isRealDate(d: string): boolean {
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
}

/** What in `text` breaks the convention, one line each (empty when it follows it). */
export function changelogProblems(text: string): string[] {
    const { title, sections, links } = parseChangelog(text);
    const problems: string[] = [];
    if (title !== "# Changelog") problems.push(`line 1: the title must be "# Changelog", not ${JSON.stringify(title)}`);
    const firstSection = text.indexOf("\n## ");
    const intro = firstSection < 0 ? text : text.slice(0, firstSection);
    if (!/keepachangelog\.com\/en\/1\.1\.0/.test(intro)) problems.push("the introduction must link Keep a Changelog 1.1.0");
    if (!/semver\.org\/spec\/v2\.0\.0/.test(intro)) problems.push("the introduction must link Semantic Versioning 2.0.0");
    if (sections[0]?.version !== "Unreleased") problems.push("the first section must be ## [Unreleased]");
    let previous: ChangelogSection | undefined;
    for (const s of sections) {
        const where = `line ${s.line}`;
        if (s.version === undefined) {
            problems.push(`${where}: ${JSON.stringify(s.heading)} is neither "## [Unreleased]" nor "## [X.Y.Z] - YYYY-MM-DD"`);
            continue;
        }
        if (s.version === "Unreleased" && s !== sections[0]) problems.push(`${where}: a second [Unreleased] section`);
        if (s.date !== undefined && !isRealDate(s.date)) problems.push(`${where}: ${s.date} is not a date`);
        if (previous?.date !== undefined && s.date !== undefined) {
            if (compareSemver(s.version, previous.version!) >= 0) problems.push(`${where}: ${s.version} is not lower than ${previous.version} above it`);
            if (s.date > previous.date) problems.push(`${where}: ${s.version} (${s.date}) is dated after ${previous.version} (${previous.date}) above it`);
        }
        if (!links.has(s.version)) problems.push(`${where}: no link definition [${s.version}]: URL at the end`);
        let lastGroup = -1;
        for (const line of s.body.filter((l) => l.startsWith("### "))) {
            const g = GROUPS.indexOf(line.slice(4) as (typeof GROUPS)[number]);
            if (g < 0) problems.push(`${where}: ${JSON.stringify(line)} is not one of ${GROUPS.map((x) => `### ${x}`).join(", ")}`);
            else if (g <= lastGroup) problems.push(`${where}: "${line}" is out of order or repeated (order: ${GROUPS.join(", ")})`);
            lastGroup = Math.max(lastGroup, g);
        }
        for (const line of s.body.filter((l) => /^#{1,6} /.test(l) && !l.startsWith("### "))) problems.push(`${where}: ${JSON.stringify(line)}: only ## and ### headings are used`);
        previous = s;
    }
    const labels = new Set(sections.map((s) => s.version));
    for (const label of links.keys()) if (!labels.has(label)) problems.push(`the link definition [${label}] belongs to no section`);
    return problems;
}

/**
 * Whether the changelog accounts for `version` (package.json's): a released section for it, or,
 * while it is not released yet, a version above every released one that [Unreleased] names.
 */
export function versionProblem(text: string, version: string): string | undefined {
    const { sections } = parseChangelog(text);
    if (sections.some((s) => s.version === version && s.date !== undefined)) return undefined;
    const released = sections.filter((s) => s.date !== undefined && s.version !== undefined).map((s) => s.version!);
    const newer = released.find((v) => compareSemver(v, version) >= 0);
    if (newer !== undefined) return `package.json's version ${version} has no section, and ${newer} is already released`;
    const unreleased = sections.find((s) => s.version === "Unreleased");
    if (!unreleased?.body.join("\n").includes(version)) return `package.json's version ${version} is neither released nor named in [Unreleased]`;
    return undefined;
}
