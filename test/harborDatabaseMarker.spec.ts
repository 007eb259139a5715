/**
 * harbor-ha's PatroniCluster serves other applications too: Harbor's sizing rules apply only to the
 * database the platform marks as Harbor's, and the role's Secret is named after the role, not "harbor".
 */
import { strict as assert } from "assert";
import { PatroniCluster } from "../components/postgres";
import { HARBOR_DATABASE_LABEL } from "../components/conventions/labels";
import { evaluatePolicies, runProgram, runStack, unwrapSecrets } from "../engine";
import { allPolicies } from "../policies/policies";

const paymentsDb = (harborDatabase?: boolean) =>
  runProgram(async () => {
    new PatroniCluster("payments-db", {
      namespace: "payments",
      members: 3,
      database: "payments",
      user: "payments",
      memoryGi: 8,
      cpu: 2,
      volumeGb: 200,
      clientPool: { pods: 6, maxOpenConns: 20 },
      clientPodSelector: { app: "payments" },
      ...(harborDatabase === undefined ? {} : { harborDatabase }),
    });
  });

describe("PatroniCluster for another application", function () {
  this.timeout(120_000);

  it("a 200 GiB database of another application is not held to Harbor's 1 TiB; Harbor's is", async () => {
    const volumeViolations = async (harborDatabase?: boolean) =>
      (await evaluatePolicies(await paymentsDb(harborDatabase), allPolicies)).filter((v) =>
        /harbor-patroni-volume-size$/.test(v.policy),
      );
    assert.deepEqual(await volumeViolations(), [], "not Harbor's: no Harbor sizing");
    const marked = await volumeViolations(true);
    assert.equal(marked.length, 1, "marked as Harbor's: the 1 TiB minimum applies");
    assert.match(marked[0].message, /200 GiB/);
  });

  it("the platform marks its database as Harbor's (prod's Patroni StatefulSet carries the label)", async () => {
    const g = await runStack("prod");
    const sts = g.resources.filter(
      (r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.urn.includes("harbor-ha:postgres:PatroniCluster"),
    );
    assert.equal(sts.length, 1);
    assert.equal((unwrapSecrets(sts[0].inputs) as any).metadata.labels[HARBOR_DATABASE_LABEL], "true");
  });

  it("the role's password Secret is named after the role (payments-db-payments), never -harbor", async () => {
    const g = await paymentsDb();
    const secrets = g.resources
      .filter((r) => r.type === "kubernetes:core/v1:Secret")
      .map((r) => (unwrapSecrets(r.inputs) as any).metadata.name)
      .sort();
    assert.deepEqual(secrets, ["payments-db-credentials", "payments-db-payments"]);
    const sts = g.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!;
    assert.equal((unwrapSecrets(sts.inputs) as any).metadata.labels[HARBOR_DATABASE_LABEL], undefined);
  });
});
