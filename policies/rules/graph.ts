/**
 * Reading the resource graph the way both the Pulumi policy analyzer and the offline engine hand it
 * over: resources matched by type STRING (no provider SDK, no component class), component membership
 * read from the parent chain or, failing that, from the URN's qualified type (`A$B$C`).
 */
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { ComponentTypes, HARBOR_COMPONENTS, NODE_TIER_LABEL, NODE_ZONE_LABEL } from "../../components/facts";
import type { HarborComponent, NodeTier } from "../../components/facts";

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
  Gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
  HttpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  ClientTrafficPolicy: "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy",
  SecurityPolicy: "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy",
  Bucket: "aws:s3/bucket:Bucket",
  BucketPab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  BucketSse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  BucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  ZalandoPostgresql: "kubernetes:acid.zalan.do/v1:postgresql",
} as const;

export const STORAGE_COMPONENTS = [
  ComponentTypes.S3Storage,
  ComponentTypes.NfsStorage,
  ComponentTypes.FilesystemStorage,
];
export const ZONE_KEY = "topology.kubernetes.io/zone";
export { NODE_TIER_LABEL, NODE_ZONE_LABEL, ComponentTypes };
export type { NodeTier };

export type Res = PolicyResource;
/** A resource with the parent and dependencies the analyzer links (and Graph.of relinks to its copies). */
type LinkedRes = Res & { parent?: Res; dependencies?: Res[] };

/** Plain-JSON readers for untyped props: the wrong type reads as absent. */
export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const numberOf = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** The `A$B$C` qualified type of a URN: the types of every ancestor, then the resource's own. */
export function urnTypeChain(urn: string): string[] {
  const parts = urn.split("::");
  return parts.length >= 4 ? parts[2].split("$") : [];
}

/**
 * The sentinels @pulumi/policy puts where `pulumi preview` does not know a value yet (ids, ARNs, JSON
 * built from them). Its props proxy throws on reading one, which would abort a whole stack policy with
 * "can't run during preview"; the Graph reads the raw props instead and records these paths.
 */
const UNKNOWN_SENTINELS = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);
/** @pulumi/policy's props proxy hands out its target under this key. */
const PROXY_TARGET = "__getSpecialProxyTarget";

/** A plain copy of props: proxies unwrapped, unknown values dropped (their paths collected in `unknowns`). */
export function plainProps(v: unknown, unknowns: string[], path = ""): unknown {
  if (typeof v === "string") {
    if (UNKNOWN_SENTINELS.has(v)) {
      unknowns.push(path);
      return undefined;
    }
    return v;
  }
  if (!v || typeof v !== "object") return v;
  const raw = ((v as Record<string, unknown>)[PROXY_TARGET] ?? v) as object;
  if (Array.isArray(raw)) return raw.map((e, i) => plainProps(e, unknowns, `${path}[${i}]`));
  const out: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(raw)) out[k] = plainProps(e, unknowns, path ? `${path}.${k}` : k);
  return out;
}

