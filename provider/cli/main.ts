#!/usr/bin/env node
/**
 * The `cce-clustercert` executable (package.json `bin`). An `exec-credential` whose certificate is
 * cached is answered by `exec-hit.ts`, which loads only what a hit needs (kubectl runs the plugin
 * before every command); everything else — a miss, another command, an error to report — goes to
 * the dispatcher (`run.ts`, see `usage.ts`), loaded only then. `npm run build` bundles this file
 * and the hit path into one (esbuild), leaving the dispatcher and everything it loads as they are.
 */
import { processIo, writeStdoutDirect, type CliIo } from "./io";

/**
 * On Node 20 only: compile WebAssembly with V8's baseline compiler (Liftoff) only. undici's HTTP
 * parser is WebAssembly, and Node 20 does not exit before V8's optimizing compiler has finished
 * with it in the background: 250–700 ms after the answer is printed, on this project's 2-core
 * machine, for a parser that reads one response. Node 22 and 24 exit without waiting, and are left
 * alone (V8 would print an unknown flag on stderr).
 */
async function compileWasmForOneShot(): Promise<void> {
    if (process.versions.node.split(".")[0] !== "20") return;
    (await import("node:v8")).setFlagsFromString("--liftoff-only");
}

async function main(argv: readonly string[], io: CliIo): Promise<number> {
    if (argv[0] === "exec-credential") {
        const { cachedExecCredential } = await import("./exec-hit");
        const answer = cachedExecCredential(argv.slice(1), io);
        if (answer !== undefined) {
            writeStdoutDirect(answer);
            return 0;
        }
    }
    await compileWasmForOneShot();
    const { run } = await import("./run");
    return run(argv, io);
}

void main(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
});
