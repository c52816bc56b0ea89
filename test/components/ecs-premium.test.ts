/**
 * A premium tenant in the ECS layer (README "Isolation tiers"; issue 21): its own load balancer, built
 * by the shared one's builder, in its own VPC's public subnets; its target group in that VPC; its
 * service and one-off task in that VPC's private subnets; its file system the one its access point
 * names. Basic tenants beside it keep the shared load balancer, VPC and file system. Each rule names
 * its source.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { EcsLayer, targetGroupName, TLS_POLICY } from "../../components/ecs";
import { tenantLoadBalancerLogsPrefix, tenantLoadBalancerName } from "../../components/load-balancer";
import type { TenantVpcOutputs } from "../../components/tenant-vpc";
import { isNameRule, NAME_RULES, nameProblems, NameRuleError } from "../../automation/aws-name-rules";
import { createAwsModel } from "../../automation/aws-model";
import { OFFBOARDING_TAG, PlatformConfig } from "../../src/config";
import { configFor, construct, named, ofType, promiseOf, Registration, stackFileConfig } from "../support/pulumi";
import { buildEcs, upstreamFor } from "./ecs-fixtures";

const OUR_ZONE = "Z0OURZONE12345";

/** A premium tenant's network as the network layer would hand it over: its own VPC, subnets and groups. */
function fakeTenantVpc(n: number): TenantVpcOutputs {
    const hex = (prefix: string, i: number) => `${prefix}-0${n}${String(i).padStart(15, "0")}`;
    return {
        vpcId: pulumi.output(hex("vpc", 0)),
        cidrBlock: `10.${200 + n}.0.0/22`,
        publicSubnetIds: pulumi.output([hex("subnet", 1), hex("subnet", 2)]),
        privateSubnetIds: pulumi.output([hex("subnet", 3), hex("subnet", 4)]),
        isolatedSubnetIds: pulumi.output([hex("subnet", 7), hex("subnet", 8)]),
        loadBalancerSecurityGroupId: pulumi.output(hex("sg", 5)),
        fileSystemSecurityGroupId: pulumi.output(hex("sg", 6)),
    };
}

/** dev with the given tenants made premium; the first premium one serves a custom domain from our zone. */
function devWithPremium(premium: readonly string[]): PlatformConfig {
    const raw = stackFileConfig("dev");
    const tenants = (raw["bbws:tenants"] as Array<Record<string, unknown>>).map((t, i) =>
        premium.includes(t.id as string)
            ? { ...t, tier: "premium", ...(i === 0 && { domains: [{ name: "shop.example.com", hostedZoneId: OUR_ZONE }] }) }
            : t,
    );
    return configFor("dev", { "bbws:tenants": tenants });
}

/** The upstream values, with each premium tenant's own VPC and its access point on a file system of its own. */
function premiumUpstream(cfg: PlatformConfig) {
    const up = upstreamFor(cfg);
    const premium = cfg.tenants.filter((t) => t.tier === "premium");
    const fileSystemIds = Object.fromEntries(premium.map((t, i) => [t.id, `fs-0${i + 1}${"0".repeat(15)}`]));
    return {
        up,
        premium,
        fileSystemIds,
        build: () => {
            const tenantVpcs = Object.fromEntries(premium.map((t, i) => [t.id, fakeTenantVpc(i + 1)]));
            const accessPoints = Object.fromEntries(
                Object.entries(up.accessPoints).map(([id, ap]) => [
                    id,
                    id in fileSystemIds ? { ...ap, fileSystemId: fileSystemIds[id] } : ap,
                ]),
            );
            return { layer: buildEcs(cfg, { tenantVpcs, accessPoints }), tenantVpcs };
        },
    };
}

