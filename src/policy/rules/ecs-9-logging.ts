import { containersOf, Rule, UNREADABLE_CONTAINERS } from "../rule";

export const ecs_9: Rule = {
    name: "ecs-9-logging",
    control: "ECS.9",
    description: "ECS.9: ECS task definitions should have a logging configuration",
    explanation:
        "A container without a log driver leaves nothing to read after it stops. Give every " +
        "container a logConfiguration (awslogs to the layer's log group).",
    level: "mandatory",
    types: ["aws:ecs/taskDefinition:TaskDefinition"],
    scope: "resource",
    check(task) {
        const containers = containersOf(task);
        if (!containers) return [UNREADABLE_CONTAINERS];
        return containers.filter((c) => !c.logConfiguration?.logDriver).map((c) => `container '${c.name}' has no logConfiguration`);
    },
};
