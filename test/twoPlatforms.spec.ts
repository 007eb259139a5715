/**
 * Two HarborPlatforms in one cluster (two teams, or blue/green): every Kubernetes object, Helm release
 * and NodePort must be distinct, or the second `pulumi up` would fight the first over them. Names are
 * derived from the component name (and namespace); the cluster-wide controllers (cert-manager, Envoy
 * Gateway) are installed once, by the first platform, and the second uses them.
 */
import { strict as assert } from "assert";
import { HarborPlatform, HarborPlatformArgs, PlatformOwnEdge } from "../components/platform";
import { CapturedResource, kubernetesObject, PlanGraph, runProgram, unwrapSecrets } from "../engine";

const devLike = (namespace: string, host: string, https: number, http: number): HarborPlatformArgs => ({
  environment: "dev",
  namespace,
  externalUrl: `https://${host}.127.0.0.1.nip.io:${https}`,
  storage: { kind: "filesystem", capacityGb: 20 },
  tls: { issuer: { mode: "self-signed" } },
  edge: { exposure: "nodePort", replicas: 1, nodePorts: { https, http } },
  database: { kind: "patroni", members: 1, volumeGb: 10, cpu: 0.5, memoryGi: 1, synchronousMode: false },
  redis: { kind: "sentinel", replicas: 1, sentinels: 1, quorum: 1, memoryGi: 0.25, cpu: 0.25 },
  harbor: { replicas: 1, maxOpenConns: 15, maxIdleConns: 5, trivy: false },
  projects: [{ name: "dev" }],
});

const HELM = "kubernetes:helm.sh/v3:Release";

function duplicates(keys: string[]): string[] {
  const seen = new Map<string, number>();
  for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
}

// Both in their own namespace, and both in one namespace (the second then must not create it again).
for (const shared of [false, true])
  describe(`two platforms in one cluster${shared ? ", in ONE namespace" : ""}`, function () {
    this.timeout(240_000);
    let g: PlanGraph;
    const objects = () =>
      g.resources.map((r) => [r, kubernetesObject(r)] as const).filter(([, o]) => o) as [CapturedResource, any][];
    const [nsA, nsB] = shared ? ["registry", "registry"] : ["registry-a", "registry-b"];

    before(async () => {
      g = await runProgram(async () => {
        const a = devLike(nsA, "registry-a", 30443, 30080);
        const b = devLike(nsB, "registry-b", 31443, 31080);
        new HarborPlatform("team-a", a);
        // The second platform uses the cluster's cert-manager and Envoy Gateway, which the first installed.
        new HarborPlatform("team-b", {
          ...b,
          createNamespace: !shared,
          tls: { ...b.tls, installCertManager: false },
          edge: { ...(b.edge as PlatformOwnEdge), installController: false },
        });
      });
    });

    it("plans both without errors", () => {
      assert.deepEqual(g.errors, []);
      assert.equal(g.resources.filter((r) => r.type === "harbor-ha:platform:HarborPlatform").length, 2);
    });

    it("no Kubernetes object twice (kind, namespace, name), cluster-scoped ones included", () => {
      const keys = objects().map(
        ([, o]) => `${o.apiVersion}/${o.kind} ${o.metadata?.namespace ?? "(cluster)"}/${o.metadata?.name}`,
      );
      assert.ok(keys.length > 40);
      assert.deepEqual(duplicates(keys), []);
      // Each platform's edge is its own: two Gateways and EnvoyProxies, however the namespaces fall.
      assert.equal(objects().filter(([, o]) => o.kind === "Gateway").length, 2);
      assert.equal(objects().filter(([, o]) => o.kind === "EnvoyProxy").length, 2);
    });

    it("no Helm release twice (namespace, name); each platform's releases are named after it", () => {
      const releases = g.resources.filter((r) => r.type === HELM).map((r) => unwrapSecrets(r.inputs) as any);
      assert.deepEqual(duplicates(releases.map((r) => `${r.namespace}/${r.name}`)), []);
      const harbor = releases
        .filter((r) => r.chart === "harbor")
        .map((r) => `${r.namespace}/${r.name}`)
        .sort();
      assert.deepEqual(harbor, [`${nsA}/team-a`, `${nsB}/team-b`]);
    });

    it("each platform's database and Redis admit only its own Harbor pods (app and release labels)", () => {
      const admitted = objects()
        .filter(([, o]) => o.kind === "NetworkPolicy")
        .flatMap(([, o]) =>
          (o.spec.ingress ?? []).flatMap((rule: any) =>
            (rule.from ?? [])
              .map((peer: any) => peer.podSelector?.matchLabels)
              .filter((m: any) => m?.app === "harbor")
              .map((m: any) => `${o.metadata.name.split("-").slice(0, 2).join("-")} <- ${JSON.stringify(m)}`),
          ),
        );
      assert.deepEqual([...new Set(admitted)].sort(), [
        'team-a <- {"app":"harbor","release":"team-a"}',
        'team-b <- {"app":"harbor","release":"team-b"}',
      ]);
      assert.ok(admitted.length >= 4, `database and Redis of both: ${admitted.join("; ")}`);
    });

    it("no NodePort twice (a NodePort is cluster-wide)", () => {
      const ports = objects()
        .filter(([, o]) => o.kind === "Service")
        .flatMap(([, o]) => (o.spec?.ports ?? []).map((p: any) => p.nodePort).filter((p: unknown) => p !== undefined));
      const envoyProxies = objects().filter(([, o]) => o.kind === "EnvoyProxy");
      const proxyPorts = envoyProxies.flatMap(([, o]) => JSON.stringify(o.spec ?? {}).match(/"nodePort":\d+/g) ?? []);
      assert.deepEqual(duplicates([...ports.map(String), ...proxyPorts]), []);
      assert.ok(ports.length + proxyPorts.length >= 4, "both platforms' NodePorts are checked");
    });
  });

