import type { Rule } from "../rule";

export const ecs_2: Rule = {
    name: "ecs-2-no-public-ip",
    control: "ECS.2",
    description: "ECS.2: ECS services should not have public IP addresses assigned to them automatically",
    explanation:
        "Tasks run in private subnets behind the load balancer and reach AWS through NAT and " +
        "endpoints. Set networkConfiguration.assignPublicIp: false.",
    level: "mandatory",
    types: ["aws:ecs/service:Service"],
    scope: "resource",
    check(service) {
        return service.inputs.networkConfiguration?.assignPublicIp === true ? ["assignPublicIp is true"] : [];
    },
};
