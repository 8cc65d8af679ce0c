/**
 * `cce-clustercert exec-credential`: the kubectl credential plugin. Prints an ExecCredential with the
 * cached certificate, minting a new one (once, under a lock) when it is near expiry.
 */
import { booleanFlag, choiceFlag, HELP_FLAG, inputsFromFlags, parseFlags, TARGET_FLAGS, UsageError, type FlagSpecs } from "../args";
import { answerApiVersion, buildExecCredential, EXEC_API_CHOICES } from "../../kube/exec-credential";
import { EXIT_OK } from "../exit-codes";
import type { CliIo } from "../io";
import { obtainForExec } from "../obtain";
import { resolveRequest } from "../request";
import { EXEC_CREDENTIAL_HELP } from "../usage";

const { "expires-at": _expiresAt, context: _context, ...EXEC_TARGET_FLAGS } = TARGET_FLAGS;

export const EXEC_CREDENTIAL_FLAGS: FlagSpecs = {
    ...EXEC_TARGET_FLAGS,
    ...HELP_FLAG,
    "api-version": { type: "string" },
    refresh: { type: "boolean" },
};

/** Rejects flags that make no sense for a certificate that renews itself, with a useful message. */
export function rejectFixedExpiry(argv: readonly string[]): void {
    if (argv.some((a) => a === "--expires-at" || a.startsWith("--expires-at="))) {
        throw new UsageError("--expires-at cannot be used with exec credentials, which are renewed automatically: use --duration");
    }
}

export async function runExecCredential(argv: readonly string[], io: CliIo): Promise<number> {
    rejectFixedExpiry(argv);
    const flags = parseFlags(argv, EXEC_CREDENTIAL_FLAGS);
    if (booleanFlag(flags, "help")) {
        io.stdout(EXEC_CREDENTIAL_HELP);
        return EXIT_OK;
    }
    const apiVersion = answerApiVersion(io.env.KUBERNETES_EXEC_INFO, choiceFlag(flags, "api-version", EXEC_API_CHOICES));
    const inputs = inputsFromFlags(flags, io.now());
    const { state } = await obtainForExec(resolveRequest(inputs, io), io, booleanFlag(flags, "refresh"));
    io.stdout(`${JSON.stringify(buildExecCredential(state, apiVersion))}\n`);
    return EXIT_OK;
}
