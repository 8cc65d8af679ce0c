/**
 * File system primitives for files that hold key material: mode 0600 files written through a
 * temporary name and a rename, private (0700) directories, the check that a directory cannot be
 * changed by group or others, and a bounded, non-blocking read of a small regular file.
 * The all-or-nothing output of `get` is in `output-files.ts`.
 *
 * The reads and the private directory are synchronous underneath (their async forms wrap the
 * synchronous ones): they are short local calls a command has nothing to do during, and the exec
 * plugin's cache hit (`exec-hit.ts`) makes them without loading `fs/promises`.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, mkdirSync, openSync, promises as fs, readSync, statSync, type Stats } from "node:fs";
import * as path from "node:path";
import { ClusterCertError } from "../util/errors";

/** `p` as messages show it: as is, or JSON-quoted when it holds control characters (a message is one clean line). */
export function shownPath(p: string): string {
    return /[\u0000-\u001f\u007f-\u009f]/.test(p) ? JSON.stringify(p) : p;
}

/** A file that exists and must not be replaced (no `--force`). Exit code 2. */
export class OutputExistsError extends ClusterCertError {
    constructor(readonly paths: readonly string[]) {
        super("exists", `refusing to overwrite ${paths.map(shownPath).join(", ")}: pass --force to replace ${paths.length === 1 ? "it" : "them"}`);
    }
}

