// The pack's entry: constructing a PolicyPack starts the analyzer's gRPC server, so nothing else lives here.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies";

new PolicyPack("harbor-ha", { policies: allPolicies, enforcementLevel: "mandatory" });
