/**
 * Cross-key rules of `harbor-ha:operations` (projects referenced by retention, immutability, quotas,
 * webhooks and member groups; duplicates; plain-http auth headers; LDAP DNs; OIDC groups without a
 * groups claim): HarborOperations' own Args check, asked here so that a bad stack config is refused
 * before any resource, naming the stack keys. One home for each rule: the component's checker.
 */
import { checkHarborOperations } from "../components/harborOps";
import { ArgsChecker } from "../components/conventions/validation";

/** The parts of the parsed stack config the operations check reads. */
interface OperationsConfig {
  externalUrl: string;
  projects: { name: string }[];
  operations: object;
}

/** One line per problem, naming the full key (`<namespace>:operations.<path>`). */
export function operationsProblems(c: OperationsConfig, namespace: string): string[] {
  const checker = new ArgsChecker("HarborOperations", "operations");
  checkHarborOperations(
    {
      // The stack's admin password always exists (generated when not set); the URL is checked elsewhere.
      harbor: { url: c.externalUrl, password: "set-by-the-stack" },
      ...c.operations,
      knownProjects: c.projects.map((p) => p.name),
    },
    checker,
  );
  return checker.problems
    .filter((p) => !p.path.startsWith("harbor"))
    .map((p) => `${namespace}:operations.${p.path}: ${p.problem}. Fix: ${p.fix.replace(/\.$/, "")}.`);
}
