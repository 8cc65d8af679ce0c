/**
 * Mocha root hooks: stop every provider host and remove every temporary program directory after
 * the run, whatever the tests did. Enable with `"require": ["ts-node/register", "test/harness/hooks.ts"]`
 * in .mocharc.json (or `--require test/harness/hooks.ts`). Test files may also call the two
 * functions in their own `after` hooks; both are idempotent.
 */
import { stopAllHosts } from "./host";
import { cleanupAllProgramDirs } from "./program";

export const mochaHooks = {
    async afterAll(): Promise<void> {
        await stopAllHosts();
        await cleanupAllProgramDirs();
    },
};
