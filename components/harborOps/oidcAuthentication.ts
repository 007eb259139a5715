/**
 * Harbor's OIDC authentication settings (`/configurations`) as a dynamic resource: a singleton per
 * Harbor. The client secret is a secret input Harbor never answers back: refresh keeps the one in state,
 * diff compares it. Delete leaves the settings as they are: Harbor refuses to change the authentication
 * mode once users have logged in with it, so "deleting" can only mean "stop managing".
 */
import * as pulumi from "@pulumi/pulumi";
import type { HarborClientOptions } from "../harborApi/client";
import type { ConnectionArgs } from "../harborApi/connectionArgs";
import { Connected, CONNECTION_SECRET_OUTPUTS } from "../harborApi/providerSupport";
import { HarborResourceDefinition, makeHarborProvider } from "../harborApi/resourceProvider";

export interface OidcAuthenticationSpec {
  /** Name shown on the login button, e.g. `Corporate SSO`. */
  name: string;
  /** The provider's issuer URL (https). */
  endpoint: string;
  clientId: string;
  /** Scopes, e.g. `openid,profile,email,groups` (must include openid). */
  scope: string;
  /** Verify the provider's certificate. */
  verifyCert: boolean;
  /** Create users on first login with the `userClaim` as the name. */
  autoOnboard: boolean;
  /** Claim used as the user name when auto-onboarding (empty: Harbor asks). */
  userClaim: string;
  /** Claim holding the user's groups (empty: no groups). */
  groupsClaim: string;
  /** Members of this group are Harbor admins (empty: none). */
  adminGroup: string;
}

export type OidcAuthenticationInputs = Connected & { spec: OidcAuthenticationSpec; clientSecret: string };

/** `GET /configurations` items: `{ value, editable }`. */
type ConfigAnswer = Record<string, { value?: unknown; editable?: boolean } | undefined>;

export function oidcConfigurationsBody(i: OidcAuthenticationInputs): Record<string, unknown> {
  const s = i.spec;
  return {
    auth_mode: "oidc_auth",
    oidc_name: s.name,
    oidc_endpoint: s.endpoint,
    oidc_client_id: s.clientId,
    oidc_client_secret: i.clientSecret,
    oidc_scope: s.scope,
    oidc_verify_cert: s.verifyCert,
    oidc_auto_onboard: s.autoOnboard,
    oidc_user_claim: s.userClaim,
    oidc_groups_claim: s.groupsClaim,
    oidc_admin_group: s.adminGroup,
  };
}

const str = (a: ConfigAnswer, k: string) => (typeof a[k]?.value === "string" ? (a[k]!.value as string) : "");
const bool = (a: ConfigAnswer, k: string) => a[k]?.value === true;

export const oidcAuthenticationDefinition: HarborResourceDefinition<OidcAuthenticationInputs> = {
  kind: "OIDC authentication",
  type: "OidcAuthentication",
  singletonId: "OidcAuthentication",
  path: () => "/configurations",
  createCall: (s) => ({ method: "PUT", path: "/configurations", body: oidcConfigurationsBody(s) }),
  updateCalls: (_id, s) => [{ method: "PUT", path: "/configurations", body: oidcConfigurationsBody(s) }],
  shapeProblem: (api) =>
    api && typeof api === "object" && !Array.isArray(api) && typeof (api as ConfigAnswer).auth_mode === "object"
      ? undefined
      : 'expected Harbor\'s configurations with an "auth_mode" item',
  // Another auth mode set by hand reads as drift on every field: the next `up` puts OIDC back.
  specFromApi: (api: ConfigAnswer) =>
    str(api, "auth_mode") !== "oidc_auth"
      ? {
          name: "",
          endpoint: "",
          clientId: "",
          scope: "",
          verifyCert: false,
          autoOnboard: false,
          userClaim: "",
          groupsClaim: "",
          adminGroup: "",
        }
      : {
          name: str(api, "oidc_name"),
          endpoint: str(api, "oidc_endpoint"),
          clientId: str(api, "oidc_client_id"),
          scope: str(api, "oidc_scope"),
          verifyCert: bool(api, "oidc_verify_cert"),
          autoOnboard: bool(api, "oidc_auto_onboard"),
          userClaim: str(api, "oidc_user_claim"),
          groupsClaim: str(api, "oidc_groups_claim"),
          adminGroup: str(api, "oidc_admin_group"),
        },
  replaceKeys: [],
  keptInputs: ["clientSecret"],
};

export const makeOidcAuthenticationProvider = (o: HarborClientOptions = {}) =>
  makeHarborProvider(oidcAuthenticationDefinition, o) as pulumi.dynamic.ResourceProvider;
export const oidcAuthenticationProvider = makeOidcAuthenticationProvider();

export interface HarborOidcAuthenticationArgs {
  /** The Harbor to configure. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** The settings, in Harbor's terms. Required. */
  spec: pulumi.Input<{ [K in keyof OidcAuthenticationSpec]: pulumi.Input<OidcAuthenticationSpec[K]> }>;
  /** The OIDC client secret: a Pulumi secret (made a secret output). Required. */
  clientSecret: pulumi.Input<string>;
}

/** Harbor's OIDC login (one per Harbor); `clientSecret` and `password` are secret outputs. */
export class HarborOidcAuthentication extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<OidcAuthenticationSpec>;
  constructor(name: string, args: HarborOidcAuthenticationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      oidcAuthenticationProvider,
      name,
      { ...args, clientSecret: pulumi.secret(args.clientSecret) },
      { ...opts, additionalSecretOutputs: [...CONNECTION_SECRET_OUTPUTS, "clientSecret"] },
      "harbor",
      "OidcAuthentication",
    );
  }
}
