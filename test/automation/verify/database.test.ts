import { expect } from "chai";
import { DescribeReplicationGroupsCommand } from "@aws-sdk/client-elasticache";
import { DescribeDBClustersCommand, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { DescribeSecretCommand, ResourceNotFoundException } from "@aws-sdk/client-secrets-manager";
import { GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { configFor, ENVIRONMENTS, stackFileConfig } from "../../support/pulumi";
import { auroraCluster, auroraInstances, mockHealthyEnvironment, mocks, outputsFor, replicationGroup, resultOf } from "./fixtures";

describe("verify database: Aurora", () => {
    for (const env of ENVIRONMENTS) {
        const cfg = configFor(env);
        it(`${env}: fails unless backups are kept the configured ${cfg.database.backupRetentionDays} day(s)`, async () => {
            const outputs = outputsFor(cfg);
            mockHealthyEnvironment(cfg, outputs);
            const other = cfg.database.backupRetentionDays + 1;
            mocks.rds
                .on(DescribeDBClustersCommand)
                .resolves({ DBClusters: [{ ...auroraCluster(cfg, outputs), BackupRetentionPeriod: other }] });
            const result = await resultOf(cfg, "database-aurora-backups", outputs);
            expect(result.status).to.equal("fail");
            expect(result.detail).to.equal(`retention ${other} day(s), expected ${cfg.database.backupRetentionDays}`);
        });
    }

    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails a cluster that is not available, saying its status", async () => {
        mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ ...auroraCluster(cfg, outputs), Status: "backing-up" }] });
        const result = await resultOf(cfg, "database-aurora-available", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include("bbws-aurora-sit backing-up");
    });

    it("fails unencrypted storage, and storage encrypted with another key than the data key", async () => {
        mocks.rds
            .on(DescribeDBClustersCommand)
            .resolves({ DBClusters: [{ ...auroraCluster(cfg, outputs), StorageEncrypted: false, KmsKeyId: undefined }] });
        expect(await resultOf(cfg, "database-aurora-encrypted", outputs)).to.deep.include({
            status: "fail",
            detail: "bbws-aurora-sit: storage is not encrypted",
        });
        const awsManaged = `arn:aws:kms:eu-west-1:${cfg.accountId}:key/aws-rds-managed`;
        mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ ...auroraCluster(cfg, outputs), KmsKeyId: awsManaged }] });
        const result = await resultOf(cfg, "database-aurora-encrypted", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include(awsManaged).and.include(outputs.database.keyArn);
    });

    it("fails when the writer and its only reader share an AZ", async () => {
        const [writer, reader] = auroraInstances(cfg, outputs);
        mocks.rds
            .on(DescribeDBInstancesCommand)
            .resolves({ DBInstances: [writer, { ...reader, AvailabilityZone: writer.AvailabilityZone }] });
        const result = await resultOf(cfg, "database-aurora-instances", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include(`no reader outside the writer's AZ ${writer.AvailabilityZone}`);
    });

    it("fails when an instance is missing or not available", async () => {
        const [writer] = auroraInstances(cfg, outputs);
        mocks.rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ ...writer, DBInstanceStatus: "rebooting" }] });
        const result = await resultOf(cfg, "database-aurora-instances", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include("1 instance(s), expected 2").and.include(`${writer.DBInstanceIdentifier} is rebooting`);
    });

    it("passes dev's single instance: there is no reader to spread", async () => {
        const dev = configFor("dev");
        const devOutputs = outputsFor(dev);
        mockHealthyEnvironment(dev, devOutputs);
        const result = await resultOf(dev, "database-aurora-instances", devOutputs);
        expect(result.status).to.equal("pass");
        expect(result.detail).to.equal("bbws-aurora-dev-1 writer available in eu-west-1a");
    });
});

