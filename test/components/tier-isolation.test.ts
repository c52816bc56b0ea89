/**
 * Isolation between tenants of every pair of tiers, on the whole program (issue 21: "nothing of tenant
 * A reachable from tenant B's group, role or user"), network side: two basic, two premium and two
 * enterprise tenants in dev, and for every ordered pair (A, B) the auditor's questions below. Roles, the cache's users and the
 * file systems are checked per layer: test/components/ecs-premium.test.ts ("isolation between tiers"),
 * premium-storage.test.ts and cache-users.test.ts.
 *
 * Sources: a security group admits only what one of its inbound rules names, and answers are allowed
 * back whatever the outbound rules (VPC user guide, "Security group rules": security groups are
 * stateful), so a group's inbound rules alone decide who reaches it; VPC peering is not transitive
 * (VPC peering guide, "VPC peering limitations": no transitive peering), so a premium tenant's VPC
 * reaches only what its own peering and routes reach. A group in a peered VPC of the same Region may
 * name a group across the peering (VPC peering guide, "Update your security groups to reference peer
 * security groups"): how the platform one-off task reaches an enterprise tenant's own cluster.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { createPlatform, PlatformOutputs } from "../../src/program";
import { cidrsOverlap } from "../../src/config";
import { configFor, construct, named, ofType, promiseOf, Registration, stackFileConfig } from "../support/pulumi";

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const ROUTE = "aws:ec2/route:Route";
const PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection";

type RawTenant = Record<string, unknown> & { id: string; slot: number; tier?: string };

interface Tenant {
    readonly id: string;
    readonly tier: "basic" | "premium" | "enterprise";
    /**
     * The tenant's own groups: its tasks', and for premium and enterprise its load balancer's and file
     * system's, and for enterprise its cluster's.
     */
    readonly groups: readonly string[];
    /** The addresses its tasks use: its own VPC for premium, the environment's VPC for basic. */
    readonly network: string;
    /** Its own VPC and peering, for premium and enterprise. */
    readonly vpcId?: string;
}

