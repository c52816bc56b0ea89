/**
 * The tenant VPC pool (src/tenant-cidrs.ts) and the `tier` key: a premium or enterprise tenant's own
 * VPC never overlaps another tenant's, any environment's VPC or the DR VPC, since VPC peering refuses
 * overlapping ranges (VPC Peering guide, "VPC peering limitations": "You cannot create a VPC peering
 * connection between VPCs that have matching or overlapping IPv4 CIDR blocks"), and its range comes
 * from its slot alone. Checked for every slot the schema accepts, as the subnet layout is.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { cidrsOverlap, ConfigError, parseCidr, parseConfig } from "../../src/config";
import { subnetCidrs } from "../../components/network";
import { TENANT_VPC_POOL_END, TENANT_VPC_POOL_SLOTS, TENANT_VPC_POOL_START, tenantVpcCidr } from "../../src/tenant-cidrs";
import { stackFileConfig } from "../support/pulumi";

const ENVS = ["dev", "sit", "prod"];
/** The standby region's VPC (issue 17's `bbws:dr` network, `10.31.0.0/16` in prod's stack file on its branch). */
const DR_VPC_CIDR = "10.31.0.0/16";
/** Every slot the tenant schema accepts (`tenantSlot`: 1–9999). */
const SLOTS = Array.from({ length: 9999 }, (_, i) => i + 1);

/** Every `vpcCidr:` in the environments' stack files, the DR network's included once it is there. */
function stackFileVpcCidrs(): string[] {
    const found: string[] = [];
    const walk = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(walk);
        else if (value && typeof value === "object") {
            for (const [key, v] of Object.entries(value)) key === "vpcCidr" && typeof v === "string" ? found.push(v) : walk(v);
        }
    };
    ENVS.forEach((env) => walk(stackFileConfig(env)));
    return found;
}

const dev = stackFileConfig("dev") as Record<string, any>;
const prod = stackFileConfig("prod") as Record<string, any>;
const tenant = (slot: number, tier?: string) => ({ id: `tenant${slot}`, slot, cpu: 512, memory: 1024, ...(tier ? { tier } : {}) });
function problemsWith(changes: Record<string, unknown>, env: "dev" | "prod" = "dev"): string[] {
    try {
        parseConfig(env, { ...(env === "dev" ? dev : prod), ...changes });
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
}

describe("the tenant VPC pool", () => {
    it("gives slot 1 10.64.0.0/22 and the schema's last slot, 9999, 10.220.56.0/22", () => {
        expect(tenantVpcCidr(1)).to.equal("10.64.0.0/22");
        expect(tenantVpcCidr(2)).to.equal("10.64.4.0/22");
        expect(tenantVpcCidr(9999)).to.equal("10.220.56.0/22");
    });

    it("holds every slot the schema accepts, each an aligned /22 between the pool's first and last address", () => {
        const start = parseCidr(`${TENANT_VPC_POOL_START}/32`)!.base;
        const end = parseCidr(`${TENANT_VPC_POOL_END}/32`)!.base;
        expect(TENANT_VPC_POOL_SLOTS).to.be.at.least(9999);
        for (const slot of SLOTS) {
            const range = parseCidr(tenantVpcCidr(slot));
            expect(range, `slot ${slot}`).to.not.equal(undefined);
            expect(range!.prefix).to.equal(22);
            expect(range!.base >= start && range!.base + 1024 - 1 <= end, `slot ${slot}: ${tenantVpcCidr(slot)}`).to.equal(true);
        }
    });

    it("gives no two slots an overlapping range (each slot's range ends before the next one's starts, so none overlap)", () => {
        for (const slot of SLOTS.slice(1)) {
            const previous = parseCidr(tenantVpcCidr(slot - 1))!.base;
            expect(parseCidr(tenantVpcCidr(slot))!.base, `slot ${slot}`).to.equal(previous + 1024);
        }
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 9999 }), (a, b) => {
                fc.pre(a !== b);
                expect(cidrsOverlap(tenantVpcCidr(a), tenantVpcCidr(b))).to.equal(false);
            }),
        );
    });

    it("overlaps no environment's VPC and not the DR VPC, for any slot", () => {
        const vpcs = [...stackFileVpcCidrs(), DR_VPC_CIDR];
        expect(vpcs).to.include.members(["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16"]);
        for (const slot of SLOTS) {
            for (const vpc of vpcs) expect(cidrsOverlap(tenantVpcCidr(slot), vpc), `slot ${slot} against ${vpc}`).to.equal(false);
        }
    });

    it("keeps a tenant's range when other tenants are added or removed: it is a function of the slot alone", () => {
        fc.assert(
            fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 9999 }), { minLength: 2, maxLength: 30 }), (slots) => {
                const before = new Map(slots.map((s) => [s, tenantVpcCidr(s)]));
                const after = new Map(slots.slice(1).map((s) => [s, tenantVpcCidr(s)]));
                for (const [slot, range] of after) expect(range).to.equal(before.get(slot));
            }),
        );
    });

    it("fits the platform's subnet layout over two and three AZs (subnetCidrs: /25 private, /27 public and isolated)", () => {
        for (const slot of [1, 2, 5000, 9999]) {
            for (const azCount of [2, 3]) {
                const subnets = subnetCidrs(tenantVpcCidr(slot), azCount);
                expect(subnets.every((s) => cidrsOverlap(s.cidr, tenantVpcCidr(slot)))).to.equal(true);
                expect(subnets.filter((s) => s.tier === "private").map((s) => s.cidr.split("/")[1])).to.deep.equal(
                    Array(azCount).fill("25"),
                );
            }
        }
    });

    it("refuses a slot outside 1 to the pool's size with a RangeError naming the range", () => {
        for (const slot of [0, -1, 1.5, TENANT_VPC_POOL_SLOTS + 1]) {
            expect(() => tenantVpcCidr(slot)).to.throw(RangeError, `the tenant VPC pool holds slots 1 to ${TENANT_VPC_POOL_SLOTS}`);
        }
    });
});

