import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { CapturedResource, kubernetesObject, PlanGraph, redact, runProgram, unwrapSecrets } from "../engine";
import {
  checkPatroniTiming,
  budgetOf,
  computeConnectionBudget,
  connectionBudgetProblems,
  DbPool,
  maxConnectionsForMemory,
  poolDemand,
  poolsExceedBudget,
  POSTGRES_MAX_CONNECTIONS_LIMIT,
  RESERVED_ROLE_NAMES,
  reservedConnections,
  reservedRoleProblem,
  memoryParameters,
  PatroniCluster,
  PatroniClusterArgs,
  PatroniConfigArgs,
  PatroniConfigError,
  PATRONI_KUBERNETES_DCS_RULES,
  poolExceedsBudget,
  renderClusterPatroniConfig,
  renderApplyDcsScript,
  renderHarborDbScript,
  renderPatroniConfig,
  sharedSpiloConfig,
  spiloDeepUpdate,
  spiloEffectiveConfig,
  spiloTemplateDefaults,
} from "../components/postgres";
import { InvalidArgsError } from "../components/conventions";
import { NODE_TIER_LABEL } from "../components/conventions/labels";

const member = (host: string) => ({
  name: "m0",
  restApiListen: `${host}:8008`,
  restApiConnect: `${host}:8008`,
  postgresListen: `${host}:5432`,
  postgresConnect: `${host}:5432`,
  dataDir: "/d",
  pgpass: "/p",
});
const base: Omit<PatroniConfigArgs, "dcs" | "member"> = { scope: "db", memoryGi: 16, maxConnections: 630, members: 3 };
type Cfg = Record<string, any>;

