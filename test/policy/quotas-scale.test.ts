/**
 * The quota rule on the real program at 100 and 500 tenants (prod-like, automation/bench.ts): where
 * today's single-stack design breaks, as the quota table predicts. These tests describe the
 * design, not a goal: when the design changes (README "Scale: hundreds of tenants"), their expected
 * violations change with it.
 */
import { expect } from "chai";
import { benchConfig, benchStackFile } from "../../automation/bench";
import { viewsFromSynth } from "../../automation/policy-offline";
import { synthesizeValidated } from "../../automation/synth";
import { quotas_1 } from "../../src/policy/rules/quotas-1-default-service-quotas";
import { PROJECT_DIR } from "../support/pulumi";

/** The quota rule's violations on a prod-like stack of `tenants` tenants: `<type> <count kind>`, sorted. */
async function violationsAt(tenants: number): Promise<string[]> {
    const stackFile = benchStackFile(PROJECT_DIR, "prod", tenants);
    const synth = await synthesizeValidated(PROJECT_DIR, stackFile, benchConfig(PROJECT_DIR, stackFile));
    const resources = viewsFromSynth(synth);
    const context = { env: "prod", resources };
    return resources
        .filter((r) => quotas_1.types.includes(r.type))
        .flatMap((r) => quotas_1.check(r, context).map((m) => `${r.type.split(":").pop()} ${m.replace(/: \d+, over/, ": N, over")}`))
        .sort();
}

describe("default quotas on the synth of a prod-like environment (quotas-1-default-service-quotas)", function () {
    this.timeout(900_000);

    // prod's DR (issue 17) adds the region health check's fixed-response rule (components/failover-dns.ts) to the primary's 100 tenant rules.
    it("at 100 tenants: the database, cache and file-system groups' inbound rules, the ALB group's outbound rules, the dashboard's widgets and the primary load balancer's rules are over", async () => {
        expect(await violationsAt(100)).to.deep.equal([
            "Dashboard widgets: N, over the default quota of 500",
            "LoadBalancer listener rules: N, over the default quota of 100",
            ...Array(3).fill("SecurityGroup inbound IPv4 rules: N, over the default quota of 60"),
            "SecurityGroup outbound IPv4 rules: N, over the default quota of 60",
        ]);
    });

    // The platform task's inline policy names tenant secrets by one ARN pattern (issue 15), so it no longer grows with tenants.
    // Quotas are per load balancer: the standby's (issue 17) repeats the primary's rules and target groups.
    it("at 500 tenants: also both load balancers' target groups, the standby's rules and the roles per account", async () => {
        expect(await violationsAt(500)).to.deep.equal([
            "Dashboard widgets: N, over the default quota of 500",
            ...Array(2).fill("LoadBalancer listener rules: N, over the default quota of 100"),
            ...Array(2).fill("LoadBalancer target groups: N, over the default quota of 100"),
            "Role IAM roles in this stack: N, over the default quota of 1000",
            ...Array(3).fill("SecurityGroup inbound IPv4 rules: N, over the default quota of 60"),
            "SecurityGroup outbound IPv4 rules: N, over the default quota of 60",
        ]);
    });
});
