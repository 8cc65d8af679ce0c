/**
 * The kubeconfig `kubeconfig --merge` writes into: `--kubeconfig PATH`, else the first file of
 * `$KUBECONFIG`, else `~/.kube/config`. It is checked before any certificate is obtained: a regular
 * file of yours (a symbolic link is refused, naming its target), at most the size cap, in a directory
 * group and others cannot write to, whose text `checkMergeable` accepts. The merged text replaces it
 * atomically (temporary file + rename, mode 0600) after the previous content was saved as
 * `<file>.cce-clustercert.bak` (0600), and only if the file did not change since it was read.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MAX_KUBECONFIG_FILE_BYTES, MERGE_BACKUP_SUFFIX } from "../core/defaults";
import type { Env } from "../huaweicloud/credentials";
import { checkMergeable } from "../kube/kubeconfig-merge";
import { ClusterCertError } from "../util/errors";
import { createPrivateDir, LocalFileError, lstatIfExists, modeString, readSmallRegularFile, shownPath, UnsafeDirectoryError, writableByOthers, writeFileAtomic } from "./files";

/** The backup of the previous content, next to the file. */
export const BACKUP_SUFFIX = MERGE_BACKUP_SUFFIX;

/** A merge target that cannot be used (symbolic link, not a regular file, too large, another owner, not a kubeconfig). */
export class MergeTargetError extends ClusterCertError {
    constructor(message: string) {
        super("bad-data", message);
    }
}

/** The file kubectl reads first: `$KUBECONFIG`'s first entry, else `~/.kube/config`. */
export function defaultKubeconfigPath(env: Env, platform: NodeJS.Platform = process.platform): string {
    const first = (env.KUBECONFIG ?? "").split(platform === "win32" ? ";" : ":").find((p) => p.trim() !== "");
    if (first !== undefined) return path.resolve(first);
    const home = env.HOME !== undefined && env.HOME !== "" ? env.HOME : os.homedir();
    return path.join(home, ".kube", "config");
}

export interface MergeTarget {
    path: string;
    /** The content read (empty when the file does not exist yet). */
    text: string;
    /** What identifies the version read: absent when the file does not exist. */
    read?: { dev: number; ino: number; mtimeMs: number; size: number };
}

function currentUid(): number | undefined {
    return typeof process.getuid === "function" ? process.getuid() : undefined;
}

/** Checks and reads the target; `name`, when known, is the entry to merge (checked against duplicates). */
export async function openMergeTarget(file: string, name: string | undefined): Promise<MergeTarget> {
    const shown = shownPath(file);
    const dir = path.dirname(file);
    const dirStat = await lstatIfExists(dir);
    if (dirStat !== undefined && writableByOthers(dirStat.mode)) {
        throw new UnsafeDirectoryError(`the directory of ${shown} can be written by group or others (mode ${modeString(dirStat.mode)}): run chmod go-w ${shownPath(dir)}, or pass --kubeconfig elsewhere`);
    }
    const st = await lstatIfExists(file);
    if (st === undefined) return { path: file, text: "" };
    if (st.isSymbolicLink()) {
        const target = await fs.readlink(file).catch(() => "?");
        throw new MergeTargetError(`${shown} is a symbolic link (to ${shownPath(target)}): pass --kubeconfig with the file it points to, to merge into that file`);
    }
    const uid = currentUid();
    if (uid !== undefined && st.isFile() && st.uid !== uid) throw new MergeTargetError(`${shown} belongs to uid ${st.uid}, not to you (uid ${uid}): nothing was changed`);
    const read = await readSmallRegularFile(file, MAX_KUBECONFIG_FILE_BYTES);
    if (read.kind === "missing") return { path: file, text: "" };
    if (read.kind === "bad") throw new MergeTargetError(`${shown} cannot be merged into: ${read.reason}; nothing was changed`);
    checkMergeable(read.text, name, shown);
    return { path: file, text: read.text, read: { dev: read.dev, ino: read.ino, mtimeMs: read.mtimeMs, size: Buffer.byteLength(read.text) } };
}

/**
 * Writes `text` over the target: the previous content to the backup first, then the new one through
 * a temporary file and a rename. Refuses when the file changed (or appeared) since it was read.
 * Returns the backup's path (absent for a new file).
 */
export async function writeMerged(target: MergeTarget, text: string): Promise<string | undefined> {
    const shown = shownPath(target.path);
    const now = await lstatIfExists(target.path);
    const was = target.read;
    const same = was === undefined ? now === undefined : now !== undefined && now.dev === was.dev && now.ino === was.ino && now.mtimeMs === was.mtimeMs && now.size === was.size;
    if (!same) throw new LocalFileError("merge into", target.path, new Error("it changed while the certificate was obtained"), "nothing was written: run the command again");
    if (was === undefined) {
        await createPrivateDir(path.dirname(target.path));
        await writeFileAtomic(target.path, text);
        return undefined;
    }
    const backup = `${target.path}${BACKUP_SUFFIX}`;
    const backupStat = await lstatIfExists(backup);
    if (backupStat !== undefined && !backupStat.isFile()) throw new MergeTargetError(`the backup ${shownPath(backup)} exists and is not a regular file: remove it; ${shown} was not changed`);
    await writeFileAtomic(backup, target.text);
    await writeFileAtomic(target.path, text);
    return backup;
}
