/**
 * The policy pack's instance table against AWS's published specifications (the EC2 User Guide's tables,
 * pinned in test/fixtures/upstream/aws-ec2-user-guide-d289961/): every row must match the guide, so no
 * figure in the table is typed by hand.
 */
import { strict as assert } from "assert";
import { BURSTABLE_CPU_FAMILIES, INSTANCE_TYPES } from "../policies/rules/instanceTypes";
import { readBurstableFamilies, readEc2Guide } from "./support/ec2UserGuide";

describe("instance table: figures from AWS's EC2 User Guide", () => {
  const guide = readEc2Guide();

  it("reads the guide (sanity: the tables parse)", () => {
    assert.ok(Object.keys(guide).length > 300, `${Object.keys(guide).length} types parsed`);
    assert.deepEqual(guide["r5.large"], { vcpu: 2, memoryGib: 16, baselineGbit: 0.75, burstGbit: 10 });
  });

  it("every row of the table is the guide's vCPU, memory, baseline and burst bandwidth", () => {
    const wrong: string[] = [];
    for (const [type, spec] of Object.entries(INSTANCE_TYPES)) {
      const g = guide[type];
      if (!g) {
        wrong.push(`${type}: not in the guide`);
        continue;
      }
      const { burstableCpu: _b, ...figures } = spec;
      try {
        assert.deepEqual(figures, g);
      } catch {
        wrong.push(`${type}: table ${JSON.stringify(figures)} vs guide ${JSON.stringify(g)}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(Object.keys(INSTANCE_TYPES).length >= 150);
  });

  it("burstable-CPU types are exactly the guide's T families", () => {
    assert.deepEqual([...BURSTABLE_CPU_FAMILIES].sort(), readBurstableFamilies().sort());
    for (const [type, spec] of Object.entries(INSTANCE_TYPES))
      assert.equal(!!spec.burstableCpu, BURSTABLE_CPU_FAMILIES.includes(type.split(".")[0]), type);
    assert.equal(INSTANCE_TYPES["t3.2xlarge"].burstableCpu, true);
  });
});
