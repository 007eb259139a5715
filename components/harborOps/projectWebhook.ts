/**
 * A project's webhook policy (`/projects/{id}/webhook/policies`) as a dynamic resource: one target
 * (as Harbor's portal edits it), the events that fire it, on or off. Its id is Harbor's policy id; its
 * natural key is its name in the project (Harbor refuses a second policy of that name). The target's
 * auth header is a secret input; Harbor answers it back, so refresh sees a header changed by hand.
 */
import * as pulumi from "@pulumi/pulumi";
import type { HarborClientOptions } from "../harborApi/client";
import type { ConnectionArgs } from "../harborApi/connectionArgs";
import { Connected, CONNECTION_SECRET_OUTPUTS } from "../harborApi/providerSupport";
import { HarborResourceDefinition, makeHarborProvider, objectShapeProblem } from "../harborApi/resourceProvider";

/**
 * Event types Harbor 2.15.2 notifies (src/pkg/notification/notification.go, `initSupportedNotifyType`);
 * anything else is refused with 400 "unsupported event type".
 */
export const WEBHOOK_EVENT_TYPES = [
  "PUSH_ARTIFACT",
  "PULL_ARTIFACT",
  "DELETE_ARTIFACT",
  "QUOTA_EXCEED",
  "QUOTA_WARNING",
  "SCANNING_FAILED",
  "SCANNING_STOPPED",
  "SCANNING_COMPLETED",
  "REPLICATION",
  "TAG_RETENTION",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Notify types Harbor 2.15.2 supports (same source); payload formats apply to `http` only. */
export const WEBHOOK_NOTIFY_TYPES = ["http", "slack"] as const;
export const WEBHOOK_PAYLOAD_FORMATS = ["Default", "CloudEvents"] as const;

/** `definitions.WebhookTargetObject`. */
export interface ApiWebhookTarget {
  type?: string;
  address?: string;
  auth_header?: string;
  skip_cert_verify?: boolean;
  payload_format?: string;
}

/** `definitions.WebhookPolicy`. */
export interface ApiWebhookPolicy {
  id?: number;
  name?: string;
  description?: string;
  project_id?: number;
  targets?: ApiWebhookTarget[];
  event_types?: string[];
  enabled?: boolean;
}

export interface ProjectWebhookSpec {
  /** Harbor's id of the project. */
  projectId: number;
  /** Policy name, unique in the project. */
  name: string;
  description: string;
  /** `http` or `slack`. */
  notifyType: string;
  /** Where Harbor POSTs the events. */
  address: string;
  /** Skip the address's certificate check. */
  skipCertVerify: boolean;
  /** `Default` or `CloudEvents` for http; "" for slack (Harbor refuses a format there). */
  payloadFormat: string;
  /** Events that fire it, sorted. */
  eventTypes: string[];
  enabled: boolean;
}

export type ProjectWebhookInputs = Connected & {
  spec: ProjectWebhookSpec;
  /** The `Authorization` header Harbor sends (a secret); "" for none. */
  authHeader: string;
};

const policies = (projectId: number) => `/projects/${projectId}/webhook/policies`;

/** Body of `POST` and `PUT` (`WebhookPolicy`; Harbor wants every property on PUT). */
export function webhookBody(i: ProjectWebhookInputs): ApiWebhookPolicy {
  const s = i.spec;
  return {
    name: s.name,
    description: s.description,
    project_id: s.projectId,
    enabled: s.enabled,
    event_types: [...s.eventTypes].sort(),
    targets: [
      {
        type: s.notifyType,
        address: s.address,
        auth_header: i.authHeader,
        skip_cert_verify: s.skipCertVerify,
        ...(s.payloadFormat ? { payload_format: s.payloadFormat } : {}),
      },
    ],
  };
}

export function webhookSpecFromApi(api: ApiWebhookPolicy, projectId: number): ProjectWebhookSpec {
  const t = api.targets?.[0] ?? {};
  return {
    projectId,
    name: api.name ?? "",
    description: api.description ?? "",
    notifyType: t.type ?? "",
    address: t.address ?? "",
    skipCertVerify: t.skip_cert_verify ?? false,
    payloadFormat: t.payload_format ?? "",
    eventTypes: [...(api.event_types ?? [])].sort(),
    enabled: api.enabled ?? false,
  };
}

export const projectWebhookDefinition: HarborResourceDefinition<ProjectWebhookInputs> = {
  kind: "webhook",
  type: "ProjectWebhook",
  path: (id, s) => `${policies(s.spec.projectId)}/${id}`,
  createCall: (s) => ({ method: "POST", path: policies(s.spec.projectId), body: webhookBody(s) }),
  updateCalls: (id, s) => [{ method: "PUT", path: `${policies(s.spec.projectId)}/${id}`, body: webhookBody(s) }],
  shapeProblem: (api) =>
    objectShapeProblem(api, { id: "number", name: "string" }) ??
    (Array.isArray((api as ApiWebhookPolicy).targets) && Array.isArray((api as ApiWebhookPolicy).event_types)
      ? undefined
      : '"targets" or "event_types" is not a list'),
  specFromApi: (api: ApiWebhookPolicy, s) => webhookSpecFromApi(api, s.spec.projectId),
  normalize: (spec) => ({ ...spec, eventTypes: [...spec.eventTypes].sort() }),
  replaceKeys: ["projectId", "name"],
  // Harbor answers the header: a read replaces the one in state, so a header changed by hand is drift.
  keptInputs: ["authHeader"],
  readOutputs: (api: ApiWebhookPolicy) => ({ authHeader: api.targets?.[0]?.auth_header ?? "" }),
  naturalKey: {
    label: (s) => `${s.spec.name} of project ${s.spec.projectId}`,
    listPath: (s) => `${policies(s.spec.projectId)}?q=${encodeURIComponent(`name=${s.spec.name}`)}`,
    matches: (api: ApiWebhookPolicy, s) => api.name === s.spec.name,
    idOf: (api: ApiWebhookPolicy) => api.id,
  },
};

export const makeProjectWebhookProvider = (o: HarborClientOptions = {}) =>
  makeHarborProvider(projectWebhookDefinition, o) as pulumi.dynamic.ResourceProvider;
export const projectWebhookProvider = makeProjectWebhookProvider();

export interface HarborProjectWebhookArgs {
  /** The Harbor of the project. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** The policy, in Harbor's terms. Required. */
  spec: pulumi.Input<{ [K in keyof ProjectWebhookSpec]: pulumi.Input<ProjectWebhookSpec[K]> }>;
  /** The `Authorization` header sent to the target (made a secret output). Default: "" (none). */
  authHeader?: pulumi.Input<string>;
}

/** A project's webhook policy; its `id` is Harbor's policy id; `authHeader` is a secret output. */
export class HarborProjectWebhook extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<ProjectWebhookSpec>;
  constructor(name: string, args: HarborProjectWebhookArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      projectWebhookProvider,
      name,
      { ...args, authHeader: pulumi.secret(args.authHeader ?? "") },
      { ...opts, additionalSecretOutputs: [...CONNECTION_SECRET_OUTPUTS, "authHeader"] },
      "harbor",
      "ProjectWebhook",
    );
  }
}
