/**
 * The package's version, read from the nearest `package.json` named `pulumi-cce-clustercert` above
 * this file (it sits at different depths in `provider/cli/` and `dist/provider/cli/`).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

export const PACKAGE_NAME = "pulumi-cce-clustercert";

export function packageVersion(start: string = __dirname): string {
    let dir = start;
    for (;;) {
        try {
            const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
            if (pkg.name === PACKAGE_NAME && typeof pkg.version === "string") return pkg.version;
        } catch {
            // No package.json here: go up.
        }
        const parent = path.dirname(dir);
        if (parent === dir) return "unknown";
        dir = parent;
    }
}
