import type { Rule } from "../rule";

export const rds_2: Rule = {
    name: "rds-2-not-public",
    control: "RDS.2",
    description: "RDS.2: RDS DB instances should prohibit public access, as determined by the PubliclyAccessible configuration",
    explanation:
        "A publicly accessible instance gets an internet-resolvable address. Leave " +
        "publiclyAccessible unset or false and keep instances in isolated subnets.",
    level: "mandatory",
    types: ["aws:rds/clusterInstance:ClusterInstance", "aws:rds/instance:Instance"],
    scope: "resource",
    check(instance) {
        return instance.inputs.publiclyAccessible === true ? ["publiclyAccessible is true"] : [];
    },
};
