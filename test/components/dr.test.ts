/**
 * Disaster recovery, the program side (issue 17): what prod builds in its standby region, in which
 * phase, and what dev and sit do not build; the outputs the `npm run dr` command reads; the AWS
 * model refusing what AWS refuses for the new resources; and the config across its whole range.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import type { SynthResource, SynthResult } from "../../automation/synth";
import { createAwsModel } from "../../automation/aws-model";
import { ConfigError, parseConfig } from "../../src/config";
import { drAlarmSpecs, ROUTE53_METRICS_REGION } from "../../components/dr-alarms";
import { failoverRoles } from "../../components/failover-dns";
import { STANDBY_OBJECT_CACHE_OFF_PHP, standbyContainerDefinitions, standbyDesiredCount } from "../../components/standby-ecs";
import { masterSecretName } from "../../components/data";
import { primaryScaling } from "../../components/tenant-service";
import { ECR_REPLICATION_PREFIX } from "../../components/dr-storage";
import { replaceKeysOf } from "../../automation/replacement";
import { configFor, PROJECT_DIR, stackFileConfig } from "../support/pulumi";
import { cachedSynthesize } from "../support/synth-cache";
import { allows, Statement } from "../support/iam";

/** The DR components, the phase each belongs to, and the resource types each must hold. */
const DR_COMPONENTS = {
    "bbws:network:StandbyNetwork": {
        phase: "network",
        types: ["awsx:ec2:Vpc", "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/flowLog:FlowLog"],
    },
    "bbws:data:GlobalDatabase": {
        phase: "database",
        types: ["aws:kms/key:Key", "aws:rds/globalCluster:GlobalCluster", "aws:rds/cluster:Cluster", "aws:rds/subnetGroup:SubnetGroup"],
    },
    "bbws:storage:DrStorage": {
        phase: "storage",
        types: [
            "aws:efs/replicationConfiguration:ReplicationConfiguration",
            "aws:efs/mountTarget:MountTarget",
            "aws:backup/vault:Vault",
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
            "aws:ecr/replicationConfiguration:ReplicationConfiguration",
        ],
    },
    "bbws:ecs:StandbyEcs": {
        phase: "ecs",
        types: [
            "aws:ecs/cluster:Cluster",
            "aws:lb/loadBalancer:LoadBalancer",
            "aws:acm/certificate:Certificate",
            "aws:ecs/service:Service",
            "aws:route53/record:Record",
        ],
    },
    "bbws:ecs:FailoverDns": { phase: "ecs", types: ["aws:route53/healthCheck:HealthCheck", "aws:lb/listenerRule:ListenerRule"] },
    "bbws:monitoring:DrAlarms": { phase: "monitoring", types: ["aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic"] },
} as const;

/**
 * Children that are not in the DR region, each with its reason: global services (IAM, Route 53, the
 * global cluster), settings of primary-region resources (the replications start there), and the
 * alarms whose metrics another region's CloudWatch holds.
 */
