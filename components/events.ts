/**
 * The monitoring layer's EventBridge rules as data: which AWS events reach which topic. Every
 * pattern names this environment's own cluster, database, vault or repositories, so one account's
 * other workloads never page us; the security signals (GuardDuty, root use, IAM policy changes) are
 * account-wide on purpose, each environment being its own account.
 */
import * as pulumi from "@pulumi/pulumi";
import { REPOSITORIES } from "../src/images";
import type { AlarmTopic } from "./alarms";

/**
 * The region whose default event bus receives the events of global services (IAM): they are
 * delivered to EventBridge only there (AWS re:Post, "Why does my EventBridge rule for IAM events only
 * trigger in the us-east-1 Region?"). Equal to the policy pack's `GLOBAL_EVENTS_REGION` (tested).
 */
export const GLOBAL_EVENTS_REGION = "us-east-1";

/**
 * Where a rule sends what it matches: one of the layer's topics, or the environment's default event
 * bus in its home region (a rule in us-east-1 forwarding global-service events home, where a rule
 * with the same pattern pages the topic). Cross-Region event bus targets work between any commercial
 * Regions (AWS Compute Blog, "Expanding cross-Region event routing with Amazon EventBridge") and need
 * an IAM role allowed `events:PutEvents` on the target bus (EventBridge user guide, "Sending and
 * receiving events between AWS Regions"; the `roleArn` of `aws.cloudwatch.EventTarget`).
 */
export type EventRuleTarget = AlarmTopic | "home-event-bus";

export interface EventRuleSpec {
    /** Name suffix: the rule is `bbws-<env>-<what>`. */
    readonly what: string;
    readonly description: string;
    readonly target: EventRuleTarget;
    /** The rule's region when not the stack's own: only `GLOBAL_EVENTS_REGION`, for the forwarders. */
    readonly region?: typeof GLOBAL_EVENTS_REGION;
    /** The event pattern; its values may be outputs of other layers. */
    readonly pattern: Readonly<Record<string, unknown>>;
}

export interface EventTargets {
    /** The environment: its secrets are named `bbws/<env>/…` (components/data.ts, components/cache-users.ts). */
    readonly env: string;
    readonly region: string;
    readonly accountId: string;
    readonly clusterName: pulumi.Input<string>;
    readonly auroraClusterIdentifier: pulumi.Input<string>;
    readonly backupVaultName: pulumi.Input<string>;
}

/** The data an enterprise tenant owns: its own cluster and backup vault, watched by rules of its own. */
export interface TenantDataTargets {
    readonly tenantId: string;
    readonly auroraClusterIdentifier: pulumi.Input<string>;
    readonly backupVaultName: pulumi.Input<string>;
}

/**
 * The rules about one Aurora cluster and one backup vault, `<prefix>rds-failover` (critical),
 * `<prefix>rds-cluster-events` and `<prefix>backup-failed` (alerts), each naming exactly that cluster or
 * vault: the platform's (no prefix) and each enterprise tenant's own (`<id>-`, `tenantEventRuleSpecs`),
 * so a pattern never grows with tenants (EventBridge quotas: an event pattern holds at most 2,048
 * characters) and a tenant's rules are its own monitoring's, applied by its `--tenant` rollouts.
 */
function dataEventRuleSpecs(
    prefix: string,
    says: { readonly cluster: string; readonly clusterEvent: string; readonly vault: string },
    cluster: pulumi.Input<string>,
    vault: pulumi.Input<string>,
): EventRuleSpec[] {
    const rdsClusterEvent = (categories: unknown[]) => ({
        source: ["aws.rds"],
        "detail-type": ["RDS DB Cluster Event"],
        detail: { SourceIdentifier: [cluster], EventCategories: categories },
    });
    return [
        {
            what: `${prefix}rds-failover`,
            target: "critical",
            description: `${says.cluster} failed over to another instance`,
            pattern: rdsClusterEvent(["failover"]),
        },
        {
            what: `${prefix}rds-cluster-events`,
            target: "alerts",
            description: `Any other ${says.clusterEvent} (maintenance, configuration, notification)`,
            pattern: rdsClusterEvent([{ "anything-but": ["failover"] }]),
        },
        {
            what: `${prefix}backup-failed`,
            target: "alerts",
            description: `An AWS Backup job for ${says.vault} failed, was aborted or expired`,
            pattern: {
                source: ["aws.backup"],
                "detail-type": ["Backup Job State Change"],
                detail: { state: ["FAILED", "ABORTED", "EXPIRED"], backupVaultName: [vault] },
            },
        },
    ];
}

