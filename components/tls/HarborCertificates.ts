import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, standardLabels } from "../conventions";

/** ACME account shared by both ACME modes. */
interface AcmeAccount {
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
  /** cert-manager's namespace (the self-signed CA's Secret lives there). Default: `cert-manager`. */
  certManagerNamespace?: string;
  /** Harbor's host name, e.g. `harbor.example.com`. */
  host: string;
  /** How the edge certificate is issued. */
  issuer: IssuerMode;
  /** Name of the edge certificate's Secret (the Gateway's HTTPS listener names it). Default: `<name>-tls`. */
  tlsSecretName?: string;
  /** Private key rotation of the edge certificate on renewal (explicit: cert-manager's default changed to Always in 1.18). Default: `Always`. */
  rotationPolicy?: "Always" | "Never";
  /** What issuers and certificates wait for: CertManager's `ready` (its release, whose CRDs they need). Default: none. */
  certManagerReady?: pulumi.Resource[];
}

const LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";

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

  constructor(name: string, args: HarborCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    const check = new ArgsChecker("HarborCertificates", name);
    check.check(
      /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(args.host),
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
    check.throwIfAny();
    super(HarborCertificates.__pulumiType, name, {}, opts);
    const ns = args.namespace ?? "harbor";
    const cmNs = args.certManagerNamespace ?? "cert-manager";
    const labels = standardLabels("certificates", name);
    const ready = args.certManagerReady ?? [];
    const resource = (
      id: string,
      kind: string,
      spec: object,
      namespace?: pulumi.Input<string>,
      dependsOn: pulumi.Resource[] = [],
    ) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${id}`,
        {
          apiVersion: "cert-manager.io/v1",
          kind,
          metadata: { name: `${name}-${id}`, labels, ...(namespace ? { namespace } : {}) },
          spec,
        },
        { parent: this, dependsOn: [...ready, ...dependsOn] },
      );

    // A private CA: root self-signed, then a CA issuer. Signs the token service cert everywhere, and the edge cert in self-signed mode.
    const selfSigned = resource("selfsigned", "ClusterIssuer", { selfSigned: {} });
    const caCert = resource(
      "ca",
      "Certificate",
      {
        isCA: true,
        commonName: `${name} private CA`,
        secretName: `${name}-ca`,
        duration: "87600h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" },
        issuerRef: { name: selfSigned.metadata.name, kind: "ClusterIssuer", group: "cert-manager.io" },
      },
      cmNs,
    );
    const ca = resource("ca-issuer", "ClusterIssuer", { ca: { secretName: `${name}-ca` } }, undefined, [caCert]);

    let edgeIssuer: pulumi.Output<string>;
    let edgeKind = "ClusterIssuer";
    const i = args.issuer;
    if (i.mode === "acme-http01" || i.mode === "acme-dns01") {
      const solver =
        i.mode === "acme-http01"
          ? { http01: { gatewayHTTPRoute: { parentRefs: i.gatewayParentRefs } } }
          : {
              dns01: {
                route53: { region: i.region, hostedZoneID: i.hostedZoneId, ...(i.role ? { role: i.role } : {}) },
              },
            };
      edgeIssuer = resource("acme", "ClusterIssuer", {
        acme: {
          server: i.server ?? LETS_ENCRYPT,
          email: i.email,
          privateKeySecretRef: { name: `${name}-acme-account` },
          solvers: [solver],
        },
      }).metadata.name;
    } else if (i.mode === "existing") {
      edgeIssuer = pulumi.output(i.issuerName);
      edgeKind = i.kind ?? "ClusterIssuer";
    } else {
      edgeIssuer = ca.metadata.name;
    }
    const rotationPolicy = args.rotationPolicy ?? "Always";
    const tlsSecretName = args.tlsSecretName ?? `${name}-tls`;
    resource(
      "tls",
      "Certificate",
      {
        secretName: tlsSecretName,
        dnsNames: [args.host],
        duration: "2160h",
        renewBefore: "720h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy },
        issuerRef: { name: edgeIssuer, kind: edgeKind, group: "cert-manager.io" },
      },
      ns,
    );
    // Harbor signs registry tokens with this key; rotating it invalidates tokens in flight, so it is renewed, not re-keyed.
    resource(
      "token-service",
      "Certificate",
      {
        secretName: `${name}-token-service`,
        commonName: "harbor-token-service",
        duration: "87600h",
        renewBefore: "720h",
        privateKey: { algorithm: "RSA", size: 4096, rotationPolicy: "Never" },
        issuerRef: { name: ca.metadata.name, kind: "ClusterIssuer", group: "cert-manager.io" },
      },
      ns,
    );
    // Plain names, not taken from the Certificates: Harbor's pods wait for the Secrets by themselves,
    // so `pulumi up` need not serialize the release behind certificate issuance.
    this.tlsSecretName = pulumi.output(tlsSecretName);
    this.tokenServiceSecretName = pulumi.output(`${name}-token-service`);
    this.issuerName = edgeIssuer;
    this.registerOutputs({
      tlsSecretName: this.tlsSecretName,
      tokenServiceSecretName: this.tokenServiceSecretName,
      issuerName: this.issuerName,
    });
  }
}
