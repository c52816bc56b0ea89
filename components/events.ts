/**
 * The monitoring layer's EventBridge rules as data: which AWS events reach which topic. Every
 * pattern names this environment's own cluster, database or vault, so one account's other
 * workloads never page us.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AlarmTopic } from "./alarms";

export interface EventRuleSpec {
    /** Name suffix: the rule is `bbws-<env>-<what>`. */
    readonly what: string;
    readonly description: string;
    readonly topic: AlarmTopic;
    /** The event pattern; its values may be outputs of other layers. */
    readonly pattern: Readonly<Record<string, unknown>>;
}

export interface EventTargets {
    readonly region: string;
    readonly accountId: string;
    readonly clusterName: pulumi.Input<string>;
    readonly auroraClusterIdentifier: pulumi.Input<string>;
    readonly backupVaultName: pulumi.Input<string>;
}

/**
 * The five rules, in a fixed order: ECS deployment failed and Aurora failover page `critical`; a
 * container exiting non-zero, other Aurora cluster events and a failed backup job go to `alerts`.
 * Patterns use EventBridge content filters (`prefix`, `anything-but`); values may be unresolved outputs.
 */
export function eventRuleSpecs(t: EventTargets): EventRuleSpec[] {
    const ecsArn = (resource: string) => `arn:aws:ecs:${t.region}:${t.accountId}:${resource}`;
    const rdsClusterEvent = (categories: unknown[]) => ({
        source: ["aws.rds"],
        "detail-type": ["RDS DB Cluster Event"],
        detail: { SourceIdentifier: [t.auroraClusterIdentifier], EventCategories: categories },
    });
    return [
        {
            what: "ecs-deployment-failed",
            topic: "critical",
            // The circuit breaker reports its rollback as a failed deployment.
            description: "An ECS service deployment failed or was rolled back by the circuit breaker",
            pattern: {
                source: ["aws.ecs"],
                "detail-type": ["ECS Deployment State Change"],
                resources: [{ prefix: pulumi.interpolate`${ecsArn("service")}/${t.clusterName}/` }],
                detail: { eventName: ["SERVICE_DEPLOYMENT_FAILED"] },
            },
        },
        {
            what: "ecs-container-exited",
            topic: "alerts",
            description: "A task stopped because an essential container exited with a non-zero code",
            pattern: {
                source: ["aws.ecs"],
                "detail-type": ["ECS Task State Change"],
                detail: {
                    clusterArn: [pulumi.interpolate`${ecsArn("cluster")}/${t.clusterName}`],
                    lastStatus: ["STOPPED"],
                    stopCode: ["EssentialContainerExited"],
                    containers: { exitCode: [{ "anything-but": 0 }] },
                },
            },
        },
        {
            what: "rds-failover",
            topic: "critical",
            description: "The Aurora cluster failed over to another instance",
            pattern: rdsClusterEvent(["failover"]),
        },
        {
            what: "rds-cluster-events",
            topic: "alerts",
            description: "Any other Aurora cluster event (maintenance, configuration, notification)",
            pattern: rdsClusterEvent([{ "anything-but": ["failover"] }]),
        },
        {
            what: "backup-failed",
            topic: "alerts",
            description: "An AWS Backup job for the platform's vault failed, was aborted or expired",
            pattern: {
                source: ["aws.backup"],
                "detail-type": ["Backup Job State Change"],
                detail: { state: ["FAILED", "ABORTED", "EXPIRED"], backupVaultName: [t.backupVaultName] },
            },
        },
    ];
}
