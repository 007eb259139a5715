import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { CapturedResource, kubernetesObject, PlanGraph, redact, runProgram, unwrapSecrets } from "../engine";
import {
  RedisSentinel,
  RedisSentinelArgs,
  RedisTopology,
  redisTopology,
  renderRedisConf,
  renderRedisStartScript,
  renderSentinelConf,
  renderSentinelStartScript,
  sentinelAddrList,
} from "../components/redis";
import { InvalidArgsError } from "../components/conventions";

const topo: RedisTopology = {
  masterSet: "harbor",
  redis: [0, 1, 2].map((i) => ({ host: `r-${i}.r.ns.svc.cluster.local`, port: 6379 })),
  sentinels: [0, 1, 2].map((i) => ({ host: `s-${i}.s.ns.svc.cluster.local`, port: 26379 })),
  quorum: 2,
};
const lines = (s: string) => s.trim().split("\n");

describe("Redis config renderers", () => {
  it("redis.conf announces the stable name, bounds partition loss, never holds a password", () => {
    const c = lines(renderRedisConf({ self: topo.redis[1], maxmemoryMb: 1638, replicas: 2 }));
    assert.ok(c.includes("replica-announce-ip r-1.r.ns.svc.cluster.local"));
    assert.ok(c.includes("replica-announce-port 6379"));
    assert.ok(c.includes("min-replicas-to-write 1") && c.includes("min-replicas-max-lag 10"));
    assert.ok(c.includes("maxmemory 1638mb") && c.includes("maxmemory-policy noeviction"));
    assert.ok(!c.some((l) => /^(requirepass|masterauth)\b/.test(l)));
    const single = lines(renderRedisConf({ self: topo.redis[0], maxmemoryMb: 200, replicas: 0 }));
    assert.ok(
      !single.some((l) => l.startsWith("min-replicas-to-write")),
      "a lone master must not refuse writes for want of replicas",
    );
  });

  it("sentinel.conf uses host names, monitors the bootstrap master with the quorum, and requires no password", () => {
    const c = lines(
      renderSentinelConf({ ...topo, self: topo.sentinels[2], downAfterMs: 4000, failoverTimeoutMs: 30000 }),
    );
    for (const l of [
      "sentinel resolve-hostnames yes",
      "sentinel announce-hostnames yes",
      "sentinel announce-ip s-2.s.ns.svc.cluster.local",
      "port 26379",
    ])
      assert.ok(c.includes(l), l);
    assert.ok(c.includes("sentinel monitor harbor r-0.r.ns.svc.cluster.local 6379 2"));
    assert.ok(c.includes("sentinel down-after-milliseconds harbor 4000"));
    assert.ok(c.includes("sentinel failover-timeout harbor 30000"));
    assert.ok(
      !c.some((l) => /requirepass|auth-pass|masterauth/.test(l)),
      "no password in the rendered file (auth-pass is added at start)",
    );
    assert.ok(
      lines(renderSentinelConf({ ...topo, self: topo.sentinels[0] })).includes(
        "sentinel down-after-milliseconds harbor 5000",
      ),
    );
  });

  it("sentinelAddrList is Harbor's redis.external.addr format", () => {
    assert.equal(
      sentinelAddrList(topo),
      "s-0.s.ns.svc.cluster.local:26379,s-1.s.ns.svc.cluster.local:26379,s-2.s.ns.svc.cluster.local:26379",
    );
  });

  describe("start scripts (run with a fake redis-cli that plays the sentinels)", () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "redis-start-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** Runs a rendered start script; the fake server prints the final config instead of serving it. */
    function run(kind: "redis" | "sentinel", self: number, sentinelAnswer: string | undefined) {
      const cli = join(dir, "cli");
      writeFileSync(
        cli,
        sentinelAnswer === undefined
          ? "#!/bin/sh\nexit 1\n"
          : `#!/bin/sh\nprintf '${sentinelAnswer.replace(" ", "\\n")}\\n'\n`,
      );
      const server = join(dir, "server");
      writeFileSync(server, '#!/bin/sh\ncat "$1"\n');
      chmodSync(cli, 0o755);
      chmodSync(server, 0o755);
      const source = join(dir, "rendered.conf");
      const target = join(dir, "run.conf");
      const args = { ...topo, source, target, cli, server, askRounds: 1 };
      writeFileSync(
        source,
        kind === "redis"
          ? renderRedisConf({ self: topo.redis[self], maxmemoryMb: 100, replicas: 2 })
          : renderSentinelConf({ ...topo, self: topo.sentinels[self] }),
      );
      const script =
        kind === "redis"
          ? renderRedisStartScript({ ...args, self: topo.redis[self] })
          : renderSentinelStartScript({ ...args, self: topo.sentinels[self] });
      writeFileSync(join(dir, "start.sh"), script);
      const r = spawnSync("sh", [join(dir, "start.sh")], {
        env: { PATH: process.env.PATH, REDIS_PASSWORD: "s3cret-pw" },
        encoding: "utf8",
        timeout: 10000,
      });
      assert.equal(r.status, 0, r.stderr);
      return { out: r.stdout, conf: lines(readFileSync(target, "utf8")), script };
    }

    it("a restarted node joins the master the sentinels report, even the former bootstrap master", () => {
      const r = run("redis", 0, "r-2.r.ns.svc.cluster.local 6379");
      assert.equal(r.conf.filter((l) => l.startsWith("replicaof")).length, 1);
      assert.ok(r.conf.includes("replicaof r-2.r.ns.svc.cluster.local 6379"), r.out);
      assert.ok(r.conf.includes("requirepass s3cret-pw") && r.conf.includes("masterauth s3cret-pw"));
      assert.ok(!r.script.includes("s3cret-pw"), "the password comes from the environment only");
    });

    it("the node the sentinels name as master starts as master", () => {
      const r = run("redis", 2, "r-2.r.ns.svc.cluster.local 6379");
      assert.ok(!r.conf.some((l) => l.startsWith("replicaof")), r.out);
    });

    it("with no sentinel answering (a new set) only the first node starts as master", () => {
      assert.ok(!run("redis", 0, undefined).conf.some((l) => l.startsWith("replicaof")));
      assert.ok(run("redis", 1, undefined).conf.includes("replicaof r-0.r.ns.svc.cluster.local 6379"));
    });

    it("a sentinel monitors the master its peers know and gets auth-pass, not requirepass", () => {
      const r = run("sentinel", 1, "r-1.r.ns.svc.cluster.local 6379");
      assert.ok(r.conf.includes("sentinel monitor harbor r-1.r.ns.svc.cluster.local 6379 2"), r.conf.join("\n"));
      assert.ok(r.conf.includes("sentinel auth-pass harbor s3cret-pw"));
      assert.ok(!r.conf.some((l) => l.startsWith("requirepass")));
      const fresh = run("sentinel", 0, undefined);
      assert.ok(fresh.conf.includes("sentinel monitor harbor r-0.r.ns.svc.cluster.local 6379 2"));
    });
  });
});

