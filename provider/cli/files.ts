/**
 * Writing files that hold key material: mode 0600, never replacing an existing file unless asked
 * (then atomically: temp file + rename), and atomic writes for the certificate cache.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

/** A file that exists and must not be replaced (no `--force`). Exit code 2. */
export class OutputExistsError extends Error {
    constructor(readonly paths: readonly string[]) {
        super(`refusing to overwrite ${paths.join(", ")}: pass --force to replace ${paths.length === 1 ? "it" : "them"}`);
        this.name = "OutputExistsError";
    }
}

/** A local file system failure (permissions, disk full, not a directory). Exit code 1. */
export class LocalFileError extends Error {
    constructor(what: string, file: string, cause: unknown) {
        super(`cannot ${what} ${file} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
        this.name = "LocalFileError";
    }
}

export const SECRET_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

async function exists(file: string): Promise<boolean> {
    try {
        await fs.lstat(file);
        return true;
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw new LocalFileError("inspect", file, e);
    }
}

/** Throws OutputExistsError naming every file of `files` that exists (unless `force`). */
export async function assertWritable(files: readonly string[], force: boolean): Promise<void> {
    if (force) return;
    const found: string[] = [];
    for (const f of files) if (await exists(f)) found.push(f);
    if (found.length > 0) throw new OutputExistsError(found);
}

/** Creates `dir` (mode 0700 for the parts it creates). */
export async function ensureDir(dir: string, mode = PRIVATE_DIR_MODE): Promise<void> {
    try {
        await fs.mkdir(dir, { recursive: true, mode });
    } catch (e) {
        throw new LocalFileError("create directory", dir, e);
    }
    let st;
    try {
        st = await fs.stat(dir);
    } catch (e) {
        throw new LocalFileError("inspect", dir, e);
    }
    if (!st.isDirectory()) throw new LocalFileError("use", dir, new Error("not a directory"));
}

/** Writes `data` to `file` through a temporary file in the same directory and a rename. Mode 0600. */
export async function writeFileAtomic(file: string, data: string, mode = SECRET_FILE_MODE): Promise<void> {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    try {
        const handle = await fs.open(tmp, "wx", mode);
        try {
            await handle.chmod(mode);
            await handle.writeFile(data, "utf8");
            await handle.sync();
        } finally {
            await handle.close();
        }
        await fs.rename(tmp, file);
    } catch (e) {
        await fs.unlink(tmp).catch(() => undefined);
        throw new LocalFileError("write", file, e);
    }
}

/** Creates `file` with mode 0600; fails with OutputExistsError if it exists. */
export async function writeNewFile(file: string, data: string, mode = SECRET_FILE_MODE): Promise<void> {
    let handle;
    try {
        handle = await fs.open(file, "wx", mode);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new OutputExistsError([file]);
        throw new LocalFileError("create", file, e);
    }
    try {
        await handle.chmod(mode);
        await handle.writeFile(data, "utf8");
    } catch (e) {
        throw new LocalFileError("write", file, e);
    } finally {
        await handle.close();
    }
}

export interface OutputFile {
    name: string;
    content: string;
}

/**
 * Writes each file into `dir` (created 0700 if missing) with mode 0600. Without `force` no existing
 * file is replaced and nothing is written if any exists; with it, each file is replaced atomically.
 * Returns the paths written.
 */
export async function writeOutputFiles(dir: string, files: readonly OutputFile[], force: boolean): Promise<string[]> {
    await ensureDir(dir);
    const paths = files.map((f) => path.join(dir, f.name));
    await assertWritable(paths, force);
    for (const [i, f] of files.entries()) {
        const file = paths[i] as string;
        if (force) await writeFileAtomic(file, f.content);
        else await writeNewFile(file, f.content);
    }
    return paths;
}