const related = (a: string, b: string) =>
  a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`) || b.startsWith(`${a}.`) || b.startsWith(`${a}[`);

const graphs = new WeakMap<readonly Res[], Graph>();

/** Index of resources by URN, to walk parents in stack policies. */
export class Graph {
  readonly byUrn = new Map<string, Res>();
  private readonly unknownPaths: Map<string, string[]>;
  constructor(
    readonly resources: Res[],
    unknowns: Map<string, string[]> = new Map(),
  ) {
    for (const r of resources) this.byUrn.set(r.urn, r);
    this.unknownPaths = unknowns;
  }
  /**
   * The stack as plain data: props without the preview proxy (unknowns dropped and recorded), parent
   * and dependencies relinked to the copies. One Graph per resources array (the engine shares it).
   */
  static of(args: StackValidationArgs): Graph {
    const cached = graphs.get(args.resources);
    if (cached) return cached;
    const unknowns = new Map<string, string[]>();
    const copies = args.resources.map((r) => {
      const u: string[] = [];
      const props = plainProps(r.props, u) as Record<string, unknown>;
      if (u.length) unknowns.set(r.urn, u);
      return { ...r, props, parent: undefined, dependencies: [] } as unknown as LinkedRes;
    });
    const byUrn = new Map(copies.map((c) => [c.urn, c]));
    args.resources.forEach((r, i) => {
      const c = copies[i];
      const parentUrn = (r as LinkedRes).parent?.urn ?? r.opts?.parent;
      if (parentUrn && byUrn.has(parentUrn)) c.parent = byUrn.get(parentUrn);
      c.dependencies = ((r as LinkedRes).dependencies ?? []).flatMap((d) => byUrn.get(d?.urn) ?? []);
    });
    const g = new Graph(copies, unknowns);
    graphs.set(args.resources, g);
    return g;
  }
  /** Whether a value at `path` of `r`'s props (or anything inside or above it) is unknown during preview. */
  unknown(r: Res, path: string): boolean {
    return (this.unknownPaths.get(r.urn) ?? []).some((p) => related(p, path));
  }
  /** Whether the value at `path` is itself unknown or inside an unknown value (not: merely contains one). */
  unknownAt(r: Res, path: string): boolean {
    return this.unknownsOf(r).some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
  }
  /** The first unknown path among `paths` of `r`'s props (see {@link unknown}), else undefined. */
  unknownOf(r: Res, ...paths: string[]): string | undefined {
    return paths.find((p) => this.unknown(r, p));
  }
  /** Unknown (preview) value paths of `r`'s props. */
  unknownsOf(r: Res): string[] {
    return this.unknownPaths.get(r.urn) ?? [];
  }
  ofType(type: string): Res[] {
    return this.resources.filter((r) => r.type === type);
  }
  parentOf(r: Res): Res | undefined {
    const p = (r as LinkedRes).parent;
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
    return (r as LinkedRes).dependencies ?? [];
  }
}

/**
 * The platform's facts, read from the `HarborPlatform` resource's props: `{ environment, expectedDataGb?,
 * highThroughput, zones }`. Offline the engine hands a component its inputs; `pulumi preview`'s stack
 * analysis hands it its registered outputs, so the platform must put these keys in both.
 */
export interface Facts {
  environment?: string;
  expectedDataGb?: number;
  highThroughput: boolean;
  zones: string[];
  /** The platform resource, for reporting. */
  urn?: string;
  /** Fact keys missing or of the wrong type on a platform resource (empty without a platform). */
  missing: string[];
}

export function platformFacts(g: Graph): Facts {
  const p = g.ofType(ComponentTypes.HarborPlatform)[0];
  const f = obj(p?.props);
  const missing: string[] = [];
  if (p) {
    if (typeof f.environment !== "string") missing.push("environment (string)");
    if (typeof f.highThroughput !== "boolean") missing.push("highThroughput (boolean)");
    if (!Array.isArray(f.zones)) missing.push("zones (string[])");
    if (f.expectedDataGb !== undefined && typeof f.expectedDataGb !== "number")
      missing.push("expectedDataGb (number, optional)");
  }
  return {
    environment: typeof f.environment === "string" ? f.environment : undefined,
    expectedDataGb: typeof f.expectedDataGb === "number" ? f.expectedDataGb : undefined,
    highThroughput: f.highThroughput === true,
    zones: arr(f.zones).filter((z): z is string => typeof z === "string"),
    urn: p?.urn,
    missing,
  };
}

/** `kind "name"` (Kubernetes) or `type "name"` for messages. */
export function label(r: Res): string {
  const md = obj(obj(r.props).metadata);
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
    "": 1,
    m: 1e-3,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    Pi: 1024 ** 5,
  };
  return m[2] in units ? n * units[m[2]] : undefined;
}

export const GIB = 1024 ** 3;
export const fmtGib = (bytes: number) => `${+(bytes / GIB).toFixed(1)} GiB`;

/** The Kubernetes fields the rules read (every field optional: props are whatever the program passed). */
export interface Metadata {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
}
export interface Container {
  name?: string;
  command?: string[];
  args?: string[];
  env?: { name?: string; value?: string }[];
  ports?: { containerPort?: number }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}
export interface PodSpec {
  containers?: Container[];
  nodeSelector?: Record<string, string>;
  topologySpreadConstraints?: { topologyKey?: string }[];
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms?: { matchExpressions?: { key?: string; operator?: string; values?: string[] }[] }[];
      };
    };
    podAntiAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { topologyKey?: string }[];
      preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm?: { topologyKey?: string } }[];
    };
  };
}
export interface KubeProps {
  metadata?: Metadata;
  data?: Record<string, unknown>;
  spec?: {
    replicas?: number;
    serviceName?: string;
    selector?: { matchLabels?: Record<string, string> } & Record<string, unknown>;
    ports?: { port?: number }[];
    template?: { metadata?: Metadata; spec?: PodSpec };
    volumeClaimTemplates?: {
      metadata?: Metadata;
      spec?: { resources?: { requests?: { storage?: unknown } }; storageClassName?: unknown };
    }[];
    resources?: { requests?: { storage?: unknown } };
    storageClassName?: unknown;
    capacity?: { storage?: unknown };
    tls?: unknown[];
    numberOfInstances?: number;
    volume?: { size?: unknown; storageClass?: unknown };
    postgresql?: { parameters?: Record<string, unknown> };
  };
}

/** A Kubernetes resource's props, read through {@link KubeProps}. */
export function kube(r: Res): KubeProps {
  return obj(r.props) as KubeProps;
}

/** The pod template spec of a workload (StatefulSet/Deployment). */
export function podSpec(r: Res): PodSpec | undefined {
  return kube(r).spec?.template?.spec;
}

/** Tier a pod is pinned to (`nodeSelector` or required node affinity on NODE_TIER_LABEL). */
export function podTier(spec: PodSpec | undefined): NodeTier | undefined {
  const sel = spec?.nodeSelector?.[NODE_TIER_LABEL];
  if (sel === "app" || sel === "db") return sel;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms)
    for (const e of t?.matchExpressions ?? []) {
      const v = e?.values?.[0];
      if (e?.key === NODE_TIER_LABEL && e?.operator === "In" && e.values?.length === 1 && (v === "app" || v === "db"))
        return v;
    }
  return undefined;
}

/** Harbor Helm releases: chart `harbor` (or `<repo>/harbor`) or any release under a HarborRelease component. */
export function harborReleases(g: Graph): Res[] {
  return g.ofType(T.HelmRelease).filter((r) => chartName(r) === "harbor" || g.isUnder(r, ComponentTypes.HarborRelease));
}

export function chartName(r: Res): string {
  return str(obj(r.props).chart)?.split("/").pop() ?? "";
}

/** The value at a dotted path of plain JSON (undefined where any step is missing). */
export function get(o: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((a, k) => (a && typeof a === "object" ? (a as Obj)[k] : undefined), o);
}

/** A release's Helm values (empty when absent or unknown; check `g.unknown(rel, "values")` first). */
export function valuesOf(rel: Res): Obj {
  return obj(obj(rel.props).values);
}

/** Harbor chart components that run pods, with their values paths; which ones are deployed depends on values. */
export function harborComponents(values: unknown): { name: string; path: string; resourcePaths: string[] }[] {
  return HARBOR_COMPONENTS.filter((c) => chartDeploys(c, values)).map((c) => ({
    name: c,
    path: c,
    resourcePaths: RESOURCE_PATHS[c] ?? [`${c}.resources`],
  }));
}

/** Where the chart reads a component's resources when not from `<component>.resources`. */
const RESOURCE_PATHS: Partial<Record<HarborComponent, string[]>> = {
  registry: ["registry.registry.resources", "registry.controller.resources"],
};

/** Whether the chart deploys a component with these values (defaults: trivy on; metrics, and so the exporter, off). */
function chartDeploys(c: HarborComponent, values: unknown): boolean {
  if (c === "trivy") return get(values, "trivy.enabled") !== false;
  if (c === "exporter") return get(values, "metrics.enabled") === true;
  return true;
}

/** All string values under an object, with their dotted paths. */
export function stringLeaves(o: unknown, path = "", out: [string, string][] = []): [string, string][] {
  if (typeof o === "string") out.push([path, o]);
  else if (Array.isArray(o)) o.forEach((e, i) => stringLeaves(e, `${path}[${i}]`, out));
  else if (o && typeof o === "object")
    for (const [k, v] of Object.entries(o)) stringLeaves(v, path ? `${path}.${k}` : k, out);
  return out;
}

/** What a rule cannot check when a release's values are wholly unknown (built in one apply from a computed output). */
export function harborValuesUnknown(g: Graph, rel: Res): string | undefined {
  return g.unknownAt(rel, "values")
    ? `${label(rel)} Helm values (built in one apply from an output a preview does not know: an id, ARN or generated value)`
    : undefined;
}
