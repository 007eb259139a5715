/**
 * Plan-time cost of large resource sets. @pulumi/pulumi 3.248 records `new Error().stack` on every
 * promise behind every resource Output (runtime/debuggable.js), used only by its promise-leak report.
 * Under ts-node (stacks/main.js, mocha) source-map-support rewrites each of those stacks, ~2 ms per
 * resource: 1000 endpoints + 1000 policies then plan in ~9 s instead of ~3.5 s. Components that
 * register many children do so inside {@link withoutStackCapture}.
 */

/**
 * Runs `register` with `Error.stackTraceLimit = 0`, restoring it afterwards. Only for synchronous
 * child registration, after Args validation (whose errors keep their stacks); errors thrown inside
 * still carry their messages.
 */
export function withoutStackCapture<T>(register: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return register();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