describe("RedisSentinel under the engine", () => {
  const dev: RedisSentinelArgs = {
    namespace: "harbor",
    replicas: 1,
    sentinels: 1,
    quorum: 1,
    memoryGi: 0.25,
    cpu: 0.25,
  };
  const prod: RedisSentinelArgs = {
    namespace: "harbor",
    replicas: 3,
    sentinels: 3,
    quorum: 2,
    memoryGi: 4,
    storageClass: "gp3",
    clientPodSelector: { app: "harbor" },
    placement: { tier: "db" },
    requireZoneSpread: true,
  };

  async function plan(
    args: RedisSentinelArgs,
  ): Promise<{ graph: PlanGraph; k8s: (kind: string, name?: string) => any; all: CapturedResource[] }> {
    const graph = await runProgram(
      async () => {
        const r = new RedisSentinel("cache", args);
        return {
          sentinelAddrs: r.sentinelAddrs,
          masterSet: r.masterSet,
          passwordSecretName: r.passwordSecretName,
          podSelector: r.podSelector,
        };
      },
      { stack: "test" },
    );
    const k8s = (kind: string, name?: string) =>
      graph.resources
        .map((r) => kubernetesObject(r) as any)
        .find((o) => o && o.kind === kind && (!name || o.metadata.name === name));
    return { graph, k8s, all: graph.resources };
  }
  const matches = (sel: Record<string, string>, l: Record<string, string>) =>
    Object.entries(sel).every(([k, v]) => l[k] === v);

  for (const [label, args] of [
    ["dev-like (1 redis / 1 sentinel)", dev],
    ["prod-like (3 / 3, quorum 2)", prod],
  ] as const) {
    it(`${label}: schema-valid, no leaks; sets, zones, PDBs, NetworkPolicy and outputs`, async () => {
      const { graph, k8s } = await plan(args);
      assert.deepEqual(graph.errors, []);
      const redis = k8s("StatefulSet", "cache-redis");
      const sentinel = k8s("StatefulSet", "cache-sentinel");
      assert.equal(redis.spec.replicas, args.replicas);
      assert.equal(sentinel.spec.replicas, args.sentinels);
      for (const s of [redis, sentinel]) {
        const pod = s.spec.template.spec;
        assert.match(pod.containers[0].image, /^redis:7\.\d+\.\d+/);
        assert.ok(pod.topologySpreadConstraints.some((t: any) => t.topologyKey === "topology.kubernetes.io/zone"));
        assert.deepEqual(pod.containers[0].env, [
          { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "cache-auth", key: "REDIS_PASSWORD" } } },
        ]);
        const pdb = k8s("PodDisruptionBudget", s.metadata.name);
        assert.equal(pdb.spec.maxUnavailable, 1);
        assert.ok(matches(pdb.spec.selector.matchLabels, s.spec.template.metadata.labels));
      }
      const o = graph.outputs as any;
      // Harbor's addr: one entry per sentinel pod, each the pod's stable DNS name under the headless Service.
      const addrs = o.sentinelAddrs.split(",");
      assert.equal(addrs.length, args.sentinels);
      addrs.forEach((a: string, i: number) =>
        assert.equal(a, `cache-sentinel-${i}.${sentinel.spec.serviceName}.harbor.svc.cluster.local:26379`),
      );
      assert.equal(k8s("Service", sentinel.spec.serviceName).spec.clusterIP, "None");
      assert.equal(o.masterSet, "harbor");
      const secret = k8s("Secret", o.passwordSecretName);
      assert.deepEqual(Object.keys(secret.stringData), ["REDIS_PASSWORD"]);
      assert.ok(
        matches(o.podSelector, redis.spec.template.metadata.labels) &&
          matches(o.podSelector, sentinel.spec.template.metadata.labels),
      );

      const np = k8s("NetworkPolicy", "cache-clients");
      assert.deepEqual(np.spec.policyTypes, ["Ingress"]);
      assert.deepEqual(np.spec.podSelector.matchLabels, o.podSelector);
      assert.equal(np.spec.ingress.length, 1);
      assert.deepEqual(np.spec.ingress[0].ports.map((p: any) => p.port).sort(), [26379, 6379]);
      assert.deepEqual(np.spec.ingress[0].from, [
        { podSelector: { matchLabels: args.clientPodSelector ?? { app: "harbor" } } },
        { podSelector: { matchLabels: o.podSelector } },
      ]);

      // One config + start script per pod, each announcing its own name.
      const cm = k8s("ConfigMap", "cache-config");
      assert.equal(Object.keys(cm.data).length, 2 * ((args.replicas ?? 3) + (args.sentinels ?? 3)));
      assert.ok(
        cm.data["cache-redis-0.conf"].includes(
          "replica-announce-ip cache-redis-0.cache-redis.harbor.svc.cluster.local",
        ),
      );
      assert.equal(cm.data["cache-redis-0.conf"].includes("min-replicas-to-write 1"), (args.replicas ?? 3) > 1);
      assert.ok(
        cm.data[`cache-sentinel-0.conf`].includes(
          `sentinel monitor harbor cache-redis-0.cache-redis.harbor.svc.cluster.local 6379 ${args.quorum}`,
        ),
      );
      assert.match(redis.spec.template.spec.containers[0].command.join(" "), /start-\$\(hostname\)\.sh/);
      // Each pod's start script asks this set's sentinels (Harbor's addr list) before it starts the
      // daemon, and compares the answer with its own stable name.
      for (let i = 0; i < (args.replicas ?? 3); i++) {
        const script: string = cm.data[`start-cache-redis-${i}.sh`];
        assert.ok(script.includes(`for s in ${o.sentinelAddrs.split(",").join(" ")}; do`), script);
        assert.ok(script.indexOf("current_master; then") < script.indexOf("exec redis-server"));
        assert.ok(
          script.includes(`[ "$1" = "cache-redis-${i}.cache-redis.harbor.svc.cluster.local" ] && [ "$2" = "6379" ]`),
        );
      }
    });
  }

  it("prod-like: the password is a pulumi secret and appears in no other object", async () => {
    const { k8s, all } = await plan(prod);
    const secretRes = all.find((r) => (kubernetesObject(r) as any)?.kind === "Secret")!;
    assert.equal((redact(secretRes.inputs) as any).stringData, "[secret]");
    const pw = (unwrapSecrets(secretRes.inputs) as any).stringData.REDIS_PASSWORD as string;
    assert.ok(pw.length >= 16);
    // Every input of every other resource, Kubernetes or not.
    for (const r of all.filter((r) => r !== secretRes))
      assert.ok(!JSON.stringify(unwrapSecrets(r.inputs)).includes(pw), `${r.type} ${r.name}`);
    // Zones are required in prod: a set whose pods cannot spread waits rather than stacking in one zone.
    for (const set of ["cache-redis", "cache-sentinel"]) {
      const zone = k8s("StatefulSet", set).spec.template.spec.topologySpreadConstraints.find(
        (t: any) => t.topologyKey === "topology.kubernetes.io/zone",
      );
      assert.equal(zone.whenUnsatisfiable, "DoNotSchedule", set);
      assert.equal(zone.maxSkew, 1);
    }
    assert.deepEqual(k8s("StatefulSet", "cache-redis").spec.template.spec.nodeSelector, { "harbor-ha.io/tier": "db" });
    assert.equal(k8s("StatefulSet", "cache-redis").spec.volumeClaimTemplates[0].spec.storageClassName, "gp3");
  });

  it("redisTopology names pods after their StatefulSet and headless Service", () => {
    const t = redisTopology("c", { namespace: "n", replicas: 2, sentinels: 3 });
    assert.deepEqual(
      t.redis.map((e) => e.host),
      ["c-redis-0.c-redis.n.svc.cluster.local", "c-redis-1.c-redis.n.svc.cluster.local"],
    );
    assert.equal(t.sentinels.length, 3);
  });

  it("refuses invalid Args with one error listing every problem", () => {
    let err: unknown;
    try {
      new RedisSentinel("bad", {
        replicas: 0,
        sentinels: 1,
        quorum: 2,
        memoryGi: 0.01,
        masterSet: "a b",
        clientPodSelector: {},
      });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof InvalidArgsError, String(err));
    assert.deepEqual((err as InvalidArgsError).problems.map((p) => p.path).sort(), [
      "clientPodSelector",
      "masterSet",
      "memoryGi",
      "quorum",
      "replicas",
    ]);
    assert.match((err as Error).message, /quorum: 2 is more than the 1 sentinels/);
  });
});
