import { asList, Rule } from "../rule";

export const ecs_12: Rule = {
    name: "ecs-12-container-insights",
    control: "ECS.12",
    description: "ECS.12: ECS clusters should use Container Insights",
    explanation:
        "Container Insights gives per-task CPU, memory and restart metrics the alarms and " +
        "dashboard read. Add the setting containerInsights = enabled (or enhanced).",
    // Observability rather than exposure: reported, never blocking.
    level: "advisory",
    types: ["aws:ecs/cluster:Cluster"],
    scope: "resource",
    check(cluster) {
        const setting = asList<any>(cluster.inputs.settings).find((s) => s.name === "containerInsights");
        return setting && ["enabled", "enhanced"].includes(setting.value) ? [] : ["Container Insights is not enabled"];
    },
};
