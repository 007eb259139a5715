/**
 * Harbor's Redis when the team brings it: its own sentinels, or one endpoint, plain or TLS (ElastiCache,
 * cluster mode disabled). The chart 1.19.2 values it becomes (every key checked against the pinned chart's
 * keys), the refusals of bad addresses before any resource, and observability for our Redis only.
 */
import { strict as assert } from "assert";
import { HarborRelease, HarborReleaseArgs, HarborValuesArgs, renderHarborValues } from "../components/harbor";
import { HarborPlatform, HarborPlatformArgs } from "../components/platform";
import { InvalidArgsError } from "../components/conventions";
import { kubernetesObject, PlanGraph, runProgram, unwrapSecrets } from "../engine";
import { HARBOR_CHART_KEYS, valuePaths } from "./support/harborChartKeys";

const CHART_KEYS = HARBOR_CHART_KEYS;

const ELASTICACHE = "master.harbor.abc123.euw1.cache.amazonaws.com:6379";
const n = (k: number) => ({ core: k, jobservice: k, registry: k, portal: k, trivy: k, exporter: k });
const values = (redis: HarborValuesArgs["redis"]): HarborValuesArgs => ({
  externalUrl: "https://harbor.example.com",
  fullName: "harbor",
  database: {
    host: "db",
    port: 5432,
    username: "harbor",
    coreDatabase: "registry",
    existingSecret: "db",
    sslmode: "require",
  },
  maxOpenConns: 100,
  maxIdleConns: 50,
  redis,
  storage: { type: "filesystem", existingClaim: "pvc", accessMode: "ReadWriteMany" },
  secrets: { secretKey: "sk", core: "c", jobservice: "j", registryHttp: "r", registryCredentials: "rc", admin: "a" },
  tokenServiceSecretName: "token",
  routeParentRefs: [{ kind: "Gateway", name: "harbor", namespace: "harbor", sectionName: "https" }],
  replicas: n(2),
  highAvailability: false,
  trivy: true,
  metrics: true,
  serviceMonitor: false,
  zoneSpread: "preferred",
});

const releaseArgs = (redis: HarborReleaseArgs["redis"]): HarborReleaseArgs => ({
  namespace: "harbor",
  externalUrl: "https://harbor.example.com",
  database: { host: "db", user: "harbor", passwordSecretName: "db" },
  redis,
  storage: { type: "filesystem", existingClaim: "pvc", accessMode: "ReadWriteMany" },
  tokenServiceSecretName: "token",
  routeParentRefs: [],
});

describe("BYO Redis: the chart values", () => {
  const tls = renderHarborValues(
    values({ kind: "endpoint", addr: ELASTICACHE, tls: true, caBundleSecretName: "redis-ca", existingSecret: "auth" }),
  ) as any;
  const plain = renderHarborValues(values({ kind: "endpoint", addr: "redis.team.svc:6379", tls: false })) as any;
  const sentinels = renderHarborValues(
    values({ sentinelAddrs: "s-0:26379,s-1:26379", sentinelMasterSet: "harbor", existingSecret: "auth" }),
  ) as any;

  it("sets only keys the 1.19.2 chart reads, the TLS and CA keys included", () => {
    for (const v of [tls, plain, sentinels])
      assert.deepEqual(
        valuePaths(v).filter((p) => !CHART_KEYS.has(p)),
        [],
      );
    // The keys this feature adds are among those checked.
    const tlsPaths = valuePaths(tls);
    for (const k of ["redis.external.tlsOptions.enable", "caBundleSecretName", "redis.external.existingSecret"])
      assert.ok(tlsPaths.includes(k) && CHART_KEYS.has(k), k);
  });

  it("a TLS endpoint: one host:port, tlsOptions on (rediss://), no master set, its CA in Harbor's trust store", () => {
    assert.equal(tls.redis.type, "external");
    assert.deepEqual(tls.redis.external, {
      addr: ELASTICACHE,
      tlsOptions: { enable: true },
      coreDatabaseIndex: "0",
      jobserviceDatabaseIndex: "1",
      registryDatabaseIndex: "2",
      trivyAdapterIndex: "5",
      existingSecret: "auth",
    });
    assert.equal(tls.caBundleSecretName, "redis-ca");
  });

  it("a plain endpoint without AUTH: no TLS, no password Secret, no CA; sentinels keep their master set", () => {
    assert.equal(plain.redis.external.addr, "redis.team.svc:6379");
    assert.equal(plain.redis.external.tlsOptions, undefined);
    assert.equal(plain.redis.external.existingSecret, undefined);
    assert.equal(plain.redis.external.sentinelMasterSet, undefined);
    assert.equal(plain.caBundleSecretName, undefined);
    assert.equal(sentinels.redis.external.sentinelMasterSet, "harbor");
    assert.equal(sentinels.redis.external.tlsOptions, undefined);
  });
});

