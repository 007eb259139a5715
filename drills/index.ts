export * from "./procs";
export * from "./postgresDrill";
export * from "./redisDrill";
export * from "./configDrill";
export { runAll, TARGETS } from "./run";
