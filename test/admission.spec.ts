/**
 * The admission tier (issue 20), checked against real semantics:
 * - the ValidatingAdmissionPolicy's CEL, as the prod and dev stacks render it, evaluated with a CEL
 *   implementation from npm on sample Pods and pod templates;
 * - the stack's own pods (every image the plan and its pinned charts run) admitted in Deny mode, so the
 *   first `pulumi up` cannot deadlock on its own allowlist;
 * - policy-controller's ClusterImagePolicies against the pinned chart's CRD schema, its values against the
 *   chart's values.yaml;
 * - the policy pack's admission rules on the stacks and on broken variants;
 * - bad input refused before any resource; a platform without the component still plans.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { plan } from "../cli/plan";
import { kubernetesObject, stackFilePath, unwrapSecrets, validateKubernetesObject } from "../engine";
import type { CapturedResource } from "../engine";
import {
  AdmissionPolicies,
  ComponentTypes,
  InvalidArgsError,
  normalizeImage,
  platformImages,
  POLICY_CONTROLLER_CHART,
  POLICY_CONTROLLER_IMAGES,
  renderAdmissionPolicies,
} from "../components";
import { CEL_NORMALIZE, registryPrefixProblem } from "../components/admission";
import { admit, celEvaluate, podSpec, workload } from "./support/admissionCel";
import { crdJsonSchemas } from "./support/crdSchemas";
import { planComponent } from "./support/planComponent";

const ROOT = path.join(__dirname, "..");
const PC = path.join(
  ROOT,
  "test",
  "fixtures",
  "upstream",
  `policy-controller-chart-${POLICY_CONTROLLER_CHART.version}`,
);
const CM = path.join(ROOT, "test", "fixtures", "upstream", "cert-manager-v1.21.1");
const HARBOR_VALUES = path.join(ROOT, "test", "fixtures", "upstream", "harbor-helm-1.19.2", "values.yaml");
const readYaml = (f: string) => parse(fs.readFileSync(f, "utf8"));
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

type Obj = Record<string, any>;
const objectsOf = (resources: CapturedResource[]) =>
  resources.map(kubernetesObject).filter((o): o is Obj => o !== undefined);
const one = (objs: Obj[], kind: string) => {
  const found = objs.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0];
};

function variant(stack: string, edit: (c: Obj) => void): string {
  const doc = parse(fs.readFileSync(stackFilePath(stack), "utf8"));
  edit(doc.config);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-admission-")), `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stringify(doc));
  return file;
}

// The stacks' plans, shared by the tests below (each plan costs seconds).
let prod: Awaited<ReturnType<typeof plan>>;
let dev: Awaited<ReturnType<typeof plan>>;
let prodObjects: Obj[];
let prodPolicy: Obj;
let devPolicy: Obj;

before(async () => {
  [prod, dev] = [await plan("prod"), await plan("dev")];
  prodObjects = objectsOf(prod.graph.resources);
  prodPolicy = one(prodObjects, "ValidatingAdmissionPolicy");
  devPolicy = one(objectsOf(dev.graph.resources), "ValidatingAdmissionPolicy");
});

describe("admission: the registry allowlist's CEL, evaluated (prod's rendered policy)", () => {
  const verdict = (images: string[], ns = "apps", init: string[] = [], eph: string[] = []) =>
    admit(prodPolicy, workload("Pod", podSpec(images, init, eph)), ns);
  const allowed = (images: string[], ns?: string) =>
    assert.deepEqual(verdict(images, ns), { outcome: "allowed" }, images.join());
  const refused = (images: string[], ns?: string, init: string[] = [], eph: string[] = []) => {
    const v = verdict(images, ns, init, eph);
    assert.equal(v.outcome, "refused", `${[...images, ...init, ...eph].join()} should be refused`);
    return (v as { message: string }).message;
  };

  it("admits images of the allowed Harbor projects, by tag and by digest", () => {
    allowed(["harbor.example.com/prod/api:1.4.2"]);
    allowed([`harbor.example.com/platform/tools/kubectl@${DIGEST}`]);
    allowed([`harbor.example.com/dockerhub/library/nginx:1.27@${DIGEST}`]);
  });

  it("refuses Docker Hub images written without a registry (docker.io implied), naming the image", () => {
    assert.match(refused(["nginx"]), /docker\.io\/library\/nginx/);
    assert.match(refused(["library/nginx:1.27"]), /docker\.io\/library\/nginx:1\.27/);
    assert.match(refused(["bitnami/redis:7"]), /docker\.io\/bitnami\/redis:7/);
    refused(["docker.io/library/nginx:1.27"]);
  });

  it("refuses other registries, look-alike hosts, other projects and ports the allowlist does not name", () => {
    refused(["quay.io/prometheus/prometheus:v3.0.0"]);
    refused(["harbor.example.com.evil.io/prod/api:1"]);
    refused(["harbor.example.com/production/api:1"]); // not the project "prod"
    refused(["harbor.example.com/library/api:1"]); // Harbor's default project, not allowed
    refused(["harbor.example.com:5000/prod/api:1"]); // another port is another registry
    refused(["localhost/prod/api:1", "localhost:5000/prod/api:1"]);
    refused(["harbor.example.com/prod/../other/api:1"]);
    refused(["HARBOR.EXAMPLE.COM/prod/api:1"]);
  });

  it("checks init and ephemeral containers too, and one bad image refuses the whole pod", () => {
    refused(["harbor.example.com/prod/api:1"], "apps", ["busybox:1.36"]);
    refused(["harbor.example.com/prod/api:1"], "apps", [], ["nicolaka/netshoot"]);
    const m = refused(["harbor.example.com/prod/api:1", "ghcr.io/x/y:1"]);
    assert.doesNotMatch(m, /prod\/api/);
    // kubectl debug adds an ephemeral container through the pods/ephemeralcontainers subresource.
    const debugged = workload("Pod", podSpec(["harbor.example.com/prod/api:1"], [], ["nicolaka/netshoot"]));
    assert.equal(admit(prodPolicy, debugged, "apps", "ephemeralcontainers").outcome, "refused");
  });

  it("applies to every pod template: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob", () => {
    for (const kind of ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"]) {
      assert.equal(admit(prodPolicy, workload(kind, podSpec(["nginx:1.27"])), "apps").outcome, "refused", kind);
      assert.equal(
        admit(prodPolicy, workload(kind, podSpec(["harbor.example.com/prod/a:1"])), "apps").outcome,
        "allowed",
        kind,
      );
    }
  });

  it("skips the exempt namespace (kube-system), and only it", () => {
    assert.deepEqual(verdict(["nginx"], "kube-system"), { outcome: "skipped" });
    refused(["nginx"], "kube-system-2");
    refused(["nginx"], "default");
  });

  it("exempts the platform's images by repository and tag only", () => {
    allowed(["redis:7.2.11-alpine", "ghcr.io/zalando/spilo-17:4.0-p2", "goharbor/harbor-core:v2.15.2"]);
    refused(["redis:7.2.12-alpine"]);
    refused(["redis:7.2.11-alpine-evil"]);
    refused(["goharbor/harbor-core-evil:v2.15.2"]);
  });

  it("dev: Harbor's registry host with its port (harbor.127.0.0.1.nip.io:30443)", () => {
    assert.equal(
      admit(devPolicy, workload("Pod", podSpec(["harbor.127.0.0.1.nip.io:30443/dev/app:1"])), "default").outcome,
      "allowed",
    );
    assert.equal(
      admit(devPolicy, workload("Pod", podSpec(["harbor.127.0.0.1.nip.io/dev/app:1"])), "default").outcome,
      "refused",
    );
  });

  it("the CEL normalization and the component's normalizeImage agree", () => {
    const samples = [
      "nginx",
      "nginx:1",
      "library/nginx",
      "a/b/c:1",
      "localhost/x",
      "localhost:5000/x",
      "reg.io/x",
      "reg:5000/x",
      `x@${DIGEST}`,
      "a.b/c",
    ];
    for (const i of samples) assert.equal(celEvaluate(CEL_NORMALIZE("i"), { i }), normalizeImage(i), i);
  });

  it("where signatures are verified (namespace opted in), every image must be pinned by digest", () => {
    const optedIn = { "policy.sigstore.dev/include": "true" };
    const tagged = workload("Deployment", podSpec(["harbor.example.com/prod/api:1"]));
    const v = admit(prodPolicy, tagged, "payments", undefined, optedIn);
    assert.equal(v.outcome, "refused");
    assert.match((v as { message: string }).message, /pinned by digest.*harbor\.example\.com\/prod\/api:1/);
    const pinned = workload("Deployment", podSpec([`harbor.example.com/prod/api:1@${DIGEST}`]));
    assert.equal(admit(prodPolicy, pinned, "payments", undefined, optedIn).outcome, "allowed");
    assert.equal(
      admit(prodPolicy, tagged, "payments", undefined, { "policy.sigstore.dev/include": "false" }).outcome,
      "allowed",
    );
    assert.equal(admit(prodPolicy, tagged, "payments").outcome, "allowed");
    // dev verifies no signatures: tags stay fine everywhere.
    assert.equal(devPolicy.spec.validations.length, 1);
  });

  it("the opt-in selector's CEL follows Kubernetes' label selector semantics", () => {
    const policyWith = (namespaceSelector: Obj) =>
      renderAdmissionPolicies({
        name: "x",
        harborHost: "h.example.com",
        projects: ["p"],
        extraRegistries: [],
        mode: "Deny",
        exemptNamespaces: [],
        exemptImages: [],
        signatures: { projects: [], namespaceSelector, noMatchPolicy: "deny", replicas: 1 },
      }).policy;
    const p = policyWith({
      matchLabels: { team: "pay" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["prod", "staging"] },
        { key: "sandbox", operator: "DoesNotExist" },
        { key: "env", operator: "NotIn", values: ["dev"] },
      ],
    });
    const digestRequired = (labels: Record<string, string>) =>
      admit(p, workload("Pod", podSpec(["h.example.com/p/a:1"])), "ns", undefined, labels).outcome === "refused";
    assert.equal(digestRequired({ team: "pay", tier: "prod" }), true);
    assert.equal(digestRequired({ team: "pay", tier: "prod", env: "qa" }), true);
    assert.equal(digestRequired({ team: "pay", tier: "prod", env: "dev" }), false);
    assert.equal(digestRequired({ team: "pay", tier: "prod", sandbox: "" }), false);
    assert.equal(digestRequired({ team: "pay", tier: "test" }), false);
    assert.equal(digestRequired({ tier: "prod" }), false);
    const exists = policyWith({ matchExpressions: [{ key: "signed", operator: "Exists" }] });
    assert.equal(
      admit(exists, workload("Pod", podSpec(["h.example.com/p/a:1"])), "ns", undefined, { signed: "" }).outcome,
      "refused",
    );
  });

  it("binding modes: prod denies, dev warns; both audit", () => {
    assert.deepEqual(one(prodObjects, "ValidatingAdmissionPolicyBinding").spec.validationActions, ["Deny", "Audit"]);
    const devBinding = one(objectsOf(dev.graph.resources), "ValidatingAdmissionPolicyBinding");
    assert.deepEqual(devBinding.spec.validationActions, ["Warn", "Audit"]);
    assert.equal(devBinding.spec.policyName, devPolicy.metadata.name);
  });
});

describe("admission: the stack's own pods are admitted in Deny mode (no first-deploy deadlock)", () => {
  /** Every image the prod plan runs, with the namespace it runs in, from the plan and the pinned charts' data. */
  function stackImages(): { image: string; ns: string; from: string }[] {
    const out: { image: string; ns: string; from: string }[] = [];
    const walk = (o: unknown, ns: string, from: string): void => {
      if (Array.isArray(o)) o.forEach((e) => walk(e, ns, from));
      else if (o && typeof o === "object")
        for (const [k, v] of Object.entries(o)) {
          if (k === "image" && typeof v === "string") out.push({ image: v, ns, from });
          else walk(v, ns, from);
        }
    };
    // Pod templates the plan renders itself (Patroni, its Jobs, Redis): their containers' images.
    for (const o of prodObjects)
      if (["StatefulSet", "Deployment", "DaemonSet", "Job", "CronJob", "Pod"].includes(o.kind))
        walk(o.spec, o.metadata.namespace, `${o.kind} ${o.metadata.name}`);
    const releases = prod.graph.resources
      .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
      .map((r) => unwrapSecrets(r.inputs) as Obj);
    const rel = (chart: string) => releases.find((r) => String(r.chart).endsWith(chart))!;
    // Envoy Gateway: images its values set (controller, and the proxies it runs in its namespace).
    const eg = rel("gateway-helm");
    walk(eg.values.global.images, eg.namespace, "envoy-gateway values");
    // Harbor: the chart's default image of each component the values deploy (values.yaml of 1.19.2).
    const hv = readYaml(HARBOR_VALUES);
    const harbor = rel("harbor");
    const comps: [string, Obj][] = [
      ["core", hv.core.image],
      ["jobservice", hv.jobservice.image],
      ["portal", hv.portal.image],
      ["registry", hv.registry.registry.image],
      ["registryctl", hv.registry.controller.image],
      ...(harbor.values.trivy?.enabled !== false ? [["trivy", hv.trivy.image] as [string, Obj]] : []),
      ...(harbor.values.metrics?.enabled === true ? [["exporter", hv.exporter.image] as [string, Obj]] : []),
    ];
    for (const [c, im] of comps)
      out.push({
        image: harbor.values[c]?.image ? "overridden" : `${im.repository}:${im.tag}`,
        ns: harbor.namespace,
        from: `harbor ${c}`,
      });
    // cert-manager: imageRegistry/imageNamespace/<component>.image.name, tag the chart's version; the
    // HTTP-01 solver runs in Harbor's namespace.
    const cv = readYaml(path.join(CM, "values.yaml"));
    const cm = rel("cert-manager");
    const cmImage = (name: string) => `${cv.imageRegistry}/${cv.imageNamespace}/${name}:${cm.version}`;
    for (const im of [cv.image, cv.webhook.image, cv.cainjector.image, cv.startupapicheck.image])
      out.push({ image: cmImage(im.name), ns: cm.namespace, from: `cert-manager ${im.name}` });
    out.push({ image: cmImage(cv.acmesolver.image.name), ns: harbor.namespace, from: "cert-manager acmesolver" });
    // policy-controller: the webhook (repository@digest the values set) and the chart's lease cleanup Job.
    const pc = rel("policy-controller");
    const pv = readYaml(path.join(PC, "values.yaml"));
    out.push({
      image: `${pc.values.webhook.image.repository}@${pc.values.webhook.image.version}`,
      ns: pc.namespace,
      from: "policy-controller webhook",
    });
    out.push({
      image: `${pv.leasescleanup.image.repository}:${pv.leasescleanup.image.version}`,
      ns: pc.namespace,
      from: "policy-controller leases-cleanup",
    });
    return out;
  }

  it("every image of the plan and its charts, in its namespace (none exempt), passes prod's Deny policy", () => {
    const images = stackImages();
    assert.ok(images.length >= 18, `found ${images.length}`);
    const namespaces = new Set(images.map((i) => i.ns));
    assert.deepEqual([...namespaces].sort(), ["cert-manager", "cosign-system", "envoy-gateway-system", "harbor"]);
    const refused = images
      .map((i) => ({ ...i, v: admit(prodPolicy, workload("Pod", podSpec([i.image])), i.ns) }))
      .filter((i) => i.v.outcome !== "allowed");
    assert.deepEqual(
      refused.map((r) => `${r.from}: ${r.image} -> ${r.v.outcome}`),
      [],
    );
  });

  it("the check can fail: without the platform's exemptions Harbor's and cert-manager's pods are refused", () => {
    const bare = renderAdmissionPolicies({
      name: "x",
      harborHost: "harbor.example.com",
      projects: ["prod"],
      extraRegistries: [],
      mode: "Deny",
      exemptNamespaces: ["kube-system"],
      exemptImages: [],
    }).policy;
    const refused = stackImages().filter(
      (i) => admit(bare, workload("Pod", podSpec([i.image])), i.ns).outcome === "refused",
    );
    assert.ok(refused.some((r) => r.from === "harbor core") && refused.some((r) => r.from.startsWith("cert-manager")));
  });

  it("each tier's image constant is the one its chart data names (platformImages)", () => {
    const hv = readYaml(HARBOR_VALUES);
    const imgs = platformImages();
    assert.ok(imgs.includes(`${hv.core.image.repository}:${hv.core.image.tag}`));
    assert.ok(imgs.includes(`${hv.trivy.image.repository}:${hv.trivy.image.tag}`));
    assert.ok(imgs.every((i) => normalizeImage(i) === i));
  });
});

