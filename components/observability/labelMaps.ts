/**
 * Kubernetes label maps as selectors take them (SDK-free: the stack config checks the same way). A selector
 * that is not a map of valid label names to valid values would be refused by the API server after other
 * resources were created, or, worse, select nothing.
 */

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a label name (undefined: it is): `[prefix/]name`, prefix a DNS subdomain <= 253, name <= 63. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
  if (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix)))
    return `label name "${key}" has a prefix that is not a DNS subdomain`;
  if (!NAME.test(name))
    return `"${key}" is not a label name (at most 63 of letters, digits, '-', '_', '.', starting and ending with a letter or digit)`;
  return undefined;
}

/** Why `value` is not a label value (undefined: it is): empty, or <= 63 like a name. */
export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return `label values are strings, got ${typeof value}`;
  if (value !== "" && !NAME.test(value))
    return `"${value}" is not a label value (at most 63 of letters, digits, '-', '_', '.', starting and ending with a letter or digit)`;
  return undefined;
}

/** Why `map` is not a label map usable as a selector (undefined: it is). */
export function labelMapProblem(map: unknown): string | undefined {
  if (typeof map !== "object" || map === null || Array.isArray(map))
    return `must be a map of label names to values, got ${Array.isArray(map) ? "a list" : map === null ? "null" : typeof map}`;
  const problems = Object.entries(map).flatMap(([k, v]) => [labelKeyProblem(k), labelValueProblem(v)].filter(Boolean));
  return problems.length ? problems.join("; ") : undefined;
}
