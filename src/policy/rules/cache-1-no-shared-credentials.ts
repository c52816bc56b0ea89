import { AccessStringError, aclRefusal, NAME_LISTING_COMMANDS, parseAccessString } from "../redis-acl";
import { asList, containersOf, ofTypes, Rule, UNREADABLE_CONTAINERS } from "../rule";

/** The container secrets that carry a cache password, by the variables the images read. */
const CACHE_PASSWORD_VARIABLES = ["WP_REDIS_PASSWORD", "REDIS_PASSWORD"];

/** `arn:…:secret:name-AbCdEf:password::` → the secret's ARN. */
function secretOf(valueFrom: string): string {
    const match = /^(arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:[^:]+)/.exec(valueFrom);
    return match ? match[1] : valueFrom;
}

export const cache_1: Rule = {
    name: "cache-1-no-shared-credentials",
    control: "CACHE.1",
    description: "CACHE.1: tenants do not share cache credentials, and the default cache user can do nothing",
    explanation:
        "With one AUTH token every tenant can read and flush every other tenant's cache. Give the " +
        "replication group RBAC `userGroupIds` and no `authToken`; give each tenant its own user limited to " +
        "`~<id>:*` and refused the commands that list key names (`-keys -scan -randomkey -pubsub`) with its password in its own secret; keep the `default` user `off` " +
        "(components/cache-users.ts). Not an AWS control: the platform's own, like QUOTAS.1.",
    level: "mandatory",
    types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    scope: "stack",
    check(group, context) {
        const problems: string[] = [];
        if (group.inputs.authToken || group.inputs.authTokenWo) problems.push("an AUTH token every client shares is set");
        if (asList(group.inputs.userGroupIds).length === 0) problems.push("no RBAC user group");

        for (const user of ofTypes(context.resources, ["aws:elasticache/user:User"])) {
            let acl;
            try {
                acl = parseAccessString(String(user.inputs.accessString ?? ""));
            } catch (e) {
                if (!(e instanceof AccessStringError)) throw e;
                problems.push(`user ${user.name}: ${e.message}`);
                continue;
            }
            const tenant = user.inputs.tags?.Tenant;
            if (user.inputs.userName === "default" && acl.enabled) problems.push(`user ${user.name}: the default user is \`on\``);
            if (typeof tenant === "string" && acl.keyPatterns.some((p) => !p.startsWith(`${tenant}:`))) {
                problems.push(
                    `user ${user.name}: tenant ${tenant}'s user reaches keys outside \`${tenant}:\` (${acl.keyPatterns.join(" ")})`,
                );
            }
            const listing = typeof tenant === "string" ? NAME_LISTING_COMMANDS.filter((c) => aclRefusal(acl, c) === undefined) : [];
            if (listing.length > 0) {
                problems.push(`user ${user.name}: tenant ${tenant}'s user may list other tenants' key names (${listing.join(", ")})`);
            }
        }

        const tenantsBySecret = new Map<string, Set<string>>();
        for (const task of ofTypes(context.resources, ["aws:ecs/taskDefinition:TaskDefinition"])) {
            const tenant = task.inputs.tags?.Tenant;
            if (typeof tenant !== "string") continue;
            const containers = containersOf(task);
            if (!containers) {
                problems.push(`task ${task.name}: ${UNREADABLE_CONTAINERS}`);
                continue;
            }
            for (const c of containers) {
                for (const s of c.secrets ?? []) {
                    if (!CACHE_PASSWORD_VARIABLES.includes(s.name) || typeof s.valueFrom !== "string") continue;
                    const arn = secretOf(s.valueFrom);
                    tenantsBySecret.set(arn, new Set([...(tenantsBySecret.get(arn) ?? []), tenant]));
                }
            }
        }
        for (const [arn, tenants] of tenantsBySecret) {
            if (tenants.size > 1) problems.push(`tenants ${[...tenants].sort().join(", ")} read the same cache password (${arn})`);
        }
        return problems;
    },
};
