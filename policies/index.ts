// The pack's entry: constructing a PolicyPack starts the analyzer's gRPC server, so nothing else lives here.
// Built into policies/dist (npm run build) with the shared facts it imports, for `pulumi policy publish`.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies";
import { installConfigGuard } from "./configGuard";

// Unknown policy names and settings are refused in the analyzer's Configure call (the CLI passes them on).
const guard = installConfigGuard(allPolicies);
new PolicyPack("harbor-ha", { policies: allPolicies, enforcementLevel: "mandatory" });
guard.assertGuarded();