describe("BYO Redis: bad input is refused before any resource", function () {
  this.timeout(60_000);

  it("HarborRelease: schemes, lists for an endpoint, bad ports and master sets, TLS unstated or to sentinels, all at once", async () => {
    const refused = async (redis: unknown) => {
      const e = await runProgram(async () => void new HarborRelease("h", releaseArgs(redis as any))).then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(e instanceof InvalidArgsError, `refused: ${JSON.stringify(redis)}`);
      return e;
    };
    const s = await refused({
      sentinelAddrs: "redis://s-0:26379",
      masterSet: "harbor/0",
      passwordSecretName: "a",
      tls: true,
    });
    assert.deepEqual(
      s.problems.map((p) => p.path),
      ["redis.tls", "redis.sentinelAddrs", "redis.masterSet"],
    );
    assert.match(s.message, /^HarborRelease "h": 3 invalid arguments/);
    assert.match(
      s.message,
      /redis\.sentinelAddrs: "redis:\/\/s-0:26379" carries a scheme.*Fix: list each sentinel as host:port/,
    );
    assert.match(s.message, /redis\.tls: TLS to sentinels \(rediss\+sentinel:\/\/\) breaks the registry/);
    const list = await refused({ sentinelAddrs: "s-0:26379,,s-2", masterSet: "harbor", passwordSecretName: "a" });
    assert.match(list.message, /an empty entry; "s-2" has no port/);
    const e = await refused({ kind: "endpoint", addr: "rediss://cache:6379", caBundleSecretName: "ca" });
    assert.deepEqual(
      e.problems.map((p) => p.path),
      ["redis.addr", "redis.tls"],
    );
    assert.match(e.message, /Fix: write host:port, and set tls for rediss:\/\//);
    const several = await refused({ kind: "endpoint", addr: "a:6379,b:6379", tls: false, caBundleSecretName: "ca" });
    assert.deepEqual(
      several.problems.map((p) => p.path),
      ["redis.addr", "redis.caBundleSecretName"],
    );
    assert.match(several.message, /use the sentinel kind with sentinelAddrs and masterSet/);
    const port = await refused({ kind: "endpoint", addr: "cache:70000", tls: true });
    assert.match(port.message, /"70000" is not a port/);
  });

  it("HarborPlatform: the team's sentinels with a redis:// URL, named with the fix, and no resource registered", async () => {
    let registered = 0;
    const e = await runProgram(async () => {
      new HarborPlatform("harbor", {
        ...platformArgs,
        redis: {
          kind: "existing",
          sentinelAddrs: "redis://10.0.0.5:6379",
          masterSet: "mymaster",
          passwordSecretName: "r",
        },
      });
    }).then(
      (g) => ((registered = g.resources.length), undefined),
      (err: unknown) => err,
    );
    assert.ok(e instanceof InvalidArgsError, `refused (${registered} resources planned)`);
    assert.equal(e.problems.length, 1);
    assert.equal(e.problems[0].path, "redis.sentinelAddrs");
    assert.match(e.message, /^HarborPlatform "harbor": 1 invalid argument/);
    assert.doesNotMatch(e.message, /\n\s+at /);
  });
});

const platformArgs: HarborPlatformArgs = {
  environment: "dev",
  namespace: "harbor",
  externalUrl: "https://harbor.127.0.0.1.nip.io:30443",
  storage: { kind: "filesystem", capacityGb: 20 },
  tls: { issuer: { mode: "self-signed" } },
  edge: { exposure: "nodePort", replicas: 1 },
  database: { kind: "patroni", members: 1, volumeGb: 10, cpu: 0.5, memoryGi: 1, synchronousMode: false },
  harbor: { replicas: 1, maxOpenConns: 15, maxIdleConns: 5, trivy: false },
  observability: {},
};

describe("BYO Redis: the platform with an ElastiCache endpoint", function () {
  this.timeout(120_000);
  let g: PlanGraph;
  let ours: PlanGraph;

  before(async () => {
    g = await runProgram(async () => {
      const p = new HarborPlatform("harbor", {
        ...platformArgs,
        redis: { kind: "endpoint", addr: ELASTICACHE, tls: true, passwordSecretName: "elasticache-auth" },
      });
      return { sentinels: p.redisSentinels, address: p.redisAddress };
    });
    ours = await runProgram(async () => void new HarborPlatform("harbor", platformArgs));
  });

  it("plans no RedisSentinel; Harbor's chart gets the endpoint with TLS and the AUTH token's Secret", () => {
    assert.deepEqual(g.errors, []);
    assert.equal(g.resources.filter((r) => r.type === "harbor-ha:redis:RedisSentinel").length, 0);
    assert.ok(
      ours.resources.some((r) => r.type === "harbor-ha:redis:RedisSentinel"),
      "the default runs ours",
    );
    const harbor = unwrapSecrets(g.resources.find((r) => (r.inputs as any).chart === "harbor")!.inputs) as any;
    assert.equal(harbor.values.redis.external.addr, ELASTICACHE);
    assert.deepEqual(harbor.values.redis.external.tlsOptions, { enable: true });
    assert.equal(harbor.values.redis.external.existingSecret, "elasticache-auth");
    assert.deepEqual([g.outputs.sentinels, g.outputs.address], ["", ELASTICACHE]);
  });

  it("observability watches only the Redis we run: no Redis alerts, monitors or scrape policy for the team's", () => {
    const redisBits = (graph: PlanGraph) => {
      const objs = graph.resources.map(kubernetesObject).filter(Boolean) as any[];
      const rules = objs
        .filter((o) => o.kind === "PrometheusRule")
        .flatMap((o) => o.spec.groups.flatMap((gr: any) => gr.rules.map((r: any) => r.alert)))
        .filter((a: string) => /^Redis|Sentinel/.test(a));
      const monitors = objs.filter((o) => /Monitor$/.test(o.kind) && /redis|sentinel/i.test(o.metadata.name));
      const policies = objs.filter((o) => o.kind === "NetworkPolicy" && /redis|sentinel/i.test(o.metadata.name));
      return { rules: rules.length, monitors: monitors.length, policies: policies.length };
    };
    assert.deepEqual(redisBits(g), { rules: 0, monitors: 0, policies: 0 });
    const mine = redisBits(ours);
    assert.ok(mine.rules > 0 && mine.monitors > 0, `ours is watched: ${JSON.stringify(mine)}`);
  });
});
