// Preloaded into a measured child process: prints its peak resident set size when it exits.
process.on("exit", () => {
    require("fs").writeSync(2, `\nBENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
