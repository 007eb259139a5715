import { strict as assert } from "assert";
import {
  IngressController,
  INGRESS_NGINX_CHART,
  IngressValuesArgs,
  renderIngressValues,
  ingressProblems,
  NLB_HEALTH_CHECK_PATH,
} from "../components/network";
import { InvalidArgsError } from "../components/conventions";
import { runProgram, unwrapSecrets } from "../engine";

const base: IngressValuesArgs = {
  exposure: "nlb",
  internal: false,
  replicas: 2,
  ingressClassName: "nginx",
  clientIpAffinity: false,
  ipHash: false,
  loadBalance: "round_robin",
  clientAddressNeeded: false,
  zoneSpread: true,
};
const LB = "service.beta.kubernetes.io/aws-load-balancer";

describe("ingress controller", () => {
  it("NLB through the AWS Load Balancer Controller, health-checked on /api/v2.0/ping, never /api/v2.0/health", () => {
    const v = renderIngressValues(base) as any;
    const a = v.controller.service.annotations;
    assert.equal(v.controller.service.type, "LoadBalancer");
    assert.equal(a[`${LB}-type`], "external");
    assert.equal(a[`${LB}-nlb-target-type`], "ip");
    assert.equal(a[`${LB}-scheme`], "internet-facing");
    assert.equal(a[`${LB}-healthcheck-path`], "/api/v2.0/ping");
    assert.equal(a[`${LB}-attributes`], "load_balancing.cross_zone.enabled=true");
    assert.equal(a[`${LB}-target-group-attributes`], "preserve_client_ip.enabled=true");
    assert.ok(!JSON.stringify(v).includes("/api/v2.0/health"));
    assert.equal(NLB_HEALTH_CHECK_PATH, "/api/v2.0/ping");
    assert.equal(
      (renderIngressValues({ ...base, internal: true }) as any).controller.service.annotations[`${LB}-scheme`],
      "internal",
    );
  });

  it("streams large layers: unlimited body, no request buffering, long timeouts, TLS 1.2+ only, no snippets", () => {
    const c = (renderIngressValues(base) as any).controller;
    assert.deepEqual(
      [
        c.config["proxy-body-size"],
        c.config["proxy-request-buffering"],
        c.config["proxy-read-timeout"],
        c.config["proxy-send-timeout"],
        c.config["ssl-protocols"],
      ],
      ["0", "off", "900", "900", "TLSv1.2 TLSv1.3"],
    );
    assert.ok(!/TLSv1(\.1)?( |$)|SSL/.test(c.config["ssl-protocols"]));
    assert.equal(c.allowSnippetAnnotations, false);
    assert.deepEqual([c.replicaCount, c.minAvailable], [2, 1]);
  });

  it("client-IP affinity: NLB source-IP stickiness, or the Service's ClientIP affinity with Local traffic", () => {
    const nlb = (renderIngressValues({ ...base, clientIpAffinity: true }) as any).controller.service;
    assert.equal(
      nlb.annotations[`${LB}-target-group-attributes`],
      "preserve_client_ip.enabled=true,stickiness.enabled=true,stickiness.type=source_ip",
    );
    assert.equal(nlb.sessionAffinity, undefined, "IP targets bypass the Service: its affinity would do nothing");
    const lb = (renderIngressValues({ ...base, exposure: "loadBalancer", clientIpAffinity: true }) as any).controller
      .service;
    assert.deepEqual([lb.sessionAffinity, lb.externalTrafficPolicy, lb.annotations], ["ClientIP", "Local", {}]);
  });

  it("ip-hash hashes upstreams by client address; otherwise the chosen balancing", () => {
    assert.equal(
      (renderIngressValues({ ...base, ipHash: true }) as any).controller.config["upstream-hash-by"],
      "$binary_remote_addr",
    );
    const c = (renderIngressValues({ ...base, loadBalance: "ewma" }) as any).controller.config;
    assert.deepEqual([c["load-balance"], c["upstream-hash-by"]], ["ewma", undefined]);
  });

  it("a laptop cluster gets a NodePort without cloud annotations (Local only when client addresses matter)", () => {
    const v = renderIngressValues({ ...base, exposure: "nodePort", replicas: 1, zoneSpread: false }) as any;
    assert.equal(v.controller.service.type, "NodePort");
    assert.deepEqual(v.controller.service.annotations, {});
    assert.equal(v.controller.service.externalTrafficPolicy, undefined);
    assert.equal(v.controller.topologySpreadConstraints, undefined);
    assert.equal(
      (renderIngressValues({ ...base, exposure: "nodePort", clientAddressNeeded: true }) as any).controller.service
        .externalTrafficPolicy,
      "Local",
    );
  });

  it("refuses ip-hash together with backup servers, as nginx does, with a clear message", async () => {
    const [p] = ingressProblems({ ipHash: true, backupServers: ["10.0.0.9:443"] });
    assert.equal(p.path, "backupServers");
    assert.match(
      p.problem,
      /nginx rejects backup servers together with ip_hash \("balancing method does not support parameter \\"backup\\""\)/,
    );
    assert.match(p.fix, /drop ipHash .* or drop backupServers/);
    assert.deepEqual(ingressProblems({ ipHash: true, backupServers: [] }), []);
    assert.match(ingressProblems({ ipHash: false, backupServers: ["10.0.0.9:443"] })[0].problem, /no backup servers/);
    await assert.rejects(
      runProgram(
        async () =>
          void new IngressController("edge", {
            ipHash: true,
            backupServers: ["10.0.0.9:443"],
            adminAllowlist: ["10.0.0.0/33", "not-a-cidr"],
            highAvailability: true,
            replicas: 1,
          }),
      ),
      (e: unknown) =>
        e instanceof InvalidArgsError &&
        e.problems.length === 4 &&
        /ip_hash/.test(e.message) &&
        /not-a-cidr/.test(e.message) &&
        /10\.0\.0\.0\/33/.test(e.message),
    );
  });

  it("plans the pinned chart and hands Harbor its allowlist and streaming annotations", async () => {
    const g = await runProgram(async () => {
      const edge = new IngressController("edge", {
        adminAllowlist: ["10.0.0.0/8", "192.168.1.0/24"],
        defaultBackendService: "harbor/harbor-core",
        highAvailability: true,
      });
      return {
        allow: edge.allowlistAnnotations,
        harbor: edge.harborIngressAnnotations,
        cls: edge.ingressClassName,
        svc: edge.serviceName,
      };
    });
    assert.deepEqual(g.errors, []);
    const r = unwrapSecrets(g.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release")!.inputs) as any;
    assert.deepEqual(
      [r.chart, r.version, r.repositoryOpts.repo],
      ["ingress-nginx", INGRESS_NGINX_CHART.version, "https://kubernetes.github.io/ingress-nginx"],
    );
    assert.equal(r.values.controller.extraArgs["default-backend-service"], "harbor/harbor-core");
    assert.equal(r.values.controller.ingressClassResource.name, g.outputs.cls);
    const allow = g.outputs.allow as Record<string, string>;
    assert.equal(allow["nginx.ingress.kubernetes.io/allowlist-source-range"], "10.0.0.0/8,192.168.1.0/24");
    assert.equal(
      (g.outputs.harbor as Record<string, string>)["nginx.ingress.kubernetes.io/proxy-request-buffering"],
      "off",
    );
    assert.equal(g.outputs.svc, "ingress-nginx-controller");
    // No allowlist: no restricting annotations.
    const open = await runProgram(async () => ({ allow: new IngressController("edge", {}).allowlistAnnotations }));
    assert.deepEqual(open.outputs.allow, {});
  });
});