describe("renderPatroniConfig", () => {
  it("enforces loop_wait + 2*retry_timeout <= ttl with a message saying how to fix it", () => {
    assert.equal(checkPatroniTiming(), undefined, "Patroni's defaults 30/10/10 pass");
    assert.equal(
      checkPatroniTiming({ ttl: 10, loopWait: 2, retryTimeout: 4 }),
      undefined,
      "the boundary (2 + 8 = 10) passes",
    );
    const p = checkPatroniTiming({ ttl: 25 });
    assert.match(p!, /10 \+ 2 \* 10 = 30 > ttl 25/);
    assert.match(p!, /raise ttl to at least 30/);
    assert.throws(
      () =>
        renderPatroniConfig({
          ...base,
          timing: { ttl: 20, loopWait: 5, retryTimeout: 8 },
          dcs: { type: "etcd3", hosts: ["e:2379"] },
          member: member("h"),
        }),
      (e: Error) => e instanceof PatroniConfigError && /loop_wait \+ 2 \* retry_timeout must be <= ttl/.test(e.message),
    );
    assert.match(checkPatroniTiming({ ttl: 0 })!, /ttl must be a positive integer/);
  });

  it("puts the DCS-only parameters in bootstrap.dcs, sized from members and memory", () => {
    const c = renderPatroniConfig({ ...base, dcs: { type: "etcd3", hosts: ["e:2379"] }, member: member("h") }) as Cfg;
    const dcs = c.bootstrap.dcs;
    assert.deepEqual([dcs.ttl, dcs.loop_wait, dcs.retry_timeout, dcs.synchronous_mode], [30, 10, 10, true]);
    const p = dcs.postgresql.parameters;
    assert.equal(p.max_connections, 630);
    assert.equal(p.wal_level, "replica");
    assert.equal(p.wal_log_hints, "on");
    assert.ok(p.max_wal_senders >= 3 && p.max_replication_slots >= 3);
    assert.equal(p.shared_buffers, undefined, "shared_buffers is local (Spilo's local value would beat the DCS)");
    assert.equal(c.postgresql.parameters.shared_buffers, "4096MB", "25 % of 16 GiB");
    assert.equal(p.effective_cache_size, "12288MB");
    assert.equal(dcs.failsafe_mode, true);
    assert.deepEqual(Object.keys(c.postgresql.parameters), ["shared_buffers"], "nothing DCS-only in local parameters");
    const small = renderPatroniConfig({
      ...base,
      memoryGi: 1,
      maxConnections: 70,
      dcs: { type: "etcd3", hosts: ["e:2379"] },
      member: member("h"),
    }) as Cfg;
    assert.equal(small.postgresql.parameters.shared_buffers, "256MB");
    assert.ok(parseInt(memoryParameters(1, 10000).work_mem) >= 4, "work_mem never below 4MB");
    assert.ok(parseInt(memoryParameters(64, 100).maintenance_work_mem) <= 2048);
  });

  it("differs between the cluster (kubernetes) and drill (etcd3) flavours only in DCS, addresses and TLS", () => {
    const k = renderPatroniConfig({
      ...base,
      dcs: {
        type: "kubernetes",
        labels: { application: "spilo" },
        scopeLabel: "cluster-name",
        roleLabel: "spilo-role",
        leaderLabelValue: "master",
      },
      member: member("db-0.db-members"),
    }) as Cfg;
    const e = renderPatroniConfig({
      ...base,
      requireSsl: false,
      dcs: { type: "etcd3", hosts: ["127.0.0.1:2379"] },
      member: member("127.0.0.1"),
    }) as Cfg;
    assert.deepEqual(k.bootstrap.dcs, e.bootstrap.dcs);
    assert.deepEqual(k.postgresql.authentication, e.postgresql.authentication);
    assert.equal(k.kubernetes.use_endpoints, false);
    assert.equal(k.kubernetes.leader_label_value, "master");
    assert.deepEqual(e.etcd3, { hosts: ["127.0.0.1:2379"] });
    assert.ok(k.postgresql.pg_hba.every((l: string) => l.startsWith("local") || l.startsWith("hostssl")));
    assert.ok(e.postgresql.pg_hba.some((l: string) => l.startsWith("host ")));
  });

  it("never renders a password (Patroni takes them from PATRONI_*_PASSWORD env)", () => {
    const { config } = renderClusterPatroniConfig("db", {});
    const keys: string[] = [];
    const walk = (v: unknown): void => {
      if (v && typeof v === "object")
        for (const [key, val] of Object.entries(v)) {
          keys.push(key);
          walk(val);
        }
    };
    walk(config);
    assert.ok(!keys.includes("password"), `keys: ${keys.join(",")}`);
    assert.deepEqual(Object.keys((config as Cfg).postgresql.authentication).sort(), [
      "replication",
      "rewind",
      "superuser",
    ]);
  });

  it("shares one config among members: member identity is left to Spilo", () => {
    const { config } = renderClusterPatroniConfig("db", { namespace: "x" }, 2);
    assert.equal((config as Cfg).name, "db-2");
    assert.equal((config as Cfg).postgresql.connect_address, "db-2.db-members.x.svc.cluster.local:5432");
    const shared = sharedSpiloConfig(config) as Cfg;
    assert.equal(shared.name, undefined);
    assert.equal(shared.postgresql.connect_address, undefined);
    assert.equal(shared.restapi.connect_address, undefined);
    assert.deepEqual(shared.bootstrap, (config as Cfg).bootstrap);
  });
});

