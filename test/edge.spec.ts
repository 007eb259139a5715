import { strict as assert } from "assert";
import { IngressController, renderIngressValues, ingressProblems, NLB_HEALTH_CHECK_PATH } from "../components/network";
import { HarborCertificates } from "../components/tls";
import { InvalidArgsError } from "../components/conventions";
import { runProgram, unwrapSecrets } from "../engine";

describe("edge: ingress and TLS", () => {
    it("NLB through the AWS Load Balancer Controller, health-checked on /api/v2.0/ping, never /health", () => {
        const v = renderIngressValues({ exposure: "nlb", internal: false, replicas: 2, ingressClassName: "nginx", clientIpAffinity: false, ipHash: false, zoneSpread: true }) as any;
        const a = v.controller.service.annotations;
        assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-type"], "external");
        assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"], "ip");
        assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-healthcheck-path"], "/api/v2.0/ping");
        assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-attributes"], "load_balancing.cross_zone.enabled=true");
        assert.ok(!JSON.stringify(v).includes("/api/v2.0/health"));
        assert.equal(NLB_HEALTH_CHECK_PATH, "/api/v2.0/ping");
        const c = v.controller.config;
        assert.deepEqual([c["proxy-body-size"], c["proxy-request-buffering"], c["ssl-protocols"]], ["0", "off", "TLSv1.2 TLSv1.3"]);
    });

    it("a laptop cluster gets a NodePort without cloud annotations", () => {
        const v = renderIngressValues({ exposure: "nodePort", internal: false, replicas: 1, ingressClassName: "nginx", clientIpAffinity: false, ipHash: false, zoneSpread: false }) as any;
        assert.equal(v.controller.service.type, "NodePort");
        assert.deepEqual(v.controller.service.annotations, {});
    });

    it("refuses ip-hash together with backup servers, as nginx does", async () => {
        assert.match(ingressProblems({ ipHash: true, backupServers: ["10.0.0.9:443"] })[0].problem, /nginx rejects backup servers together with ip_hash/);
        assert.deepEqual(ingressProblems({ ipHash: true, backupServers: [] }), []);
        await assert.rejects(
            runProgram(async () => {
                new IngressController("edge", { ipHash: true, backupServers: ["10.0.0.9:443"], adminAllowlist: ["not-a-cidr"] });
            }),
            (e: unknown) => e instanceof InvalidArgsError && e.problems.length === 2 && /ip_hash/.test(e.message) && /not-a-cidr/.test(e.message),
        );
    });

    it("restricts Harbor's admin API to the allowlist with its own Ingress", async () => {
        const g = await runProgram(async () => {
            new IngressController("edge", { adminAllowlist: ["10.0.0.0/8"], adminBackend: { namespace: "harbor", host: "harbor.example.com", serviceName: "harbor-core", tlsSecretName: "tls" } });
        });
        assert.deepEqual(g.errors, []);
        const ing = unwrapSecrets(g.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")!.inputs) as any;
        assert.equal(ing.metadata.annotations["nginx.ingress.kubernetes.io/whitelist-source-range"], "10.0.0.0/8");
        assert.ok(ing.spec.rules[0].http.paths.some((p: any) => p.path === "/api/v2.0/configurations"));
    });

    for (const issuer of [
        { mode: "self-signed" as const },
        { mode: "acme-http01" as const, email: "ops@example.com", ingressClassName: "nginx" },
        { mode: "acme-dns01" as const, email: "ops@example.com", region: "eu-west-1", hostedZoneId: "Z1" },
    ]) {
        it(`issues Harbor's and the token service's certificates (${issuer.mode}), schema-valid`, async () => {
            const g = await runProgram(async () => {
                new HarborCertificates("certs", { host: "harbor.example.com", issuer });
            });
            assert.deepEqual(g.errors, [], "cert-manager objects validate against their schema");
            const objs = g.resources.map((r) => unwrapSecrets(r.inputs) as any).filter((o) => o.apiVersion === "cert-manager.io/v1");
            const certs = objs.filter((o) => o.kind === "Certificate");
            const edge = certs.find((c) => c.spec.dnsNames?.includes("harbor.example.com"));
            assert.ok(edge, "edge certificate");
            assert.ok(certs.some((c) => c.spec.secretName === "certs-token-service"), "token service certificate");
            const edgeIssuer = objs.find((o) => o.kind === "ClusterIssuer" && o.metadata.name === edge.spec.issuerRef.name);
            if (issuer.mode === "self-signed") assert.ok(edgeIssuer.spec.ca);
            if (issuer.mode === "acme-http01") assert.equal(edgeIssuer.spec.acme.solvers[0].http01.ingress.ingressClassName, "nginx");
            if (issuer.mode === "acme-dns01") assert.deepEqual(edgeIssuer.spec.acme.solvers[0].dns01.route53, { region: "eu-west-1", hostedZoneID: "Z1" });
        });
    }
});
