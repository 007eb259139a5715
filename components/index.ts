export * from "./platform";
export { ComponentTypes, ComponentType } from "./tokens";
export { InvalidArgsError, ArgsProblem, Placement, NODE_TIER_LABEL, NodeTier } from "./conventions";
