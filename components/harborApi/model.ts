/**
 * The parts of Harbor's API v2.0 models (swagger-v2.15.2.yaml `definitions`) that harbor-ha manages.
 * Field names are the API's own.
 */

/** `definitions.Registry` (also what `GET /registries/{id}` answers). */
export interface ApiRegistry {
  id?: number;
  name?: string;
  url?: string;
  type?: string;
  description?: string;
  insecure?: boolean;
  ca_certificate?: string | null;
  credential?: { type?: string; access_key?: string; access_secret?: string };
  status?: string;
  creation_time?: string;
  update_time?: string;
}

/** `definitions.RegistryUpdate` (body of `PUT /registries/{id}`). */
export interface ApiRegistryUpdate {
  name?: string;
  description?: string;
  url?: string;
  credential_type?: string;
  access_key?: string;
  access_secret?: string;
  insecure?: boolean;
  ca_certificate?: string;
}

/** `definitions.ReplicationFilter`: `value` is a string, or a string array for `label`. */
export interface ApiReplicationFilter {
  type: "name" | "tag" | "label" | "resource";
  value: string | string[];
  decoration?: "matches" | "excludes";
}

/** `definitions.ReplicationPolicy`. */
export interface ApiReplicationPolicy {
  id?: number;
  name?: string;
  description?: string;
  src_registry?: ApiRegistry | null;
  dest_registry?: ApiRegistry | null;
  dest_namespace?: string;
  dest_namespace_replace_count?: number;
  trigger?: { type?: string; trigger_settings?: { cron?: string } };
  filters?: ApiReplicationFilter[];
  replicate_deletion?: boolean;
  override?: boolean;
  enabled?: boolean;
  speed?: number;
  copy_by_chunk?: boolean;
}

/** `definitions.ProjectMetadata`: every value is the string "true"/"false" or a severity. */
export interface ApiProjectMetadata {
  public?: string;
  auto_scan?: string;
  severity?: string;
  prevent_vul?: string;
  enable_content_trust_cosign?: string;
  reuse_sys_cve_allowlist?: string;
}

/** `definitions.Project`. */
export interface ApiProject {
  project_id?: number;
  name?: string;
  /** The registry a proxy-cache project caches. */
  registry_id?: number;
  metadata?: ApiProjectMetadata;
}

/** `definitions.RobotPermission`. */
export interface ApiRobotPermission {
  kind: string;
  namespace: string;
  access: { resource: string; action: string; effect?: string }[];
}

/** `definitions.Robot`. */
export interface ApiRobot {
  id?: number;
  name?: string;
  description?: string;
  level?: string;
  duration?: number;
  disable?: boolean;
  expires_at?: number;
  permissions?: ApiRobotPermission[];
}

/** `definitions.RobotCreated`. */
export interface ApiRobotCreated {
  id?: number;
  name?: string;
  secret?: string;
  expires_at?: number;
}
