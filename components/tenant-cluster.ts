/**
 * An enterprise tenant's own database (README "Isolation tiers"): its KMS key, its Aurora MySQL cluster
 * in its own VPC, and the password-rotation function beside it.
 */
import * as pulumi from "@pulumi/pulumi";
import { DatabaseConfig, OFFBOARDING_TAG, tenantClusterIdentifier } from "../src/config";
import { AuroraSharedSettings, createAuroraCluster, createAuroraInstances } from "./aurora-cluster";
import { RotationFunction } from "./secret-rotation";
import { bbwsName, createDataKey } from "./shared";

/** The tenant's own VPC as its database needs it (the network layer's `TenantVpc`). */
export interface TenantClusterNetwork {
    readonly vpcId: pulumi.Input<string>;
    /** The rotation function's subnets: through the tenant's NAT gateway it reaches Secrets Manager's API. */
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /** The cluster's subnets, one per AZ. */
    readonly isolatedSubnetIds: pulumi.Input<string[]>;
    /** The tenant's `database` group: the cluster's, which admits the tenant's tasks and the platform task. */
    readonly databaseSecurityGroupId: pulumi.Input<string>;
}

export interface TenantClusterArgs {
    readonly env: string;
    readonly region: string;
    readonly accountId: string;
    readonly tenantId: string;
    /** True while `npm run tenant -- remove` offboards it: its cluster's deletion protection is off, so the delete can run. */
    readonly offboarding: boolean;
    /** `bbws:database`: the tenant's cluster is shaped as the environment's (engine, class, instances, backups, windows). */
    readonly database: DatabaseConfig;
    readonly azCount: number;
    readonly network: TenantClusterNetwork;
    /** The environment's parameter groups and monitoring role (the data layer's). */
    readonly shared: AuroraSharedSettings;
    /** The environment's data key: the tenant's database secret stays encrypted with it (the rotation function's `kmsKeyArn`). */
    readonly secretKeyArn: pulumi.Input<string>;
}

export { tenantClusterIdentifier };

/**
 * `bbws:data:TenantCluster` (`<data layer>-<id>-cluster`): the key `<name>-key`
 * (`alias/bbws-<env>-tenant-<id>`, rotated yearly, the environment key's policy: `dataKeyPolicy`), the
 * cluster `tenantClusterIdentifier` and its instances as the environment's are built
 * (components/aurora-cluster.ts), encrypted with that key, in the tenant VPC's isolated subnets and
 * `database` group, and its own rotation function `bbws-tenant-<id>-rotation-<env>` in its private
 * subnets (AWS's rotation template takes one master secret and its key: the environment's function
 * cannot log in here).
 *
 * The tenant's data leaves with it: no `protect` (offboarding deletes the cluster, after its archive) and
 * never `retainOnDelete`, whatever `bbws:protection` says: a cluster left in AWS keeps its network
 * interfaces in the tenant's isolated subnets and its group in use, so the same rollout's deletes of its
 * subnet group, subnets, group and VPC would fail (EC2 DeleteSubnet / DeleteSecurityGroup:
 * DependencyViolation; RDS DeleteDBSubnetGroup: InvalidDBSubnetGroupStateFault). What stays is RDS's
 * final snapshot `<identifier>-final` as `bbws:database.finalSnapshot` says and the recovery points in
 * the tenant's own backup vault, which is retained (components/tenant-storage.ts); and deletion protection as `bbws:database.deletionProtection` says until the tenant is
 * `offboarding` (RDS refuses to delete a protected cluster: Aurora user guide, "Deletion protection for
 * Aurora clusters"), when its cluster and instances are also tagged `Offboarding: true`, which RDS.7
 * accepts (src/policy/rules/offboarding.ts). The key is never deleted by a rollout (`retainOnDelete`): the final snapshot and
 * the backups are encrypted with it.
 */
export class TenantCluster extends pulumi.ComponentResource {
    readonly keyArn: pulumi.Output<string>;
    readonly clusterIdentifier: pulumi.Output<string>;
    readonly clusterArn: pulumi.Output<string>;
    readonly writerEndpoint: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    /** The RDS-managed master secret (encrypted with the tenant's key). */
    readonly masterSecretArn: pulumi.Output<string>;
    /** The writer first, then the readers. */
    readonly instanceIdentifiers: pulumi.Output<string>[];
    readonly rotation: RotationFunction;

    constructor(name: string, args: TenantClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:data:TenantCluster", name, {}, opts);
        const { env, tenantId: t } = args;
        const tags: Record<string, string> = { Tenant: t, ...(args.offboarding ? { [OFFBOARDING_TAG]: "true" } : {}) };
        const key = createDataKey(this, name, {
            stackRegion: args.region,
            accountId: args.accountId,
            description: `BBWS ${env} tenant ${t}: its Aurora cluster, master secret, logs and backups`,
            alias: `alias/bbws-${env}-tenant-${t}`,
            tags: { Name: bbwsName(env, `tenant-${t}-data`), ...tags },
            options: { retainOnDelete: true },
        });
        this.keyArn = key.arn;

        const spec = {
            ...args.shared,
            identifier: tenantClusterIdentifier(env, t),
            database: { ...args.database, deletionProtection: args.database.deletionProtection && !args.offboarding },
            keyArn: key.arn,
            subnetIds: args.network.isolatedSubnetIds,
            securityGroupId: args.network.databaseSecurityGroupId,
            azCount: args.azCount,
            tags,
            // As the environment's: automatic minor upgrades move the version past the one configured.
            ignoreChanges: ["engineVersion"],
            stateful: { protect: false, retainOnDelete: false },
        };
        const cluster = createAuroraCluster(this, name, spec);
        const instances = createAuroraInstances(this, name, spec, cluster);
        this.clusterIdentifier = cluster.clusterIdentifier;
        this.clusterArn = cluster.arn;
        this.writerEndpoint = cluster.endpoint;
        this.port = cluster.port;
        this.masterSecretArn = cluster.masterUserSecrets.apply((secrets) => secrets[0].secretArn);
        this.instanceIdentifiers = instances.map((i) => i.identifier);

        this.rotation = new RotationFunction(
            `${name}-rotation`,
            {
                env,
                region: args.region,
                accountId: args.accountId,
                vpcId: args.network.vpcId,
                privateSubnetIds: args.network.privateSubnetIds,
                databaseSecurityGroupId: args.network.databaseSecurityGroupId,
                masterSecretArn: this.masterSecretArn,
                keyArn: args.secretKeyArn,
                masterSecretKeyArn: key.arn,
                part: `tenant-${t}-rotation`,
            },
            { parent: this },
        );
        this.registerOutputs({
            keyArn: this.keyArn,
            clusterIdentifier: this.clusterIdentifier,
            clusterArn: this.clusterArn,
            writerEndpoint: this.writerEndpoint,
            masterSecretArn: this.masterSecretArn,
            rotationFunctionName: this.rotation.functionName,
        });
    }
}
