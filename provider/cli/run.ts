/**
 * The command dispatcher: picks the command, loads and runs it (only the one asked for), turns any
 * error into a redacted one-line report and an exit code, and closes the HTTP client so that the
 * process can end.
 */
import { closeHttp } from "../huaweicloud/http";
import { UsageError } from "./args";
import { EXIT_OK, EXIT_USAGE, exitCodeOf } from "./exit-codes";
import { note, type CliIo } from "./io";
import { describeError } from "./report";
import { CHECK_HELP, EXEC_CREDENTIAL_HELP, GET_HELP, KUBECONFIG_HELP, MAIN_HELP, REVOKE_HELP } from "./usage";
import { packageVersion } from "./version";

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

function commandNamed(name: string): { run: Command; help: string } | undefined {
    return Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
}

/** The commands: each module is loaded when its command runs. */
export const COMMANDS: Readonly<Record<string, { run: Command; help: string }>> = {
    get: { run: async (argv, io) => (await import("./commands/get")).runGet(argv, io), help: GET_HELP },
    kubeconfig: { run: async (argv, io) => (await import("./commands/kubeconfig")).runKubeconfig(argv, io), help: KUBECONFIG_HELP },
    "exec-credential": { run: async (argv, io) => (await import("./commands/exec-credential")).runExecCredential(argv, io), help: EXEC_CREDENTIAL_HELP },
    check: { run: async (argv, io) => (await import("./commands/check")).runCheck(argv, io), help: CHECK_HELP },
    revoke: { run: async (argv, io) => (await import("./commands/revoke")).runRevoke(argv, io), help: REVOKE_HELP },
};

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
    const [first, ...rest] = argv;
    if (first === undefined) {
        io.stderr(MAIN_HELP);
        return EXIT_USAGE;
    }
    if (first === "--help" || first === "-h") {
        io.stdout(MAIN_HELP);
        return EXIT_OK;
    }
    if (first === "--version" || first === "-V") {
        io.stdout(`${packageVersion()}\n`);
        return EXIT_OK;
    }
    if (first === "help") {
        const topic = rest[0];
        if (topic === undefined) io.stdout(MAIN_HELP);
        else {
            const command = commandNamed(topic);
            if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(topic)}; commands: ${Object.keys(COMMANDS).join(", ")}`);
            io.stdout(command.help);
        }
        return EXIT_OK;
    }
    const command = commandNamed(first);
    if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(first)}; commands: ${Object.keys(COMMANDS).join(", ")} (see --help)`);
    return command.run(rest, io);
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
    let code: number;
    try {
        code = await dispatch(argv, io);
    } catch (e) {
        code = exitCodeOf(e);
        note(io, describeError(e, io.env));
        if (code === EXIT_USAGE && e instanceof UsageError) note(io, "see --help");
    } finally {
        await closeHttp().catch(() => undefined);
    }
    return code;
}
