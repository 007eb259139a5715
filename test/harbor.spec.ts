import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { HarborRelease, renderHarborValues, checkHarborValues, HarborValuesArgs } from "../components/harbor";
import { ArgsChecker, InvalidArgsError } from "../components/conventions";
import { runProgram, runStack, unwrapSecrets, PlanGraph, CapturedResource } from "../engine";

const KEYS_FILE = path.join(__dirname, "..", "..", "shared", "reference", "harbor-helm-1.19.2", "values-keys.txt");
const CHART_KEYS = new Set(fs.readFileSync(KEYS_FILE, "utf8").split("\n").map((l) => l.trim()).filter(Boolean));
/** Maps whose content the chart passes through as-is (their keys are the user's). */
const FREE_FORM = ["resources", "affinity", "annotations", "labels", "nodeSelector", "tolerations", "podAnnotations", "podLabels", "extraEnvVars", "topologySpreadConstraints", "containerSecurityContext", "hosts"];

/** Every leaf path set in `values`, stopping at free-form maps and lists. */
function valuePaths(v: unknown, prefix = ""): string[] {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return [prefix];
    return Object.entries(v as Record<string, unknown>).flatMap(([k, e]) => {
        const p = prefix ? `${prefix}.${k}` : k;
        return FREE_FORM.includes(k) ? [p] : valuePaths(e, p);
    });
}

export const sampleArgs: HarborValuesArgs = {
    externalUrl: "https://harbor.example.com",
    database: { host: "db-rw.harbor.svc.cluster.local", port: 5432, username: "harbor", coreDatabase: "registry", passwordSecretName: "db-harbor", sslmode: "require" },
    databaseAvailableConnections: 400,
    maxOpenConns: 100,
    maxIdleConns: 50,
    redis: { sentinelAddrs: "s-0:26379,s-1:26379,s-2:26379", masterSet: "harbor", passwordSecretName: "redis-auth" },
    storage: { type: "s3", bucket: "b", region: "eu-west-1", encrypt: true, keyId: "arn:aws:kms:eu-west-1:1:key/k", secretName: "s3-creds" },
    secrets: { secretKey: "sk", core: "core", jobservice: "js", registryHttp: "rh", registryCredentials: "rc", admin: "admin" },
    tlsSecretName: "tls",
    tokenServiceSecretName: "token",
    ingressClassName: "nginx",
    ingressAnnotations: {},
    replicas: 2,
    trivy: true,
    metrics: true,
    zoneSpread: "required",
};

function release(graph: PlanGraph): CapturedResource {
    const r = graph.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release" && (x.inputs as any).chart === "harbor");
    assert.ok(r, "a Harbor Helm release is planned");
    return r;
}

