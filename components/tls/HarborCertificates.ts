import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs, DEFAULT_NAMESPACE, standardLabels } from "../conventions";
import { CERT_MANAGER_NAMESPACE } from "./CertManager";

/** ACME account shared by both ACME modes. */
export interface AcmeAccount {
  /** The ACME account's e-mail. */
  email: string;
  /** ACME directory. Default: Let's Encrypt production. */
  server?: string;
}

/** How Harbor's edge certificate is issued. */
export type IssuerMode =
  | (AcmeAccount & {
      /** Let's Encrypt (or another ACME CA) over HTTP-01 through the Gateway (cert-manager's `gatewayHTTPRoute` solver). */
      mode: "acme-http01";
      /**
       * The Gateway listener serving port 80 (HarborGateway's `acmeParentRefs`). cert-manager attaches an
       * HTTPRoute with an Exact `/.well-known/acme-challenge/<token>` match there, which outranks the
       * listener's HTTPS redirect (a PathPrefix `/`).
       */
      gatewayParentRefs: pulumi.Input<object[]>;
    })
  | (AcmeAccount & {
      /** Let's Encrypt (or another ACME CA) over DNS-01 with Route53. */
      mode: "acme-dns01";
      /** Route53 region. */
      region: string;
      /** The hosted zone of Harbor's host. */
      hostedZoneId: string;
      /** A role to assume for Route53 (e.g. in another account). Default: none (cert-manager's ambient IRSA credentials: CertManager's `route53`). */
      role?: pulumi.Input<string>;
    })
  | {
      /** A private CA bootstrapped by cert-manager (dev, private networks). */
      mode: "self-signed";
    }
  | {
      /** An issuer the cluster already has. */
      mode: "existing";
      /** Its name. */
      issuerName: string;
      /** Its kind. Default: ClusterIssuer. */
      kind?: "ClusterIssuer" | "Issuer";
    };

export interface HarborCertificatesArgs {
  /** Namespace of Harbor (where the certificate Secrets go). Default: `harbor`. */
  namespace?: pulumi.Input<string>;
  /** cert-manager's namespace (the self-signed CA's Secret lives there), e.g. CertManager's. Default: `cert-manager`. */
  certManagerNamespace?: pulumi.Input<string>;
  /**
   * Harbor's host name, e.g. `harbor.example.com` (only the certificate's DNS name: an Output, e.g. a record's
   * name, is fine; a plain string is also checked as a DNS name before any resource).
   */
  host: pulumi.Input<string>;
  /** How the edge certificate is issued. */
  issuer: IssuerMode;
  /** Name of the edge certificate's Secret (the Gateway's HTTPS listener names it). Default: `<name>-tls`. */
  tlsSecretName?: string;
  /** Private key rotation of the edge certificate on renewal (explicit: cert-manager's default changed to Always in 1.18). Default: `Always`. */
  rotationPolicy?: "Always" | "Never";
  /** What issuers and certificates wait for: CertManager's `ready` (its release, whose CRDs they need). Default: none. */
  certManagerReady?: pulumi.Resource[];
  /**
   * Read the private CA's certificate back (`caCertificate`), for clients that must trust it, such as
   * Harbor's API resources when the edge certificate is self-signed. Default: false.
   */
  exposeCaCertificate?: boolean;
  /**
   * Wait, at most this many seconds, until cert-manager reports the edge certificate `Ready`
   * (`pulumi.com/waitFor: condition=Ready`); on timeout the Kubernetes provider's error names the Certificate
   * and its last condition (e.g. the ACME challenge's state). Default: not waited.
   */
  issuanceTimeoutSeconds?: number;
  /** What the edge certificate waits for besides cert-manager: the DNS record an ACME challenge needs. Default: none. */
  edgeCertificateWaitsFor?: pulumi.Resource[];
}

/** Let's Encrypt's production ACME directory. */
export const LETS_ENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";

/** Defaults of {@link HarborCertificatesArgs} (and of an ACME issuer's `server`), applied in the constructor only. */
export const harborCertificatesDefaults = {
  namespace: DEFAULT_NAMESPACE,
  certManagerNamespace: CERT_MANAGER_NAMESPACE,
  rotationPolicy: "Always" as "Always" | "Never",
  acmeServer: LETS_ENCRYPT_PRODUCTION,
};

/**
 * The certificates Harbor needs, issued by cert-manager: the edge certificate for Harbor's host (ACME
 * over HTTP-01 or DNS-01, or a self-signed bootstrap CA for dev and private networks) and the token
 * service's signing certificate (always from a private CA: it never faces clients).
 */