describe("the configuration Spilo really runs (Spilo 4.0-p2's merge, modelled)", () => {
  // Lines quoted from Spilo 4.0-p2's configure_spilo.py (file and line numbers in the fixture), not its code.
  const spiloFacts = JSON.parse(readFileSync(join(__dirname, "fixtures/upstream/spilo-4.0-p2/facts.json"), "utf8"));
  const quotes: string[] = spiloFacts["postgres-appliance/scripts/configure_spilo.py"].quotes.map(
    (q: { text: string }) => q.text,
  );
  const fixture = quotes.join("\n");
  const ours = () =>
    sharedSpiloConfig(renderClusterPatroniConfig("db", { memoryGi: 16, members: 3 }).config) as Record<string, any>;
  const effective = () =>
    spiloEffectiveConfig(ours(), { memoryMiB: 16 * 1024, bypassApiService: false, useConfigmaps: true }) as any;

  it("models configure_spilo.py's deep_update: dicts merge, our list replaces Spilo's, our scalar wins", () => {
    assert.match(fixture, /config = deep_update\(user_config_copy, config\)/);
    assert.match(fixture, /if type\(a\) is list and type\(b\) is list:\n\s+return a/);
    assert.deepEqual(
      spiloDeepUpdate({ l: [1], d: { x: 1 }, s: "ours" }, { l: [2, 3], d: { y: 2 }, s: "spilo", t: 4 }),
      {
        l: [1],
        d: { x: 1, y: 2 },
        s: "ours",
        t: 4,
      },
    );
    assert.equal(spiloDeepUpdate(null, 5), 5);
  });

  it("the modelled Spilo defaults are the fixture's", () => {
    const d = spiloTemplateDefaults({ memoryMiB: 16384 }) as any;
    for (const line of [
      "log_statement: 'ddl'",
      "log_min_duration_statement: 500",
      "max_wal_senders: 10",
      "maximum_lag_on_failover: 33554432",
      "local   replication     {{PGUSER_STANDBY}}                    trust",
      "hostssl replication     {{PGUSER_STANDBY}} all                md5",
      "shared_buffers: {{postgresql.parameters.shared_buffers}}",
      "use_unix_socket_repl: true",
    ])
      assert.ok(fixture.includes(line), line);
    assert.match(fixture, /sb_ratio = 5 if USE_KUBERNETES else 4/);
    assert.match(fixture, /setdefault\('KUBERNETES_BYPASS_API_SERVICE', 'true'\)/);
    assert.equal(d.postgresql.parameters.shared_buffers, "3276MB", "16 GiB / 5");
    assert.equal(d.bootstrap.dcs.postgresql.parameters.log_statement, "ddl");
    assert.ok(d.postgresql.pg_hba.includes("local   replication     standby                    trust"));
  });

  it("the effective config is what we intend: replication lines, local shared_buffers, failsafe, our DCS", () => {
    const e = effective();
    // Our pg_hba replaced Spilo's whole: it must carry the replication lines itself (local and host).
    assert.deepEqual(e.postgresql.pg_hba, ours().postgresql.pg_hba);
    assert.ok(e.postgresql.pg_hba.includes("local replication standby trust"));
    assert.ok(e.postgresql.pg_hba.some((l: string) => /^hostssl replication standby \S+ scram-sha-256$/.test(l)));
    assert.ok(e.bootstrap.pg_hba.includes("local replication standby trust"));
    // shared_buffers: ours (25 % of 16 GiB) wins over Spilo's local 20 %.
    assert.equal(e.postgresql.parameters.shared_buffers, "4096MB");
    assert.equal(e.bootstrap.dcs.postgresql.parameters.shared_buffers, undefined);
    assert.equal(e.bootstrap.dcs.failsafe_mode, true);
    assert.equal(
      e.bootstrap.dcs.postgresql.parameters.max_connections,
      ours().bootstrap.dcs.postgresql.parameters.max_connections,
    );
    assert.equal(e.bootstrap.dcs.maximum_lag_on_failover, ours().bootstrap.dcs.maximum_lag_on_failover);
    assert.equal(e.kubernetes.use_endpoints, false);
    assert.equal(e.kubernetes.bypass_api_service, undefined, "KUBERNETES_BYPASS_API_SERVICE=false");
    // Spilo's log_statement stays: the DB Job must turn it off for its session (next describe).
    assert.equal(e.bootstrap.dcs.postgresql.parameters.log_statement, "ddl");
    // Control: without our replication lines Spilo's would be lost (the bug).
    const bare = ours();
    bare.postgresql.pg_hba = ["local all all trust", "hostssl all all 0.0.0.0/0 scram-sha-256"];
    const broken = spiloEffectiveConfig(bare, { memoryMiB: 16384 }) as any;
    assert.ok(!broken.postgresql.pg_hba.some((l: string) => /replication/.test(l)));
  });
});

