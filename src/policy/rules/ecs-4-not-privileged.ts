import { containerProblems, Rule } from "../rule";

export const ecs_4: Rule = {
    name: "ecs-4-not-privileged",
    control: "ECS.4",
    description: "ECS.4: ECS containers should run as non-privileged",
    explanation:
        "A privileged container holds root on its host. Leave privileged unset or false " +
        "(Fargate refuses it anyway; this keeps it out of reviews too).",
    level: "mandatory",
    types: ["aws:ecs/taskDefinition:TaskDefinition"],
    scope: "resource",
    check(task) {
        return containerProblems(task, (c) => (c.privileged === true ? "is privileged" : undefined));
    },
};
