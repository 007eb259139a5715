import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import * as random from "@pulumi/random";
import { ComponentTypes } from "../tokens";
import { DEFAULT_NAMESPACE, standardLabels } from "../conventions";

/** The registry's internal user, as the chart names it. */
export const REGISTRY_USER = "harbor_registry_user";

export interface HarborSecretsArgs {
  /** Namespace. Default: `harbor`. */
  namespace?: pulumi.Input<string>;
  /** Harbor admin password. Default: generated (24 characters). */
  adminPassword?: pulumi.Input<string>;
}

/** Names of the Secrets the chart is pointed at (each key as the chart expects it). */
export interface HarborSecretNames {
  /** `existingSecretSecretKey`: key `secretKey` (16 chars). */
  secretKey: pulumi.Output<string>;
  /** `core.existingSecret` (key `secret`, 16) and `core.existingXsrfSecret` (key `CSRF_KEY`, 32). */
  core: pulumi.Output<string>;
  /** `jobservice.existingSecret`: key `JOBSERVICE_SECRET`. */
  jobservice: pulumi.Output<string>;
  /** `registry.existingSecret`: key `REGISTRY_HTTP_SECRET`. */
  registryHttp: pulumi.Output<string>;
  /** `registry.credentials.existingSecret`: keys `REGISTRY_PASSWD`, `REGISTRY_HTPASSWD`. */
  registryCredentials: pulumi.Output<string>;
  /** `existingSecretAdminPassword`: key `HARBOR_ADMIN_PASSWORD`. */
  admin: pulumi.Output<string>;
}

/**
 * Every secret Harbor's chart would otherwise generate on each render (and so change on every
 * `pulumi up`, restarting pods and breaking CSRF tokens: harbor#21060, harbor-helm#786/#947),
 * generated once with @pulumi/random and stored in Kubernetes Secrets the chart reads by name.
 */
export class HarborSecrets extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.HarborSecrets;

  readonly names: HarborSecretNames;
  /** The admin password (secret), for the Harbor API resources. */
  readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: HarborSecretsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(HarborSecrets.__pulumiType, name, {}, opts);
    const ns = args.namespace ?? DEFAULT_NAMESPACE;
    const child = { parent: this };
    const labels = standardLabels("harbor", name);
    // Alphanumeric: these values end up in config files and URLs where symbols need escaping.
    const rand = (id: string, length: number, extra: Partial<random.RandomPasswordArgs> = {}) =>
      new random.RandomPassword(`${name}-${id}`, { length, special: false, ...extra }, child);
    const secret = (id: string, data: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.Secret(
        `${name}-${id}`,
        { metadata: { name: `${name}-${id}`, namespace: ns, labels }, type: "Opaque", stringData: data },
        child,
      ).metadata.name;

    const registryPassword = rand("registry-password", 32);
    const admin =
      args.adminPassword !== undefined
        ? pulumi.secret(args.adminPassword)
        : rand("admin-password", 24, { minUpper: 1, minLower: 1, minNumeric: 1 }).result; /* Harbor's password policy */
    this.names = {
      secretKey: secret("secret-key", { secretKey: rand("secret-key", 16).result }),
      core: secret("core", { secret: rand("core-secret", 16).result, CSRF_KEY: rand("csrf-key", 32).result }),
      jobservice: secret("jobservice", { JOBSERVICE_SECRET: rand("jobservice-secret", 16).result }),
      registryHttp: secret("registry-http", { REGISTRY_HTTP_SECRET: rand("registry-http-secret", 16).result }),
      // The provider's bcrypt hash is stable across runs, unlike hashing here (a new salt each time).
      registryCredentials: secret("registry-credentials", {
        REGISTRY_PASSWD: registryPassword.result,
        REGISTRY_HTPASSWD: pulumi.interpolate`${REGISTRY_USER}:${registryPassword.bcryptHash}`,
      }),
      admin: secret("admin", { HARBOR_ADMIN_PASSWORD: admin }),
    };
    this.adminPassword = admin;
    this.registerOutputs({ ...this.names });
  }
}
