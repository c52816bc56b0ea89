import { expect } from "chai";
import { BACKUP_SCHEDULE, ECR_LIFECYCLE_POLICY, StorageLayer } from "../../components/storage";
import { accessPointSpec, TENANT_ROOT } from "../../components/tenant-storage";
import { REPOSITORIES } from "../../src/images";
import { configFor, ENVIRONMENTS, named, ofType, promiseOf, Registration, stackFileConfig } from "../support/pulumi";
import type { RecordedOptions } from "../support/options";
import { buildStorage, fakeInputs, SHARED_EFS_GROUP, SHARED_PRIVATE } from "./storage-fixtures";

const ACCESS_POINT = "aws:efs/accessPoint:AccessPoint";
const MOUNT_TARGET = "aws:efs/mountTarget:MountTarget";
const REPOSITORY = "aws:ecr/repository:Repository";
const REPOSITORY_LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy";

/** What the issue asks of each environment, written out rather than read back from config. */
const EXPECTED = {
    dev: { protectedData: false, retained: false, backupDays: 7 },
    sit: { protectedData: true, retained: false, backupDays: 7 },
    prod: { protectedData: true, retained: true, backupDays: 35 },
} as const;

const policyOf = (resource: Registration) => JSON.parse(resource.inputs.policy);

