import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { CapturedResource, kubernetesObject, PlanGraph, redact, runProgram, unwrapSecrets } from "../engine";
import {
  REDIS_IMAGE,
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

  describe("start scripts (run with a fake redis-cli that plays the sentinels and the nodes)", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "redis-start-"));
      mkdirSync(join(dir, "answers"));
      mkdirSync(join(dir, "data"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const PW = "s3cret-pw";
    /** What a sentinel answers to get-master-addr-by-name. */
    const sentinelSays = (i: number, master: string) =>
      writeFileSync(
        join(dir, "answers", `s-${i}.s.ns.svc.cluster.local:26379.SENTINEL`),
        master.replace(" ", "\n") + "\n",
      );
    /** What a Redis node answers to INFO replication. */
    const nodeSays = (i: number, fields: Record<string, string | number>) =>
      writeFileSync(
        join(dir, "answers", `r-${i}.r.ns.svc.cluster.local:6379.INFO`),
        Object.entries(fields)
          .map(([k, v]) => `${k}:${v}\r\n`)
          .join(""),
      );
    const r = (i: number) => `r-${i}.r.ns.svc.cluster.local`;

    /** Runs a rendered start script; the fake server prints the final config instead of serving it. */
    function run(kind: "redis" | "sentinel", self: number, opts: { askRounds?: number; maxRounds?: number } = {}) {
      const cli = join(dir, "cli");
      // Answers from answers/<host>:<port>.<SENTINEL|INFO>; logs argv and whether REDISCLI_AUTH was set.
      writeFileSync(
        cli,
        [
          "#!/bin/sh",
          `echo "$* auth=\${REDISCLI_AUTH:-none}" >> "${dir}/calls"`,
          "while [ $# -gt 0 ]; do case $1 in -h) h=$2; shift 2;; -p) p=$2; shift 2;; --*) shift;; *) break;; esac; done",
          `f="${dir}/answers/$h:$p.$1"`,
          '[ -f "$f" ] || exit 1',
          'cat "$f"',
        ].join("\n") + "\n",
      );
      const server = join(dir, "server");
      writeFileSync(server, '#!/bin/sh\ncat "$1"\n');
      chmodSync(cli, 0o755);
      chmodSync(server, 0o755);
      const source = join(dir, "rendered.conf");
      const target = join(dir, "data", kind === "redis" ? "redis.conf" : "sentinel.conf");
      const args = {
        ...topo,
        source,
        target,
        cli,
        server,
        askRounds: opts.askRounds ?? 1,
        maxRounds: opts.maxRounds ?? 3,
      };
      writeFileSync(
        source,
        kind === "redis"
          ? renderRedisConf({ self: topo.redis[self], maxmemoryMb: 100, replicas: 2 })
          : renderSentinelConf({ ...topo, self: topo.sentinels[self], downAfterMs: 4000 }),
      );
      const script =
        kind === "redis"
          ? renderRedisStartScript({ ...args, self: topo.redis[self] })
          : renderSentinelStartScript({ ...args, self: topo.sentinels[self] });
      writeFileSync(join(dir, "start.sh"), script);
      const res = spawnSync("sh", [join(dir, "start.sh")], {
        env: { PATH: process.env.PATH, REDIS_PASSWORD: PW, REDISCLI_AUTH: PW },
        encoding: "utf8",
        timeout: 20000,
      });
      let calls: string[] = [];
      try {
        calls = lines(readFileSync(join(dir, "calls"), "utf8"));
      } catch {
        /* no call made */
      }
      return {
        status: res.status,
        out: res.stdout + res.stderr,
        conf: res.status === 0 ? lines(res.stdout) : [],
        script,
        calls,
      };
    }
    const replicaOf = (c: string[]) => c.filter((l) => l.startsWith("replicaof"));

    it("a restarted node joins the master the sentinels report, once that node confirms it is master", () => {
      sentinelSays(0, `${r(2)} 6379`);
      nodeSays(2, { role: "master", master_repl_offset: 900, connected_slaves: 1 });
      const res = run("redis", 0);
      assert.equal(res.status, 0, res.out);
      assert.deepEqual(replicaOf(res.conf), [`replicaof ${r(2)} 6379`]);
      assert.ok(res.conf.includes(`requirepass ${PW}`) && res.conf.includes(`masterauth ${PW}`));
      assert.ok(!res.script.includes(PW), "the password comes from the environment only");
      // The password never reaches argv; nodes get it through REDISCLI_AUTH, sentinels get none.
      assert.ok(res.calls.length > 0);
      for (const c of res.calls) {
        assert.ok(!c.split(" auth=")[0].includes(PW), c);
        assert.match(c, c.includes("SENTINEL") ? / auth=none$/ : new RegExp(` auth=${PW}$`));
      }
    });

    it("the node the sentinels name as master starts as master when no other node is master", () => {
      sentinelSays(1, `${r(2)} 6379`);
      nodeSays(0, { role: "slave", master_host: r(2), master_port: 6379, master_link_status: "down" });
      const res = run("redis", 2);
      assert.equal(res.status, 0, res.out);
      assert.deepEqual(replicaOf(res.conf), [], res.out);
    });

    it("a stale sentinel naming a replica is ignored: the node follows the real master (issue #14's stale election)", () => {
      // After a failover to r-1 the sentinels were replaced and one monitors r-0, now a replica.
      sentinelSays(0, `${r(0)} 6379`);
      nodeSays(0, {
        role: "slave",
        master_host: r(1),
        master_port: 6379,
        master_link_status: "up",
        slave_repl_offset: 500,
      });
      nodeSays(1, { role: "master", master_repl_offset: 510, connected_slaves: 1 });
      const res = run("redis", 2);
      assert.equal(res.status, 0, res.out);
      assert.deepEqual(replicaOf(res.conf), [`replicaof ${r(1)} 6379`], res.out);
      assert.match(res.out, /names r-0\S+:6379, a replica: ignored/);
    });

    it("with no sentinel answering, the master with the highest offset wins (a replica's view counts)", () => {
      nodeSays(1, { role: "master", master_repl_offset: 100, connected_slaves: 0 });
      nodeSays(2, { role: "master", master_repl_offset: 500, connected_slaves: 1 });
      assert.deepEqual(replicaOf(run("redis", 0).conf), [`replicaof ${r(2)} 6379`]);
      // r-2 does not answer us, but r-1's replica link to it is up: the replica's view counts.
      rmSync(join(dir, "answers", `${r(2)}:6379.INFO`));
      nodeSays(1, {
        role: "slave",
        master_host: r(2),
        master_port: 6379,
        master_link_status: "up",
        slave_repl_offset: 450,
      });
      assert.deepEqual(replicaOf(run("redis", 0).conf), [`replicaof ${r(2)} 6379`]);
    });

    it("a sentinel naming a silent node while another node is master means a failover is under way: wait", () => {
      sentinelSays(0, `${r(0)} 6379`);
      nodeSays(2, { role: "master", master_repl_offset: 700, connected_slaves: 0 });
      const res = run("redis", 1, { maxRounds: 2 });
      assert.equal(res.status, 1, res.out);
      assert.match(res.out, /does not answer, while r-2\S+ 6379 is master: waiting/);
      assert.match(res.out, /no master of harbor found after 2 rounds/);
    });

    it("nobody answering: only the first node of a brand-new set (no data) bootstraps; a node with data waits", () => {
      const fresh = run("redis", 0, { askRounds: 2, maxRounds: 5 });
      assert.equal(fresh.status, 0, fresh.out);
      assert.deepEqual(replicaOf(fresh.conf), []);
      assert.match(fresh.out, /this node has no data: bootstrapping/);
      // The second node never bootstraps, whatever happens: it waits for a master.
      const second = run("redis", 1, { maxRounds: 2 });
      assert.equal(second.status, 1, second.out);
      assert.doesNotMatch(second.out, /bootstrapping/);
      // The first node with data (a restart) never assumes it is the master either.
      mkdirSync(join(dir, "data", "appendonlydir"));
      const restarted = run("redis", 0, { askRounds: 1, maxRounds: 3 });
      assert.equal(restarted.status, 1, restarted.out);
      assert.doesNotMatch(restarted.out, /bootstrapping/);
    });

    it("a sentinel without state monitors the master the nodes report and waits while nobody knows one", () => {
      const none = run("sentinel", 1, { maxRounds: 2 });
      assert.equal(none.status, 1, "no guessed master: it waits");
      nodeSays(1, { role: "master", master_repl_offset: 10, connected_slaves: 2 });
      const res = run("sentinel", 1);
      assert.equal(res.status, 0, res.out);
      assert.ok(res.conf.includes(`sentinel monitor harbor ${r(1)} 6379 2`), res.conf.join("\n"));
      assert.ok(res.conf.includes(`sentinel auth-pass harbor ${PW}`));
      assert.ok(!res.conf.some((l) => l.startsWith("requirepass")));
    });

    it("a restarted sentinel keeps its state (master, epochs, peers) and takes the rendered settings and current password", () => {
      writeFileSync(
        join(dir, "data", "sentinel.conf"),
        [
          "port 26379",
          `sentinel monitor harbor ${r(2)} 6379 2`,
          "sentinel down-after-milliseconds harbor 9999",
          "sentinel auth-pass harbor old-password",
          "sentinel myid 0123456789abcdef0123456789abcdef01234567",
          "sentinel config-epoch harbor 7",
          "sentinel leader-epoch harbor 7",
          "sentinel current-epoch 7",
          `sentinel known-replica harbor ${r(0)} 6379`,
          "sentinel known-sentinel harbor s-0.s.ns.svc.cluster.local 26379 aaaa",
        ].join("\n") + "\n",
      );
      // Nobody answers: the kept state alone decides.
      const res = run("sentinel", 1);
      assert.equal(res.status, 0, res.out);
      for (const l of [
        `sentinel monitor harbor ${r(2)} 6379 2`,
        "sentinel down-after-milliseconds harbor 4000",
        "sentinel myid 0123456789abcdef0123456789abcdef01234567",
        "sentinel config-epoch harbor 7",
        "sentinel current-epoch 7",
        `sentinel known-replica harbor ${r(0)} 6379`,
        `sentinel auth-pass harbor ${PW}`,
      ])
        assert.ok(res.conf.includes(l), `${l}\n${res.conf.join("\n")}`);
      assert.ok(!res.conf.some((l) => l.includes("old-password") || l.includes("9999")));
      assert.equal(res.conf.filter((l) => l.startsWith("sentinel monitor")).length, 1);
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
        assert.equal(pod.containers[0].image, REDIS_IMAGE);
        assert.ok(pod.topologySpreadConstraints.some((t: any) => t.topologyKey === "topology.kubernetes.io/zone"));
        const fromSecret = (name: string) => ({
          name,
          valueFrom: { secretKeyRef: { name: "cache-auth", key: "REDIS_PASSWORD" } },
        });
        const role = s === redis ? "redis" : "sentinel";
        // Sentinels get the password only for auth-pass; redis-cli (probes) reads REDISCLI_AUTH on Redis pods.
        assert.deepEqual(
          pod.containers[0].env,
          role === "redis"
            ? [fromSecret("REDIS_PASSWORD"), fromSecret("REDISCLI_AUTH")]
            : [fromSecret("REDIS_PASSWORD")],
        );
        const probe = pod.containers[0].readinessProbe.exec.command.join(" ");
        assert.ok(!/-a |--pass|\$REDIS_PASSWORD/.test(probe), probe);
        // Both sets keep state on a PersistentVolume (a sentinel's: the master it monitors, its epochs).
        assert.equal(pod.volumes.filter((v: any) => v.emptyDir).length, 0);
        assert.equal(s.spec.volumeClaimTemplates[0].metadata.name, "data");
        assert.ok(pod.containers[0].volumeMounts.some((m: any) => m.name === "data" && m.mountPath === "/data"));
        assert.equal(s.spec.volumeClaimTemplates[0].spec.storageClassName, args.storageClass);
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
        assert.ok(script.indexOf("m=$(find_master)") < script.indexOf("exec redis-server"));
        assert.ok(script.includes(`self="cache-redis-${i}.cache-redis.harbor.svc.cluster.local:6379"`));
        // Every node is asked, by its stable name; only the first node has a bootstrap branch.
        assert.ok(
          script.includes(
            `for n in ${redisTopology("cache", { ...args, namespace: args.namespace as string | undefined })
              .redis.map((e) => `${e.host}:${e.port}`)
              .join(" ")}; do`,
          ),
        );
        assert.equal(script.includes("bootstrapping a new set"), i === 0);
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
