/**
 * Reading the resource graph the way both the Pulumi policy analyzer and the offline engine hand it
 * over: resources matched by type STRING (no provider SDK, no component class), component membership
 * read from the parent chain or, failing that, from the URN's qualified type (`A$B$C`).
 */
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { ComponentTypes } from "../../components/tokens";
import { NODE_TIER_LABEL, NodeTier } from "../../components/conventions/labels";

export const T = {
    NodeGroup: "aws:eks/nodeGroup:NodeGroup",
    LaunchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    Instance: "aws:ec2/instance:Instance",
    EbsVolume: "aws:ebs/volume:Volume",
    StatefulSet: "kubernetes:apps/v1:StatefulSet",
    Deployment: "kubernetes:apps/v1:Deployment",
    Pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    HelmRelease: "kubernetes:helm.sh/v3:Release",
    StorageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    Pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    Pv: "kubernetes:core/v1:PersistentVolume",
    ConfigMap: "kubernetes:core/v1:ConfigMap",
    Service: "kubernetes:core/v1:Service",
    Ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    Bucket: "aws:s3/bucket:Bucket",
    BucketPab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    BucketSse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    BucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    ZalandoPostgresql: "kubernetes:acid.zalan.do/v1:postgresql",
} as const;

export const STORAGE_COMPONENTS = [ComponentTypes.S3Storage, ComponentTypes.NfsStorage, ComponentTypes.FilesystemStorage];
export const ZONE_KEY = "topology.kubernetes.io/zone";
export { NODE_TIER_LABEL, ComponentTypes };
export type { NodeTier };

export type Res = PolicyResource;

/** The `A$B$C` qualified type of a URN: the types of every ancestor, then the resource's own. */
export function urnTypeChain(urn: string): string[] {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts[2].split("$") : [];
}

/** Index of resources by URN, to walk parents in stack policies. */
export class Graph {
    readonly byUrn = new Map<string, Res>();
    constructor(readonly resources: Res[]) {
        for (const r of resources) this.byUrn.set(r.urn, r);
    }
    static of(args: StackValidationArgs): Graph {
        return new Graph(args.resources);
    }
    ofType(type: string): Res[] {
        return this.resources.filter((r) => r.type === type);
    }
    parentOf(r: Res): Res | undefined {
        const p = (r as any).parent as Res | undefined;
        if (p) return p;
        const urn = r.opts?.parent;
        return urn ? this.byUrn.get(urn) : undefined;
    }
    /** The nearest ancestor component of `type`, if the resource lives under one. */
    ancestor(r: Res, type: string): Res | undefined {
        for (let p = this.parentOf(r), n = 0; p && n < 64; p = this.parentOf(p), n++) if (p.type === type) return p;
        return undefined;
    }
    /** Whether `r` lives under a component of `type` (parent chain, else the URN's qualified type). */
    isUnder(r: Res, type: string): boolean {
        if (this.ancestor(r, type)) return true;
        return urnTypeChain(r.urn).slice(0, -1).includes(type);
    }
    /** Resources of `type` under components of `componentType`, grouped by that component instance's URN. */
    under(componentType: string, type: string): Res[] {
        return this.ofType(type).filter((r) => this.isUnder(r, componentType));
    }
    /** Groups resources by their nearest `componentType` ancestor (URN, or "" when only the URN tells). */
    groupBy(componentType: string, rs: Res[]): Map<string, Res[]> {
        const m = new Map<string, Res[]>();
        for (const r of rs) {
            const key = this.ancestor(r, componentType)?.urn ?? "";
            m.set(key, [...(m.get(key) ?? []), r]);
        }
        return m;
    }
    /** Resources `r` depends on (engine and analyzer both fill `dependencies`). */
    dependenciesOf(r: Res): Res[] {
        return ((r as any).dependencies ?? []) as Res[];
    }
}

/** The platform's facts (`HarborPlatform` inputs), or defaults when the stack has no platform component. */
export interface Facts {
    environment?: string;
    expectedDataGb?: number;
    highThroughput: boolean;
    zones: string[];
    /** The platform resource, for reporting. */
    urn?: string;
}

export function platformFacts(g: Graph): Facts {
    const p = g.ofType(ComponentTypes.HarborPlatform)[0];
    const f = (p?.props ?? {}) as Record<string, any>;
    return {
        environment: typeof f.environment === "string" ? f.environment : undefined,
        expectedDataGb: typeof f.expectedDataGb === "number" ? f.expectedDataGb : undefined,
        highThroughput: f.highThroughput === true,
        zones: Array.isArray(f.zones) ? f.zones.filter((z: unknown) => typeof z === "string") : [],
        urn: p?.urn,
    };
}

