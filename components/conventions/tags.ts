/**
 * AWS cost-allocation tags: the ones every AWS resource of a stack carries (project, stack, environment,
 * plus the team's own) and AWS's rules for tag keys and values. One home for both: the stack config, the
 * platform and every component that creates AWS resources use these. Pure (no SDK).
 */

/** AWS's tag limits (Tagging AWS resources, "Tag naming limits and requirements"). */
export const AWS_TAG_RULES = {
  maxTags: 50,
  maxKeyLength: 128,
  maxValueLength: 256,
  /** Letters, digits, spaces and `_ . : / = + - @` (the set every tagging service accepts). */
  allowed: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
};

/** The tag keys every AWS resource of a stack carries. */
export const STANDARD_TAG_KEYS = ["project", "stack", "environment"] as const;

/**
 * What is wrong with each tag (key or value), as "<problem>. Fix: <how>" lines. `extraOnly`: the tags are
 * the team's own (stack config, platform Args), so the standard keys harbor-ha sets are refused too.
 */
export function awsTagProblems(tags: Record<string, string>, extraOnly = false): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > AWS_TAG_RULES.maxKeyLength)
      out.push(
        `tag key "${key}" has ${key.length} characters; AWS allows 1-${AWS_TAG_RULES.maxKeyLength}. Fix: shorten it`,
      );
    if (/^aws:/i.test(key))
      out.push(`tag key "${key}" starts with "aws:", which AWS reserves for its own tags. Fix: use another prefix`);
    if (!AWS_TAG_RULES.allowed.test(key))
      out.push(
        `tag key "${key}" has characters AWS refuses (allowed: letters, digits, spaces and _ . : / = + - @). Fix: replace them`,
      );
    if (typeof value !== "string" || value.length > AWS_TAG_RULES.maxValueLength)
      out.push(`tag "${key}" has a value longer than ${AWS_TAG_RULES.maxValueLength} characters. Fix: shorten it`);
    else if (!AWS_TAG_RULES.allowed.test(value))
      out.push(
        `tag "${key}" has a value with characters AWS refuses. Fix: use letters, digits, spaces and _ . : / = + - @`,
      );
    if (extraOnly && (STANDARD_TAG_KEYS as readonly string[]).includes(key))
      out.push(`tag key "${key}" is set by harbor-ha itself (project, stack, environment). Fix: remove it`);
  }
  return out;
}

/** The tags of every AWS resource of a stack: the standard three, then the team's own. */
export function stackTags(
  project: string,
  stack: string,
  environment: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { project, stack, environment, ...extra };
}
