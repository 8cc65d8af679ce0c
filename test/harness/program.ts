/**
 * Pulumi program directories for the dynamic-provider host.
 *
 * The engine starts the host with the program directory as its working directory, and the host
 * evaluates `__provider` with `require` resolving from there (require-from-string uses
 * `Module._nodeModulePaths(".")`). The host script itself, and everything it loads, comes from
 * this repository's node_modules (it is started by absolute path). So a program directory only
 * needs the packages that the serialized provider text requires, e.g. `pulumi-cce-clustercert`
 * for `require("pulumi-cce-clustercert/runtime")`. Node resolves the symlink to its real path,
 * so the package's own dependencies (yaml, undici...) resolve from the repository.
 *
 * The repository root itself is also a valid program directory: `package.json` has the
 * self-dependency `"pulumi-cce-clustercert": "file:"`, i.e. `node_modules/pulumi-cce-clustercert -> ..`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const PACKAGE_NAME = "pulumi-cce-clustercert";

function findRepoRoot(start: string): string {
    let dir = start;
    for (;;) {
        const pkg = path.join(dir, "package.json");
        if (fs.existsSync(pkg)) {
            const json: unknown = JSON.parse(fs.readFileSync(pkg, "utf8"));
            if (typeof json === "object" && json !== null && (json as { name?: unknown }).name === PACKAGE_NAME) {
                return dir;
            }
        }
        const parent = path.dirname(dir);
        if (parent === dir) {
            throw new Error(`cannot find the ${PACKAGE_NAME} repository root above ${start}`);
        }
        dir = parent;
    }
}

/** The repository root (works from test/harness and from dist/test/harness). */
export const REPO_ROOT: string = findRepoRoot(__dirname);

/** Directory of the test fixtures (source tree, not dist: they are plain JS packages). */
export const FIXTURES_DIR: string = path.join(REPO_ROOT, "test", "harness", "fixtures");

export interface ProgramDirOptions {
    /** package.json / Pulumi.yaml name (default "test-program"). */
    name?: string;
    /**
     * Packages to link into `node_modules`: package name → directory. Default:
     * `{ "pulumi-cce-clustercert": REPO_ROOT }`. Pass `{}` for none; entries are added to the
     * default unless `replaceDefaultLinks` is true.
     */
    links?: Record<string, string>;
    replaceDefaultLinks?: boolean;
    /** Extra files to write, relative path → content. */
    files?: Record<string, string>;
}

export interface ProgramDir {
    dir: string;
    /** Removes the directory (symlinks only, never their targets). Idempotent. */
    cleanup(): Promise<void>;
}

const liveDirs = new Set<string>();

/** Creates a temporary Pulumi program directory. */
export async function makeProgramDir(opts: ProgramDirOptions = {}): Promise<ProgramDir> {
    const name = opts.name ?? "test-program";
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "pulumi-program-"));
    liveDirs.add(dir);
    const links = opts.replaceDefaultLinks ? { ...opts.links } : { [PACKAGE_NAME]: REPO_ROOT, ...opts.links };
    const files: Record<string, string> = {
        "package.json": JSON.stringify({ name, version: "0.0.0", private: true, main: "index.js" }, null, 2) + "\n",
        "Pulumi.yaml": `name: ${name}\nruntime: nodejs\n`,
        ...opts.files,
    };
    for (const [rel, content] of Object.entries(files)) {
        const file = path.join(dir, rel);
        await fs.promises.mkdir(path.dirname(file), { recursive: true });
        await fs.promises.writeFile(file, content);
    }
    for (const [pkg, target] of Object.entries(links)) {
        const link = path.join(dir, "node_modules", ...pkg.split("/"));
        await fs.promises.mkdir(path.dirname(link), { recursive: true });
        await fs.promises.symlink(path.resolve(target), link, "dir");
    }
    let removed = false;
    return {
        dir,
        async cleanup() {
            if (removed) {
                return;
            }
            removed = true;
            liveDirs.delete(dir);
            // fs.rm does not follow symlinks: the link targets are left alone.
            await fs.promises.rm(dir, { recursive: true, force: true });
        },
    };
}

/** Removes every program directory created by makeProgramDir and not yet cleaned up. */
export async function cleanupAllProgramDirs(): Promise<void> {
    const dirs = [...liveDirs];
    liveDirs.clear();
    await Promise.all(dirs.map((d) => fs.promises.rm(d, { recursive: true, force: true })));
}
