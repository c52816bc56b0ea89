import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import {
    executionRolePolicy,
    platformTaskPolicy,
    PolicyDocument,
    tenantArchivePrefix,
    tenantClusterGrants,
    tenantDbSecretsArnPattern,
    tenantPrefix,
    tenantTaskPolicy,
    TenantTaskPolicyArgs,
} from "../../components/ecs-policies";
import { promiseOf } from "../support/pulumi";
import { allows, list, Statement } from "../support/iam";
import { acceptedTenantId } from "../support/tenant-ids";
import { archivePrefix, ARCHIVE_FILES } from "../../automation/tenant/scripts";
import fc from "fast-check";

/** One archive take's time (epoch ms): its prefix is archive/<id>/20261201T090000.000Z/. */
const TAKE = Date.parse("2026-12-01T09:00:00Z");

const ACCOUNT = "093646564004";
const REGION = "af-south-1";
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ASSETS = "arn:aws:s3:::bbws-tenant-assets-prod";
const MIGRATION = "arn:aws:s3:::bbws-migration-artifacts-prod";
const FILE_SYSTEM = `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/fs-0123456789abcdef0`;
const accessPoint = (id: string) => `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:access-point/fsap-${id.padEnd(17, "0")}`;

const tenantArgs = (tenantId: string): TenantTaskPolicyArgs => ({
    tenantId,
    assetsBucketArn: ASSETS,
    fileSystemArn: FILE_SYSTEM,
    accessPointArn: accessPoint(tenantId),
    keyArn: KEY,
    sessionLogGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/ecs/bbws-prod/_sessions`,
    migrationBucketArn: MIGRATION,
});

/** The document as IAM receives it. */
async function render(doc: PolicyDocument): Promise<Statement[]> {
    return JSON.parse(await promiseOf(pulumi.jsonStringify(doc))).Statement;
}

describe("ecs IAM policies", () => {
    describe("tenant isolation", () => {
        const A = "aupairhive";
        const B = "tutorhub";
        let a: Statement[];

        before(async () => {
            a = await render(tenantTaskPolicy(tenantArgs(A)));
        });

        it("lets tenant A read, write and delete objects under its own prefix in the assets bucket", () => {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
                expect(allows(a, action, `${ASSETS}/tenants/${A}/uploads/2026/01/photo.jpg`), action).to.equal(true);
            }
            expect(allows(a, "s3:ListBucket", ASSETS, { "s3:prefix": `tenants/${A}/uploads/` })).to.equal(true);
        });

        it("grants tenant A nothing on tenant B's prefix, in either bucket", () => {
            for (const bucket of [ASSETS, MIGRATION]) {
                for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion"]) {
                    expect(allows(a, action, `${bucket}/tenants/${B}/uploads/photo.jpg`), `${action} on ${bucket}`).to.equal(false);
                }
                expect(allows(a, "s3:ListBucket", bucket, { "s3:prefix": `tenants/${B}/` }), `list ${bucket}`).to.equal(false);
                expect(allows(a, "s3:ListBucket", bucket, { "s3:prefix": "tenants/" }), `list all tenants in ${bucket}`).to.equal(false);
                expect(allows(a, "s3:ListBucket", bucket), `list ${bucket} without a prefix`).to.equal(false);
            }
        });

        it("grants nothing on a tenant whose id starts with A's (no prefix bleed: tenants/aupairhive2/)", () => {
            expect(allows(a, "s3:GetObject", `${ASSETS}/tenants/${A}2/x`)).to.equal(false);
        });

        it("lets tenant A mount and write the file system only through its own access point", () => {
            for (const action of ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]) {
                expect(allows(a, action, FILE_SYSTEM, { "elasticfilesystem:AccessPointArn": accessPoint(A) }), action).to.equal(true);
                expect(allows(a, action, FILE_SYSTEM, { "elasticfilesystem:AccessPointArn": accessPoint(B) }), action).to.equal(false);
                expect(allows(a, action, FILE_SYSTEM), `${action} without an access point`).to.equal(false);
            }
            expect(
                allows(a, "elasticfilesystem:ClientRootAccess", FILE_SYSTEM, { "elasticfilesystem:AccessPointArn": accessPoint(A) }),
            ).to.equal(false);
        });

        it("never names tenant B's prefix or access point at all", async () => {
            const text = await promiseOf(pulumi.jsonStringify(tenantTaskPolicy(tenantArgs(A))));
            expect(text).not.to.contain(tenantPrefix(B));
            expect(text).not.to.contain(accessPoint(B));
        });

        it("reads and writes its own prefix of the migration bucket, where `npm run task --stage` puts a run's files for its one-off task", () => {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
                expect(allows(a, action, `${MIGRATION}/tenants/${A}/20260101T000000Z-1a2b/dump.sql.gz`), action).to.equal(true);
            }
            expect(allows(a, "s3:ListBucket", MIGRATION, { "s3:prefix": `tenants/${A}/20260101T000000Z-1a2b/` })).to.equal(true);
            expect(allows(a, "s3:GetObject", `${MIGRATION}/platform/20260101T000000Z-1a2b/users.sql`), "the platform's runs").to.equal(
                false,
            );
        });

        // Source: the archive task runs with the tenant's task role (automation/tenant/steps.ts `archive`),
        // and `aws s3 cp` is a PutObject, or CreateMultipartUpload/UploadPart/CompleteMultipartUpload, all
        // authorised by s3:PutObject (S3 API reference, CreateMultipartUpload "Permissions").
        it("lets tenant A's archive task write and read back every archive file under archive/<A>/<take>/, and nothing of tenant B's archive", () => {
            for (const file of ARCHIVE_FILES) {
                const key = `${archivePrefix(A, TAKE)}${file}`;
                expect(allows(a, "s3:PutObject", `${MIGRATION}/${key}`), key).to.equal(true);
                // Read back to check its SHA-256 (scripts.ts ARCHIVE_SCRIPT); B's archive stays unreadable to A.
                expect(allows(a, "s3:GetObject", `${MIGRATION}/${key}`), `read ${key}`).to.equal(true);
                expect(allows(a, "s3:GetObject", `${MIGRATION}/${archivePrefix(B, TAKE)}${file}`), `read B's ${file}`).to.equal(false);
                expect(allows(a, "s3:DeleteObject", `${MIGRATION}/${key}`), `delete ${key}`).to.equal(false);
                expect(allows(a, "s3:PutObject", `${MIGRATION}/${archivePrefix(B, TAKE)}${file}`), `B's ${file}`).to.equal(false);
                expect(allows(a, "s3:PutObject", `${MIGRATION}/${archivePrefix(`${A}2`, TAKE)}${file}`), "prefix bleed").to.equal(false);
            }
            expect(allows(a, "s3:ListBucket", MIGRATION, { "s3:prefix": archivePrefix(A, TAKE) })).to.equal(true);
            expect(allows(a, "s3:ListBucket", MIGRATION, { "s3:prefix": "archive/" })).to.equal(false);
            expect(allows(a, "s3:PutObject", `${ASSETS}/${archivePrefix(A, TAKE)}database.sql.gz`), "not in the assets bucket").to.equal(
                false,
            );
        });

        it("the archive prefix the scripts use is always under the prefix the policy grants, for any id and take", () => {
            fc.assert(
                fc.property(
                    acceptedTenantId,
                    fc.date({ min: new Date(2020, 0, 1), max: new Date(2100, 0, 1), noInvalidDate: true }),
                    (id, d) => {
                        expect(archivePrefix(id, d.getTime()).startsWith(tenantArchivePrefix(id))).to.equal(true);
                    },
                ),
            );
        });

        it("with a standby, reaches its own prefixes of the replica buckets (DR key) and the EFS replica, and still nothing of B's", async () => {
            const standby = {
                assetsBucketArn: "arn:aws:s3:::bbws-tenant-assets-dr-prod",
                migrationBucketArn: "arn:aws:s3:::bbws-migration-artifacts-dr-prod",
                fileSystemArn: `arn:aws:elasticfilesystem:eu-west-1:${ACCOUNT}:file-system/fs-0fedcba9876543210`,
                keyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/dr`,
            };
            const doc = await render(tenantTaskPolicy({ ...tenantArgs(A), standby }));
            for (const bucket of [standby.assetsBucketArn, standby.migrationBucketArn]) {
                expect(allows(doc, "s3:PutObject", `${bucket}/${tenantPrefix(A)}x`), bucket).to.be.true;
                expect(allows(doc, "s3:GetObject", `${bucket}/${tenantPrefix(B)}x`), bucket).to.be.false;
                expect(allows(doc, "s3:ListBucket", bucket, { "s3:prefix": tenantPrefix(A) })).to.be.true;
                expect(allows(doc, "s3:ListBucket", bucket, { "s3:prefix": tenantPrefix(B) })).to.be.false;
            }
            expect(allows(doc, "kms:GenerateDataKey", standby.keyArn)).to.be.true;
            expect(allows(doc, "elasticfilesystem:ClientMount", standby.fileSystemArn)).to.be.true;
            // The archive is offboarding's, which runs in the primary region only.
            expect(allows(doc, "s3:PutObject", `${standby.migrationBucketArn}/${tenantArchivePrefix(A)}x`)).to.be.false;
            expect(await render(tenantTaskPolicy({ ...tenantArgs(A), standby: undefined }))).to.deep.equal(a);
        });

        it("allows the ssmmessages channels ECS Exec needs and logs sessions to the session group only", () => {
            for (const action of ["CreateControlChannel", "CreateDataChannel", "OpenControlChannel", "OpenDataChannel"]) {
                expect(allows(a, `ssmmessages:${action}`, "*"), action).to.equal(true);
            }
            expect(
                allows(a, "logs:PutLogEvents", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/ecs/bbws-prod/_sessions:log-stream:s`),
            ).to.equal(true);
            expect(
                allows(a, "logs:PutLogEvents", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/ecs/bbws-prod/${B}:log-stream:s`),
            ).to.equal(false);
        });
    });

    /** prod's platform one-off task's policy, as the ECS layer builds it. */
    const platformTaskDocument = () =>
        render(
            platformTaskPolicy({
                migrationBucketArn: MIGRATION,
                tenantDbSecretsArnPattern: tenantDbSecretsArnPattern(REGION, ACCOUNT, "prod"),
                keyArn: KEY,
                tenantClusters: tenantClusterGrants(REGION, ACCOUNT, "prod"),
            }),
        );

    describe("platform one-off task", () => {
        const secret = (name: string, suffix = "AbC123", env = "prod") =>
            `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name.replace("<env>", env)}-${suffix}`;
        let doc: Statement[];

        before(async () => {
            doc = await platformTaskDocument();
        });

        // Secrets Manager user guide, "Permissions reference": the ARN ends with '-' and six random characters.
        it("reads the database secret of any tenant of its environment, by the name the data layer gives it", () => {
            for (const id of ["aupairhive", "a", "x".repeat(29), "tenant-49"]) {
                expect(allows(doc, "secretsmanager:GetSecretValue", secret(`bbws/<env>/tenants/${id}/db`, "Xy12Zw")), id).to.equal(true);
            }
        });

        it("reads no other secret: salts, the Redis token, the master user, another environment's, a longer name", () => {
            for (const arn of [
                secret("bbws/<env>/tenants/aupairhive/wp-salts"),
                secret("bbws/<env>/redis/auth-token"),
                secret("rds!cluster-0a1b2c3d-4e5f-6789-abcd-ef0123456789"),
                secret("bbws/<env>/tenants/aupairhive/db", "AbC123", "sit"),
                // '-??????' is six characters exactly; '-*' would match this ("Limiting access to specific secrets").
                secret("bbws/<env>/tenants/aupairhive/db-old"),
            ]) {
                expect(allows(doc, "secretsmanager:GetSecretValue", arn), arn).to.equal(false);
            }
        });

        it("is the same document whatever the tenants: one pattern, not one ARN per tenant (10,240 characters per role, issue 21)", () => {
            expect(tenantDbSecretsArnPattern(REGION, ACCOUNT, "prod")).to.equal(
                `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:bbws/prod/tenants/*/db-??????`,
            );
            expect(JSON.stringify(doc)).not.to.contain("aupairhive");
        });
    });

    describe("platform one-off task: an enterprise tenant's own cluster (onboarding's database step logs in there)", () => {
        // Sources: Aurora user guide, "Password management with Amazon Aurora and AWS Secrets Manager" (RDS names its secret
        // rds!cluster-<id>, JSON with username and password); AWS managed policy reference, AmazonRDSServiceRolePolicy (RDS acts on
        // secret:rds!* and tags them aws:rds:primaryDBClusterArn); Secrets Manager API reference, TagResource (the aws: prefix is
        // reserved for AWS: no one else sets or edits it); KMS developer guide, "Use aliases to control access to KMS keys"
        // (kms:ResourceAliases; a key is named by id in Resource) and "kms:ViaService".
        const cluster = (id: string, env = "prod") => `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:bbws-tenant-${id}-aurora-${env}`;
        const masterSecret = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!cluster-0a1b2c3d-4e5f-6789-abcd-ef0123456789-AbC123`;
        const tagged = (clusterArn: string) => ({ "secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn": clusterArn });
        const tenantKey = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f0f0f0f-1111-2222-3333-444444444444`;
        const viaSecretsManager = (aliases: string[], service = `secretsmanager.${REGION}.amazonaws.com`) => ({
            "kms:ResourceAliases": aliases,
            "kms:ViaService": service,
        });
        let doc: Statement[];

        before(async () => {
            doc = await platformTaskDocument();
        });

        it("reads the RDS-managed master secret of any enterprise tenant's cluster of its environment, by the tag RDS puts on it", () => {
            for (const id of ["bigco", "a", "x".repeat(29), "tenant-49"]) {
                expect(allows(doc, "secretsmanager:GetSecretValue", masterSecret, tagged(cluster(id))), id).to.equal(true);
            }
        });

        it("reads no other master secret: the shared cluster's, another environment's tenant cluster's, an untagged one, a secret not named rds!cluster-", () => {
            expect(
                allows(
                    doc,
                    "secretsmanager:GetSecretValue",
                    masterSecret,
                    tagged(`arn:aws:rds:${REGION}:${ACCOUNT}:cluster:bbws-aurora-prod`),
                ),
            ).to.be.false;
            expect(allows(doc, "secretsmanager:GetSecretValue", masterSecret, tagged(cluster("bigco", "sit")))).to.be.false;
            expect(
                allows(
                    doc,
                    "secretsmanager:GetSecretValue",
                    masterSecret,
                    tagged(`arn:aws:rds:eu-west-1:${ACCOUNT}:cluster:bbws-tenant-bigco-aurora-prod`),
                ),
            ).to.be.false;
            expect(allows(doc, "secretsmanager:GetSecretValue", masterSecret)).to.be.false;
            const named = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:bbws/prod/tenants/bigco/wp-salts-AbC123`;
            expect(allows(doc, "secretsmanager:GetSecretValue", named, tagged(cluster("bigco")))).to.be.false;
        });

        it("decrypts with a tenant's key only through Secrets Manager, only a key aliased alias/bbws-<env>-tenant-<id>, and never encrypts with it", () => {
            expect(allows(doc, "kms:Decrypt", tenantKey, viaSecretsManager(["alias/bbws-prod-tenant-bigco"]))).to.be.true;
            // Called directly (an S3 object, a snapshot, a log group encrypted with it), not through Secrets Manager.
            expect(
                allows(doc, "kms:Decrypt", tenantKey, viaSecretsManager(["alias/bbws-prod-tenant-bigco"], `rds.${REGION}.amazonaws.com`)),
            ).to.be.false;
            expect(allows(doc, "kms:Decrypt", tenantKey, { "kms:ResourceAliases": ["alias/bbws-prod-tenant-bigco"] })).to.be.false;
            // Another environment's tenant key, a key with no alias, another key of the account.
            expect(allows(doc, "kms:Decrypt", tenantKey, viaSecretsManager(["alias/bbws-sit-tenant-bigco"]))).to.be.false;
            expect(allows(doc, "kms:Decrypt", tenantKey, viaSecretsManager([]))).to.be.false;
            expect(allows(doc, "kms:Decrypt", tenantKey, viaSecretsManager(["alias/aws/secretsmanager"]))).to.be.false;
            expect(allows(doc, "kms:GenerateDataKey", tenantKey, viaSecretsManager(["alias/bbws-prod-tenant-bigco"]))).to.be.false;
        });

        it("is the same document whatever the tenants: patterns and conditions, no tenant's id (issue 21), so onboarding changes no platform resource", () => {
            expect(tenantClusterGrants(REGION, ACCOUNT, "prod")).to.deep.equal({
                masterSecretsArnPattern: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!cluster-*`,
                clusterArnPattern: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:bbws-tenant-*-aurora-prod`,
                keysArnPattern: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`,
                keyAliasPattern: "alias/bbws-prod-tenant-*",
                viaService: `secretsmanager.${REGION}.amazonaws.com`,
            });
            expect(JSON.stringify(doc)).not.to.contain("bigco");
        });
    });

    describe("execution role", () => {
        const args = {
            repositoryArns: [`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/bbws/wordpress`],
            logGroupArns: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/ecs/bbws-prod/aupairhive`],
            secretArns: [`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:bbws/prod/tenants/aupairhive/db-AbCdEf`],
            keyArn: KEY,
        };

        it("pulls only from the named repositories and resolves only the named secrets", async () => {
            const doc = await render(executionRolePolicy(args));
            expect(allows(doc, "ecr:BatchGetImage", args.repositoryArns[0])).to.equal(true);
            expect(allows(doc, "ecr:BatchGetImage", `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/other`)).to.equal(false);
            expect(allows(doc, "secretsmanager:GetSecretValue", args.secretArns[0])).to.equal(true);
            expect(
                allows(
                    doc,
                    "secretsmanager:GetSecretValue",
                    `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:bbws/prod/tenants/tutorhub/db-XyZ123`,
                ),
            ).to.equal(false);
            expect(allows(doc, "logs:PutLogEvents", `${args.logGroupArns[0]}:log-stream:wordpress/wordpress/abc`)).to.equal(true);
        });

        it("with a standby, names the DR region's repositories, log group, secret replicas and key too; without, exactly the primary's", async () => {
            const dr = (arn: string) => arn.replace(`:${REGION}:`, ":eu-west-1:");
            const standby = {
                repositoryArns: args.repositoryArns.map(dr),
                logGroupArns: [`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/ecs/bbws-dr-prod/aupairhive`],
                secretArns: args.secretArns.map(dr),
                keyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/dr`,
            };
            const doc = await render(executionRolePolicy({ ...args, standby }));
            for (const arn of [...args.repositoryArns, ...standby.repositoryArns])
                expect(allows(doc, "ecr:BatchGetImage", arn), arn).to.be.true;
            for (const arn of [...args.secretArns, ...standby.secretArns])
                expect(allows(doc, "secretsmanager:GetSecretValue", arn), arn).to.be.true;
            for (const arn of [args.keyArn, standby.keyArn]) expect(allows(doc, "kms:Decrypt", arn), arn).to.be.true;
            expect(allows(doc, "logs:PutLogEvents", `${standby.logGroupArns[0]}:log-stream:wordpress/wordpress/abc`)).to.be.true;
            expect(
                doc.map((s) => s.Sid),
                "the same statements, wider",
            ).to.deep.equal((await render(executionRolePolicy(args))).map((s) => s.Sid));
            expect(await render(executionRolePolicy({ ...args, standby: undefined }))).to.deep.equal(
                await render(executionRolePolicy(args)),
            );
        });

        it("has no secrets or key statement for a task without secrets", async () => {
            const doc = await render(executionRolePolicy({ ...args, secretArns: [] }));
            expect(doc.map((s) => s.Sid)).to.deep.equal(["RegistryLogin", "PullImages", "WriteLogs"]);
        });
    });

    it('uses Resource "*" only for actions that have no resource to scope to', async () => {
        const docs = [
            await render(tenantTaskPolicy(tenantArgs("aupairhive"))),
            await render(executionRolePolicy({ repositoryArns: ["arn:r"], logGroupArns: ["arn:l"], secretArns: ["arn:s"], keyArn: KEY })),
            await render(
                platformTaskPolicy({
                    migrationBucketArn: MIGRATION,
                    tenantDbSecretsArnPattern: tenantDbSecretsArnPattern(REGION, ACCOUNT, "prod"),
                    keyArn: KEY,
                    tenantClusters: tenantClusterGrants(REGION, ACCOUNT, "prod"),
                }),
            ),
        ];
        const unscopable = /^(ecr:GetAuthorizationToken|ssmmessages:\w+|logs:DescribeLogGroups)$/;
        for (const s of docs.flat().filter((st) => list(st.Resource).includes("*"))) {
            for (const action of s.Action) expect(action, s.Sid).to.match(unscopable);
        }
    });
});
