import { BUCKET_TYPES, ofTypes, referrers, ResourceView, Rule } from "../rule";

const SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

function blocksAll(block: ResourceView): boolean {
    return SETTINGS.every((s) => block.inputs[s] === true);
}

export const s3_8: Rule = {
    name: "s3-8-block-public-access",
    control: "S3.8",
    description: "S3.8: S3 general purpose buckets should block public access",
    explanation:
        "Give every bucket an aws.s3.BucketPublicAccessBlock with all four settings true (or " +
        "block public access for the whole account), so no ACL or policy can publish it.",
    level: "mandatory",
    types: BUCKET_TYPES,
    scope: "stack",
    check(bucket, context) {
        const account = ofTypes(context.resources, ["aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"]);
        const own = referrers(context, ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"], "bucket", bucket);
        return [...account, ...own].some(blocksAll) ? [] : [`no public access block sets all of ${SETTINGS.join(", ")}`];
    },
};
