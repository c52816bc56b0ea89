/**
 * What tenants spend of ElastiCache's users per user group: every tenant's cache user joins its environment's one
 * user group (components/tenant-database.ts, a `UserGroupAssociation` each), beside the `default` user and the
 * platform task's user the group is created with (components/data.ts); prod's standby group in the DR region takes
 * the `default` user and each tenant's standby user. Counted on dev's and prod's real synths plus N such memberships
 * by the quota rule (`quotaNeeds`) and judged by the preflight (`readQuotas`, `checkQuotas`).
 *
 * Default: ElastiCache for Redis user guide, "Quotas for ElastiCache" (awsdocs/amazon-elasticache-docs
 * doc_source/redis/quota-limits.md): "Users per user group", 100. ElastiCache API reference:
 * `UserGroupQuotaExceededFault`, "The number of users exceeds the user group limit". Not among the `elasticache`
 * quotas Service Quotas lists (gruntwork-io/terraform-aws-utilities docs/quotas.md): no code to read or raise.
 */
import { expect } from "chai";
import { checkQuotas, readQuotas, serviceQuotasDouble } from "../../automation/quotas";
import { viewsFromSynth } from "../../automation/policy-offline";
import { DEFAULT_QUOTAS, quotaNeeds, quotas_1 } from "../../src/policy/rules/quotas-1-default-service-quotas";
import type { ResourceView } from "../../src/policy/rule";
import { MAX_TENANTS } from "../../src/config";
import { configFor, PROJECT_DIR } from "../support/pulumi";
import { cachedSynthesize } from "../support/synth-cache";
import { thrown } from "../support/thrown";

const USER_GROUP = "aws:elasticache/userGroup:UserGroup";
const ASSOCIATION = "aws:elasticache/userGroupAssociation:UserGroupAssociation";

/** `n` more tenants' memberships of `group`, as a tenant's `UserGroupAssociation` names it (its `userGroupId` from the group). */
function memberships(group: ResourceView, n: number): ResourceView[] {
    return Array.from({ length: n }, (_, t) => {
        const name = `data-tenant-extra${t + 1}-cache-user-membership`;
        return {
            type: ASSOCIATION,
            name,
            urn: `urn:pulumi:dev::bbws-platform::bbws:data:DataLayer$bbws:data:TenantDatabase$${ASSOCIATION}::${name}`,
            inputs: { userGroupId: "bbws-redis-users-dev", userId: `bbws-extra${t + 1}-dev` },
            dependencies: { userGroupId: [group.urn] },
        };
    });
}

describe("ElastiCache users per user group (quotas-1-default-service-quotas)", function () {
    this.timeout(300_000);
    let dev: ResourceView[];
    let prod: ResourceView[];
    before(async () => {
        dev = viewsFromSynth(await cachedSynthesize(PROJECT_DIR, "dev"));
        prod = viewsFromSynth(await cachedSynthesize(PROJECT_DIR, "prod"));
    });
    const groups = (resources: readonly ResourceView[]) => resources.filter((r) => r.type === USER_GROUP);
    const violations = (resources: ResourceView[]) =>
        resources.filter((r) => quotas_1.types.includes(r.type)).flatMap((r) => quotas_1.check(r, { env: "dev", resources }));

    it("the default is 100 users per user group", () => {
        expect(DEFAULT_QUOTAS.usersPerUserGroup).to.equal(100);
    });

    it("dev's one user group holds default, the platform task's user and one user per tenant, each found through its membership's userGroupId", () => {
        const [group] = groups(dev);
        const tenants = configFor("dev").tenants.length;
        expect(groups(dev)).to.have.length(1);
        expect(dev.filter((r) => r.type === ASSOCIATION)).to.have.length(tenants);
        expect(quotaNeeds({ env: "dev", resources: dev }).usersPerUserGroup).to.deep.equal({ need: 2 + tenants, urn: group.urn });
    });

    it("prod's standby group in the DR region is counted apart: default and each tenant's standby user", () => {
        const tenants = configFor("prod").tenants.length;
        const [primary, standby] = groups(prod).sort((a, b) => String(a.inputs.region ?? "").localeCompare(String(b.inputs.region ?? "")));
        expect(standby.inputs.region).to.equal(configFor("prod").dr!.region);
        const members = (group: ResourceView) =>
            1 + prod.filter((r) => r.type === ASSOCIATION && r.dependencies.userGroupId?.includes(group.urn)).length;
        expect(members(standby)).to.equal(1 + tenants);
        expect(quotaNeeds({ env: "prod", resources: prod }).usersPerUserGroup).to.deep.equal({ need: 2 + tenants, urn: primary.urn });
    });

    it(`one stack's ${MAX_TENANTS} tenants (the schema's cap) need ${MAX_TENANTS + 2} users: within the quota`, () => {
        const [group] = groups(dev);
        const resources = [...dev, ...memberships(group, MAX_TENANTS - configFor("dev").tenants.length)];
        expect(quotaNeeds({ env: "dev", resources }).usersPerUserGroup.need).to.equal(MAX_TENANTS + 2);
        expect(violations(resources)).to.deep.equal([]);
    });

    it("98 tenants fill the group's 100 and pass; the 99th is failed on the user group", () => {
        const [group] = groups(dev);
        const extra = 98 - configFor("dev").tenants.length;
        expect(violations([...dev, ...memberships(group, extra)])).to.deep.equal([]);
        const resources = [...dev, ...memberships(group, extra + 1)];
        expect(quotas_1.check(group, { env: "dev", resources })).to.deep.equal([
            "users in this ElastiCache user group: 101, over the default quota of 100",
        ]);
    });

    it("a user the group names in userIds and again through a membership counts once", () => {
        const [group] = groups(dev);
        const [first] = memberships(group, 1);
        const again = { ...first, inputs: { ...first.inputs, userId: (group.inputs.userIds as string[])[0] } };
        expect(quotaNeeds({ env: "dev", resources: [...dev, again] }).usersPerUserGroup.need).to.equal(
            quotaNeeds({ env: "dev", resources: dev }).usersPerUserGroup.need,
        );
    });

    it("the preflight judges it at 100 without asking Service Quotas, and refuses 101 saying it is raised only by a support case it cannot read", async () => {
        const [group] = groups(dev);
        const needs = quotaNeeds({ env: "dev", resources: [...dev, ...memberships(group, 99 - configFor("dev").tenants.length)] });
        const checks = (await readQuotas(needs, "eu-west-1", serviceQuotasDouble())).filter((c) => c.spec.key === "usersPerUserGroup");
        expect(checks.map((c) => [c.current, c.from])).to.deep.equal([[100, "fixed"]]);
        const err = thrown(() => checkQuotas(checks, "eu-west-1"));
        expect(err.code).to.equal("quota-too-small");
        expect(err.message).to.include(
            `Users per ElastiCache user group (not in Service Quotas): the plan needs 101 (${group.urn}), the account has 100`,
        );
        expect(err.fix).to.include("is raised only through a service limit increase case");
        expect(err.fix).to.include("whose value this check cannot read: split what grows");
        expect(err.fix).not.to.include("request-service-quota-increase");
    });
});
