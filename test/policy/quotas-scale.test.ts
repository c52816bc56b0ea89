/**
 * The quota rule on the real program at 100 and 500 tenants (prod-like, automation/bench.ts): where
 * today's single-stack design breaks, as the quota table predicts, the first failing tenant
 * count of each quota, and the Service Quotas preflight's refusal of the 500-tenant plan at AWS's
 * defaults. These tests describe the design, not a goal: when the design changes (README "Scale:
 * hundreds of tenants"), their expected violations change with it.
 */
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { checkQuotas, QUOTA_SPECS, QuotaCheck } from "../../automation/quotas";
import { firstFailingCount, QuotaSample, quotaSample, renderQuotaScaleTable } from "../../automation/quotas-scale";
import { DEFAULT_QUOTAS, quotas_1 } from "../../src/policy/rules/quotas-1-default-service-quotas";
import { PROJECT_DIR } from "../support/pulumi";

/** The quota rule's violations on a sample: `<type> <count kind>`, sorted. */
function violations(sample: QuotaSample): string[] {
    const context = { env: "prod", resources: sample.resources };
    return sample.resources
        .filter((r) => quotas_1.types.includes(r.type))
        .flatMap((r) => quotas_1.check(r, context).map((m) => `${r.type.split(":").pop()} ${m.replace(/: \d+, over/, ": N, over")}`))
        .sort();
}

