/**
 * Who a process is, beyond its pid: on Linux its start time (field 22 of /proc/<pid>/stat, clock
 * ticks after boot) and the boot id, so that a lock naming a pid that now belongs to another
 * process (pid reuse, a reboot) can be told from one whose owner still runs.
 */
import { promises as fs } from "node:fs";
import { hostname } from "node:os";

/** The field of /proc/<pid>/stat that holds the start time (1-based, as in proc(5)). */
export const PROC_STAT_START_TIME_FIELD = 22;

/**
 * The start time in /proc/<pid>/stat text: field 22, counted after the command name, which is in
 * parentheses and may itself contain spaces and parentheses. Undefined when the text is malformed.
 */
export function startTimeFromStat(text: string): string | undefined {
    const close = text.lastIndexOf(")");
    if (close < 0) return undefined;
    // Fields 3.. follow the ") " after the command name (field 2).
    const rest = text.slice(close + 2).split(" ");
    const value = rest[PROC_STAT_START_TIME_FIELD - 3];
    return value !== undefined && /^\d+$/.test(value) ? value : undefined;
}

/**
 * The start time of process `pid`: a string of digits; `null` when /proc says there is no such
 * process; undefined when it cannot tell (no /proc: not Linux, or hidden).
 */
export async function processStartTime(pid: number): Promise<string | null | undefined> {
    try {
        return startTimeFromStat(await fs.readFile(`/proc/${pid}/stat`, "utf8")) ?? undefined;
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ESRCH") {
            // No entry for the pid: gone, unless there is no /proc at all.
            return (await procAvailable()) ? null : undefined;
        }
        return undefined;
    }
}

async function procAvailable(): Promise<boolean> {
    try {
        await fs.access(`/proc/${process.pid}/stat`);
        return true;
    } catch {
        return false;
    }
}

/** The boot id (Linux), or undefined. */
export async function bootId(): Promise<string | undefined> {
    try {
        const id = (await fs.readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
        return /^[0-9a-f-]{8,64}$/.test(id) ? id : undefined;
    } catch {
        return undefined;
    }
}

/** Whether a process with this pid exists (EPERM: it does, another user's). */
export function pidRuns(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** This process as a lock records it. */
export interface ProcessIdentity {
    pid: number;
    host: string;
    /** Linux: field 22 of /proc/<pid>/stat. */
    startTime?: string;
    /** Linux: /proc/sys/kernel/random/boot_id. */
    bootId?: string;
}

/** The identity of the running process. */
export async function currentProcess(): Promise<ProcessIdentity> {
    const [start, boot] = await Promise.all([processStartTime(process.pid), bootId()]);
    return {
        pid: process.pid,
        host: hostname(),
        ...(typeof start === "string" ? { startTime: start } : {}),
        ...(boot !== undefined ? { bootId: boot } : {}),
    };
}
