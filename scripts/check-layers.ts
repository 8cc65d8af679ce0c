/**
 * The dependency rule of `provider/`, checked by `npm run lint`: layers as folders, imports pointing
 * down only.
 *
 *   pulumi/   cli/         front ends (neither imports the other)        rank 3
 *   core/                  the operations both front ends share          rank 2
 *   huaweicloud/  kube/    the cloud's client, the Kubernetes formats    rank 1 (neither imports the other)
 *   util/                  text, JSON, redaction, the error base         rank 0
 *
 * `provider/index.ts` (the package's public face) may import anything. A file may import its own
 * layer and any lower one. Usage: `ts-node scripts/check-layers.ts [provider-dir]`; exit code 1 and
 * one line per upward import when the rule is broken.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

export const LAYERS: Readonly<Record<string, number>> = { util: 0, huaweicloud: 1, kube: 1, core: 2, pulumi: 3, cli: 3 };

export interface Violation {
    from: string;
    to: string;
    why: string;
}

/** The layer of a path relative to the provider folder ("core/state.ts" → "core"; "index.ts" → "index"). */
export function layerOf(relative: string): string {
    const first = relative.split(/[\\/]/)[0] ?? "";
    return relative.includes("/") || relative.includes("\\") ? first : "index";
}

/** Why an import from `from` to `to` (paths relative to the provider folder) breaks the rule, or undefined. */
export function violation(from: string, to: string): string | undefined {
    const a = layerOf(from);
    const b = layerOf(to);
    if (a === "index" || a === b) return undefined;
    if (b === "index") return "nothing imports the package's public face";
    const ra = LAYERS[a];
    const rb = LAYERS[b];
    if (ra === undefined) return `${a}/ is not a layer (${Object.keys(LAYERS).join(", ")})`;
    if (rb === undefined) return `${b}/ is not a layer (${Object.keys(LAYERS).join(", ")})`;
    if (rb > ra) return `${a}/ (rank ${ra}) imports ${b}/ (rank ${rb}): an import runs back up`;
    if (rb === ra) return `${a}/ and ${b}/ stand side by side and must not import each other`;
    return undefined;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;

/** Relative module specifiers of a TypeScript source (import/export from, import(), require()). */
export function relativeSpecifiers(source: string): string[] {
    return [...source.matchAll(SPECIFIER)].map((m) => m[1] as string);
}

function sources(dir: string, base = dir): string[] {
    const out: string[] = [];
    for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) out.push(...sources(full, base));
        else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path.relative(base, full));
    }
    return out.sort();
}

/** Every upward or sideways import among the sources under `providerDir`. */
export function checkLayers(providerDir: string): Violation[] {
    const out: Violation[] = [];
    for (const file of sources(providerDir)) {
        for (const spec of relativeSpecifiers(readFileSync(path.join(providerDir, file), "utf8"))) {
            const target = path.relative(providerDir, path.resolve(path.dirname(path.join(providerDir, file)), spec));
            if (target.startsWith("..")) {
                out.push({ from: file, to: spec, why: "imports from outside provider/" });
                continue;
            }
            const why = violation(file, target);
            if (why !== undefined) out.push({ from: file, to: target, why });
        }
    }
    return out;
}

if (require.main === module) {
    const dir = path.resolve(process.argv[2] ?? path.join(__dirname, "..", "provider"));
    const found = checkLayers(dir);
    for (const v of found) console.error(`layers: ${v.from} -> ${v.to}: ${v.why}`);
    if (found.length > 0) process.exitCode = 1;
    else console.log(`layers: ${dir}: every import points down`);
}
