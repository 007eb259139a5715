/**
 * Backups and point-in-time recovery of Harbor's database (issue 15): the WAL-G environment against the
 * pinned Spilo's scripts and WAL-G's documented settings (fixtures with sources), the AWS side as planned,
 * bad values refused before any resource (component Args and stack config), the policies, and the restore
 * drill on real PostgreSQL 15 + Patroni when the Debian packages are present.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { isInputError, plan as planStack, EXIT_POLICY } from "../cli/plan";
import { kubernetesObject, runProgram, stackFilePath, unwrapSecrets } from "../engine";
import {
  backupAgeLimits,
  BACKUP_AGE_RULES,
  checkBackupArgs,
  cronMaxIntervalSeconds,
  PatroniCluster,
  PatroniClusterArgs,
  renderBackupEnv,
  renderRestoreEnv,
  SPILO_S3_ENVDIR_NAMES,
  spiloArchiveCommand,
  spiloCloneBootstrap,
  spiloS3Envdir,
  targetTimeProblem,
} from "../components/postgres";
import { ArgsChecker, InvalidArgsError, renderIrsaTrustPolicy } from "../components/conventions";
import { restoreDrillUnavailable, runRestoreDrill } from "../drills/restoreDrill";

const FIX = path.join(__dirname, "fixtures", "upstream");
const spilo = JSON.parse(fs.readFileSync(path.join(FIX, "spilo-4.0-p2", "facts.json"), "utf8")).walg;
const walg = JSON.parse(fs.readFileSync(path.join(FIX, "wal-g-v3.0.3", "settings.json"), "utf8"));
type Cfg = Record<string, any>;

const OIDC = {
  oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
  oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
};
const AWS_STORE = {
  bucket: "b",
  region: "eu-west-1",
  roleArn: "arn:aws:iam::1:role/r",
  kmsKeyArn: "arn:aws:kms:eu-west-1:1:key/k",
};
const COMPATIBLE = {
  kind: "s3-compatible" as const,
  bucket: "pg-archive",
  endpoint: "https://minio.example.com",
  region: "us-east-1",
  credentialsSecretName: "minio-creds",
};

const names = (env: { name: string }[]) => env.map((e) => e.name);
const plainEnv = (env: { name: string; value?: unknown }[]) =>
  Object.fromEntries(env.map((e) => [e.name, "value" in e ? String(e.value) : "secretRef"]));

describe("backups: the WAL-G environment against the pinned Spilo and WAL-G", () => {
  const envdirFixture = [
    ...spilo.envdirNames.s3_names,
    ...spilo.envdirNames.walg_names,
    "WALE_LOG_DESTINATION",
    "PGPORT",
    "BACKUP_NUM_TO_RETAIN",
  ];
  const spiloReads = new Set<string>([
    ...spilo.envdirNames.always,
    ...spilo.envdirNames.s3_names,
    ...spilo.envdirNames.walg_names,
    ...spilo.placeholders,
  ]);
  const walgDocumented = new Set<string>([
    ...Object.values(walg.documented as Record<string, string[]>).flat(),
    ...walg.awsSdkGoV1Environment.names,
  ]);
  // Spilo's own switches and WAL-E's endpoint form: Spilo reads them, WAL-G never sees them as settings.
  const SPILO_ONLY = new Set([
    "USE_WALG_BACKUP",
    "USE_WALG_RESTORE",
    "BACKUP_NUM_TO_RETAIN",
    "BACKUP_SCHEDULE",
    "WAL_S3_BUCKET",
    "WAL_BUCKET_SCOPE_PREFIX",
    "WALE_S3_ENDPOINT",
    "PGPORT",
    "WALE_LOG_DESTINATION",
  ]);
  const envs = {
    aws: renderBackupEnv({ target: { kind: "aws", ...OIDC } }, AWS_STORE),
    compatible: renderBackupEnv({ target: COMPATIBLE }),
    restoreIrsa: renderRestoreEnv(
      { source: { bucket: "b", scope: "harbor-db" }, targetTime: "2026-01-01T00:00:00Z" },
      { roleArn: "arn:aws:iam::1:role/r" },
    ),
    restoreSecret: renderRestoreEnv({
      source: { bucket: "b", scope: "s", endpoint: "https://m", credentialsSecretName: "c" },
    }),
  };

  it("the envdir names the drill and the tests use are Spilo's write_wale_environment lists (fixture)", () => {
    assert.deepEqual([...SPILO_S3_ENVDIR_NAMES].sort(), [...envdirFixture].sort());
  });

  for (const [which, env] of Object.entries(envs))
    it(`${which}: every variable set is one configure_spilo.py reads (CLONE_ names with Spilo's prefix rule)`, () => {
      const unread = names(env).filter((n) => !spiloReads.has(n) && !spiloReads.has(n.replace(/^CLONE_/, "")));
      assert.deepEqual(unread, []);
    });

  for (const which of ["aws", "compatible"] as const)
    it(`${which}: every setting Spilo hands to WAL-G is documented by WAL-G v3.0.3 (or its AWS SDK)`, () => {
      const reachingWalg = names(envs[which]).filter((n) => SPILO_S3_ENVDIR_NAMES.includes(n) && !SPILO_ONLY.has(n));
      assert.ok(reachingWalg.length >= 3, reachingWalg.join());
      assert.deepEqual(
        reachingWalg.filter((n) => !walgDocumented.has(n)),
        [],
      );
      // And what Spilo would drop (not in its envdir lists) must be a Spilo-only switch, never a WAL-G setting.
      assert.deepEqual(
        names(envs[which]).filter((n) => !SPILO_S3_ENVDIR_NAMES.includes(n) && !SPILO_ONLY.has(n)),
        [],
      );
    });

  it("the fixtures are what they claim: Spilo 4.0-p2 ships WAL-G v3.0.3 and archives to /bin/true without a bucket", () => {
    assert.match(spilo.walgVersion, /^v3\.0\.3/);
    assert.equal(walg.source.tag, "v3.0.3");
    const q = spilo.quotes.map((x: { text: string }) => x.text).join("\n");
    assert.match(q, /if placeholders\['USE_WALE'\] else '\/bin\/true'/);
    assert.match(q, /archive_timeout: 1800s/);
    assert.match(spilo.runitPatroniRun.text, /unset|printenv/);
  });

  it("Spilo's archive_command: /bin/true without backups (the issue's finding), WAL-G wal-push with the component's env", () => {
    assert.equal(spiloArchiveCommand({}), "/bin/true");
    assert.equal(spiloArchiveCommand({ USE_WALG_BACKUP: "true" }), "/bin/true", "no bucket, no archiving");
    for (const env of [envs.aws, envs.compatible])
      assert.equal(spiloArchiveCommand(plainEnv(env)), 'envdir "/run/etc/wal-e.d/env" wal-g wal-push "%p"');
    // Without USE_WALG_BACKUP Spilo would fall back to WAL-E, which this image's S3 setup does not configure.
    assert.match(spiloArchiveCommand({ WAL_S3_BUCKET: "b" }), / wal-e wal-push/);
  });

  it("AWS: SSE-KMS with the key, IRSA role and projected token; S3-compatible: endpoint, path style, keys from a Secret", () => {
    const aws = plainEnv(envs.aws);
    assert.equal(aws.WALG_S3_SSE, "aws:kms");
    assert.equal(aws.WALG_S3_SSE_KMS_ID, AWS_STORE.kmsKeyArn);
    assert.equal(aws.AWS_ROLE_ARN, AWS_STORE.roleArn);
    assert.equal(aws.AWS_WEB_IDENTITY_TOKEN_FILE, "/var/run/secrets/eks.amazonaws.com/serviceaccount/token");
    assert.equal(aws.AWS_ACCESS_KEY_ID, undefined, "no static key with IRSA");
    const c = plainEnv(envs.compatible);
    assert.equal(c.AWS_ENDPOINT, "https://minio.example.com");
    assert.equal(c.WALE_S3_ENDPOINT, "https+path://minio.example.com");
    assert.equal(c.AWS_ACCESS_KEY_ID, "secretRef");
    assert.equal(c.AWS_SECRET_ACCESS_KEY, "secretRef");
  });

  it("restore: Spilo's clone template recovers to just before the target time and promotes; without one, to the end", () => {
    const b = spiloCloneBootstrap(plainEnv(envs.restoreIrsa)) as any;
    assert.equal(b.method, "clone_with_wale");
    assert.deepEqual(b.clone_with_wale.recovery_conf, {
      restore_command:
        'envdir "/run/etc/wal-e.d/env-clone-harbor-db" timeout "0" /scripts/restore_command.sh "%f" "%p"',
      recovery_target_timeline: "latest",
      recovery_target_action: "promote",
      recovery_target_time: "2026-01-01T00:00:00Z",
      recovery_target_inclusive: false,
    });
    const latest = spiloCloneBootstrap(plainEnv(envs.restoreSecret)) as any;
    assert.equal(latest.clone_with_wale.recovery_conf.recovery_target_time, undefined);
    assert.equal(spiloCloneBootstrap({}), undefined);
  });

  it("target times: RFC 3339 with a zone, not in the future", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    assert.equal(targetTimeProblem("2026-05-31T23:59:00Z", now), undefined);
    assert.equal(targetTimeProblem("2026-05-31T23:59:00.123+02:00", now), undefined);
    assert.match(targetTimeProblem("2026-05-31 23:59", now)!.problem, /not an RFC 3339/);
    assert.match(targetTimeProblem("yesterday", now)!.problem, /not an RFC 3339/);
    assert.match(targetTimeProblem("2026-02-30T00:00:00Z", now)?.problem ?? "invalid", /RFC 3339|invalid/);
    assert.match(targetTimeProblem("2026-06-01T00:00:01Z", now)!.problem, /in the future/);
  });
});

describe("backups: the backup-age check's model of Spilo and of the schedule", () => {
  it("spiloS3Envdir builds the prefix with the quoted template of configure_spilo.py and copies it to WALG_S3_PREFIX", () => {
    const quote = (line: number) => spilo.quotes.find((q: { line: number }) => q.line === line).text as string;
    const template = /'(\/spilo\/[^']+)'\.format/.exec(quote(929))![1];
    assert.match(quote(929), /prefix_template = '\{0\}:\/\/\{\{WAL_\{1\}_BUCKET\}\}\{2\}'/);
    assert.match(quote(933), /wale\[write_envdir_names\[1\]\] = wale\[prefix_env_name\]/);
    const env = { ...plainEnv(renderBackupEnv({ target: COMPATIBLE })), SCOPE: "harbor-db", PGVERSION: "17" };
    const expected = `s3://${COMPATIBLE.bucket}${template.replace(/\{(\w+)\}/g, (_, n) => (env as Cfg)[n] ?? "")}`;
    const w = spiloS3Envdir(env);
    assert.equal(w.WALE_S3_PREFIX, expected);
    assert.equal(w.WALG_S3_PREFIX, "s3://pg-archive/spilo/harbor-db/wal/17");
    // The S3-compatible branch (quoted lines 844-860): path style from "+path", SSE off, region kept for WAL-G.
    assert.match(quote(844), /convention = match\.group\(2\)/);
    assert.equal(w.WALE_S3_ENDPOINT, "https+path://minio.example.com");
    assert.equal(w.AWS_ENDPOINT, "https://minio.example.com");
    assert.equal(w.AWS_S3_FORCE_PATH_STYLE, "true");
    assert.equal(w.WALG_DISABLE_S3_SSE, "true");
    assert.equal(w.WALG_S3_SSE, undefined);
    assert.equal(w.AWS_REGION, "us-east-1");
    const vhost = spiloS3Envdir({ ...env, WALE_S3_ENDPOINT: "https+virtualhost://minio.example.com" });
    assert.equal(vhost.AWS_S3_FORCE_PATH_STYLE, "false");
    // AWS: SSE as given, instance profile when no keys; every name one Spilo writes.
    const aws = spiloS3Envdir({
      ...plainEnv(renderBackupEnv({ target: { kind: "aws" } }, AWS_STORE)),
      SCOPE: "db",
      PGVERSION: "17",
    });
    assert.equal(aws.WALG_S3_PREFIX, "s3://b/spilo/db/wal/17");
    assert.equal(aws.WALG_S3_SSE, "aws:kms");
    assert.equal(aws.AWS_INSTANCE_PROFILE, "true");
    for (const n of Object.keys(aws)) assert.ok(SPILO_S3_ENVDIR_NAMES.includes(n), n);
  });

  it("cronMaxIntervalSeconds: the longest gap between runs; backupAgeLimits: two intervals plus the slack", () => {
    const day = 86400;
    assert.equal(cronMaxIntervalSeconds("0 1 * * *"), day);
    assert.equal(cronMaxIntervalSeconds("0 */6 * * *"), 6 * 3600);
    assert.equal(cronMaxIntervalSeconds("0 1,13 * * *"), 12 * 3600);
    assert.equal(cronMaxIntervalSeconds("0 22 * * 1-5"), 3 * day, "Friday to Monday");
    assert.equal(cronMaxIntervalSeconds("0 1 * * 0"), 7 * day);
    assert.equal(cronMaxIntervalSeconds("0 1 * * 7"), 7 * day, "7 is Sunday too");
    assert.equal(cronMaxIntervalSeconds("0 1 1,15 * *"), 17 * day, "the 15th to the 1st of a 31-day month");
    assert.equal(cronMaxIntervalSeconds("0 1 1 * 0"), 7 * day, "day of month OR day of week when both are set");
    // crontab(5): a month or weekday may be a name (any case), not a range or list of names.
    assert.equal(cronMaxIntervalSeconds("0 2 * * SUN"), 7 * day);
    assert.equal(cronMaxIntervalSeconds("0 2 1 jan *"), 366 * day, "a leap year");
    assert.equal(cronMaxIntervalSeconds("0 2 * * MON-FRI"), undefined, "ranges of names are not cron's");
    for (const bad of ["0 1 * *", "61 1 * * *", "0 1 31 2 *", "x 1 * * *", "0 1-0 * * *"])
      assert.equal(cronMaxIntervalSeconds(bad), undefined, bad);
    const l = backupAgeLimits("0 1 * * *")!;
    assert.equal(l.maxAgeSeconds, 2 * day + BACKUP_AGE_RULES.slackSeconds);
    assert.equal(l.alertAfterSeconds, 2 * BACKUP_AGE_RULES.checkIntervalSeconds);
    assert.equal(l.neverSucceededAfterSeconds, l.maxAgeSeconds + l.alertAfterSeconds);
    assert.equal(backupAgeLimits("0 1 31 2 *"), undefined);
    const c = new ArgsChecker("PatroniCluster", "db");
    checkBackupArgs(c, { target: COMPATIBLE, schedule: "0 1 31 2 *" }, undefined);
    assert.deepEqual(
      c.problems.map((p) => p.path),
      ["backup.schedule"],
    );
  });
});

