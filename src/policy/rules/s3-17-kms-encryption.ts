import { asList, BUCKET_TYPES, referrers, Rule } from "../rule";

const ENCRYPTION = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const KMS = ["aws:kms", "aws:kms:dsse"];

export const s3_17: Rule = {
    name: "s3-17-kms-encryption",
    control: "S3.17",
    description: "S3.17: S3 general purpose buckets should be encrypted at rest with AWS KMS keys",
    explanation:
        "S3 encrypts everything with its own keys; a KMS key adds an access check and an " +
        "audit trail on every read. Add a server-side encryption configuration with sseAlgorithm aws:kms.",
    level: "mandatory",
    types: BUCKET_TYPES,
    scope: "stack",
    check(bucket, context) {
        const inline = asList<any>(bucket.inputs.serverSideEncryptionConfiguration?.rule);
        const separate = referrers(context, ENCRYPTION, "bucket", bucket).flatMap((c) => asList<any>(c.inputs.rules));
        const kms = [...inline, ...separate].some((r) => KMS.includes(r?.applyServerSideEncryptionByDefault?.sseAlgorithm));
        return kms ? [] : ["default encryption does not use a KMS key"];
    },
};