describe("admission: signature verification (sigstore policy-controller, pinned chart)", () => {
  const pv = () => readYaml(path.join(PC, "values.yaml"));

  it("pins the chart and the webhook digest the chart itself publishes", () => {
    const chart = readYaml(path.join(PC, "Chart.yaml"));
    assert.equal(chart.version, POLICY_CONTROLLER_CHART.version);
    assert.equal(chart.name, POLICY_CONTROLLER_CHART.chart);
    assert.equal(POLICY_CONTROLLER_IMAGES.webhook, `${pv().webhook.image.repository}@${pv().webhook.image.version}`);
    assert.ok(String(chart.annotations["artifacthub.io/images"]).includes(pv().webhook.image.version));
  });

  it("engine/crds holds exactly the conversion of the pinned ClusterImagePolicy CRD", () => {
    const text = fs
      .readFileSync(path.join(PC, "crds", "clusterimagepolicy.yaml"), "utf8")
      // The chart's CRD file is a template: only the conversion webhook's namespace is templated.
      .replace(/\{\{ \.Release\.Namespace \}\}/g, "cosign-system");
    const want = crdJsonSchemas(text, ["ClusterImagePolicy"]).get(
      "policy.sigstore.dev_v1beta1_ClusterImagePolicy.json",
    );
    const file = path.join(ROOT, "engine", "crds", "policy.sigstore.dev_v1beta1_ClusterImagePolicy.json");
    if (process.env.UPDATE_CRDS) fs.writeFileSync(file, JSON.stringify(want) + "\n");
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), want);
  });

  it("one enforcing ClusterImagePolicy per signed project, valid against the CRD; a misspelt field fails", () => {
    const cips = prodObjects.filter((o) => o.kind === "ClusterImagePolicy");
    assert.deepEqual(cips.map((c) => c.spec.images[0].glob).sort(), [
      "harbor.example.com/platform/**",
      "harbor.example.com/prod/**",
    ]);
    const prodCip = cips.find((c) => c.spec.images[0].glob.includes("/prod/"))!;
    assert.match(prodCip.spec.authorities[0].key.data, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----$/);
    const keyless = cips.find((c) => c.spec.images[0].glob.includes("/platform/"))!;
    assert.equal(
      keyless.spec.authorities[0].keyless.identities[0].issuer,
      "https://token.actions.githubusercontent.com",
    );
    const cr = (o: Obj) =>
      ({
        urn: "u",
        type: "kubernetes:policy.sigstore.dev/v1beta1:ClusterImagePolicy",
        name: "n",
        custom: true,
        inputs: o,
      }) as unknown as CapturedResource;
    for (const c of cips) assert.deepEqual(validateKubernetesObject(cr(c)), []);
    const bad = structuredClone(prodCip);
    bad.spec.authorities[0].kee = bad.spec.authorities[0].key;
    assert.match(validateKubernetesObject(cr(bad))[0].message, /additional properties/);
    const badMode = structuredClone(prodCip);
    badMode.spec.images = "harbor.example.com/prod/**";
    assert.equal(validateKubernetesObject(cr(badMode)).length, 1);
  });

  it("values: keys the chart has; our selector replaces the chart's (Helm merges maps); unmatched images denied", () => {
    const rel = prod.graph.resources.find(
      (r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as Obj).chart === "policy-controller",
    )!;
    const values = (unwrapSecrets(rel.inputs) as Obj).values;
    const defaults = pv();
    const missing: string[] = [];
    const walk = (v: Obj, d: Obj, at: string) => {
      for (const [k, x] of Object.entries(v)) {
        if (!(k in d)) missing.push(`${at}${k}`);
        else if (x && typeof x === "object" && !Array.isArray(x) && !["namespaceSelector", "configData"].includes(k))
          walk(x, d[k], `${at}${k}.`);
      }
    };
    walk(values, defaults, "");
    assert.deepEqual(missing, []);
    assert.deepEqual(defaults.webhook.namespaceSelector.matchExpressions[0].key, "policy.sigstore.dev/include");
    assert.deepEqual(values.webhook.namespaceSelector, {
      matchLabels: { "policy.sigstore.dev/include": "true" },
      matchExpressions: [],
    });
    assert.deepEqual(values.webhook.configData, { "no-match-policy": "deny" });
    assert.equal(values.webhook.failurePolicy, "Fail");
    assert.equal((unwrapSecrets(rel.inputs) as Obj).version, POLICY_CONTROLLER_CHART.version);
  });

  it("ValidatingAdmissionPolicy and binding validate (kubernetes-models); a wrong action fails", () => {
    assert.deepEqual(prod.graph.errors, []);
    const binding = structuredClone(one(prodObjects, "ValidatingAdmissionPolicyBinding"));
    binding.spec.validationActions = 7;
    const cr = {
      urn: "u",
      type: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
      name: "b",
      custom: true,
      inputs: binding,
    } as unknown as CapturedResource;
    assert.equal(validateKubernetesObject(cr).length, 1);
  });
});