describe("backups: PatroniCluster as planned", function () {
  this.timeout(60_000);
  const plan = async (args: PatroniClusterArgs) => {
    const graph = await runProgram(async () => {
      new PatroniCluster("db", args);
      return {};
    });
    return graph;
  };

  it("AWS target: hardened KMS bucket, lifecycle = retention, IRSA role for the members' ServiceAccount, env and token", async () => {
    const g = await plan({ namespace: "harbor", backup: { target: { kind: "aws", ...OIDC }, retentionDays: 9 } });
    assert.deepEqual(g.errors, []);
    const of = (type: string) => g.resources.filter((r) => r.type === type);
    const inputs = (type: string) => unwrapSecrets(of(type)[0]?.inputs) as any;
    assert.equal(of("aws:s3/bucket:Bucket").length, 1);
    const pab = inputs("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    for (const f of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
      assert.equal(pab[f], true, f);
    const sse = inputs("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
    assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
    assert.match(inputs("aws:s3/bucketPolicy:BucketPolicy").policy, /aws:SecureTransport/);
    assert.equal(inputs("aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration.status, "Enabled");
    const rules = inputs("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules;
    assert.equal(rules.find((r: any) => r.noncurrentVersionExpiration).noncurrentVersionExpiration.noncurrentDays, 9);
    const trust = JSON.parse(inputs("aws:iam/role:Role").assumeRolePolicy);
    const irsa = renderIrsaTrustPolicy(OIDC.oidcProviderArn, OIDC.oidcIssuerUrl, "harbor", "db") as any;
    assert.deepEqual(trust.Statement[0], irsa.Statement[0], "the conventions' IRSA trust, for SA harbor/db");
    assert.equal(trust.Statement[1].Action, "sts:AssumeRole", "WAL-G 3.0.3 assumes the role itself (wal-g#1810)");
    const policy = JSON.parse(inputs("aws:iam/rolePolicy:RolePolicy").policy);
    assert.deepEqual(
      policy.Statement.map((s: any) => s.Sid),
      ["WalgBucket", "WalgObjects", "WalgKms"],
    );
    const sts = g.resources.map((r) => kubernetesObject(r) as any).find((o) => o?.kind === "StatefulSet");
    const sa = g.resources.map((r) => kubernetesObject(r) as any).find((o) => o?.kind === "ServiceAccount");
    assert.equal(sts.spec.template.spec.serviceAccountName, sa.metadata.name);
    const env = plainEnv(sts.spec.template.spec.containers[0].env);
    assert.equal(env.USE_WALG_BACKUP, "true");
    assert.equal(env.BACKUP_NUM_TO_RETAIN, "9");
    assert.ok(env.WAL_S3_BUCKET && env.AWS_ROLE_ARN && env.WALG_S3_SSE_KMS_ID);
    const token = sts.spec.template.spec.volumes.find((v: any) => v.name === "aws-iam-token");
    assert.equal(token.projected.sources[0].serviceAccountToken.audience, "sts.amazonaws.com");
    const cm = g.resources.map((r) => kubernetesObject(r) as any).find((o) => o?.metadata?.name === "db-patroni");
    assert.equal(JSON.parse(cm.data["walg.json"]).AWS_ROLE_SESSION_NAME, "db-walg");
    const dcs = JSON.parse(cm.data["dcs.json"]).postgresql.parameters;
    assert.equal(dcs.archive_mode, "on");
    assert.equal(dcs.archive_timeout, "60s");
  });

  it("S3-compatible target: no AWS resource, credentials only by secretKeyRef; no backup: Spilo's defaults untouched", async () => {
    const g = await plan({ backup: { target: COMPATIBLE } });
    assert.deepEqual(g.errors, []);
    assert.deepEqual(
      g.resources.filter((r) => r.type.startsWith("aws:")),
      [],
    );
    const sts = g.resources.map((r) => kubernetesObject(r) as any).find((o) => o?.kind === "StatefulSet");
    const key = sts.spec.template.spec.containers[0].env.find((e: any) => e.name === "AWS_SECRET_ACCESS_KEY");
    assert.deepEqual(key.valueFrom.secretKeyRef, { name: "minio-creds", key: "AWS_SECRET_ACCESS_KEY" });
    const none = await plan({});
    const cm = none.resources.map((r) => kubernetesObject(r) as any).find((o) => o?.metadata?.name === "db-patroni");
    assert.equal(JSON.parse(cm.data["dcs.json"]).postgresql.parameters.archive_timeout, undefined);
  });

  it("backup-age check: a CronJob with the members' WAL-G settings as Spilo writes them, its limit from the schedule", async () => {
    const g = await plan({
      namespace: "harbor",
      backup: { target: { kind: "aws", ...OIDC }, schedule: "30 2 * * *" },
    });
    assert.deepEqual(g.errors, []);
    const objects = g.resources.map((r) => kubernetesObject(r) as any).filter(Boolean);
    const cron = objects.find((o) => o.kind === "CronJob");
    assert.equal(cron.metadata.name, "db-backup-age");
    assert.equal(cron.spec.schedule, BACKUP_AGE_RULES.checkSchedule);
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const sa = objects.find((o) => o.kind === "ServiceAccount");
    assert.equal(pod.serviceAccountName, sa.metadata.name, "the IRSA role trusts the members' account");
    assert.equal(pod.automountServiceAccountToken, false, "no Kubernetes API token (Patroni's Role)");
    const c = pod.containers[0];
    assert.deepEqual(c.command, ["python3", "/scripts/backup-age.py"], "nothing but the script in argv");
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    assert.equal(Number(env.MAX_BACKUP_AGE_SECONDS), backupAgeLimits("30 2 * * *")!.maxAgeSeconds);
    assert.equal(Number(env.MAX_BACKUP_AGE_SECONDS), 2 * 86400 + BACKUP_AGE_RULES.slackSeconds);
    assert.ok(pod.volumes.some((v: any) => v.name === "aws-iam-token"));
    const envCm = objects.find((o) => o.metadata?.name === c.envFrom[0].configMapRef.name);
    assert.equal(envCm.data.WALG_S3_PREFIX, `s3://${envCm.data.WALG_S3_PREFIX.split("/")[2]}/spilo/db/wal/17`);
    assert.equal(envCm.data.AWS_INSTANCE_PROFILE, "true");
    assert.ok(envCm.data.AWS_ROLE_ARN && envCm.data.WALG_S3_SSE_KMS_ID && envCm.data.AWS_WEB_IDENTITY_TOKEN_FILE);
    const scripts = objects.find((o) => o.metadata?.name === "db-jobs");
    assert.match(scripts.data["backup-age.py"], /"backup-list", "--detail", "--json"/);
    // S3-compatible: keys stay secretKeyRefs, never in the ConfigMap.
    const h = await plan({ backup: { target: COMPATIBLE } });
    const ho = h.resources.map((r) => kubernetesObject(r) as any).filter(Boolean);
    const hc = ho.find((o) => o.kind === "CronJob").spec.jobTemplate.spec.template.spec.containers[0];
    const key = hc.env.find((e: any) => e.name === "AWS_SECRET_ACCESS_KEY");
    assert.deepEqual(key.valueFrom.secretKeyRef, { name: "minio-creds", key: "AWS_SECRET_ACCESS_KEY" });
    const hcm = ho.find((o) => o.metadata?.name === hc.envFrom[0].configMapRef.name);
    assert.equal(hcm.data.AWS_SECRET_ACCESS_KEY, undefined);
    assert.equal(hcm.data.AWS_INSTANCE_PROFILE, undefined, "keys given: no instance profile (Spilo's rule)");
    assert.equal(hcm.data.WALG_S3_PREFIX, "s3://pg-archive/spilo/db/wal/17");
    // No backups: no check.
    const none = await plan({});
    assert.equal(none.resources.filter((r) => r.type.endsWith("CronJob")).length, 0);
  });

  it("every bad value is refused before any resource, all at once, each naming the Arg and the fix", async () => {
    let captured = -1;
    await assert.rejects(
      async () => {
        const g = await runProgram(async () => {
          new PatroniCluster("db", {
            backup: { target: { kind: "aws", bucketName: "Bad_Bucket", ...OIDC }, retentionDays: 0 },
            restore: { targetTime: "2999-01-01T00:00:00Z" } as any,
          });
          return {};
        });
        captured = g.resources.length;
      },
      (e: Error) => {
        assert.ok(e instanceof InvalidArgsError || /invalid argument/.test(e.message), e.message);
        for (const p of ["backup.retentionDays", "backup.target.bucketName", "restore.source", "restore.targetTime"])
          assert.match(e.message, new RegExp(`- ${p.replace(".", "\\.")}: .*Fix: `), `${p} in:\n${e.message}`);
        assert.match(e.message, /in the future/);
        return true;
      },
    );
    assert.equal(captured, -1, "nothing planned");
    const c = new ArgsChecker("PatroniCluster", "db");
    checkBackupArgs(c, undefined, { source: { bucket: "ok-bucket", scope: "db" }, targetTime: "last tuesday" });
    assert.deepEqual(
      c.problems.map((p) => p.path),
      ["restore.targetTime"],
    );
    // Used alone, an AWS target needs the OIDC provider (HarborPlatform fills it in for a cluster it creates).
    const noOidc = new ArgsChecker("PatroniCluster", "db");
    checkBackupArgs(noOidc, { target: { kind: "aws" } }, undefined);
    assert.deepEqual(
      noOidc.problems.map((p) => p.path),
      ["backup.target"],
    );
  });
});

describe("backups: stack config and policies", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-backups-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const variant = (stack: string, edit: (c: Cfg) => void) => {
    const doc = parse(fs.readFileSync(stackFilePath(stack), "utf8"));
    edit(doc.config);
    const file = path.join(dir, `Pulumi.${stack}-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, stringify(doc));
    return file;
  };

  const BAD: [string, (c: Cfg) => void, string, RegExp][] = [
    [
      "retention < 1",
      (c) => (c["harbor-ha:backups"].retentionDays = 0),
      "harbor-ha:backups.retentionDays",
      /too small: it must be at least 1/,
    ],
    [
      "invalid bucket",
      (c) => (c["harbor-ha:backups"].bucketName = "Harbor_Backups"),
      "harbor-ha:backups.bucketName",
      /bucket names/,
    ],
    [
      "target time in the future",
      (c) =>
        (c["harbor-ha:backups"].restore = {
          source: { bucket: "b-archive", scope: "harbor-db" },
          targetTime: "2999-01-01T00:00:00Z",
        }),
      "harbor-ha:backups.restore.targetTime",
      /in the future/,
    ],
    [
      "target time not RFC 3339",
      (c) =>
        (c["harbor-ha:backups"].restore = {
          source: { bucket: "b-archive", scope: "harbor-db" },
          targetTime: "01/12/2026 10:00",
        }),
      "harbor-ha:backups.restore.targetTime",
      /RFC 3339/,
    ],
    [
      "restore without a source",
      (c) => (c["harbor-ha:backups"].restore = { targetTime: "2026-01-01T00:00:00Z" }),
      "harbor-ha:backups.restore.source",
      /archive to restore from/,
    ],
    [
      "s3 without the cluster's OIDC provider",
      (c) => delete c["harbor-ha:cluster"].oidcProviderArn,
      "harbor-ha:backups.target",
      /IRSA/,
    ],
  ];
  for (const [name, edit, key, what] of BAD)
    it(`refuses before any resource: ${name}`, async () => {
      const e = await planStack("prod", { configFile: variant("prod", edit) }).then(
        () => assert.fail("planned"),
        (err: Error) => err,
      );
      assert.ok(isInputError(e) && e.name === "StackConfigError", `${e.name}: ${e.message}`);
      const lines = e.message.split("\n").filter((l) => l.includes(`${key}:`));
      assert.equal(lines.length, 1, e.message);
      assert.match(lines[0], what);
      assert.match(lines[0], /Fix: /);
      assert.doesNotMatch(e.message, /\n\s+at /);
    });

  it("prod without backups, with 3 days or a 300 s archive timeout: mandatory violations naming the fix", async () => {
    for (const [edit, re] of [
      [(c: Cfg) => delete c["harbor-ha:backups"], /harbor-database-backups.*no WAL archiving/],
      [(c: Cfg) => (c["harbor-ha:backups"].retentionDays = 3), /BACKUP_NUM_TO_RETAIN is 3 days; required: at least 7/],
      [(c: Cfg) => (c["harbor-ha:backups"].archiveTimeoutSeconds = 300), /archive_timeout 300s; required: .*<= 60s/],
    ] as [(c: Cfg) => void, RegExp][]) {
      const r = await planStack("prod", { configFile: variant("prod", edit) });
      const m = r.violations.filter((v) => v.enforcementLevel === "mandatory");
      assert.ok(
        m.some((v) => re.test(`${v.policy}: ${v.message}`)),
        m.map((v) => `${v.policy}: ${v.message}`).join("\n"),
      );
      assert.equal(r.exitCode, EXIT_POLICY);
    }
  });

  it("dev turns backups off with an advisory, not a refusal", async () => {
    const r = await planStack("dev");
    const v = r.violations.filter((x) => x.policy === "harbor-database-backups");
    assert.equal(v.length, 1);
    assert.equal(v[0].enforcementLevel, "advisory");
    assert.equal(r.exitCode, 0);
  });
});

describe("backups: restore drill (real PostgreSQL 15 + Patroni)", () => {
  it("DROP TABLE at T, restore to just before T: every row before T back, none after, under 60 s", async function () {
    this.timeout(80_000); // the drill's own budget is 58 s
    const why = restoreDrillUnavailable();
    if (why) {
      console.log(`      drill skipped: ${why}`);
      this.skip();
    }
    const r = await runRestoreDrill();
    console.log(
      `      restore drill: ${r.restoredBeforeT}/${r.rowsBeforeT} rows before T, ${r.rowsAfterTFound} after; RPO to T ${r.rpoToTargetMs} ms; archive lag ${r.archiveLagSeconds.toFixed(1)} s (archive_timeout ${r.archiveTimeoutSeconds} s); restore ${r.restoreSeconds.toFixed(1)} s for ${(r.restoredBytes / 1024 ** 2).toFixed(0)} MiB (${r.secondsPerGiB.toFixed(0)} s/GiB); drill ${r.totalSeconds.toFixed(1)} s`,
    );
    assert.ok(r.rowsBeforeT > 0);
    assert.equal(r.restoredBeforeT, r.rowsBeforeT, "every row committed before T is back");
    assert.equal(r.rowsAfterTFound, 0, "nothing after T");
    assert.ok(r.archiveLagSeconds <= r.archiveTimeoutSeconds + 5, `archive lag ${r.archiveLagSeconds} s`);
    // The backup-age check's rendered script on the stand-in's `backup-list --detail --json`.
    console.log(`      backup-age check: ${r.backupAgeCheck.output}`);
    assert.deepEqual(
      { none: r.backupAgeCheck.none, fresh: r.backupAgeCheck.fresh, backdated: r.backupAgeCheck.backdated },
      { none: 1, fresh: 0, backdated: 1 },
    );
    assert.ok(r.totalSeconds < 60, `drill took ${r.totalSeconds} s`);
  });
});