describe("a platform upgraded from the fixed edge names", function () {
  this.timeout(120_000);
  it("keeps Gateway `harbor`, EnvoyProxy `harbor-edge` and GatewayClass `harbor-<ns>` with edge.gatewayName, else takes its own name", async () => {
    const names = async (edge: PlatformOwnEdge) => {
      const g = await runProgram(async () => {
        const a = devLike("registry", "registry", 30443, 30080);
        new HarborPlatform("registry", { ...a, edge: { ...(a.edge as PlatformOwnEdge), ...edge } });
      });
      assert.deepEqual(g.errors, []);
      const of = (kind: string) =>
        g.resources
          .map((r) => kubernetesObject(r) as any)
          .filter((o) => o?.kind === kind)
          .map((o) => o.metadata.name);
      return [of("Gateway"), of("EnvoyProxy"), of("GatewayClass")];
    };
    assert.deepEqual(await names({ gatewayName: "harbor" }), [["harbor"], ["harbor-edge"], ["harbor-registry"]]);
    assert.deepEqual(await names({}), [["registry"], ["registry-edge"], ["registry-registry"]]);
  });
});

// Observability of two platforms sharing a namespace: each one's monitors label its targets with its own name
// and each one's rules select only that name (job and namespace alone would mix the two clusters' series).
describe("two platforms in ONE namespace, with observability", function () {
  this.timeout(240_000);
  let g: PlanGraph;
  before(async () => {
    g = await runProgram(async () => {
      const obs = { selectorLabels: { release: "kps" } };
      const a = devLike("registry", "registry-a", 30443, 30080);
      const b = devLike("registry", "registry-b", 31443, 31080);
      new HarborPlatform("team-a", { ...a, observability: obs });
      new HarborPlatform("team-b", {
        ...b,
        observability: obs,
        createNamespace: false,
        tls: { ...b.tls, installCertManager: false },
        edge: { ...(b.edge as PlatformOwnEdge), installController: false },
      });
    });
  });

  it("each platform's monitors set harbor_platform to its name; its rules select that name only", () => {
    assert.deepEqual(g.errors, []);
    const objs = g.resources.map((r) => kubernetesObject(r) as any).filter((o) => o);
    for (const p of ["team-a", "team-b"]) {
      const monitors = objs.filter((o) => /Monitor$/.test(o.kind) && o.metadata.name.startsWith(`${p}-`));
      assert.ok(monitors.length >= 3, `${p}: monitors`);
      for (const m of monitors)
        for (const e of m.spec.podMetricsEndpoints ?? m.spec.endpoints)
          assert.ok(
            e.relabelings.some((r: any) => r.targetLabel === "harbor_platform" && r.replacement === p),
            `${m.metadata.name}: ${JSON.stringify(e.relabelings)}`,
          );
      const rules = objs.find((o) => o.kind === "PrometheusRule" && o.metadata.name === `${p}-observability-alerts`);
      const exprs: string[] = rules.spec.groups.flatMap((gr: any) => gr.rules.map((r: any) => r.expr));
      const selectors = exprs.flatMap((x) => x.match(/\{job="[^}]*\}/g) ?? []);
      assert.ok(selectors.length > 10, `${p}: rules select by job`);
      for (const s of selectors) assert.ok(s.includes(`harbor_platform="${p}"`), `${p}: ${s}`);
    }
    const harborMonitors = g.resources
      .filter((r) => r.type === HELM)
      .map((r) => (unwrapSecrets(r.inputs) as any).values?.metrics?.serviceMonitor?.relabelings)
      .filter((x) => x)
      .map((rl: any[]) => rl.find((r) => r.targetLabel === "harbor_platform")?.replacement)
      .sort();
    assert.deepEqual(harborMonitors, ["team-a", "team-b"], "Harbor chart's ServiceMonitor of each platform");
  });
});
