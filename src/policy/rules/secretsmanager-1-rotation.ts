import { referrers, Rule } from "../rule";

/**
 * The tenant secrets that must rotate: database credentials, tagged `Tenant` and named
 * `…/tenants/<id>/db`. The cache users' secrets are left out on purpose: ElastiCache users are
 * rotated by AWS's `SecretsManagerElasticacheUserRotation` function one secret per function, which
 * this platform does not deploy yet (README "Secrets rotation").
 */
function isTenantDatabaseSecret(name: unknown, tags: unknown): boolean {
    return typeof name === "string" && /\/tenants\/[^/]+\/db$/.test(name) && typeof (tags as any)?.Tenant === "string";
}

/**
 * The tag a tenant's database secret carries while its tenant is stopped and its rotation paused
 * (src/config.ts `ROTATION_PAUSED_TAG`, the same key; `databaseRotationPaused` says why).
 */
export const ROTATION_PAUSED_TAG = "RotationPaused";

export const secretsmanager_1: Rule = {
    name: "secretsmanager-1-tenant-rotation",
    control: "SecretsManager.1",
    description: "SecretsManager.1: Secrets Manager secrets should have automatic rotation enabled",
    explanation:
        "A tenant's database password that never changes outlives every leak. Give each tenant database " +
        "secret an aws.secretsmanager.SecretRotation (secretId from the secret) with a rotation function " +
        "and `rotationRules` (components/tenant-database.ts). A stopped tenant's secret tagged RotationPaused: true " +
        "is exempt: its rotation is configured when it starts, once its MySQL user exists where the secret points.",
    level: "mandatory",
    types: ["aws:secretsmanager/secret:Secret"],
    scope: "stack",
    check(secret, context) {
        if (!isTenantDatabaseSecret(secret.inputs.name, secret.inputs.tags)) return [];
        // The tag alone: CrossGuard judges untargeted resources on their last state (pulumi/pulumi step_generator.go,
        // untargeted same steps keep their old outputs), so the stop's database rollout would see the tenant's service
        // still serving. That the tag appears exactly while the tenant is stopped is the data layer's, tested there;
        // `npm run verify` (database-tenant-rotation) fails a serving tenant whose rotation is off.
        if (secret.inputs.tags?.[ROTATION_PAUSED_TAG] === "true") return [];
        const rotations = referrers(context, ["aws:secretsmanager/secretRotation:SecretRotation"], "secretId", secret).filter(
            (r) =>
                r.inputs.rotationLambdaArn &&
                (r.inputs.rotationRules?.automaticallyAfterDays || r.inputs.rotationRules?.scheduleExpression),
        );
        return rotations.length > 0 ? [] : ["no SecretRotation with a function and a schedule rotates this tenant database secret"];
    },
};