export class HarborCertificates extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.HarborCertificates;

  /** Secret of the edge certificate (`tls.crt`/`tls.key`). */
  readonly tlsSecretName: pulumi.Output<string>;
  /** Secret of the token service certificate. */
  readonly tokenServiceSecretName: pulumi.Output<string>;
  /** The ClusterIssuer of the edge certificate. */
  readonly issuerName: pulumi.Output<string>;
  /** The private CA's certificate (PEM), when `exposeCaCertificate`; otherwise undefined. */
  readonly caCertificate?: pulumi.Output<string>;
  /** The edge Certificate; with `issuanceTimeoutSeconds` it exists for Pulumi only once issued. */
  readonly edgeCertificate: k8s.apiextensions.CustomResource;

  constructor(name: string, args: HarborCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("HarborCertificates", name, checkHarborCertificatesArgs(name, args));
    super(HarborCertificates.__pulumiType, name, {}, opts);
    const d = harborCertificatesDefaults;
    const ns = args.namespace ?? d.namespace;
    const cmNs = args.certManagerNamespace ?? d.certManagerNamespace;
    // With the cluster's own issuer, the token-service CA is namespaced (Issuers in Harbor's namespace):
    // a team's cluster gets no cluster-wide object from this component.
    const caNs = args.issuer.mode === "existing" ? ns : undefined;
    const { issuer: caIssuer, certificate: caCert, kind: caKind } = this.privateCa(name, cmNs, args, caNs);
    const edge = this.edgeIssuer(name, args, caIssuer);
    const tlsSecretName = args.tlsSecretName ?? `${name}-tls`;
    this.edgeCertificate = this.edgeCertificateOf(name, args, ns, edge, tlsSecretName);
    this.tokenServiceCertificate(name, args, ns, caIssuer, caKind);
    // Plain names, not taken from the Certificates: Harbor's pods wait for the Secrets by themselves,
    // so `pulumi up` need not serialize the release behind certificate issuance.
    this.tlsSecretName = pulumi.output(tlsSecretName);
    this.tokenServiceSecretName = pulumi.output(`${name}-token-service`);
    this.issuerName = edge.name;
    if (args.exposeCaCertificate) this.caCertificate = this.caCertificateOf(name, caNs ?? cmNs, caCert);
    this.registerOutputs({
      tlsSecretName: this.tlsSecretName,
      tokenServiceSecretName: this.tokenServiceSecretName,
      issuerName: this.issuerName,
    });
  }

  /** A cert-manager object of this component, waiting for cert-manager (its CRDs) and `dependsOn`. */
  private certManagerObject(
    name: string,
    args: HarborCertificatesArgs,
    id: string,
    kind: string,
    spec: object,
    namespace?: pulumi.Input<string>,
    dependsOn: pulumi.Resource[] = [],
    annotations?: Record<string, string>,
  ): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
      `${name}-${id}`,
      {
        apiVersion: "cert-manager.io/v1",
        kind,
        metadata: {
          name: `${name}-${id}`,
          labels: standardLabels("certificates", name),
          ...(namespace ? { namespace } : {}),
          ...(annotations ? { annotations } : {}),
        },
        spec,
      },
      { parent: this, dependsOn: [...(args.certManagerReady ?? []), ...dependsOn] },
    );
  }

  /**
   * A private CA: a self-signed root, then a CA ClusterIssuer backed by its Secret. It signs the token
   * service certificate everywhere, and the edge certificate in self-signed mode. Returns the CA issuer's name
   * and the CA's Certificate.
   */
  private privateCa(
    name: string,
    certManagerNamespace: pulumi.Input<string>,
    args: HarborCertificatesArgs,
    namespaced?: pulumi.Input<string>,
  ): { issuer: pulumi.Output<string>; certificate: k8s.apiextensions.CustomResource; kind: string } {
    const kind = namespaced === undefined ? "ClusterIssuer" : "Issuer";
    const selfSigned = this.certManagerObject(name, args, "selfsigned", kind, { selfSigned: {} }, namespaced);
    const caCert = this.certManagerObject(
      name,
      args,
      "ca",
      "Certificate",
      {
        isCA: true,
        commonName: `${name} private CA`,
        secretName: `${name}-ca`,
        duration: "87600h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" },
        issuerRef: { name: selfSigned.metadata.name, kind, group: "cert-manager.io" },
      },
      namespaced ?? certManagerNamespace,
      [],
      // Its Secret is read back by caCertificateOf: the Kubernetes provider waits until cert-manager has issued it.
      args.exposeCaCertificate ? { "pulumi.com/waitFor": "condition=Ready" } : undefined,
    );
    const issuer = this.certManagerObject(
      name,
      args,
      "ca-issuer",
      kind,
      { ca: { secretName: `${name}-ca` } },
      namespaced,
      [caCert],
    ).metadata.name;
    return { issuer, certificate: caCert, kind };
  }

  /** The private CA's certificate (PEM), read back from the Secret cert-manager issued it into. */
  private caCertificateOf(
    name: string,
    certManagerNamespace: pulumi.Input<string>,
    caCert: k8s.apiextensions.CustomResource,
  ): pulumi.Output<string> {
    // The id comes from the Certificate's id, unknown until it exists, so a first preview does not read.
    const caSecret = k8s.core.v1.Secret.get(
      `${name}-ca-secret`,
      pulumi.all([caCert.id, certManagerNamespace]).apply(([, caNs]) => `${caNs}/${name}-ca`),
      { parent: this, dependsOn: [caCert] },
    );
    // A CA certificate is public: unsecret it, so that the API resources' connection stays readable.
    return pulumi.unsecret(caSecret.data.apply((d) => Buffer.from(d?.["ca.crt"] ?? "", "base64").toString("utf8")));
  }

  /** The issuer of the edge certificate: ACME (HTTP-01 or DNS-01), the cluster's own, or the private CA. */
  private edgeIssuer(
    name: string,
    args: HarborCertificatesArgs,
    caIssuer: pulumi.Output<string>,
  ): { name: pulumi.Output<string>; kind: string } {
    const i = args.issuer;
    if (i.mode === "existing") return { name: pulumi.output(i.issuerName), kind: i.kind ?? "ClusterIssuer" };
    if (i.mode === "self-signed") return { name: caIssuer, kind: "ClusterIssuer" };
    const solver =
      i.mode === "acme-http01"
        ? { http01: { gatewayHTTPRoute: { parentRefs: i.gatewayParentRefs } } }
        : {
            dns01: {
              route53: { region: i.region, hostedZoneID: i.hostedZoneId, ...(i.role ? { role: i.role } : {}) },
            },
          };
    const acme = this.certManagerObject(name, args, "acme", "ClusterIssuer", {
      acme: {
        server: i.server ?? harborCertificatesDefaults.acmeServer,
        email: i.email,
        privateKeySecretRef: { name: `${name}-acme-account` },
        solvers: [solver],
      },
    });
    return { name: acme.metadata.name, kind: "ClusterIssuer" };
  }

  /** Harbor's host certificate (90 days, renewed 30 days ahead), in Harbor's namespace. */
  private edgeCertificateOf(
    name: string,
    args: HarborCertificatesArgs,
    ns: pulumi.Input<string>,
    issuer: { name: pulumi.Output<string>; kind: string },
    tlsSecretName: string,
  ): k8s.apiextensions.CustomResource {
    return this.certManagerObject(
      name,
      args,
      "tls",
      "Certificate",
      {
        secretName: tlsSecretName,
        dnsNames: [args.host],
        duration: "2160h",
        renewBefore: "720h",
        privateKey: {
          algorithm: "ECDSA",
          size: 256,
          rotationPolicy: args.rotationPolicy ?? harborCertificatesDefaults.rotationPolicy,
        },
        issuerRef: { name: issuer.name, kind: issuer.kind, group: "cert-manager.io" },
      },
      ns,
      args.edgeCertificateWaitsFor ?? [],
      args.issuanceTimeoutSeconds !== undefined
        ? { "pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": String(args.issuanceTimeoutSeconds) }
        : undefined,
    );
  }

  /** Harbor signs registry tokens with this key; rotating it invalidates tokens in flight, so it is renewed, not re-keyed. */
  private tokenServiceCertificate(
    name: string,
    args: HarborCertificatesArgs,
    ns: pulumi.Input<string>,
    caIssuer: pulumi.Output<string>,
    caKind: string,
  ): void {
    this.certManagerObject(
      name,
      args,
      "token-service",
      "Certificate",
      {
        secretName: `${name}-token-service`,
        commonName: "harbor-token-service",
        duration: "87600h",
        renewBefore: "720h",
        privateKey: { algorithm: "RSA", size: 4096, rotationPolicy: "Never" },
        issuerRef: { name: caIssuer, kind: caKind, group: "cert-manager.io" },
      },
      ns,
    );
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkHarborCertificatesArgs(name: string, args: HarborCertificatesArgs): ArgsProblem[] {
  const check = new ArgsChecker("HarborCertificates", name);
  check.atLeast(args.issuanceTimeoutSeconds, 1, "issuanceTimeoutSeconds");
  check.check(
    typeof args.host !== "string" || /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(args.host),
    "host",
    `"${args.host}" is not a DNS name`,
    "give Harbor's host name, e.g. harbor.example.com",
  );
  if (args.issuer.mode === "acme-dns01")
    check.check(
      /^Z[A-Z0-9]+$/.test(args.issuer.hostedZoneId),
      "issuer.hostedZoneId",
      `"${args.issuer.hostedZoneId}" is not a Route53 hosted zone ID`,
      "give the zone's ID, e.g. Z0123456789ABC",
    );
  if (args.issuer.mode.startsWith("acme"))
    check.check(
      /.+@.+\..+/.test((args.issuer as { email: string }).email ?? ""),
      "issuer.email",
      "is not an e-mail address",
      "give the ACME account's e-mail",
    );
  return check.problems;
}