describe("default quotas on the synth of a prod-like environment (quotas-1-default-service-quotas)", function () {
    this.timeout(900_000);
    let at100: QuotaSample;
    let at500: QuotaSample;
    before(async () => {
        at100 = await quotaSample(PROJECT_DIR, 100);
        at500 = await quotaSample(PROJECT_DIR, 500);
    });

    // prod's DR (issue 17) adds the region health check's fixed-response rule (components/failover-dns.ts) to the primary's 100 tenant rules.
    // Every tenant's cache user joins the environment's user group beside `default` and the platform task's user: 102 at
    // 100 tenants. Prod's standby group holds `default` and the tenants' standby users: 101.
    it("at 100 tenants: the database, cache and file-system groups' inbound rules, the ALB group's outbound rules, the dashboard's widgets, the primary load balancer's rules and both ElastiCache user groups' users are over", () => {
        expect(violations(at100)).to.deep.equal([
            "Dashboard widgets: N, over the default quota of 500",
            "LoadBalancer listener rules: N, over the default quota of 100",
            ...Array(3).fill("SecurityGroup inbound IPv4 rules: N, over the default quota of 60"),
            "SecurityGroup outbound IPv4 rules: N, over the default quota of 60",
            ...Array(2).fill("UserGroup users in this ElastiCache user group: N, over the default quota of 100"),
        ]);
    });

    // The platform task's inline policy names tenant secrets by one ARN pattern (issue 15), so it no longer grows with tenants.
    // Quotas are per load balancer: the standby's (issue 17) repeats the primary's rules and target groups.
    it("at 500 tenants: also both load balancers' target groups, the standby's rules and the roles per account", () => {
        expect(violations(at500)).to.deep.equal([
            "Dashboard widgets: N, over the default quota of 500",
            ...Array(2).fill("LoadBalancer listener rules: N, over the default quota of 100"),
            ...Array(2).fill("LoadBalancer target groups: N, over the default quota of 100"),
            "Role IAM roles in this stack: N, over the default quota of 1000",
            ...Array(3).fill("SecurityGroup inbound IPv4 rules: N, over the default quota of 60"),
            "SecurityGroup outbound IPv4 rules: N, over the default quota of 60",
            ...Array(2).fill("UserGroup users in this ElastiCache user group: N, over the default quota of 100"),
        ]);
    });

    it("puts each quota's first failing tenant count near where the issue's table does: rules per group 59, widgets 80, ALB rules 100 and target groups 101, roles 496; and users per ElastiCache user group 99, which the issue's table did not count", () => {
        const first = Object.fromEntries(
            QUOTA_SPECS.map((s) => [
                s.key,
                firstFailingCount(
                    { tenants: 100, need: at100.needs[s.key].need },
                    { tenants: 500, need: at500.needs[s.key].need },
                    DEFAULT_QUOTAS[s.key],
                ),
            ]),
        );
        // Moved since the table was measured: issues 17 (DR) and 18 (rotation) add one rule to the
        // busiest group, prod's DR health rule one to the primary load balancer, and three roles.
        expect(first).to.deep.equal({
            rulesPerSecurityGroup: 59,
            rulesPerLoadBalancer: 100,
            certificatesPerLoadBalancer: undefined,
            rolesPerAccount: 496,
            targetGroupsPerLoadBalancer: 101,
            widgetsPerDashboard: 80,
            inlinePolicyCharactersPerRole: undefined,
            // Basic tenants spend none of the regional quotas: only premium ones do (test/policy/quotas-premium.test.ts).
            vpcsPerRegion: undefined,
            internetGatewaysPerRegion: undefined,
            natGatewaysPerAz: undefined,
            elasticIpsPerRegion: undefined,
            peeringConnectionsPerVpc: undefined,
            routesPerRouteTable: undefined,
            loadBalancersPerRegion: undefined,
            // Only the platform's cluster and its instances: enterprise tenants' own clusters (test/policy/quotas-enterprise.test.ts).
            dbClustersPerRegion: undefined,
            dbInstancesPerRegion: undefined,
            // Only the platform's 9 rules on the default bus: enterprise tenants add 3 each (test/policy/quotas-enterprise.test.ts).
            eventRulesPerBus: undefined,
            usersPerUserGroup: 99,
        });
    });

    it("carries that table in the README exactly as automation/quotas-scale.ts renders it from these two synths", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const block = /<!-- generated:quota-scale -->\n([\s\S]*?)\n<!-- \/generated:quota-scale -->/.exec(readme)?.[1];
        expect(
            block,
            'regenerate with: node -r sucrase/register/ts -e \'const q=require("./automation/quotas-scale.ts");' +
                '(async()=>console.log(q.renderQuotaScaleTable(await q.quotaSample(".",100),await q.quotaSample(".",500))))()\'',
        ).to.equal(renderQuotaScaleTable(at100, at500));
    });

    it("at 500 tenants with AWS's defaults, the Service Quotas preflight refuses the plan, naming the adjustable quotas' increases", () => {
        const checks: QuotaCheck[] = QUOTA_SPECS.map((spec) => ({
            spec,
            need: at500.needs[spec.key],
            current: DEFAULT_QUOTAS[spec.key],
            from: spec.quotaCode ? "aws-default" : "fixed",
        }));
        const err = (() => {
            try {
                checkQuotas(checks, "af-south-1");
            } catch (e) {
                return e as { code: string; exitCode: number; fix: string };
            }
            return undefined;
        })();
        expect(err).to.include({ code: "quota-too-small", exitCode: 2 });
        expect(err!.fix.match(/--quota-code L-[0-9A-F]+ --desired-value \d+/g)).to.deep.equal([
            "--quota-code L-0EA8095F --desired-value 502",
            "--quota-code L-7EED9B64 --desired-value 501",
            "--quota-code L-FE177D64 --desired-value 1010",
        ]);
        expect(err!.fix).to.include("Target groups per Application Load Balancer (not adjustable), Widgets per CloudWatch dashboard");
        expect(err!.fix).to.include(
            "Users per ElastiCache user group (not in Service Quotas) is raised only through a service limit increase case",
        );
    });
});

describe("firstFailingCount", () => {
    it("is the first tenant count on the line through two samples whose need exceeds the limit", () => {
        expect(firstFailingCount({ tenants: 100, need: 101 }, { tenants: 500, need: 501 }, 60)).to.equal(60);
        expect(firstFailingCount({ tenants: 100, need: 622 }, { tenants: 500, need: 3022 }, 500)).to.equal(80);
    });
    it("is undefined for a need that does not grow and is within the limit", () => {
        expect(firstFailingCount({ tenants: 100, need: 2279 }, { tenants: 500, need: 2279 }, 10240)).to.equal(undefined);
    });
    it("refuses samples out of order", () => {
        expect(() => firstFailingCount({ tenants: 500, need: 1 }, { tenants: 100, need: 1 }, 1)).to.throw("increasing tenant counts");
    });
});
