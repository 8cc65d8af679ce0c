/**
 * What the repository's GitHub workflows must say, as pure checks on their parsed YAML:
 * `.github/workflows/ci.yml` runs `.ci/run` on every push and pull request, one job per Node major
 * of `engines.node`; `release.yml` publishes only after that matrix passed, with provenance.
 * (Syntax, expressions and action use are actionlint's job: see workflow.test.ts.)
 */

/** Node majors named by an `engines.node` range such as "^20.18.1 || ^22.0.0 || ^24.0.0". */
export function engineMajors(range: string): number[] {
    return range
        .split("||")
        .map((clause) => /^\s*(?:\^|~|>=)?\s*v?(\d+)/.exec(clause)?.[1])
        .filter((m): m is string => m !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
}

/** The default legs of `.ci/run` (`${CI_NODE_VERSIONS:-20 22 24}`), or undefined if it has none. */
export function ciRunDefaultLegs(script: string): number[] | undefined {
    const m = /\$\{CI_NODE_VERSIONS:-([^}]*)\}/.exec(script);
    return m ? m[1]!.trim().split(/\s+/).map(Number).sort((a, b) => a - b) : undefined;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const asObj = (x: unknown): Obj => (isObj(x) ? x : {});
const steps = (job: Obj): Obj[] => (Array.isArray(job.steps) ? job.steps.filter(isObj) : []);
const usesAction = (step: Obj, action: string): boolean => typeof step.uses === "string" && step.uses.startsWith(`${action}@`);
const MATRIX_NODE = "${{ matrix.node }}";

/** Problems of ci.yml, one line each; `majors` are those of engines.node. */
export function ciWorkflowProblems(doc: unknown, majors: number[]): string[] {
    const problems: string[] = [];
    const wf = asObj(doc);
    const on = asObj(wf.on);
    for (const trigger of ["push", "pull_request", "workflow_call"]) {
        if (!(trigger in on)) problems.push(`on: ${trigger} is missing`);
    }
    if (isObj(on.push) && "paths" in on.push) problems.push("on.push must not be limited to paths: every push is tested");
    const perms = asObj(wf.permissions);
    if (perms.contents !== "read" || Object.values(perms).some((v) => v === "write")) problems.push("permissions must be read-only (contents: read)");
    const jobs = Object.entries(asObj(wf.jobs)).filter(([, j]) => isObj(j)) as [string, Obj][];
    const matrixJobs = jobs.filter(([, j]) => Array.isArray(asObj(asObj(j.strategy).matrix).node));
    if (matrixJobs.length !== 1) {
        problems.push(`expected one job with a strategy.matrix.node list, found ${matrixJobs.length}`);
        return problems;
    }
    const [name, job] = matrixJobs[0]!;
    const strategy = asObj(job.strategy);
    const nodes = (asObj(strategy.matrix).node as unknown[]).map(Number).sort((a, b) => a - b);
    if (JSON.stringify(nodes) !== JSON.stringify(majors)) problems.push(`jobs.${name}.strategy.matrix.node is [${nodes.join(", ")}], engines.node names [${majors.join(", ")}]`);
    if (strategy["fail-fast"] !== false) problems.push(`jobs.${name}.strategy.fail-fast must be false: one Node's failure must not cancel the others`);
    const timeout = Number(job["timeout-minutes"]);
    if (!(timeout > 0 && timeout <= 90)) problems.push(`jobs.${name}.timeout-minutes must be set, at most 90 (CI's limit)`);
    if (!steps(job).some((s) => usesAction(s, "actions/checkout"))) problems.push(`jobs.${name} does not check out the repository`);
    const setup = steps(job).find((s) => usesAction(s, "actions/setup-node"));
    if (asObj(setup?.with)["node-version"] !== MATRIX_NODE) problems.push(`jobs.${name}: actions/setup-node must install node-version ${MATRIX_NODE}`);
    const run = steps(job).find((s) => typeof s.run === "string" && /(^|\s)(bash\s+)?\.ci\/run(\s|$)/.test(s.run));
    if (run === undefined) problems.push(`jobs.${name} has no step that runs .ci/run`);
    else if (asObj(run.env).CI_NODE_VERSIONS !== MATRIX_NODE) problems.push(`jobs.${name}: the .ci/run step must set CI_NODE_VERSIONS: ${MATRIX_NODE} (one leg per job)`);
    return problems;
}

/** Problems of release.yml, one line each. */
export function releaseWorkflowProblems(doc: unknown): string[] {
    const problems: string[] = [];
    const wf = asObj(doc);
    const on = asObj(wf.on);
    const push = asObj(on.push);
    if (Object.keys(on).join() !== "push" || !Array.isArray(push.tags) || "branches" in push) problems.push("on: only push of tags");
    const jobs = Object.entries(asObj(wf.jobs)).filter(([, j]) => isObj(j)) as [string, Obj][];
    const tests = jobs.find(([, j]) => j.uses === "./.github/workflows/ci.yml");
    if (tests === undefined) problems.push("no job uses ./.github/workflows/ci.yml (the test matrix)");
    const publishing = jobs.filter(([, j]) => steps(j).some((s) => typeof s.run === "string" && /\bnpm publish\b(?!.*--dry-run)/.test(s.run)));
    if (publishing.length !== 1) {
        problems.push(`expected one job that runs npm publish, found ${publishing.length}`);
        return problems;
    }
    const [name, job] = publishing[0]!;
    const needs = ([] as unknown[]).concat(job.needs ?? []);
    if (tests !== undefined && !needs.includes(tests[0])) problems.push(`jobs.${name} must need ${tests[0]}: publish only what passed the matrix`);
    if (asObj(job.permissions)["id-token"] !== "write") problems.push(`jobs.${name}.permissions.id-token must be write (trusted publishing, provenance)`);
    const script = steps(job).map((s) => (typeof s.run === "string" ? s.run : "")).join("\n");
    if (!/\bnpm publish\b[^\n]*--provenance/.test(script)) problems.push(`jobs.${name}: npm publish must pass --provenance`);
    if (!/GITHUB_REF_NAME/.test(script) || !/package\.json/.test(script)) problems.push(`jobs.${name} must check that the tag names package.json's version`);
    if (!/CHANGELOG\.md/.test(script)) problems.push(`jobs.${name} must check that CHANGELOG.md has a dated section for the version`);
    const perms = asObj(wf.permissions);
    if (Object.values(perms).some((v) => v === "write")) problems.push("top-level permissions must be read-only");
    return problems;
}