describe("storage layer", () => {
    describe("tenant access points", () => {
        it("roots a tenant at /tenants/<id>, created owned by its uid/gid with mode 0750, and acts as that uid/gid", () => {
            expect(accessPointSpec({ id: "tutorhub", posixId: 20002 })).to.deep.equal({
                posixUser: { uid: 20002, gid: 20002 },
                rootDirectory: { path: `${TENANT_ROOT}/tutorhub`, creationInfo: { ownerUid: 20002, ownerGid: 20002, permissions: "750" } },
            });
        });
        it("backs up daily", () => {
            expect(BACKUP_SCHEDULE).to.match(/^cron\(\d+ \d+ \* \* \? \*\)$/);
        });
    });

    for (const env of ENVIRONMENTS) {
        describe(`in ${env}`, () => {
            const cfg = configFor(env);
            const expected = EXPECTED[env];
            const fake = fakeInputs(cfg);
            let layer: StorageLayer;
            let resources: Registration[];
            let options: Map<string, RecordedOptions>;

            before(async () => {
                ({ layer, resources, options } = await buildStorage(cfg));
            });

            describe("EFS", () => {
                let fileSystem: Registration;
                before(() => {
                    fileSystem = named(resources, "storage-efs");
                });

                it(`is bbws-efs-${env}, encrypted with the data key, elastic, moving files to IA after 30 days`, () => {
                    expect(fileSystem.inputs.tags.Name).to.equal(`bbws-efs-${env}`);
                    expect(fileSystem.inputs.encrypted).to.equal(true);
                    expect(fileSystem.inputs.kmsKeyId).to.equal(fake.keyArn);
                    expect(fileSystem.inputs.throughputMode).to.equal("elastic");
                    expect(fileSystem.inputs.lifecyclePolicies).to.deep.equal([{ transitionToIa: "AFTER_30_DAYS" }]);
                    expect(options.get("storage-efs")?.protect).to.equal(expected.protectedData);
                });
                it("has a mount target in each private subnet, in the file-system group", () => {
                    const targets = ofType(resources, MOUNT_TARGET);
                    expect(targets.map((t) => t.inputs.subnetId)).to.have.members(SHARED_PRIVATE.slice(0, cfg.network.azCount));
                    for (const target of targets) expect(target.inputs.securityGroups).to.deep.equal([SHARED_EFS_GROUP]);
                });
                it(
                    "replaces a mount target by deleting it first: EFS allows one per AZ (CreateMountTarget: MountTargetConflict; " +
                        "efs/mount_target.go: subnet_id ForceNew), and it holds no data",
                    () => {
                        for (const target of ofType(resources, MOUNT_TARGET)) {
                            expect(options.get(target.name)?.deleteBeforeReplace, target.name).to.equal(true);
                        }
                    },
                );
                it("has automatic backups on", () => {
                    expect(named(resources, "storage-efs-backup-policy").inputs.backupPolicy).to.deep.equal({ status: "ENABLED" });
                });
                it("denies every request made without TLS and grants no root access", () => {
                    const policy = policyOf(named(resources, "storage-efs-policy"));
                    const deny = policy.Statement.find((s: any) => s.Effect === "Deny");
                    expect(deny.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
                    expect(deny.Action).to.equal("*");
                    const allowed = policy.Statement.filter((s: any) => s.Effect === "Allow").flatMap((s: any) => s.Action);
                    expect(allowed).to.not.include("elasticfilesystem:ClientRootAccess");
                });
            });

            describe("tenant access points", () => {
                let points: Registration[];
                before(() => {
                    points = ofType(resources, ACCESS_POINT);
                });

                it("gives every tenant, and only tenants, an access point tagged with the tenant", async () => {
                    expect(points.map((p) => p.inputs.tags.Tenant)).to.have.members(cfg.tenants.map((t) => t.id));
                    for (const tenant of cfg.tenants) {
                        const point = named(resources, `storage-efs-${tenant.id}`);
                        expect(point.inputs.posixUser).to.deep.equal({ uid: tenant.posixId, gid: tenant.posixId });
                        expect(point.inputs.rootDirectory.path).to.equal(`/tenants/${tenant.id}`);
                        expect(point.inputs.rootDirectory.creationInfo).to.deep.equal({
                            ownerUid: tenant.posixId,
                            ownerGid: tenant.posixId,
                            permissions: "750",
                        });
                        expect(await promiseOf(layer.accessPoints[tenant.id].id)).to.match(/^fsap-[0-9a-f]{17}$/);
                    }
                });
                it("never lets two tenants share a uid, a gid or a root directory, and never exposes /", () => {
                    const uids = points.map((p) => p.inputs.posixUser.uid);
                    const gids = points.map((p) => p.inputs.posixUser.gid);
                    const roots = points.map((p) => p.inputs.rootDirectory.path);
                    expect(new Set(uids).size).to.equal(points.length);
                    expect(new Set(gids).size).to.equal(points.length);
                    expect(new Set(roots).size).to.equal(points.length);
                    for (const root of roots) expect(root).to.match(/^\/tenants\/[a-z0-9-]+$/);
                    for (const uid of uids) expect(uid).to.be.at.least(20000);
                });
                it("keeps every other tenant's uid when a tenant is removed", async () => {
                    const raw = stackFileConfig(env)["bbws:tenants"] as Array<{ id: string }>;
                    const [removed, ...kept] = raw;
                    const { resources: after } = await buildStorage(configFor(env, { "bbws:tenants": kept }));
                    expect(ofType(after, ACCESS_POINT).map((p) => p.inputs.tags.Tenant)).to.not.include(removed.id);
                    for (const tenant of kept) {
                        const before = named(resources, `storage-efs-${tenant.id}`).inputs;
                        const now = named(after, `storage-efs-${tenant.id}`).inputs;
                        expect(now.posixUser, tenant.id).to.deep.equal(before.posixUser);
                        expect(now.rootDirectory, tenant.id).to.deep.equal(before.rootDirectory);
                    }
                });
            });

            describe("S3 buckets", () => {
                const parts = ["tenant-assets", "migration-artifacts", "logs"];

                it('are named bbws-<part>-<env>-<account>: bucket names are global across AWS accounts (S3 "Bucket naming rules")', async () => {
                    expect(ofType(resources, "aws:s3/bucket:Bucket").map((b) => b.inputs.bucket)).to.have.members(
                        parts.map((p) => `bbws-${p}-${env}-${cfg.accountId}`),
                    );
                    expect(await promiseOf(layer.assetsBucket.name)).to.equal(`bbws-tenant-assets-${env}-${cfg.accountId}`);
                    expect(await promiseOf(layer.migrationBucket.name)).to.equal(`bbws-migration-artifacts-${env}-${cfg.accountId}`);
                    expect(await promiseOf(layer.logsBucket.arn)).to.equal(`arn:aws:s3:::bbws-logs-${env}-${cfg.accountId}`);
                });
                for (const part of parts) {
                    it(`bbws-${part}-${env}-<account>: public access blocked, objects owned by the account, TLS only, encrypted, versioned`, () => {
                        const pab = named(resources, `storage-${part}-public-access`).inputs;
                        expect(pab).to.include({
                            blockPublicAcls: true,
                            blockPublicPolicy: true,
                            ignorePublicAcls: true,
                            restrictPublicBuckets: true,
                        });
                        expect(named(resources, `storage-${part}-ownership`).inputs.rule).to.deep.equal({
                            objectOwnership: "BucketOwnerEnforced",
                        });
                        const deny = policyOf(named(resources, `storage-${part}-policy`)).Statement.find(
                            (s: any) => s.Sid === "DenyInsecureTransport",
                        );
                        expect(deny.Resource).to.deep.equal([
                            `arn:aws:s3:::bbws-${part}-${env}-${cfg.accountId}`,
                            `arn:aws:s3:::bbws-${part}-${env}-${cfg.accountId}/*`,
                        ]);
                        expect(deny.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
                        const sse = named(resources, `storage-${part}-encryption`).inputs.rules[0].applyServerSideEncryptionByDefault;
                        expect(sse.sseAlgorithm).to.be.oneOf(["aws:kms", "AES256"]);
                        expect(named(resources, `storage-${part}-versioning`).inputs.versioningConfiguration).to.deep.equal({
                            status: "Enabled",
                        });
                        expect(options.get(`storage-${part}`)).to.include({
                            protect: expected.protectedData,
                            retainOnDelete: expected.retained,
                        });
                    });
                }
                it("encrypts media and migration artefacts with the data key, and logs with SSE-S3 (all ALB log delivery supports)", () => {
                    const sse = (part: string) => named(resources, `storage-${part}-encryption`).inputs.rules[0];
                    for (const part of ["tenant-assets", "migration-artifacts"]) {
                        expect(sse(part).applyServerSideEncryptionByDefault).to.deep.equal({
                            sseAlgorithm: "aws:kms",
                            kmsMasterKeyId: fake.keyArn,
                        });
                        expect(sse(part).bucketKeyEnabled).to.equal(true);
                    }
                    expect(sse("logs").applyServerSideEncryptionByDefault).to.deep.equal({ sseAlgorithm: "AES256" });
                });
                it("lets the load balancer deliver access logs into this account's prefix of the logs bucket", () => {
                    const statements = policyOf(named(resources, "storage-logs-policy")).Statement;
                    const alb = statements.find((s: any) => s.Principal?.Service === "logdelivery.elasticloadbalancing.amazonaws.com");
                    expect(alb.Principal.AWS, "the region's ELB account (regions before Dec 2021)").to.equal(
                        cfg.region === "af-south-1" ? "arn:aws:iam::098369216593:root" : "arn:aws:iam::156460612806:root",
                    );
                    expect(alb.Effect).to.equal("Allow");
                    expect(alb.Action).to.equal("s3:PutObject");
                    for (const resource of alb.Resource)
                        expect(resource).to.match(
                            new RegExp(`^arn:aws:s3:::bbws-logs-${env}-${cfg.accountId}/.*AWSLogs/${cfg.accountId}/\\*$`),
                        );
                    const s3 = statements.find((s: any) => s.Principal?.Service === "logging.s3.amazonaws.com");
                    expect(s3.Condition.StringEquals).to.deep.equal({ "aws:SourceAccount": cfg.accountId });
                });
                it("sends the media and migration buckets' access logs to the logs bucket, and only those", () => {
                    const logging = ofType(resources, "aws:s3/bucketLogging:BucketLogging");
                    expect(logging.map((l) => l.inputs.bucket)).to.have.members([
                        `bbws-tenant-assets-${env}-${cfg.accountId}`,
                        `bbws-migration-artifacts-${env}-${cfg.accountId}`,
                    ]);
                    for (const l of logging) {
                        expect(l.inputs.targetBucket).to.equal(`bbws-logs-${env}-${cfg.accountId}`);
                        expect(l.inputs.targetPrefix).to.equal(`s3/${l.inputs.bucket}/`);
                    }
                });
                it(`expires old migration-artefact versions after ${cfg.storage.migrationArtifactsNoncurrentDays} days`, () => {
                    const rules = named(resources, "storage-migration-artifacts-lifecycle").inputs.rules;
                    expect(rules[0].status).to.equal("Enabled");
                    expect(rules[0].noncurrentVersionExpiration.noncurrentDays).to.equal(cfg.storage.migrationArtifactsNoncurrentDays);
                });
            });

            describe("AWS Backup", () => {
                it("keeps recovery points in a vault encrypted with the data key", async () => {
                    const vault = named(resources, "storage-backup-vault");
                    expect(vault.inputs.kmsKeyArn).to.equal(fake.keyArn);
                    expect(options.get("storage-backup-vault")?.protect).to.equal(expected.protectedData);
                    expect(await promiseOf(layer.backupVaultName)).to.equal(`bbws-backup-vault-${env}`);
                });
                it(`backs up daily and keeps each point ${expected.backupDays} days`, () => {
                    const [rule] = named(resources, "storage-backup-plan").inputs.rules;
                    expect(rule.schedule).to.equal(BACKUP_SCHEDULE);
                    expect(rule.targetVaultName).to.equal(`bbws-backup-vault-${env}`);
                    expect(rule.lifecycle.deleteAfter).to.equal(expected.backupDays);
                });
                it(
                    "replaces its selection by deleting it first: every input forces a replacement (backup/selection.go has no " +
                        "update) under the same name in the same plan, and a selection holds no recovery point",
                    () => {
                        expect(options.get("storage-backup-selection")?.deleteBeforeReplace).to.equal(true);
                    },
                );
                it("covers the Aurora cluster and the file system, with a role only AWS Backup can assume", async () => {
                    const selection = named(resources, "storage-backup-selection");
                    expect(selection.inputs.resources).to.have.members([fake.clusterArn, await promiseOf(layer.fileSystemArn)]);
                    const role = named(resources, "storage-backup-role");
                    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({
                        Service: "backup.amazonaws.com",
                    });
                    expect(selection.inputs.iamRoleArn).to.equal(`arn:aws:iam::${cfg.accountId}:role/bbws-backup-${env}`);
                    const attached = ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn);
                    expect(attached).to.have.members([
                        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
                    ]);
                });
            });

            describe("ECR repositories", () => {
                it("has bbws/wordpress and bbws/migration: scanned on push, immutable tags, encrypted with the data key", () => {
                    const repos = ofType(resources, REPOSITORY);
                    expect(repos.map((r) => r.inputs.name)).to.have.members([REPOSITORIES.wordpress, REPOSITORIES.migration]);
                    for (const repo of repos) {
                        expect(repo.inputs.imageScanningConfiguration.scanOnPush, repo.name).to.equal(true);
                        expect(repo.inputs.imageTagMutability, repo.name).to.equal("IMMUTABLE");
                        expect(repo.inputs.encryptionConfigurations, repo.name).to.deep.equal([
                            { encryptionType: "KMS", kmsKey: fake.keyArn },
                        ]);
                        expect(repo.inputs.forceDelete, repo.name).to.equal(!expected.protectedData);
                        expect(options.get(repo.name)!.protect, repo.name).to.equal(expected.protectedData);
                    }
                });

                it("keeps the last 10 tagged images and expires untagged ones after 7 days in both repositories", () => {
                    const policies = ofType(resources, REPOSITORY_LIFECYCLE);
                    expect(policies.map((p) => p.inputs.repository)).to.have.members([REPOSITORIES.wordpress, REPOSITORIES.migration]);
                    for (const p of policies) expect(JSON.parse(p.inputs.policy)).to.deep.equal(ECR_LIFECYCLE_POLICY);
                    const [untagged, tagged] = ECR_LIFECYCLE_POLICY.rules.map((r) => r.selection);
                    expect(untagged).to.include({ tagStatus: "untagged", countType: "sinceImagePushed", countNumber: 7 });
                    expect(tagged).to.include({ tagStatus: "tagged", countType: "imageCountMoreThan", countNumber: 10 });
                });

                it("hands the ECS layer each repository's URL (where images are pushed) and ARN", async () => {
                    for (const [kind, name] of Object.entries(REPOSITORIES) as Array<[keyof typeof REPOSITORIES, string]>) {
                        expect(await promiseOf(layer.repositories[kind].repositoryUrl)).to.equal(
                            `${cfg.accountId}.dkr.ecr.${cfg.region}.amazonaws.com/${name}`,
                        );
                        expect(await promiseOf(layer.repositories[kind].arn)).to.equal(
                            `arn:aws:ecr:${cfg.region}:${cfg.accountId}:repository/${name}`,
                        );
                    }
                });
            });

            it("exposes the file system's id and ARN", async () => {
                expect(await promiseOf(layer.fileSystemId)).to.match(/^fs-[0-9a-f]{17}$/);
                expect(await promiseOf(layer.fileSystemArn)).to.match(
                    new RegExp(`^arn:aws:elasticfilesystem:${cfg.region}:${cfg.accountId}:file-system/fs-`),
                );
            });
        });
    }
});
