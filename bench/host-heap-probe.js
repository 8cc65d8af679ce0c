// @ts-check
"use strict";
/**
 * Preloaded into the benchmark's dynamic-provider host (`node --expose-gc --require
 * bench/host-heap-probe.js …`, see bench/host-bench.ts) for the leak check: on SIGUSR2 it runs a
 * full garbage collection and prints one line on stderr,
 *   bench-heap {"heapUsed":…,"heapTotal":…,"external":…,"arrayBuffers":…,"rss":…}
 * which the harness collects like any host output. Nothing else in the host changes.
 */
process.on("SIGUSR2", () => {
    const gc = /** @type {{ gc?: () => void }} */ (/** @type {unknown} */ (globalThis)).gc;
    if (gc) {
        gc();
        gc();
    }
    process.stderr.write(`bench-heap ${JSON.stringify(process.memoryUsage())}\n`);
});
