/**
 * Args of {@link ReplicationTargets}, mirroring Harbor's registry and replication policy API fields
 * (swagger-v2.15.2.yaml `Registry`, `ReplicationPolicy`, `ReplicationFilter`, `ReplicationTrigger`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { HarborApiArgs } from "../harborApi/connectionArgs";

/**
 * Registry adapter types Harbor 2.15 knows (goharbor/harbor src/pkg/reg/model/registry.go; the
 * OpenAPI document types `Registry.type` as a free string, `GET /replication/adapters` lists them live).
 */
export const REGISTRY_TYPES = [
  "harbor",
  "docker-hub",
  "docker-registry",
  "huawei-SWR",
  "google-gcr",
  "aws-ecr",
  "azure-acr",
  "ali-acr",
  "jfrog-artifactory",
  "quay",
  "gitlab",
  "dtr",
  "tencent-tcr",
  "github-ghcr",
  "volcengine-cr",
] as const;
export type RegistryType = (typeof REGISTRY_TYPES)[number];

/** A robot account on the remote Harbor, created for this endpoint and used as its credential. */
export interface ReplicationRobotArgs {
  /** Admin access to the REMOTE Harbor (the endpoint's), where the robot is created. Required. */
  admin: HarborApiArgs;
  /** What the robot may do: `pull` for a pull policy's source, `push` for a push policy's destination. Required. */
  access: "pull" | "push";
  /** Robot name (Harbor prefixes `robot$`). Default: `replication-<endpoint name>`. */
  name?: string;
  /** Projects the robot may access. Default: `["*"]` (all projects). */
  projects?: string[];
  /** Lifetime in days, `-1` for never expiring. Default: -1. */
  durationDays?: number;
}

/** A registry endpoint (`POST /registries`). */
export interface RegistryEndpointArgs {
  /** Endpoint name in Harbor; policies refer to it. Renaming replaces the endpoint. Required. */
  name: string;
  /** Registry adapter type (see {@link REGISTRY_TYPES}). Default: `harbor`. */
  type?: RegistryType;
  /** The remote registry's URL (plain, so the loop check can read it). Required. */
  url: string;
  /** Description. Default: none. */
  description?: string;
  /** Credential user, e.g. a robot account's full name (`robot$replication`). Default: none (anonymous) unless `robot` is set. */
  accessKey?: pulumi.Input<string>;
  /** Credential secret, e.g. the robot's secret; kept a secret. Default: none unless `robot` is set. */
  accessSecret?: pulumi.Input<string>;
  /** Create a robot account on the remote Harbor and use it as the credential (exclusive with accessKey/accessSecret). Default: none. */
  robot?: ReplicationRobotArgs;
  /** Skip TLS verification of the remote. Needs `allowInsecure: true` too. Default: false. */
  insecure?: boolean;
  /** Explicit opt-in that permits `insecure: true` (e.g. a lab registry with a self-signed cert). Default: false. */
  allowInsecure?: boolean;
  /** PEM CA bundle to verify the remote with, instead of `insecure`. Default: none (system CAs). */
  caCertificate?: pulumi.Input<string>;
}

/** Trigger of a policy (`ReplicationTrigger`). */
export type ReplicationTriggerArgs =
  | {
      /** Run only when started by hand (or by the API). Required. */
      type: "manual";
    }
  | {
      /** Run on a schedule. Required. */
      type: "scheduled";
      /** Harbor's 6-field cron with seconds first, which must be `0`, e.g. `0 30 2 * * *` (02:30 daily). Required. */
      cron: string;
    }
  | {
      /** Replicate on every push/delete event; push policies only. Required. */
      type: "event_based";
    };

/** Filters of a policy (`ReplicationFilter`); every one set must match. */
export interface ReplicationFilterArgs {
  /** Repository name pattern, e.g. `library/**`. Default: none (every repository). */
  name?: string;
  /** Tag pattern, e.g. `prod-*` or `v{1,2}.*`. Default: none (every tag). */
  tag?: string;
  /** Whether `tag` keeps (`matches`) or drops (`excludes`) what it matches. Default: `matches`. */
  tagDecoration?: "matches" | "excludes";
  /** Harbor label names the artifact must carry (exact names). Default: none. */
  labels?: string[];
  /** Whether `labels` keep (`matches`) or drop (`excludes`) what they match. Default: `matches`. */
  labelDecoration?: "matches" | "excludes";
  /** Resource type: `image` or `artifact` (every OCI artifact). Default: none (both). */
  resource?: "image" | "artifact";
}

/** A replication policy (`POST /replication/policies`). */
export interface ReplicationPolicyArgs {
  /** Policy name. Required. */
  name: string;
  /** Description. Default: none. */
  description?: string;
  /** `push` (this Harbor -> endpoint) or `pull` (endpoint -> this Harbor). Required. */
  direction: "push" | "pull";
  /** Name of an endpoint in `endpoints`. Required. */
  endpoint: string;
  /** Destination namespace (project). Default: none (same namespace as the source). */
  destNamespace?: string;
  /** Path components replaced by `destNamespace` (-1 legacy, 0 prefix, 1 replace one, 2...). Default: Harbor's (-1). */
  destNamespaceReplaceCount?: number;
  /** What to replicate. Default: `{}` (everything). */
  filters?: ReplicationFilterArgs;
  /** When to replicate. Default: `{ type: "manual" }`. */
  trigger?: ReplicationTriggerArgs;
  /** Overwrite artifacts of the same name at the destination. Default: true. */
  override?: boolean;
  /** Replicate deletions too. Default: false. */
  replicateDeletion?: boolean;
  /** Whether the policy runs. Default: true. */
  enabled?: boolean;
  /** Bandwidth limit per task in KB/s, -1 for none. Default: -1. */
  speedLimitKbps?: number;
  /** Copy blobs in chunks (large layers over poor links). Default: false. */
  copyByChunk?: boolean;
}

/** A replication edge between two registries, by normalized URL: the unit of the loop check. */
export interface ReplicationFlow {
  /** Source registry URL. */
  from: string;
  /** Destination registry URL. */
  to: string;
  /** `<harbor url>/<policy name>`: where the flow is declared. */
  policy: string;
}

export interface ReplicationTargetsArgs {
  /** This Harbor's API (the one the endpoints and policies are created in). Required. */
  harbor: HarborApiArgs;
  /** This Harbor's own external URL as a plain string, for the loop check. Default: `harbor.url` when it is a plain string. */
  selfUrl?: string;
  /** Registry endpoints. Default: []. */
  endpoints?: RegistryEndpointArgs[];
  /** Replication policies. Default: []. */
  policies?: ReplicationPolicyArgs[];
  /** Flows declared by other Harbors (their `ReplicationTargets.flows`), checked together with this set for loops. Default: []. */
  peerFlows?: ReplicationFlow[];
}
