require("../bin/compileCache").enableCompileCache();
const t = process.hrtime.bigint();
const n0 = Object.keys(require.cache).length;
for (const m of [
  "kubernetes-models/apps/v1/StatefulSet",
  "kubernetes-models/batch/v1/Job",
  "kubernetes-models/batch/v1/CronJob",
  "kubernetes-models/v1/Service",
  "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
])
  require(m);
console.log(Number(process.hrtime.bigint() - t) / 1e6, Object.keys(require.cache).length - n0);
