/**
 * Args and pure functions of {@link HarborProjects}: the checks, and Harbor's project metadata
 * (`ProjectMetadata`, every value a string) rendered from typed Args.
 */
import type { ApiProjectMetadata } from "../harborApi/model";
import type { HarborApiArgs } from "../harborApi/connectionArgs";
import type { ArgsChecker } from "../conventions/validation";

export const SEVERITIES = ["none", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A Harbor project and its scan/signing policy (`ProjectReq` + `ProjectMetadata`). */
export interface HarborProjectArgs {
  /** Project name (Harbor: lowercase, digits, `._-` separators). Renaming replaces the project. Required. */
  name: string;
  /** Anyone may pull without logging in. Default: false. */
  public?: boolean;
  /** Scan every pushed image with the default scanner (Trivy). Default: true. */
  autoScan?: boolean;
  /** Refuse pulls of images with vulnerabilities at `severity` or above. Default: false. */
  preventVulnerable?: boolean;
  /**
   * Lowest severity that blocks a pull when `preventVulnerable` is on. `high` blocks High and Critical,
   * i.e. CVSS v3 >= 7.0. Default: `high`.
   */
  severity?: Severity;
  /** Refuse pulls of images without a cosign signature. Default: false. */
  enforceCosign?: boolean;
  /** Use the system-wide CVE allowlist (instead of none). Default: true. */
  reuseSystemCveAllowlist?: boolean;
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

const bool = (b: boolean) => (b ? "true" : "false");

/** Harbor's metadata for a project, with every managed key explicit (so drift on any of them shows). */
export function renderProjectMetadata(
  p: HarborProjectArgs,
): Required<
  Pick<
    ApiProjectMetadata,
    "public" | "auto_scan" | "severity" | "prevent_vul" | "enable_content_trust_cosign" | "reuse_sys_cve_allowlist"
  >
> {
  return {
    public: bool(p.public ?? false),
    auto_scan: bool(p.autoScan ?? true),
    severity: p.severity ?? "high",
    prevent_vul: bool(p.preventVulnerable ?? false),
    enable_content_trust_cosign: bool(p.enforceCosign ?? false),
    reuse_sys_cve_allowlist: bool(p.reuseSystemCveAllowlist ?? true),
  };
}
