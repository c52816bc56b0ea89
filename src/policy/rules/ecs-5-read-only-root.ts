import { containerProblems, Rule } from "../rule";

export const ecs_5: Rule = {
    name: "ecs-5-read-only-root",
    control: "ECS.5",
    description: "ECS.5: ECS containers should be limited to read-only access to root filesystems",
    explanation:
        "A compromised process that can write its root filesystem can replace the code it runs and " +
        "leave tools behind. Set readonlyRootFilesystem: true and give each path the container must " +
        "write an explicit volume (components/ecs-tasks.ts hardenedContainer). The control and the AWS " +
        "Config rule ecs-containers-readonly-access fail a container whose readonlyRootFilesystem is false; " +
        "absent is Docker's default, writable, so it fails here too.",
    level: "mandatory",
    types: ["aws:ecs/taskDefinition:TaskDefinition"],
    scope: "resource",
    check(task) {
        return containerProblems(task, (c) =>
            c.readonlyRootFilesystem !== true ? "has a writable root filesystem (readonlyRootFilesystem is not true)" : undefined,
        );
    },
};
