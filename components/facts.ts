/**
 * The facts components and the policy pack share: type tokens, label names, Harbor's components (and those that
 * open a database pool), and PostgreSQL's connection budget formula, and
 * the edge's admin API prefixes. Each fact has its home in its tier;
 * this module only re-exports them.
 *
 * Nothing below this module imports @pulumi/* (test/policyPack.spec.ts checks the whole import graph), so the
 * policy pack can import it without a provider SDK, and the pack's build (policies/tsconfig.json) copies
 * exactly these files into policies/dist for `pulumi policy publish`.
 */
export { ComponentTypes } from "./tokens";
export type { ComponentType } from "./tokens";
export {
  HARBOR_DATABASE_LABEL,
  MANAGED_BY,
  NODE_TIER_LABEL,
  NODE_ZONE_LABEL,
  selectorLabels,
  serviceHost,
  standardLabels,
} from "./conventions/labels";
export type { NodeTier } from "./conventions/labels";
export { HARBOR_COMPONENTS, HARBOR_DB_POOL_COMPONENTS } from "./harbor/chartComponents";
export type { HarborComponent, HarborDbPoolComponent } from "./harbor/chartComponents";
export {
  ADMIN_HEADROOM,
  budgetOf,
  computeConnectionBudget,
  poolDemand,
  poolsExceedBudget,
  reservedConnections,
  SUPERUSER_RESERVED,
} from "./conventions/connectionBudget";
export type { ConnectionBudget, ConnectionBudgetArgs, DbPool } from "./conventions/connectionBudget";
export { ADMIN_API_PREFIXES } from "./edge/harborApiAccess";
export { HARBOR_BLOCKS_CVSS7_SEVERITIES, SEVERITY_ORDER } from "./admission/vulnerabilityGate";
export { ADDON_NAMES, NETWORK_POLICY_ENFORCERS, VPC_CNI_ADDON, VPC_CNI_NETWORK_POLICY_KEY } from "./addons/addonFacts";
export type { AddonName, NetworkPolicyEnforcer } from "./addons/addonFacts";
export {
  EBS_CSI_PROVISIONER,
  EBS_PROVISIONERS,
  HDD_EBS_VOLUME_TYPES,
  LOCAL_PROVISIONERS,
  SSD_EBS_VOLUME_TYPES,
} from "./storage/ssdClasses";
export { harborChartClaims } from "./harbor/chartClaims";
export type { ChartClaim } from "./harbor/chartClaims";
export { BACKUP_RULES, SPILO_BACKUP_ENV } from "./postgres/backupFacts";
