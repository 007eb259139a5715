/**
 * Harbor's system schedules as dynamic resources: garbage collection (`/system/gc/schedule`), audit-log
 * purge (`/system/purgeaudit/schedule`) and scan-all (`/system/scanAll/schedule`). Each exists once per
 * Harbor (a singleton, resource id = its kind); create writes it (POST, or PUT when Harbor already has
 * one), delete puts Harbor's default back (`type: None`, no schedule). Drift: read compares the cron and
 * the job parameters harbor-ha manages.
 */
import * as pulumi from "@pulumi/pulumi";
import type { HarborClientOptions } from "../harborApi/client";
import type { ConnectionArgs } from "../harborApi/connectionArgs";
import { Connected, CONNECTION_SECRET_OUTPUTS } from "../harborApi/providerSupport";
import { HarborResourceDefinition, makeHarborProvider } from "../harborApi/resourceProvider";

/** `definitions.Schedule` (bodies) and what `GCHistory` / `ExecHistory` / `Schedule` answer on GET. */
export interface ApiScheduleAnswer {
  schedule?: { type?: string; cron?: string } | null;
  /** GC and purge answer their parameters as a JSON string. */
  job_parameters?: string;
  parameters?: Record<string, unknown>;
}

export interface GcScheduleSpec {
  /** Harbor's 6-field cron. */
  cron: string;
  /** Also delete untagged artifacts. */
  deleteUntagged: boolean;
  /** Parallel GC workers (Harbor: 1-5). */
  workers: number;
}

export interface AuditLogPurgeScheduleSpec {
  cron: string;
  /** Audit log entries older than this many hours are purged. */
  retentionHours: number;
  /** Event types purged (`create_artifact`, `pull_artifact`, ...), sorted. */
  eventTypes: string[];
}

export interface ScanAllScheduleSpec {
  cron: string;
}

type Inputs<S> = Connected & { spec: S };

/** The job parameters of an answer (a JSON string for GC and purge, an object for scan-all). */
function parametersOf(api: ApiScheduleAnswer): Record<string, unknown> {
  if (api.parameters && typeof api.parameters === "object") return api.parameters;
  if (typeof api.job_parameters === "string" && api.job_parameters.trim() !== "") {
    try {
      const parsed = JSON.parse(api.job_parameters);
      if (parsed && typeof parsed === "object") return parsed as Record<string, unknown>;
    } catch {
      // shape check reports it
    }
  }
  return {};
}

function scheduleShapeProblem(api: unknown): string | undefined {
  if (api === null || typeof api !== "object" || Array.isArray(api)) return "expected a JSON object";
  const a = api as ApiScheduleAnswer;
  if (a.schedule !== undefined && a.schedule !== null && typeof a.schedule !== "object")
    return '"schedule" is not an object';
  if (a.job_parameters !== undefined && typeof a.job_parameters !== "string") return '"job_parameters" is not a string';
  if (typeof a.job_parameters === "string" && a.job_parameters.trim() !== "") {
    try {
      JSON.parse(a.job_parameters);
    } catch {
      return '"job_parameters" is not JSON';
    }
  }
  return undefined;
}

/** Whether an answer holds a live schedule (Harbor answers `{}` or type `None` when there is none). */
function scheduled(api: ApiScheduleAnswer): boolean {
  return !!api.schedule && !!api.schedule.type && api.schedule.type !== "None";
}

/** One definition per schedule kind: only the path, the parameters and their reading differ. */
function scheduleDefinition<S extends { cron: string }>(o: {
  kind: string;
  type: string;
  path: string;
  parameters: (spec: S) => Record<string, unknown> | undefined;
  specFromApi: (cron: string, parameters: Record<string, unknown>) => S;
  normalize?: (spec: S) => S;
}): HarborResourceDefinition<Inputs<S>> {
  const body = (spec: S) => {
    const parameters = o.parameters(spec);
    return { schedule: { type: "Custom", cron: spec.cron }, ...(parameters ? { parameters } : {}) };
  };
  return {
    kind: o.kind,
    type: o.type,
    singletonId: o.type,
    path: () => o.path,
    createCall: (s) => ({ method: "POST", path: o.path, body: body(s.spec) }),
    updateCalls: (_id, s) => [{ method: "PUT", path: o.path, body: body(s.spec) }],
    resetCall: () => ({ method: "PUT", path: o.path, body: { schedule: { type: "None" } } }),
    singletonExists: (api: ApiScheduleAnswer) => scheduled(api),
    // No schedule in Harbor reads as gone: refresh drops it, the next `up` creates it again.
    get: async (client) => {
      const api = await client.get<ApiScheduleAnswer>(o.path);
      return api && typeof api === "object" && !Array.isArray(api) && !scheduled(api) ? undefined : api;
    },
    shapeProblem: scheduleShapeProblem,
    specFromApi: (api: ApiScheduleAnswer) => o.specFromApi(api.schedule?.cron ?? "", parametersOf(api)),
    normalize: o.normalize,
    replaceKeys: [],
  };
}

