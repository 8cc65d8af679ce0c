/**
 * The output files of `get --out-dir`, all or nothing.
 *
 * Before a certificate is minted, `prepareOutputDir` checks the directory: created 0700 when missing;
 * refused when it exists and group or others may write to it (they could replace or read-swap the
 * key); refused when a file would be overwritten without `--force` (or, with it, when a directory
 * sits at a file's name); and proven writable by creating and removing a probe file.
 *
 * `writeOutputFiles` then writes every file under a temporary name in the same directory (mode
 * 0600, synced), and only when all are complete moves them to their names: without `--force` with
 * link(2), which never replaces anything; with it, by rename(2) after keeping a hard link to the file
 * it replaces. If any step fails, what this run did is undone — its new files removed, replaced
 * files restored, temporary files and the directories it created removed — so a failure (disk
 * full, EACCES, EFBIG) leaves the directory as it was.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import {
    createPrivateDir, LocalFileError, lstatIfExists, modeString, OutputExistsError, removeCreatedDirs,
    shownPath, siblingName, statIfExists, UnsafeDirectoryError, writableByOthers, writeExclusive,
} from "./files";

export interface OutputFile {
    name: string;
    content: string;
}

/** An output directory that passed the checks. */
export interface PreparedOutputDir {
    dir: string;
    /** Directories this run created, deepest first: removed again (when empty) if the run fails. */
    created: readonly string[];
}

/** Error codes of link(2) on file systems without hard links. */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

/** The one-line refusal of a directory that group or others can write to. */
export function unsafeOutputDirMessage(dir: string, mode: number): string {
    const d = shownPath(dir);
    return `refusing to write into ${d}: its mode ${modeString(mode)} lets group or others create or replace files in it; run chmod go-w ${d} or choose a private --out-dir`;
}

async function proveWritable(dir: string): Promise<void> {
    const probe = path.join(dir, `.cce-clustercert.${process.pid}.${randomBytes(6).toString("hex")}.probe`);
    try {
        await writeExclusive(probe, "");
    } catch (e) {
        throw new LocalFileError("write into", dir, e, "nothing was requested; choose a writable --out-dir");
    }
    await fs.unlink(probe).catch(() => undefined);
}

/** Refuses what cannot be written or replaced, before any API call. */
async function checkTargets(dir: string, names: readonly string[], force: boolean): Promise<void> {
    const found: string[] = [];
    for (const name of names) {
        const file = path.join(dir, name);
        const st = await lstatIfExists(file);
        if (st === undefined) continue;
        if (!force) found.push(file);
        else if (st.isDirectory()) throw new LocalFileError("replace", file, new Error("it is a directory"), "remove it or choose another --out-dir");
    }
    if (found.length > 0) throw new OutputExistsError(found);
}

/**
 * Checks (and creates, 0700) the output directory for files named `names`; see the module comment.
 * Throws UnsafeDirectoryError, OutputExistsError or LocalFileError; on failure removes what it created.
 */
export async function prepareOutputDir(dir: string, names: readonly string[], force: boolean): Promise<PreparedOutputDir> {
    const created = await createPrivateDir(dir);
    try {
        const st = await statIfExists(dir);
        if (st === undefined) throw new LocalFileError("use", dir, new Error("it vanished"));
        if (!st.isDirectory()) throw new LocalFileError("use", dir, new Error("not a directory"), "choose a directory for --out-dir");
        if (writableByOthers(st.mode)) throw new UnsafeDirectoryError(unsafeOutputDirMessage(dir, st.mode));
        await checkTargets(dir, names, force);
        await proveWritable(dir);
    } catch (e) {
        await removeCreatedDirs(created);
        throw e;
    }
    return { dir, created };
}

/** Undoes `prepareOutputDir` after a failure before anything was written (e.g. the API call failed). */
export async function abandonOutputDir(prepared: PreparedOutputDir): Promise<void> {
    await removeCreatedDirs(prepared.created);
}

/** A file moved to its name by this run: `backup` holds what it replaced. */
interface Committed {
    file: string;
    backup?: string;
}

