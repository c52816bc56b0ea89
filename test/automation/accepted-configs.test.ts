/**
 * Every config the schema accepts must deploy: the whole program runs under the AWS model, which
 * refuses what AWS and the engine refuse (names over a limit or in a shape AWS rejects, auto-names
 * included, a name already taken, two resources under one URN). Configs are generated across the
 * whole range src/config.ts accepts, not two sample tenants.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { createPlatform } from "../../src/program";
import {
    ConfigError,
    fargateMemoryOptions,
    isStackName,
    MAX_TENANTS,
    parseConfig,
    PlatformConfig,
    RESERVED_TENANT_IDS,
    SUPPORTED_REGIONS,
    TENANT_TIERS,
} from "../../src/config";
import { runUnderMocks, DuplicateUrnError } from "../../automation/mock-run";
import { NameRuleError } from "../../automation/aws-name-rules";
import { ENVIRONMENTS, stackFileConfig } from "../support/pulumi";
import { domainEntries } from "../components/tenant-domains-arbitraries";

/** Runs the whole program for `cfg` under the AWS model; rejects as the engine or AWS would. */
async function deploy(cfg: PlatformConfig): Promise<void> {
    await runUnderMocks(
        {
            project: "bbws-platform",
            stack: cfg.env,
            model: { accountId: cfg.accountId, region: cfg.region, azCount: cfg.network.azCount },
        },
        () => createPlatform(cfg),
    );
}

/** A stack file's config with the stack renamed and the tenants replaced (raw, as in YAML). */
function rawConfig(base: (typeof ENVIRONMENTS)[number], env: string, tenants: object[]): Record<string, unknown> {
    const raw = stackFileConfig(base) as Record<string, any>;
    const tags = { ...raw["aws:defaultTags"].tags, Environment: env };
    return { ...raw, "aws:defaultTags": { tags }, "bbws:tenants": tenants };
}

/** The parsed config, or undefined when the schema refuses it (then there is nothing to deploy). */
function accepted(env: string, raw: Record<string, unknown>): PlatformConfig | undefined {
    try {
        return parseConfig(env, raw);
    } catch (err) {
        if (err instanceof ConfigError) return undefined;
        throw err;
    }
}

/** Words the platform itself uses in names: ids built from them probe for collisions with its own resources. */
const PLATFORM_WORDS = [
    "migration",
    "sessions",
    "secure",
    "auth",
    "key",
    "salt",
    "logged",
    "in",
    "nonce",
    "cpu",
    "memory",
    "scaling",
    "execution",
    "role",
    "task",
    "policy",
    "salts",
    "value",
    "logs",
    "tg",
    "rule",
    "dns",
    "service",
    "db",
    "password",
    "sg",
    "from",
    "alb",
    "to",
    "database",
    "cache",
    "efs",
    "https",
    "out",
    "wordpress",
    "repo",
    "lifecycle",
    "tenant",
    "exec",
    "ecs",
    "healthy",
    "targets",
    "aurora",
    "redis",
    "mount",
    "backup",
    "assets",
    "artifacts",
];

const label = (min: number, max: number) => fc.stringMatching(new RegExp(`^[a-z][a-z0-9-]{${min - 2},${max - 2}}[a-z0-9]$`));
const wordsId = fc.array(fc.constantFrom(...PLATFORM_WORDS), { minLength: 1, maxLength: 4 }).map((w) => w.join("-"));
const tenantId = fc.oneof(label(3, 23), wordsId, fc.constant("a".repeat(23)));
/** A DNS name of 1–4 labels under a TLD, up to about 200 characters: config refuses what a load balancer cannot route. */
const dnsName = fc
    .array(fc.stringMatching(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/), { minLength: 1, maxLength: 4 })
    .map((labels) => `${labels.join(".")}.io`);
const fargateSize = fc
    .constantFrom(256, 512, 1024, 2048, 4096, 8192, 16384)
    .chain((cpu) => fc.constantFrom(...fargateMemoryOptions(cpu)).map((memory) => ({ cpu, memory })));
const capacity = fc.option(fc.record({ minCapacity: fc.integer({ min: 0, max: 5 }), maxCapacity: fc.integer({ min: 1, max: 20 }) }), {
    nil: undefined,
});
const tenant = fc.record({
    id: tenantId,
    size: fargateSize,
    singleton: fc.boolean(),
    execEnabled: fc.boolean(),
    migrationSidecar: fc.boolean(),
    architecture: fc.constantFrom("X86_64", "ARM64"),
    containerPort: fc.integer({ min: 1, max: 65535 }),
    capacity,
    imageTag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/), { nil: undefined }),
    domains: domainEntries,
    tier: fc.constantFrom("basic", "premium", "enterprise"),
});
/** Ids made from another tenant's id and a word the platform uses, on either side: `exec-<id>`, `<id>-cpu`. */
const derivedIds = fc.array(fc.record({ from: fc.nat(), word: fc.constantFrom(...PLATFORM_WORDS), before: fc.boolean() }), {
    maxLength: 3,
});
const stackName = fc.oneof(
    fc.constantFrom(...ENVIRONMENTS),
    fc.stringMatching(/^[a-z][a-z0-9]{0,7}(-[a-z0-9]{1,7}){0,2}$/).filter(isStackName),
);
const vpc = fc
    .record({ octet: fc.integer({ min: 0, max: 255 }), prefix: fc.integer({ min: 16, max: 20 }), azCount: fc.constantFrom(2, 3) })
    .map(({ octet, prefix, azCount }) => ({ vpcCidr: `10.${octet}.0.0/${prefix}`, azCount }));
