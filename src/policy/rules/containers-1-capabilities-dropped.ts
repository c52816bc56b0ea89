import { asList, containerProblems, Rule } from "../rule";

/**
 * Why a container keeps Linux capabilities, or undefined: its `linuxParameters.capabilities.drop` does
 * not list `ALL`, or its `add` lists anything. Without a drop, Docker's default set stays (CHOWN,
 * DAC_OVERRIDE, SETUID, NET_RAW, …: Docker docs, "Runtime privilege and Linux capabilities").
 */
export function keptCapabilitiesProblem(container: any): string | undefined {
    const capabilities = container?.linuxParameters?.capabilities;
    const dropped = asList<string>(capabilities?.drop);
    if (!dropped.includes("ALL")) return "does not drop ALL capabilities (Docker's default set stays)";
    const added = asList<string>(capabilities?.add);
    if (added.length > 0) return `adds ${added.join(", ")} back`;
    return undefined;
}

export const containers_1: Rule = {
    name: "containers-1-capabilities-dropped",
    control: "CONTAINERS.1",
    description: "CONTAINERS.1: ECS containers should drop every Linux capability",
    explanation:
        "Not an AWS Foundational Security Best Practices control: the CIS Docker Benchmark's " +
        "'restrict Linux kernel capabilities within containers' and the ECS best practices guide's " +
        "advice to drop what a task does not need. Docker's default set lets a process change file " +
        "ownership, bypass file permissions, switch uid and open raw sockets; WordPress on a port of 1024 " +
        "or more needs none of it. Set linuxParameters.capabilities.drop: ['ALL'] and add nothing.",
    level: "mandatory",
    types: ["aws:ecs/taskDefinition:TaskDefinition"],
    scope: "resource",
    check(task) {
        return containerProblems(task, keptCapabilitiesProblem);
    },
};
