// Preloaded into a measured child process: prints its peak resident set size and CPU time when it exits.
process.on("exit", () => {
  const u = process.resourceUsage();
  require("fs").writeSync(
    2,
    `\nBENCH_MAXRSS_KB=${u.maxRSS} BENCH_CPU_MS=${Math.round((u.userCPUTime + u.systemCPUTime) / 1000)}\n`,
  );
});