describe("Harbor release", () => {
    it("sets only keys the 1.19.2 chart reads (misspelled keys fail)", () => {
        for (const storage of [sampleArgs.storage, { type: "filesystem" as const, existingClaim: "pvc", accessMode: "ReadWriteMany" as const }]) {
            const unknown = valuePaths(renderHarborValues({ ...sampleArgs, storage, trivyStorageClass: "gp3", nodeSelector: { a: "b" }, tolerations: [] })).filter((p) => !CHART_KEYS.has(p));
            assert.deepEqual(unknown, []);
        }
        // The check itself catches a typo.
        assert.ok(!CHART_KEYS.has("database.external.hots"));
    });

    it("passes every chart-generated secret by name, with the keys the chart expects", () => {
        const v = renderHarborValues(sampleArgs) as any;
        assert.equal(v.existingSecretSecretKey, "sk");
        assert.equal(v.core.existingSecret, "core");
        assert.equal(v.core.existingXsrfSecret, "core");
        assert.equal(v.core.existingXsrfSecretKey, "CSRF_KEY");
        assert.equal(v.core.secretName, "token");
        assert.equal(v.jobservice.existingSecretKey, "JOBSERVICE_SECRET");
        assert.equal(v.registry.existingSecretKey, "REGISTRY_HTTP_SECRET");
        assert.equal(v.registry.credentials.existingSecret, "rc");
        assert.equal(v.existingSecretAdminPassword, "admin");
        assert.deepEqual(v.jobservice.jobLoggers, ["database"]);
        assert.equal(v.redis.external.coreDatabaseIndex, "0");
        assert.equal(v.persistence.imageChartStorage.s3.existingSecret, "s3-creds");
        for (const c of ["core", "jobservice", "registry", "portal", "trivy", "exporter"]) {
            assert.equal(v[c].replicas, 2, `${c} replicas`);
            assert.equal(v[c].podDisruptionBudget.enabled, true, `${c} PDB`);
            assert.equal(v[c].topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
        }
    });

    it("refuses a pool over the database budget and RWO storage with replicas, all at once", () => {
        const check = new ArgsChecker("HarborRelease", "h");
        checkHarborValues({ ...sampleArgs, replicas: 3, maxOpenConns: 100, databaseAvailableConnections: 400, storage: { type: "filesystem", existingClaim: "c", accessMode: "ReadWriteOnce" } }, check);
        assert.deepEqual(check.problems.map((p) => p.path), ["maxOpenConns", "storage"]);
        assert.match(check.problems[0].problem, /6 pods \(core \+ exporter\) x 100 = 600 exceeds the 400 connections/);
        assert.match(check.problems[0].fix, /at most 66/);
    });

    it("refuses invalid Args with one error naming every problem", async () => {
        await assert.rejects(
            runProgram(async () => {
                {
                    new HarborRelease("h", { externalUrl: "http://insecure", database: { host: "h", port: 5432, user: "u", database: "d", passwordSecretName: "s", availableConnections: 10 }, redis: { sentinelAddrs: "a:1", masterSet: "m", passwordSecretName: "r" }, storage: sampleArgs.storage, tlsSecretName: "t", tokenServiceSecretName: "k" });
                }
            }),
            (e: unknown) => e instanceof InvalidArgsError && e.problems.map((p) => p.path).join(",") === "externalUrl,maxOpenConns",
        );
    });

    it("gets the same secrets and values on every plan (no drift from chart-generated secrets)", async () => {
        const a = await runStack("prod");
        const b = await runStack("prod");
        const secretsOf = (g: PlanGraph) => g.resources.filter((r) => r.type === "kubernetes:core/v1:Secret").map((r) => JSON.stringify(unwrapSecrets(r.inputs)));
        assert.deepEqual(secretsOf(a), secretsOf(b));
        assert.deepEqual(unwrapSecrets(release(a).inputs), unwrapSecrets(release(b).inputs));
        const core = a.resources.find((r) => r.name === "harbor-harbor-secrets-core")!;
        const data = unwrapSecrets(core.inputs) as any;
        assert.equal(data.stringData.CSRF_KEY.length, 32);
        assert.equal(data.stringData.secret.length, 16);
        const creds = unwrapSecrets(a.resources.find((r) => r.name === "harbor-harbor-secrets-registry-credentials")!.inputs) as any;
        assert.match(creds.stringData.REGISTRY_HTPASSWD, /^harbor_registry_user:\$2a\$10\$/);
    });

    it("takes the database host and the sentinels from the data tier the platform created", async () => {
        const g = await runStack("prod");
        const values = (unwrapSecrets(release(g).inputs) as any).values;
        const rw = g.resources.find((r) => r.type === "kubernetes:core/v1:Service" && r.name === "harbor-db-rw")!;
        assert.equal(values.database.external.host, `${(rw.inputs as any).metadata.name}.harbor.svc.cluster.local`);
        const sentinelSet = g.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "harbor-redis-sentinel")!;
        const n = (sentinelSet.inputs as any).spec.replicas;
        const expected = Array.from({ length: n }, (_, i) => `harbor-redis-sentinel-${i}.harbor-redis-sentinel.harbor.svc.cluster.local:26379`).join(",");
        assert.equal(values.redis.external.addr, expected);
        const redisSecret = g.resources.find((r) => r.name === "harbor-redis-auth")!;
        assert.equal(values.redis.external.existingSecret, (redisSecret.inputs as any).metadata.name);
        assert.equal(g.errors.length, 0);
    });
});