describe("ecs layer: a premium tenant on its own load balancer in its own VPC (README 'Isolation tiers')", () => {
    const cfg = devWithPremium(["aupairhive"]);
    const [premium, basic] = cfg.tenants;
    const { up, fileSystemIds, build } = premiumUpstream(cfg);
    let resources: Registration[];
    let layer: EcsLayer;
    let vpc: TenantVpcOutputs;
    let vpcIds: { vpcId: string; publicSubnetIds: string[]; privateSubnetIds: string[]; loadBalancerSecurityGroupId: string };

    before(async () => {
        let vpcs: Record<string, TenantVpcOutputs> = {};
        ({ resources } = await construct(cfg, () => {
            const built = build();
            layer = built.layer;
            vpcs = built.tenantVpcs;
        }));
        vpc = vpcs[premium.id];
        vpcIds = {
            vpcId: await promiseOf(vpc.vpcId),
            publicSubnetIds: await promiseOf(vpc.publicSubnetIds),
            privateSubnetIds: await promiseOf(vpc.privateSubnetIds),
            loadBalancerSecurityGroupId: await promiseOf(vpc.loadBalancerSecurityGroupId),
        };
    });

    const own = (suffix: string) => named(resources, `ecs-${premium.id}-${suffix}`);

    describe("its load balancer", () => {
        it("is built by the shared one's builder: the same settings but name, subnets, group and log prefix (components/load-balancer.ts)", () => {
            const shared = named(resources, "ecs-alb").inputs;
            const mine = own("alb").inputs;
            const { name, subnets, securityGroups, accessLogs, tags, ...same } = mine;
            const { name: _n, subnets: _s, securityGroups: _g, accessLogs: sharedLogs, ...sharedSame } = shared;
            expect(same).to.deep.equal(sharedSame);
            expect(same).to.include({ internal: false, loadBalancerType: "application", dropInvalidHeaderFields: true });
            expect(same.enableDeletionProtection).to.equal(cfg.ecs.albDeletionProtection);
            expect(accessLogs).to.deep.equal({ ...sharedLogs, prefix: tenantLoadBalancerLogsPrefix(premium.id) });
            expect(tags).to.deep.equal({ Tenant: premium.id });
            expect(name).to.equal(tenantLoadBalancerName(cfg.env, premium.id, premium.slot));
        });

        it("stands in the tenant's public subnets with the tenant's load balancer group, nothing of the shared VPC", () => {
            const mine = own("alb").inputs;
            expect(mine.subnets).to.deep.equal(vpcIds.publicSubnetIds);
            expect(mine.securityGroups).to.deep.equal([vpcIds.loadBalancerSecurityGroupId]);
        });

        it("serves HTTPS with the shared listener's TLS policy, certificate and 404 default, and redirects HTTP to HTTPS as the shared one does", () => {
            for (const listener of ["https", "http"]) {
                const { loadBalancerArn, ...mine } = own(listener).inputs;
                const { loadBalancerArn: sharedArn, ...shared } = named(resources, `ecs-${listener}`).inputs;
                expect(mine, listener).to.deep.equal(shared);
                expect(loadBalancerArn).not.to.equal(sharedArn);
            }
            expect(own("https").inputs).to.include({ sslPolicy: TLS_POLICY, port: 443 });
        });

        it("logs under tenants/<id>/alb, which the logs bucket's delivery statement (any prefix, then AWSLogs/<account>/) admits", () => {
            const prefix = tenantLoadBalancerLogsPrefix(premium.id);
            expect(prefix).to.equal(`tenants/${premium.id}/alb`);
            // ELB writes <prefix>/AWSLogs/<account>/elasticloadbalancing/… and refuses a prefix holding "AWSLogs"
            // (ELB user guide, "Access logs for your Application Load Balancer", "Access log files"); no slash at
            // either end, or the key would have an empty segment.
            expect(prefix).not.to.match(/AWSLogs|^\/|\/$/);
        });

        it("is refused offline, as ELB refuses it, with a log prefix holding AWSLogs (automation/aws-model.ts)", () => {
            // A model per registration: it also refuses a second load balancer of one name.
            const model = () => createAwsModel({ accountId: cfg.accountId, region: cfg.region, azCount: 2 });
            const alb = (prefix: string) => ({
                type: "aws:lb/loadBalancer:LoadBalancer",
                name: "ecs-x-alb",
                inputs: { name: "bbws-x-0a1b2c3d", accessLogs: { bucket: "b", prefix, enabled: true } },
                custom: true,
            });
            expect(() => model().newResource(alb("tenants/x/AWSLogs") as any)).to.throw(NameRuleError, /contains "AWSLogs"/);
            expect(() => model().newResource(alb(tenantLoadBalancerLogsPrefix("x")) as any)).not.to.throw();
        });
    });

    describe("its deletion protection (ELB user guide, 'Delete an Application Load Balancer': refused while it is on)", () => {
        const withProtection = (state: { stopped?: boolean; offboarding?: boolean }) => {
            const raw = devWithPremium(["aupairhive"]);
            return {
                ...raw,
                ecs: { ...raw.ecs, albDeletionProtection: true },
                tenants: raw.tenants.map((t, i) => (i === 0 ? { ...t, ...state } : t)),
            };
        };
        const protectionOf = async (c: PlatformConfig) => {
            const { build: b } = premiumUpstream(c);
            const { resources: r } = await construct(c, () => void b());
            const own = named(r, `ecs-${premium.id}-alb`).inputs;
            return {
                own: own.enableDeletionProtection,
                offboardingTag: own.tags?.[OFFBOARDING_TAG],
                shared: named(r, "ecs-alb").inputs.enableDeletionProtection,
            };
        };

        it("is the environment's while the tenant serves, and while it is only stopped (a tier migration, maintenance)", async () => {
            expect(await protectionOf(withProtection({}))).to.deep.equal({ own: true, offboardingTag: undefined, shared: true });
            expect(await protectionOf(withProtection({ stopped: true }))).to.deep.equal({
                own: true,
                offboardingTag: undefined,
                shared: true,
            });
        });

        it("is off, tagged Offboarding, once remove marks it offboarding (stop first, delete last); the shared one keeps it", async () => {
            expect(await protectionOf(withProtection({ stopped: true, offboarding: true }))).to.deep.equal({
                own: false,
                offboardingTag: "true",
                shared: true,
            });
        });
    });

    describe("its name (ELB CreateLoadBalancer: at most 32 characters, unique in the account and region, not 'internal-…')", () => {
        const rule = NAME_RULES["aws:lb/loadBalancer:LoadBalancer"];
        if (!isNameRule(rule)) throw new Error("the load balancer has a name rule");
        const id = fc.stringMatching(/^[a-z][a-z0-9-]{0,61}[a-z0-9]$/);

        it("is a name ELB accepts for any tenant id, `internal` included (automation/aws-name-rules.ts)", () => {
            fc.assert(
                fc.property(id, fc.integer({ min: 1, max: 50_000 }), (tenantId, slot) => {
                    expect(nameProblems(rule, "x", { name: tenantLoadBalancerName("prod", tenantId, slot) })).to.deep.equal([]);
                }),
            );
            expect(nameProblems(rule, "x", { name: tenantLoadBalancerName("prod", "internal", 3) })).to.deep.equal([]);
        });

        it("differs for two tenants sharing their first 18 characters, and for one slot in two environments of one account", () => {
            const long = "a-very-long-tenant-id";
            expect(tenantLoadBalancerName("dev", `${long}-1`, 1)).not.to.equal(tenantLoadBalancerName("dev", `${long}-2`, 2));
            expect(tenantLoadBalancerName("dev", "shop", 1)).not.to.equal(tenantLoadBalancerName("sit", "shop", 1));
        });

        it("never spells the shared load balancer's bbws-alb-<env>", () => {
            for (const env of ["dev", "sit", "prod"]) {
                fc.assert(
                    fc.property(
                        fc.integer({ min: 1, max: 50_000 }),
                        (slot) => tenantLoadBalancerName(env, "alb", slot) !== `bbws-alb-${env}`,
                    ),
                );
            }
        });
    });

    describe("its target group, rule and records", () => {
        it("puts the target group in the tenant's VPC: ECS registers Fargate tasks only in a group of their own VPC (aws/containers-roadmap#1107)", () => {
            const tg = own("tg").inputs;
            expect(tg.vpcId).to.equal(vpcIds.vpcId);
            expect(tg.name).to.equal(
                targetGroupName(premium.id, premium.slot, {
                    targetType: "ip",
                    protocol: "HTTP",
                    port: premium.containerPort,
                    vpcId: vpcIds.vpcId,
                }),
            );
            expect(named(resources, `ecs-${basic.id}-tg`).inputs.vpcId).to.equal(up.vpcId);
        });

        it("hangs the tenant's listener rule on its own HTTPS listener at its slot, the basic tenant's on the shared one", () => {
            const rule = own("rule");
            expect(rule.inputs.priority).to.equal(premium.slot);
            expect(rule.propertyDependencies.listenerArn).to.deep.equal([own("https").urn]);
            expect(named(resources, `ecs-${basic.id}-rule`).propertyDependencies.listenerArn).to.deep.equal([
                named(resources, "ecs-https").urn,
            ]);
        });

        it("attaches its custom domains' certificates to its own listener, and aliases <id>.<domain> and its domains to its own load balancer", async () => {
            const certs = ofType(resources, "aws:lb/listenerCertificate:ListenerCertificate").filter((c) =>
                c.name.startsWith(`ecs-${premium.id}.`),
            );
            expect(certs).to.have.length(1);
            expect(certs[0].propertyDependencies.listenerArn).to.deep.equal([own("https").urn]);
            const dnsName = await promiseOf(layer.tenantLoadBalancers[premium.id].dnsName);
            const aliases = ofType(resources, "aws:route53/record:Record").filter((r) =>
                [premium.hostnames[0], "shop.example.com"].includes(r.inputs.name),
            );
            expect(aliases.map((r) => r.inputs.name)).to.have.members([premium.hostnames[0], "shop.example.com"]);
            for (const r of aliases) expect(r.inputs.aliases[0].name, r.inputs.name).to.equal(dnsName);
            const basicAlias = ofType(resources, "aws:route53/record:Record").find((r) => r.inputs.name === basic.hostnames[0])!;
            expect(basicAlias.inputs.aliases[0].name).to.equal(await promiseOf(layer.loadBalancerDnsName));
        });
    });

    describe("its tasks", () => {
        it("runs the service in the tenant's private subnets with its task group, no public IP", () => {
            const net = own("service").inputs.networkConfiguration;
            expect(net).to.deep.equal({
                subnets: vpcIds.privateSubnetIds,
                securityGroups: [up.tenantSecurityGroupIds[premium.id]],
                assignPublicIp: false,
            });
            expect(named(resources, `ecs-${basic.id}-service`).inputs.networkConfiguration.subnets).to.deep.equal(up.privateSubnetIds);
        });

        it("mounts the file system its access point names, its own: Fargate mounts only a file system of its own VPC (AWS knowledge center ecs-fargate-mount-efs-containers-tasks)", () => {
            for (const td of [own("task"), own("migration")]) {
                const efs = td.inputs.volumes.find((v: any) => v.efsVolumeConfiguration).efsVolumeConfiguration;
                expect(efs.fileSystemId, td.name).to.equal(fileSystemIds[premium.id]);
                expect(efs.authorizationConfig.accessPointId).to.equal(up.accessPoints[premium.id].id);
            }
            const basicTd = named(resources, `ecs-${basic.id}-task`).inputs.volumes.find((v: any) => v.efsVolumeConfiguration);
            expect(basicTd.efsVolumeConfiguration.fileSystemId).to.equal(up.fileSystemId);
        });

        it("grants the task role EFS mount and write on its own file system only, through its access point", () => {
            const policy = JSON.parse(own("task-role-policy").inputs.policy);
            const efs = policy.Statement.filter((s: any) => JSON.stringify(s.Action).includes("elasticfilesystem:"));
            expect(efs.length).to.be.greaterThan(0);
            for (const s of efs) {
                expect(s.Resource).to.equal(
                    `arn:aws:elasticfilesystem:${cfg.region}:${cfg.accountId}:file-system/${fileSystemIds[premium.id]}`,
                );
                expect(s.Condition.StringEquals["elasticfilesystem:AccessPointArn"]).to.equal(up.accessPoints[premium.id].arn);
            }
            expect(JSON.stringify(policy)).not.to.contain(up.fileSystemId);
        });

        it("hands npm run task the tenant's own private subnets with its one-off task (RunTask: groups of the subnets' VPC); a basic tenant's has none of its own", async () => {
            expect(await promiseOf(layer.oneOffTasks.tenants[premium.id].subnetIds!)).to.deep.equal(vpcIds.privateSubnetIds);
            expect(layer.oneOffTasks.tenants[basic.id].subnetIds).to.equal(undefined);
            expect(layer.oneOffTasks.platform.subnetIds).to.equal(undefined);
        });
    });

    it("exposes its own load balancer to monitoring and the stack outputs, and none for a basic tenant", async () => {
        expect(Object.keys(layer.tenantLoadBalancers)).to.deep.equal([premium.id]);
        const name = tenantLoadBalancerName(cfg.env, premium.id, premium.slot);
        expect(await promiseOf(layer.tenantLoadBalancers[premium.id].arnSuffix)).to.match(new RegExp(`^app/${name}/[0-9a-f]{16}$`));
        expect(await promiseOf(layer.tenantLoadBalancers[premium.id].arn)).to.match(new RegExp(`:loadbalancer/app/${name}/[0-9a-f]{16}$`));
    });
});

