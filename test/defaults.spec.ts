/**
 * One home for each default and rule: the stack schema and the platform take the tiers' exported
 * defaults, never a copy. Each test changes an exported default and checks that the change reaches the
 * layer above, so a literal copy written back into the schema or the platform fails here even while its
 * value still agrees.
 */
import { strict as assert } from "assert";
import {
  filesystemStorageDefaults,
  FilesystemStorage,
  harborCertificatesDefaults,
  HarborPlatform,
  HarborPlatformArgs,
  harborPlatformDefaults,
  harborReleaseDefaults,
  nfsStorageDefaults,
  nodePoolDefaults,
  readWriteOnceSharingViolation,
  s3StorageDefaults,
} from "../components";
import { HARBOR_COMPONENTS, harborValuesProblems } from "../components/harbor";
import { InvalidArgsError } from "../components/conventions";
import type * as StackConfigModule from "../stacks/config";
import { planComponent } from "./support/planComponent";

/** Sets `patch` on an exported defaults object for the duration of `fn`, then restores it. */
async function withDefaults<T extends object>(defaults: T, patch: Partial<T>, fn: () => unknown): Promise<void> {
  const saved = { ...defaults };
  Object.assign(defaults, patch);
  try {
    await fn();
  } finally {
    Object.assign(defaults, saved);
  }
}

/**
 * The stack config module loaded afresh (its schema captures defaults when it loads), then the cached
 * module put back so that other spec files in this worker keep the original.
 */
function freshStackConfig(): typeof StackConfigModule {
  const key = require.resolve("../stacks/config");
  const cached = require.cache[key];
  delete require.cache[key];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a second instance of the module, on purpose
    return require("../stacks/config");
  } finally {
    if (cached) require.cache[key] = cached;
    else delete require.cache[key];
  }
}

const minimalConfig = (storage: object, extra: Record<string, string> = {}) => ({
  "harbor-ha:environment": "staging",
  "harbor-ha:externalUrl": "https://harbor.example.com",
  "harbor-ha:storage": JSON.stringify(storage),
  "harbor-ha:tls": JSON.stringify({ mode: "acme-http01", email: "ops@example.com" }),
  ...extra,
});

function parse(values: Record<string, string>, module = freshStackConfig()) {
  return module.parseStackConfig({ stack: "staging", values, isSecret: () => false });
}

/** The smallest platform: every tier with its defaults. */
const minimalPlatform: HarborPlatformArgs = {
  environment: "staging",
  externalUrl: "https://harbor.example.com",
  storage: { kind: "nfs", server: { host: "nfs.example.com", path: "/export/harbor" } },
  tls: { issuer: { mode: "self-signed" } },
};

