/**
 * HarborProjects: a Harbor's projects with their scan and signing policy, created once the Harbor
 * release is up (`opts.dependsOn`) and answering `/api/v2.0/ping`.
 */
import * as pulumi from "@pulumi/pulumi";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs } from "../conventions/validation";
import { connectionInputs } from "../harborApi/connectionArgs";
import { withoutStackCapture } from "../harborApi/stackCapture";
import { HarborProject, renderProjectMetadata } from "../harborApi/project";
import { checkHarborProjects, HarborProjectsArgs } from "./renderProjects";

/** Harbor API paths HarborProjects calls (relative to /api/v2.0): the edge checks the stack can reach them. */
export const PROJECT_API_PATHS = ["/ping", "/projects", "/projects/{id}"];

/**
 * A Harbor's projects with their scan and signing policy (auto scan, vulnerability block at a severity,
 * cosign enforcement). Pass the Harbor release in `opts.dependsOn`; at run time every call first waits
 * (bounded) for `/api/v2.0/ping`.
 */

export class HarborProjects extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.HarborProjects;

  /** Harbor id of each project, by project name. */
  readonly projectIds: pulumi.Output<Record<string, number>>;

  constructor(name: string, args: HarborProjectsArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs(HarborProjects.__pulumiType, name, checkHarborProjectsArgs(name, args));
    super(HarborProjects.__pulumiType, name, {}, opts);

    const connection = connectionInputs(args.harbor);
    const ids: Record<string, pulumi.Output<number>> = {};
    withoutStackCapture(() => {
      for (const p of args.projects ?? []) {
        const project = new HarborProject(
          `${name}-${p.name}`,
          { ...connection, spec: { name: p.name, metadata: renderProjectMetadata(p) } },
          { parent: this, dependsOn: opts?.dependsOn },
        );
        ids[p.name] = project.projectId;
      }
    });
    this.projectIds = pulumi.output(ids);
    this.registerOutputs({ projectIds: this.projectIds });
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkHarborProjectsArgs(name: string, args: HarborProjectsArgs): ArgsProblem[] {
  const checker = new ArgsChecker(HarborProjects.__pulumiType, name);
  checkHarborProjects(args, checker);
  return checker.problems;
}