const email = fc.constantFrom("ops@bbws.io", "oncall@bbws.io", "a.very.long.name+alerts@platform.bbws.io");
const config = fc
    .record({
        base: fc.constantFrom(...ENVIRONMENTS),
        env: stackName,
        region: fc.constantFrom(...SUPPORTED_REGIONS),
        domain: fc.oneof(fc.constantFrom("bbws.io", "sit.bbws.io"), dnsName),
        vpc,
        alertEmails: fc.array(email, { maxLength: 3 }),
        ecsCapacity: fc.record({ minCapacity: fc.integer({ min: 0, max: 4 }), maxCapacity: fc.integer({ min: 1, max: 20 }) }),
        tenants: fc.array(tenant, { minLength: 1, maxLength: 8 }),
        derived: derivedIds,
        slots: fc.uniqueArray(fc.integer({ min: 1, max: 9999 }), { minLength: 11, maxLength: 11 }),
    })
    .map(({ base, env, region, domain, vpc, alertEmails, ecsCapacity, tenants, derived, slots }) => {
        const raw = rawConfig(base, env, []) as Record<string, any>;
        const shaped = tenants.map(({ size, imageTag, capacity, ...t }) => ({
            ...t,
            ...size,
            ...capacity,
            ...(imageTag ? { imageTag } : {}),
        }));
        const more = derived.map(({ from, word, before }) => {
            const source = shaped[from % shaped.length];
            return { ...source, id: before ? `${word}-${source.id}` : `${source.id}-${word}`, domains: [] };
        });
        const all = [...shaped, ...more].map((t, i) => ({ ...t, slot: slots[i] }));
        return {
            env,
            raw: {
                ...raw,
                "aws:region": region,
                "bbws:domain": domain,
                "bbws:network": { ...raw["bbws:network"], ...vpc },
                "bbws:ecs": { ...raw["bbws:ecs"], ...ecsCapacity },
                "bbws:monitoring": { ...raw["bbws:monitoring"], alertEmails },
                "bbws:tenants": all,
            },
        };
    });