describe("one home for each default", () => {
  describe("the stack schema's defaults are the tiers' exports", () => {
    it("Harbor's settings come from harborReleaseDefaults", async () => {
      const c = parse(minimalConfig({ type: "s3" }));
      const expected = {
        replicas: harborReleaseDefaults.replicas,
        maxOpenConns: harborReleaseDefaults.maxOpenConns,
        maxIdleConns: harborReleaseDefaults.maxIdleConns,
        trivy: harborReleaseDefaults.trivy,
        metrics: harborReleaseDefaults.metrics,
      };
      assert.deepEqual(c.harbor, expected);
      const patch = { replicas: 5, maxOpenConns: 70, maxIdleConns: 7, trivy: false, metrics: false };
      await withDefaults(harborReleaseDefaults, patch, () =>
        assert.deepEqual(parse(minimalConfig({ type: "s3" })).harbor, patch),
      );
    });

    it("the namespace, workload flags and cert-manager install come from harborPlatformDefaults", async () => {
      const read = () => {
        const c = parse(minimalConfig({ type: "s3" }));
        return [c.namespace, c.highThroughput, c.tls.installCertManager];
      };
      const d = harborPlatformDefaults;
      assert.deepEqual(read(), [d.namespace, d.highThroughput, d.installCertManager]);
      await withDefaults(d, { namespace: "registry", highThroughput: true, installCertManager: false }, () =>
        assert.deepEqual(read(), ["registry", true, false]),
      );
    });

    it("storage sizes and S3 settings come from the storage tier's exports", async () => {
      const read = () => {
        const s3 = parse(minimalConfig({ type: "s3" })).storage as {
          kms: boolean;
          noncurrentVersionExpirationDays: number;
        };
        const efs = parse(
          minimalConfig({
            type: "efs",
            vpcId: "vpc-1",
            subnets: { "eu-west-1a": "subnet-1" },
            allowedCidrs: ["10.0.0.0/16"],
          }),
        ).storage as { capacityGb: number };
        const fsys = parse(minimalConfig({ type: "filesystem" }, { "harbor-ha:harbor": '{"replicas":1}' })).storage as {
          capacityGb: number;
        };
        return [s3.kms, s3.noncurrentVersionExpirationDays, efs.capacityGb, fsys.capacityGb];
      };
      assert.deepEqual(read(), [
        s3StorageDefaults.kms,
        s3StorageDefaults.noncurrentVersionExpirationDays,
        nfsStorageDefaults.capacityGb,
        filesystemStorageDefaults.capacityGb,
      ]);
      await withDefaults(s3StorageDefaults, { kms: false, noncurrentVersionExpirationDays: 9 }, () =>
        withDefaults(nfsStorageDefaults, { capacityGb: 2048 }, () =>
          withDefaults(filesystemStorageDefaults, { capacityGb: 25 }, () =>
            assert.deepEqual(read(), [false, 9, 2048, 25]),
          ),
        ),
      );
    });

    it("the ACME server and node pool sizes come from the tls and nodepools tiers", async () => {
      const read = () => {
        const c = parse(
          minimalConfig(
            { type: "s3" },
            {
              "harbor-ha:cluster": JSON.stringify({
                name: "c",
                nodeRoleArn: "arn:aws:iam::123456789012:role/n",
                subnets: { "eu-west-1a": "subnet-1" },
              }),
              "harbor-ha:nodePools": JSON.stringify({
                app: { instanceTypes: ["m7i.xlarge"], diskGb: 200 },
                db: { instanceTypes: ["r7i.2xlarge"], diskGb: 1024 },
              }),
            },
          ),
        );
        const app = c.nodePools!.app;
        return [c.tls.acmeServer, app.desiredSize, app.minSize, app.maxSize];
      };
      assert.deepEqual(read(), [
        harborCertificatesDefaults.acmeServer,
        nodePoolDefaults.desiredSize,
        nodePoolDefaults.minSize,
        nodePoolDefaults.maxSize,
      ]);
      await withDefaults(harborCertificatesDefaults, { acmeServer: "https://acme.example.com/directory" }, () =>
        withDefaults(nodePoolDefaults, { desiredSize: 4, minSize: 2, maxSize: 8 }, () =>
          assert.deepEqual(read(), ["https://acme.example.com/directory", 4, 2, 8]),
        ),
      );
    });
  });

  describe("the platform passes Harbor's settings through", () => {
    const planHarbor = async () => {
      const plan = await planComponent(() => void new HarborPlatform("harbor", minimalPlatform));
      assert.deepEqual(plan.errors, []);
      return { plan, values: plan.helmValues("harbor") };
    };

    it("with no Harbor Args, the release runs harborReleaseDefaults", async () => {
      const { values } = await planHarbor();
      const d = harborReleaseDefaults;
      for (const c of HARBOR_COMPONENTS) assert.equal(values[c].replicas, d.replicas, `${c} replicas`);
      assert.deepEqual(
        [values.database.maxOpenConns, values.database.maxIdleConns, values.trivy.enabled, values.metrics.enabled],
        [d.maxOpenConns, d.maxIdleConns, d.trivy, d.metrics],
      );
      assert.deepEqual(
        [values.database.external.port, values.database.external.sslmode],
        [String(d.databasePort), d.sslmode],
      );
    });

    it("a changed tier default reaches the release through the platform (no copy in between)", async () => {
      await withDefaults(harborReleaseDefaults, { replicas: 3, maxOpenConns: 40, maxIdleConns: 10 }, async () => {
        const { values } = await planHarbor();
        for (const c of HARBOR_COMPONENTS) assert.equal(values[c].replicas, 3, `${c} replicas`);
        assert.deepEqual([values.database.maxOpenConns, values.database.maxIdleConns], [40, 10]);
      });
    });

    it("the namespace it creates and gives every tier is harborPlatformDefaults.namespace", async () => {
      await withDefaults(harborPlatformDefaults, { namespace: "registry" }, async () => {
        const { plan } = await planHarbor();
        assert.equal(plan.object("Namespace").metadata.name, "registry");
        assert.equal(plan.one("kubernetes:helm.sh/v3:Release", "harbor-harbor").namespace, "registry");
        assert.equal(plan.object("PersistentVolumeClaim", "harbor-registry").metadata.namespace, "registry");
      });
    });
  });

  describe("one ReadWriteOnce rule, one wording, at every layer", () => {
    // The rule's own words, without the subject each layer names.
    const words = readWriteOnceSharingViolation({ registryReplicas: 2, subject: "", replicasKey: "-" })!.problem.trim();

    it("the stack config reports it with the stack key", () => {
      assert.throws(
        () => parse(minimalConfig({ type: "filesystem" }, { "harbor-ha:harbor": '{"replicas":2}' })),
        (e: Error) => e.message.includes(`harbor-ha:storage.type: "filesystem" ${words}`),
      );
    });

    it("the platform refuses it before any resource", async () => {
      await assert.rejects(
        planComponent(
          () => void new HarborPlatform("harbor", { ...minimalPlatform, storage: { kind: "filesystem" }, harbor: {} }),
        ),
        (e: unknown) => e instanceof InvalidArgsError && e.problems.some((p) => p.problem.endsWith(words)),
      );
    });

    it("FilesystemStorage and HarborRelease's values refuse it in the same words", async () => {
      await assert.rejects(
        planComponent(() => void new FilesystemStorage("reg", { registryReplicas: 2 })),
        (e: unknown) => e instanceof InvalidArgsError && e.problems.some((p) => p.problem.endsWith(words)),
      );
      const problems = harborValuesProblems({
        externalUrl: "https://harbor.example.com",
        replicas: { core: 2, jobservice: 2, registry: 2, portal: 2, trivy: 2, exporter: 2 },
        highAvailability: false,
        trivy: true,
        metrics: true,
        maxOpenConns: 10,
        maxIdleConns: 5,
        storageAccessMode: "ReadWriteOnce",
      });
      assert.ok(problems.some((p) => p.path === "storage" && p.problem.endsWith(words)));
    });

    it("one registry replica on a ReadWriteOnce volume is fine", () => {
      assert.equal(readWriteOnceSharingViolation({ registryReplicas: 1, subject: "x", replicasKey: "y" }), undefined);
    });
  });
});