describe("ecs layer: isolation between tiers (every pair: basic/basic, basic/premium, premium/premium)", () => {
    const cfg = devWithPremium([]);
    const raw = stackFileConfig("dev");
    const extra = { id: "pressroom", slot: 3, cpu: 256, memory: 512 };
    const tenants = [...(raw["bbws:tenants"] as Array<Record<string, unknown>>), extra, { ...extra, id: "quarry", slot: 4 }];
    // aupairhive, tutorhub basic; pressroom, quarry premium.
    const mixed = configFor("dev", {
        "bbws:tenants": tenants.map((t) => (["pressroom", "quarry"].includes(t.id as string) ? { ...t, tier: "premium" } : t)),
    });
    const { up, fileSystemIds, build } = premiumUpstream(mixed);
    let resources: Registration[];

    before(async () => {
        ({ resources } = await construct(mixed, () => build()));
    });

    it("gives no tenant's task or execution role anything of another's: access point, file system of its own, prefix, secrets, log group", () => {
        expect(cfg.tenants.every((t) => t.tier === "basic")).to.equal(true);
        const tiers = new Set(mixed.tenants.map((t) => t.tier));
        expect([...tiers].sort()).to.deep.equal(["basic", "premium"]);
        for (const a of mixed.tenants) {
            const roles = [`ecs-${a.id}-task-role-policy`, `ecs-${a.id}-execution-role-policy`].map(
                (n) => named(resources, n).inputs.policy,
            );
            for (const b of mixed.tenants.filter((t) => t.id !== a.id)) {
                const pair = `${a.id} (${a.tier}) → ${b.id} (${b.tier})`;
                for (const text of roles) {
                    expect(text, pair).not.to.contain(up.accessPoints[b.id].arn);
                    expect(text, pair).not.to.contain(`tenants/${b.id}/`);
                    expect(text, pair).not.to.contain(up.tenantDbSecrets[b.id].arn);
                    expect(text, pair).not.to.contain(`/aws/ecs/bbws-dev/${b.id}:`);
                    if (b.id in fileSystemIds) expect(text, pair).not.to.contain(fileSystemIds[b.id]);
                }
            }
        }
    });

    it("gives each premium tenant its own load balancer, target group VPC and task subnets, shared with no other tenant", () => {
        const premiumIds = Object.keys(fileSystemIds);
        expect(premiumIds).to.deep.equal(["pressroom", "quarry"]);
        const names = ofType(resources, "aws:lb/loadBalancer:LoadBalancer").map((l) => l.inputs.name);
        expect(new Set(names).size).to.equal(1 + premiumIds.length);
        const vpcOf = (id: string) => named(resources, `ecs-${id}-tg`).inputs.vpcId;
        const subnetsOf = (id: string) => JSON.stringify(named(resources, `ecs-${id}-service`).inputs.networkConfiguration.subnets);
        for (const a of premiumIds) {
            for (const b of mixed.tenants.filter((t) => t.id !== a)) {
                expect(vpcOf(a), `${a} / ${b.id}`).not.to.equal(vpcOf(b.id));
                expect(subnetsOf(a), `${a} / ${b.id}`).not.to.equal(subnetsOf(b.id));
            }
        }
    });
});