function expectedRegion(r: SynthResource, primary: string, dr: string): string | undefined {
    if (r.type.startsWith("aws:iam/") || r.type.startsWith("aws:route53/") || r.type === "aws:rds/globalCluster:GlobalCluster")
        return undefined;
    if (r.type.endsWith("ReplicationConfiguration") || r.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig") return primary;
    if (r.type === "aws:lb/listenerRule:ListenerRule" && r.name.endsWith("-health-rule")) return primary;
    if (r.parent?.includes("bbws:monitoring:DrAlarms")) {
        if (r.name.includes("-route53") || r.inputs.metricName === "HealthCheckStatus") return ROUTE53_METRICS_REGION;
        if (r.inputs.metricName === "TimeSinceLastSync") return primary;
    }
    return dr;
}

const childrenOf = (synth: SynthResult, componentType: string) => {
    const component = synth.resources.find((r) => r.type === componentType);
    return { component, children: synth.resources.filter((r) => component && r.parent === component.urn) };
};

describe("disaster recovery: the program side (issue 17)", function () {
    this.timeout(300000);
    let prod: SynthResult;
    before(async () => {
        prod = await cachedSynthesize(PROJECT_DIR, "prod");
    });

    for (const [type, { phase, types }] of Object.entries(DR_COMPONENTS)) {
        it(`prod: ${type} is in phase ${phase} and holds ${types.length} kinds of resource, each in the region it belongs to`, () => {
            const { component, children } = childrenOf(prod, type);
            expect(component, type).to.not.equal(undefined);
            expect(component!.phase).to.equal(phase);
            const found = new Set(children.map((c) => c.type));
            for (const t of types) expect(found.has(t), `${type} has a ${t}`).to.equal(true);
            for (const child of children) {
                const region = expectedRegion(child, "af-south-1", "eu-west-1");
                expect(child.inputs.region ?? (region === "af-south-1" ? "af-south-1" : undefined), child.urn).to.equal(region);
            }
        });
    }

    for (const env of ["dev", "sit"] as const) {
        it(`${env} says bbws:dr: none and builds no DR resource and no DR output`, async () => {
            const synth = await cachedSynthesize(PROJECT_DIR, env);
            expect(configFor(env).dr).to.equal(undefined);
            for (const type of Object.keys(DR_COMPONENTS))
                expect(
                    synth.resources.some((r) => r.type === type),
                    type,
                ).to.equal(false);
            expect(synth.resources.filter((r) => r.inputs.region !== undefined && r.inputs.region !== "us-east-1")).to.deep.equal([]);
            const outputs = synth.outputs as any;
            for (const phase of ["database", "storage", "ecs", "monitoring"]) expect(outputs[phase].dr, phase).to.equal(undefined);
        });
    }

    it("prod's outputs carry the contract's dr keys for the dr command", () => {
        const o = prod.outputs as any;
        expect(o.database.dr).to.include.keys(
            "region",
            "globalClusterIdentifier",
            "primaryClusterIdentifier",
            "standbyClusterIdentifier",
            "standbyClusterArn",
        );
        expect(o.database.dr.region).to.equal("eu-west-1");
        expect(o.storage.dr).to.include.keys("region", "fileSystemId", "backupVaultName", "assetsBucketName", "migrationBucketName");
        expect(o.ecs.dr).to.include.keys(
            "region",
            "clusterName",
            "serviceNames",
            "desiredCounts",
            "loadBalancerArn",
            "loadBalancerDnsName",
            "targetGroupArns",
            "hostedZoneId",
            "recordNames",
            "primaryHealthCheckId",
        );
        expect(Object.keys(o.ecs.dr.serviceNames)).to.deep.equal(Object.keys(o.ecs.serviceNames));
        expect(o.monitoring.dr.alarmNames).to.have.length(3);
    });

    it("prod's standby cluster has an instance to promote: a headless secondary cannot take writes within the RTO (RDS API reference, FailoverGlobalCluster)", () => {
        const cluster = prod.resources.find((r) => r.type === "aws:rds/cluster:Cluster" && r.inputs.region === "eu-west-1")!;
        const instances = prod.resources.filter(
            (r) => r.type === "aws:rds/clusterInstance:ClusterInstance" && r.inputs.region === "eu-west-1",
        );
        expect(instances.length).to.be.at.least(1);
        for (const i of instances) expect(i.inputs.clusterIdentifier).to.equal(cluster.inputs.clusterIdentifier);
    });

    it("the standby's tasks can reach the file system replica: a mount target in each standby AZ, behind the standby's efs group (EFS user guide, mount targets)", () => {
        const mounts = prod.resources.filter((r) => r.type === "aws:efs/mountTarget:MountTarget" && r.inputs.region === "eu-west-1");
        const raw = stackFileConfig("prod") as Record<string, any>;
        expect(mounts).to.have.length(raw["bbws:dr"].network.azCount);
        const replication = prod.resources.find((r) => r.type === "aws:efs/replicationConfiguration:ReplicationConfiguration")!;
        const efsGroup = prod.resources.find(
            (r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.inputs.name === "bbws-efs-sg-dr-prod",
        )!;
        expect(efsGroup, "bbws-efs-sg-dr-prod").to.exist;
        for (const m of mounts) {
            expect(m.propertyDependencies.fileSystemId, "the replica's id").to.deep.equal([replication.urn]);
            expect(m.propertyDependencies.securityGroups, "the standby's efs group").to.deep.equal([efsGroup.urn]);
        }
        expect(new Set(mounts.map((m) => m.inputs.subnetId)).size, "one per AZ").to.equal(mounts.length);
    });

    it("every tenant secret the standby's task definitions name has a replica in the DR region under its data key (Secrets Manager, replicate secrets across Regions)", async () => {
        const tenantSecrets = (synth: SynthResult) =>
            synth.resources.filter(
                (r) => r.type === "aws:secretsmanager/secret:Secret" && typeof (r.inputs.tags as any)?.Tenant === "string",
            );
        const raw = stackFileConfig("prod") as Record<string, any>;
        expect(tenantSecrets(prod), "db, cache and salts per tenant").to.have.length(3 * raw["bbws:tenants"].length);
        for (const secret of tenantSecrets(prod)) {
            const replicas = secret.inputs.replicas as Array<{ region: string; kmsKeyId: string }>;
            expect(replicas, String(secret.inputs.name)).to.have.length(1);
            expect(replicas[0].region).to.equal("eu-west-1");
            expect(String(replicas[0].kmsKeyId)).to.match(/^arn:aws:kms:eu-west-1:/);
        }
        const dev = await cachedSynthesize(PROJECT_DIR, "dev");
        for (const secret of tenantSecrets(dev)) expect(secret.inputs.replicas, `dev ${secret.inputs.name}`).to.equal(undefined);
    });

    it("ECR replication copies only the platform's repositories (ECR user guide, private image replication: repository filters)", () => {
        const replication = prod.resources.find((r) => r.type === "aws:ecr/replicationConfiguration:ReplicationConfiguration")!;
        const rules = (replication.inputs.replicationConfiguration as any).rules as any[];
        expect(rules).to.have.length(1);
        expect(rules[0].repositoryFilters).to.deep.equal([{ filter: ECR_REPLICATION_PREFIX, filterType: "PREFIX_MATCH" }]);
        const repositories = prod.resources.filter((r) => r.type === "aws:ecr/repository:Repository").map((r) => String(r.inputs.name));
        expect(repositories.length).to.be.greaterThan(0);
        for (const name of repositories) expect(name.startsWith(ECR_REPLICATION_PREFIX), name).to.be.true;
    });

    it("the secondary cluster names a key in its own region and ignores what a switchover changes (terraform-provider-aws rds_cluster docs)", () => {
        const cluster = prod.resources.find((r) => r.type === "aws:rds/cluster:Cluster" && r.inputs.region === "eu-west-1")!;
        expect(String(cluster.inputs.kmsKeyId)).to.match(/^arn:aws:kms:eu-west-1:/);
        expect(cluster.inputs.sourceRegion).to.equal("af-south-1");
        expect(cluster.options.ignoreChanges).to.include.members(["replicationSourceIdentifier", "globalClusterIdentifier"]);
        const primary = prod.resources.find((r) => r.type === "aws:rds/cluster:Cluster" && r.inputs.region === undefined)!;
        expect(primary.options.ignoreChanges).to.include("globalClusterIdentifier");
    });

    describe("the master password: a global database cannot have an RDS-managed one (Aurora user guide, Secrets Manager integration limitations)", () => {
        const primaryCluster = (synth: SynthResult) =>
            synth.resources.find((r) => r.type === "aws:rds/cluster:Cluster" && r.inputs.region === undefined)!;

        it("prod keeps its own random master password instead of manageMasterUserPassword", () => {
            const cluster = primaryCluster(prod);
            expect(cluster.inputs.manageMasterUserPassword).to.equal(false);
            expect(cluster.inputs.masterUserSecretKmsKeyId).to.equal(undefined);
            expect(cluster.inputs.masterPassword, "the RandomPassword's result, a secret in the state").to.equal("[secret]");
            expect(
                prod.resources.some(
                    (r) => r.type === "random:index/randomPassword:RandomPassword" && r.name === "data-aurora-master-password",
                ),
            ).to.be.true;
        });

        it("prod's master secret is encrypted with the data key and replicated to the DR region under that region's key", () => {
            const secret = prod.resources.find(
                (r) => r.type === "aws:secretsmanager/secret:Secret" && r.inputs.name === masterSecretName("prod"),
            )!;
            expect(secret, masterSecretName("prod")).to.exist;
            expect(String(secret.inputs.kmsKeyId)).to.match(/^arn:aws:kms:af-south-1:/);
            const replicas = secret.inputs.replicas as Array<{ region: string; kmsKeyId: string }>;
            expect(replicas).to.have.length(1);
            expect(replicas[0].region).to.equal("eu-west-1");
            expect(String(replicas[0].kmsKeyId)).to.match(/^arn:aws:kms:eu-west-1:/);
            const value = prod.resources.find(
                (r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion" && r.name === "data-aurora-master-value",
            )!;
            expect(value.inputs.secretString, "it holds the password: a secret in the state").to.equal("[secret]");
        });

        it("the first prod rollout updates the existing cluster in place: neither input it changes forces a replacement (terraform-provider-aws rds/cluster.go)", () => {
            expect(
                replaceKeysOf("aws:rds/cluster:Cluster", ["manageMasterUserPassword", "masterPassword", "masterUserSecretKmsKeyId"]),
            ).to.deep.equal([]);
        });

        for (const env of ["dev", "sit"]) {
            it(`${env} (no bbws:dr) still lets RDS manage the master password: no password in its state`, async () => {
                const synth = await cachedSynthesize(PROJECT_DIR, env);
                const cluster = primaryCluster(synth);
                expect(cluster.inputs.manageMasterUserPassword).to.equal(true);
                expect(cluster.inputs.masterPassword).to.equal(undefined);
                expect(synth.resources.some((r) => r.inputs.name === masterSecretName(env))).to.be.false;
            });
        }
    });

    it("each tenant's record is a failover pair: the primary's with the health check, the standby's SECONDARY while the primary serves", () => {
        const records = prod.resources.filter((r) => r.type === "aws:route53/record:Record" && r.inputs.setIdentifier !== undefined);
        for (const host of ["aupairhive.bbws.io", "tutorhub.bbws.io"]) {
            const pair = records.filter((r) => r.inputs.name === host);
            expect(pair.map((r) => r.inputs.setIdentifier).sort()).to.deep.equal(["af-south-1", "eu-west-1"]);
            const primary = pair.find((r) => r.inputs.setIdentifier === "af-south-1")!;
            expect((primary.inputs.failoverRoutingPolicies as any)[0].type).to.equal("PRIMARY");
            expect(primary.inputs.healthCheckId).to.be.a("string");
        }
    });

    describe("serving and globalDatabase are data", () => {
        it("serving: standby makes the standby's records PRIMARY and runs the primary's counts", () => {
            expect(failoverRoles("standby")).to.deep.equal({ primaryRegion: "SECONDARY", standby: "PRIMARY" });
            fc.assert(
                fc.property(
                    fc.integer({ min: 0, max: 100 }),
                    (n) =>
                        standbyDesiredCount("standby", { minCapacity: n }) === n &&
                        standbyDesiredCount("primary", { minCapacity: n }) === 0,
                ),
            );
        });

        it("globalDatabase: detached declares no global cluster and no replica-lag alarm, and keeps the DR cluster", async () => {
            const { synthesize } = await import("../../automation/synth");
            const raw = stackFileConfig("prod") as Record<string, any>;
            const detached = await synthesize(PROJECT_DIR, "prod", {
                configOverrides: { "bbws:dr": { ...raw["bbws:dr"], serving: "standby", globalDatabase: "detached" } },
            });
            expect(detached.resources.some((r) => r.type === "aws:rds/globalCluster:GlobalCluster")).to.equal(false);
            const dr = (res: SynthResult) =>
                res.resources.find((r) => r.type === "aws:rds/cluster:Cluster" && r.inputs.region === "eu-west-1")!.urn;
            expect(dr(detached)).to.equal(dr(prod));
            expect((detached.outputs as any).monitoring.dr.alarmNames).to.have.length(2);
            // The fence: a rollout with serving: standby scales af-south-1's services to 0 and keeps them there.
            const primaryTargets = (res: SynthResult) =>
                res.resources.filter((r) => r.type === "aws:appautoscaling/target:Target" && r.inputs.region === undefined);
            expect(primaryTargets(detached)).to.have.length(raw["bbws:tenants"].length);
            for (const t of primaryTargets(detached)) {
                expect([t.inputs.minCapacity, t.inputs.maxCapacity], t.name).to.deep.equal([0, 0]);
                expect(t.inputs.suspendedState, t.name).to.deep.equal({
                    dynamicScalingInSuspended: true,
                    dynamicScalingOutSuspended: true,
                    scheduledScalingSuspended: true,
                });
            }
            for (const t of primaryTargets(prod))
                expect((t.inputs.suspendedState as any).dynamicScalingOutSuspended, t.name).to.equal(false);
        });

        it("serving: standby fences the primary's services at 0, all scaling suspended; otherwise their own range (Application Auto Scaling RegisterScalableTarget)", () => {
            fc.assert(
                fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), (a, b) => {
                    const tenant = { minCapacity: Math.min(a, b), maxCapacity: Math.max(a, b) };
                    const fenced = primaryScaling(tenant, "standby");
                    const serving = primaryScaling(tenant, "primary");
                    return (
                        fenced.minCapacity === 0 &&
                        fenced.maxCapacity === 0 &&
                        fenced.suspended &&
                        serving.minCapacity === tenant.minCapacity &&
                        serving.maxCapacity === tenant.maxCapacity &&
                        !serving.suspended &&
                        JSON.stringify(primaryScaling(tenant, undefined)) === JSON.stringify(serving)
                    );
                }),
            );
        });
    });

    it("the standby task definition is the primary's with the DR region's images, logs, secrets, database and migration bucket, and no object cache", () => {
        const json = JSON.stringify([
            {
                name: "wordpress",
                image: "1.dkr.ecr.af-south-1.amazonaws.com/bbws/wordpress:t",
                environment: [
                    { name: "WORDPRESS_DB_HOST", value: "p.cluster.af-south-1.rds.amazonaws.com:3306" },
                    { name: "MIGRATION_BUCKET", value: "bbws-migration-artifacts-prod-1" },
                    { name: "MIGRATION_PREFIX", value: "tenants/a/" },
                    { name: "WORDPRESS_CONFIG_EXTRA", value: "define('WP_REDIS_HOST', getenv('WP_REDIS_HOST'));" },
                    { name: "WP_REDIS_HOST", value: "master.bbws-redis-prod.x.afs1.cache.amazonaws.com" },
                ],
                secrets: [
                    { name: "P", valueFrom: "arn:aws:secretsmanager:af-south-1:1:secret:x-abc:password::" },
                    { name: "WP_REDIS_PASSWORD", valueFrom: "arn:aws:secretsmanager:af-south-1:1:secret:c-abc:password::" },
                ],
                logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "g", "awslogs-region": "af-south-1" } },
            },
        ]);
        const [c] = JSON.parse(
            standbyContainerDefinitions(json, {
                primaryRegion: "af-south-1",
                standbyRegion: "eu-west-1",
                logGroupName: "dr-g",
                dbWriterEndpoint: "dr.cluster",
                migrationBucketName: "bbws-migration-artifacts-dr-prod-1",
            }),
        );
        expect(c.image).to.equal("1.dkr.ecr.eu-west-1.amazonaws.com/bbws/wordpress:t");
        expect(c.environment.map((e: { value: string }) => e.value)).to.deep.equal([
            "dr.cluster:3306",
            "bbws-migration-artifacts-dr-prod-1",
            "tenants/a/",
            `${STANDBY_OBJECT_CACHE_OFF_PHP}\ndefine('WP_REDIS_HOST', getenv('WP_REDIS_HOST'));`,
        ]);
        expect(c.secrets).to.have.length(1);
        expect(c.secrets[0].valueFrom).to.equal("arn:aws:secretsmanager:eu-west-1:1:secret:x-abc:password::");
        expect(c.logConfiguration.options).to.deep.equal({ "awslogs-group": "dr-g", "awslogs-region": "eu-west-1" });
    });

    describe("a standby task can start: the tenant's roles, the same as the primary's, grant what its DR definition names (one role for both regions: IAM is global)", () => {
        const ACCOUNT = "093646564004";
        const standbyTasks = () =>
            prod.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.inputs.region === "eu-west-1");
        /** The inline policy of the role a task definition names (`arn:aws:iam::<account>:role/<name>`). */
        const policyOf = (synth: SynthResult, roleArn: unknown): Statement[] => {
            const roleName = String(roleArn).split("/").pop();
            const policy = synth.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.role === roleName);
            expect(policy, `the inline policy of ${roleName}`).to.exist;
            return JSON.parse(String(policy!.inputs.policy)).Statement;
        };
        const drKeyOf = (name: string) =>
            (prod.resources.find((r) => r.type === "aws:secretsmanager/secret:Secret" && r.inputs.name === name)!.inputs.replicas as any)[0]
                .kmsKeyId as string;

        it("the execution role pulls its images from the DR registry, reads the secret replicas with the DR key and writes the standby log group (ECS developer guide, task execution IAM role)", () => {
            const tasks = standbyTasks();
            expect(tasks.length).to.be.greaterThan(0);
            for (const task of tasks) {
                const execution = policyOf(prod, task.inputs.executionRoleArn);
                for (const c of JSON.parse(String(task.inputs.containerDefinitions)) as any[]) {
                    const [, registry, repository] = /^(\d+\.dkr\.ecr\.eu-west-1\.amazonaws\.com)\/([^:]+):/.exec(c.image) ?? [];
                    expect(registry, c.image).to.exist;
                    const repositoryArn = `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/${repository}`;
                    expect(allows(execution, "ecr:BatchGetImage", repositoryArn), `${task.name}: ${repositoryArn}`).to.be.true;
                    for (const s of c.secrets as Array<{ valueFrom: string }>) {
                        // `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6>` then `:<json key>::` (ECS, specifying sensitive data).
                        const secretArn = s.valueFrom.split(":").slice(0, 7).join(":");
                        expect(secretArn, s.valueFrom).to.match(/^arn:aws:secretsmanager:eu-west-1:/);
                        expect(allows(execution, "secretsmanager:GetSecretValue", secretArn), `${task.name}: ${secretArn}`).to.be.true;
                        const name = secretArn.split(":secret:")[1].replace(/-[A-Za-z0-9]{6}$/, "");
                        expect(allows(execution, "kms:Decrypt", drKeyOf(name)), `${task.name}: the key of ${name}'s replica`).to.be.true;
                    }
                    const {
                        "awslogs-group": group,
                        "awslogs-region": region,
                        "awslogs-stream-prefix": prefix,
                    } = c.logConfiguration.options;
                    const stream = `arn:aws:logs:${region}:${ACCOUNT}:log-group:${group}:log-stream:${prefix}/${c.name}/0123`;
                    expect(allows(execution, "logs:PutLogEvents", stream), `${task.name}: ${stream}`).to.be.true;
                }
            }
        });

        it("the task role reaches the tenant's prefixes of the replica buckets with the DR key, and the EFS replica the volumes mount", () => {
            const replicas = prod.resources.filter(
                (r) =>
                    r.type === "aws:s3/bucket:Bucket" &&
                    r.inputs.region === "eu-west-1" &&
                    !String(r.inputs.bucket).startsWith("bbws-logs"),
            );
            expect(replicas.map((r) => String(r.inputs.bucket).replace(/-dr-.*/, "")).sort()).to.deep.equal([
                "bbws-migration-artifacts",
                "bbws-tenant-assets",
            ]);
            const drKey = prod.resources.find((r) => r.type === "aws:secretsmanager/secret:Secret" && r.inputs.replicas)!;
            for (const task of standbyTasks()) {
                const role = policyOf(prod, task.inputs.taskRoleArn);
                const tenant = String((task.inputs.family as string).match(/wordpress-(.+)-dr-prod$/)![1]);
                const sidecar = (JSON.parse(String(task.inputs.containerDefinitions)) as any[]).find((c) => c.name === "migration");
                const migrationBucket = sidecar?.environment.find((e: { name: string }) => e.name === "MIGRATION_BUCKET").value;
                if (sidecar)
                    expect(
                        replicas.map((r) => r.inputs.bucket),
                        `${task.name}: MIGRATION_BUCKET`,
                    ).to.include(migrationBucket);
                for (const bucket of replicas) {
                    const objects = `arn:aws:s3:::${bucket.inputs.bucket}/tenants/${tenant}/uploads/a.jpg`;
                    for (const action of ["s3:GetObject", "s3:PutObject"]) expect(allows(role, action, objects), objects).to.be.true;
                    expect(allows(role, "s3:GetObject", `arn:aws:s3:::${bucket.inputs.bucket}/tenants/other/a.jpg`)).to.be.false;
                }
                expect(allows(role, "kms:GenerateDataKey", (drKey.inputs.replicas as any)[0].kmsKeyId), "the DR key").to.be.true;
                for (const v of task.inputs.volumes as any[]) {
                    if (!v.efsVolumeConfiguration) continue;
                    const fs = `arn:aws:elasticfilesystem:eu-west-1:${ACCOUNT}:file-system/${v.efsVolumeConfiguration.fileSystemId}`;
                    expect(allows(role, "elasticfilesystem:ClientMount", fs), fs).to.be.true;
                }
            }
        });

        for (const env of ["dev", "sit"] as const) {
            it(`${env} (no bbws:dr): every task role and execution role names resources of its own region only`, async () => {
                const synth = await cachedSynthesize(PROJECT_DIR, env);
                const region = String(stackFileConfig(env)["aws:region"]);
                const policies = synth.resources.filter(
                    (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && /-(exec|task)-/.test(String(r.inputs.role)),
                );
                expect(policies.length).to.be.greaterThan(0);
                for (const p of policies) {
                    const regions = new Set([...String(p.inputs.policy).matchAll(/arn:aws:[a-z0-9-]+:([a-z0-9-]*):/g)].map((m) => m[1]));
                    regions.delete("");
                    expect([...regions], String(p.inputs.role)).to.deep.equal([region]);
                }
            });
        }
    });

    it("the standby certificate's validation record is left in the zone when bbws:dr is dropped: the primary certificate's renewal needs the same record (ACM user guide, renewal for domains validated by DNS)", () => {
        const certificate = prod.resources.find((r) => r.type === "aws:acm/certificate:Certificate" && r.inputs.region === "eu-west-1")!;
        const record = prod.resources.find(
            (r) => r.type === "aws:route53/record:Record" && r.name === `${certificate.name}-validation-record`,
        )!;
        expect(record, `${certificate.name}-validation-record`).to.exist;
        expect(record.options.retainOnDelete).to.equal(true);
    });

    it("no standby task definition names af-south-1, or any Redis: the object cache is off in the DR region (redis-cache object-cache.php, WP_REDIS_DISABLED)", () => {
        const tasks = prod.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.inputs.region === "eu-west-1");
        expect(tasks.length).to.be.greaterThan(0);
        for (const task of tasks) {
            const json = String(task.inputs.containerDefinitions);
            expect(json, task.name).not.to.match(/af-south-1|afs1|cache\.amazonaws\.com/);
            for (const c of JSON.parse(json) as any[]) {
                expect(
                    c.environment.filter((e: { name: string }) => e.name.startsWith("WP_REDIS_")),
                    `${task.name} ${c.name}`,
                ).to.deep.equal([]);
                const extra = c.environment.find((e: { name: string }) => e.name === "WORDPRESS_CONFIG_EXTRA").value as string;
                expect(extra.startsWith(STANDBY_OBJECT_CACHE_OFF_PHP), `${task.name} ${c.name}`).to.be.true;
            }
        }
    });

    it("the replica-lag alarm is the secondary's AuroraGlobalDBReplicationLag in the DR region, at the RPO in milliseconds (Aurora metrics reference)", () => {
        const dr = configFor("prod").dr!;
        const specs = drAlarmSpecs({
            env: "prod",
            region: "af-south-1",
            dr,
            criticalTopicArn: "t",
            criticalEmails: [],
            standbyClusterIdentifier: "bbws-aurora-prod-dr",
            fileSystemId: "fs-1",
            replicaFileSystemId: "fs-2",
            healthCheckId: "h",
        });
        const lag = specs.find((s) => s.metricName === "AuroraGlobalDBReplicationLag")!;
        expect(lag.where).to.equal("standby");
        expect(lag.dimensions).to.deep.equal({ DBClusterIdentifier: "bbws-aurora-prod-dr" });
        expect(lag.threshold).to.equal(dr.replication.rpoMinutes * 60 * 1000);
        const efs = specs.find((s) => s.metricName === "TimeSinceLastSync")!;
        expect(Object.keys(efs.dimensions)).to.deep.equal(["FileSystemId", "DestinationFileSystemId"]);
        expect(specs.find((s) => s.metricName === "HealthCheckStatus")!.where).to.equal("route53");
    });

    it("each DR region's critical topic is encrypted with a key of that region that CloudWatch may use (SNS developer guide, key management)", () => {
        const topics = prod.resources.filter((r) => r.type === "aws:sns/topic:Topic" && r.parent?.includes("bbws:monitoring:DrAlarms"));
        expect(topics.map((t) => t.inputs.region)).to.have.members(["eu-west-1", ROUTE53_METRICS_REGION]);
        for (const topic of topics) {
            const key = prod.resources.find((r) => r.type === "aws:kms/key:Key" && r.name === `${topic.name}-key`)!;
            expect(key, `${topic.name}-key`).to.exist;
            expect(key.inputs.region).to.equal(topic.inputs.region);
            expect(String(topic.inputs.kmsMasterKeyId)).to.match(new RegExp(`^arn:aws:kms:${topic.inputs.region}:`));
            const statements = JSON.parse(String(key.inputs.policy)).Statement as any[];
            const cloudwatch = statements.find((st) => st.Principal?.Service === "cloudwatch.amazonaws.com");
            expect(cloudwatch?.Action, topic.name).to.include.members(["kms:GenerateDataKey*", "kms:Decrypt"]);
            expect(cloudwatch.Condition.ArnLike["aws:SourceArn"]).to.equal(
                `arn:aws:cloudwatch:${topic.inputs.region}:093646564004:alarm:bbws-prod-*`,
            );
        }
    });

    describe("the AWS model refuses what AWS refuses", () => {
        const model = () => createAwsModel({ accountId: "093646564004", region: "af-south-1", azCount: 3 });
        const create = (m: ReturnType<typeof model>, type: string, name: string, inputs: Record<string, unknown>) =>
            m.newResource({ type, name, inputs, custom: true } as any);

        it("a secondary cluster in another region without kmsKeyId (CreateDBCluster KmsKeyId)", () => {
            expect(() =>
                create(model(), "aws:rds/cluster:Cluster", "c", {
                    region: "eu-west-1",
                    clusterIdentifier: "c",
                    globalClusterIdentifier: "g",
                    storageEncrypted: true,
                }),
            ).to.throw(/without kmsKeyId/);
            expect(() =>
                create(model(), "aws:rds/cluster:Cluster", "c", {
                    region: "eu-west-1",
                    clusterIdentifier: "c",
                    globalClusterIdentifier: "g",
                    storageEncrypted: true,
                    kmsKeyId: "arn:aws:kms:af-south-1:093646564004:key/x",
                }),
            ).to.throw(/needs one in its own region/);
        });

        it("a global database created from a cluster with an RDS-managed master password, or such a member (Aurora user guide, Secrets Manager limitations)", () => {
            const m = model();
            create(m, "aws:rds/cluster:Cluster", "p", { clusterIdentifier: "p", manageMasterUserPassword: true });
            expect(() =>
                create(m, "aws:rds/globalCluster:GlobalCluster", "g", {
                    globalClusterIdentifier: "g",
                    sourceDbClusterIdentifier: "arn:aws:rds:af-south-1:093646564004:cluster:p",
                }),
            ).to.throw(/RDS-managed master password/);
            expect(() =>
                create(model(), "aws:rds/cluster:Cluster", "c", {
                    clusterIdentifier: "c",
                    globalClusterIdentifier: "g",
                    manageMasterUserPassword: true,
                }),
            ).to.throw(/member of a global database cannot have an RDS-managed master password/);
            const ok = model();
            create(ok, "aws:rds/cluster:Cluster", "p", {
                clusterIdentifier: "p",
                manageMasterUserPassword: false,
                masterPassword: "x".repeat(40),
            });
            create(ok, "aws:rds/globalCluster:GlobalCluster", "g", {
                globalClusterIdentifier: "g",
                sourceDbClusterIdentifier: "arn:aws:rds:af-south-1:093646564004:cluster:p",
            });
        });

        it("a secret replica encrypted with a key of another region (Secrets Manager ReplicaRegionType)", () => {
            expect(() =>
                create(model(), "aws:secretsmanager/secret:Secret", "s", {
                    name: "s",
                    replicas: [{ region: "eu-west-1", kmsKeyId: "arn:aws:kms:af-south-1:093646564004:key/x" }],
                }),
            ).to.throw(/a replica is encrypted with a key of its own region/);
        });

        it("S3 replication without versioning on both buckets, or of SSE-KMS objects without the KMS settings (PutBucketReplication)", () => {
            const rule = { id: "r", destination: { bucket: "arn:aws:s3:::dst" } };
            expect(() =>
                create(model(), "aws:s3/bucketReplicationConfig:BucketReplicationConfig", "r", { bucket: "src", rules: [rule] }),
            ).to.throw(/source bucket 'src' has no versioning/);
            const m = model();
            create(m, "aws:s3/bucketVersioning:BucketVersioning", "v1", { bucket: "src", versioningConfiguration: { status: "Enabled" } });
            expect(() =>
                create(m, "aws:s3/bucketReplicationConfig:BucketReplicationConfig", "r", { bucket: "src", rules: [rule] }),
            ).to.throw(/destination bucket 'dst'/);
            create(m, "aws:s3/bucketVersioning:BucketVersioning", "v2", { bucket: "dst", versioningConfiguration: { status: "Enabled" } });
            create(m, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "e", {
                bucket: "src",
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
            });
            expect(() =>
                create(m, "aws:s3/bucketReplicationConfig:BucketReplicationConfig", "r", { bucket: "src", rules: [rule] }),
            ).to.throw(/sseKmsEncryptedObjects/);
        });

        it("an EFS replication to its own region, and a second one of the same file system (CreateReplicationConfiguration)", () => {
            expect(() =>
                create(model(), "aws:efs/replicationConfiguration:ReplicationConfiguration", "r", {
                    sourceFileSystemId: "fs-1",
                    destination: { region: "af-south-1" },
                }),
            ).to.throw(/source's own/);
            const m = model();
            create(m, "aws:efs/replicationConfiguration:ReplicationConfiguration", "r1", {
                sourceFileSystemId: "fs-1",
                destination: { region: "eu-west-1" },
            });
            expect(() =>
                create(m, "aws:efs/replicationConfiguration:ReplicationConfiguration", "r2", {
                    sourceFileSystemId: "fs-1",
                    destination: { region: "eu-west-1" },
                }),
            ).to.throw(/at most 1/);
        });

        it("a second ECR replication configuration in one registry, or one to its own region", () => {
            const m = model();
            const cfg = (region: string) => ({
                replicationConfiguration: { rules: [{ destinations: [{ region, registryId: "093646564004" }] }] },
            });
            expect(() => create(m, "aws:ecr/replicationConfiguration:ReplicationConfiguration", "own", cfg("af-south-1"))).to.throw(
                /own region/,
            );
            create(m, "aws:ecr/replicationConfiguration:ReplicationConfiguration", "a", cfg("eu-west-1"));
            expect(() => create(m, "aws:ecr/replicationConfiguration:ReplicationConfiguration", "b", cfg("eu-west-1"))).to.throw(
                /at most 1/,
            );
        });
    });

    describe("bbws:dr config, across the range the schema accepts", () => {
        const prodRaw = stackFileConfig("prod") as Record<string, any>;
        const problems = (dr: unknown): string[] => {
            try {
                parseConfig("prod", { ...prodRaw, "bbws:dr": dr });
                return [];
            } catch (err) {
                if (err instanceof ConfigError) return err.problems;
                throw err;
            }
        };
        it("accepts every valid standby size and target, and hands them over unchanged", () => {
            fc.assert(
                fc.property(
                    fc.integer({ min: 1, max: 15 }),
                    fc.integer({ min: 1, max: 1440 }),
                    fc.integer({ min: 1, max: 1440 }),
                    (n, rpo, rto) => {
                        const dr = {
                            ...prodRaw["bbws:dr"],
                            standby: { auroraInstances: n, auroraInstanceClass: "db.r6g.large" },
                            replication: { rpoMinutes: rpo, rtoMinutes: rto },
                        };
                        const cfg = parseConfig("prod", { ...prodRaw, "bbws:dr": dr });
                        return cfg.dr!.standby.auroraInstances === n && cfg.dr!.replication.rpoMinutes === rpo;
                    },
                ),
                { numRuns: 50 },
            );
        });
        it("refuses the primary's own region, an overlapping VPC, a burstable class, a headless standby (FailoverGlobalCluster promotes an instance), and anything but none or an object", () => {
            expect(problems({ ...prodRaw["bbws:dr"], region: "af-south-1" }).join()).to.match(
                /bbws:dr.region: 'af-south-1' is aws:region itself/,
            );
            expect(problems({ ...prodRaw["bbws:dr"], network: { vpcCidr: "10.30.0.0/16" } }).join()).to.match(
                /overlaps bbws:network.vpcCidr/,
            );
            expect(problems({ ...prodRaw["bbws:dr"], standby: { auroraInstanceClass: "db.t4g.medium" } }).join()).to.match(
                /supports Aurora global databases/,
            );
            expect(problems({ ...prodRaw["bbws:dr"], standby: { auroraInstances: 0 } }).join(), "headless").to.match(
                /auroraInstances: .*at least 1: a headless secondary has no instance to promote/,
            );
            expect(problems("yes").join()).to.match(/bbws:dr: `none`, or/);
            const legacy = parseConfig("prod", prodRaw).monitoring;
            expect(
                (() => {
                    try {
                        parseConfig("prod", { ...prodRaw, "bbws:monitoring": { ...prodRaw["bbws:monitoring"], drReplica: true } });
                        return "";
                    } catch (err) {
                        return String(err);
                    }
                })(),
                "the old replica-lag alarm read the metric where the secondary does not publish it",
            ).to.match(/bbws:monitoring.drReplica: .*drop drReplica/);
            expect(legacy.drReplica).to.equal(false);
        });
    });
});
