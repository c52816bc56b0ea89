import { expect } from "chai";
import {
    AURORA_LOG_EXPORTS,
    DataLayer,
    auroraParameterFamily,
    instanceZones,
    parameterGroupName,
    redisHighAvailability,
    redisParameterFamily,
    tenantDatabaseName,
} from "../../components/data";
import { SECRET_MASK } from "../../automation/mock-run";
import { configFor, ENVIRONMENTS, named, ofType, promiseOf, Registration } from "../support/pulumi";
import { RecordedOptions, stringsIn, unwrapSecret } from "../support/options";
import { buildData, ISOLATED } from "./data-fixtures";

const INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";

/** What the issue asks of each environment, written out rather than read back from config. */
const EXPECTED = {
    dev: { backupDays: 1, instances: 1, protectedData: false, retained: false, multiAz: false, insights: false },
    sit: { backupDays: 7, instances: 2, protectedData: true, retained: false, multiAz: true, insights: true },
    prod: { backupDays: 30, instances: 3, protectedData: true, retained: true, multiAz: true, insights: true },
} as const;

const parameter = (group: Registration, name: string) =>
    (group.inputs.parameters as Array<{ name: string; value: string }>).find((p) => p.name === name)?.value;

describe("data layer", () => {
    describe("decisions", () => {
        it("derives the parameter-group family from the Aurora engine version", () => {
            expect(auroraParameterFamily("8.0.mysql_aurora.3.08.2")).to.equal("aurora-mysql8.0");
            expect(() => auroraParameterFamily("8.0.35")).to.throw(/`engineVersion` '8.0.35'/);
        });
        it("derives the parameter-group family from the Redis engine version", () => {
            expect(redisParameterFamily("7.1")).to.equal("redis7");
            expect(redisParameterFamily("6.2")).to.equal("redis6.x");
            expect(() => redisParameterFamily("5.0.6")).to.throw(/6.x or later/);
        });
        it(
            "gives a parameter group a new name when its family or description changes, since RDS and ElastiCache replace " +
                "the group then (rds/parameter_group.go, elasticache/parameter_group.go: family, description ForceNew) and refuse " +
                "to delete the old one while it is in use",
            () => {
                const v80 = { family: "aurora-mysql8.0", description: "BBWS Aurora MySQL instances: slow-query log" };
                const name = parameterGroupName("prod", "aurora-instance", v80);
                expect(name).to.match(/^bbws-aurora-instance-[0-9a-f]{8}-prod$/);
                expect(parameterGroupName("prod", "aurora-instance", { ...v80 })).to.equal(name);
                expect(parameterGroupName("prod", "aurora-instance", { ...v80, family: "aurora-mysql8.4" })).to.not.equal(name);
                expect(parameterGroupName("prod", "aurora-instance", { ...v80, description: "other" })).to.not.equal(name);
            },
        );
        it("names a tenant's MySQL user and schema wp_<id> with no character that needs quoting", () => {
            expect(tenantDatabaseName("aupairhive")).to.equal("wp_aupairhive");
            expect(tenantDatabaseName("tutor-hub")).to.equal("wp_tutor_hub");
        });
        it("never puts the writer and the first reader in the same zone", () => {
            expect(instanceZones(3, ["a", "b"])).to.deep.equal(["a", "b", "a"]);
            expect(instanceZones(2, ["a", "b", "c"])).to.deep.equal(["a", "b"]);
        });
        it("turns on failover and multi-AZ only when there is a replica", () => {
            expect(redisHighAvailability(1)).to.equal(false);
            expect(redisHighAvailability(2)).to.equal(true);
        });
        it("refuses a tenant whose rotated MySQL user wp_<id>_clone would pass MySQL's 32 characters", async () => {
            const cfg = configFor("dev");
            const longId = "a".repeat(24);
            const tenants = [{ ...cfg.tenants[0], id: longId }];
            const error = await buildData({ ...cfg, tenants }).then(
                () => undefined,
                (e: Error) => e,
            );
            expect(error?.message).to.match(new RegExp(`\`${longId}\` too long`));
        });
    });

    for (const env of ENVIRONMENTS) {
        describe(`in ${env}`, () => {
            const cfg = configFor(env);
            const expected = EXPECTED[env];
            let layer: DataLayer;
            let resources: Registration[];
            let options: Map<string, RecordedOptions>;
            let keyArn: string;

            before(async () => {
                ({ layer, resources, options } = await buildData(cfg));
                keyArn = await promiseOf(layer.keyArn);
            });

            describe("data key", () => {
                it("rotates, is aliased alias/bbws-<env>-data, and leaves key use to the account's IAM policies", () => {
                    const key = named(resources, "data-key");
                    expect(key.inputs.enableKeyRotation).to.equal(true);
                    expect(named(resources, "data-key-alias").inputs.name).to.equal(`alias/bbws-${env}-data`);
                    const policy = JSON.parse(key.inputs.policy);
                    expect(policy.Statement).to.have.length(2);
                    expect(policy.Statement[0].Principal).to.deep.equal({ AWS: `arn:aws:iam::${cfg.accountId}:root` });
                    expect(keyArn).to.match(new RegExp(`^arn:aws:kms:${cfg.region}:${cfg.accountId}:key/[0-9a-f-]{36}$`));
                });
                it("lets CloudWatch Logs of this region encrypt this account's log groups only (encrypted ECS and Exec logs need it)", () => {
                    const logs = JSON.parse(named(resources, "data-key").inputs.policy).Statement[1];
                    expect(logs.Principal).to.deep.equal({ Service: `logs.${cfg.region}.amazonaws.com` });
                    expect(logs.Action).to.include("kms:GenerateDataKey*").and.not.include("kms:*");
                    expect(logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).to.equal(
                        `arn:aws:logs:${cfg.region}:${cfg.accountId}:log-group:*`,
                    );
                });
                it(`is ${expected.protectedData ? "" : "not "}protected and ${expected.retained ? "" : "not "}retained on delete`, () => {
                    expect(options.get("data-key")).to.include({ protect: expected.protectedData, retainOnDelete: expected.retained });
                });
            });

            describe("Aurora MySQL", () => {
                let cluster: Registration;
                before(() => {
                    cluster = named(resources, "data-aurora");
                });

                it(`is the MySQL 8.0-compatible cluster bbws-aurora-${env} on the isolated subnets and the database group`, () => {
                    expect(cluster.inputs.clusterIdentifier).to.equal(`bbws-aurora-${env}`);
                    expect(cluster.inputs.engine).to.equal("aurora-mysql");
                    expect(cluster.inputs.engineVersion).to.match(/^8\.0\.mysql_aurora\./);
                    expect(cluster.inputs.vpcSecurityGroupIds).to.deep.equal(["sg-0database000000000"]);
                    const subnets = named(resources, "data-aurora-subnets");
                    expect(cluster.inputs.dbSubnetGroupName).to.equal(subnets.inputs.name);
                    expect(subnets.inputs.subnetIds).to.deep.equal(ISOLATED.slice(0, cfg.network.azCount));
                });
                it("exports audit, error and slow-query logs to log groups it owns, with retention and the data key", () => {
                    for (const log of ["audit", "error", "slowquery"]) {
                        const group = named(resources, `data-aurora-${log}-log`);
                        expect(group.inputs.name).to.equal(`/aws/rds/cluster/bbws-aurora-${env}/${log}`);
                        expect(group.inputs.retentionInDays).to.equal(cfg.database.logRetentionDays);
                        expect(group.inputs.kmsKeyId).to.equal(keyArn);
                        expect(options.get("data-aurora")?.dependencies, "the group exists before RDS would create its own").to.include(
                            group.urn,
                        );
                    }
                });
                it("lets automatic minor upgrades move its version without drift or a downgrade on the next up", () => {
                    expect(options.get("data-aurora")?.ignoreChanges).to.deep.equal(["engineVersion"]);
                    for (let i = 1; i <= cfg.database.instances; i++) {
                        const instance = named(resources, `data-aurora-${i}`);
                        expect(instance.inputs.autoMinorVersionUpgrade).to.equal(true);
                        expect(instance.inputs.engineVersion, "instances follow the cluster's version").to.equal(undefined);
                    }
                });
                it("encrypts storage with the data key and copies tags to snapshots", () => {
                    expect(cluster.inputs.storageEncrypted).to.equal(true);
                    expect(cluster.inputs.kmsKeyId).to.equal(keyArn);
                    expect(cluster.inputs.copyTagsToSnapshot).to.equal(true);
                });
                it(`keeps backups ${expected.backupDays} day(s) with set backup and maintenance windows`, () => {
                    expect(cluster.inputs.backupRetentionPeriod).to.equal(expected.backupDays);
                    expect(cluster.inputs.preferredBackupWindow).to.equal(cfg.database.backupWindow);
                    expect(cluster.inputs.preferredMaintenanceWindow).to.equal(cfg.database.maintenanceWindow);
                });
                it(
                    expected.protectedData
                        ? "has deletion protection, takes a final snapshot, and is protected in Pulumi"
                        : "can be deleted without a final snapshot (dev is disposable)",
                    () => {
                        expect(cluster.inputs.deletionProtection).to.equal(expected.protectedData);
                        expect(cluster.inputs.skipFinalSnapshot).to.equal(!expected.protectedData);
                        expect(cluster.inputs.finalSnapshotIdentifier).to.equal(
                            expected.protectedData ? `bbws-aurora-${env}-final` : undefined,
                        );
                        expect(options.get("data-aurora")?.protect).to.equal(expected.protectedData);
                    },
                );
                it("lets RDS manage the master password in Secrets Manager under the data key: none in config or state", async () => {
                    expect(cluster.inputs.manageMasterUserPassword).to.equal(true);
                    expect(cluster.inputs.masterPassword).to.equal(undefined);
                    expect(cluster.inputs.masterUserSecretKmsKeyId).to.equal(keyArn);
                    expect(await promiseOf(layer.masterSecretArn)).to.match(
                        new RegExp(`^arn:aws:secretsmanager:${cfg.region}:${cfg.accountId}:secret:rds!cluster-`),
                    );
                });
                it("turns on IAM authentication and exports audit, error and slow-query logs", () => {
                    expect(cluster.inputs.iamDatabaseAuthenticationEnabled).to.equal(true);
                    expect(cluster.inputs.enabledCloudwatchLogsExports).to.have.members([...AURORA_LOG_EXPORTS]);
                    expect(AURORA_LOG_EXPORTS).to.have.members(["audit", "error", "slowquery"]);
                });
                it("uses parameter groups with utf8mb4, TLS required, the audit log and the slow-query log", () => {
                    const clusterGroup = named(resources, "data-aurora-cluster-params");
                    const instanceGroup = named(resources, "data-aurora-instance-params");
                    expect(clusterGroup.inputs.family).to.equal("aurora-mysql8.0");
                    expect(instanceGroup.inputs.family).to.equal("aurora-mysql8.0");
                    expect(cluster.inputs.dbClusterParameterGroupName).to.equal(clusterGroup.inputs.name);
                    expect(clusterGroup.inputs.name).to.equal(parameterGroupName(env, "aurora-cluster", clusterGroup.inputs as never));
                    expect(parameter(clusterGroup, "character_set_server")).to.equal("utf8mb4");
                    expect(parameter(clusterGroup, "collation_server")).to.match(/^utf8mb4_/);
                    expect(parameter(clusterGroup, "require_secure_transport")).to.equal("ON");
                    expect(parameter(clusterGroup, "server_audit_logging")).to.equal("1");
                    for (const group of [clusterGroup, instanceGroup]) {
                        expect(parameter(group, "slow_query_log"), group.name).to.equal("1");
                    }
                });
            });

            describe("Aurora instances", () => {
                let instances: Registration[];
                before(() => {
                    instances = ofType(resources, INSTANCE);
                });

                it(`has ${expected.instances} instance(s), the writer first, none publicly accessible`, async () => {
                    expect(instances.map((i) => i.inputs.identifier)).to.deep.equal(
                        Array.from({ length: expected.instances }, (_, i) => `bbws-aurora-${env}-${i + 1}`),
                    );
                    expect(await Promise.all(layer.instanceIdentifiers.map(promiseOf))).to.deep.equal(
                        instances.map((i) => i.inputs.identifier),
                    );
                    for (const instance of instances) {
                        expect(instance.inputs.publiclyAccessible, instance.name).to.equal(false);
                        expect(instance.inputs.autoMinorVersionUpgrade, instance.name).to.equal(true);
                        expect(instance.inputs.instanceClass).to.equal(cfg.database.instanceClass);
                        expect(instance.inputs.dbParameterGroupName).to.equal(named(resources, "data-aurora-instance-params").inputs.name);
                        expect(options.get(instance.name)?.protect, instance.name).to.equal(expected.protectedData);
                    }
                });
                it("creates the writer before any reader and places them in different zones", () => {
                    const [writer, ...readers] = instances;
                    for (const reader of readers) {
                        expect(options.get(reader.name)?.dependencies, reader.name).to.include(writer.urn);
                        expect(reader.inputs.availabilityZone).to.not.equal(writer.inputs.availabilityZone);
                    }
                    for (const instance of instances) expect(instance.inputs.availabilityZone).to.match(new RegExp(`^${cfg.region}[a-c]$`));
                });
                it(
                    expected.insights
                        ? "has Performance Insights encrypted with the data key and enhanced monitoring with its role"
                        : "has neither Performance Insights nor enhanced monitoring (dev)",
                    () => {
                        const roles = ofType(resources, "aws:iam/role:Role");
                        for (const instance of instances) {
                            expect(instance.inputs.performanceInsightsEnabled).to.equal(expected.insights);
                            expect(instance.inputs.performanceInsightsKmsKeyId).to.equal(expected.insights ? keyArn : undefined);
                            expect(instance.inputs.monitoringInterval > 0).to.equal(expected.insights);
                            expect(instance.inputs.monitoringRoleArn).to.equal(
                                expected.insights ? `arn:aws:iam::${cfg.accountId}:role/bbws-rds-monitoring-${env}` : undefined,
                            );
                        }
                        expect(roles.map((r) => r.inputs.name)).to.deep.equal(expected.insights ? [`bbws-rds-monitoring-${env}`] : []);
                        if (expected.insights) {
                            expect(JSON.parse(roles[0].inputs.assumeRolePolicy).Statement[0].Principal.Service).to.equal(
                                "monitoring.rds.amazonaws.com",
                            );
                            expect(named(resources, "data-rds-monitoring-policy").inputs.policyArn).to.match(
                                /AmazonRDSEnhancedMonitoringRole$/,
                            );
                        }
                    },
                );
            });

            describe("Redis", () => {
                let group: Registration;
                before(() => {
                    group = named(resources, "data-redis");
                });

                it(`is the replication group bbws-redis-${env} on the isolated subnets and the cache group`, async () => {
                    expect(group.inputs.replicationGroupId).to.equal(`bbws-redis-${env}`);
                    expect(group.inputs.securityGroupIds).to.deep.equal(["sg-0cache00000000000"]);
                    expect(named(resources, "data-redis-subnets").inputs.subnetIds).to.deep.equal(ISOLATED.slice(0, cfg.network.azCount));
                    expect(group.inputs.numCacheClusters).to.equal(cfg.cache.nodes);
                    expect(await promiseOf(layer.redisReplicationGroupId)).to.equal(`bbws-redis-${env}`);
                    expect(await promiseOf(layer.redisPrimaryEndpoint)).to.match(new RegExp(`^master\\.bbws-redis-${env}\\.`));
                });
                it("encrypts at rest with the data key and in transit, and admits only RBAC users: no AUTH token every tenant shares", () => {
                    expect(group.inputs.atRestEncryptionEnabled).to.equal(true);
                    expect(group.inputs.kmsKeyId).to.equal(keyArn);
                    expect(group.inputs.transitEncryptionEnabled).to.equal(true);
                    expect(group.inputs.authToken).to.equal(undefined);
                    expect(group.inputs.userGroupIds).to.deep.equal([`bbws-redis-${env}`]);
                    // terraform-provider-aws elasticache/replication_group.go: a group created with a token moves to
                    // RBAC in place only with AuthTokenUpdateStrategy DELETE in the same update ("Transitioning to RBAC").
                    expect(group.inputs.authTokenUpdateStrategy).to.equal("DELETE");
                });
                it(
                    "switches to RBAC at once, not in the maintenance window (applyImmediately: the provider sends it with UserGroupIdsToAdd; " +
                        "ElastiCache can hold user groups as PendingModifiedValues.UserGroups), and adds each tenant's user only after the group is done",
                    () => {
                        expect(group.inputs.applyImmediately).to.equal(true);
                        // ModifyUserGroup is refused while the user group is `modifying` (InvalidUserGroupState), and the
                        // provider retries that for only 10 minutes (terraform-provider-aws elasticache/user_group_association.go).
                        const memberships = ofType(resources, "aws:elasticache/userGroupAssociation:UserGroupAssociation");
                        expect(memberships).to.have.length(cfg.tenants.length);
                        for (const m of memberships) expect(m.dependencies, m.urn).to.include(group.urn);
                    },
                );
                it("puts a default user that can do nothing and the platform task's user in the group, and leaves tenants to join by association", async () => {
                    const users = named(resources, "data-redis-users");
                    const byId = Object.fromEntries(ofType(resources, "aws:elasticache/user:User").map((u) => [u.inputs.userId, u.inputs]));
                    expect(users.inputs.userIds).to.deep.equal([`bbws-default-${env}`, `bbws-platform-${env}`]);
                    expect(byId[`bbws-default-${env}`]).to.include({ userName: "default", accessString: "off -@all" });
                    // The platform user keeps SCAN: removing an offboarded tenant's keys needs it.
                    expect(byId[`bbws-platform-${env}`].accessString).to.equal("on ~* &* +@all -@dangerous +info -function -script");
                    expect(options.get("data-redis-users")?.ignoreChanges).to.deep.equal(["userIds"]);
                    expect(await promiseOf(layer.platformCache.secretArn)).to.match(new RegExp(`:secret:bbws/${env}/redis/platform-`));
                });
                it(expected.multiAz ? "fails over automatically across AZs" : "runs a single node without failover (dev)", () => {
                    expect(group.inputs.automaticFailoverEnabled).to.equal(expected.multiAz);
                    expect(group.inputs.multiAzEnabled).to.equal(expected.multiAz);
                });
                it(`retains snapshots as configured (ElastiCache.1, every environment) and is ${expected.protectedData ? "" : "not "}protected`, () => {
                    expect(group.inputs.snapshotRetentionLimit).to.equal(cfg.cache.snapshotRetentionDays).and.be.at.least(1);
                    expect(options.get("data-redis")?.protect).to.equal(expected.protectedData);
                });
                it("delivers the slow log to its own log group, has a parameter group and takes minor upgrades", () => {
                    const log = named(resources, "data-redis-slow-log");
                    expect(log.inputs.retentionInDays).to.equal(cfg.cache.slowLogRetentionDays);
                    expect(group.inputs.logDeliveryConfigurations).to.deep.equal([
                        { destination: log.inputs.name, destinationType: "cloudwatch-logs", logFormat: "json", logType: "slow-log" },
                    ]);
                    const parameters = named(resources, "data-redis-params");
                    expect(group.inputs.parameterGroupName).to.equal(parameters.inputs.name);
                    expect(parameters.inputs.family).to.equal("redis7");
                    expect(group.inputs.autoMinorVersionUpgrade).to.equal(true);
                });
            });

            describe("tenant credentials", () => {
                it("gives every tenant, and only tenants, a secret bbws/<env>/tenants/<id>/db under the data key", async () => {
                    const tenantSecrets = ofType(resources, SECRET).filter((s) => s.inputs.name.includes("/tenants/"));
                    expect(tenantSecrets.map((s) => s.inputs.name)).to.have.members(
                        cfg.tenants.flatMap((t) => [`bbws/${env}/tenants/${t.id}/db`, `bbws/${env}/tenants/${t.id}/cache`]),
                    );
                    for (const secret of tenantSecrets) {
                        expect(secret.inputs.kmsKeyId, secret.name).to.equal(keyArn);
                        expect(secret.inputs.recoveryWindowInDays).to.equal(cfg.protection.secretRecoveryDays);
                    }
                    expect(Object.keys(layer.tenantSecrets)).to.have.members(cfg.tenants.map((t) => t.id));
                });
                it("stores password, username, dbname wp_<id>, the writer's host and port, and what the rotation function reads: engine mysql and the master secret (masterarn)", async () => {
                    const writer = await promiseOf(layer.writerEndpoint);
                    for (const tenant of cfg.tenants) {
                        const raw = options.get(`data-tenant-${tenant.id}-db-value`)?.rawInputs.secretString;
                        const value = JSON.parse(unwrapSecret(raw));
                        expect(Object.keys(value)).to.have.members([
                            "password",
                            "username",
                            "dbname",
                            "host",
                            "port",
                            "engine",
                            "masterarn",
                        ]);
                        expect(value).to.include({ username: `wp_${tenant.id}`, dbname: `wp_${tenant.id}`, host: writer, port: 3306 });
                        // aws-samples/aws-secrets-manager-rotation-lambdas SecretsManagerRDSMySQLRotationMultiUser: `engine`
                        // must be mysql or aurora-mysql, `masterarn` names the secret that creates the clone user.
                        expect(value).to.include({ engine: "mysql", masterarn: await promiseOf(layer.masterSecretArn) });
                        expect(value.password).to.have.length(40);
                        expect(layer.tenantSecrets[tenant.id]).to.include({ username: `wp_${tenant.id}`, database: `wp_${tenant.id}` });
                    }
                });
                it("must not put a password or token in any input in plain text", () => {
                    const generated = [...options.entries()]
                        .filter(([name]) => name.endsWith("-value"))
                        .flatMap(([, o]) => {
                            const value = unwrapSecret(o.rawInputs.secretString);
                            return value.startsWith("{") ? [JSON.parse(value).password as string] : [value as string];
                        });
                    // Each tenant's database password (in `-value` and `-rotatable-value`) and cache password, and the platform's cache password.
                    expect(generated).to.have.length(3 * cfg.tenants.length + 1);
                    for (const resource of resources) {
                        for (const text of stringsIn(resource.inputs)) {
                            for (const secret of generated) expect(text, resource.name).to.not.contain(secret);
                        }
                    }
                    for (const version of ofType(resources, SECRET_VERSION)) {
                        expect(version.inputs.secretString, version.name).to.equal(SECRET_MASK);
                    }
                });
            });

            it("exposes the writer and reader endpoints and port of the cluster", async () => {
                expect(await promiseOf(layer.writerEndpoint)).to.match(
                    new RegExp(`^bbws-aurora-${env}\\.cluster-[0-9a-f]+\\.${cfg.region}\\.rds\\.amazonaws\\.com$`),
                );
                expect(await promiseOf(layer.readerEndpoint)).to.match(new RegExp(`^bbws-aurora-${env}\\.cluster-ro-`));
                expect(await promiseOf(layer.port)).to.equal(3306);
                expect(await promiseOf(layer.clusterIdentifier)).to.equal(`bbws-aurora-${env}`);
            });
        });
    }
});