describe("verify database: the rotation function's username limit (create_secret in SecretsManagerRDSMySQLRotationMultiUser/lambda_function.py)", () => {
    const cfg = configFor("prod");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));
    const withVariables = (Variables: Record<string, string>) =>
        mocks.lambda
            .on(GetFunctionConfigurationCommand)
            .resolves({ FunctionName: outputs.database.rotationFunctionName, Environment: { Variables } });

    it("passes the live value 32 and reports it", async () => {
        const result = await resultOf(cfg, "database-rotation-username-limit", outputs);
        expect(result.status).to.equal("pass");
        expect(result.detail).to.include("bbws-rotation-prod: USERNAME_CHARACTER_LIMIT=32");
    });

    it("fails an unset variable (the function's default 16 refuses wp_aupairhive_clone, 19), naming the users it refuses", async () => {
        withVariables({ SECRETS_MANAGER_ENDPOINT: "https://secretsmanager.af-south-1.amazonaws.com" });
        const result = await resultOf(cfg, "database-rotation-username-limit", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include("unset (16)").and.include("wp_aupairhive_clone (19)");
    });

    it("fails a function whose environment Lambda could not apply, or that lacks SECRETS_MANAGER_ENDPOINT, whatever its limit", async () => {
        withVariables({ USERNAME_CHARACTER_LIMIT: "32" });
        const missing = await resultOf(cfg, "database-rotation-username-limit", outputs);
        expect(missing.status).to.equal("fail");
        expect(missing.detail).to.include("no SECRETS_MANAGER_ENDPOINT");
        mocks.lambda.on(GetFunctionConfigurationCommand).resolves({
            FunctionName: outputs.database.rotationFunctionName,
            Environment: {
                Variables: { SECRETS_MANAGER_ENDPOINT: "https://secretsmanager.af-south-1.amazonaws.com", USERNAME_CHARACTER_LIMIT: "32" },
                Error: { ErrorCode: "KMSAccessDeniedException", Message: "denied" },
            },
        });
        const errored = await resultOf(cfg, "database-rotation-username-limit", outputs);
        expect(errored.status).to.equal("fail");
        expect(errored.detail).to.include("KMSAccessDeniedException: denied");
    });

    it("fails a value the function cannot read as a number", async () => {
        withVariables({ USERNAME_CHARACTER_LIMIT: "32 characters" });
        expect((await resultOf(cfg, "database-rotation-username-limit", outputs)).status).to.equal("fail");
    });
});

describe("verify database: an enterprise tenant's own rotation function (components/tenant-cluster.ts)", () => {
    const raw = stackFileConfig("sit")["bbws:tenants"] as Array<Record<string, unknown>>;
    const cfg = configFor("sit", { "bbws:tenants": [{ ...raw[0], tier: "enterprise" }, ...raw.slice(1)] });
    const [enterprise] = cfg.tenants;
    const own = `bbws-tenant-${enterprise.id}-rotation-sit`;
    const base = outputsFor(cfg);
    const outputs = { ...base, database: { ...base.database, tenantClusters: { [enterprise.id]: { rotationFunctionName: own } } } };
    const environment = (limit: string) => ({
        Environment: {
            Variables: { SECRETS_MANAGER_ENDPOINT: "https://secretsmanager.eu-west-1.amazonaws.com", USERNAME_CHARACTER_LIMIT: limit },
        },
    });
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("reads both functions: the environment's for the other tenants, the tenant's own for its clone only", async () => {
        const result = await resultOf(cfg, "database-rotation-username-limit", outputs);
        expect(result.status).to.equal("pass");
        expect(result.detail)
            .to.include("bbws-rotation-sit: USERNAME_CHARACTER_LIMIT=32")
            .and.include(`${own}: USERNAME_CHARACTER_LIMIT=32`);
    });

    it("passes the tenant's own cluster when available, on its own key, backed up and protected as configured; fails each departure, naming the tenant", async () => {
        const ownId = `bbws-tenant-${enterprise.id}-aurora-sit`;
        const ownKey = "arn:aws:kms:eu-west-1:111111111111:key/own";
        const withCluster = {
            ...outputs,
            database: {
                ...outputs.database,
                tenantClusters: { [enterprise.id]: { rotationFunctionName: own, clusterIdentifier: ownId, keyArn: ownKey } },
            },
        };
        const answer = (c: Record<string, unknown>) =>
            mocks.rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: ownId }).resolves({
                DBClusters: [
                    {
                        DBClusterIdentifier: ownId,
                        Status: "available",
                        StorageEncrypted: true,
                        KmsKeyId: ownKey,
                        BackupRetentionPeriod: cfg.database.backupRetentionDays,
                        DeletionProtection: cfg.database.deletionProtection,
                        ...c,
                    },
                ],
            });
        answer({});
        expect((await resultOf(cfg, "database-tenant-clusters", withCluster)).status).to.equal("pass");
        // While the tenant is being offboarded either state is its own: protection off only warns (an abandoned removal).
        const offboarding = configFor("sit", {
            "bbws:tenants": [{ ...raw[0], tier: "enterprise", stopped: true, offboarding: true }, ...raw.slice(1)],
        });
        answer({ DeletionProtection: true });
        const kept = await resultOf(offboarding, "database-tenant-clusters", withCluster);
        expect(kept.status, kept.detail).to.equal("pass");
        answer({ DeletionProtection: false });
        const warned = await resultOf(offboarding, "database-tenant-clusters", withCluster);
        expect(warned.status).to.equal("warn");
        expect(warned.detail).to.include(`${enterprise.id}: deletion protection off while it is being offboarded`);
        answer({ Status: "modifying", KmsKeyId: outputs.database.keyArn, DeletionProtection: false });
        const failed = await resultOf(cfg, "database-tenant-clusters", withCluster);
        expect(failed.status).to.equal("fail");
        expect(failed.detail)
            .to.include(`${enterprise.id}: modifying, expected available`)
            .and.include(`${enterprise.id}: encrypted with ${outputs.database.keyArn}, expected its own key ${ownKey}`)
            .and.include(`${enterprise.id}: deletion protection off, expected on`);
    });

    it("fails when the tenant's own function would refuse its clone, naming that function", async () => {
        mocks.lambda.on(GetFunctionConfigurationCommand, { FunctionName: own }).resolves({ FunctionName: own, ...environment("16") });
        const result = await resultOf(cfg, "database-rotation-username-limit", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include(`${own}: USERNAME_CHARACTER_LIMIT=16; refuses wp_${enterprise.id.replace(/-/g, "_")}_clone`);
    });
});

