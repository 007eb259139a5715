/**
 * A Harbor registry endpoint (`/registries`) as a Pulumi dynamic resource. The resource id is Harbor's
 * registry id.
 *
 * The provider is the generic Harbor provider over {@link registryEndpointDefinition}, a module-level
 * singleton: Pulumi serializes a dynamic provider's code once per provider object and process
 * (settings.cacheDynamicProviders, on by default), so 1000 endpoints cost one serialization.
 * Inputs are three properties (connection, spec, accessSecret): each top-level property costs the SDK
 * an Output and a captured stack trace per resource, which dominates plan time for large sets.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ApiRegistry, ApiRegistryUpdate } from "./model";
import type { HarborClientOptions } from "./client";
import type { ConnectionArgs } from "./connectionArgs";
import { Connected, CONNECTION_SECRET_OUTPUTS } from "./providerSupport";
import { HarborResourceDefinition, makeHarborProvider, objectShapeProblem } from "./resourceProvider";

/** What Harbor stores about an endpoint (its secret apart). */
export interface RegistryEndpointSpec {
  name: string;
  /** Adapter type, e.g. `harbor`. */
  type: string;
  url: string;
  description: string;
  insecure: boolean;
  /** Credential user (basic auth), e.g. `robot$replication`; absent for anonymous access. */
  accessKey?: string;
  caCertificate?: string;
}

export interface RegistryEndpointInputs extends Connected {
  spec: RegistryEndpointSpec;
  /** Credential secret; Harbor never answers it back, so refresh keeps the one in state. */
  accessSecret?: string;
}

export interface RegistryEndpointState extends RegistryEndpointInputs {
  /** Harbor's health verdict at the last read (`healthy`/`unhealthy`). */
  status?: string;
}

/** A change of these spec keys replaces the endpoint (Harbor cannot change a type; a rename is a new endpoint). */
export const REGISTRY_REPLACE_KEYS = ["name", "type"] as const;

/** Body of `POST /registries`. */
export function registryCreateBody(i: RegistryEndpointInputs): ApiRegistry {
  const s = i.spec;
  const body: ApiRegistry = {
    name: s.name,
    type: s.type,
    url: s.url,
    description: s.description,
    insecure: s.insecure,
  };
  if (s.accessKey) body.credential = { type: "basic", access_key: s.accessKey, access_secret: i.accessSecret ?? "" };
  if (s.caCertificate) body.ca_certificate = s.caCertificate;
  return body;
}

/** Body of `PUT /registries/{id}` (`RegistryUpdate`; the type cannot change). */
export function registryUpdateBody(i: RegistryEndpointInputs): ApiRegistryUpdate {
  const s = i.spec;
  return {
    name: s.name,
    description: s.description,
    url: s.url,
    insecure: s.insecure,
    ca_certificate: s.caCertificate ?? "",
    credential_type: "basic",
    access_key: s.accessKey ?? "",
    access_secret: i.accessSecret ?? "",
  };
}

/** The spec of what Harbor answers. */
export function registrySpecFromApi(api: ApiRegistry): RegistryEndpointSpec {
  const spec: RegistryEndpointSpec = {
    name: api.name ?? "",
    type: api.type ?? "",
    url: (api.url ?? "").replace(/\/+$/, ""),
    description: api.description ?? "",
    insecure: api.insecure ?? false,
  };
  if (api.credential?.access_key) spec.accessKey = api.credential.access_key;
  if (api.ca_certificate) spec.caCertificate = api.ca_certificate;
  return spec;
}

/** The registry endpoint as a generic Harbor resource: paths, bodies, natural key (its unique name). */
export const registryEndpointDefinition: HarborResourceDefinition<RegistryEndpointInputs> = {
  kind: "registry endpoint",
  type: "RegistryEndpoint",
  path: (id) => `/registries/${id}`,
  createCall: (s) => ({ method: "POST", path: "/registries", body: registryCreateBody(s) }),
  updateCalls: (id, s) => [{ method: "PUT", path: `/registries/${id}`, body: registryUpdateBody(s) }],
  shapeProblem: (api) => objectShapeProblem(api, { name: "string", type: "string", url: "string" }),
  specFromApi: (api: ApiRegistry) => registrySpecFromApi(api),
  replaceKeys: REGISTRY_REPLACE_KEYS,
  // Harbor never answers the credential secret: refresh keeps the one in state; diff compares it.
  keptInputs: ["accessSecret"],
  naturalKey: {
    label: (s) => s.spec.name,
    listPath: (s) => `/registries?q=${encodeURIComponent(`name=${s.spec.name}`)}`,
    matches: (api: ApiRegistry, s) => api.name === s.spec.name,
    idOf: (api: ApiRegistry) => api.id,
  },
  readOutputs: (api: ApiRegistry) => (api.status ? { status: api.status } : {}),
};

/** A provider; tests pass short retries. Resources use {@link registryEndpointProvider}. */
export function makeRegistryEndpointProvider(clientOptions: HarborClientOptions = {}): pulumi.dynamic.ResourceProvider {
  return makeHarborProvider(registryEndpointDefinition, clientOptions) as pulumi.dynamic.ResourceProvider;
}

export const registryEndpointProvider = makeRegistryEndpointProvider();

export interface HarborRegistryEndpointArgs {
  /** The Harbor where the endpoint is created. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** What Harbor stores, in the API's terms. Required. */
  spec: pulumi.Input<{ [K in keyof RegistryEndpointSpec]: pulumi.Input<RegistryEndpointSpec[K]> }>;
  /** Credential secret (made a secret output). Default: none (anonymous). */
  accessSecret?: pulumi.Input<string>;
}

/** One registry endpoint in one Harbor; its `id` is Harbor's registry id. `connection` and `accessSecret` are secret outputs. */
export class HarborRegistryEndpoint extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<RegistryEndpointSpec>;

  constructor(name: string, args: HarborRegistryEndpointArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      registryEndpointProvider,
      name,
      { ...args },
      { ...opts, additionalSecretOutputs: [...CONNECTION_SECRET_OUTPUTS, "accessSecret"] },
      "harbor",
      "RegistryEndpoint",
    );
  }

  /** Harbor's id of the endpoint, which policies refer to. */
  get registryId(): pulumi.Output<number> {
    return this.id.apply(Number);
  }
}
