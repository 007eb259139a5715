export * from "./AdmissionPolicies";
export * from "./renderAdmissionPolicies";
export * from "./registryAllowlist";
export * from "./signatures";
export * from "./vulnerabilityGate";