/** Moves `tmp` to `file` without replacing anything; EEXIST when `file` exists. */
async function linkNew(tmp: string, file: string): Promise<void> {
    try {
        await fs.link(tmp, file);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? "";
        if (!NO_HARD_LINKS.has(code)) throw e;
        if ((await lstatIfExists(file)) !== undefined) throw Object.assign(new Error("exists"), { code: "EEXIST" });
        await fs.rename(tmp, file);
        return;
    }
    await fs.unlink(tmp).catch(() => undefined);
}

/** Keeps the file at `file` under a new backup name (a hard link, else a rename); undefined when there is none. */
async function keepBackup(file: string): Promise<{ backup: string; linked: boolean } | undefined> {
    const st = await lstatIfExists(file);
    if (st === undefined) return undefined;
    if (st.isDirectory()) throw Object.assign(new Error("it is a directory"), { code: "EISDIR" });
    const backup = siblingName(file, "bak");
    try {
        await fs.link(file, backup);
        return { backup, linked: true };
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? "";
        if (code === "ENOENT") return undefined;
        if (!NO_HARD_LINKS.has(code)) throw e;
    }
    await fs.rename(file, backup);
    return { backup, linked: false };
}

/** Replaces `file` with `tmp`, keeping what was there under a backup name (returned). */
async function replace(tmp: string, file: string): Promise<string | undefined> {
    const kept = await keepBackup(file);
    try {
        await fs.rename(tmp, file);
    } catch (e) {
        // A hard-linked backup is the file itself (still in place): drop the extra name. A renamed one goes back.
        if (kept !== undefined) await (kept.linked ? fs.unlink(kept.backup) : fs.rename(kept.backup, file)).catch(() => undefined);
        throw e;
    }
    return kept?.backup;
}

/** Puts back what `committed` changed, last first. */
async function rollback(committed: readonly Committed[]): Promise<void> {
    for (const c of [...committed].reverse()) {
        if (c.backup !== undefined) await fs.rename(c.backup, c.file).catch(() => undefined);
        else await fs.unlink(c.file).catch(() => undefined);
    }
}

async function syncDir(dir: string): Promise<void> {
    const handle = await fs.open(dir, "r").catch(() => undefined);
    if (handle === undefined) return;
    await handle.sync().catch(() => undefined);
    await handle.close().catch(() => undefined);
}

/**
 * Writes each file into `dir` with mode 0600, all or nothing (see the module comment); checks and
 * creates `dir` first unless `prepared` says that was done. Returns the paths written.
 */
export async function writeOutputFiles(dir: string, files: readonly OutputFile[], force: boolean, prepared?: PreparedOutputDir): Promise<string[]> {
    const ready = prepared ?? (await prepareOutputDir(dir, files.map((f) => f.name), force));
    const targets = files.map((f) => ({ file: path.join(dir, f.name), tmp: siblingName(path.join(dir, f.name), "tmp"), content: f.content }));
    const written: string[] = [];
    const committed: Committed[] = [];
    const cleanUp = async (): Promise<void> => {
        await rollback(committed);
        for (const t of written) await fs.unlink(t).catch(() => undefined);
        await removeCreatedDirs(ready.created);
    };
    for (const t of targets) {
        try {
            written.push(t.tmp);
            await writeExclusive(t.tmp, t.content);
        } catch (e) {
            await cleanUp();
            throw new LocalFileError("write", t.file, e, `nothing was written to ${shownPath(dir)}: check its free space and permissions`);
        }
    }
    for (const t of targets) {
        try {
            if (force) committed.push({ file: t.file, backup: await replace(t.tmp, t.file) });
            else {
                await linkNew(t.tmp, t.file);
                committed.push({ file: t.file });
            }
        } catch (e) {
            await cleanUp();
            if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new OutputExistsError([t.file]);
            throw new LocalFileError(force ? "replace" : "create", t.file, e, `nothing was changed in ${shownPath(dir)}`);
        }
    }
    for (const c of committed) if (c.backup !== undefined) await fs.unlink(c.backup).catch(() => undefined);
    await syncDir(dir);
    return targets.map((t) => t.file);
}
