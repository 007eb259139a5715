import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  HARBOR_CHART,
  harborDatabaseClientPools,
  HarborRelease,
  HarborReleaseArgs,
  harborFullName,
  harborValuesProblems,
  HarborValuesArgs,
  renderHarborValues,
} from "../components/harbor";
import { PatroniCluster } from "../components/postgres";
import { S3Storage } from "../components/storage";
import { CertManager, HarborCertificates } from "../components/tls";
import { HarborGateway } from "../components/edge";
import { RedisSentinel } from "../components/redis";
import { InvalidArgsError } from "../components/conventions";
import { runProgram, unwrapSecrets, isSecretEnvelope, kubernetesObject, PlanGraph, CapturedResource } from "../engine";
import { HARBOR_CHART_FIXTURE, HARBOR_CHART_KEYS, valuePaths } from "./support/harborChartKeys";

const CHART_KEYS = HARBOR_CHART_KEYS;

const replicas = (n: number) => ({ core: n, jobservice: n, registry: n, portal: n, trivy: n, exporter: n });

const sample: HarborValuesArgs = {
  externalUrl: "https://harbor.example.com",
  fullName: "harbor",
  database: {
    host: "db-rw.harbor.svc.cluster.local",
    port: 5432,
    username: "harbor",
    coreDatabase: "registry",
    existingSecret: "db-harbor",
    sslmode: "require",
  },
  // core, jobservice and exporter, 2 replicas + 1 surge each, x 100: exactly the 900 the pools may open.
  databaseConnectionBudget: 900,
  maxOpenConns: 100,
  maxIdleConns: 50,
  redis: { sentinelAddrs: "s-0:26379,s-1:26379,s-2:26379", sentinelMasterSet: "harbor", existingSecret: "redis-auth" },
  storage: {
    type: "s3",
    bucket: "b",
    region: "eu-west-1",
    encrypt: true,
    keyId: "arn:aws:kms:eu-west-1:1:key/k",
    secretName: "s3-creds",
    rootDirectory: "/r",
  },
  secrets: {
    secretKey: "sk",
    core: "core",
    jobservice: "js",
    registryHttp: "rh",
    registryCredentials: "rc",
    admin: "admin",
  },
  tokenServiceSecretName: "token",
  routeParentRefs: [{ kind: "Gateway", name: "harbor", namespace: "harbor", sectionName: "https" }],
  replicas: replicas(2),
  highAvailability: true,
  trivy: true,
  metrics: true,
  serviceMonitor: true,
  zoneSpread: "required",
  nodeSelector: { "harbor-ha.io/tier": "app" },
  tolerations: [{ key: "harbor-ha.io/tier", operator: "Equal", value: "app", effect: "NoSchedule" }],
  trivyStorageClass: "gp3",
};

/** Release Args as the platform wires them, with plain stand-ins for the other tiers' outputs. */
const releaseArgs: HarborReleaseArgs = {
  namespace: "harbor",
  releaseName: "harbor",
  externalUrl: "https://harbor.example.com",
  database: { host: "db-rw.harbor.svc.cluster.local", user: "harbor", passwordSecretName: "db-harbor" },
  databaseConnectionBudget: 900,
  redis: { sentinelAddrs: "s-0:26379,s-1:26379,s-2:26379", masterSet: "harbor", passwordSecretName: "redis-auth" },
  storage: sample.storage,
  tokenServiceSecretName: "harbor-token-service",
  routeParentRefs: [{ kind: "Gateway", name: "harbor", namespace: "harbor", sectionName: "https" }],
  highAvailability: true,
};

function harborRelease(g: PlanGraph): CapturedResource {
  const r = g.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release" && (x.inputs as any).chart === "harbor");
  assert.ok(r, "a Harbor Helm release is planned");
  return r;
}