/** The loader's refusal of premium or enterprise where `bbws:dr` is set (src/config.ts crossChecks). */
const ownVpcWithDr = (tier: string) =>
    `bbws:tenants[0].tier: ${tier} is not yet built for an environment with bbws:dr: its standby would run in the ` +
    `shared standby VPC, not its own network (README "Isolation tiers"); keep the tenant basic here, or ${tier} where bbws:dr is none`;
const overlaps = (tier: string) =>
    `bbws:tenants[0].tier: a ${tier} tenant's own VPC (10.64.0.0/22, from its slot) overlaps bbws:network.vpcCidr (10.64.0.0/16); ` +
    "VPC peering refuses overlapping ranges: give the environment a VPC outside the tenant pool 10.64.0.0–10.255.255.255";

describe("configuration: bbws:tenants[].tier", () => {
    it("defaults to basic", () => {
        expect(parseConfig("dev", { ...dev, "bbws:tenants": [tenant(1)] }).tenants[0].tier).to.equal("basic");
    });

    it("accepts basic, with or without bbws:dr", () => {
        expect(dev["bbws:dr"]).to.equal("none");
        expect(prod["bbws:dr"]).to.not.equal("none");
        expect(problemsWith({ "bbws:tenants": [tenant(1, "basic")] })).to.deep.equal([]);
        expect(problemsWith({ "bbws:tenants": [tenant(1, "basic")] }, "prod")).to.deep.equal([]);
    });

    it("accepts enterprise where bbws:dr is none, and refuses it where bbws:dr is set, as premium", () => {
        expect(problemsWith({ "bbws:tenants": [tenant(1, "enterprise")] })).to.deep.equal([]);
        expect(parseConfig("dev", { ...dev, "bbws:tenants": [tenant(1, "enterprise")] }).tenants[0].tier).to.equal("enterprise");
        expect(problemsWith({ "bbws:tenants": [tenant(1, "enterprise")] }, "prod")).to.deep.equal([ownVpcWithDr("enterprise")]);
    });

    it("refuses an enterprise tenant whose id holds '--', which its cluster's RDS identifier cannot (RDS API reference, CreateDBCluster, DBClusterIdentifier)", () => {
        const id = { ...tenant(1, "enterprise"), id: "shop--one" };
        expect(problemsWith({ "bbws:tenants": [id] })).to.deep.equal([
            "bbws:tenants[0].tier: an enterprise tenant's Aurora cluster is named after its id (bbws-tenant-shop--one-aurora-dev), " +
                "and an RDS identifier cannot contain two consecutive hyphens (RDS API reference, CreateDBCluster, DBClusterIdentifier): " +
                "'shop--one' can be basic or premium only",
        ]);
        expect(problemsWith({ "bbws:tenants": [{ ...id, tier: "premium" }] })).to.deep.equal([]);
    });

    it("accepts premium where bbws:dr is none (dev's stack file), and parses it as premium", () => {
        expect(problemsWith({ "bbws:tenants": [tenant(1, "premium")] })).to.deep.equal([]);
        expect(parseConfig("dev", { ...dev, "bbws:tenants": [tenant(1, "premium")] }).tenants[0].tier).to.equal("premium");
    });

    it("refuses premium where bbws:dr is set (prod's stack file): its standby would run in the shared standby VPC", () => {
        expect(problemsWith({ "bbws:tenants": [tenant(1, "premium")] }, "prod")).to.deep.equal([ownVpcWithDr("premium")]);
    });

    it("refuses any other value, naming the key", () => {
        expect(problemsWith({ "bbws:tenants": [tenant(1, "gold")] }).join("\n")).to.match(/^bbws:tenants\[0\]\.tier: /);
    });

    it("refuses a premium or enterprise tenant whose own VPC would overlap the environment's VPC, and not a basic one", () => {
        const network = { ...dev["bbws:network"], vpcCidr: "10.64.0.0/16" };
        expect(problemsWith({ "bbws:network": network, "bbws:tenants": [tenant(1, "premium")] })).to.deep.equal([overlaps("premium")]);
        expect(problemsWith({ "bbws:network": network, "bbws:tenants": [tenant(1, "enterprise")] })).to.deep.equal([
            overlaps("enterprise"),
        ]);
        expect(problemsWith({ "bbws:network": network, "bbws:tenants": [tenant(1)] })).to.deep.equal([]);
    });
});
