/**
 * A small layer over the offline engine for component tests: plan a program once, then read what it
 * registered through typed accessors instead of filtering `g.resources` by hand in every test.
 */
import { strict as assert } from "assert";
import {
  CapturedResource,
  kubernetesObject,
  PlanGraph,
  Program,
  RunOptions,
  runProgram,
  unwrapSecrets,
} from "../../engine";

/** A resource's inputs with secrets unwrapped; loose on purpose, tests read deep into provider inputs. */
export type Inputs = Record<string, any>;

/** Pulumi type tokens the component tests read most. */
export const T = {
  helmRelease: "kubernetes:helm.sh/v3:Release",
  secret: "kubernetes:core/v1:Secret",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  pv: "kubernetes:core/v1:PersistentVolume",
  storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  bucket: "aws:s3/bucket:Bucket",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketSse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  bucketPublicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketOwnership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  bucketVersioning: "aws:s3/bucketVersioning:BucketVersioning",
  bucketLifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  kmsKey: "aws:kms/key:Key",
  efsFileSystem: "aws:efs/fileSystem:FileSystem",
  efsMountTarget: "aws:efs/mountTarget:MountTarget",
  efsAccessPoint: "aws:efs/accessPoint:AccessPoint",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
} as const;

export interface ComponentPlan {
  /** The whole captured graph. */
  graph: PlanGraph;
  /** Schema failures and leaked secrets of the plan (empty when it is clean). */
  errors: PlanGraph["errors"];
  /** The program's return value (stack outputs), secrets unwrapped. */
  outputs: Inputs;
  /** Every resource of a type. */
  all(type: string): CapturedResource[];
  /** Inputs (secrets unwrapped) of every resource of a type. */
  byType(type: string): Inputs[];
  /** Inputs of the one resource of `type` (named `name` when given); fails unless exactly one matches. */
  one(type: string, name?: string): Inputs;
  /** Kubernetes objects (as the API server would receive them) of a kind. */
  objects(kind: string): Inputs[];
  /** The one Kubernetes object of `kind` (named `metadata.name` when given). */
  object(kind: string, name?: string): Inputs;
  /** The values of the Helm release of `chart`. */
  helmValues(chart: string): Inputs;
}

/** Plans `program` (e.g. `() => new S3Storage(...)`) and returns typed accessors over what it registered. */
export async function planComponent(program: Program, options?: RunOptions): Promise<ComponentPlan> {
  const graph = await runProgram(program, options);
  const all = (type: string) => graph.resources.filter((r) => r.type === type);
  const byType = (type: string) => all(type).map((r) => unwrapSecrets(r.inputs) as Inputs);
  const objects = (kind: string) => graph.resources.map(kubernetesObject).filter((o): o is Inputs => o?.kind === kind);
  return {
    graph,
    errors: graph.errors,
    outputs: (unwrapSecrets(graph.outputs) ?? {}) as Inputs,
    all,
    byType,
    one(type, name) {
      const found = all(type).filter((r) => name === undefined || r.name === name);
      assert.equal(found.length, 1, `exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
      return unwrapSecrets(found[0].inputs) as Inputs;
    },
    objects,
    object(kind, name) {
      const found = objects(kind).filter((o) => name === undefined || o.metadata?.name === name);
      assert.equal(found.length, 1, `exactly one ${kind}${name ? ` named ${name}` : ""}, found ${found.length}`);
      return found[0];
    },
    helmValues(chart) {
      const releases = byType(T.helmRelease).filter((r) => r.chart === chart);
      assert.equal(releases.length, 1, `exactly one Helm release of chart ${chart}, found ${releases.length}`);
      return releases[0].values as Inputs;
    },
  };
}
