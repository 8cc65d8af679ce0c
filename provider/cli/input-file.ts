/**
 * Files a command only reads (`check --kubeconfig/--cert`, `revoke --from-kubeconfig`): resolved
 * against the working directory, a symbolic link followed deliberately (reading cannot change the
 * target; `~/.kube/config` is often a link), then read only if it is a regular file of at most the
 * cap, without blocking on a FIFO or a device (`files.ts readSmallRegularFile`). Messages name the flag
 * and the file, never its content.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { ClusterCertError } from "../util/errors";
import { readSmallRegularFile, reasonOf, shownPath } from "./files";

/** A file given to a command that cannot be used: missing, not a regular file, too large, unreadable. */
export class InputFileError extends ClusterCertError {
    constructor(message: string) {
        super("bad-data", message);
    }
}

export interface InputFile {
    /** The absolute path given (before following links), as messages show it. */
    path: string;
    text: string;
}

/** Reads `file` (relative to `cwd`) for the flag `flag`, at most `maxBytes`. */
export async function readInputFile(file: string, flag: string, maxBytes: number, cwd: string): Promise<InputFile> {
    const full = path.resolve(cwd, file);
    const where = `${flag} ${shownPath(full)}`;
    let real: string;
    try {
        real = await fs.realpath(full);
    } catch (e) {
        const code = reasonOf(e);
        throw new InputFileError(code === "ENOENT" ? `${where} does not exist` : `${where} cannot be read (${code})`);
    }
    const read = await readSmallRegularFile(real, maxBytes);
    if (read.kind === "missing") throw new InputFileError(`${where} does not exist`);
    if (read.kind === "bad") throw new InputFileError(`${where} cannot be used: ${read.reason}`);
    return { path: full, text: read.text };
}
