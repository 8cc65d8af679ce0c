/**
 * `cce-clustercert exec-credential`: the kubectl credential plugin. Prints an ExecCredential with the
 * cached certificate, minting a new one (once, under a lock) when it is near expiry. A cache hit is
 * normally answered before this module is loaded, by `exec-hit.ts` (see `main.ts`); this is the path
 * for everything else — a miss, `--refresh`, `--help`, a bad entry to replace, an error to report.
 */
import { EXIT_OK } from "../exit-codes";
import type { CliIo } from "../io";
import { obtainForExec } from "../obtain";
import { parseExecRequest, renderExecCredential } from "../exec-request";
import { EXEC_CREDENTIAL_HELP } from "../usage";

export { EXEC_CREDENTIAL_FLAGS, rejectFixedExpiry } from "../exec-request";

export async function runExecCredential(argv: readonly string[], io: CliIo): Promise<number> {
    const ask = parseExecRequest(argv, io);
    if (ask.help) {
        io.stdout(EXEC_CREDENTIAL_HELP);
        return EXIT_OK;
    }
    const { state } = await obtainForExec(ask.request, io, ask.refresh);
    io.stdout(renderExecCredential(state, ask.apiVersion));
    return EXIT_OK;
}
