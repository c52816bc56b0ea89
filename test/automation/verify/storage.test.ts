import { expect } from "chai";
import { DescribeAccessPointsCommand, DescribeFileSystemsCommand, DescribeMountTargetsCommand } from "@aws-sdk/client-efs";
import { GetBucketVersioningCommand, GetPublicAccessBlockCommand, S3ServiceException } from "@aws-sdk/client-s3";
import { configFor, ENVIRONMENTS } from "../../support/pulumi";
import { accessPoints, efsFileSystem, mockHealthyEnvironment, mocks, outputsFor, resultOf } from "./fixtures";

describe("verify storage: EFS", () => {
    for (const env of ENVIRONMENTS) {
        const cfg = configFor(env);
        it(`${env}: fails when a mount target is missing from one of the ${cfg.network.azCount} AZs`, async () => {
            const outputs = outputsFor(cfg);
            mockHealthyEnvironment(cfg, outputs);
            const [first, ...others] = outputs.network.privateSubnetIds as string[];
            mocks.efs.on(DescribeMountTargetsCommand).resolves({
                MountTargets: [
                    {
                        MountTargetId: "fsmt-0a",
                        FileSystemId: outputs.storage.fileSystemId,
                        SubnetId: first,
                        AvailabilityZoneName: `${cfg.region}a`,
                        LifeCycleState: "available",
                    },
                    ...others.map((subnet, i) => ({
                        MountTargetId: `fsmt-${i}`,
                        FileSystemId: outputs.storage.fileSystemId,
                        SubnetId: subnet,
                        AvailabilityZoneName: `${cfg.region}${"bc"[i]}`,
                        LifeCycleState: "creating" as const,
                    })),
                ],
            });
            const result = await resultOf(cfg, "storage-efs-mount-targets", outputs);
            expect(result.status).to.equal("fail");
            expect(result.detail).to.include(`available in 1 of ${cfg.network.azCount} AZs`).and.include(`${cfg.region}b creating`);
        });

        it(`${env}: checks each access point's uid and gid against the tenant's posix id`, async () => {
            const outputs = outputsFor(cfg);
            mockHealthyEnvironment(cfg, outputs);
            const pass = await resultOf(cfg, "storage-efs-access-points", outputs);
            expect(pass.status).to.equal("pass");
            for (const t of cfg.tenants) expect(pass.detail).to.include(`${t.id} ${outputs.storage.accessPointIds[t.id]} uid ${t.posixId}`);

            const [first, ...rest] = accessPoints(cfg, outputs);
            const other = cfg.tenants[0].posixId + 1000;
            mocks.efs
                .on(DescribeAccessPointsCommand)
                .resolves({ AccessPoints: [{ ...first, PosixUser: { Uid: other, Gid: other } }, ...rest] });
            const result = await resultOf(cfg, "storage-efs-access-points", outputs);
            expect(result.status).to.equal("fail");
            expect(result.detail).to.equal(`${cfg.tenants[0].id}: uid/gid ${other}/${other}, expected ${cfg.tenants[0].posixId}`);
        });
    }

    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails a file system that is still creating, and one that is not encrypted with the data key", async () => {
        mocks.efs.on(DescribeFileSystemsCommand).resolves({
            FileSystems: [{ ...efsFileSystem(cfg, outputs), LifeCycleState: "creating", Encrypted: false, KmsKeyId: undefined }],
        });
        expect(await resultOf(cfg, "storage-efs-available", outputs)).to.include({ status: "fail" });
        expect(await resultOf(cfg, "storage-efs-encrypted", outputs)).to.deep.include({
            status: "fail",
            detail: `${outputs.storage.fileSystemId} is not encrypted`,
        });
    });

    it("fails an access point that exposes the root of the file system", async () => {
        const points = accessPoints(cfg, outputs);
        mocks.efs
            .on(DescribeAccessPointsCommand)
            .resolves({ AccessPoints: points.map((p, i) => (i === 1 ? { ...p, RootDirectory: undefined } : p)) });
        const result = await resultOf(cfg, "storage-efs-access-points", outputs);
        expect(result).to.deep.include({ status: "fail", detail: "tutorhub: root /, expected /tenants/tutorhub" });
    });

    it("follows the access point list across pages", async () => {
        const [first, second] = accessPoints(cfg, outputs);
        mocks.efs
            .on(DescribeAccessPointsCommand)
            .resolvesOnce({ AccessPoints: [first], NextToken: "page-2" })
            .resolvesOnce({ AccessPoints: [second] });
        expect(await resultOf(cfg, "storage-efs-access-points", outputs)).to.include({ status: "pass" });
        expect(mocks.efs.commandCalls(DescribeAccessPointsCommand).map((c) => c.args[0].input.NextToken)).to.deep.equal([
            undefined,
            "page-2",
        ]);
    });

    it("fails when a tenant's access point is gone", async () => {
        const [first] = accessPoints(cfg, outputs);
        mocks.efs.on(DescribeAccessPointsCommand).resolves({ AccessPoints: [first] });
        const result = await resultOf(cfg, "storage-efs-access-points", outputs);
        expect(result.detail).to.equal(
            `tutorhub: access point ${outputs.storage.accessPointIds.tutorhub} not found on ${outputs.storage.fileSystemId}`,
        );
    });
});

describe("verify storage: buckets", () => {
    const cfg = configFor("prod");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails a bucket with no public access block at all", async () => {
        mocks.s3.on(GetPublicAccessBlockCommand, { Bucket: "bbws-logs-prod" }).rejects(
            new S3ServiceException({
                name: "NoSuchPublicAccessBlockConfiguration",
                $fault: "client",
                $metadata: { httpStatusCode: 404 },
                message: "The public access block configuration was not found",
            }),
        );
        const result = await resultOf(cfg, "storage-buckets-private", outputs);
        expect(result).to.deep.include({ status: "fail", detail: "bbws-logs-prod: no public access block" });
    });

    it("fails a bucket with one of the four settings off, naming it", async () => {
        mocks.s3.on(GetPublicAccessBlockCommand, { Bucket: "bbws-tenant-assets-prod" }).resolves({
            PublicAccessBlockConfiguration: {
                BlockPublicAcls: true,
                IgnorePublicAcls: true,
                BlockPublicPolicy: false,
                RestrictPublicBuckets: true,
            },
        });
        const result = await resultOf(cfg, "storage-buckets-private", outputs);
        expect(result).to.deep.include({ status: "fail", detail: "bbws-tenant-assets-prod: BlockPublicPolicy off" });
    });

    it("fails a bucket whose versioning was suspended or never enabled", async () => {
        mocks.s3.on(GetBucketVersioningCommand, { Bucket: "bbws-migration-artifacts-prod" }).resolves({ Status: "Suspended" });
        mocks.s3.on(GetBucketVersioningCommand, { Bucket: "bbws-logs-prod" }).resolves({});
        const result = await resultOf(cfg, "storage-buckets-versioned", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.equal(
            "bbws-migration-artifacts-prod: versioning Suspended, expected Enabled; bbws-logs-prod: versioning never enabled, expected Enabled",
        );
    });
});
