/**
 * Args and pure functions of {@link HarborProjects}: the checks, and Harbor's project metadata
 * (`ProjectMetadata`, every value a string) rendered from typed Args.
 */
import type { HarborApiArgs } from "../harborApi/connectionArgs";
import { ProjectPolicyArgs, SEVERITIES } from "../harborApi/project";
import type { ArgsChecker } from "../conventions/validation";

/** A Harbor project and its scan/signing policy (`ProjectReq` + `ProjectMetadata`). */
export interface HarborProjectArgs extends ProjectPolicyArgs {
  /** Project name (Harbor: lowercase, digits, `._-` separators). Renaming replaces the project. Required. */
  name: string;
}

export interface HarborProjectsArgs {
  /** The Harbor to manage (admin credential as a secret). Required. */
  harbor: HarborApiArgs;
  /** Projects. Default: []. */
  projects?: HarborProjectArgs[];
}

const PROJECT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Every problem of a {@link HarborProjectsArgs}, recorded on `checker`. */
export function checkHarborProjects(args: HarborProjectsArgs, checker: ArgsChecker): void {
  checker.check(
    args.harbor?.password !== undefined,
    "harbor.password",
    "is missing",
    "pass the Harbor admin password (a secret from the stack config)",
  );
  if (args.harbor?.pingAttempts !== undefined) checker.atLeast(args.harbor.pingAttempts, 1, "harbor.pingAttempts");
  const seen = new Map<string, number>();
  (args.projects ?? []).forEach((p, i) => {
    const at = `projects[${i}]`;
    checker.check(
      typeof p.name === "string" && p.name.length <= 255 && PROJECT_NAME.test(p.name),
      `${at}.name`,
      `"${p.name}" is not a valid Harbor project name`,
      "use lowercase letters and digits, separated by single '.', '_' or '-', at most 255 characters",
    );
    checker.check(
      !seen.has(p.name),
      `${at}.name`,
      `"${p.name}" is already used by projects[${seen.get(p.name)}]`,
      "declare every project once",
    );
    seen.set(p.name, i);
    const severity = p.severity ?? "high";
    checker.check(
      (SEVERITIES as readonly string[]).includes(severity),
      `${at}.severity`,
      `"${severity}" is not a Harbor severity`,
      `use one of ${SEVERITIES.join(", ")}`,
    );
    checker.check(
      !(p.preventVulnerable && p.autoScan === false),
      `${at}.preventVulnerable`,
      "is on while autoScan is off: unscanned images are never blocked, so the policy would do nothing",
      "set autoScan: true (or scan on a schedule and set it explicitly)",
    );
  });
}