describe("Harbor release", () => {
  it("sets only keys the 1.19.2 chart reads, for S3, RWX and RWO storage (a misspelled key fails)", () => {
    const variants: HarborValuesArgs[] = [
      sample,
      {
        ...sample,
        storage: { type: "filesystem", existingClaim: "pvc", accessMode: "ReadWriteMany" },
        trivy: false,
        metrics: false,
      },
      {
        ...sample,
        storage: { type: "filesystem", existingClaim: "pvc", accessMode: "ReadWriteOnce" },
        replicas: replicas(1),
        highAvailability: false,
        zoneSpread: "none",
      },
    ];
    for (const v of variants) {
      const unknown = valuePaths(renderHarborValues(v)).filter((p) => !CHART_KEYS.has(p));
      assert.deepEqual(unknown, [], `${v.storage.type} values use keys the chart does not read`);
    }
    // The same check flags a typo.
    assert.deepEqual(
      valuePaths({ database: { external: { hots: "x" } } }).filter((p) => !CHART_KEYS.has(p)),
      ["database.external.hots"],
    );
  });

  it("pins chart 1.19.2 (Harbor 2.15.2), the version of the reference values", () => {
    const chart = fs.readFileSync(path.join(HARBOR_CHART_FIXTURE, "Chart.yaml"), "utf8");
    assert.match(chart, new RegExp(`^version: ${HARBOR_CHART.version.replace(/\./g, "\\.")}$`, "m"));
    assert.match(chart, new RegExp(`^appVersion: ${HARBOR_CHART.appVersion.replace(/\./g, "\\.")}$`, "m"));
  });

  it("passes every chart-generated secret by name, with the keys the chart expects", () => {
    const v = renderHarborValues(sample) as any;
    assert.equal(v.existingSecretSecretKey, "sk");
    assert.equal(v.core.existingSecret, "core");
    assert.equal(v.core.existingXsrfSecret, "core");
    assert.equal(v.core.existingXsrfSecretKey, "CSRF_KEY");
    assert.equal(v.core.secretName, "token");
    assert.deepEqual([v.jobservice.existingSecret, v.jobservice.existingSecretKey], ["js", "JOBSERVICE_SECRET"]);
    assert.deepEqual([v.registry.existingSecret, v.registry.existingSecretKey], ["rh", "REGISTRY_HTTP_SECRET"]);
    assert.equal(v.registry.credentials.existingSecret, "rc");
    assert.deepEqual(
      [v.existingSecretAdminPassword, v.existingSecretAdminPasswordKey],
      ["admin", "HARBOR_ADMIN_PASSWORD"],
    );
    assert.equal(v.persistence.imageChartStorage.s3.existingSecret, "s3-creds");
    assert.equal(v.database.external.existingSecret, "db-harbor");
    assert.equal(v.redis.external.existingSecret, "redis-auth");
    // No inline credential the chart would otherwise render.
    for (const k of [
      "database.external.password",
      "redis.external.password",
      "harborAdminPassword",
      "secretKey",
      "registry.credentials.password",
      "persistence.imageChartStorage.s3.secretkey",
    ]) {
      assert.ok(!valuePaths(v).includes(k), `${k} must not be set`);
    }
  });

  describe("HA values", () => {
    const v = renderHarborValues({ ...sample, replicas: { ...replicas(2), registry: 3 } }) as any;
    const components = ["core", "jobservice", "registry", "portal", "trivy", "exporter"];

    it("runs each component's replicas with a PDB keeping one up", () => {
      assert.deepEqual(
        components.map((c) => [c, v[c].replicas, v[c].podDisruptionBudget]),
        components.map((c) => [c, c === "registry" ? 3 : 2, { enabled: true, minAvailable: 1 }]),
      );
    });

    it("spreads every component over zones (hard) without a second labelSelector (the chart adds its own)", () => {
      for (const c of components)
        assert.deepEqual(
          v[c].topologySpreadConstraints[0],
          { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" },
          c,
        );
    });

    it("pins every component to the app tier, tolerating its taint", () => {
      for (const c of components) {
        assert.deepEqual(v[c].nodeSelector, { "harbor-ha.io/tier": "app" }, c);
        assert.equal(v[c].tolerations[0].effect, "NoSchedule", c);
      }
    });

    it("gives every container requests and limits", () => {
      for (const r of [
        v.core.resources,
        v.jobservice.resources,
        v.registry.registry.resources,
        v.registry.controller.resources,
        v.portal.resources,
        v.trivy.resources,
        v.exporter.resources,
      ])
        assert.ok(r.requests.cpu && r.requests.memory && r.limits.cpu && r.limits.memory, "requests and limits");
    });

    it("logs jobs to the database (the file logger needs RWX) and talks to Redis through the sentinels", () => {
      assert.deepEqual(v.jobservice.jobLoggers, ["database"]);
      assert.deepEqual(v.redis.external, {
        addr: "s-0:26379,s-1:26379,s-2:26379",
        sentinelMasterSet: "harbor",
        coreDatabaseIndex: "0",
        jobserviceDatabaseIndex: "1",
        registryDatabaseIndex: "2",
        trivyAdapterIndex: "5",
        existingSecret: "redis-auth",
      });
    });

    it("turns on metrics with a ServiceMonitor, and the Redis cache", () => {
      assert.deepEqual([v.metrics.enabled, v.metrics.serviceMonitor.enabled, v.cache.enabled], [true, true, true]);
    });

    it("exposes Harbor through the chart's HTTPRoute on the edge's Gateway, for its hostname only (TLS at the Gateway)", () => {
      assert.deepEqual(v.expose, {
        type: "route",
        tls: { enabled: false },
        route: {
          parentRefs: [{ kind: "Gateway", name: "harbor", namespace: "harbor", sectionName: "https" }],
          hosts: ["harbor.example.com"],
        },
      });
    });

    it("streams S3 blobs through the registry, encrypted with the bucket's KMS key", () => {
      assert.deepEqual(v.persistence.imageChartStorage, {
        type: "s3",
        disableredirect: true,
        s3: {
          bucket: "b",
          region: "eu-west-1",
          encrypt: true,
          keyid: "arn:aws:kms:eu-west-1:1:key/k",
          existingSecret: "s3-creds",
          rootdirectory: "/r",
        },
      });
    });
  });

  it("single replicas get no PDB; an RWO volume gets the Recreate strategy; disabled trivy keeps no settings", () => {
    const v = renderHarborValues({
      ...sample,
      storage: { type: "filesystem", existingClaim: "c", accessMode: "ReadWriteOnce" },
      replicas: replicas(1),
      highAvailability: false,
      trivy: false,
      zoneSpread: "none",
    }) as any;
    assert.equal(v.core.podDisruptionBudget.enabled, false);
    assert.deepEqual(v.updateStrategy, { type: "Recreate" });
    assert.deepEqual(v.trivy, { enabled: false });
    assert.deepEqual(v.persistence.persistentVolumeClaim, {
      registry: { existingClaim: "c", accessMode: "ReadWriteOnce" },
    });
    assert.deepEqual(v.core.topologySpreadConstraints, []);
    assert.equal(renderHarborValues(sample).updateStrategy, undefined);
  });

  it("refuses a pool over the database budget, RWO storage shared by replicas and single replicas under HA, all at once", () => {
    const problems = harborValuesProblems({
      ...sample,
      replicas: { ...replicas(3), portal: 1 },
      maxOpenConns: 100,
      databaseConnectionBudget: 500,
      storageAccessMode: "ReadWriteOnce",
      sslmode: "prefer-not",
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      ["replicas.portal", "maxOpenConns", "storage", "database.sslmode"],
    );
    assert.match(
      problems[1].problem,
      /core \(3 \+ 1 surge\) x 100 \+ jobservice \(3 \+ 1 surge\) x 100 \+ exporter \(3 \+ 1 surge\) x 100 = 1200 connections at the peak of a rolling update, exceed the database's connection budget of 500/,
    );
    assert.match(problems[1].fix, /lower maxOpenConns, run fewer core\/jobservice\/exporter replicas/);
    assert.match(problems[2].problem, /ReadWriteOnce volume, which 3 registry replicas cannot share/);
    // Without metrics the chart deploys no exporter, so only core and jobservice pools count: 2 x (3 + 1) x 100.
    const withoutExporter = (budget: number) =>
      harborValuesProblems({
        ...sample,
        replicas: replicas(3),
        metrics: false,
        maxOpenConns: 100,
        databaseConnectionBudget: budget,
      }).map((p) => p.path);
    assert.deepEqual(withoutExporter(800), []);
    assert.deepEqual(withoutExporter(799), ["maxOpenConns"]);
    assert.throws(
      () =>
        renderHarborValues({
          ...sample,
          storage: { type: "filesystem", existingClaim: "c", accessMode: "ReadWriteOnce" },
        }),
      InvalidArgsError,
    );
  });

  it("the component refuses invalid Args before registering anything, naming every problem", async () => {
    await assert.rejects(
      runProgram(async () => {
        new HarborRelease("h", {
          ...releaseArgs,
          externalUrl: "http://insecure",
          databaseConnectionBudget: 150,
          storage: { type: "filesystem", existingClaim: "c", accessMode: "ReadWriteOnce" },
          componentReplicas: { portal: 1 },
        });
      }),
      (e: unknown) =>
        e instanceof InvalidArgsError &&
        e.problems.map((p) => p.path).join(",") === "externalUrl,replicas.portal,maxOpenConns,storage",
    );
    // An Output storage descriptor is checked through the access-mode hint.
    await assert.rejects(
      runProgram(async () => {
        const { output } = await import("@pulumi/pulumi");
        new HarborRelease("h", {
          ...releaseArgs,
          storage: output({ type: "filesystem" as const, existingClaim: "c", accessMode: "ReadWriteOnce" as const }),
          storageAccessMode: "ReadWriteOnce",
        });
      }),
      (e: unknown) => e instanceof InvalidArgsError && /ReadWriteOnce/.test(e.message),
    );
  });

  it("gives identical values and Secret inputs on every plan, with stable secrets of the right shape", async () => {
    const plan = () => runProgram(async () => void new HarborRelease("harbor", releaseArgs));
    const [a, b] = [await plan(), await plan()];
    assert.deepEqual(a.errors, [], "schema-valid, no secret in values or any non-Secret object");
    const secrets = (g: PlanGraph) =>
      g.resources
        .filter((r) => r.type === "kubernetes:core/v1:Secret")
        .map((r) => [r.name, JSON.stringify(unwrapSecrets(r.inputs))]);
    assert.equal(secrets(a).length, 6);
    assert.deepEqual(secrets(a), secrets(b));
    assert.deepEqual(unwrapSecrets(harborRelease(a).inputs), unwrapSecrets(harborRelease(b).inputs));

    const data = (suffix: string) => {
      const r = a.resources.find(
        (x) => x.type === "kubernetes:core/v1:Secret" && x.name === `harbor-secrets-${suffix}`,
      )!;
      assert.ok(
        isSecretEnvelope((r.inputs as any).stringData) ||
          Object.values((r.inputs as any).stringData).every(isSecretEnvelope),
        `${suffix} data stays secret`,
      );
      return (unwrapSecrets(r.inputs) as any).stringData as Record<string, string>;
    };
    assert.equal(data("secret-key").secretKey.length, 16);
    assert.equal(data("core").secret.length, 16);
    assert.equal(data("core").CSRF_KEY.length, 32);
    assert.ok(data("jobservice").JOBSERVICE_SECRET.length >= 16);
    assert.ok(data("registry-http").REGISTRY_HTTP_SECRET.length >= 16);
    const creds = data("registry-credentials");
    // htpasswd from the provider's stored bcrypt hash of REGISTRY_PASSWD: stable, unlike hashing at plan time.
    const password = unwrapSecrets(
      a.resources.find(
        (x) => x.type === "random:index/randomPassword:RandomPassword" && x.name === "harbor-secrets-registry-password",
      )!.inputs,
    ) as any;
    assert.equal(creds.REGISTRY_PASSWD.length, password.length);
    assert.match(creds.REGISTRY_HTPASSWD, /^harbor_registry_user:\$2[aby]\$10\$.{53}$/);
    assert.match(data("admin").HARBOR_ADMIN_PASSWORD, /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{24}$/);

    // The values name these Secrets, and no secret value appears in them.
    const values = (unwrapSecrets(harborRelease(a).inputs) as any).values;
    const names = a.resources
      .filter((r) => r.type === "kubernetes:core/v1:Secret")
      .map((r) => kubernetesObject(r)!.metadata.name);
    for (const ref of [
      values.existingSecretSecretKey,
      values.core.existingSecret,
      values.jobservice.existingSecret,
      values.registry.existingSecret,
      values.registry.credentials.existingSecret,
      values.existingSecretAdminPassword,
    ]) {
      assert.ok(names.includes(ref), `${ref} is one of the generated Secrets`);
    }
    const secretValues = a.resources
      .filter((r) => r.type === "kubernetes:core/v1:Secret")
      .flatMap((r) => Object.values((unwrapSecrets(r.inputs) as any).stringData) as string[]);
    const text = JSON.stringify(values);
    for (const s of secretValues) assert.ok(!text.includes(s), "a secret value leaked into the values");
  });

  it("takes the database host, sentinels and master set from the data tier's outputs", async () => {
    const g = await runProgram(async () => {
      const db = new PatroniCluster("db", { namespace: "harbor", clientPools: harborDatabaseClientPools({}) });
      const redis = new RedisSentinel("redis", { namespace: "harbor", masterSet: "harbor-master" });
      new HarborRelease("harbor", {
        ...releaseArgs,
        database: {
          host: db.host,
          port: db.port,
          user: db.user,
          database: db.database,
          passwordSecretName: db.passwordSecretName,
          sslmode: db.sslmode,
        },
        databaseConnectionBudget: db.budget.availableForApplications,
        redis: {
          sentinelAddrs: redis.sentinelAddrs,
          masterSet: redis.masterSet,
          passwordSecretName: redis.passwordSecretName,
        },
      });
    });
    assert.deepEqual(g.errors, []);
    const values = (unwrapSecrets(harborRelease(g).inputs) as any).values;
    const rw = g.resources.map(kubernetesObject).find((o) => o?.kind === "Service" && o.metadata.name === "db-rw");
    assert.ok(rw, "the cluster's read-write Service");
    assert.equal(values.database.external.host, `${rw.metadata.name}.harbor.svc.cluster.local`);
    assert.equal(values.database.external.port, "5432");
    const dbSecret = g.resources
      .map(kubernetesObject)
      .find((o) => o?.kind === "Secret" && o.metadata.name === values.database.external.existingSecret);
    assert.ok(dbSecret, "the database password Secret the cluster created");
    const sentinels = g.resources
      .map(kubernetesObject)
      .find((o) => o?.kind === "StatefulSet" && /sentinel/.test(o.metadata.name));
    assert.ok(sentinels, "the sentinel StatefulSet");
    const n = sentinels.spec.replicas;
    const addrs = values.redis.external.addr.split(",");
    assert.equal(addrs.length, n);
    addrs.forEach((a: string, i: number) =>
      assert.match(a, new RegExp(`^${sentinels.metadata.name}-${i}\\.[^:]+:26379$`)),
    );
    assert.equal(values.redis.external.sentinelMasterSet, "harbor-master");
    const redisSecret = g.resources
      .map(kubernetesObject)
      .find((o) => o?.kind === "Secret" && o.metadata.name === values.redis.external.existingSecret);
    assert.ok(redisSecret, "the Redis password Secret the sentinel tier created");
  });

  it("names its Services from the release name (the edge's routes point at <fullName>-core)", async () => {
    const g = await runProgram(async () => ({
      core: new HarborRelease("h", { ...releaseArgs, releaseName: "registry" }).coreServiceName,
    }));
    assert.deepEqual(g.errors, []);
    assert.equal(harborFullName("registry"), "registry-harbor");
    const values = (unwrapSecrets(harborRelease(g).inputs) as any).values;
    assert.equal(values.fullnameOverride, "registry-harbor");
    assert.equal(g.outputs.core, "registry-harbor-core");
    assert.equal(g.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress").length, 0);
  });

  it("wires the storage, tls and edge tiers' outputs as the platform does, schema-valid and leak-free", async () => {
    const g = await runProgram(async () => {
      const storage = new S3Storage("registry", { namespace: "harbor" });
      const cm = new CertManager("cm", { highAvailability: true });
      const edge = new HarborGateway("edge", {
        namespace: "harbor",
        externalUrl: "https://harbor.example.com",
        tlsSecretName: "harbor-tls",
        coreServiceName: "harbor-core",
        adminAllowlist: ["10.0.0.0/8"],
        highAvailability: true,
      });
      const certs = new HarborCertificates("certs", {
        namespace: "harbor",
        host: "harbor.example.com",
        issuer: { mode: "acme-http01", email: "ops@example.com", gatewayParentRefs: edge.acmeParentRefs },
        tlsSecretName: "harbor-tls",
        certManagerReady: cm.ready,
      });
      const harbor = new HarborRelease(
        "harbor",
        {
          ...releaseArgs,
          storage: storage.registryStorage,
          tokenServiceSecretName: certs.tokenServiceSecretName,
          routeParentRefs: edge.harborParentRefs,
        },
        { dependsOn: edge.adminReady },
      );
      return {
        core: harbor.coreServiceName,
        values: harbor.values,
        storage: storage.registryStorage,
        tls: certs.tlsSecretName,
        token: certs.tokenServiceSecretName,
      };
    });
    assert.deepEqual(g.errors, [], "schema-valid, no secret in values, ConfigMaps or outputs");
    const values = (unwrapSecrets(harborRelease(g).inputs) as any).values;
    const storage = unwrapSecrets(g.outputs.storage) as any;
    assert.deepEqual(
      [
        values.persistence.imageChartStorage.s3.bucket,
        values.persistence.imageChartStorage.s3.existingSecret,
        values.persistence.imageChartStorage.s3.keyid,
      ],
      [storage.bucket, storage.secretName, storage.keyId],
    );
    assert.equal(values.core.secretName, g.outputs.token);
    // The Gateway's HTTPS listener carries the certificate's Secret; Harbor's route attaches to that listener.
    const gateway = g.resources.map(kubernetesObject).find((o) => o?.kind === "Gateway")!;
    const https = gateway.spec.listeners.find((l: any) => l.protocol === "HTTPS");
    assert.equal(https.tls.certificateRefs[0].name, g.outputs.tls);
    assert.deepEqual(
      values.expose.route.parentRefs.map((p: any) => [p.name, p.sectionName]),
      [[gateway.metadata.name, https.name]],
    );
    const admin = g.resources
      .map(kubernetesObject)
      .find((o) => o?.kind === "HTTPRoute" && o.metadata.name === "edge-admin-api")!;
    assert.equal(admin.spec.rules[0].backendRefs[0].name, g.outputs.core);
    assert.deepEqual(unwrapSecrets(g.outputs.values), values);
    // No ConfigMap anywhere carries a generated secret value.
    const secretValues = g.resources
      .filter((r) => r.type === "kubernetes:core/v1:Secret")
      .flatMap((r) => Object.values(((unwrapSecrets(r.inputs) as any).stringData ?? {}) as Record<string, string>));
    const nonSecret = JSON.stringify(
      g.resources
        .filter(
          (r) =>
            r.type !== "kubernetes:core/v1:Secret" &&
            !r.type.startsWith("random:") &&
            r.type !== "aws:iam/accessKey:AccessKey",
        )
        .map((r) => unwrapSecrets(r.inputs)),
    );
    for (const v of secretValues) assert.ok(!nonSecret.includes(v), "a secret value appears outside its Secret");
  });
});
