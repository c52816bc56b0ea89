import { containerProblems, Rule } from "../rule";

/**
 * Why a container's `user` (`user`, `user:group`, `uid` or `uid:gid`: ECS API reference,
 * ContainerDefinition `user`) runs it as root, or undefined: absent (the image decides, and most images
 * run as root), empty, or a user part of `root` or `0` (any number of zeros). The group is not judged,
 * as in the AWS Config rule ecs-task-definition-linux-user-non-root.
 */
export function rootUserProblem(user: unknown): string | undefined {
    if (user === undefined || user === null || user === "")
        return "sets no user, so it runs as the image's (root unless the image says otherwise)";
    if (typeof user !== "string") return `has a user that is not a string (${JSON.stringify(user)})`;
    const name = user.split(":")[0];
    if (name === "root" || /^0+$/.test(name)) return `runs as root (user '${user}')`;
    if (name === "") return `has no user before the group (user '${user}')`;
    return undefined;
}

export const ecs_20: Rule = {
    name: "ecs-20-non-root-user",
    control: "ECS.20",
    description: "ECS.20: ECS task definitions should configure non-root users in Linux container definitions",
    explanation:
        "A process running as root in its container needs only one more flaw to act as root on what it " +
        "can reach, and on EFS it would own every file it creates. Set user to a non-root uid:gid (the " +
        "tenant's POSIX id, components/ecs-tasks.ts containerUser). Like the AWS Config rule " +
        "ecs-task-definition-linux-user-non-root, an absent user fails.",
    level: "mandatory",
    types: ["aws:ecs/taskDefinition:TaskDefinition"],
    scope: "resource",
    check(task) {
        return containerProblems(task, (c) => rootUserProblem(c.user));
    },
};
