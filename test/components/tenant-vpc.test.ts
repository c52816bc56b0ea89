/**
 * A premium tenant's own network (components/tenant-vpc.ts, its TenantNetwork; README "Premium
 * tenants' network"), checked against the rules AWS and awsx apply to it, each test naming its source.
 * Premium is built where `bbws:dr` is `none` (dev, sit): those are the environments checked.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { NetworkLayer } from "../../components/network";
import { TenantVpc } from "../../components/tenant-vpc";
import { awsxSubnetSpecs, natGatewayStrategy, subnetCidrs } from "../../components/subnets";
import { CALL_MODELS, COUNTED_QUOTAS, createAwsModel } from "../../automation/aws-model";
import { NameRuleError, TEXT_RULES, TextRule, textProblems } from "../../automation/aws-name-rules";
import { awsxVpcSubnets, AwsxVpcInputs } from "../../automation/awsx-vpc";
import { ConfigError, cidrsOverlap, PlatformConfig } from "../../src/config";
import { DEFAULT_QUOTAS } from "../../src/policy/rules/quotas-1-default-service-quotas";
import { tenantVpcCidr } from "../../src/tenant-cidrs";
import { synthesize } from "../../automation/synth";
import { createPlatform } from "../../src/program";
import {
    configFor,
    construct,
    ENVIRONMENTS,
    named,
    ofType,
    PROJECT_DIR,
    promiseOf,
    Registration,
    stackFileConfig,
} from "../support/pulumi";
import { cachedSynthesize } from "../support/synth-cache";
import { acceptedTenantId } from "../support/tenant-ids";
import { acceptedAzCount, acceptedVpcCidr } from "./vpc-arbitraries";

const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const ROUTE = "aws:ec2/route:Route";
const PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection";
/** Environments where the loader accepts `tier: premium` (`bbws:dr: none`). */
const PREMIUM_ENVS = ["dev", "sit"] as const;

type RawTenant = Record<string, unknown> & { id: string; slot: number };

/** `env`'s config with the tenants in `premium` made premium, optionally with other raw keys replaced. */
function premiumConfig(env: string, premium: readonly string[], overrides: Record<string, unknown> = {}): PlatformConfig {
    const tenants = (overrides["bbws:tenants"] ?? stackFileConfig(env)["bbws:tenants"]) as RawTenant[];
    return configFor(env, {
        ...overrides,
        "bbws:tenants": tenants.map((t) => (premium.includes(t.id) ? { ...t, tier: "premium" } : t)),
    });
}

async function build(cfg: PlatformConfig): Promise<{ layer: NetworkLayer; resources: Registration[] }> {
    const { result: layer, resources } = await construct(
        cfg,
        () => new NetworkLayer("network", { env: cfg.env, region: cfg.region, network: cfg.network, tenants: cfg.tenants }),
    );
    return { layer, resources };
}

/** The rules (ingress and egress) whose inputs name `value` anywhere: a group id or a range. */
function rulesNaming(resources: readonly Registration[], value: string): Registration[] {
    return [...ofType(resources, INGRESS), ...ofType(resources, EGRESS)].filter((r) =>
        [r.inputs.securityGroupId, r.inputs.referencedSecurityGroupId, r.inputs.cidrIpv4].includes(value),
    );
}

/** A rule as `<kind> <port> <peer>`, for comparing sets of rules. */
function ruleView(r: Registration): string {
    return `${r.type === INGRESS ? "in" : "out"} ${r.inputs.fromPort} ${r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4}`;
}

/** The route table awsx gave `subnetId`, as the model answers the program's look-up. */
const tableOf = (subnetId: string) => CALL_MODELS["aws:ec2/getRouteTable:getRouteTable"]({ subnetId }, {} as never).routeTableId as string;

