/**
 * A project's storage quota (`/quotas`) as a dynamic resource. Harbor makes one quota per project with
 * the project (unlimited unless `storage_limit` was given), so this resource never POSTs: create finds
 * the project's quota (`GET /quotas?reference=project&reference_id=<id>`) and sets its hard limit
 * (`PUT /quotas/{id}`); delete puts Harbor's default back (unlimited, -1). Its id is Harbor's quota id.
 * Drift: read compares the hard storage limit.
 */
import * as pulumi from "@pulumi/pulumi";
import type { HarborClientOptions } from "../harborApi/client";
import type { ConnectionArgs } from "../harborApi/connectionArgs";
import { Connected, CONNECTION_SECRET_OUTPUTS } from "../harborApi/providerSupport";
import { HarborResourceDefinition, makeHarborProvider, objectShapeProblem } from "../harborApi/resourceProvider";

/** Harbor's "no limit" (`types.UNLIMITED`). */
export const UNLIMITED_QUOTA = -1;
/** Harbor's largest limited quota: 1024 TB (`types.MaxLimitedValue`, lib.ValidateQuotaLimit). */
export const MAX_QUOTA_BYTES = 1024 * 1024 ** 4;

/** `definitions.Quota`. */
export interface ApiQuota {
  id?: number;
  ref?: { id?: number; name?: string; owner_name?: string };
  hard?: Record<string, number>;
  used?: Record<string, number>;
}

export interface ProjectQuotaSpec {
  /** Harbor's id of the project. */
  projectId: number;
  /** Hard storage limit in bytes; -1 for unlimited. */
  storageBytes: number;
}

export type ProjectQuotaInputs = Connected & { spec: ProjectQuotaSpec };

/** Body of `PUT /quotas/{id}` (`QuotaUpdateReq`): storage is the only resource of a project quota. */
export const quotaBody = (storageBytes: number) => ({ hard: { storage: storageBytes } });

export const projectQuotaDefinition: HarborResourceDefinition<ProjectQuotaInputs> = {
  kind: "storage quota",
  type: "ProjectQuota",
  ofExisting: true,
  path: (id) => `/quotas/${id}`,
  updateCalls: (id, s) => [{ method: "PUT", path: `/quotas/${id}`, body: quotaBody(s.spec.storageBytes) }],
  resetCall: (_s, id) => ({ method: "PUT", path: `/quotas/${id}`, body: quotaBody(UNLIMITED_QUOTA) }),
  shapeProblem: (api) =>
    objectShapeProblem(api, { id: "number", hard: "object" }) ??
    (typeof (api as ApiQuota).hard?.storage === "number" ? undefined : '"hard.storage" is not a number'),
  specFromApi: (api: ApiQuota, s) => ({ projectId: s.spec.projectId, storageBytes: api.hard!.storage }),
  // Another project's quota is another object.
  replaceKeys: ["projectId"],
  naturalKey: {
    label: (s) => `of project ${s.spec.projectId}`,
    listPath: (s) => `/quotas?reference=project&reference_id=${s.spec.projectId}`,
    matches: (api: ApiQuota, s) => api.ref?.id === undefined || Number(api.ref.id) === s.spec.projectId,
    idOf: (api: ApiQuota) => api.id,
  },
};

export const makeProjectQuotaProvider = (o: HarborClientOptions = {}) =>
  makeHarborProvider(projectQuotaDefinition, o) as pulumi.dynamic.ResourceProvider;
export const projectQuotaProvider = makeProjectQuotaProvider();

export interface HarborProjectQuotaArgs {
  /** The Harbor of the project. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** The quota, in Harbor's terms. Required. */
  spec: pulumi.Input<{ [K in keyof ProjectQuotaSpec]: pulumi.Input<ProjectQuotaSpec[K]> }>;
}

/** A project's storage quota; its `id` is Harbor's quota id. */
export class HarborProjectQuota extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<ProjectQuotaSpec>;
  constructor(name: string, args: HarborProjectQuotaArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      projectQuotaProvider,
      name,
      { ...args },
      { ...opts, additionalSecretOutputs: [...CONNECTION_SECRET_OUTPUTS] },
      "harbor",
      "ProjectQuota",
    );
  }
}
