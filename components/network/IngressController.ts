import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, Placement, podPlacement, standardLabels } from "../conventions";
import { ADMIN_PATHS, Exposure, harborIngressAnnotations, ingressProblems, renderIngressValues } from "./renderIngressValues";

export const INGRESS_NGINX_CHART = { chart: "ingress-nginx", version: "4.13.3", repo: "https://kubernetes.github.io/ingress-nginx" } as const;

export interface IngressControllerArgs {
    /** Namespace of the controller. Default: `ingress-nginx`. */
    namespace?: string;
    /** How the controller is exposed: AWS NLB (AWS Load Balancer Controller), a plain LoadBalancer or NodePort. Default: `nlb`. */
    exposure?: Exposure;
    /** Internal NLB. Default: false. */
    internal?: boolean;
    /** Controller replicas (a PDB keeps one up). Default: 2. */
    replicas?: number;
    /** IngressClass name. Default: `nginx`. */
    ingressClassName?: string;
    /** Keep clients on one controller pod by source IP. Default: false. */
    clientIpAffinity?: boolean;
    /** Hash upstreams by client address (ip_hash). Default: false. */
    ipHash?: boolean;
    /** Backup upstream servers: refused (with ipHash nginx rejects them; ingress-nginx has none). Default: []. */
    backupServers?: string[];
    /** `<namespace>/<service>` answering requests without a matching host: Harbor's core, for the NLB's /api/v2.0/ping check. Default: none. */
    defaultBackendService?: pulumi.Input<string>;
    /** CIDRs allowed to reach Harbor's administrative API paths. Default: [] (no restriction). */
    adminAllowlist?: string[];
    /** Where Harbor's admin paths go, to create the allowlisted Ingress: host, core Service and TLS Secret. Default: none. */
    adminBackend?: {
        /** Harbor's namespace. */
        namespace: pulumi.Input<string>;
        /** Harbor's host name. */
        host: string;
        /** Harbor's core Service. */
        serviceName: pulumi.Input<string>;
        /** Secret of Harbor's edge certificate. */
        tlsSecretName: pulumi.Input<string>;
    };
    /** Where controller pods run. Default: anywhere. */
    placement?: Placement;
    /** Spread controller pods over zones. Default: true. */
    zoneSpread?: boolean;
}

/**
 * The edge in front of Harbor: ingress-nginx exposed through an AWS NLB (AWS Load Balancer
 * Controller annotations: external, IP targets, cross-zone, health check on Harbor's /api/v2.0/ping),
 * or a plain LoadBalancer/NodePort for a laptop. Unlimited body size, no request buffering, long
 * timeouts and TLS 1.2+ only. Optionally restricts Harbor's admin API to a CIDR allowlist.
 */
export class IngressController extends pulumi.ComponentResource {
    static readonly __pulumiType = ComponentTypes.IngressController;

    readonly ingressClassName: pulumi.Output<string>;
    /** The controller Service's name. */
    readonly serviceName: pulumi.Output<string>;
    /** Annotations Harbor's Ingress should carry. */
    readonly harborIngressAnnotations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: IngressControllerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const replicas = args.replicas ?? 2;
        const check = new ArgsChecker("IngressController", name);
        check.atLeast(replicas, 1, "replicas");
        for (const p of ingressProblems({ ipHash: args.ipHash ?? false, backupServers: args.backupServers ?? [] })) check.check(false, p.path, p.problem, p.fix);
        for (const cidr of args.adminAllowlist ?? []) check.check(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(cidr), "adminAllowlist", `"${cidr}" is not an IPv4 CIDR`, "write it like 10.0.0.0/8");
        check.throwIfAny();
        super(IngressController.__pulumiType, name, {}, opts);
        const ns = args.namespace ?? "ingress-nginx";
        const className = args.ingressClassName ?? "nginx";
        const placement = podPlacement(args.placement);
        const values = pulumi.output(args.defaultBackendService).apply((backend) =>
            renderIngressValues({
                exposure: args.exposure ?? "nlb",
                internal: args.internal ?? false,
                replicas,
                ingressClassName: className,
                clientIpAffinity: args.clientIpAffinity ?? false,
                ipHash: args.ipHash ?? false,
                defaultBackendService: backend,
                nodeSelector: placement.nodeSelector,
                tolerations: placement.tolerations,
                zoneSpread: args.zoneSpread ?? true,
            }),
        );
        const release = new k8s.helm.v3.Release(
            name,
            { name: "ingress-nginx", namespace: ns, createNamespace: true, chart: INGRESS_NGINX_CHART.chart, version: INGRESS_NGINX_CHART.version, repositoryOpts: { repo: INGRESS_NGINX_CHART.repo }, values },
            { parent: this },
        );
        const allowlist = args.adminAllowlist ?? [];
        if (allowlist.length > 0 && args.adminBackend) {
            const b = args.adminBackend;
            // A separate Ingress for the admin paths: nginx picks the longest matching path, so these
            // locations (with the allowlist) win over Harbor's own `/api/` location.
            new k8s.networking.v1.Ingress(
                `${name}-harbor-admin`,
                {
                    metadata: {
                        name: `${name}-harbor-admin`,
                        namespace: b.namespace,
                        labels: standardLabels("ingress", name),
                        annotations: { "nginx.ingress.kubernetes.io/whitelist-source-range": allowlist.join(","), ...harborIngressAnnotations([]) },
                    },
                    spec: {
                        ingressClassName: className,
                        tls: [{ hosts: [b.host], secretName: b.tlsSecretName }],
                        rules: [{ host: b.host, http: { paths: ADMIN_PATHS.map((path) => ({ path, pathType: "Prefix", backend: { service: { name: b.serviceName, port: { number: 80 } } } })) } }],
                    },
                },
                { parent: this, dependsOn: [release] },
            );
        }
        this.ingressClassName = pulumi.output(className);
        this.serviceName = pulumi.output("ingress-nginx-controller");
        this.harborIngressAnnotations = pulumi.output(harborIngressAnnotations([]));
        this.registerOutputs({ ingressClassName: this.ingressClassName, serviceName: this.serviceName });
    }
}
