/**
 * An Aurora MySQL cluster and its instances as this platform builds every one of them: the
 * environment's shared cluster (components/data.ts) and an enterprise tenant's own
 * (components/tenant-cluster.ts). The parameter groups and the enhanced-monitoring role are the data
 * layer's, shared by every cluster of the environment.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DatabaseConfig } from "../src/config";

/** Logs Aurora exports to CloudWatch: who connected and changed what, failures, and slow queries. */
export const AURORA_LOG_EXPORTS = ["audit", "error", "slowquery"] as const;

/** The master user of a primary cluster (a secondary takes its users from the primary). */
export const MASTER_USERNAME = "bbws_admin";

/** The zone of each instance, round-robin over the VPC's zones: the writer and the first reader never share one. */
export function instanceZones(instances: number, zones: readonly string[]): string[] {
    return Array.from({ length: instances }, (_, i) => zones[i % zones.length]);
}

/** What one cluster is built from. */
export interface AuroraClusterSpec {
    /**
     * The cluster's identifier, also its subnet group's name and its log groups' middle part
     * (`/aws/rds/cluster/<identifier>/<log>`); instance `i` is `<identifier>-<i + 1>`. 1–63 letters,
     * digits and hyphens, a letter first, no `--`, no final hyphen (RDS API reference, CreateDBCluster
     * `DBClusterIdentifier`; checked on the synth by automation/aws-name-rules.ts).
     */
    readonly identifier: string;
    /** Engine, size, windows, retention and protection settings (`bbws:database`). */
    readonly database: DatabaseConfig;
    /** Encrypts the storage, the RDS-managed master secret, Performance Insights and the log groups. */
    readonly keyArn: pulumi.Input<string>;
    /** One isolated subnet per AZ. */
    readonly subnetIds: pulumi.Input<string[]>;
    readonly securityGroupId: pulumi.Input<string>;
    /** AZs the subnets span: instances are spread over the first `azCount` zones. */
    readonly azCount: number;
    readonly clusterParameterGroupName: pulumi.Input<string>;
    readonly instanceParameterGroupName: pulumi.Input<string>;
    /** The enhanced-monitoring role; absent when `monitoringIntervalSeconds` is 0. */
    readonly monitoringRoleArn?: pulumi.Input<string>;
    /** A master password the platform keeps (`bbws:dr`); absent: RDS manages it in Secrets Manager with `keyArn`. */
    readonly masterPassword?: pulumi.Output<string>;
    /** Extra tags on the cluster and its instances (a tenant's `Tenant`). */
    readonly tags?: Record<string, string>;
    /** Inputs Pulumi leaves to AWS after creation (see the shared cluster's). */
    readonly ignoreChanges: string[];
    /**
     * Options of the cluster and instances: `statefulOptions` for the shared cluster; for a tenant's,
     * deleted with the tenant (components/tenant-cluster.ts).
     */
    readonly stateful: pulumi.CustomResourceOptions;
}

/**
 * What every Aurora cluster of the platform is given alike, the standby one in the DR region included
 * (components/global-database.ts): storage encrypted with `keyArn`, IAM authentication, the log exports,
 * backups and windows from `bbws:database`, tags copied to snapshots, deletion protection and a final
 * snapshot `<identifier>-final` as configured.
 */
export function auroraClusterSettings(identifier: string, database: DatabaseConfig, keyArn: pulumi.Input<string>) {
    return {
        storageEncrypted: true,
        kmsKeyId: keyArn,
        iamDatabaseAuthenticationEnabled: true,
        enabledCloudwatchLogsExports: [...AURORA_LOG_EXPORTS],
        backupRetentionPeriod: database.backupRetentionDays,
        preferredBackupWindow: database.backupWindow,
        preferredMaintenanceWindow: database.maintenanceWindow,
        copyTagsToSnapshot: true,
        deletionProtection: database.deletionProtection,
        skipFinalSnapshot: !database.finalSnapshot,
        finalSnapshotIdentifier: database.finalSnapshot ? `${identifier}-final` : undefined,
    } satisfies Partial<aws.rds.ClusterArgs>;
}

/** What every Aurora cluster of an environment shares, made once by the data layer. */
export type AuroraSharedSettings = Pick<
    AuroraClusterSpec,
    "clusterParameterGroupName" | "instanceParameterGroupName" | "monitoringRoleArn"
>;