/** An enterprise tenant's own rules (`dataEventRuleSpecs`): `<id>-rds-failover`, `<id>-rds-cluster-events`, `<id>-backup-failed`. */
export function tenantEventRuleSpecs(t: TenantDataTargets): EventRuleSpec[] {
    const own = `tenant ${t.tenantId}'s own`;
    return dataEventRuleSpecs(
        `${t.tenantId}-`,
        { cluster: `Tenant ${t.tenantId}'s own Aurora cluster`, clusterEvent: `event of ${own} Aurora cluster`, vault: `${own} vault` },
        t.auroraClusterIdentifier,
        t.backupVaultName,
    );
}

/**
 * IAM policy changes: the API calls of the CIS AWS Foundations benchmark's "IAM policy changes"
 * metric filter (Security Hub control CloudWatch.4), plus `SetDefaultPolicyVersion` and the
 * permissions-boundary calls, which change what a principal may do just as much.
 */
export const IAM_POLICY_CHANGE_EVENTS: readonly string[] = [
    "CreatePolicy",
    "DeletePolicy",
    "CreatePolicyVersion",
    "DeletePolicyVersion",
    "SetDefaultPolicyVersion",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
    "PutRolePolicy",
    "DeleteRolePolicy",
    "PutUserPolicy",
    "DeleteUserPolicy",
    "PutGroupPolicy",
    "DeleteGroupPolicy",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
    "PutUserPermissionsBoundary",
    "DeleteUserPermissionsBoundary",
    "UpdateAssumeRolePolicy",
];

/**
 * CloudTrail's detail-types for API calls and console sign-ins. The EventBridge user guide ("AWS
 * service events delivered via AWS CloudTrail") lists the sign-in type as "AWS Console Signin via
 * CloudTrail", while AWS's sample sign-in events carry "AWS Console Sign In via CloudTrail": both are
 * matched until an event from a real account settles it. CloudTrail delivers these only while a trail
 * is logging (same page), which `npm run verify` checks.
 */
const CLOUDTRAIL_DETAIL_TYPES = ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail", "AWS Console Signin via CloudTrail"];

/** IAM policy changes, as CloudTrail delivers them to EventBridge (in us-east-1 only). */
const iamPolicyChanges = {
    source: ["aws.iam"],
    "detail-type": ["AWS API Call via CloudTrail"],
    detail: { eventSource: ["iam.amazonaws.com"], eventName: [...IAM_POLICY_CHANGE_EVENTS] },
};

/**
 * Use of the root user: the CIS benchmark's filter (Security Hub control CloudWatch.1) as an event
 * pattern: `userIdentity.type` Root, not invoked by an AWS service on its behalf, not an AWS service event.
 */
const rootUse = {
    "detail-type": CLOUDTRAIL_DETAIL_TYPES,
    detail: {
        userIdentity: { type: ["Root"], invokedBy: [{ exists: false }] },
        eventType: [{ "anything-but": "AwsServiceEvent" }],
    },
};

/**
 * Secrets Manager's CloudTrail entries for a failed rotation (Secrets Manager user guide, "AWS
 * CloudTrail entries for Secrets Manager", "Log entries for rotation"): `RotationFailed` ("generated
 * when rotation fails"), and `TestRotationFailed`, the configuration test RotateSecret runs when a
 * rotation is set without rotating at once (a tenant's start). Both are service events, not API calls.
 */
export const ROTATION_FAILURE_EVENTS: readonly string[] = ["RotationFailed", "TestRotationFailed"];

/**
 * A failed rotation or configuration test of one of the platform's own secrets (`bbws/<env>/…`: the
 * tenants' database secrets our functions rotate; not the RDS-managed `rds!cluster-…` master secrets).
 * The guide's sample entry names the secret by ARN in `additionalEventData.SecretId`; the name is
 * matched too, in case an entry names it so (not verified). CloudTrail delivers such events as "AWS
 * Service Event via CloudTrail", and only while a trail is logging (EventBridge user guide, "AWS
 * service events delivered via AWS CloudTrail"). `RotationAbandoned` (a new version written during a
 * rotation; the AWSPENDING label removed) blocks no later rotation, so it is not matched.
 */