describe("isolation between tenants of every pair of tiers (network)", () => {
    const raw = stackFileConfig("dev")["bbws:tenants"] as RawTenant[];
    const shape = raw[0];
    const tenants: RawTenant[] = [
        { ...shape, id: "basica", slot: 11 },
        { ...shape, id: "basicb", slot: 12 },
        { ...shape, id: "premiuma", slot: 13, tier: "premium" },
        { ...shape, id: "premiumb", slot: 14, tier: "premium" },
        { ...shape, id: "enterprisea", slot: 15, tier: "enterprise" },
        { ...shape, id: "enterpriseb", slot: 16, tier: "enterprise" },
    ];
    const cfg = configFor("dev", { "bbws:tenants": tenants });
    let resources: Registration[];
    let byId: Map<string, Tenant>;
    let platformVpcId: string;
    let sharedLoadBalancerGroup: string;
    let platformTaskGroup: string;

    before(async function () {
        this.timeout(120_000);
        const built = await construct(cfg, () => createPlatform(cfg));
        resources = built.resources;
        const outputs: PlatformOutputs["network"] = await promiseOf(pulumi.output(built.result.network));
        platformVpcId = outputs.vpcId;
        sharedLoadBalancerGroup = outputs.securityGroupIds.loadBalancer;
        platformTaskGroup = outputs.securityGroupIds.platformTask;
        byId = new Map(
            tenants.map((t) => {
                const vpc = outputs.tenantVpcs[t.id];
                const task = outputs.tenantSecurityGroupIds[t.id];
                const tenant: Tenant = vpc
                    ? {
                          id: t.id,
                          tier: vpc.databaseSecurityGroupId ? "enterprise" : "premium",
                          groups: [
                              task,
                              vpc.loadBalancerSecurityGroupId,
                              vpc.fileSystemSecurityGroupId,
                              ...(vpc.databaseSecurityGroupId ? [vpc.databaseSecurityGroupId] : []),
                          ],
                          network: vpc.cidrBlock,
                          vpcId: vpc.vpcId,
                      }
                    : { id: t.id, tier: "basic", groups: [task], network: cfg.network.vpcCidr };
                return [t.id, tenant];
            }),
        );
    });

    const pairs = (): Array<[Tenant, Tenant]> =>
        [...byId.values()].flatMap((a) => [...byId.values()].filter((b) => b !== a).map((b): [Tenant, Tenant] => [a, b]));

    it("builds the three tiers it is meant to compare", () => {
        expect([...byId.values()].map((t) => `${t.id}:${t.tier}`)).to.deep.equal([
            "basica:basic",
            "basicb:basic",
            "premiuma:premium",
            "premiumb:premium",
            "enterprisea:enterprise",
            "enterpriseb:enterprise",
        ]);
    });

    it("no inbound rule of tenant A's groups names tenant B's group, for every ordered pair of tiers", () => {
        for (const [a, b] of pairs()) {
            const leaks = ofType(resources, INGRESS).filter(
                (r) => a.groups.includes(r.inputs.securityGroupId) && b.groups.includes(r.inputs.referencedSecurityGroupId),
            );
            expect(
                leaks.map((r) => r.name),
                `${b.id} (${b.tier}) into ${a.id} (${a.tier})`,
            ).to.deep.equal([]);
        }
    });

    it("no inbound rule of tenant A's groups admits a range holding tenant B's tasks, but the internet to A's own load balancer on 80 and 443", () => {
        for (const [a, b] of pairs()) {
            const leaks = ofType(resources, INGRESS).filter(
                (r) =>
                    a.groups.includes(r.inputs.securityGroupId) &&
                    r.inputs.cidrIpv4 !== undefined &&
                    cidrsOverlap(r.inputs.cidrIpv4, b.network) &&
                    !(
                        r.inputs.cidrIpv4 === "0.0.0.0/0" &&
                        r.inputs.securityGroupId === a.groups[1] &&
                        [80, 443].includes(r.inputs.fromPort)
                    ),
            );
            expect(
                leaks.map((r) => r.name),
                `${b.id} (${b.tier}) into ${a.id} (${a.tier})`,
            ).to.deep.equal([]);
        }
    });

    it("a tenant's tasks are reached only from its load balancer: the shared one for basic, its own for premium and enterprise", () => {
        for (const t of byId.values()) {
            const sources = ofType(resources, INGRESS)
                .filter((r) => r.inputs.securityGroupId === t.groups[0])
                .map((r) => r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4);
            expect(sources, t.id).to.deep.equal([t.tier === "basic" ? sharedLoadBalancerGroup : t.groups[1]]);
        }
    });

    it("an enterprise tenant's cluster is reached only from its own tasks, its own rotation function and the platform one-off task", () => {
        for (const t of [...byId.values()].filter((x) => x.tier === "enterprise")) {
            const inbound = ofType(resources, INGRESS).filter((r) => r.inputs.securityGroupId === t.groups[3]);
            const rotationGroup = named(resources, `data-${t.id}-cluster-rotation-sg`);
            expect(rotationGroup.inputs.vpcId, `${t.id}'s rotation function runs in its own VPC`).to.equal(t.vpcId);
            // The group's id, as the rotation function's own outbound rule names it.
            const rotation = named(resources, `data-${t.id}-cluster-rotation-rotation-to-database`).inputs.securityGroupId;
            expect(inbound.map((r) => r.inputs.fromPort)).to.deep.equal([3306, 3306, 3306]);
            expect(inbound.map((r) => r.inputs.cidrIpv4)).to.deep.equal([undefined, undefined, undefined]);
            expect(inbound.map((r) => r.inputs.referencedSecurityGroupId).sort(), t.id).to.deep.equal(
                [t.groups[0], platformTaskGroup, rotation].sort(),
            );
        }
    });

    it("the platform's database and cache groups admit a premium tenant's range, an enterprise tenant's only on the cache", () => {
        const platform = ofType(resources, INGRESS).filter((r) => r.inputs.cidrIpv4 !== undefined && r.inputs.cidrIpv4 !== "0.0.0.0/0");
        for (const t of [...byId.values()].filter((x) => x.tier !== "basic")) {
            const fromRange = platform.filter((r) => r.inputs.cidrIpv4 === t.network).map((r) => r.inputs.fromPort);
            expect(fromRange, t.id).to.deep.equal(t.tier === "premium" ? [3306, 6379] : [6379]);
        }
    });

    it("a premium or enterprise tenant's file system is reached only from its own tasks", () => {
        for (const t of [...byId.values()].filter((x) => x.tier !== "basic")) {
            const sources = ofType(resources, INGRESS)
                .filter((r) => r.inputs.securityGroupId === t.groups[2])
                .map((r) => r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4);
            expect(sources, t.id).to.deep.equal([t.groups[0]]);
        }
    });

    it("every peering joins one premium or enterprise tenant's VPC to the platform VPC, never two tenants' VPCs", () => {
        const premium = [...byId.values()].filter((t) => t.tier !== "basic");
        const peerings = ofType(resources, PEERING).map((p) => `${p.inputs.vpcId} -> ${p.inputs.peerVpcId}`);
        expect(peerings.sort()).to.deep.equal(premium.map((t) => `${t.vpcId} -> ${platformVpcId}`).sort());
    });

    it("routes to a tenant's range go only through its own peering, and its VPC routes only to the platform's range (both ways twice for enterprise: tasks and cluster)", () => {
        const peeringOf = new Map(ofType(resources, PEERING).map((p) => [p.inputs.vpcId as string, p] as const));
        for (const t of [...byId.values()].filter((x) => x.tier !== "basic")) {
            const peering = peeringOf.get(t.vpcId!)!;
            const own = ofType(resources, ROUTE).filter((r) => r.parent === peering.parent);
            const ways = t.tier === "enterprise" ? 2 : 1;
            expect(own.map((r) => r.inputs.destinationCidrBlock).sort(), t.id).to.deep.equal(
                [
                    ...Array(ways * cfg.network.azCount).fill(t.network),
                    ...Array(ways * cfg.network.azCount).fill(cfg.network.vpcCidr),
                ].sort(),
            );
            for (const other of [...byId.values()].filter((o) => o !== t && o.tier !== "basic")) {
                const toOther = own.filter((r) => cidrsOverlap(r.inputs.destinationCidrBlock, other.network));
                expect(
                    toOther.map((r) => r.name),
                    `${t.id}'s routes to ${other.id}`,
                ).to.deep.equal([]);
            }
        }
        const destinations = ofType(resources, ROUTE).map((r) => r.inputs.destinationCidrBlock as string);
        for (const t of [...byId.values()].filter((x) => x.tier !== "basic")) {
            expect(destinations.filter((d) => d === t.network)).to.have.length((t.tier === "enterprise" ? 2 : 1) * cfg.network.azCount);
        }
    });
});
