/**
 * Component Args are checked before any child resource is registered, and every problem is reported
 * at once in one error, each naming the component, the argument, what is wrong and how to fix it.
 */
export interface ArgsProblem {
  /** The argument's path, e.g. `members` or `resources.memory`. */
  path: string;
  /** What is wrong, e.g. `must be at least 3, got 2`. */
  problem: string;
  /** How to fix it, e.g. `set members to 3 or more`. */
  fix: string;
}

/**
 * A DNS label (RFC 1123), what Kubernetes takes for namespaces and most object names, and label values of
 * names: lowercase letters, digits and '-', at most 63 characters.
 */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Thrown by a component whose Args are invalid, before it registers any resource; lists every problem. */
export class InvalidArgsError extends Error {
  constructor(
    readonly component: string,
    readonly resourceName: string,
    readonly problems: ArgsProblem[],
  ) {
    super(
      `${component} "${resourceName}": ${problems.length} invalid argument${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${p.path}: ${p.problem}. Fix: ${p.fix}.`).join("\n"),
    );
    this.name = "InvalidArgsError";
  }
}

/** Collects problems; `throwIfAny` raises one {@link InvalidArgsError} naming all of them. */
export class ArgsChecker {
  readonly problems: ArgsProblem[] = [];
  constructor(
    private readonly component: string,
    private readonly resourceName: string,
  ) {}

  /** Records a problem when `ok` is false. Returns `ok`. */
  check(ok: boolean, path: string, problem: string, fix: string): boolean {
    if (!ok) this.problems.push({ path, problem, fix });
    return ok;
  }

  /** Records a rule's violation (if any) at `path`. Returns true when there is none. */
  rule(path: string, violation: { problem: string; fix: string } | undefined): boolean {
    if (violation) this.problems.push({ path, ...violation });
    return !violation;
  }

  /** A known (plain) integer at least `min`. Unknown (Output) values are skipped. */
  atLeast(value: unknown, min: number, path: string, fix?: string): boolean {
    if (typeof value !== "number") return true;
    return this.check(
      Number.isInteger(value) && value >= min,
      path,
      `must be an integer >= ${min}, got ${value}`,
      fix ?? `set ${path} to ${min} or more`,
    );
  }

  /**
   * Values harbor-ha must read in plain text here (names it builds, URLs it parses): each must be a plain
   * string (or string list), not a Pulumi Output, which JavaScript callers can pass and which would end up
   * as "Calling [toString] on an [Output<T>]" inside names and addresses. Records one problem per such
   * value and returns false when there is one: the caller skips the checks that would read that text.
   */
  requirePlain(values: Record<string, unknown>): boolean {
    const before = this.problems.length;
    for (const [path, v] of Object.entries(values)) {
      const outputs = (Array.isArray(v) ? v : [v]).some(
        (x) => x !== null && typeof x === "object" && (x as { __pulumiOutput?: unknown }).__pulumiOutput === true,
      );
      this.check(
        !outputs,
        path,
        "is a Pulumi Output; it is used in plain text here (object names, addresses, URL checks)",
        "pass a plain string (a literal or stack config value), or create the component inside that Output's apply",
      );
    }
    return this.problems.length === before;
  }

  throwIfAny(): void {
    if (this.problems.length > 0) throw new InvalidArgsError(this.component, this.resourceName, this.problems);
  }
}

/** Throws one {@link InvalidArgsError} naming every problem, when there is any. */
export function refuseInvalidArgs(component: string, resourceName: string, problems: ArgsProblem[]): void {
  if (problems.length > 0) throw new InvalidArgsError(component, resourceName, problems);
}

/**
 * A nested component's problems as the component that composes it reports them: each path under `prefix`
 * (`quorum` -> `redis.quorum`), or renamed by `at` when the composing component sets that argument itself
 * from one of its own (`registryReplicas` -> `harbor.replicas`; sub-paths follow: `a.b` with `{ a: "x" }` -> `x.b`).
 */
export function problemsUnder(prefix: string, problems: ArgsProblem[], at: Record<string, string> = {}): ArgsProblem[] {
  return problems.map((p) => {
    const head = Object.keys(at).find((k) => p.path === k || p.path.startsWith(`${k}.`) || p.path.startsWith(`${k}[`));
    const path = head !== undefined ? at[head] + p.path.slice(head.length) : prefix ? `${prefix}.${p.path}` : p.path;
    return { ...p, path };
  });
}