/** `kind "name"` (Kubernetes) or `type "name"` for messages. */
export function label(r: Res): string {
    const md = (r.props as any)?.metadata;
    const kind = r.type.split(":").pop();
    const ns = md?.namespace ? `${md.namespace}/` : "";
    return md?.name ? `${kind} "${ns}${md.name}" (${r.name})` : `${kind} "${r.name}"`;
}

/** Parses a Kubernetes quantity to bytes (storage/memory) or to cores (cpu with `m`). */
export function parseQuantity(q: unknown): number | undefined {
    if (typeof q === "number") return q;
    if (typeof q !== "string") return undefined;
    const m = /^\s*([0-9.]+)\s*([a-zA-Z]*)\s*$/.exec(q);
    if (!m) return undefined;
    const n = Number(m[1]);
    const units: Record<string, number> = {
        "": 1, m: 1e-3, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15,
        Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5,
    };
    return m[2] in units ? n * units[m[2]] : undefined;
}

export const GIB = 1024 ** 3;
export const fmtGib = (bytes: number) => `${+(bytes / GIB).toFixed(1)} GiB`;

/** The pod template spec of a workload (StatefulSet/Deployment). */
export function podSpec(r: Res): any {
    return (r.props as any)?.spec?.template?.spec;
}

/** Tier a pod is pinned to (`nodeSelector` or required node affinity on NODE_TIER_LABEL). */
export function podTier(spec: any): NodeTier | undefined {
    const sel = spec?.nodeSelector?.[NODE_TIER_LABEL];
    if (sel === "app" || sel === "db") return sel;
    const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    for (const t of terms) for (const e of t?.matchExpressions ?? []) {
        if (e?.key === NODE_TIER_LABEL && e?.operator === "In" && e.values?.length === 1 && (e.values[0] === "app" || e.values[0] === "db")) return e.values[0];
    }
    return undefined;
}

/** Harbor Helm releases: chart `harbor` (or `<repo>/harbor`) or any release under a HarborRelease component. */
export function harborReleases(g: Graph): Res[] {
    return g.ofType(T.HelmRelease).filter((r) => chartName(r) === "harbor" || g.isUnder(r, ComponentTypes.HarborRelease));
}

export function chartName(r: Res): string {
    const c = (r.props as any)?.chart;
    return typeof c === "string" ? c.split("/").pop()! : "";
}

export function get(o: any, path: string): any {
    return path.split(".").reduce((a, k) => (a == null ? undefined : a[k]), o);
}

/** Harbor chart components that run pods, with their values paths; which ones are deployed depends on values. */
export function harborComponents(values: any): { name: string; path: string; resourcePaths: string[] }[] {
    const out = [
        { name: "core", path: "core", resourcePaths: ["core.resources"] },
        { name: "jobservice", path: "jobservice", resourcePaths: ["jobservice.resources"] },
        { name: "portal", path: "portal", resourcePaths: ["portal.resources"] },
        { name: "registry", path: "registry", resourcePaths: ["registry.registry.resources", "registry.controller.resources"] },
    ];
    if (get(values, "trivy.enabled") !== false) out.push({ name: "trivy", path: "trivy", resourcePaths: ["trivy.resources"] });
    // The chart deploys the exporter only with metrics enabled (default false).
    if (get(values, "metrics.enabled") === true) out.push({ name: "exporter", path: "exporter", resourcePaths: ["exporter.resources"] });
    return out;
}

/** Number of pods holding a Harbor database pool: core + exporter (when deployed). Chart defaults: 1 replica. */
export function harborPoolPods(values: any): number {
    const core = Number(get(values, "core.replicas") ?? 1);
    const exporter = get(values, "metrics.enabled") === true ? Number(get(values, "exporter.replicas") ?? 1) : 0;
    return core + exporter;
}

/** All string values under an object, with their dotted paths. */
export function stringLeaves(o: any, path = "", out: [string, string][] = []): [string, string][] {
    if (typeof o === "string") out.push([path, o]);
    else if (Array.isArray(o)) o.forEach((e, i) => stringLeaves(e, `${path}[${i}]`, out));
    else if (o && typeof o === "object") for (const [k, v] of Object.entries(o)) stringLeaves(v, path ? `${path}.${k}` : k, out);
    return out;
}
