/**
 * The platform's cluster: created here (EksCluster) or existing, and the add-ons every Kubernetes object
 * of the platform waits for. One transformation puts each Kubernetes resource of the platform on the
 * created cluster's provider and after the add-ons: no builder has to remember it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { EksClusterArgs } from "../cluster";
import type { AddonSpec, AddonName, NetworkPolicyEnforcer } from "../addons";

/** The EKS cluster Harbor runs in, and the add-ons the stack manages there. */
export interface PlatformCluster {
  /**
   * Create the cluster (VPC across the platform's zones, cluster, node role, OIDC provider); node pools
   * then join it and every Kubernetes object goes to it. Default: none (`existing` names the cluster).
   */
  create?: Omit<EksClusterArgs, "zones">;
  /** An existing cluster. Default: none; required without `create`, refused with it. */
  existing?: {
    /** The cluster's name. */
    name: pulumi.Input<string>;
    /** Its IAM OIDC provider (IRSA roles of the add-ons, cert-manager). Default: none (the add-ons with IRSA roles are then off unless enabled, which is refused). */
    oidcProviderArn?: pulumi.Input<string>;
    /** Its OIDC issuer URL. Default: none (as oidcProviderArn). */
    oidcIssuerUrl?: pulumi.Input<string>;
    /** Its VPC, for the load balancer controller. Default: the controller discovers it. */
    vpcId?: pulumi.Input<string>;
  };
  /** Add-ons by name; each can be switched off. Default: ClusterAddons' (`clusterAddonsDefaults`). */
  addons?: Partial<Record<AddonName, AddonSpec>>;
  /** What enforces NetworkPolicies (ClusterAddonsArgs.networkPolicyEnforcement). Default: not stated. */
  networkPolicyEnforcement?: NetworkPolicyEnforcer;
}

/** What the platform's Kubernetes resources are scoped to, filled in by the cluster builders. */
export class ClusterScope {
  /** The created cluster's Kubernetes provider. */
  provider?: pulumi.ProviderResource;
  /** What every Kubernetes resource created from now on waits for (the add-ons). */
  ready: pulumi.Resource[] = [];
}

type DependsOn = pulumi.CustomResourceOptions["dependsOn"];

function withDependencies(d: DependsOn, extra: pulumi.Resource[]): DependsOn {
  if (d === undefined) return extra;
  if (Array.isArray(d)) return [...d, ...extra];
  if (pulumi.Resource.isInstance(d)) return [d, ...extra];
  return pulumi.output(d as pulumi.Input<pulumi.Input<pulumi.Resource>[]>).apply((v) => [...v, ...extra]);
}

/**
 * The transformation (inherited by every descendant) that puts Kubernetes resources on the scope's provider
 * and after its add-ons. Resources registered before the scope is filled (the add-ons themselves) are left alone.
 */
export function clusterScoped(scope: ClusterScope): pulumi.ResourceTransformation {
  return ({ type, props, opts }) => {
    if (!type.startsWith("kubernetes:")) return undefined;
    if (!scope.provider && scope.ready.length === 0) return undefined;
    const o: pulumi.CustomResourceOptions = { ...opts };
    if (scope.provider && !o.provider) o.provider = scope.provider;
    if (scope.ready.length > 0) o.dependsOn = withDependencies(o.dependsOn, scope.ready);
    return { props, opts: o };
  };
}
