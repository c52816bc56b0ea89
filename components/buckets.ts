/**
 * The platform's private bucket, shared by the storage layer and its DR side (components/dr-storage.ts):
 * public access blocked, objects owned by the account, default encryption, versioning and a TLS-only policy.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ProtectionConfig } from "../src/config";
import { bbwsName, denyInsecureTransport, jsonOf, statefulOptions } from "./shared";

/** The environment facts a bucket's name, protection and encryption come from. */
export interface BucketArgs {
    readonly env: string;
    readonly accountId: string;
    readonly protection: ProtectionConfig;
    /** The key of `encryption: "kms"`: in the bucket's own region. */
    readonly keyArn: pulumi.Input<string>;
    /** The bucket's region when not the provider's (a per-resource `region`, @pulumi/aws 7). */
    readonly region?: string;
}

/**
 * A bucket's name, `bbws-<part>-<env>-<account id>`. Bucket names are unique across every AWS
 * account (S3 user guide, "Bucket naming rules"): a short name such as `bbws-logs-dev` may already
 * belong to someone else, and CreateBucket would refuse it on the first `up`. The account id makes
 * the name ours; the longest part (`migration-artifacts-dr`) with a 16-character stack name is 57
 * characters of the 63 allowed.
 */
export function bucketName(env: string, accountId: string, part: string): string {
    return `${bbwsName(env, part)}-${accountId}`;
}

export interface BucketSpec {
    readonly part: string;
    /** `aws:kms` with the data key, or SSE-S3 where a delivering service supports nothing else. */
    readonly encryption: "kms" | "s3";
    /** Statements besides the TLS-only one. */
    readonly statements?: (arn: pulumi.Output<string>) => object[];
    /** The bucket its server access logs go to. */
    readonly logsTo?: aws.s3.Bucket;
}

/**
 * A private, versioned, encrypted, TLS-only bucket `bucketName(env, accountId, part)` whose objects the
 * account owns, in `args.region` when given (the DR replicas), else the provider's.
 */
export function privateBucket(
    parent: pulumi.Resource,
    name: string,
    args: BucketArgs,
    spec: BucketSpec,
): { bucket: aws.s3.Bucket; versioning: aws.s3.BucketVersioning } {
    const logical = `${name}-${spec.part}`;
    const bucket = new aws.s3.Bucket(
        logical,
        {
            region: args.region,
            bucket: bucketName(args.env, args.accountId, spec.part),
            tags: { Name: bbwsName(args.env, spec.part) },
        },
        statefulOptions(parent, args.protection, { retain: true }),
    );
    new aws.s3.BucketPublicAccessBlock(
        `${logical}-public-access`,
        {
            region: args.region,
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        { parent },
    );
    new aws.s3.BucketOwnershipControls(
        `${logical}-ownership`,
        {
            region: args.region,
            bucket: bucket.id,
            rule: { objectOwnership: "BucketOwnerEnforced" },
        },
        { parent },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${logical}-encryption`,
        {
            region: args.region,
            bucket: bucket.id,
            rules: [
                spec.encryption === "kms"
                    ? {
                          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.keyArn },
                          bucketKeyEnabled: true,
                      }
                    : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
            ],
        },
        { parent },
    );
    const versioning = new aws.s3.BucketVersioning(
        `${logical}-versioning`,
        {
            region: args.region,
            bucket: bucket.id,
            versioningConfiguration: { status: "Enabled" },
        },
        { parent },
    );
    new aws.s3.BucketPolicy(
        `${logical}-policy`,
        {
            region: args.region,
            bucket: bucket.id,
            policy: jsonOf({
                Version: "2012-10-17",
                Statement: [
                    denyInsecureTransport("s3:*", [bucket.arn, pulumi.interpolate`${bucket.arn}/*`]),
                    ...(spec.statements?.(bucket.arn) ?? []),
                ],
            }),
        },
        { parent },
    );
    if (spec.logsTo) {
        new aws.s3.BucketLogging(
            `${logical}-logging`,
            {
                bucket: bucket.id,
                targetBucket: spec.logsTo.id,
                targetPrefix: `s3/${bucketName(args.env, args.accountId, spec.part)}/`,
            },
            { parent },
        );
    }
    return { bucket, versioning };
}