describe("verify database: Redis", () => {
    const cfg = configFor("prod");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails when a node is missing or failover is off where config asks for several nodes", async () => {
        const group = replicationGroup(cfg, outputs);
        mocks.elasticache.on(DescribeReplicationGroupsCommand).resolves({
            ReplicationGroups: [
                { ...group, MemberClusters: group.MemberClusters!.slice(1), AutomaticFailover: "disabled", Status: "modifying" },
            ],
        });
        const result = await resultOf(cfg, "database-redis-available", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail)
            .to.include("status modifying")
            .and.include("2 node(s), expected 3")
            .and.include("automatic failover disabled");
    });

    for (const [flag, value, label] of [
        ["AtRestEncryptionEnabled", false, "encryption at rest"],
        ["TransitEncryptionEnabled", false, "encryption in transit"],
        ["UserGroupIds", [], "an RBAC user group"],
        ["AuthTokenEnabled", true, "no shared AUTH token"],
    ] as const) {
        it(`fails when ${label} is off`, async () => {
            mocks.elasticache
                .on(DescribeReplicationGroupsCommand)
                .resolves({ ReplicationGroups: [{ ...replicationGroup(cfg, outputs), [flag]: value }] });
            expect(await resultOf(cfg, "database-redis-encryption", outputs)).to.deep.include({
                status: "fail",
                detail: `bbws-redis-prod: ${label} is off`,
            });
        });
    }
});

describe("verify database: secrets", () => {
    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails when a tenant's secret does not exist, naming the tenant", async () => {
        const arn = outputs.database.tenantSecretArns.tutorhub;
        mocks.secretsManager.on(DescribeSecretCommand, { SecretId: arn }).rejects(
            new ResourceNotFoundException({
                message: "Secrets Manager can't find the specified secret.",
                $metadata: { httpStatusCode: 400 },
            }),
        );
        const result = await resultOf(cfg, "database-secrets-present", outputs);
        expect(result).to.deep.include({ status: "fail", detail: `tenant tutorhub secret ${arn} not found` });
    });

    it("fails when a secret is scheduled for deletion", async () => {
        const arn = outputs.database.tenantSecretArns.aupairhive;
        mocks.secretsManager
            .on(DescribeSecretCommand, { SecretId: arn })
            .resolves({ ARN: arn, Name: "bbws/sit/tenants/aupairhive/db", DeletedDate: new Date("2026-11-23T09:00:00Z") });
        const result = await resultOf(cfg, "database-secrets-present", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include("bbws/sit/tenants/aupairhive/db is scheduled for deletion");
    });

    it("fails when RDS no longer manages the master secret the stack exported", async () => {
        mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ ...auroraCluster(cfg, outputs), MasterUserSecret: undefined }] });
        const result = await resultOf(cfg, "database-secrets-present", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include("managed master secret is absent");
    });
});