/**
 * The subnet group `<name>-aurora-subnets`, the three log groups `<name>-aurora-<log>-log` (created here,
 * with a retention and the key; RDS would create them on first export and keep the logs forever) and
 * the cluster `<name>-aurora`: TLS-only parameters, IAM authentication, the log exports, backups and
 * windows from `bbws:database`, `deletionProtection` and a final snapshot `<identifier>-final` as
 * configured.
 */
export function createAuroraCluster(parent: pulumi.Resource, name: string, spec: AuroraClusterSpec): aws.rds.Cluster {
    const { identifier, database } = spec;
    const subnetGroup = new aws.rds.SubnetGroup(
        `${name}-aurora-subnets`,
        { name: identifier, description: "BBWS Aurora MySQL: isolated subnets", subnetIds: spec.subnetIds, tags: spec.tags },
        { parent },
    );
    const logGroups = AURORA_LOG_EXPORTS.map(
        (log) =>
            new aws.cloudwatch.LogGroup(
                `${name}-aurora-${log}-log`,
                {
                    name: `/aws/rds/cluster/${identifier}/${log}`,
                    retentionInDays: database.logRetentionDays,
                    kmsKeyId: spec.keyArn,
                    tags: spec.tags,
                },
                { parent },
            ),
    );
    return new aws.rds.Cluster(
        `${name}-aurora`,
        {
            clusterIdentifier: identifier,
            engine: "aurora-mysql",
            engineVersion: database.engineVersion,
            masterUsername: MASTER_USERNAME,
            // Without a global database RDS keeps the password in Secrets Manager and rotates it: it never
            // passes through config or state. With one, RDS refuses that (masterPasswordKeeper); the
            // change is an update of this cluster, never a replacement: ModifyDBCluster with
            // ManageMasterUserPassword false and MasterUserPassword (RDS API reference), and neither
            // input is ForceNew (terraform-provider-aws internal/service/rds/cluster.go).
            ...(spec.masterPassword
                ? { manageMasterUserPassword: false, masterPassword: spec.masterPassword }
                : { manageMasterUserPassword: true, masterUserSecretKmsKeyId: spec.keyArn }),
            dbSubnetGroupName: subnetGroup.name,
            vpcSecurityGroupIds: [spec.securityGroupId],
            dbClusterParameterGroupName: spec.clusterParameterGroupName,
            port: 3306,
            ...auroraClusterSettings(identifier, database, spec.keyArn),
            tags: { Name: identifier, ...spec.tags },
        },
        { ...spec.stateful, parent, dependsOn: logGroups, ignoreChanges: spec.ignoreChanges },
    );
}

/**
 * `database.instances` instances `<name>-aurora-<i + 1>` (`<identifier>-<i + 1>`), the first the writer
 * (the readers wait for it), round-robin over the first `azCount` zones, private, with automatic minor
 * upgrades, Performance Insights (with the key) and enhanced monitoring as configured.
 */
export function createAuroraInstances(
    parent: pulumi.Resource,
    name: string,
    spec: AuroraClusterSpec,
    cluster: aws.rds.Cluster,
): aws.rds.ClusterInstance[] {
    const { database } = spec;
    // The same look-up awsx's VPC makes, so instance i lands in the zone of isolated subnet i.
    const zones = aws
        .getAvailabilityZonesOutput({}, { parent })
        .names.apply((names) => instanceZones(database.instances, names.slice(0, spec.azCount)));
    const instances: aws.rds.ClusterInstance[] = [];
    for (let i = 0; i < database.instances; i++) {
        const identifier = `${spec.identifier}-${i + 1}`;
        instances.push(
            new aws.rds.ClusterInstance(
                `${name}-aurora-${i + 1}`,
                {
                    identifier,
                    clusterIdentifier: cluster.id,
                    engine: "aurora-mysql",
                    instanceClass: database.instanceClass,
                    availabilityZone: zones.apply((z) => z[i]),
                    dbParameterGroupName: spec.instanceParameterGroupName,
                    publiclyAccessible: false,
                    autoMinorVersionUpgrade: true,
                    copyTagsToSnapshot: true,
                    performanceInsightsEnabled: database.performanceInsights,
                    performanceInsightsKmsKeyId: database.performanceInsights ? spec.keyArn : undefined,
                    performanceInsightsRetentionPeriod: database.performanceInsights ? 7 : undefined,
                    monitoringInterval: database.monitoringIntervalSeconds,
                    monitoringRoleArn: spec.monitoringRoleArn,
                    tags: { Name: identifier, ...spec.tags },
                },
                // The first instance created becomes the writer: readers wait for it.
                { ...spec.stateful, parent, dependsOn: instances.slice(0, 1) },
            ),
        );
    }
    return instances;
}
