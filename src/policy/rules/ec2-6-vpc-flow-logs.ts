import { referrers, Rule } from "../rule";

const FLOW_LOG = ["aws:ec2/flowLog:FlowLog"];

export const ec2_6: Rule = {
    name: "ec2-6-vpc-flow-logs",
    control: "EC2.6",
    description: "EC2.6: VPC flow logging should be enabled in all VPCs",
    explanation:
        "Flow logs are the record of who talked to what during an incident. Give every VPC " +
        "an aws.ec2.FlowLog whose vpcId is the VPC's, capturing at least rejected traffic.",
    level: "mandatory",
    types: ["aws:ec2/vpc:Vpc", "awsx:ec2:Vpc"],
    scope: "stack",
    check(vpc, context) {
        const logs = referrers(context, FLOW_LOG, "vpcId", vpc);
        if (logs.length === 0) return ["no flow log records this VPC's traffic"];
        // The control accepts REJECT or ALL; ACCEPT alone would miss the probes an incident starts with.
        return logs.some((l) => l.inputs.trafficType === "ALL" || l.inputs.trafficType === "REJECT")
            ? []
            : ["the VPC's flow logs capture accepted traffic only; log REJECT or ALL"];
    },
};
