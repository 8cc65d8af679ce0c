#!/usr/bin/env node
/**
 * The `cce-clustercert` executable (package.json `bin`). See `run.ts` and `usage.ts`.
 */
import { processIo } from "./io";
import { run } from "./run";

void run(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
});
