// Preloaded into a profiled host (bench/host-profile.ts): SIGTERM ends the process normally, so that
// `--cpu-prof` writes its profile (a process killed by a signal writes none).
"use strict";
process.on("SIGTERM", () => process.exit(0));
