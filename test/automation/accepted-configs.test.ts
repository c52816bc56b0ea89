/**
 * Every config the schema accepts must deploy: the whole program runs under the AWS model, which
 * refuses what AWS and the engine refuse (names over a limit or in a shape AWS rejects, auto-names
 * included, a name already taken, two resources under one URN). Configs are generated across the
 * whole range src/config.ts accepts, not two sample tenants.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { createPlatform } from "../../src/program";
import { ConfigError, fargateMemoryOptions, isStackName, parseConfig, PlatformConfig, RESERVED_TENANT_IDS } from "../../src/config";
import { runUnderMocks, DuplicateUrnError } from "../../automation/mock-run";
import { NameRuleError } from "../../automation/aws-name-rules";
import { ENVIRONMENTS, stackFileConfig } from "../support/pulumi";

/** Runs the whole program for `cfg` under the AWS model; rejects as the engine or AWS would. */
async function deploy(cfg: PlatformConfig): Promise<void> {
    await runUnderMocks({
        project: "bbws-platform",
        stack: cfg.env,
        model: { accountId: cfg.accountId, region: cfg.region, azCount: cfg.network.azCount },
    }, () => createPlatform(cfg));
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
    "migration", "sessions", "secure", "auth", "key", "salt", "logged", "in", "nonce", "cpu", "memory", "scaling",
    "execution", "role", "task", "policy", "salts", "value", "logs", "tg", "rule", "dns", "service", "db", "password",
    "sg", "from", "alb", "to", "database", "cache", "efs", "https", "out", "wordpress", "repo", "lifecycle", "tenant",
    "exec", "ecs", "healthy", "targets", "aurora", "redis", "mount", "backup", "assets", "artifacts",
];

const label = (min: number, max: number) => fc.stringMatching(new RegExp(`^[a-z][a-z0-9-]{${min - 2},${max - 2}}[a-z0-9]$`));
const wordsId = fc.array(fc.constantFrom(...PLATFORM_WORDS), { minLength: 1, maxLength: 4 }).map((w) => w.join("-"));
const tenantId = fc.oneof(label(3, 29), wordsId, fc.constant("a".repeat(29)));
const fargateSize = fc.constantFrom(256, 512, 1024, 2048, 4096, 8192, 16384)
    .chain((cpu) => fc.constantFrom(...fargateMemoryOptions(cpu)).map((memory) => ({ cpu, memory })));
const tenant = fc.record({
    id: tenantId,
    size: fargateSize,
    singleton: fc.boolean(),
    execEnabled: fc.boolean(),
    migrationSidecar: fc.boolean(),
    architecture: fc.constantFrom("X86_64", "ARM64"),
    imageTag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/), { nil: undefined }),
    domains: fc.array(fc.stringMatching(/^[a-z][a-z0-9]{0,20}\.example\.com$/), { maxLength: 4 }),
});
const stackName = fc.oneof(fc.constantFrom(...ENVIRONMENTS), fc.stringMatching(/^[a-z][a-z0-9]{0,7}(-[a-z0-9]{1,7}){0,2}$/).filter(isStackName));
const config = fc.record({
    base: fc.constantFrom(...ENVIRONMENTS),
    env: stackName,
    tenants: fc.array(tenant, { minLength: 1, maxLength: 6 }),
    slots: fc.uniqueArray(fc.integer({ min: 1, max: 9999 }), { minLength: 6, maxLength: 6 }),
}).map(({ base, env, tenants, slots }) => ({
    env,
    raw: rawConfig(base, env, tenants.map(({ size, imageTag, ...t }, i) => ({ ...t, ...size, slot: slots[i], ...(imageTag ? { imageTag } : {}) }))),
}));

describe("every config the schema accepts deploys (names, auto-names and URNs as AWS and the engine take them)", function () {
    this.timeout(180000);

    it("the longest ids, the highest slots and every option at once, in each environment", async () => {
        for (const base of ENVIRONMENTS) {
            const env = base === "prod" ? "prod-eu-west-1a" : base;
            const tenants = Array.from({ length: 12 }, (_, i) => ({
                id: `${"t".repeat(27)}${String(i).padStart(2, "0")}`, slot: 9999 - i, cpu: 16384, memory: 122880,
                singleton: i % 2 === 0, execEnabled: true, migrationSidecar: true, domains: [`www${i}.example.com`],
            }));
            const cfg = accepted(env, rawConfig(base, env, tenants));
            expect(cfg, `${env} config`).to.not.equal(undefined);
            await deploy(cfg!);
        }
    });

    it("generated configs across the schema's whole range", async () => {
        await fc.assert(fc.asyncProperty(config, async ({ env, raw }) => {
            const cfg = accepted(env, raw);
            fc.pre(cfg !== undefined);
            await deploy(cfg!);
        }), { numRuns: 25 });
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
            const run = runUnderMocks({ project: "p", stack: "dev", model: { accountId: "111111111111", region: "eu-west-1", azCount: 2 } }, () => {
                new pulumi.ComponentResource("bbws:test:Twice", "same");
                new pulumi.ComponentResource("bbws:test:Twice", "same");
            });
            await expectRejection(run, DuplicateUrnError, /Duplicate resource URN '.*bbws:test:Twice::same'/);
        });

        it("an auto-name over the type's limit (target groups: 32, pulumi-aws provider/aliases.go)", async () => {
            const aws = await import("@pulumi/aws");
            const run = runUnderMocks({ project: "p", stack: "dev", model: { accountId: "111111111111", region: "eu-west-1", azCount: 2 } }, () => {
                new aws.lb.TargetGroup("ecs-abcdefghijklmnopqr-tg", { port: 80, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1" });
            });
            await expectRejection(run, NameRuleError, /auto-name 'ecs-abcdefghijklmnopqr-tg-' plus 7 random characters is 33 characters; at most 32/);
        });

        it("a name AWS has already given out (IAM role names are unique in the account)", async () => {
            const aws = await import("@pulumi/aws");
            const run = runUnderMocks({ project: "p", stack: "dev", model: { accountId: "111111111111", region: "eu-west-1", azCount: 2 } }, () => {
                new aws.iam.Role("first", { name: "bbws-task-dev", assumeRolePolicy: "{}" });
                new aws.iam.Role("second", { name: "bbws-task-dev", assumeRolePolicy: "{}" });
            });
            await expectRejection(run, NameRuleError, /name 'bbws-task-dev' is already taken by resource 'first'/);
        });
    });
});

async function expectRejection(run: Promise<unknown>, type: new (...args: any[]) => Error, message: RegExp): Promise<void> {
    const err = await run.then(() => undefined, (e: unknown) => e);
    expect(err, "the run was refused").to.be.instanceOf(type);
    expect((err as Error).message).to.match(message);
}