describe("admission: the component alone, and bad Args", () => {
  it("plans alone without signatures: a policy and a binding, no chart", async () => {
    const p = await planComponent(() => {
      new AdmissionPolicies("team", { harborHost: "registry.corp.example", projects: ["apps"], mode: "Warn" });
    });
    assert.deepEqual(p.errors, []);
    assert.equal(p.objects("ValidatingAdmissionPolicy").length, 1);
    assert.deepEqual(p.object("ValidatingAdmissionPolicyBinding").spec.validationActions, ["Warn", "Audit"]);
    assert.equal(p.all("kubernetes:helm.sh/v3:Release").length, 0);
    assert.equal(p.all(ComponentTypes.AdmissionPolicies).length, 1);
  });

  it("refuses every bad Arg at once, before any resource", async () => {
    let err: unknown;
    const p = await planComponent(() => {
      try {
        new AdmissionPolicies("bad", {
          harborHost: "https://harbor.example.com",
          projects: ["Prod"],
          extraRegistries: ["*.example.com", "nginx"],
          exemptImages: ["redis:7"],
          signatures: {
            projects: [
              { project: "other", publicKeys: ["-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----"] },
            ],
            namespaceSelector: {
              matchLabels: { team: "a" },
              matchExpressions: [{ key: "team", operator: "NotIn", values: ["a"] }],
            },
          },
        });
      } catch (e) {
        err = e;
      }
    });
    assert.ok(err instanceof InvalidArgsError, String(err));
    assert.deepEqual(
      err.problems.map((x) => x.path),
      [
        "harborHost",
        "projects[0]",
        "extraRegistries[0]",
        "extraRegistries[1]",
        "exemptImages[0]",
        "signatures.projects[0].project",
        "signatures.projects[0].publicKeys[0]",
        "signatures.namespaceSelector",
      ],
    );
    assert.equal(p.graph.resources.filter((r) => r.custom).length, 0);
  });

  it("registry prefixes: hosts with a dot or port, optional path; anything else explained", () => {
    for (const ok of [
      "registry.example.com",
      "registry.example.com:5000",
      "harbor.example.com/dockerhub",
      "localhost:5000",
    ])
      assert.equal(registryPrefixProblem(ok), undefined, ok);
    for (const bad of [
      "https://registry.example.com",
      "*.example.com",
      "nginx",
      "registry.example.com/",
      "Registry.Example.com",
      "a b.com",
    ])
      assert.match(registryPrefixProblem(bad) ?? "", /Fix: /, bad);
  });
});

