/**
 * The namespace every tier puts its namespaced objects in when none is given, and the platform creates:
 * one value, so that tiers used alone land where the platform would put them.
 */
export const DEFAULT_NAMESPACE = "harbor";
