/** Checks after the `database` phase: Aurora, its instances, Redis and the secrets. */
import { DescribeReplicationGroupsCommand, ReplicationGroup } from "@aws-sdk/client-elasticache";
import { DBCluster, DescribeDBClustersCommand, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { DescribeSecretCommand, DescribeSecretCommandOutput } from "@aws-sdk/client-secrets-manager";
import {
    databaseRotationPaused,
    functionEnvironmentProblems,
    masterPasswordKeeper,
    ROTATION_CLONE_SUFFIX,
    ROTATION_USERNAME_LIMIT_VARIABLE,
    tenantDatabaseName,
} from "../../src/config";
import { Check, CheckContext, fail, list, orAbsent, pass, verdict } from "./check";
import { hasOwnDatabase } from "../../src/tiers";
import { rotationInProgress } from "../tenant/secret-repoint";

/**
 * What is wrong with one tenant's rotation as DescribeSecret answers it (`described`), as `problems` (the check
 * fails) and `findings` (it warns). A serving tenant's rotation off, or with another function than
 * `functionName`, or another schedule than every `days` days; a stopped one's (src/config.ts
 * `databaseRotationPaused`) still on, which its stop's database rollout turns off; a tenant being removed is not judged
 * (its removal's own rollouts turn it off). A pending rotation is a
 * finding: RotateSecret refuses every later one until it is cleared, but one may be running (the configuration
 * test a start's rollout has just set off is asynchronous), so only one that stays is a fault.
 */
function tenantRotationProblems(
    tenant: { readonly id: string; readonly stopped: boolean; readonly offboarding: boolean },
    described: Pick<DescribeSecretCommandOutput, "RotationEnabled" | "RotationLambdaARN" | "RotationRules" | "VersionIdsToStages">,
    functionName: string,
    days: number,
): { problems: string[]; findings: string[] } {
    const pending = rotationInProgress(described.VersionIdsToStages ?? {});
    const findings = pending === undefined ? [] : [`${tenant.id}: ${pending}; if it stays, clear it`];
    const problems: string[] = [];
    // A removal leaves the rotation to its own rollouts (automation/tenant/steps.ts stopPhases): on or off, both are right.
    if (tenant.offboarding) return { problems, findings };
    if (databaseRotationPaused(tenant)) {
        if (described.RotationEnabled) problems.push(`${tenant.id} is stopped but its rotation is on: roll its database phase out`);
        return { problems, findings };
    }
    if (!described.RotationEnabled) return { problems: [`${tenant.id}: rotation is off`], findings };
    const fn = described.RotationLambdaARN?.replace(/^.*:function:/, "");
    if (fn !== functionName) problems.push(`${tenant.id}: rotated by ${fn ?? "no function"}, expected ${functionName}`);
    // The program sets AutomaticallyAfterDays only; AWS answers a ScheduleExpression only where one was set.
    const rules = described.RotationRules;
    if (rules?.ScheduleExpression !== undefined)
        problems.push(`${tenant.id}: rotates on schedule ${rules.ScheduleExpression}, expected every ${days} day(s)`);
    else if (rules?.AutomaticallyAfterDays !== days)
        problems.push(`${tenant.id}: rotates every ${rules?.AutomaticallyAfterDays ?? "?"} day(s), expected ${days}`);
    return { problems, findings };
}

async function cluster(ctx: CheckContext): Promise<DBCluster> {
    const id = ctx.outputs.string("database.clusterIdentifier");
    const answer = await ctx.read("rds:cluster", () => ctx.aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })));
    const found = answer.DBClusters?.[0];
    if (!found) throw new Error(`Aurora cluster ${id} not found`);
    return found;
}

async function replicationGroup(ctx: CheckContext): Promise<ReplicationGroup> {
    const id = ctx.outputs.string("database.redisReplicationGroupId");
    const answer = await ctx.read("elasticache:replication-group", () =>
        ctx.aws.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id })),
    );
    const found = answer.ReplicationGroups?.[0];
    if (!found) throw new Error(`Redis replication group ${id} not found`);
    return found;
}

