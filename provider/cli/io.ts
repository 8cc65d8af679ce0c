import { type Env } from "../huaweicloud/credentials";
/**
 * What a command reads from and writes to its process, passed in so that commands can be run
 * in-process by tests. `processIo()` binds it to the real process.
 */

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

/** The program name used in messages. */
export const PROGRAM = "cce-clustercert";

/** One line on standard error, prefixed with the program name. */
export function note(io: CliIo, line: string): void {
    io.stderr(`${PROGRAM}: ${line}\n`);
}
