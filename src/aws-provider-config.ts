/**
 * Every config key the AWS provider defines (`aws:<key>`), as @pulumi/aws 7.48.0 declares them in
 * its `config/vars` module. The provider silently ignores a key it does not define, so a misspelt
 * `aws:` key (say `aws:allowedAccountId`) would drop a guard without a word; config refuses it.
 *
 * Kept as a plain list so that validating config does not load Pulumi (about a second);
 * test/src/config.test.ts checks it against the installed provider, so an upgrade that adds or
 * removes a key fails there.
 */
export const AWS_PROVIDER_CONFIG_KEYS: readonly string[] = [
    "accessKey",
    "allowedAccountIds",
    "assumeRoleWithWebIdentity",
    "assumeRoles",
    "customCaBundle",
    "defaultTags",
    "ec2MetadataServiceEndpoint",
    "ec2MetadataServiceEndpointMode",
    "endpoints",
    "forbiddenAccountIds",
    "httpProxy",
    "httpsProxy",
    "ignoreTags",
    "insecure",
    "maxRetries",
    "noProxy",
    "profile",
    "region",
    "retryMode",
    "s3UsEast1RegionalEndpoint",
    "s3UsePathStyle",
    "secretKey",
    "sharedConfigFiles",
    "sharedCredentialsFiles",
    "skipCredentialsValidation",
    "skipMetadataApiCheck",
    "skipRegionValidation",
    "skipRequestingAccountId",
    "stsRegion",
    "tagPolicyCompliance",
    "token",
    "tokenBucketRateLimiterCapacity",
    "useDualstackEndpoint",
    "useFipsEndpoint",
    "userAgents",
];
