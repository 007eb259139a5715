import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import * as k8s from "@pulumi/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker } from "../conventions";

export const CERT_MANAGER_CHART = { chart: "cert-manager", version: "v1.19.1", repo: "https://charts.jetstack.io" } as const;

export interface CertManagerArgs {
    /** Namespace of cert-manager. Default: `cert-manager`. */
    namespace?: string;
    /** Replicas of the controller, webhook and cainjector (2+ with a PDB for HA). Default: 2. */
    replicas?: number;
    /**
     * Route53 access for dns01 through IRSA: an IAM role for cert-manager's service account, trusted
     * by the cluster's OIDC provider, allowed to change records in one hosted zone. Default: none.
     */
    route53?: {
        /** The hosted zone cert-manager may change. */
        hostedZoneId: string;
        /** The cluster's IAM OIDC provider. */
        oidcProviderArn: string;
        /** The cluster's OIDC issuer URL. */
        oidcIssuerUrl: string;
    };
}

/** Route53 permissions cert-manager's dns01 solver needs, for one hosted zone. Pure. */
export function renderRoute53Policy(hostedZoneId: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
            { Effect: "Allow", Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"], Resource: `arn:aws:route53:::hostedzone/${hostedZoneId}` },
            { Effect: "Allow", Action: "route53:ListHostedZonesByName", Resource: "*" },
        ],
    };
}

/** cert-manager from the jetstack chart with its CRDs, replicated with PDBs for HA. */
export class CertManager extends pulumi.ComponentResource {
    static readonly __pulumiType = ComponentTypes.CertManager;

    readonly namespace: pulumi.Output<string>;
    /** The Helm release, for `dependsOn` (issuers need its CRDs). */
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: CertManagerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const replicas = args.replicas ?? 2;
        const check = new ArgsChecker("CertManager", name);
        check.atLeast(replicas, 1, "replicas");
        check.throwIfAny();
        super(CertManager.__pulumiType, name, {}, opts);
        const ns = args.namespace ?? "cert-manager";
        const child = { parent: this };
        let serviceAccountAnnotations: Record<string, pulumi.Input<string>> = {};
        if (args.route53) {
            const r = args.route53;
            const issuer = r.oidcIssuerUrl.replace(/^https:\/\//, "");
            const role = new iam.Role(
                `${name}-route53`,
                {
                    assumeRolePolicy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Federated: r.oidcProviderArn },
                                Action: "sts:AssumeRoleWithWebIdentity",
                                Condition: { StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${ns}:cert-manager`, [`${issuer}:aud`]: "sts.amazonaws.com" } },
                            },
                        ],
                    }),
                },
                child,
            );
            new iam.RolePolicy(`${name}-route53`, { role: role.name, policy: JSON.stringify(renderRoute53Policy(r.hostedZoneId)) }, child);
            serviceAccountAnnotations = { "eks.amazonaws.com/role-arn": role.arn };
        }
        const pdb = replicas > 1 ? { podDisruptionBudget: { enabled: true, minAvailable: 1 } } : {};
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: "cert-manager",
                namespace: ns,
                createNamespace: true,
                chart: CERT_MANAGER_CHART.chart,
                version: CERT_MANAGER_CHART.version,
                repositoryOpts: { repo: CERT_MANAGER_CHART.repo },
                values: {
                    crds: { enabled: true },
                    replicaCount: replicas,
                    ...pdb,
                    webhook: { replicaCount: replicas, ...pdb },
                    cainjector: { replicaCount: replicas, ...pdb },
                    serviceAccount: { annotations: serviceAccountAnnotations },
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                    // Route53 answers must be checked against public resolvers, not the cluster's split view.
                    ...(args.route53 ? { extraArgs: ["--dns01-recursive-nameservers-only", "--dns01-recursive-nameservers=8.8.8.8:53,1.1.1.1:53"] } : {}),
                },
            },
            child,
        );
        this.namespace = pulumi.output(ns);
        this.registerOutputs({ namespace: this.namespace });
    }
}
