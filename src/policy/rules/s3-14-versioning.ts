import { BUCKET_TYPES, referrers, Rule } from "../rule";

const VERSIONING = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];

export const s3_14: Rule = {
    name: "s3-14-versioning",
    control: "S3.14",
    description: "S3.14: S3 general purpose buckets should have versioning enabled",
    explanation:
        "Versioning keeps overwritten and deleted objects recoverable. Add an " +
        "aws.s3.BucketVersioning with status Enabled (and a lifecycle rule expiring old versions).",
    level: "mandatory",
    types: BUCKET_TYPES,
    scope: "stack",
    check(bucket, context) {
        if (bucket.inputs.versioning?.enabled === true) return [];
        const enabled = referrers(context, VERSIONING, "bucket", bucket).some(
            (v) => v.inputs.versioningConfiguration?.status === "Enabled",
        );
        return enabled ? [] : ["versioning is not enabled"];
    },
};
