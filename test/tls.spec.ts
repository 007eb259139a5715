import { strict as assert } from "assert";
import { renderRoute53Policy } from "../components/tls/renderCertManagerValues";
import {
  CertManager,
  CERT_MANAGER_CHART,
  HarborCertificates,
  IssuerMode,
  renderCertManagerValues,
} from "../components/tls";
import { InvalidArgsError } from "../components/conventions";
import { runProgram, unwrapSecrets, PlanGraph } from "../engine";
import { ComponentPlan, planComponent } from "./support/planComponent";

const OIDC = {
  oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
  oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
};
const release = (g: PlanGraph) => g.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");

describe("cert-manager", () => {
  it("installs the pinned jetstack chart with CRDs, 2 replicas and a PDB per deployment for HA", async () => {
    const g = await runProgram(async () => void new CertManager("cm", { highAvailability: true }));
    assert.deepEqual(g.errors, []);
    const r = unwrapSecrets(release(g)!.inputs) as any;
    assert.deepEqual(
      [r.chart, r.version, r.repositoryOpts.repo, r.namespace],
      ["cert-manager", CERT_MANAGER_CHART.version, "https://charts.jetstack.io", "cert-manager"],
    );
    assert.deepEqual(r.values.crds, { enabled: true, keep: true });
    assert.equal(r.values.installCRDs, undefined, "installCRDs is deprecated");
    for (const d of [r.values, r.values.webhook, r.values.cainjector]) {
      assert.equal(d.replicaCount, 2);
      assert.deepEqual(d.podDisruptionBudget, { enabled: true, minAvailable: 1 });
      assert.equal(d.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
    }
  });

  it("without HA runs one replica and no PDB (which would block drains); HA with one replica is refused", async () => {
    const v = renderCertManagerValues({ replicas: 1, publicDns01Resolvers: false, zoneSpread: false }) as any;
    assert.deepEqual(
      [v.replicaCount, v.podDisruptionBudget.enabled, v.webhook.podDisruptionBudget.enabled],
      [1, false, false],
    );
    assert.equal(v.serviceAccount, undefined);
    await assert.rejects(
      runProgram(async () => void new CertManager("cm", { highAvailability: true, replicas: 1 })),
      (e: unknown) =>
        e instanceof InvalidArgsError && /replicas: 1 replica is a single point of failure/.test(e.message),
    );
  });

  it("an existing cert-manager installs nothing", async () => {
    const g = await runProgram(async () => {
      const cm = new CertManager("cm", { existing: true });
      return { ready: cm.ready.length };
    });
    assert.equal(g.resources.filter((r) => r.custom).length, 0);
    assert.equal(g.outputs.ready, 0);
  });

  it("Route53 through IRSA: a role trusted for cert-manager's service account only, records in the given zone only", async () => {
    const g = await runProgram(async () => {
      const cm = new CertManager("cm", {
        highAvailability: true,
        route53: { hostedZoneIds: ["Z0123"], dnsNames: ["harbor.example.com"], ...OIDC },
      });
      return { role: cm.route53RoleArn };
    });
    assert.deepEqual(g.errors, []);
    const role = unwrapSecrets(g.resources.find((r) => r.type === "aws:iam/role:Role")!.inputs) as any;
    const trust = JSON.parse(role.assumeRolePolicy).Statement[0];
    assert.deepEqual(trust.Principal, { Federated: OIDC.oidcProviderArn });
    assert.equal(trust.Action, "sts:AssumeRoleWithWebIdentity");
    assert.deepEqual(trust.Condition.StringEquals, {
      "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:cert-manager:cert-manager",
      "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
    });
    const policy = JSON.parse(
      (unwrapSecrets(g.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy")!.inputs) as any).policy,
    );
    const change = policy.Statement.find((s: any) =>
      (s.Action as string[]).includes?.("route53:ChangeResourceRecordSets"),
    );
    assert.deepEqual(change.Resource, ["arn:aws:route53:::hostedzone/Z0123"]);
    const values = (unwrapSecrets(release(g)!.inputs) as any).values;
    assert.equal(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], g.outputs.role);
    assert.match(String(g.outputs.role), /^arn:aws:iam::\d{12}:role\//);
    assert.equal(values.dns01RecursiveNameserversOnly, true);
    await assert.rejects(
      runProgram(
        async () =>
          void new CertManager("cm", {
            route53: { hostedZoneIds: [], dnsNames: [], oidcProviderArn: "nope", oidcIssuerUrl: "http://x" },
          }),
      ),
      (e: unknown) => e instanceof InvalidArgsError && e.problems.length === 4,
    );
  });

  it("the Route53 role may change only the _acme-challenge TXT records of the certificate's names (not Harbor's own record)", async () => {
    const g = await runProgram(async () => {
      new CertManager("cm", {
        highAvailability: true,
        route53: { hostedZoneIds: ["Z0123"], dnsNames: ["Harbor.Example.com", "*.example.com"], ...OIDC },
      });
    });
    const policy = JSON.parse(
      (unwrapSecrets(g.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy")!.inputs) as any).policy,
    );
    const changes = policy.Statement.filter((s: any) => [s.Action].flat().includes("route53:ChangeResourceRecordSets"));
    assert.equal(changes.length, 1, "one statement allows changes");
    assert.deepEqual(changes[0].Condition, {
      "ForAllValues:StringEquals": {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
          "_acme-challenge.example.com",
          "_acme-challenge.harbor.example.com",
        ],
        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
      },
    });
    // Partition-aware: the ARNs come from aws.getPartition (the offline engine answers "aws").
    assert.deepEqual(changes[0].Resource, ["arn:aws:route53:::hostedzone/Z0123"]);
    assert.deepEqual(
      renderRoute53Policy(["Z1"], ["h.example.cn"], { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" }).Statement,
      (renderRoute53Policy(["Z1"], ["h.example.cn"]).Statement as any[]).map((s) =>
        typeof s.Resource === "string"
          ? { ...s, Resource: s.Resource.replace("arn:aws:", "arn:aws-cn:") }
          : s.Resource === "*"
            ? s
            : { ...s, Resource: s.Resource.map((r: string) => r.replace("arn:aws:", "arn:aws-cn:")) },
      ),
    );
  });
});

describe("Harbor certificates", () => {
  const issuers: IssuerMode[] = [
    { mode: "self-signed" },
    {
      mode: "acme-http01",
      email: "ops@example.com",
      gatewayParentRefs: [{ kind: "Gateway", name: "harbor", namespace: "harbor", sectionName: "http" }],
    },
    { mode: "acme-dns01", email: "ops@example.com", region: "eu-west-1", hostedZoneId: "Z0123" },
    { mode: "existing", issuerName: "corp-ca" },
  ];
  const issuerExpectation: Record<IssuerMode["mode"], string> = {
    "self-signed": "from the private CA",
    "acme-http01": "through Let's Encrypt over HTTP-01 on the Gateway's HTTP listener",
    "acme-dns01": "through Let's Encrypt over DNS-01 in the Route53 zone",
    existing: "from the cluster's existing issuer (nothing created for it)",
  };
  for (const issuer of issuers) {
    describe(`issuer ${issuer.mode}`, () => {
      let plan: ComponentPlan;
      const certs = () => plan.objects("Certificate");
      // With the cluster's own issuer the private CA is namespaced (Issuers), elsewhere cluster-wide.
      const issuers = () => [...plan.objects("ClusterIssuer"), ...plan.objects("Issuer")];
      const issuerNamed = (name: string) => issuers().find((o) => o.metadata.name === name);
      const edge = () => certs().find((c) => c.spec.dnsNames?.includes("harbor.example.com"))!;
      const caIssuer = () => issuers().find((o) => o.spec.ca)!;
      before(async () => {
        plan = await planComponent(() => {
          const c = new HarborCertificates("certs", { namespace: "harbor", host: "harbor.example.com", issuer });
          return { tls: c.tlsSecretName, token: c.tokenServiceSecretName, issuer: c.issuerName };
        });
      });

      it("renders cert-manager objects that validate against their schemas", () => {
        assert.deepEqual(plan.errors, []);
      });

      it("states every certificate's key rotation policy explicitly", () => {
        for (const c of certs())
          assert.ok(["Always", "Never"].includes(c.spec.privateKey.rotationPolicy), `${c.metadata.name}`);
      });

      it("issues Harbor's host certificate into Harbor's namespace, re-keyed on renewal, from the edge issuer", () => {
        assert.deepEqual(
          [edge().metadata.namespace, edge().spec.secretName, edge().spec.privateKey.rotationPolicy],
          ["harbor", plan.outputs.tls, "Always"],
        );
        assert.equal(edge().spec.issuerRef.name, plan.outputs.issuer);
      });

      it("signs the token service certificate (RSA, never re-keyed) with the private CA", () => {
        const token = certs().find((c) => c.spec.secretName === plan.outputs.token)!;
        assert.deepEqual(
          [token.metadata.namespace, token.spec.privateKey.algorithm, token.spec.privateKey.rotationPolicy],
          ["harbor", "RSA", "Never"],
        );
        assert.equal(token.spec.issuerRef.name, caIssuer().metadata.name);
      });

      it("bootstraps the private CA: selfSigned issuer -> CA certificate in cert-manager's namespace -> ca issuer", () => {
        const caCert = certs().find((c) => c.spec.isCA)!;
        assert.equal(caCert.metadata.namespace, issuer.mode === "existing" ? "harbor" : "cert-manager");
        if (issuer.mode === "existing")
          assert.deepEqual(plan.objects("ClusterIssuer"), [], "the cluster's issuer: no cluster-wide object of ours");
        assert.equal(caIssuer().spec.ca.secretName, caCert.spec.secretName);
        assert.ok(issuerNamed(caCert.spec.issuerRef.name)?.spec.selfSigned);
      });

      it(`issues the edge certificate ${issuerExpectation[issuer.mode]}`, () => {
        const edgeIssuer = issuerNamed(edge().spec.issuerRef.name);
        if (issuer.mode === "self-signed") assert.equal(edgeIssuer?.metadata.name, caIssuer().metadata.name);
        if (issuer.mode === "acme-http01")
          assert.deepEqual(edgeIssuer!.spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs, [
            { kind: "Gateway", name: "harbor", namespace: "harbor", sectionName: "http" },
          ]);
        if (issuer.mode === "acme-dns01")
          assert.deepEqual(edgeIssuer!.spec.acme.solvers[0].dns01.route53, {
            region: "eu-west-1",
            hostedZoneID: "Z0123",
          });
        if (issuer.mode.startsWith("acme"))
          assert.equal(edgeIssuer!.spec.acme.server, "https://acme-v02.api.letsencrypt.org/directory");
        if (issuer.mode === "existing")
          assert.deepEqual([edgeIssuer, edge().spec.issuerRef.name], [undefined, "corp-ca"]);
      });
    });
  }

  it("waits for cert-manager's release (its CRDs) before any issuer or certificate", async () => {
    const g = await runProgram(async () => {
      const cm = new CertManager("cm", {});
      new HarborCertificates("certs", {
        host: "harbor.example.com",
        issuer: { mode: "self-signed" },
        certManagerReady: cm.ready,
      });
    });
    const rel = release(g)!;
    const crs = g.resources.filter((r) => r.type.startsWith("kubernetes:cert-manager.io/v1:"));
    assert.equal(crs.length, 5);
    for (const r of crs) assert.ok(r.dependencies.includes(rel.urn), `${r.name} depends on the release`);
  });

  it("refuses a host that is not a DNS name, an ACME account without e-mail and a malformed zone, at once", async () => {
    await assert.rejects(
      runProgram(
        async () =>
          void new HarborCertificates("c", {
            host: "https://harbor",
            issuer: { mode: "acme-dns01", email: "nobody", region: "eu-west-1", hostedZoneId: "zone" },
          }),
      ),
      (e: unknown) =>
        e instanceof InvalidArgsError &&
        e.problems
          .map((p) => p.path)
          .sort()
          .join(",") === "host,issuer.email,issuer.hostedZoneId",
    );
  });
});