describe("every config the schema accepts deploys (names, auto-names and URNs as AWS and the engine take them)", function () {
    this.timeout(180000);

    it("the longest ids, the highest slots and every option at once, in each environment", async () => {
        for (const base of ENVIRONMENTS) {
            // The longest stack names (16 characters, isStackName): they end RDS, Lambda and load balancer names.
            const env = `${base}-eu-west-1abc`.slice(0, 16);
            // 64 characters (a certificate's common name, ACM RequestCertificate), in our zone and in the owner's, issued.
            const longest = (i: number) => `${"d".repeat(40)}.${"e".repeat(9)}${String(i).padStart(2, "0")}.example.com`;
            const tenants = Array.from({ length: 12 }, (_, i) => ({
                id: `${"t".repeat(21)}${String(i).padStart(2, "0")}`,
                // Every tier where the environment takes it (premium and enterprise need bbws:dr none).
                tier: base === "prod" ? "basic" : TENANT_TIERS[i % TENANT_TIERS.length],
                slot: 9999 - i,
                cpu: 16384,
                memory: 122880,
                singleton: i % 2 === 0,
                execEnabled: true,
                migrationSidecar: true,
                domains: [
                    { name: longest(i), hostedZoneId: "Z0EXAMPLE12345" },
                    { name: `www${i}.example.com`, certificate: "issued" },
                ],
            }));
            const cfg = accepted(env, rawConfig(base, env, tenants));
            expect(cfg, `${env} config`).to.not.equal(undefined);
            await deploy(cfg!);
        }
    });

    it("two enterprise tenants, one's id the other's plus '-database' (found by the generated configs below: both routes were named network-a0a-database-to-platform-1)", async () => {
        // Source: the engine refuses two resources under one URN (pulumi/pulumi pkg/resource/deploy, "Duplicate resource URN");
        // components/tenant-vpc.ts names the enterprise route `to-platform-from-database`, which no other route's name ends.
        const tenants = ["a0a", "a0a-database"].map((id, i) => ({ id, tier: "enterprise", slot: i + 1, cpu: 256, memory: 512 }));
        await deploy(accepted("dev", rawConfig("dev", "dev", tenants))!);
    });

    it("the most tenants an environment takes (MAX_TENANTS)", async () => {
        const tenants = Array.from({ length: MAX_TENANTS }, (_, i) => ({ id: `tenant-${i}`, slot: i + 1, cpu: 256, memory: 512 }));
        await deploy(accepted("sit", rawConfig("sit", "sit", tenants))!);
    });

    it("generated configs across the schema's whole range", async () => {
        let deployed = 0;
        await fc.assert(
            fc.asyncProperty(config, async ({ env, raw }) => {
                const cfg = accepted(env, raw);
                fc.pre(cfg !== undefined);
                await deploy(cfg!);
                deployed++;
            }),
            { numRuns: 20 },
        );
        // The generators must mostly produce configs the schema accepts, or the property tests little.
        expect(deployed, "configs the schema accepted").to.be.at.least(10);
    });

    it("a tenant named after the platform's own resources is refused by config, not by the engine", () => {
        for (const id of Object.keys(RESERVED_TENANT_IDS)) {
            const raw = rawConfig("sit", "sit", [{ id, slot: 1, cpu: 512, memory: 1024 }]);
            expect(() => parseConfig("sit", raw), id).to.throw(ConfigError, /is reserved/);
        }
    });

    describe("the offline run refuses what the engine and AWS refuse", () => {
        it("two resources under one URN (the engine: 'Duplicate resource URN')", async () => {
            const pulumi = await import("@pulumi/pulumi");
            const run = runUnderMocks(
                { project: "p", stack: "dev", model: { accountId: "111111111111", region: "eu-west-1", azCount: 2 } },
                () => {
                    new pulumi.ComponentResource("bbws:test:Twice", "same");
                    new pulumi.ComponentResource("bbws:test:Twice", "same");
                },
            );
            await expectRejection(run, DuplicateUrnError, /Duplicate resource URN '.*bbws:test:Twice::same'/);
        });

        it("an auto-name over the type's limit (target groups: 32, pulumi-aws provider/aliases.go)", async () => {
            const aws = await import("@pulumi/aws");
            const run = runUnderMocks(
                { project: "p", stack: "dev", model: { accountId: "111111111111", region: "eu-west-1", azCount: 2 } },
                () => {
                    new aws.lb.TargetGroup("ecs-abcdefghijklmnopqr-tg", { port: 80, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1" });
                },
            );
            await expectRejection(
                run,
                NameRuleError,
                /auto-name 'ecs-abcdefghijklmnopqr-tg-' plus 7 random characters is 33 characters; at most 32/,
            );
        });

        it("a rule naming a group of another VPC that is not peered with it (EC2: InvalidGroup.NotFound); peered, it passes", async () => {
            const aws = await import("@pulumi/aws");
            const rules = (peer: boolean) =>
                runUnderMocks({ project: "p", stack: "dev", model: { accountId: "111111111111", region: "eu-west-1", azCount: 2 } }, () => {
                    const a = new aws.ec2.SecurityGroup("a", { vpcId: "vpc-0a" });
                    const b = new aws.ec2.SecurityGroup("b", { vpcId: "vpc-0b" });
                    const peering = peer
                        ? [new aws.ec2.VpcPeeringConnection("ab", { vpcId: "vpc-0a", peerVpcId: "vpc-0b", autoAccept: true })]
                        : [];
                    new aws.vpc.SecurityGroupIngressRule(
                        "a-from-b",
                        { securityGroupId: a.id, referencedSecurityGroupId: b.id, ipProtocol: "tcp", fromPort: 3306, toPort: 3306 },
                        { dependsOn: peering },
                    );
                });
            await expectRejection(
                rules(false),
                NameRuleError,
                /names group sg-[0-9a-f]{17} of vpc-0b, which is not peered with it; .*different networks/,
            );
            await rules(true);
        });

        it("a name AWS has already given out (IAM role names are unique in the account)", async () => {
            const aws = await import("@pulumi/aws");
            const run = runUnderMocks(
                { project: "p", stack: "dev", model: { accountId: "111111111111", region: "eu-west-1", azCount: 2 } },
                () => {
                    new aws.iam.Role("first", { name: "bbws-task-dev", assumeRolePolicy: "{}" });
                    // IAM does not distinguish names by case (CreateRole); the dependent policy's own failure must not crash the run.
                    const second = new aws.iam.Role("second", { name: "BBWS-Task-Dev", assumeRolePolicy: "{}" });
                    new aws.iam.RolePolicy("second-policy", { role: second.id, policy: "{}" });
                },
            );
            await expectRejection(run, NameRuleError, /name 'BBWS-Task-Dev' is already taken by resource 'first'/);
        });
    });
});

async function expectRejection(run: Promise<unknown>, type: new (...args: any[]) => Error, message: RegExp): Promise<void> {
    const err = await run.then(
        () => undefined,
        (e: unknown) => e,
    );
    expect(err, "the run was refused").to.be.instanceOf(type);
    expect((err as Error).message).to.match(message);
}
