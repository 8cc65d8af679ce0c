/**
 * What a command reads from and writes to its process, passed in so that commands can be run
 * in-process by tests. `processIo()` binds it to the real process.
 */
import { writeSync } from "node:fs";
import { type Env } from "../huaweicloud/credentials";

export interface CliIo {
    env: Env;
    cwd: string;
    now: () => Date;
    /** Text for standard output (the kubeconfig, JSON, the ExecCredential). */
    stdout: (text: string) => void;
    /** Text for standard error (expiry, notes, warnings, errors). */
    stderr: (text: string) => void;
}

export function processIo(): CliIo {
    return {
        env: process.env,
        cwd: process.cwd(),
        now: () => new Date(),
        stdout: (text) => void process.stdout.write(text),
        stderr: (text) => void process.stderr.write(text),
    };
}

/**
 * Writes `text` to file descriptor 1 with `writeSync`, without setting up `process.stdout` (a stream
 * whose set-up the exec plugin's cache hit would pay for). If a write fails — a non-blocking pipe
 * that is full (EAGAIN), a closed one — the rest goes through `process.stdout`, which waits or
 * reports as it always does.
 */
export function writeStdoutDirect(text: string): void {
    const data = Buffer.from(text, "utf8");
    let done = 0;
    try {
        while (done < data.length) done += writeSync(1, data, done, data.length - done);
    } catch {
        process.stdout.write(data.subarray(done));
    }
}

/** The program name used in messages. */
export const PROGRAM = "cce-clustercert";

/** One line on standard error, prefixed with the program name. */
export function note(io: CliIo, line: string): void {
    io.stderr(`${PROGRAM}: ${line}\n`);
}
