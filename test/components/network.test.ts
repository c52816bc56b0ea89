import { expect } from "chai";
import { NetworkLayer, subnetCidrs, subnetLayout, natGatewayStrategy, INTERFACE_ENDPOINT_SERVICES } from "../../components/network";
import { REDIS_PORT } from "../../components/data";
import { configFor, construct, ENVIRONMENTS, named, ofType, promiseOf, Registration } from "../support/pulumi";

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

describe("network layer", () => {
    describe("subnet sizing", () => {
        it("splits a /16 into /18 per AZ with /19 private and /21 public and isolated subnets", () => {
            expect(subnetLayout("10.20.0.0/16")).to.deep.equal({ azMask: 18, privateMask: 19, publicMask: 21, isolatedMask: 21 });
        });
        it("still fits three AZs in a /20", () => {
            expect(subnetLayout("10.20.0.0/20")).to.deep.equal({ azMask: 22, privateMask: 23, publicMask: 25, isolatedMask: 25 });
        });
        it("maps the NAT strategy onto awsx's", () => {
            expect(natGatewayStrategy("single")).to.equal("Single");
            expect(natGatewayStrategy("onePerAz")).to.equal("OnePerAz");
        });
    });

    for (const env of ENVIRONMENTS) {
        describe(`in ${env}`, () => {
            const cfg = configFor(env);
            let resources: Registration[];
            let layer: NetworkLayer;

            before(async () => {
                ({ result: layer, resources } = await construct(
                    cfg,
                    () => new NetworkLayer("network", { env, region: cfg.region, network: cfg.network, tenants: cfg.tenants }),
                ));
            });

            it("builds the VPC from the environment's CIDR, AZ count and NAT strategy with three subnet tiers", () => {
                const vpc = named(resources, "network-vpc");
                expect(vpc.type).to.equal("awsx:ec2:Vpc");
                expect(vpc.inputs.cidrBlock).to.equal(cfg.network.vpcCidr);
                expect(vpc.inputs.numberOfAvailabilityZones).to.equal(cfg.network.azCount);
                expect(vpc.inputs.natGateways.strategy).to.equal(env === "prod" ? "OnePerAz" : "Single");
                expect(vpc.inputs.subnetSpecs.map((s: any) => s.type)).to.deep.equal(["Public", "Private", "Isolated"]);
                expect(vpc.inputs.tags.Name).to.equal(`bbws-vpc-${env}`);
            });

            it("hands awsx every subnet's CIDR (subnetCidrs), leaving nothing to its allocator", () => {
                const vpc = named(resources, "network-vpc");
                expect(vpc.inputs.availabilityZoneCidrMask).to.equal(undefined);
                const given = vpc.inputs.subnetSpecs.flatMap((spec: any) =>
                    spec.cidrBlocks.map((cidr: string, az: number) => ({ tier: spec.name, az, cidr })),
                );
                expect(given).to.have.deep.members(subnetCidrs(cfg.network.vpcCidr, cfg.network.azCount));
                expect(layer.subnets).to.deep.equal(subnetCidrs(cfg.network.vpcCidr, cfg.network.azCount));
            });

            it("exposes subnet ids per tier for every AZ", async () => {
                expect(await promiseOf(layer.privateSubnetIds)).to.have.length(cfg.network.azCount);
                expect(await promiseOf(layer.isolatedSubnetIds)).to.have.length(cfg.network.azCount);
                expect(await promiseOf(layer.publicSubnetIds)).to.have.length(cfg.network.azCount);
            });

            it("strips every rule from the default security group", () => {
                const sg = ofType(resources, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
                expect(sg).to.have.length(1);
                expect(sg[0].inputs.ingress ?? []).to.be.empty;
                expect(sg[0].inputs.egress ?? []).to.be.empty;
            });

            it("sends all VPC traffic to a flow log group with the configured retention", () => {
                const flow = ofType(resources, "aws:ec2/flowLog:FlowLog");
                expect(flow).to.have.length(1);
                expect(flow[0].inputs.trafficType).to.equal("ALL");
                const group = named(resources, "network-flow-logs");
                expect(group.inputs.retentionInDays).to.equal(cfg.network.flowLogRetentionDays);
                expect(flow[0].inputs.logDestination).to.contain(group.inputs.name);
            });

            it("gives every security-group rule a description", () => {
                for (const rule of [...ofType(resources, INGRESS), ...ofType(resources, EGRESS)]) {
                    expect(rule.inputs.description, rule.name).to.be.a("string").and.not.empty;
                }
            });

            it("must not accept traffic from 0.0.0.0/0 anywhere but the load balancer on 80 and 443", () => {
                const open = ofType(resources, INGRESS).filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0");
                expect(open.map((r) => [r.name, r.inputs.fromPort])).to.have.deep.members([
                    ["network-alb-https-in", 443],
                    ["network-alb-http-in", 80],
                ]);
            });

            it("opens each tenant's container port to the load balancer only, in a group tagged with the tenant", () => {
                for (const tenant of cfg.tenants) {
                    const sg = named(resources, `network-tenant-${tenant.id}-sg`);
                    expect(sg.inputs.tags.Tenant).to.equal(tenant.id);
                    const rules = ofType(resources, INGRESS).filter((r) => r.name.startsWith(`network-tenant-${tenant.id}-`));
                    expect(rules).to.have.length(1);
                    expect(rules[0].inputs.fromPort).to.equal(tenant.containerPort);
                    expect(rules[0].inputs.referencedSecurityGroupId).to.be.a("string");
                    expect(rules[0].inputs.cidrIpv4).to.equal(undefined);
                }
            });

            it("lets only task groups reach MySQL 3306, Redis 6379 and NFS 2049: each tenant's, and the platform one-off task's but for NFS", () => {
                for (const [role, port, platformTask] of [
                    ["database", 3306, true],
                    ["cache", 6379, true],
                    ["efs", 2049, false],
                ] as const) {
                    const rules = ofType(resources, INGRESS).filter((r) => r.name.startsWith(`network-${role}-from-`));
                    expect(rules.map((r) => r.name)).to.have.members([
                        ...cfg.tenants.map((t) => `network-${role}-from-tenant-${t.id}`),
                        ...(platformTask ? [`network-${role}-from-platform-task`] : []),
                    ]);
                    for (const rule of rules) {
                        expect(rule.inputs.fromPort).to.equal(port);
                        expect(rule.inputs.toPort).to.equal(port);
                        expect(rule.inputs.cidrIpv4).to.equal(undefined);
                    }
                }
            });

            /*
             * The platform one-off task (issue 15) creates tenants' MySQL users with the master secret and checks
             * Redis with AUTH: the database admits it on 3306 and the cache on the port the replication group
             * listens on (data.ts REDIS_PORT), each from its group alone, and it reaches nothing else.
             */
            it(`admits the platform one-off task's group on 3306 to the database and ${REDIS_PORT} to the cache, and nothing wider`, async () => {
                const sg = named(resources, "network-platform-task-sg");
                expect(sg.inputs.name).to.equal(`bbws-platform-task-sg-${env}`);
                const id = await promiseOf(layer.securityGroupIds.platformTask);
                const admitted = ofType(resources, INGRESS).filter((r) => r.inputs.referencedSecurityGroupId === id);
                expect(admitted.map((r) => [r.name, r.inputs.fromPort, r.inputs.toPort])).to.have.deep.members([
                    ["network-database-from-platform-task", 3306, 3306],
                    ["network-cache-from-platform-task", REDIS_PORT, REDIS_PORT],
                ]);
                expect(await promiseOf(layer.securityGroupIds.database)).to.equal(
                    admitted.find((r) => r.name.includes("database"))!.inputs.securityGroupId,
                );
                expect(await promiseOf(layer.securityGroupIds.cache)).to.equal(
                    admitted.find((r) => r.name.includes("cache"))!.inputs.securityGroupId,
                );
                for (const r of admitted) expect(r.inputs.ipProtocol, r.name).to.equal("tcp");
                expect(
                    ofType(resources, INGRESS).filter((r) => r.inputs.securityGroupId === id),
                    "nothing comes in",
                ).to.be.empty;
                const out = ofType(resources, EGRESS).filter((r) => r.inputs.securityGroupId === id);
                expect(out.map((r) => [r.name, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4 ?? "group"])).to.have.deep.members([
                    ["network-platform-task-to-database", 3306, 3306, "group"],
                    ["network-platform-task-to-cache", REDIS_PORT, REDIS_PORT, "group"],
                    ["network-platform-task-https-out", 443, 443, "0.0.0.0/0"],
                ]);
            });

            it("allows the endpoints group HTTPS from the VPC range only", () => {
                const rule = named(resources, "network-endpoints-https-in");
                expect(rule.inputs.cidrIpv4).to.equal(cfg.network.vpcCidr);
                expect(rule.inputs.fromPort).to.equal(443);
            });

            it(`has the S3 gateway endpoint${cfg.network.interfaceEndpoints ? " and every interface endpoint" : " and, as configured, no interface endpoints"}`, () => {
                const endpoints = ofType(resources, "aws:ec2/vpcEndpoint:VpcEndpoint");
                const gateway = endpoints.filter((e) => e.inputs.vpcEndpointType === "Gateway");
                expect(gateway.map((e) => e.inputs.serviceName)).to.deep.equal([`com.amazonaws.${cfg.region}.s3`]);
                expect(gateway[0].inputs.routeTableIds).to.have.length(cfg.network.azCount);
                const iface = endpoints.filter((e) => e.inputs.vpcEndpointType === "Interface");
                const expected = cfg.network.interfaceEndpoints
                    ? INTERFACE_ENDPOINT_SERVICES.map((s) => `com.amazonaws.${cfg.region}.${s}`)
                    : [];
                expect(iface.map((e) => e.inputs.serviceName)).to.have.members(expected);
                for (const e of iface) expect(e.inputs.privateDnsEnabled).to.equal(true);
            });

            it("exposes a security group per role and per tenant", async () => {
                expect(Object.keys(layer.securityGroupIds)).to.have.members([
                    "loadBalancer",
                    "database",
                    "cache",
                    "fileSystem",
                    "endpoints",
                    "platformTask",
                ]);
                expect(Object.keys(layer.tenantSecurityGroupIds)).to.have.members(cfg.tenants.map((t) => t.id));
                expect(await promiseOf(layer.securityGroupIds.database)).to.match(/^sg-[0-9a-f]{17}$/);
            });
        });
    }
});