describe("ecs layer: refuses a premium tenant it cannot place", () => {
    const refusal = async (cfg: PlatformConfig, build: () => unknown) =>
        construct(cfg, build).then(
            () => undefined,
            (err: Error) => err.message,
        );

    it("refuses a premium tenant without its own VPC, rather than serve it from the shared one", async () => {
        const cfg = devWithPremium(["aupairhive"]);
        expect(await refusal(cfg, () => buildEcs(cfg))).to.equal(
            "`tenantVpcs` has no entry for premium or enterprise tenant(s) aupairhive",
        );
    });

    it("refuses a VPC for a tenant that is not premium", async () => {
        const cfg = configFor("dev");
        expect(await refusal(cfg, () => buildEcs(cfg, { tenantVpcs: { tutorhub: fakeTenantVpc(1) } }))).to.equal(
            "`tenantVpcs` names tenant(s) that are neither premium nor enterprise here: tutorhub",
        );
    });

    it("refuses a premium tenant whose access point names no file system: the shared one is in another VPC", async () => {
        const cfg = devWithPremium(["aupairhive"]);
        expect(await refusal(cfg, () => buildEcs(cfg, { tenantVpcs: { aupairhive: fakeTenantVpc(1) } }))).to.match(
            /`accessPoints.aupairhive` names no `fileSystemId`: premium tenant aupairhive needs its own file system in its own VPC/,
        );
    });
});
