/**
 * JavaScript callers can pass a Pulumi Output where harbor-ha needs a plain string (it builds names and
 * addresses from it, parses the URL). Such values are refused before any resource, naming the argument,
 * never turned into "Calling [toString] on an [Output<T>]" inside a name or an address.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { HarborPlatform } from "../components/platform";
import { RedisSentinel } from "../components/redis";
import { CertManager, HarborCertificates } from "../components/tls";
import { runProgram } from "../engine";

const out = (v: string) => pulumi.output(v) as unknown as string;

async function refusal(build: () => void): Promise<string> {
  let created = 0;
  try {
    await runProgram(async () => {
      pulumi.runtime.registerStackTransformation(() => {
        created++;
        return undefined;
      });
      build();
    });
  } catch (e) {
    assert.equal(created, 0, "nothing registered before the refusal");
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("plain values where harbor-ha reads them in plain text", function () {
  this.timeout(60_000);

  it("HarborPlatform: namespace, externalUrl and zones as Outputs are refused, each named", async () => {
    const msg = await refusal(
      () =>
        new HarborPlatform("p", {
          environment: "dev",
          namespace: out("harbor"),
          externalUrl: out("https://harbor.example.com"),
          zones: [out("eu-west-1a")],
          storage: { kind: "filesystem" },
          tls: { issuer: { mode: "self-signed" } },
        }),
    );
    assert.match(msg, /HarborPlatform "p": 3 invalid arguments/);
    for (const k of ["namespace", "externalUrl", "zones"]) assert.match(msg, new RegExp(`- ${k}: is a Pulumi Output`));
    assert.ok(!/Calling \[toString\]/.test(msg));
  });

  it("RedisSentinel and CertManager namespaces, HarborCertificates host: refused with the fix", async () => {
    const redis = await refusal(() => new RedisSentinel("cache", { namespace: out("registry") }));
    assert.match(redis, /RedisSentinel "cache".*\n.*namespace: is a Pulumi Output.*Fix: pass a plain string/);
    const cm = await refusal(() => new CertManager("cm", { namespace: out("cert-manager") }));
    assert.match(cm, /CertManager "cm".*\n.*namespace: is a Pulumi Output/);
    const certs = await refusal(
      () => new HarborCertificates("certs", { host: out("harbor.example.com"), issuer: { mode: "self-signed" } }),
    );
    assert.match(certs, /HarborCertificates "certs".*\n.*host: is a Pulumi Output/);
  });
});