const enabled = (flag: boolean | undefined) => (flag ? "on" : "off");

export const databaseChecks: readonly Check[] = [
    {
        id: "database-aurora-available",
        phase: "database",
        info: "The Aurora cluster is available.",
        explanation:
            "Tenants cannot connect to a cluster that is creating, modifying or failing over; " +
            "look at the cluster's events in the RDS console.",
        async check(ctx) {
            const c = await cluster(ctx);
            const seen = `${c.DBClusterIdentifier} ${c.Status} (${c.Engine} ${c.EngineVersion})`;
            return c.Status === "available" ? pass(seen) : fail(`${seen}, expected available`);
        },
    },
    {
        id: "database-aurora-encrypted",
        phase: "database",
        info: "Aurora storage is encrypted with the platform's data key.",
        explanation:
            "Encryption cannot be turned on after creation; a cluster encrypted with another key " +
            "(or the AWS-managed one) escapes the key policy and its audit trail.",
        async check(ctx) {
            const keyArn = ctx.outputs.string("database.keyArn");
            const c = await cluster(ctx);
            if (!c.StorageEncrypted) return fail(`${c.DBClusterIdentifier}: storage is not encrypted`);
            return c.KmsKeyId === keyArn
                ? pass(`${c.DBClusterIdentifier}: encrypted with ${keyArn}`)
                : fail(`${c.DBClusterIdentifier}: encrypted with ${c.KmsKeyId}, expected the data key ${keyArn}`);
        },
    },
    {
        id: "database-aurora-backups",
        phase: "database",
        info: "Automated backups keep the configured number of days, in the configured window.",
        explanation:
            "Point-in-time recovery reaches back only as far as the retention; the runbook promises " +
            "the values in `bbws:database` (backupRetentionDays, backupWindow).",
        async check(ctx) {
            const { backupRetentionDays, backupWindow } = ctx.config.database;
            const c = await cluster(ctx);
            const problems = [
                ...(c.BackupRetentionPeriod === backupRetentionDays
                    ? []
                    : [`retention ${c.BackupRetentionPeriod} day(s), expected ${backupRetentionDays}`]),
                ...(c.PreferredBackupWindow === backupWindow ? [] : [`window ${c.PreferredBackupWindow}, expected ${backupWindow}`]),
            ];
            return verdict(problems, `retention ${c.BackupRetentionPeriod} day(s), window ${c.PreferredBackupWindow}`);
        },
    },
    {
        id: "database-tenant-clusters",
        phase: "database",
        info: "Each enterprise tenant's own Aurora cluster is available, encrypted with its own key, backed up as configured, and protected from deletion as configured unless the tenant is being offboarded.",
        explanation:
            "An enterprise tenant's WordPress reaches only its own cluster (components/tenant-cluster.ts): one that is not " +
            "available takes that tenant down, one encrypted with another key is not the tenant's, and one left unprotected " +
            "after an abandoned offboarding (README, offboarding runbook) can be deleted by a mistake.",
        async check(ctx) {
            const own = ctx.config.tenants.filter((t) => hasOwnDatabase(t.tier));
            if (own.length === 0) return pass("no enterprise tenant: no cluster of its own");
            const { backupRetentionDays, deletionProtection } = ctx.config.database;
            const problems: string[] = [];
            const findings: string[] = [];
            const seen: string[] = [];
            for (const tenant of own) {
                const id = ctx.outputs.tenantCluster(tenant.id, "clusterIdentifier");
                const keyArn = ctx.outputs.tenantCluster(tenant.id, "keyArn");
                const answer = await ctx.read(`rds:cluster:${id}`, () =>
                    ctx.aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })),
                );
                const c = answer.DBClusters?.[0];
                if (!c) {
                    problems.push(`${tenant.id}: cluster ${id} not found`);
                    continue;
                }
                seen.push(`${tenant.id}: ${id} ${c.Status}`);
                // While offboarding, either: the cluster's protection follows `offboarding` once any database-phase rollout
                // applies it (remove's unprotect step, or another), and an offboarding abandoned before that keeps it on.
                const protect = deletionProtection && !tenant.offboarding;
                if (tenant.offboarding && deletionProtection && !c.DeletionProtection) {
                    findings.push(
                        `${tenant.id}: deletion protection off while it is being offboarded (undo an abandoned removal: README, offboarding runbook)`,
                    );
                }
                problems.push(
                    ...[
                        ...(c.Status === "available" ? [] : [`${c.Status}, expected available`]),
                        ...(c.StorageEncrypted && c.KmsKeyId === keyArn
                            ? []
                            : [`encrypted with ${c.KmsKeyId ?? "nothing"}, expected its own key ${keyArn}`]),
                        ...(c.BackupRetentionPeriod === backupRetentionDays
                            ? []
                            : [`backup retention ${c.BackupRetentionPeriod} day(s), expected ${backupRetentionDays}`]),
                        ...(c.DeletionProtection === protect || tenant.offboarding
                            ? []
                            : [`deletion protection ${enabled(c.DeletionProtection)}, expected ${enabled(protect)}`]),
                    ].map((p) => `${tenant.id}: ${p}`),
                );
            }
            return verdict(problems, seen.join("; "), findings);
        },
    },
    {
        id: "database-aurora-instances",
        phase: "database",
        info: "The configured number of instances are available; with two or more, writer and a reader are in different AZs.",
        explanation:
            "A reader in another AZ is what a failover promotes when the writer's AZ fails; two " +
            "instances in one AZ give no protection against that.",
        async check(ctx) {
            const expected = ctx.config.database.instances;
            const id = ctx.outputs.string("database.clusterIdentifier");
            const c = await cluster(ctx);
            const answer = await ctx.read("rds:instances", () =>
                ctx.aws.rds.send(
                    new DescribeDBInstancesCommand({
                        Filters: [{ Name: "db-cluster-id", Values: [id] }],
                    }),
                ),
            );
            const instances = answer.DBInstances ?? [];
            const writerId = c.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
            const writer = instances.find((i) => i.DBInstanceIdentifier === writerId);
            const readers = instances.filter((i) => i !== writer);
            const seen = instances.map(
                (i) => `${i.DBInstanceIdentifier} ${i === writer ? "writer" : "reader"} ${i.DBInstanceStatus} in ${i.AvailabilityZone}`,
            );
            const problems = [
                ...(instances.length === expected ? [] : [`${instances.length} instance(s), expected ${expected}`]),
                ...(writer ? [] : ["no writer"]),
                ...instances
                    .filter((i) => i.DBInstanceStatus !== "available")
                    .map((i) => `${i.DBInstanceIdentifier} is ${i.DBInstanceStatus}`),
                ...(expected >= 2 && writer && !readers.some((r) => r.AvailabilityZone !== writer.AvailabilityZone)
                    ? [`no reader outside the writer's AZ ${writer.AvailabilityZone}`]
                    : []),
            ];
            return problems.length > 0 ? fail(`${problems.join("; ")} (saw ${list(seen)})`) : pass(list(seen));
        },
    },
    {
        id: "database-redis-available",
        phase: "database",
        info: "The Redis replication group is available with the configured nodes; failover and multi-AZ on with two or more.",
        explanation:
            "WordPress sessions and object cache live in Redis; with one node per AZ and automatic " +
            "failover a node or AZ failure promotes a replica instead of emptying the cache.",
        async check(ctx) {
            const expected = ctx.config.cache.nodes;
            const g = await replicationGroup(ctx);
            const nodes = g.MemberClusters?.length ?? 0;
            const problems = [
                ...(g.Status === "available" ? [] : [`status ${g.Status}, expected available`]),
                ...(nodes === expected ? [] : [`${nodes} node(s), expected ${expected}`]),
                ...(expected >= 2 && g.AutomaticFailover !== "enabled" ? [`automatic failover ${g.AutomaticFailover}`] : []),
                ...(expected >= 2 && g.MultiAZ !== "enabled" ? [`multi-AZ ${g.MultiAZ}`] : []),
            ];
            return verdict(
                problems.map((p) => `${g.ReplicationGroupId}: ${p}`),
                `${g.ReplicationGroupId} ${g.Status}, ${nodes} node(s), failover ${g.AutomaticFailover}, multi-AZ ${g.MultiAZ}`,
            );
        },
    },
    {
        id: "database-redis-encryption",
        phase: "database",
        info: "Redis encrypts at rest and in transit, and clients authenticate as RBAC users, not with a shared AUTH token.",
        explanation:
            "None of the three can be switched on in place without a new replication group or a " +
            "migration window; a group without them holds session data in the clear.",
        async check(ctx) {
            const g = await replicationGroup(ctx);
            const flags: Array<[string, boolean | undefined]> = [
                ["encryption at rest", g.AtRestEncryptionEnabled],
                ["encryption in transit", g.TransitEncryptionEnabled],
                ["an RBAC user group", (g.UserGroupIds ?? []).length > 0],
                // One token every tenant knows is what the user group replaced (README "Cache isolation").
                ["no shared AUTH token", !g.AuthTokenEnabled],
            ];
            return verdict(
                flags.filter(([, on]) => !on).map(([what]) => `${g.ReplicationGroupId}: ${what} is off`),
                `${g.ReplicationGroupId}: ${flags.map(([what, on]) => `${what} ${enabled(on)}`).join(", ")}`,
            );
        },
    },
    {
        id: "database-rotation-username-limit",
        phase: "database",
        info: "Each password rotation function's USERNAME_CHARACTER_LIMIT (the environment's, and each enterprise tenant's own) admits the second user, wp_<id>_clone, of every tenant it rotates.",
        explanation:
            "AWS's function refuses a clone user name longer than this variable, 16 when unset (create_secret in " +
            "SecretsManagerRDSMySQLRotationMultiUser/lambda_function.py); the rollout sets it after every change of the " +
            'function\'s CloudFormation stack (README "Secrets rotation"). Below it, every rotation fails and the old ' +
            "password stays current: roll the database phase out again.",
        async check(ctx) {
            // The environment's function rotates every tenant's secret but an enterprise tenant's, which its own does.
            const own = ctx.config.tenants.filter((t) => hasOwnDatabase(t.tier));
            const functions = [
                { name: ctx.outputs.string("database.rotationFunctionName"), tenants: ctx.config.tenants.filter((t) => !own.includes(t)) },
                ...own.map((t) => ({ name: ctx.outputs.tenantCluster(t.id, "rotationFunctionName"), tenants: [t] })),
            ];
            const results = await Promise.all(
                functions.map(async ({ name, tenants }) => {
                    const fn = await ctx.read(`lambda:${name}`, () =>
                        ctx.aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })),
                    );
                    const value = fn.Environment?.Variables?.[ROTATION_USERNAME_LIMIT_VARIABLE];
                    // The function reads int(os.environ.get('USERNAME_CHARACTER_LIMIT', '16')).
                    const limit = value === undefined ? 16 : /^\d+$/.test(value) ? Number(value) : NaN;
                    const clones = tenants.map((t) => `${tenantDatabaseName(t.id)}${ROTATION_CLONE_SUFFIX}`);
                    const tooLong = clones.filter((c) => !(c.length <= limit));
                    const seen = `${name}: ${ROTATION_USERNAME_LIMIT_VARIABLE}=${value ?? "unset (16)"}`;
                    // A limit high enough is no use to a function whose environment Lambda could not apply or lacks its endpoint.
                    const problems = [
                        ...functionEnvironmentProblems(fn),
                        ...(tooLong.length > 0 ? [`refuses ${list(tooLong.map((c) => `${c} (${c.length})`))}`] : []),
                    ];
                    return problems.length === 0
                        ? { ok: true, text: `${seen}; longest clone ${Math.max(0, ...clones.map((c) => c.length))} characters` }
                        : { ok: false, text: `${seen}; ${problems.join("; ")}` };
                }),
            );
            const text = results.map((r) => r.text).join(" | ");
            return results.every((r) => r.ok) ? pass(text) : fail(text);
        },
    },
    {
        id: "database-tenant-rotation",
        phase: "database",
        info: "Every serving tenant's database secret rotates with its function (the environment's, or an enterprise tenant's own) every bbws:database.rotationDays; a stopped tenant's rotation is off until its start; a pending rotation is reported.",
        explanation:
            "A secret whose rotation is off keeps its first password for good; one left with AWSPENDING on a version " +
            "that is not AWSCURRENT makes Secrets Manager refuse every later rotation (RotateSecret), silently: see README " +
            '"Secrets rotation", "A pending rotation". A rotation off or on where it should not be: roll that tenant\'s database phase out.',
        async check(ctx) {
            const problems: string[] = [];
            const findings: string[] = [];
            let read = 0;
            for (const t of ctx.config.tenants) {
                const arn = ctx.outputs.tenant("database.tenantSecretArns", t.id);
                const answer = await orAbsent(
                    ctx.read(`secretsmanager:${arn}`, () => ctx.aws.secretsManager.send(new DescribeSecretCommand({ SecretId: arn }))),
                    "ResourceNotFoundException",
                );
                // A missing secret is database-secrets-present's finding.
                if (!answer) continue;
                read++;
                const functionName = hasOwnDatabase(t.tier)
                    ? ctx.outputs.tenantCluster(t.id, "rotationFunctionName")
                    : ctx.outputs.string("database.rotationFunctionName");
                const found = tenantRotationProblems(t, answer, functionName, ctx.config.database.rotationDays);
                problems.push(...found.problems);
                findings.push(...found.findings);
            }
            const stopped = ctx.config.tenants.filter((t) => databaseRotationPaused(t)).map((t) => t.id);
            return verdict(
                problems,
                `${read} tenant secret(s): rotating every ${ctx.config.database.rotationDays} day(s)${stopped.length ? `; paused while stopped: ${list(stopped)}` : ""}; none pending`,
                findings,
            );
        },
    },
    {
        id: "database-secrets-present",
        phase: "database",
        info: "The master secret (RDS-managed, or the platform's own with bbws:dr) is active, and every tenant's database secret exists.",
        explanation:
            "Tasks read their credentials from these secrets at start; a missing or deleted secret " +
            "stops every new task of that tenant.",
        async check(ctx) {
            const masterArn = ctx.outputs.string("database.masterSecretArn");
            const secrets = [
                { label: "master", arn: masterArn },
                ...ctx.config.tenants.map((t) => ({ label: `tenant ${t.id}`, arn: ctx.outputs.tenant("database.tenantSecretArns", t.id) })),
            ];
            const c = await cluster(ctx);
            const problems: string[] = [];
            if (masterPasswordKeeper(ctx.config.dr) === "platform") {
                // A global database's members cannot have an RDS-managed password: the platform's own
                // secret (checked below with the tenants') holds it.
                if (c.MasterUserSecret) problems.push(`the cluster has an RDS-managed master secret, which a global database refuses`);
            } else if (c.MasterUserSecret?.SecretArn !== masterArn) {
                problems.push(`the cluster's managed master secret is ${c.MasterUserSecret?.SecretArn ?? "absent"}, expected ${masterArn}`);
            } else if (c.MasterUserSecret.SecretStatus !== "active") {
                problems.push(`the master secret is ${c.MasterUserSecret.SecretStatus}`);
            }
            for (const s of secrets) {
                const answer = await orAbsent(
                    ctx.read(`secretsmanager:${s.arn}`, () => ctx.aws.secretsManager.send(new DescribeSecretCommand({ SecretId: s.arn }))),
                    "ResourceNotFoundException",
                );
                if (!answer) problems.push(`${s.label} secret ${s.arn} not found`);
                else if (answer.DeletedDate) problems.push(`${s.label} secret ${answer.Name} is scheduled for deletion`);
            }
            return verdict(problems, `${secrets.length} secrets present (${secrets.map((s) => s.label).join(", ")})`);
        },
    },
];
