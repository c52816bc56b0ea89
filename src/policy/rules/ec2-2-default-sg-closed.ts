import type { Rule } from "../rule";

export const ec2_2: Rule = {
    name: "ec2-2-default-sg-closed",
    control: "EC2.2",
    description: "EC2.2: VPC default security groups should not allow inbound or outbound traffic",
    explanation:
        "Anything launched without a group lands in the default one. Adopt it with " +
        "aws.ec2.DefaultSecurityGroup and give it no ingress and no egress rules.",
    level: "mandatory",
    types: ["aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"],
    scope: "resource",
    check(sg) {
        const rules = [...(sg.inputs.ingress ?? []), ...(sg.inputs.egress ?? [])];
        return rules.length > 0 ? [`the default security group has ${rules.length} rule(s); it must have none`] : [];
    },
};