function secretRotationFailed(t: EventTargets) {
    const name = `bbws/${t.env}/`;
    return {
        source: ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail"],
        detail: {
            eventSource: ["secretsmanager.amazonaws.com"],
            eventName: [...ROTATION_FAILURE_EVENTS],
            additionalEventData: {
                SecretId: [{ prefix: `arn:aws:secretsmanager:${t.region}:${t.accountId}:secret:${name}` }, { prefix: name }],
            },
        },
    };
}

/**
 * The rules, in a fixed order: ECS deployment failed and Aurora failover page `critical`; a
 * container exiting non-zero, other Aurora cluster events, a failed backup job and a failed secret
 * rotation go to `alerts`;
 * then the security signals, all `critical`: HIGH or CRITICAL image scan findings, GuardDuty findings
 * of high severity, root use and IAM policy changes, the last two also forwarded from us-east-1 (unless
 * the stack is there). Patterns use EventBridge content filters (`prefix`, `anything-but`, `numeric`,
 * `exists`, `$or`); values may be unresolved outputs.
 */
export function eventRuleSpecs(t: EventTargets): EventRuleSpec[] {
    const ecsArn = (resource: string) => `arn:aws:ecs:${t.region}:${t.accountId}:${resource}`;
    return [
        {
            what: "ecs-deployment-failed",
            target: "critical",
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
            target: "alerts",
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
        ...dataEventRuleSpecs(
            "",
            { cluster: "The Aurora cluster", clusterEvent: "Aurora cluster event", vault: "the platform's vault" },
            t.auroraClusterIdentifier,
            t.backupVaultName,
        ),
        {
            what: "secret-rotation-failed",
            target: "alerts",
            // A failed rotation leaves the current credentials current, so no site breaks at once; but
            // it may leave AWSPENDING behind, and then every later RotateSecret fails and the password
            // silently stops rotating ("A pending rotation" in the README).
            description: "A rotation, or the configuration test of one, failed for one of the platform's own secrets of this environment",
            pattern: secretRotationFailed(t),
        },
        {
            what: "ecr-scan-findings",
            target: "critical",
            // The repositories use basic scanning (scan on push, no registry scanning configuration in
            // components/storage.ts): ECR itself sends "ECR Image Scan", whose finding-severity-counts
            // holds a count only for the severities found (ECR user guide, "Amazon ECR events and EventBridge").
            description: "An image pushed to the platform's repositories has HIGH or CRITICAL vulnerability findings",
            pattern: {
                source: ["aws.ecr"],
                "detail-type": ["ECR Image Scan"],
                detail: {
                    "scan-status": ["COMPLETE"],
                    "repository-name": Object.values(REPOSITORIES),
                    "finding-severity-counts": {
                        $or: [{ CRITICAL: [{ numeric: [">", 0] }] }, { HIGH: [{ numeric: [">", 0] }] }],
                    },
                },
            },
        },
        {
            what: "guardduty-findings",
            target: "critical",
            // GuardDuty's High is 7.0–8.9 and Critical 9.0–10.0 (GuardDuty user guide, "Severity levels
            // of GuardDuty findings"). Findings are regional and reach this region's bus; with GuardDuty
            // off the rule matches nothing and costs nothing.
            description: "GuardDuty reported a finding of high or critical severity (7.0 or more) in this account and region",
            pattern: {
                source: ["aws.guardduty"],
                "detail-type": ["GuardDuty Finding"],
                detail: { severity: [{ numeric: [">=", 7] }] },
            },
        },
        {
            what: "root-activity",
            target: "critical",
            // Root activity here, and in us-east-1 through the forwarder below (the forwarded event keeps its region).
            description: "The account's root user signed in or called an API (here, or in us-east-1 via the forwarder)",
            pattern: rootUse,
        },
        {
            what: "iam-policy-changes",
            target: "critical",
            // IAM's events exist only on us-east-1's bus: this rule sees the forwarded ones, which keep `region`.
            description: "An IAM policy was created, changed, attached or detached (events forwarded from us-east-1)",
            pattern: { ...iamPolicyChanges, region: [GLOBAL_EVENTS_REGION] },
        },
        ...(t.region === GLOBAL_EVENTS_REGION
            ? []
            : (["root-activity", "iam-policy-changes"] as const).map((what): EventRuleSpec => ({
                  what: `${what}-to-${t.region}`,
                  target: "home-event-bus",
                  region: GLOBAL_EVENTS_REGION,
                  description: `Forwards ${what === "root-activity" ? "root user activity" : "IAM policy changes"} from us-east-1 to the ${t.region} default event bus`,
                  pattern: what === "root-activity" ? rootUse : iamPolicyChanges,
              }))),
    ];
}
