import { asList, BUCKET_TYPES, parseJson, referrers, Rule } from "../rule";

/** A statement refusing every request made without TLS, as components/shared.ts denyInsecureTransport writes it. */
function deniesInsecureTransport(statement: any): boolean {
    const secure = statement?.Condition?.Bool?.["aws:SecureTransport"];
    const principal = statement?.Principal;
    const everyone = principal === "*" || asList(principal?.AWS).includes("*");
    const actions = asList<string>(statement?.Action);
    return statement?.Effect === "Deny" && everyone && String(secure) === "false" && actions.some((a) => a === "s3:*" || a === "*");
}

export const s3_5: Rule = {
    name: "s3-5-tls-only",
    control: "S3.5",
    description: "S3.5: S3 general purpose buckets should require requests to use SSL",
    explanation:
        "Attach a bucket policy that denies s3:* to everyone when aws:SecureTransport is " +
        "false (denyInsecureTransport in components/shared.ts).",
    level: "mandatory",
    types: BUCKET_TYPES,
    scope: "stack",
    check(bucket, context) {
        const policies = referrers(context, ["aws:s3/bucketPolicy:BucketPolicy"], "bucket", bucket);
        const statements = policies.flatMap((p) => asList<any>(parseJson(p.inputs.policy)?.Statement));
        return statements.some(deniesInsecureTransport) ? [] : ["no bucket policy denies requests made without TLS"];
    },
};
