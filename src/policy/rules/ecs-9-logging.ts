import { asList, containersOf, Rule, UNREADABLE_CONTAINERS } from "../rule";

/**
 * What an `awslogs` container must name for its lines to land where a reader (the one-off task runner,
 * issue 15) looks: the group and region always, and on Fargate the stream prefix, without which a task
 * definition requiring FARGATE is refused (ECS developer guide, "Using the awslogs log driver":
 * awslogs-stream-prefix "Required: Optional for EC2, Required for Fargate"; aws/aws-cdk#1422). The stream
 * is then `<prefix>/<container name>/<task id>`.
 */
export function awslogsOptionsRequired(fargate: boolean): string[] {
    return ["awslogs-group", "awslogs-region", ...(fargate ? ["awslogs-stream-prefix"] : [])];
}

export const ecs_9: Rule = {
    name: "ecs-9-logging",
    control: "ECS.9",
    description: "ECS.9: ECS task definitions should have a logging configuration",
    explanation:
        "A container without a log driver leaves nothing to read after it stops. Give every " +
        "container a logConfiguration (awslogs to the layer's log group), and an awslogs one its group, " +
        "region and, on Fargate, stream prefix, so its stream can be found by task id.",
    level: "mandatory",
    types: ["aws:ecs/taskDefinition:TaskDefinition"],
    scope: "resource",
    check(task) {
        const containers = containersOf(task);
        if (!containers) return [UNREADABLE_CONTAINERS];
        const fargate = asList<string>(task.inputs.requiresCompatibilities).includes("FARGATE");
        return containers.flatMap((c) => {
            if (!c.logConfiguration?.logDriver) return [`container '${c.name}' has no logConfiguration`];
            if (c.logConfiguration.logDriver !== "awslogs") return [];
            const missing = awslogsOptionsRequired(fargate).filter((option) => !c.logConfiguration.options?.[option]);
            return missing.length === 0 ? [] : [`container '${c.name}' logs with awslogs without ${missing.join(", ")}`];
        });
    },
};