describe("a premium tenant's own network (TenantVpc)", () => {
    for (const env of PREMIUM_ENVS) {
        describe(`in ${env}`, () => {
            const tenants = stackFileConfig(env)["bbws:tenants"] as RawTenant[];
            const premium = tenants[tenants.length - 1];
            const cfg = premiumConfig(env, [premium.id]);
            const cidr = tenantVpcCidr(premium.slot);
            const raw = (id: string) => ({ ...tenants.find((t) => t.id === id)!, ...(id === premium.id ? { tier: "premium" } : {}) });
            let layer: NetworkLayer;
            let resources: Registration[];
            let tenantGroup: string;
            let vpcId: string;
            let alb: string;
            let efs: string;

            before(async () => {
                ({ layer, resources } = await build(cfg));
                tenantGroup = await promiseOf(layer.tenantSecurityGroupIds[premium.id]);
                vpcId = await promiseOf(layer.tenantVpcs[premium.id].vpcId);
                alb = await promiseOf(layer.tenantVpcs[premium.id].loadBalancerSecurityGroupId);
                efs = await promiseOf(layer.tenantVpcs[premium.id].fileSystemSecurityGroupId);
            });

            it("is a bbws:network:TenantVpc under the tenant's TenantNetwork, named like it, and the only entry of tenantVpcs", () => {
                const component = ofType(resources, "bbws:network:TenantVpc");
                expect(component.map((c) => c.name)).to.deep.equal([`network-${premium.id}`]);
                expect(component[0].parent).to.contain(`bbws:network:TenantNetwork::network-${premium.id}`);
                expect(Object.keys(layer.tenantVpcs)).to.deep.equal([premium.id]);
                expect(layer.tenantVpcs[premium.id].cidrBlock).to.equal(cidr);
            });

            it("builds its awsx VPC on tenantVpcCidr(slot) with the platform's explicit subnet layout and the environment's NAT strategy", () => {
                const vpc = named(resources, `network-${premium.id}-vpc`);
                expect(vpc.inputs.cidrBlock).to.equal(cidr);
                expect(vpc.inputs.subnetStrategy).to.equal("Auto");
                expect(vpc.inputs.subnetSpecs).to.deep.equal(awsxSubnetSpecs(subnetCidrs(cidr, cfg.network.azCount)));
                expect(vpc.inputs.natGateways).to.deep.equal({ strategy: natGatewayStrategy(cfg.network.natStrategy) });
                expect(vpc.inputs.numberOfAvailabilityZones).to.equal(cfg.network.azCount);
                expect([vpc.inputs.enableDnsSupport, vpc.inputs.enableDnsHostnames]).to.deep.equal([true, true]);
            });

            it("logs all its traffic with the platform's flow-log role: no role per tenant (IAM roles per account, L-FE177D64), one grant for all tenant groups", () => {
                const flow = named(resources, `network-${premium.id}-flow-log`);
                const platformFlow = named(resources, "network-flow-log");
                expect(flow.inputs.iamRoleArn).to.equal(platformFlow.inputs.iamRoleArn);
                expect(flow.inputs.trafficType).to.equal("ALL");
                expect(flow.inputs.vpcId).to.equal(vpcId);
                expect(ofType(resources, "aws:iam/role:Role")).to.have.length(1);
                const group = named(resources, `network-${premium.id}-flow-logs`);
                expect(group.inputs.name).to.equal(`${named(resources, "network-flow-logs").inputs.name}/tenant-${premium.id}`);
                const grant = JSON.parse(named(resources, "network-tenant-flow-logs-policy").inputs.policy);
                expect(grant.Statement[0].Resource).to.match(/:log-group:\/aws\/vpc\/bbws-vpc-\w+\/flow-logs\/tenant-\*$/);
                // IAM is eventually consistent: the flow log is created after the grant it delivers with.
                expect(flow.dependencies).to.include(named(resources, "network-tenant-flow-logs-policy").urn);
            });

            it("has the free S3 gateway endpoint on its private route tables and an emptied default group", async () => {
                const endpoint = named(resources, `network-${premium.id}-s3-endpoint`);
                const privateSubnets = await promiseOf(layer.tenantVpcs[premium.id].privateSubnetIds);
                expect(endpoint.inputs.vpcEndpointType).to.equal("Gateway");
                expect(endpoint.inputs.routeTableIds).to.deep.equal(privateSubnets.map(tableOf));
                const defaults = ofType(resources, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").filter(
                    (g) => g.inputs.vpcId === vpcId,
                );
                expect(defaults).to.have.length(1);
                expect(defaults[0].inputs.ingress ?? []).to.be.empty;
                expect(defaults[0].inputs.egress ?? []).to.be.empty;
            });

            it("puts the tenant's task group in its own VPC, under the same name as a basic tenant's", () => {
                const sg = named(resources, `network-tenant-${premium.id}-sg`);
                expect(sg.inputs.vpcId).to.equal(vpcId);
                expect(sg.inputs.name).to.equal(`bbws-tenant-${premium.id}-sg-${env}`);
                for (const role of ["alb", "efs"])
                    expect(named(resources, `network-${premium.id}-${role}-sg`).inputs.vpcId).to.equal(vpcId);
            });

            it("opens its load balancer group to the internet on 443 and 80 only, and to the tenant's tasks on the container port only", () => {
                expect(rulesNaming(resources, alb).map(ruleView)).to.have.members([
                    "in 443 0.0.0.0/0",
                    "in 80 0.0.0.0/0",
                    `out ${cfg.tenants.find((t) => t.id === premium.id)!.containerPort} ${tenantGroup}`,
                    `in ${cfg.tenants.find((t) => t.id === premium.id)!.containerPort} ${alb}`,
                ]);
            });

            it("admits NFS 2049 into its own file-system group from the tenant's tasks only (Fargate mounts EFS in its own VPC only)", () => {
                expect(rulesNaming(resources, efs).map(ruleView)).to.have.members([`in 2049 ${tenantGroup}`, `out 2049 ${efs}`]);
            });

            it("reaches MySQL and Redis at the platform VPC's range, and the platform's database and cache groups admit exactly the tenant's range", () => {
                const platformCidr = cfg.network.vpcCidr;
                const tasksOut = ofType(resources, EGRESS).filter((r) => r.inputs.securityGroupId === tenantGroup);
                expect(tasksOut.map(ruleView)).to.have.members([
                    "out 443 0.0.0.0/0",
                    `out 3306 ${platformCidr}`,
                    `out 6379 ${platformCidr}`,
                    `out 2049 ${efs}`,
                ]);
                expect(rulesNaming(resources, cidr).map((r) => `${r.name}: ${ruleView(r)}`)).to.have.members([
                    `network-database-from-tenant-${premium.id}: in 3306 ${cidr}`,
                    `network-cache-from-tenant-${premium.id}: in 6379 ${cidr}`,
                ]);
            });

            it("peers its VPC with the platform's in the same account and region, accepted at once (autoAccept)", async () => {
                const [peering] = ofType(resources, PEERING);
                expect(ofType(resources, PEERING)).to.have.length(1);
                expect(peering.inputs.vpcId).to.equal(vpcId);
                expect(peering.inputs.peerVpcId).to.equal(await promiseOf(layer.vpcId));
                expect(peering.inputs.autoAccept).to.equal(true);
                expect([peering.inputs.peerOwnerId, peering.inputs.peerRegion]).to.deep.equal([undefined, undefined]);
            });

            it("routes the platform's range from each of its private route tables, and its own range back from each platform isolated route table", async () => {
                const privateSubnets = await promiseOf(layer.tenantVpcs[premium.id].privateSubnetIds);
                const isolated = await promiseOf(layer.isolatedSubnetIds);
                const pcx = await promiseOf((layer.tenantVpcs[premium.id] as TenantVpc).peeringConnectionId);
                const routes = ofType(resources, ROUTE);
                expect(routes.map((r) => [r.inputs.routeTableId, r.inputs.destinationCidrBlock])).to.have.deep.members([
                    ...privateSubnets.map((s) => [tableOf(s), cfg.network.vpcCidr]),
                    ...isolated.map((s) => [tableOf(s), cidr]),
                ]);
                for (const r of routes) expect(r.inputs.vpcPeeringConnectionId, r.name).to.equal(pcx);
            });

            it("is the stack output network.tenantVpcs (src/program.ts), with its task group: the only entry", async () => {
                const { outputs } = await synthesize(PROJECT_DIR, env, {
                    configOverrides: { "bbws:tenants": cfg.tenants.map((t) => raw(t.id)) },
                });
                const out = (outputs as { network: { tenantVpcs: Record<string, Record<string, unknown>> } }).network.tenantVpcs;
                expect(Object.keys(out)).to.deep.equal([premium.id]);
                expect(out[premium.id]).to.deep.include({
                    vpcId,
                    cidrBlock: cidr,
                    loadBalancerSecurityGroupId: alb,
                    fileSystemSecurityGroupId: efs,
                    taskSecurityGroupId: tenantGroup,
                });
                expect(out[premium.id].privateSubnetIds).to.have.length(cfg.network.azCount);
            });

            it("changes no resource of a basic tenant or of the platform: every one is as it is with the tenant basic", async () => {
                const { resources: allBasic } = await build(configFor(env));
                const shared = (rs: Registration[]) =>
                    rs.filter((r) => !r.name.includes(premium.id) && r.name !== "network-tenant-flow-logs-policy");
                const before = new Map(shared(allBasic).map((r) => [`${r.type}::${r.name}`, r.inputs]));
                const after = shared(resources);
                expect(after.map((r) => `${r.type}::${r.name}`)).to.have.members([...before.keys()]);
                for (const r of after) expect(r.inputs, r.name).to.deep.equal(before.get(`${r.type}::${r.name}`));
            });
        });
    }

    describe("isolation between two tenants, for every pair of tiers", () => {
        const [a, b] = (stackFileConfig("dev")["bbws:tenants"] as RawTenant[]).slice(0, 2);
        const pairs: Array<[string, string[]]> = [
            ["basic/basic", []],
            ["basic/premium", [b.id]],
            ["premium/basic", [a.id]],
            ["premium/premium", [a.id, b.id]],
        ];
        for (const [label, premium] of pairs) {
            it(`${label}: no rule lets one tenant's tasks into the other's task, load balancer or file-system group, by group or by range`, async () => {
                const { layer, resources } = await build(premiumConfig("dev", premium));
                const own = async (id: string) => {
                    const vpc = layer.tenantVpcs[id];
                    return {
                        task: await promiseOf(layer.tenantSecurityGroupIds[id]),
                        groups: vpc
                            ? [await promiseOf(vpc.loadBalancerSecurityGroupId), await promiseOf(vpc.fileSystemSecurityGroupId)]
                            : [],
                        cidr: vpc?.cidrBlock,
                    };
                };
                for (const [x, y] of [
                    [a.id, b.id],
                    [b.id, a.id],
                ]) {
                    const target = await own(x);
                    const source = await own(y);
                    const into = ofType(resources, INGRESS).filter((r) =>
                        [target.task, ...target.groups].includes(r.inputs.securityGroupId),
                    );
                    const admitted = into.map((r) => r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4);
                    const sourceIds = [source.task, ...source.groups, ...(source.cidr ? [source.cidr] : [])];
                    expect(
                        admitted.filter((v) => sourceIds.includes(v)),
                        `${y} into ${x}`,
                    ).to.be.empty;
                    const outOf = ofType(resources, EGRESS).filter((r) => r.inputs.securityGroupId === source.task);
                    const reached = outOf.map((r) => r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4);
                    expect(reached.filter((v) => [target.task, ...target.groups, ...(target.cidr ? [target.cidr] : [])].includes(v))).to.be
                        .empty;
                }
            });
        }
    });

    describe("for any two slots and any environment range the loader accepts (property)", () => {
        const raw = stackFileConfig("dev");
        const retired = new Set(((raw["bbws:retiredTenants"] ?? []) as RawTenant[]).map((r) => r.slot));
        const template = (raw["bbws:tenants"] as RawTenant[])[0];
        const slot = fc.integer({ min: 1, max: 9999 }).filter((s) => !retired.has(s));
        const twoSlots = fc.tuple(slot, slot).filter(([x, y]) => x !== y);

        it("tenant VPCs never overlap one another, and the loader refuses exactly those that overlap the environment's", () => {
            fc.assert(
                fc.property(twoSlots, acceptedVpcCidr, ([x, y], vpcCidr) => {
                    expect(cidrsOverlap(tenantVpcCidr(x), tenantVpcCidr(y))).to.equal(false);
                    const overlaps = [x, y].filter((s) => cidrsOverlap(tenantVpcCidr(s), vpcCidr));
                    const load = () =>
                        premiumConfig("dev", ["alpha", "bravo"], {
                            "bbws:network": { ...(raw["bbws:network"] as object), vpcCidr },
                            "bbws:tenants": [
                                { ...template, id: "alpha", slot: x },
                                { ...template, id: "bravo", slot: y },
                            ],
                        });
                    if (overlaps.length > 0) expect(load).to.throw(ConfigError, /VPC peering refuses overlapping ranges/);
                    else expect(load).not.to.throw();
                }),
                { numRuns: 300 },
            );
        });

        it("awsx accepts every tenant VPC's subnets and NAT strategy (automation/awsx-vpc.ts, pulumi-awsx vpc.ts)", () => {
            fc.assert(
                fc.property(
                    slot,
                    acceptedAzCount,
                    fc.constantFrom("single", "onePerAz") as fc.Arbitrary<"single" | "onePerAz">,
                    (s, az, nat) => {
                        const cidr = tenantVpcCidr(s);
                        const inputs: AwsxVpcInputs = {
                            cidrBlock: cidr,
                            numberOfAvailabilityZones: az,
                            subnetStrategy: "Auto",
                            subnetSpecs: awsxSubnetSpecs(subnetCidrs(cidr, az)) as AwsxVpcInputs["subnetSpecs"],
                            natGateways: { strategy: natGatewayStrategy(nat) },
                        };
                        const decision = awsxVpcSubnets("t", inputs, ["z1", "z2", "z3"]);
                        expect(decision.subnets!.map((x) => x.cidrBlock)).to.have.members(subnetCidrs(cidr, az).map((x) => x.cidr));
                    },
                ),
                { numRuns: 300 },
            );
        });

        it("renders exactly the expected routes and range rules: one route per AZ each way, two ingress rules per tenant on the platform side", async () => {
            await fc.assert(
                fc.asyncProperty(twoSlots, acceptedVpcCidr, acceptedAzCount, async ([x, y], vpcCidr, azCount) => {
                    fc.pre(![x, y].some((s) => cidrsOverlap(tenantVpcCidr(s), vpcCidr)));
                    const cfg = premiumConfig("dev", ["alpha", "bravo"], {
                        "bbws:network": { ...(raw["bbws:network"] as object), vpcCidr, azCount },
                        "bbws:tenants": [
                            { ...template, id: "alpha", slot: x },
                            { ...template, id: "bravo", slot: y },
                        ],
                    });
                    const { layer, resources } = await build(cfg);
                    const isolated = await promiseOf(layer.isolatedSubnetIds);
                    const expected: string[][] = [];
                    for (const [id, s] of [
                        ["alpha", x],
                        ["bravo", y],
                    ] as const) {
                        const privateSubnets = await promiseOf(layer.tenantVpcs[id].privateSubnetIds);
                        expected.push(
                            ...privateSubnets.map((sub) => [tableOf(sub), vpcCidr]),
                            ...isolated.map((sub) => [tableOf(sub), tenantVpcCidr(s)]),
                        );
                        expect(rulesNaming(resources, tenantVpcCidr(s)).map(ruleView)).to.have.members([
                            `in 3306 ${tenantVpcCidr(s)}`,
                            `in 6379 ${tenantVpcCidr(s)}`,
                        ]);
                    }
                    expect(
                        ofType(resources, ROUTE).map((r) => [r.inputs.routeTableId, r.inputs.destinationCidrBlock]),
                    ).to.have.deep.members(expected);
                    expect(rulesNaming(resources, vpcCidr).map(ruleView)).to.have.members([
                        `in 443 ${vpcCidr}`, // the endpoints group's, as without premium tenants
                        ...Array.from({ length: 2 }, () => [`out 3306 ${vpcCidr}`, `out 6379 ${vpcCidr}`]).flat(),
                    ]);
                }),
                { numRuns: 12 },
            );
        });
    });

    describe("the AWS model refuses what EC2 refuses of a peering (automation/aws-model.ts)", () => {
        const accountId = "536580886816";
        const region = "eu-west-1";
        const model = () => createAwsModel({ accountId, region, azCount: 2 });
        const create = (m: ReturnType<typeof model>, type: string, name: string, inputs: Record<string, unknown>) =>
            m.newResource({ type, name, inputs, custom: type !== "awsx:ec2:Vpc" } as never) as { id: string; state: Record<string, any> };
        const vpc = (m: ReturnType<typeof model>, name: string, cidrBlock: string) =>
            create(m, "awsx:ec2:Vpc", name, {
                cidrBlock,
                numberOfAvailabilityZones: 2,
                subnetStrategy: "Auto",
                subnetSpecs: awsxSubnetSpecs(subnetCidrs(cidrBlock, 2)),
                natGateways: { strategy: "Single" },
            }).state;

        it("a peering between overlapping ranges (VPC Peering guide, 'VPC peering limitations': the connection fails)", () => {
            const m = model();
            const platform = vpc(m, "platform", "10.64.0.0/16");
            const tenant = vpc(m, "tenant", tenantVpcCidr(1));
            expect(() => create(m, PEERING, "p", { vpcId: tenant.vpcId, peerVpcId: platform.vpcId, autoAccept: true })).to.throw(/overlap/);
            const apart = vpc(m, "apart", "10.10.0.0/16");
            expect(create(m, PEERING, "q", { vpcId: tenant.vpcId, peerVpcId: apart.vpcId, autoAccept: true }).state.acceptStatus).to.equal(
                "active",
            );
        });

        it("autoAccept across regions or accounts (terraform-provider-aws aws_vpc_peering_connection auto_accept)", () => {
            const m = model();
            const a = vpc(m, "a", "10.10.0.0/16");
            const b = vpc(m, "b", tenantVpcCidr(1));
            expect(() =>
                create(m, PEERING, "r", { vpcId: b.vpcId, peerVpcId: a.vpcId, autoAccept: true, peerRegion: "af-south-1" }),
            ).to.throw(/same AWS account and region/);
            expect(() =>
                create(m, PEERING, "o", { vpcId: b.vpcId, peerVpcId: a.vpcId, autoAccept: true, peerOwnerId: "111111111111" }),
            ).to.throw(/autoAccept across/);
            expect(() =>
                create(m, PEERING, "s", {
                    vpcId: b.vpcId,
                    peerVpcId: a.vpcId,
                    autoAccept: true,
                    peerOwnerId: accountId,
                    peerRegion: region,
                }),
            ).not.to.throw();
        });

        it("a route whose destination lies in the table's own VPC (CreateRoute: the local route covers it; terraform-provider-aws#13896)", () => {
            const m = model();
            const a = vpc(m, "a", "10.10.0.0/16");
            const lookUp = { token: "aws:ec2/getRouteTable:getRouteTable", inputs: { subnetId: a.isolatedSubnetIds[0] } };
            const table = (m.call(lookUp as never) as Record<string, string>).routeTableId;
            expect(() =>
                create(m, ROUTE, "in", { routeTableId: table, destinationCidrBlock: "10.10.8.0/22", vpcPeeringConnectionId: "pcx-1" }),
            ).to.throw(/own VPC/);
            expect(() =>
                create(m, ROUTE, "out", { routeTableId: table, destinationCidrBlock: tenantVpcCidr(1), vpcPeeringConnectionId: "pcx-1" }),
            ).not.to.throw();
        });

        /** `n` peering routes into `table`, to tenant ranges from slot `from` on. */
        const routes = (m: ReturnType<typeof model>, table: string, n: number, from = 1) => {
            for (let s = from; s < from + n; s++) {
                create(m, ROUTE, `r${table}-${s}`, {
                    routeTableId: table,
                    destinationCidrBlock: tenantVpcCidr(s),
                    vpcPeeringConnectionId: "pcx-1",
                });
            }
        };

        it("a table past 50 routes, its local route, awsx's and the S3 endpoint's counted (Amazon VPC quotas L-93826ACB; EC2 RouteLimitExceeded)", () => {
            expect(DEFAULT_QUOTAS.routesPerRouteTable).to.equal(50);
            const m = model();
            const platform = vpc(m, "platform", "10.10.0.0/16");
            // Isolated: the local route only (awsx adds none), so 49 peering routes fit and the 50th does not.
            const isolated = tableOf(platform.isolatedSubnetIds[0]);
            routes(m, isolated, 49);
            expect(() => routes(m, isolated, 1, 50)).to.throw(/51 routes in route table .*at most 50 \(RouteLimitExceeded\)/);
            // Private: local, awsx's default route to the NAT gateway and the S3 endpoint's prefix-list route: 47 fit.
            const private0 = tableOf(platform.privateSubnetIds[0]);
            create(m, "aws:ec2/vpcEndpoint:VpcEndpoint", "s3", { vpcEndpointType: "Gateway", routeTableIds: [private0] });
            routes(m, private0, 47);
            expect(() => routes(m, private0, 1, 48)).to.throw(/51 routes in route table/);
            // Public: local and awsx's default route to the internet gateway: 48 fit.
            const public0 = tableOf(platform.publicSubnetIds[0]);
            routes(m, public0, 48);
            expect(() => routes(m, public0, 1, 49)).to.throw(/51 routes in route table/);
            // A table the model did not mint (a test's id) holds its local route only.
            routes(m, "rtb-1", 49);
            expect(() => routes(m, "rtb-1", 1, 50)).to.throw(/at most 50/);
        });

        it("a gateway endpoint on a full table is refused, and an interface endpoint puts no route (PrivateLink guide, 'Gateway endpoints', Routing)", () => {
            const m = model();
            const platform = vpc(m, "platform", "10.10.0.0/16");
            const isolated = tableOf(platform.isolatedSubnetIds[0]);
            routes(m, isolated, 49);
            create(m, "aws:ec2/vpcEndpoint:VpcEndpoint", "ssm", { vpcEndpointType: "Interface", subnetIds: platform.isolatedSubnetIds });
            // No `vpcEndpointType`: the provider's default, Gateway (terraform-provider-aws aws_vpc_endpoint).
            expect(() => create(m, "aws:ec2/vpcEndpoint:VpcEndpoint", "s3", { routeTableIds: [isolated] })).to.throw(
                /51 routes in route table/,
            );
        });

        it("a 51st peering with one VPC (Amazon VPC quotas L-7E9ECCDB)", () => {
            expect(COUNTED_QUOTAS[PEERING].max).to.equal(50);
            const m = model();
            const platform = vpc(m, "platform", "10.10.0.0/16");
            for (let s = 1; s <= 50; s++) {
                const t = vpc(m, `t${s}`, tenantVpcCidr(s));
                create(m, PEERING, `p${s}`, { vpcId: t.vpcId, peerVpcId: platform.vpcId, autoAccept: true });
            }
            const t51 = vpc(m, "t51", tenantVpcCidr(51));
            expect(() => create(m, PEERING, "p51", { vpcId: t51.vpcId, peerVpcId: platform.vpcId, autoAccept: true })).to.throw(
                /at most 50/,
            );
        });
    });
});