describe("connection budget", () => {
  const harbor = (replicas: number, maxOpenConns: number, metrics = true): DbPool[] => [
    { component: "core", replicas, maxOpenConns },
    { component: "jobservice", replicas, maxOpenConns },
    ...(metrics ? [{ component: "exporter", replicas, maxOpenConns }] : []),
  ];

  it("covers (core + jobservice + exporter) x (replicas + rolling surge) x maxOpenConns plus the reserve", () => {
    for (const [replicas, conns, members] of [
      [1, 20, 1],
      [2, 100, 3],
      [3, 100, 3],
      [10, 900, 5],
    ]) {
      const b = computeConnectionBudget({ pools: harbor(replicas, conns), members });
      // Kubernetes' default maxSurge (25 %, rounded up) of each Deployment runs beside the old pods.
      const peak = 3 * (replicas + Math.ceil(replicas / 4)) * conns;
      assert.equal(b.peakDemand, peak);
      assert.ok(b.availableForApplications >= peak, `${replicas}x${conns}: ${JSON.stringify(b)}`);
      assert.equal(b.maxConnections - b.reserved, b.availableForApplications);
      assert.equal(b.reserved, reservedConnections(members));
      assert.equal(b.maxConnections % 10, 0);
    }
    // The prod: 3 replicas x 100 = 900 steady across the three pools, 1200 during a roll.
    assert.deepEqual(poolDemand(harbor(3, 100)), {
      steady: 900,
      peak: 1200,
      terms: ["core (3 + 1 surge) x 100", "jobservice (3 + 1 surge) x 100", "exporter (3 + 1 surge) x 100"],
    });
    assert.equal(poolDemand([{ component: "core", replicas: 4, maxOpenConns: 10, maxSurge: 0 }]).peak, 40);
    const three = computeConnectionBudget({ pools: harbor(2, 100), members: 3 });
    assert.ok(three.reserved > computeConnectionBudget({ pools: harbor(2, 100), members: 1 }).reserved);
    assert.equal(
      computeConnectionBudget({ pools: harbor(2, 100), members: 3, adminHeadroom: 50 }).reserved,
      three.reserved + 30,
    );
  });

  it("bounds max_connections by PostgreSQL's limit and by the member's memory, with a fix", () => {
    assert.equal(POSTGRES_MAX_CONNECTIONS_LIMIT, 262143);
    // The example: maxOpenConns 100000 once rendered max_connections 600030.
    const huge = connectionBudgetProblems({ pools: harbor(2, 100000), members: 3, memoryGi: 4096 });
    assert.equal(huge.length, 1);
    assert.match(huge[0].problem, /needs max_connections 900030, above PostgreSQL's limit of 262143/);
    assert.match(huge[0].problem, /core \(2 \+ 1 surge\) x 100000 \+ jobservice/);
    // Memory: N x (2 MiB backend + 4 MiB work_mem floor) within 75 % of memory => N <= MiB / 8.
    assert.equal(maxConnectionsForMemory(16), 2048);
    assert.equal(maxConnectionsForMemory(1), 128);
    const small = connectionBudgetProblems({ pools: harbor(2, 100), members: 3, memoryGi: 1 });
    assert.equal(small.length, 1);
    assert.match(small[0].problem, /more than a 1 GiB member carries \(128/);
    assert.match(small[0].fix, /at least 8 GiB/);
    assert.deepEqual(connectionBudgetProblems({ pools: harbor(2, 100), members: 3, memoryGi: 16 }), []);
  });

  it("says when Harbor's pools exceed a fixed budget (an existing database)", () => {
    const b = budgetOf(603);
    assert.equal(b.availableForApplications, 603 - 23);
    assert.equal(poolsExceedBudget(harbor(1, 90), b), undefined);
    assert.match(
      poolsExceedBudget(harbor(3, 100), b)!,
      /core \(3 \+ 1 surge\) x 100 \+ jobservice \(3 \+ 1 surge\) x 100 \+ exporter \(3 \+ 1 surge\) x 100 = 1200 at the peak of a rolling update, exceed the 580/,
    );
    assert.match(poolExceedsBudget(6, 100, b)!, /6 pods x 100 connections = 600 exceeds/);
  });

  it("refuses Spilo's and PostgreSQL's own roles as Harbor's user; the list covers what Spilo 4.0-p2 creates", () => {
    for (const u of ["postgres", "standby", "admin", "zalandos", "robot_zmon", "cron_admin", "Postgres", "pg_monitor"])
      assert.ok(reservedRoleProblem(u), u);
    assert.equal(reservedRoleProblem("harbor"), undefined);
    assert.match(reservedRoleProblem("su", ["su"])!, /keeps for itself/);
    // Every role name Spilo reserves (placeholders) or creates (post_init.sh) is in the list.
    const facts = JSON.parse(readFileSync(join(__dirname, "fixtures/upstream/spilo-4.0-p2/facts.json"), "utf8"));
    const spilo = new Set<string>([
      ...(Object.values(facts["postgres-appliance/scripts/configure_spilo.py"].roleDefaults) as string[]),
      ...(facts["postgres-appliance/scripts/post_init.sh"].createdRoles as string[]),
    ]);
    assert.ok(spilo.size >= 6, [...spilo].join(","));
    assert.deepEqual(
      [...spilo].filter((r) => !(RESERVED_ROLE_NAMES as readonly string[]).includes(r)),
      [],
    );
  });
});

describe("PatroniCluster under the engine", () => {
  const devArgs: PatroniClusterArgs = {
    namespace: "harbor",
    members: 1,
    memoryGi: 1,
    cpu: 0.5,
    volumeGb: 10,
    storageClass: "standard",
    synchronousMode: false,
    clientPool: { pods: 2, maxOpenConns: 20 },
  };
  const prodArgs: PatroniClusterArgs = {
    namespace: "harbor",
    members: 3,
    memoryGi: 32,
    cpu: 6,
    volumeGb: 1024,
    storageClass: "gp3",
    clientPool: { pods: 6, maxOpenConns: 100 },
    placement: { tier: "db" },
    requireZoneSpread: true,
  };

  async function plan(
    args: PatroniClusterArgs,
  ): Promise<{ graph: PlanGraph; k8s: (kind: string, name?: string) => any; all: CapturedResource[] }> {
    const graph = await runProgram(
      async () => {
        const c = new PatroniCluster("db", args);
        return {
          host: c.host,
          readOnlyHost: c.readOnlyHost,
          port: c.port,
          database: c.database,
          user: c.user,
          passwordSecretName: c.passwordSecretName,
          sslmode: c.sslmode,
          maxConnections: c.maxConnections,
          connectionBudget: c.connectionBudget,
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

  for (const [label, args, members] of [
    ["dev-like (1 member)", devArgs, 1],
    ["prod-like (3 members)", prodArgs, 3],
  ] as const) {
    it(`${label}: schema-valid, no leaks, members/PDB/services/RBAC/volumes/resources`, async () => {
      const { graph, k8s } = await plan(args);
      assert.deepEqual(graph.errors, []);
      const sts = k8s("StatefulSet", "db");
      assert.equal(sts.spec.replicas, members);
      const pod = sts.spec.template.spec;
      const labels = sts.spec.template.metadata.labels;
      assert.ok(pod.topologySpreadConstraints.some((t: any) => t.topologyKey === "topology.kubernetes.io/zone"));
      assert.equal(
        pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey,
        "kubernetes.io/hostname",
      );
      const vct = sts.spec.volumeClaimTemplates[0];
      assert.equal(vct.spec.storageClassName, args.storageClass);
      assert.equal(vct.spec.resources.requests.storage, `${args.volumeGb}Gi`);
      const c = pod.containers[0];
      assert.match(c.image, /^ghcr\.io\/zalando\/spilo-17:\d/);
      assert.deepEqual(c.resources.requests, { cpu: `${args.cpu}`, memory: `${args.memoryGi}Gi` });
      assert.deepEqual(c.resources.limits, c.resources.requests);
      // Every password env var comes from a Secret.
      for (const e of c.env.filter((e: any) => /PASSWORD/.test(e.name))) assert.ok(e.valueFrom?.secretKeyRef, e.name);
      assert.ok(c.env.find((e: any) => e.name === "SPILO_CONFIGURATION").valueFrom.configMapKeyRef);

      const pdb = k8s("PodDisruptionBudget", "db");
      assert.equal(pdb.spec.maxUnavailable, 1);
      const matches = (sel: Record<string, string>, l: Record<string, string>) =>
        Object.entries(sel).every(([k, v]) => l[k] === v);
      assert.ok(matches(pdb.spec.selector.matchLabels, labels));
      const rw = k8s("Service", "db-rw");
      const ro = k8s("Service", "db-ro");
      assert.equal(rw.spec.selector["spilo-role"], "master");
      assert.equal(ro.spec.selector["spilo-role"], "replica");
      // Both select this cluster's pods once Patroni adds the role label.
      assert.ok(
        matches({ ...rw.spec.selector, "spilo-role": undefined as any }, { ...labels, "spilo-role": undefined as any }),
      );
      assert.equal(k8s("Service", "db-members").spec.clusterIP, "None");
      assert.equal(sts.spec.serviceName, "db-members");

      const role = k8s("Role", "db");
      // Exactly what Patroni's Kubernetes DCS needs (field notes), spelled out here rather than
      // compared with the component's own constant.
      assert.deepEqual(role.rules, [
        {
          apiGroups: [""],
          resources: ["configmaps"],
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
        },
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "patch", "update"] },
      ]);
      assert.deepEqual(role.rules, PATRONI_KUBERNETES_DCS_RULES, "the exported rules are the ones applied");
      assert.ok(
        !role.rules.some(
          (r: any) =>
            r.verbs.includes("*") || r.resources.some((x: string) => ["secrets", "endpoints", "services"].includes(x)),
        ),
      );
      assert.ok(!role.rules.some((r: any) => r.resources.includes("pods") && r.verbs.includes("create")));
      // The pods: a grace period for a switchover and a checkpoint, the switchover before SIGTERM,
      // memory-backed /dev/shm, Spilo's version and API-server settings pinned.
      const podSpec = sts.spec.template.spec;
      const spilo = podSpec.containers[0];
      assert.ok(podSpec.terminationGracePeriodSeconds >= 300);
      const preStop = spilo.lifecycle.preStop.exec.command.join(" ");
      assert.match(preStop, /curl -fsS -o \/dev\/null http:\/\/localhost:8008\/primary/);
      assert.match(preStop, /-X POST .*http:\/\/localhost:8008\/switchover/);
      assert.deepEqual(podSpec.volumes.find((v: any) => v.name === "dshm").emptyDir, { medium: "Memory" });
      assert.ok(spilo.volumeMounts.some((m: any) => m.name === "dshm" && m.mountPath === "/dev/shm"));
      const env = Object.fromEntries(spilo.env.filter((e: any) => "value" in e).map((e: any) => [e.name, e.value]));
      assert.equal(env.PGVERSION, "17");
      assert.equal(env.KUBERNETES_BYPASS_API_SERVICE, "false");
      const binding = k8s("RoleBinding", "db");
      assert.deepEqual(binding.subjects, [
        { kind: "ServiceAccount", name: pod.serviceAccountName, namespace: "harbor" },
      ]);

      // The ConfigMap carries the rendered config: budgeted max_connections, no secrets.
      const cm = k8s("ConfigMap", "db-patroni");
      const cfg = parse(cm.data["patroni.yaml"]);
      assert.equal(cfg.bootstrap.dcs.postgresql.parameters.max_connections, graph.outputs.maxConnections);
      assert.equal(cfg.bootstrap.dcs.synchronous_mode, args.synchronousMode ?? true);
      // Memory settings follow the pod's memory request: 25 % shared_buffers, 75 % effective_cache_size.
      assert.equal(cfg.postgresql.parameters.shared_buffers, `${args.memoryGi! * 1024 * 0.25}MB`);
      assert.equal(cfg.bootstrap.dcs.postgresql.parameters.effective_cache_size, `${args.memoryGi! * 1024 * 0.75}MB`);
      assert.equal(cfg.bootstrap.dcs.postgresql.parameters.max_wal_senders >= members, true);
      assert.equal(cfg.kubernetes.use_endpoints, false);
      assert.equal(JSON.parse(cm.data["dcs.json"]).postgresql.parameters.max_connections, graph.outputs.maxConnections);
    });
  }

  it("prod-like: pinned to the db tier; outputs per the contract; passwords only in Secrets", async () => {
    const { graph, k8s, all } = await plan(prodArgs);
    const pod = k8s("StatefulSet", "db").spec.template.spec;
    assert.deepEqual(pod.nodeSelector, { [NODE_TIER_LABEL]: "db" });
    assert.equal(
      pod.topologySpreadConstraints.find((t: any) => t.topologyKey === "topology.kubernetes.io/zone").whenUnsatisfiable,
      "DoNotSchedule",
    );
    const o = graph.outputs as any;
    assert.equal(o.host, "db-rw.harbor.svc.cluster.local");
    assert.equal(o.readOnlyHost, "db-ro.harbor.svc.cluster.local");
    assert.deepEqual([o.port, o.database, o.user, o.sslmode], [5432, "registry", "harbor", "require"]);
    assert.ok(o.connectionBudget.availableForApplications >= 600);
    assert.equal(o.connectionBudget.maxConnections, o.maxConnections);
    const harborSecret = k8s("Secret", o.passwordSecretName);
    assert.ok(harborSecret, "passwordSecretName names the Secret");
    const secretRes = all.find((r) => (kubernetesObject(r) as any)?.metadata?.name === o.passwordSecretName)!;
    assert.equal((redact(secretRes.inputs) as any).stringData, "[secret]", "kept as a pulumi secret");
    assert.deepEqual(Object.keys((unwrapSecrets(secretRes.inputs) as any).stringData), ["password"]);
    // No plaintext password anywhere outside Secrets (and none in the Job's script).
    const passwords = all
      .filter((r) => (kubernetesObject(r) as any)?.kind === "Secret")
      .flatMap((r) => Object.values((unwrapSecrets(r.inputs) as any).stringData) as string[]);
    assert.equal(passwords.length, 3);
    // Every input of every other resource, Kubernetes or not (ConfigMaps, Jobs, random resources...).
    for (const r of all.filter((r) => (kubernetesObject(r) as any)?.kind !== "Secret")) {
      const text = JSON.stringify(unwrapSecrets(r.inputs));
      for (const p of passwords) assert.ok(!text.includes(p), `${r.type} ${r.name} contains a password`);
    }
    const job = k8s("Job", "db-harbor-db").spec.template.spec.containers[0];
    assert.deepEqual(job.env.find((e: any) => e.name === "HARBOR_PASSWORD").valueFrom.secretKeyRef, {
      name: o.passwordSecretName,
      key: "password",
    });
    assert.equal(job.env.find((e: any) => e.name === "PGHOST").value, o.host);
    // The Jobs hold the superuser's password and need no Kubernetes API token.
    const jobs = all.map((r) => kubernetesObject(r) as any).filter((x) => x?.kind === "Job");
    assert.ok(jobs.length >= 2);
    for (const j of jobs) assert.equal(j.spec.template.spec.automountServiceAccountToken, false, j.metadata.name);
  });

  it("re-applies the dynamic config after bootstrap: the apply-dcs Job is named after the config's hash", async () => {
    const jobName = async (a: PatroniClusterArgs) =>
      (await plan(a)).graph.resources
        .map((r) => kubernetesObject(r) as any)
        .find((o) => o?.kind === "Job" && o.metadata.name.startsWith("db-apply-dcs-")).metadata.name;
    const a = await jobName({ memoryGi: 16 });
    assert.equal(await jobName({ memoryGi: 16, cpu: 8 }), a, "cpu is not part of the DCS config");
    assert.notEqual(await jobName({ memoryGi: 32 }), a, "shared_buffers changed");
    assert.notEqual(
      await jobName({ memoryGi: 16, clientPool: { pods: 10, maxOpenConns: 100 } }),
      a,
      "max_connections changed",
    );
    assert.match(renderApplyDcsScript(), /curl -fsS -X PATCH .*\/config"/);
  });

  it("creates Harbor's role and database idempotently", () => {
    const s = renderHarborDbScript("registry", "harbor");
    assert.match(s, /WHERE NOT EXISTS \(SELECT 1 FROM pg_roles WHERE rolname = :'user'\)\\gexec/);
    assert.match(s, /WHERE NOT EXISTS \(SELECT 1 FROM pg_database WHERE datname = :'db'\)\\gexec/);
    assert.match(s, /ON_ERROR_STOP=1/);
    // The password: read by psql from the environment, never in argv nor in a logged statement.
    assert.doesNotMatch(s.split("<<'SQL'")[0], /HARBOR_PASSWORD|pw=/, "no password on psql's command line");
    const sql = s.split("<<'SQL'")[1].split("\n").filter(Boolean);
    const at = (re: RegExp) => sql.findIndex((l) => re.test(l));
    assert.ok(at(/^\\getenv pw HARBOR_PASSWORD$/) > 0);
    for (const off of [
      /^SET log_statement = 'none';$/,
      /^SET log_min_duration_statement = -1;$/,
      /^SET log_min_error_statement = 'panic';$/,
    ])
      assert.ok(at(off) >= 0 && at(off) < at(/PASSWORD :'pw'/), String(off));
  });

  it("accepts a single member (HA minimums are the policy pack's job) but refuses < 1, listing every problem at once", () => {
    let err: unknown;
    try {
      new PatroniCluster("bad", {
        members: 0,
        memoryGi: 0.1,
        cpu: 0,
        timing: { ttl: 20 },
        database: "Bad-Name",
        clientPool: { pods: 0, maxOpenConns: 10 },
      });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof InvalidArgsError, String(err));
    const paths = (err as InvalidArgsError).problems.map((p) => p.path).sort();
    assert.deepEqual(paths, ["clientPool.pods", "cpu", "database", "members", "memoryGi", "timing"]);
    assert.match((err as Error).message, /PatroniCluster "bad": 6 invalid arguments/);
  });

  it("refuses Spilo's own roles as Harbor's user and pools PostgreSQL or the member cannot carry, before any resource", () => {
    const problems = (args: PatroniClusterArgs) => {
      try {
        new PatroniCluster("bad", args);
      } catch (e) {
        assert.ok(e instanceof InvalidArgsError, String(e));
        return e.problems.map((p) => `${p.path}: ${p.problem}`);
      }
      return [];
    };
    for (const user of ["postgres", "standby", "admin", "robot_zmon", "zalandos"])
      assert.deepEqual(
        problems({ user }).map((p) => p.split(":")[0]),
        ["user"],
        user,
      );
    const limit = problems({
      clientPools: [
        { component: "core", replicas: 2, maxOpenConns: 100000 },
        { component: "jobservice", replicas: 2, maxOpenConns: 100000 },
      ],
      memoryGi: 4096,
    });
    assert.equal(limit.length, 1);
    assert.match(limit[0], /^clientPools: .*needs max_connections 600030, above PostgreSQL's limit of 262143/);
    const memory = problems({ memoryGi: 1 });
    assert.equal(memory.length, 1);
    assert.match(memory[0], /^clientPools: .*more than a 1 GiB member carries/);
    assert.deepEqual(problems({ memoryGi: 1, clientPool: { pods: 2, maxOpenConns: 20 } }), []);
    assert.deepEqual(
      problems({ clientPools: [{ component: "core", replicas: -1, maxOpenConns: 0 }] }).map((p) => p.split(":")[0]),
      ["clientPools[0].replicas", "clientPools[0].maxOpenConns"],
    );
  });

  it("a single-member cluster plans", async () => {
    const { graph, k8s } = await plan({ members: 1 });
    assert.deepEqual(graph.errors, []);
    assert.equal(k8s("StatefulSet", "db").spec.replicas, 1);
  });
});

describe("PatroniCluster network access", () => {
  it("admits clients to PostgreSQL only, and Patroni's unauthenticated API only to members and jobs", async () => {
    const { runProgram, unwrapSecrets } = await import("../engine");
    const { PatroniCluster } = await import("../components/postgres");
    const g = await runProgram(async () => {
      new PatroniCluster("db", { namespace: "harbor", members: 3, clientPodSelector: { app: "harbor" } });
    });
    assert.deepEqual(g.errors, []);
    const policy = unwrapSecrets(
      g.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")!.inputs,
    ) as any;
    const sts = unwrapSecrets(g.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!.inputs) as any;
    assert.deepEqual(policy.spec.podSelector.matchLabels, sts.spec.selector.matchLabels);
    const byPort = (port: number) => policy.spec.ingress.find((i: any) => i.ports.some((p: any) => p.port === port));
    assert.ok(byPort(5432).from.some((f: any) => f.podSelector.matchLabels.app === "harbor"));
    assert.ok(
      !byPort(8008).from.some((f: any) => f.podSelector.matchLabels.app === "harbor"),
      "clients never reach the Patroni API",
    );
    // Job pods do not carry the members' selector (Services, PDB and spread count members only).
    for (const job of g.resources.filter((r) => r.type === "kubernetes:batch/v1:Job")) {
      const labels = (unwrapSecrets(job.inputs) as any).spec.template.metadata.labels;
      const selects = Object.entries(sts.spec.selector.matchLabels).every(([k, v]) => labels[k] === v);
      assert.ok(!selects, `${job.name}'s pods must not match the members' selector`);
    }
  });
});
