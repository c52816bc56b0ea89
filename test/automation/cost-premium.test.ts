/**
 * What a premium tenant adds to the monthly estimate (issue 21; README "Isolation tiers"): its own awsx
 * VPC's NAT gateways and their public IPv4 addresses, its own Application Load Balancer, its own EFS file
 * system and its VPC's flow-log group, and nothing else: the peering connection, routes, security groups,
 * mount targets and access point are free (`FREE_TYPES`, each with its source). Measured on dev's synth
 * plus one tenant's premium resources as the network, storage and ecs phases declare them (tagged with
 * the tenant, as the program tags tenant resources), priced from automation/cost-prices.json.
 */
import { expect } from "chai";
import { CostEstimate, estimateCost, FREE_TYPES, PRICERS } from "../../automation/cost";
import { DEFAULT_OPTIONS, SynthResource, SynthResult } from "../../automation/synth";
import { awsxSubnetSpecs, natGatewayStrategy, subnetCidrs } from "../../components/network";
import { tenantVpcCidr } from "../../src/tenant-cidrs";
import { cachedSynthesize } from "../support/synth-cache";
import { configFor, PROJECT_DIR } from "../support/pulumi";

const dev = configFor("dev");
const TENANT = "aupairhive";
const SLOT = dev.tenants.find((t) => t.id === TENANT)!.slot;
const tags = { Tenant: TENANT };

function own(type: string, name: string, phase: SynthResource["phase"], inputs: Record<string, unknown>): SynthResource {
    return {
        urn: `urn:pulumi:dev::bbws-platform::${type}::${name}`,
        type,
        name,
        phase,
        parent: null,
        custom: true,
        inputs: { tags, ...inputs },
        dependencies: [],
        propertyDependencies: {},
        options: DEFAULT_OPTIONS,
    };
}

/** The resources a premium tenant has that a basic one does not. */
function premiumResources(): SynthResource[] {
    const cidr = tenantVpcCidr(SLOT);
    return [
        own("awsx:ec2:Vpc", `network-${TENANT}-vpc`, "network", {
            cidrBlock: cidr,
            numberOfAvailabilityZones: dev.network.azCount,
            subnetStrategy: "Auto",
            subnetSpecs: awsxSubnetSpecs(subnetCidrs(cidr, dev.network.azCount)),
            natGateways: { strategy: natGatewayStrategy(dev.network.natStrategy) },
        }),
        own("aws:cloudwatch/logGroup:LogGroup", `network-${TENANT}-flow-logs`, "network", {
            name: `/aws/vpc/bbws-dev-${TENANT}-vpc/flow-logs`,
            retentionInDays: dev.network.flowLogRetentionDays,
        }),
        own("aws:ec2/flowLog:FlowLog", `network-${TENANT}-flow-log`, "network", {}),
        own("aws:ec2/vpcPeeringConnection:VpcPeeringConnection", `network-${TENANT}-peering`, "network", { autoAccept: true }),
        own("aws:ec2/route:Route", `network-${TENANT}-to-platform-1`, "network", {}),
        own("aws:efs/fileSystem:FileSystem", `storage-${TENANT}-fs`, "storage", { encrypted: true }),
        own("aws:efs/mountTarget:MountTarget", `storage-${TENANT}-mt-1`, "storage", {}),
        own("aws:lb/loadBalancer:LoadBalancer", `ecs-${TENANT}-alb`, "ecs", {
            loadBalancerType: "application",
            subnets: Array.from({ length: dev.network.azCount }, (_, i) => `subnet-public-${i}`),
        }),
    ];
}

describe("cost: what a premium tenant adds over a basic one", function () {
    this.timeout(120_000);
    let basic: CostEstimate;
    let premium: CostEstimate;
    before(async () => {
        const synth = await cachedSynthesize(PROJECT_DIR, "dev");
        const withPremium: SynthResult = { ...synth, resources: [...synth.resources, ...premiumResources()] };
        basic = estimateCost(synth, { region: dev.region, cost: dev.cost });
        premium = estimateCost(withPremium, { region: dev.region, cost: dev.cost });
    });
    const key = (l: CostLine) => `${l.type} ${l.item}`;
    type CostLine = CostEstimate["lines"][number];
    const added = () => {
        const before = new Set(basic.lines.map((l) => `${l.resource} ${l.item}`));
        return premium.lines.filter((l) => !before.has(`${l.resource} ${l.item}`));
    };

    it("prices or lists as free every type a premium tenant adds: the peering connection and its routes are free (no charge of their own)", () => {
        for (const r of premiumResources())
            expect(PRICERS[r.type] !== undefined || FREE_TYPES[r.type] !== undefined, r.type).to.equal(true);
        expect(FREE_TYPES["aws:ec2/vpcPeeringConnection:VpcPeeringConnection"]).to.include("no charge of its own");
    });

    it("adds exactly the NAT gateway, its public IPv4 address, the load balancer, the EFS file system and the flow-log lines, all the tenant's own", () => {
        expect(added().map(key).sort()).to.deep.equal(
            [
                "awsx:ec2:Vpc NAT gateway hours",
                "awsx:ec2:Vpc NAT gateway data processed",
                "awsx:ec2:Vpc NAT gateway public IPv4 addresses",
                "aws:lb/loadBalancer:LoadBalancer load balancer hours",
                "aws:lb/loadBalancer:LoadBalancer load balancer capacity units",
                "aws:lb/loadBalancer:LoadBalancer load balancer public IPv4 addresses",
                "aws:lb/loadBalancer:LoadBalancer data transfer out to the internet",
                "aws:efs/fileSystem:FileSystem EFS Standard storage",
                "aws:efs/fileSystem:FileSystem EFS Infrequent Access storage",
                "aws:efs/fileSystem:FileSystem EFS elastic throughput reads",
                "aws:efs/fileSystem:FileSystem EFS elastic throughput writes",
                "aws:cloudwatch/logGroup:LogGroup log ingestion",
                "aws:cloudwatch/logGroup:LogGroup log storage",
            ].sort(),
        );
        for (const l of added()) expect(l.tenant, key(l)).to.equal(TENANT);
        // dev's natStrategy single: one NAT gateway, one address, for the whole month.
        expect(added().find((l) => l.item === "NAT gateway hours")!.quantity).to.equal(730);
    });

    it("makes the tenant's own monthly cost exceed the basic one's by exactly the priced lines it adds", () => {
        const ownOf = (e: CostEstimate) => e.tenants.find((t) => t.tenant === TENANT)!.own;
        const priced = added().reduce((s, l) => s + (l.usd ?? 0), 0);
        expect(priced).to.be.greaterThan(0);
        expect(ownOf(premium) - ownOf(basic)).to.be.closeTo(priced, 1e-9);
        expect(premium.total - basic.total).to.be.closeTo(priced, 1e-9);
    });

    it("reports the lines the price table has no eu-west-1 price for as unpriced (never zero): EFS, CloudWatch Logs, ALB capacity units, transfer out", () => {
        const unpriced = added().filter((l) => l.usd === undefined);
        expect([...new Set(unpriced.map((l) => l.priceKey))].sort()).to.deep.equal([
            "alb.lcuHour",
            "dataTransferOut.gb",
            "efs.iaGbMonth",
            "efs.readGb",
            "efs.standardGbMonth",
            "efs.writeGb",
            "logs.ingestGb",
            "logs.storageGbMonth",
        ]);
        expect(premium.unpriced - basic.unpriced).to.equal(unpriced.length);
    });
});
