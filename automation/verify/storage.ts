/** Checks after the `storage` phase: EFS, its mount targets and access points, and the buckets. */
import {
    DescribeAccessPointsCommand,
    DescribeFileSystemsCommand,
    DescribeMountTargetsCommand,
    FileSystemDescription,
} from "@aws-sdk/client-efs";
import { GetBucketVersioningCommand, GetPublicAccessBlockCommand } from "@aws-sdk/client-s3";
import { allPages, Check, CheckContext, fail, list, orAbsent, pass, verdict } from "./check";

/** The buckets the storage layer exports, by output key. */
const BUCKETS = ["assetsBucketName", "migrationBucketName", "logsBucketName"] as const;

const PUBLIC_ACCESS_FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;

async function fileSystem(ctx: CheckContext): Promise<FileSystemDescription> {
    const id = ctx.outputs.string("storage.fileSystemId");
    const answer = await ctx.read("efs:file-system", () => ctx.aws.efs.send(new DescribeFileSystemsCommand({ FileSystemId: id })));
    const found = answer.FileSystems?.[0];
    if (!found) throw new Error(`file system ${id} not found`);
    return found;
}

function bucketNames(ctx: CheckContext): string[] {
    return BUCKETS.map((key) => ctx.outputs.string(`storage.${key}`));
}

export const storageChecks: readonly Check[] = [
    {
        id: "storage-efs-available",
        phase: "storage",
        info: "The EFS file system is available.",
        explanation: "Every tenant's wp-content lives on it; tasks cannot mount a file system that is still creating.",
        async check(ctx) {
            const fs = await fileSystem(ctx);
            const seen = `${fs.FileSystemId} (${fs.Name}) ${fs.LifeCycleState}`;
            return fs.LifeCycleState === "available" ? pass(seen) : fail(`${seen}, expected available`);
        },
    },
    {
        id: "storage-efs-encrypted",
        phase: "storage",
        info: "The file system is encrypted with the platform's data key.",
        explanation: "EFS encryption is fixed at creation; fixing it means a new file system and copying every tenant's files.",
        async check(ctx) {
            const keyArn = ctx.outputs.string("database.keyArn");
            const fs = await fileSystem(ctx);
            if (!fs.Encrypted) return fail(`${fs.FileSystemId} is not encrypted`);
            return fs.KmsKeyId === keyArn
                ? pass(`${fs.FileSystemId} encrypted with ${keyArn}`)
                : fail(`${fs.FileSystemId} encrypted with ${fs.KmsKeyId}, expected the data key ${keyArn}`);
        },
    },
    {
        id: "storage-efs-mount-targets",
        phase: "storage",
        info: "An available mount target in every configured AZ.",
        explanation:
            "A task can only mount EFS through a mount target in its own AZ; without one, tasks placed " + "in that AZ fail to start.",
        async check(ctx) {
            const id = ctx.outputs.string("storage.fileSystemId");
            const expected = ctx.config.network.azCount;
            const answer = await ctx.read("efs:mount-targets", () =>
                ctx.aws.efs.send(new DescribeMountTargetsCommand({ FileSystemId: id })),
            );
            const targets = answer.MountTargets ?? [];
            const availableAzs = new Set(targets.filter((t) => t.LifeCycleState === "available").map((t) => t.AvailabilityZoneName));
            const seen = targets.map((t) => `${t.AvailabilityZoneName} ${t.LifeCycleState}`);
            return availableAzs.size >= expected
                ? pass(`${availableAzs.size} AZs: ${list(seen)}`)
                : fail(`available in ${availableAzs.size} of ${expected} AZs (saw ${seen.length > 0 ? list(seen) : "no mount target"})`);
        },
    },
    {
        id: "storage-efs-access-points",
        phase: "storage",
        info: "One available access point per tenant, rooted at /tenants/<id>, with the tenant's own POSIX uid and gid.",
        explanation:
            "The access point is the tenant boundary on the shared file system: a wrong uid or root " +
            "directory lets one tenant's tasks read or overwrite another's files.",
        async check(ctx) {
            const id = ctx.outputs.string("storage.fileSystemId");
            const wanted = ctx.config.tenants.map((t) => ({
                tenant: t,
                accessPointId: ctx.outputs.tenant("storage.accessPointIds", t.id),
            }));
            const accessPoints = await ctx.read("efs:access-points", () =>
                allPages(async (token) => {
                    const page = await ctx.aws.efs.send(new DescribeAccessPointsCommand({ FileSystemId: id, NextToken: token }));
                    return { items: page.AccessPoints, next: page.NextToken };
                }),
            );
            const byId = new Map(accessPoints.map((a) => [a.AccessPointId, a]));
            const problems = wanted.flatMap(({ tenant, accessPointId }) => {
                const ap = byId.get(accessPointId);
                if (!ap) return [`${tenant.id}: access point ${accessPointId} not found on ${id}`];
                const root = `/tenants/${tenant.id}`;
                return [
                    ...(ap.LifeCycleState === "available" ? [] : [`${tenant.id}: ${accessPointId} is ${ap.LifeCycleState}`]),
                    ...(ap.PosixUser?.Uid === tenant.posixId && ap.PosixUser?.Gid === tenant.posixId
                        ? []
                        : [`${tenant.id}: uid/gid ${ap.PosixUser?.Uid}/${ap.PosixUser?.Gid}, expected ${tenant.posixId}`]),
                    ...(ap.RootDirectory?.Path === root ? [] : [`${tenant.id}: root ${ap.RootDirectory?.Path ?? "/"}, expected ${root}`]),
                ];
            });
            return verdict(
                problems,
                wanted.map(({ tenant, accessPointId }) => `${tenant.id} ${accessPointId} uid ${tenant.posixId}`).join(", "),
            );
        },
    },
    {
        id: "storage-buckets-private",
        phase: "storage",
        info: "Every bucket blocks public access with all four settings.",
        explanation:
            "Tenant media, migration dumps and access logs are never public; the block stops a bucket " +
            "policy or ACL added by hand from exposing them.",
        async check(ctx) {
            const problems: string[] = [];
            for (const bucket of bucketNames(ctx)) {
                const answer = await orAbsent(
                    ctx.read(`s3:public-access:${bucket}`, () => ctx.aws.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))),
                    "NoSuchPublicAccessBlockConfiguration",
                );
                const off = PUBLIC_ACCESS_FLAGS.filter((flag) => answer?.PublicAccessBlockConfiguration?.[flag] !== true);
                if (off.length > 0) problems.push(answer ? `${bucket}: ${list(off)} off` : `${bucket}: no public access block`);
            }
            return verdict(problems, `${list(bucketNames(ctx))}: public access blocked`);
        },
    },
    {
        id: "storage-buckets-versioned",
        phase: "storage",
        info: "Every bucket has versioning enabled.",
        explanation: "Versioning is what lets an overwritten or deleted upload, dump or log be recovered.",
        async check(ctx) {
            const states: Array<{ bucket: string; status: string }> = [];
            for (const bucket of bucketNames(ctx)) {
                const answer = await ctx.read(`s3:versioning:${bucket}`, () =>
                    ctx.aws.s3.send(new GetBucketVersioningCommand({ Bucket: bucket })),
                );
                states.push({ bucket, status: answer.Status ?? "never enabled" });
            }
            return verdict(
                states.filter((s) => s.status !== "Enabled").map((s) => `${s.bucket}: versioning ${s.status}, expected Enabled`),
                `versioning enabled on ${list(states.map((s) => s.bucket))}`,
            );
        },
    },
];
