import type { Rule } from "../rule";

export const rds_13: Rule = {
    name: "rds-13-minor-upgrades",
    control: "RDS.13",
    description: "RDS.13: RDS automatic minor version upgrades should be enabled",
    explanation:
        "Minor versions carry security fixes; RDS applies them in the maintenance window. " +
        "Leave autoMinorVersionUpgrade unset (true) or set it to true.",
    level: "mandatory",
    types: ["aws:rds/clusterInstance:ClusterInstance", "aws:rds/instance:Instance"],
    scope: "resource",
    check(instance) {
        return instance.inputs.autoMinorVersionUpgrade === false ? ["autoMinorVersionUpgrade is false"] : [];
    },
};