/** The error code of a failed system call, else the error's message. */
export function reasonOf(cause: unknown): string {
    return (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
}

/** A local file system failure (permissions, disk full, not a directory). Exit code 1. */
export class LocalFileError extends ClusterCertError {
    /** `cannot <what> <file> (<code>)`, then `; <next>` when given (what happened, what to do). */
    constructor(what: string, file: string, cause: unknown, next?: string) {
        super("local", `cannot ${what} ${shownPath(file)} (${reasonOf(cause)})${next !== undefined ? `; ${next}` : ""}`, { cause });
    }
}

/** A directory that others could change (group/other-writable, or owned by another user). Exit code 1. */
export class UnsafeDirectoryError extends ClusterCertError {
    constructor(message: string) {
        super("local", message);
    }
}

export const SECRET_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;
/** Mode bits that let users other than the owner create, rename or delete entries of a directory. */
export const FOREIGN_WRITE_BITS = 0o022;

/** Whether group or others may write to a directory of mode `mode` (never on Windows, whose modes are not permissions). */
export function writableByOthers(mode: number, platform: NodeJS.Platform = process.platform): boolean {
    return platform !== "win32" && (mode & FOREIGN_WRITE_BITS) !== 0;
}

/** `0700`, `1777`: the permission bits as `ls`/`chmod` write them. */
export function modeString(mode: number): string {
    return (mode & 0o7777).toString(8).padStart(4, "0");
}

/** A unique name in the directory of `file`, hidden, for a temporary sibling of it. */
export function siblingName(file: string, suffix: string): string {
    return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.${suffix}`);
}

/** Creates `file` (which must not exist) with `mode`, writes `data` and (unless told not to) syncs it. Removes it on failure. */
export async function writeExclusive(file: string, data: string | Uint8Array, mode = SECRET_FILE_MODE, sync = true): Promise<void> {
    const handle = await fs.open(file, "wx", mode);
    try {
        await handle.chmod(mode);
        await handle.writeFile(data);
        if (sync) await handle.sync();
    } catch (e) {
        await handle.close().catch(() => undefined);
        await fs.unlink(file).catch(() => undefined);
        throw e;
    }
    await handle.close();
}

/** Writes `data` to `file` through a temporary file in the same directory and a rename. Mode 0600. */
export async function writeFileAtomic(file: string, data: string, mode = SECRET_FILE_MODE): Promise<void> {
    const tmp = siblingName(file, "tmp");
    try {
        await writeExclusive(tmp, data, mode);
        await fs.rename(tmp, file);
    } catch (e) {
        await fs.unlink(tmp).catch(() => undefined);
        throw new LocalFileError("write", file, e);
    }
}

/**
 * Creates `dir` and its missing parents with mode 0700. Returns the directories it created, deepest
 * first (empty when `dir` existed). Throws LocalFileError when it cannot.
 */
export function createPrivateDirSync(dir: string): string[] {
    let first: string | undefined;
    try {
        first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return []; // a file is there: the caller's stat says so
        throw new LocalFileError("create directory", dir, e);
    }
    const created: string[] = [];
    if (first === undefined) return created;
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
        created.push(d);
        if (d === path.resolve(first) || d === path.dirname(d)) break;
    }
    return created;
}

/** `createPrivateDirSync` as a promise. */
export async function createPrivateDir(dir: string): Promise<string[]> {
    return createPrivateDirSync(dir);
}

/** Removes the directories `created` (deepest first) as long as they are empty. */
export async function removeCreatedDirs(created: readonly string[]): Promise<void> {
    for (const d of created) {
        try {
            await fs.rmdir(d);
        } catch {
            return;
        }
    }
}

/** `stat` of `file` (following links), or undefined when it does not exist. */
export function statIfExistsSync(file: string): Stats | undefined {
    try {
        return statSync(file);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new LocalFileError("inspect", file, e);
    }
}

/** `statIfExistsSync` as a promise. */
export async function statIfExists(file: string): Promise<Stats | undefined> {
    return statIfExistsSync(file);
}

/** `lstat` of `file`, or undefined when it does not exist. */
export async function lstatIfExists(file: string): Promise<Stats | undefined> {
    try {
        return await fs.lstat(file);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new LocalFileError("inspect", file, e);
    }
}

/** What `readSmallRegularFile` found. */
export type SmallFile =
    | { kind: "missing" }
    /** Not a regular file, a symbolic link, too large, or unreadable: `reason` says which (no content). */
    | { kind: "bad"; reason: string; isDirectory: boolean; dev?: number; ino?: number }
    | { kind: "ok"; text: string; dev: number; ino: number; mtimeMs: number };

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/**
 * Reads `file` if it is a regular file of at most `maxBytes`, without ever blocking: opened
 * O_RDONLY|O_NOFOLLOW|O_NONBLOCK (a symbolic link is refused, a FIFO opens at once) and checked with
 * fstat before any read. A file that grows past `maxBytes` while being read is "bad" too.
 */
export function readSmallRegularFileSync(file: string, maxBytes: number): SmallFile {
    let fd: number;
    try {
        fd = openSync(file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return { kind: "missing" };
        if (code === "ELOOP" || code === "EMLINK") return { kind: "bad", reason: "it is a symbolic link", isDirectory: false };
        return { kind: "bad", reason: `it cannot be opened (${reasonOf(e)})`, isDirectory: false };
    }
    try {
        const st = fstatSync(fd);
        const id = { dev: st.dev, ino: st.ino };
        if (st.isDirectory()) return { kind: "bad", reason: "it is a directory", isDirectory: true, ...id };
        if (!st.isFile()) return { kind: "bad", reason: st.isFIFO() ? "it is a FIFO" : "it is not a regular file", isDirectory: false, ...id };
        const tooLarge = { kind: "bad", reason: `it is larger than ${maxBytes} bytes`, isDirectory: false, ...id } as const;
        if (st.size > maxBytes) return tooLarge;
        const buf = Buffer.alloc(maxBytes + 1);
        let len = 0;
        for (;;) {
            const bytesRead = readSync(fd, buf, len, buf.length - len, len);
            if (bytesRead === 0) break;
            len += bytesRead;
            if (len > maxBytes) return tooLarge;
        }
        return { kind: "ok", text: buf.subarray(0, len).toString("utf8"), dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs };
    } catch (e) {
        return { kind: "bad", reason: `it cannot be read (${reasonOf(e)})`, isDirectory: false };
    } finally {
        try {
            closeSync(fd);
        } catch {
            // Nothing to do: the descriptor is gone either way.
        }
    }
}

/** `readSmallRegularFileSync` as a promise. */
export async function readSmallRegularFile(file: string, maxBytes: number): Promise<SmallFile> {
    return readSmallRegularFileSync(file, maxBytes);
}
