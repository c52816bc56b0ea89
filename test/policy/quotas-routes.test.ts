/**
 * Routes per route table (issue 21) on dev's real synth with N premium tenants: the quota rule's count
 * (`quotaNeeds`, `quotas_1`), the offline AWS model's (automation/aws-model.ts `VpcRegistry.addRoutes`)
 * and the Service Quotas preflight's refusal.
 *
 * Sources: Amazon VPC quotas (docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html),
 * "Routes per route table (non-propagated routes)": 50, up to 1,000 (`vpc` `L-93826ACB`); EC2's error
 * `RouteLimitExceeded`; the local route in every table (VPC user guide, "Route tables"; the quota page
 * does not say whether it counts, so it is counted); a gateway endpoint's prefix-list route in each of its
 * tables (PrivateLink guide, "Gateway endpoints", Routing); awsx's routes (pulumi-awsx `awsx/ec2/vpc.ts`,
 * src/policy/awsx-vpc.ts): public 0.0.0.0/0 to the internet gateway, private 0.0.0.0/0 to a NAT gateway,
 * isolated none.
 *
 * Each premium or enterprise tenant adds a route to each platform isolated table, an enterprise one also
 * to each platform private table (components/tenant-vpc.ts). The model
 * knows which table serves which subnet type (it minted both); the rule knows a table only by the id the
 * program's look-up returned and the VPC it came from, so in a view where awsx's VPC is one resource (the
 * synth, the rehearsal) it counts awsx's route of the VPC's busiest table in every table: one more than
 * AWS in an isolated table. Where a real engine shows awsx's children, their routes are counted as they are.
 */
import { expect } from "chai";
import { checkQuotas, readQuotas, serviceQuotasDouble } from "../../automation/quotas";
import { synthesize } from "../../automation/synth";
import { viewsFromSynth } from "../../automation/policy-offline";
import { quotaNeeds, quotas_1 } from "../../src/policy/rules/quotas-1-default-service-quotas";
import type { ResourceView } from "../../src/policy/rule";
import { configFor, PROJECT_DIR, stackFileConfig } from "../support/pulumi";

const ROUTE = "aws:ec2/route:Route";
const URN = "urn:pulumi:dev::bbws-platform::bbws:network:NetworkLayer";

/** Dev's synth with `n` tenants of `tier` (premium by default): its own two, then generated ones (slots 101…). */
async function premiumSynth(n: number, tier = "premium"): Promise<ResourceView[]> {
    const own = (stackFileConfig("dev")["bbws:tenants"] as Record<string, unknown>[]).map((t) => ({ ...t, tier }));
    const generated = Array.from({ length: Math.max(0, n - own.length) }, (_, i) => ({
        id: `${tier}${i + own.length + 1}`,
        slot: 101 + i,
        cpu: 256,
        memory: 512,
        tier,
    }));
    return viewsFromSynth(
        await synthesize(PROJECT_DIR, "dev", { configOverrides: { "bbws:tenants": [...own, ...generated].slice(0, n) } }),
    );
}

/** The rule's messages about routes on `resources`. */
function routeViolations(resources: readonly ResourceView[]): { urn: string; message: string }[] {
    return resources
        .filter((r) => quotas_1.types.includes(r.type))
        .flatMap((r) => quotas_1.check(r, { env: "dev", resources }).map((message) => ({ urn: r.urn, message })))
        .filter((v) => v.message.startsWith("routes in route table"));
}