describe("admission: stack config and policies", () => {
  it("prod and staging: allowlist in Deny mode, signatures of production projects, gate on every allowed project", async () => {
    const rules = ["harbor-admission-allowlist", "harbor-admission-signatures", "harbor-admission-vulnerability-gate"];
    assert.deepEqual(
      prod.violations.filter((v) => rules.includes(v.policy)),
      [],
    );
    const staging = await plan("staging");
    assert.deepEqual(staging.graph.errors, []);
    assert.deepEqual(
      staging.violations.filter((v) => rules.includes(v.policy)),
      [],
    );
    const s = objectsOf(staging.graph.resources);
    assert.deepEqual(one(s, "ValidatingAdmissionPolicyBinding").spec.validationActions, ["Deny", "Audit"]);
    assert.deepEqual(
      s.filter((o) => o.kind === "ClusterImagePolicy").map((o) => o.spec.images[0].glob),
      ["harbor.staging.example.com/staging/**"],
    );
    // dev warns only, and the rules do not apply to it.
    assert.deepEqual(
      dev.violations.filter((v) => rules.includes(v.policy)),
      [],
    );
  });

  it("a prod that warns, lets High findings through, skips a gate and drops a signer fails each rule", async () => {
    const file = variant("prod", (c) => {
      c["harbor-ha:admission"].mode = "Warn";
      c["harbor-ha:admission"].extraRegistries = ["registry.k8s.io"];
      c["harbor-ha:admission"].signatures.projects = c["harbor-ha:admission"].signatures.projects.filter(
        (p: Obj) => p.project !== "platform",
      );
      c["harbor-ha:projects"].find((p: Obj) => p.name === "prod").severity = "critical";
      c["harbor-ha:operations"].proxyCaches[0].preventVulnerable = false;
    });
    const r = await plan("prod", { configFile: file });
    assert.deepEqual(r.graph.errors, []);
    const m = r.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`);
    const has = (re: RegExp) =>
      assert.ok(
        m.some((x) => re.test(x)),
        `${re} in\n${m.join("\n")}`,
      );
    has(/^harbor-admission-allowlist: .*\["Warn","Audit"\].*Deny/);
    has(/^harbor-admission-signatures: .*project "platform" enforces cosign/);
    has(/^harbor-admission-vulnerability-gate: .*"prod" has prevent_vul true, severity "critical"/);
    has(/^harbor-admission-vulnerability-gate: .*"dockerhub" has prevent_vul false/);
    has(/^harbor-admission-vulnerability-gate: .*extra registry "registry\.k8s\.io"/);
    assert.equal(r.exitCode, 2);
  });

  it("a platform without the component still plans (and prod's policy then asks for it)", async () => {
    const r = await plan("prod", { configFile: variant("prod", (c) => delete c["harbor-ha:admission"]) });
    assert.deepEqual(r.graph.errors, []);
    assert.equal(r.graph.resources.filter((x) => x.type === ComponentTypes.AdmissionPolicies).length, 0);
    assert.equal(objectsOf(r.graph.resources).filter((o) => o.kind.includes("AdmissionPolicy")).length, 0);
    assert.ok(r.graph.resources.length > 90);
    const v = r.violations.filter((x) => x.policy.startsWith("harbor-admission"));
    assert.deepEqual(
      v.map((x) => x.policy),
      ["harbor-admission-allowlist"],
    );
  });

  const BAD: [string, (c: Obj) => void, string, RegExp][] = [
    [
      "a registry pattern that is not a host",
      (c) => (c["harbor-ha:admission"].extraRegistries = ["https://registry.example.com"]),
      "harbor-ha:admission.extraRegistries[0]",
      /has a scheme.*Fix: write the host alone/,
    ],
    [
      "a wildcard registry",
      (c) => (c["harbor-ha:admission"].extraRegistries = ["*.example.com"]),
      "harbor-ha:admission.extraRegistries[0]",
      /not a registry host/,
    ],
    [
      "a malformed public key",
      (c) =>
        (c["harbor-ha:admission"].signatures.projects[0].publicKeys = [
          "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
        ]),
      "harbor-ha:admission.signatures.projects[0].publicKeys[0]",
      /does not parse as a public key.*Fix: paste the whole cosign\.pub/,
    ],
    [
      "a key that is not PEM",
      (c) => (c["harbor-ha:admission"].signatures.projects[0].publicKeys = ["ssh-ed25519 AAAAC3Nza"]),
      "harbor-ha:admission.signatures.projects[0].publicKeys[0]",
      /is not a PEM public key/,
    ],
    [
      "a namespace selector that matches nothing",
      (c) =>
        (c["harbor-ha:admission"].signatures.namespaceSelector = {
          matchExpressions: [
            { key: "signed", operator: "Exists" },
            { key: "signed", operator: "DoesNotExist" },
          ],
        }),
      "harbor-ha:admission.signatures.namespaceSelector",
      /matches no namespace.*both required and forbidden.*Fix: select the namespaces that opt in/,
    ],
    [
      "In with no values",
      (c) =>
        (c["harbor-ha:admission"].signatures.namespaceSelector = {
          matchExpressions: [{ key: "signed", operator: "In", values: [] }],
        }),
      "harbor-ha:admission.signatures.namespaceSelector",
      /has no values/,
    ],
    [
      "signers of a project the cluster does not pull from",
      (c) => (c["harbor-ha:admission"].signatures.projects[0].project = "nightly"),
      "harbor-ha:admission.signatures.projects[0].project",
      /"nightly" is not a project the cluster may pull from \(prod, platform, dockerhub\)/,
    ],
    [
      "a mode that does not exist",
      (c) => (c["harbor-ha:admission"].mode = "Block"),
      "harbor-ha:admission.mode",
      /"Block" is not allowed.*"Deny", "Warn", "Audit"/,
    ],
  ];
  for (const [name, edit, key, re] of BAD)
    it(`refuses ${name} before any resource, in one message naming the key`, async () => {
      let err: Error | undefined;
      try {
        await plan("prod", { configFile: variant("prod", edit) });
      } catch (e) {
        err = e as Error;
      }
      assert.equal(err?.name, "StackConfigError", String(err));
      const lines = err!.message.split("\n").filter((l) => l.startsWith("  - "));
      const mine = lines.filter((l) => l.startsWith(`  - ${key}:`));
      assert.equal(mine.length, 1, err!.message);
      assert.match(mine[0], re);
      assert.match(err!.message, /^stack "prod": invalid configuration/);
      assert.doesNotMatch(err!.message, /\n\s+at /);
    });
});