describe('verify database: each tenant\'s rotation (README "Secrets rotation")', () => {
    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));
    const arn = outputs.database.tenantSecretArns.tutorhub;
    const answering = (fields: Record<string, unknown>) =>
        mocks.secretsManager
            .on(DescribeSecretCommand, { SecretId: arn })
            .resolves({ ARN: arn, Name: `bbws/sit/tenants/tutorhub/db`, ...fields });
    const rotating = {
        RotationEnabled: true,
        RotationLambdaARN: `arn:aws:lambda:${cfg.region}:${cfg.accountId}:function:bbws-rotation-sit`,
        RotationRules: { AutomaticallyAfterDays: cfg.database.rotationDays },
        VersionIdsToStages: { v1: ["AWSCURRENT"] },
    };

    it("passes every serving tenant rotating with the environment's function on the configured schedule, nothing pending", async () => {
        const result = await resultOf(cfg, "database-tenant-rotation", outputs);
        expect(result).to.deep.include({
            status: "pass",
            detail: `${cfg.tenants.length} tenant secret(s): rotating every ${cfg.database.rotationDays} day(s); none pending`,
        });
    });

    it("fails a serving tenant whose rotation is off, uses another function or another schedule, naming the tenant", async () => {
        answering({ ...rotating, RotationEnabled: false });
        expect((await resultOf(cfg, "database-tenant-rotation", outputs)).detail).to.equal("tutorhub: rotation is off");
        answering({ ...rotating, RotationLambdaARN: "arn:aws:lambda:eu-west-1:1:function:someone-else" });
        expect((await resultOf(cfg, "database-tenant-rotation", outputs)).detail).to.equal(
            "tutorhub: rotated by someone-else, expected bbws-rotation-sit",
        );
        answering({ ...rotating, RotationRules: { AutomaticallyAfterDays: 90 } });
        expect((await resultOf(cfg, "database-tenant-rotation", outputs)).detail).to.equal(
            `tutorhub: rotates every 90 day(s), expected ${cfg.database.rotationDays}`,
        );
    });

    it("warns of a pending rotation (AWSPENDING on a version that is not AWSCURRENT: RotateSecret refuses every later one), which may be one running", async () => {
        answering({ ...rotating, VersionIdsToStages: { v1: ["AWSCURRENT"], v2: ["AWSPENDING"] } });
        const result = await resultOf(cfg, "database-tenant-rotation", outputs);
        expect(result.status).to.equal("warn");
        expect(result.detail)
            .to.include("tutorhub: version v2 is labelled AWSPENDING but not AWSCURRENT")
            .and.include("if it stays, clear it");
    });

    it("expects a stopped tenant's rotation off (src/config.ts databaseRotationPaused), and says so; fails one still on", async () => {
        const stopped = { ...cfg, tenants: cfg.tenants.map((t) => (t.id === "tutorhub" ? { ...t, stopped: true } : t)) };
        answering({ RotationEnabled: false, VersionIdsToStages: { v1: ["AWSCURRENT"] } });
        const paused = await resultOf(stopped, "database-tenant-rotation", outputs);
        expect(paused.status).to.equal("pass");
        expect(paused.detail).to.include("paused while stopped: tutorhub");
        answering(rotating);
        expect((await resultOf(stopped, "database-tenant-rotation", outputs)).detail).to.equal(
            "tutorhub is stopped but its rotation is on: roll its database phase out",
        );
    });

    it("does not judge a tenant being removed: its removal's own rollouts turn the rotation off (a removal's stop leaves it)", async () => {
        const leaving = { ...cfg, tenants: cfg.tenants.map((t) => (t.id === "tutorhub" ? { ...t, stopped: true, offboarding: true } : t)) };
        for (const fields of [rotating, { RotationEnabled: false }]) {
            answering(fields);
            expect((await resultOf(leaving, "database-tenant-rotation", outputs)).status).to.equal("pass");
        }
    });

    it("fails a schedule expression set by hand: the program sets every rotationDays days only", async () => {
        answering({ ...rotating, RotationRules: { AutomaticallyAfterDays: 30, ScheduleExpression: "cron(0 3 ? * SUN *)" } });
        expect((await resultOf(cfg, "database-tenant-rotation", outputs)).detail).to.equal(
            `tutorhub: rotates on schedule cron(0 3 ? * SUN *), expected every ${cfg.database.rotationDays} day(s)`,
        );
    });
});