export const gcScheduleDefinition = scheduleDefinition<GcScheduleSpec>({
  kind: "garbage collection schedule",
  type: "GcSchedule",
  path: "/system/gc/schedule",
  parameters: (s) => ({ delete_untagged: s.deleteUntagged, workers: s.workers }),
  specFromApi: (cron, p) => ({
    cron,
    deleteUntagged: p.delete_untagged === true,
    workers: typeof p.workers === "number" ? p.workers : 1,
  }),
});

export const auditLogPurgeScheduleDefinition = scheduleDefinition<AuditLogPurgeScheduleSpec>({
  kind: "audit log purge schedule",
  type: "AuditLogPurgeSchedule",
  path: "/system/purgeaudit/schedule",
  parameters: (s) => ({
    audit_retention_hour: s.retentionHours,
    include_event_types: [...s.eventTypes].sort().join(","),
    dry_run: false,
  }),
  specFromApi: (cron, p) => ({
    cron,
    retentionHours: Number(p.audit_retention_hour ?? 0),
    eventTypes: String(p.include_event_types ?? "")
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean)
      .sort(),
  }),
  normalize: (s) => ({ ...s, eventTypes: [...s.eventTypes].sort() }),
});

export const scanAllScheduleDefinition = scheduleDefinition<ScanAllScheduleSpec>({
  kind: "scan-all schedule",
  type: "ScanAllSchedule",
  path: "/system/scanAll/schedule",
  parameters: () => undefined,
  specFromApi: (cron) => ({ cron }),
});

export const makeGcScheduleProvider = (o: HarborClientOptions = {}) =>
  makeHarborProvider(gcScheduleDefinition, o) as pulumi.dynamic.ResourceProvider;
export const makeAuditLogPurgeScheduleProvider = (o: HarborClientOptions = {}) =>
  makeHarborProvider(auditLogPurgeScheduleDefinition, o) as pulumi.dynamic.ResourceProvider;
export const makeScanAllScheduleProvider = (o: HarborClientOptions = {}) =>
  makeHarborProvider(scanAllScheduleDefinition, o) as pulumi.dynamic.ResourceProvider;

export const gcScheduleProvider = makeGcScheduleProvider();
export const auditLogPurgeScheduleProvider = makeAuditLogPurgeScheduleProvider();
export const scanAllScheduleProvider = makeScanAllScheduleProvider();

/** Inputs of a system schedule resource. */
export interface HarborScheduleArgs<S> {
  /** The Harbor whose schedule it is. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** The schedule, in Harbor's terms. Required. */
  spec: pulumi.Input<{ [K in keyof S]: pulumi.Input<S[K]> }>;
}

const secretOutputs = (opts?: pulumi.CustomResourceOptions) => ({
  ...opts,
  additionalSecretOutputs: [...CONNECTION_SECRET_OUTPUTS],
});

/** Harbor's garbage collection schedule (one per Harbor). */
export class HarborGcSchedule extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<GcScheduleSpec>;
  constructor(name: string, args: HarborScheduleArgs<GcScheduleSpec>, opts?: pulumi.CustomResourceOptions) {
    super(gcScheduleProvider, name, { ...args }, secretOutputs(opts), "harbor", "GcSchedule");
  }
}

/** Harbor's audit log purge schedule and retention (one per Harbor). */
export class HarborAuditLogPurgeSchedule extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<AuditLogPurgeScheduleSpec>;
  constructor(name: string, args: HarborScheduleArgs<AuditLogPurgeScheduleSpec>, opts?: pulumi.CustomResourceOptions) {
    super(auditLogPurgeScheduleProvider, name, { ...args }, secretOutputs(opts), "harbor", "AuditLogPurgeSchedule");
  }
}

/** Harbor's scan-all schedule (one per Harbor). */
export class HarborScanAllSchedule extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<ScanAllScheduleSpec>;
  constructor(name: string, args: HarborScheduleArgs<ScanAllScheduleSpec>, opts?: pulumi.CustomResourceOptions) {
    super(scanAllScheduleProvider, name, { ...args }, secretOutputs(opts), "harbor", "ScanAllSchedule");
  }
}