/**
 * Security group and rule descriptions as EC2 takes them (automation/aws-name-rules.ts `TEXT_RULES`,
 * checked by the offline model with the names). Sources, EC2 API reference: CreateSecurityGroup
 * `GroupDescription` (API_CreateSecurityGroup.html: required, up to 255 characters, a-z, A-Z, 0-9,
 * spaces and ._-:/()#,@[]+=&;{}!$*); a rule's description, carried by AuthorizeSecurityGroupIngress/Egress
 * in an IpRange, Ipv6Range, UserIdGroupPair or PrefixListId (API_IpRange.html, API_UserIdGroupPair.html,
 * API_PrefixListId.html: up to 255 characters, the same set, `&` only in IpRange and Ipv6Range, so the
 * rule refuses it everywhere).
 */
describe("security group and rule descriptions: what EC2 accepts (automation/aws-name-rules.ts TEXT_RULES)", () => {
    const [groupRule] = TEXT_RULES[SECURITY_GROUP];
    const ruleRules = [INGRESS, EGRESS].map((type) => TEXT_RULES[type][0]);
    const PUNCTUATION = "._-:/()#,@[]+=;{}!$*";
    const ok = (rule: TextRule, description: string) => textProblems(rule, { description });

    it("applies to the security group and to both rule types, on `description`, up to 255 characters", () => {
        expect(Object.keys(TEXT_RULES)).to.have.members([SECURITY_GROUP, INGRESS, EGRESS]);
        for (const rule of [groupRule, ...ruleRules]) {
            expect(rule.property).to.equal("description");
            expect(rule.max).to.equal(255);
        }
        expect(groupRule.min, "GroupDescription is required").to.equal(1);
    });

    it("accepts letters, digits, spaces and every allowed punctuation character, alone and together, up to 255 characters", () => {
        for (const rule of [groupRule, ...ruleRules]) {
            expect(ok(rule, `Az09 ${PUNCTUATION}`)).to.deep.equal([]);
            for (const c of PUNCTUATION) expect(ok(rule, `a${c}b`), c).to.deep.equal([]);
            expect(ok(rule, "x".repeat(255))).to.deep.equal([]);
        }
        expect(ok(groupRule, "a&b"), "& in a group description (CreateSecurityGroup)").to.deep.equal([]);
    });

    it("refuses an apostrophe, a non-ASCII character, a control character and 256 characters", () => {
        for (const rule of [groupRule, ...ruleRules]) {
            for (const bad of [
                "the tenant's tasks",
                "tenant\u2019s",
                "café",
                "naïve",
                "a\tb",
                "a\nb",
                'say "hi"',
                "a<b>",
                "a%b",
                "a?b",
                "a|b",
                "a~b",
                "a^b",
            ]) {
                expect(ok(rule, bad), bad).to.have.length(1);
            }
            expect(ok(rule, "x".repeat(256)).join()).to.match(/256 characters; at most 255/);
        }
        for (const rule of ruleRules) expect(ok(rule, "a&b"), "& in a rule description (UserIdGroupPair, PrefixListId)").to.have.length(1);
        expect(ok(groupRule, "").join(), "an empty GroupDescription").to.match(/at least 1/);
        expect(ok(groupRule, "x".repeat(256))).to.have.length(1);
    });

    it("leaves an absent description alone: the provider sends its own default for a group, none for a rule", () => {
        for (const rule of [groupRule, ...ruleRules]) expect(textProblems(rule, {})).to.deep.equal([]);
    });

    it("makes the offline model refuse the registration, naming the resource, the input and the source", () => {
        const m = createAwsModel({ accountId: "536580886816", region: "eu-west-1", azCount: 2 });
        const create = (type: string, name: string, inputs: Record<string, unknown>) =>
            m.newResource({ type, name, inputs, custom: true } as never);
        expect(() => create(SECURITY_GROUP, "sg", { name: "bbws-x-sg-dev", description: "the tenant's tasks", vpcId: "vpc-1" })).to.throw(
            NameRuleError,
            /resource 'sg' .*description 'the tenant's tasks'.*API_CreateSecurityGroup\.html/,
        );
        expect(() =>
            create(INGRESS, "in", { securityGroupId: "sg-1", ipProtocol: "tcp", cidrIpv4: "10.0.0.0/16", description: "tasks' own VPC" }),
        ).to.throw(NameRuleError, /API_UserIdGroupPair\.html/);
        expect(() =>
            create(EGRESS, "out", { securityGroupId: "sg-1", ipProtocol: "tcp", cidrIpv4: "0.0.0.0/0", description: "x".repeat(256) }),
        ).to.throw(NameRuleError, /at most 255/);
        expect(() =>
            create(SECURITY_GROUP, "fine", { name: "bbws-y-sg-dev", description: "BBWS (ok): [a-z] #1 @x +=;{}!$*&", vpcId: "vpc-1" }),
        ).not.to.throw();
    });

    /** Every security group and rule description in `resources` that its rule refuses, as `<name>: <problem>`. */
    const refused = (resources: readonly { type: string; name: string; inputs: Record<string, unknown> }[]) =>
        resources.flatMap((r) => (TEXT_RULES[r.type] ?? []).flatMap((rule) => textProblems(rule, r.inputs).map((p) => `${r.name}: ${p}`)));

    for (const env of ENVIRONMENTS) {
        it(`passes for every group and rule in ${env}'s synth`, async () => {
            const { resources } = await cachedSynthesize(PROJECT_DIR, env);
            const described = resources.filter((r) => r.type in TEXT_RULES);
            expect(described.filter((r) => r.type === SECURITY_GROUP)).to.not.be.empty;
            for (const r of described) expect(r.inputs.description, r.name).to.be.a("string");
            expect(refused(resources)).to.deep.equal([]);
        });
    }

    it("passes for every group and rule of basic, premium and enterprise tenants with any accepted ids, in dev and sit (property)", async function () {
        this.timeout(600_000);
        await fc.assert(
            fc.asyncProperty(
                fc.constantFrom(...PREMIUM_ENVS),
                // The enterprise tenant (the third) names its RDS cluster after its id: no `--` (the loader refuses it).
                fc.uniqueArray(acceptedTenantId, { minLength: 3, maxLength: 3 }).filter((ids) => !ids[2].includes("--")),
                async (env, ids) => {
                    // The stack file's first tenant, without its domains (a domain belongs to one tenant).
                    const { domains: _domains, ...shape } = (stackFileConfig(env)["bbws:tenants"] as RawTenant[])[0];
                    const tiers = ["basic", "premium", "enterprise"];
                    const cfg = configFor(env, {
                        "bbws:tenants": ids.map((id, i) => ({ ...shape, id, slot: 20 + i, tier: tiers[i] })),
                    });
                    const { resources } = await construct(cfg, () => createPlatform(cfg));
                    const groups = ofType(resources, SECURITY_GROUP).map((r) => r.inputs.description as string);
                    // Each tier's own groups are there: the tenant VPC's efs group (premium) and cluster group (enterprise).
                    expect(groups.filter((d) => /EFS: NFS 2049 from the tenant tasks only/.test(d))).to.have.length(2);
                    expect(groups.filter((d) => /Aurora: MySQL 3306 from the tenant tasks/.test(d))).to.have.length(1);
                    expect(ofType(resources, INGRESS).some((r) => / in their own VPC$/.test(r.inputs.description))).to.equal(true);
                    expect(refused(resources)).to.deep.equal([]);
                },
            ),
            { numRuns: 6 },
        );
    });
});
