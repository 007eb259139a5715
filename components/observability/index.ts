export * from "./HarborObservability";
export * from "./alertRules";
export * from "./renderMonitors";
export * from "./renderDashboards";
export * from "./labelMaps";
