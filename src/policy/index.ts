/** Entry point of the policy pack (`pulumi preview --policy-pack src/policy`): it only registers. */
import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicies, PACK_NAME } from "./pack";

new PolicyPack(PACK_NAME, { policies: crossGuardPolicies(), enforcementLevel: "mandatory" });