describe("routes per route table with premium tenants (quotas-1-default-service-quotas, the AWS model, the preflight)", function () {
    this.timeout(300_000);
    const dev = configFor("dev");

    it("dev as it is (no premium tenant): the fullest table is a platform private one, local + awsx's NAT route + the S3 endpoint's = 3", async () => {
        const resources = viewsFromSynth(await synthesize(PROJECT_DIR, "dev"));
        expect(quotaNeeds({ env: "dev", resources }).routesPerRouteTable).to.deep.equal({
            need: 3,
            urn: `${URN}$aws:ec2/vpcEndpoint:VpcEndpoint::network-s3-endpoint`,
        });
    });

    it("1 premium tenant: its private tables hold 4 (local, NAT, S3 endpoint, to-platform); the platform's isolated ones 3 as the rule counts them", async () => {
        const resources = await premiumSynth(1);
        expect(quotaNeeds({ env: "dev", resources }).routesPerRouteTable.need).to.equal(4);
        expect(routeViolations(resources)).to.deep.equal([]);
    });

    describe(`at the quota's edge (dev: ${dev.network.azCount} AZs, so ${dev.network.azCount} platform isolated tables)`, () => {
        let at48: ResourceView[];
        let at49: ResourceView[];
        before(async () => {
            at48 = await premiumSynth(48);
            at49 = await premiumSynth(49);
        });
        const firstFromPlatform = `${URN}$bbws:network:TenantNetwork$bbws:network:TenantVpc$${ROUTE}::network-aupairhive-from-platform-1`;

        it("48 premium tenants: each isolated table needs 50 as the rule counts it (local 1 + awsx's route it cannot rule out 1 + 48), and passes", () => {
            expect(quotaNeeds({ env: "dev", resources: at48 }).routesPerRouteTable).to.deep.equal({ need: 50, urn: firstFromPlatform });
            expect(routeViolations(at48)).to.deep.equal([]);
        });

        it("49 premium tenants: 51, and the rule fails the first route into each isolated table (the first tenant's, one per AZ), naming the table", () => {
            expect(quotaNeeds({ env: "dev", resources: at49 }).routesPerRouteTable).to.deep.equal({ need: 51, urn: firstFromPlatform });
            const violations = routeViolations(at49);
            expect(violations.map((v) => v.urn)).to.deep.equal([firstFromPlatform, firstFromPlatform.replace(/-1$/, "-2")]);
            for (const v of violations)
                expect(v.message).to.match(/^routes in route table rtb-[0-9a-f]{17}: 51, over the default quota of 50$/);
        });

        it("49 premium tenants: the synth (the model, which knows the isolated tables hold no awsx route) accepts 50 routes per table; 50 tenants it refuses", async () => {
            expect(at49.filter((r) => r.type === ROUTE && r.name.includes("-from-platform-"))).to.have.length(49 * dev.network.azCount);
            const refused = await premiumSynth(50).catch((e: Error) => e);
            expect(String(refused)).to.match(
                /resource 'network-premium50-from-platform-1' \(aws:ec2\/route:Route\): 51 routes in route table rtb-[0-9a-f]{17}, .*AWS takes at most 50 \(RouteLimitExceeded\)/,
            );
        });

        it("49 premium tenants: the preflight refuses (exit 2) with the quota, the need and the increase request; 48 pass it", async () => {
            const region = dev.region;
            const checks = async (resources: ResourceView[]) =>
                readQuotas(quotaNeeds({ env: "dev", resources }), region, serviceQuotasDouble());
            const route = (await checks(at48)).find((c) => c.spec.quotaCode === "L-93826ACB")!;
            expect(route).to.deep.include({ current: 50, from: "aws-default" });
            expect(route.need.need).to.equal(50);
            const refused = await checks(at49)
                .then((c) => checkQuotas(c, region))
                .catch((e) => e);
            expect(refused).to.include({ code: "quota-too-small", exitCode: 2 });
            expect(refused.message).to.include(
                `Routes per route table (non-propagated routes) (vpc L-93826ACB): the plan needs 51 (${firstFromPlatform}), the account has 50 (AWS's default)`,
            );
            expect(refused.fix).to.include(
                `aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-93826ACB --desired-value 51 --region ${region}`,
            );
        });
    });

    describe("enterprise tenants also route the platform's private tables to their clusters (the platform task's MySQL)", () => {
        it("47 enterprise tenants: each platform private table needs 50 (local, awsx's NAT route, the S3 endpoint's, 47), and passes; 48 need 51 there, refused", async () => {
            const at47 = await premiumSynth(47, "enterprise");
            expect(quotaNeeds({ env: "dev", resources: at47 }).routesPerRouteTable.need).to.equal(50);
            expect(routeViolations(at47)).to.deep.equal([]);
            const at48 = await premiumSynth(48, "enterprise").catch((e: Error) => e);
            // The synth's model counts the private tables exactly (local, NAT, S3 endpoint): the 48th tenant's route is the 51st.
            expect(String(at48)).to.match(
                /resource 'network-enterprise48-platform-tasks-to-tenant-1' \(aws:ec2\/route:Route\): 51 routes in route table rtb-[0-9a-f]{17}, .*AWS takes at most 50 \(RouteLimitExceeded\)/,
            );
        });
    });

    describe("where a real engine shows awsx's children", () => {
        const awsxUrn = `${URN}$awsx:ec2:Vpc::network-vpc`;
        const view = (type: string, name: string, inputs: Record<string, unknown>, extra: Partial<ResourceView> = {}): ResourceView => ({
            type,
            name,
            urn: `${URN}$${type}::${name}`,
            inputs,
            dependencies: {},
            ...extra,
        });
        const awsxVpc = view("awsx:ec2:Vpc", "network-vpc", { numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" } });
        const child = view("aws:ec2/vpc:Vpc", "network-vpc", {}, { parent: awsxUrn });
        const peeringRoutes = (table: string, n: number) =>
            Array.from({ length: n }, (_, i) =>
                view(
                    ROUTE,
                    `to-${table}-${i}`,
                    { routeTableId: table, destinationCidrBlock: `10.64.${i * 4}.0/22` },
                    { dependencies: { routeTableId: [awsxUrn] } },
                ),
            );

        it("awsx's own routes are counted as routes and none is assumed: an isolated table takes 49 peering routes, a private one 48", () => {
            const awsxRoute = view(ROUTE, "network-vpc-private-1", { routeTableId: "rtb-private", destinationCidrBlock: "0.0.0.0/0" });
            const resources = [awsxVpc, child, awsxRoute, ...peeringRoutes("rtb-isolated", 49), ...peeringRoutes("rtb-private", 48)];
            expect(quotaNeeds({ env: "dev", resources }).routesPerRouteTable.need).to.equal(50);
            expect(routeViolations(resources)).to.deep.equal([]);
            const over = [...resources, ...peeringRoutes("rtb-isolated", 50).slice(49)];
            expect(routeViolations(over).map((v) => v.message)).to.deep.equal([
                "routes in route table rtb-isolated: 51, over the default quota of 50",
            ]);
        });

        it("where awsx's VPC is one resource, the same isolated table holds one route fewer (awsx's busiest table's route assumed)", () => {
            const resources = [awsxVpc, ...peeringRoutes("rtb-isolated", 49)];
            expect(routeViolations(resources).map((v) => v.message)).to.deep.equal([
                "routes in route table rtb-isolated: 51, over the default quota of 50",
            ]);
        });
    });
});
