import { expect } from "chai";
import {
    cidrsOverlap,
    ConfigError,
    decodeConfigValue,
    isPrivateVpcCidr,
    isStackName,
    isValidFargateSize,
    parseConfig,
    PlatformConfig,
} from "../../src/config";
import { AWS_PROVIDER_CONFIG_KEYS } from "../../src/aws-provider-config";
import { configFor, ENVIRONMENTS, stackFileConfig } from "../support/pulumi";

/** The facts every stack file must agree with (issue #2's table). */
const ENVIRONMENT_FACTS = {
    dev: { account: "536580886816", region: "eu-west-1", domain: "dev.bbws.io", cidr: "10.10.0.0/16", azs: 2, nat: "single" },
    sit: { account: "815856636111", region: "eu-west-1", domain: "sit.bbws.io", cidr: "10.20.0.0/16", azs: 2, nat: "single" },
    prod: { account: "093646564004", region: "af-south-1", domain: "bbws.io", cidr: "10.30.0.0/16", azs: 3, nat: "onePerAz" },
} as const;

/** Parses dev's stack file with some raw keys changed; returns the reported problems (none: []). */
function problemsWith(changes: Record<string, unknown>, stack = "dev"): string[] {
    try {
        parseConfig(stack, { ...stackFileConfig("dev"), ...changes });
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
}

const dev = stackFileConfig("dev") as Record<string, any>;
const withNetwork = (patch: object) => ({ "bbws:network": { ...dev["bbws:network"], ...patch } });
const withTenants = (...tenants: object[]) => ({ "bbws:tenants": tenants });
const tenant = (patch: object = {}) => ({ id: "aupairhive", slot: 1, cpu: 512, memory: 1024, ...patch });

describe("configuration", () => {
    describe("the stack files", () => {
        for (const env of ENVIRONMENTS) {
            it(`${env}: account, region, domain, CIDR, AZs and NAT match the agreed table`, () => {
                const cfg = configFor(env);
                const facts = ENVIRONMENT_FACTS[env];
                expect(cfg.accountId).to.equal(facts.account);
                expect(cfg.region).to.equal(facts.region);
                expect(cfg.domain).to.equal(facts.domain);
                expect(cfg.network.vpcCidr).to.equal(facts.cidr);
                expect(cfg.network.azCount).to.equal(facts.azs);
                expect(cfg.network.natStrategy).to.equal(facts.nat);
            });

            it(`${env}: pins the provider to its one account and tags every resource for cost allocation`, () => {
                const raw = stackFileConfig(env) as Record<string, any>;
                expect(raw["aws:allowedAccountIds"]).to.deep.equal([ENVIRONMENT_FACTS[env].account]);
                expect(raw["aws:defaultTags"].tags).to.include({ Project: "bbws-platform", Environment: env, ManagedBy: "pulumi" });
            });

            it(`${env}: has at least two sample tenants`, () => {
                expect(configFor(env).tenants.length).to.be.at.least(2);
            });
        }

        it("no two environments' VPC ranges overlap", () => {
            const cidrs = ENVIRONMENTS.map((env) => [env, configFor(env).network.vpcCidr] as const);
            for (const [a, ca] of cidrs) {
                for (const [b, cb] of cidrs) {
                    if (a < b) expect(cidrsOverlap(ca, cb), `${a} ${ca} overlaps ${b} ${cb}`).to.equal(false);
                }
            }
        });

        it("each stack names a KMS secrets provider of its own for a self-managed backend", () => {
            const fs = require("fs") as typeof import("fs");
            for (const env of ENVIRONMENTS) {
                const text = fs.readFileSync(`${__dirname}/../../Pulumi.${env}.yaml`, "utf8");
                expect(text).to.match(
                    new RegExp(`^secretsprovider: awskms://alias/bbws-pulumi-${env}\\?region=${ENVIRONMENT_FACTS[env].region}$`, "m"),
                );
            }
        });

        it("protects stateful resources in sit and prod but not in dev, as data", () => {
            expect(configFor("dev").protection).to.include({ protect: false, retainOnDelete: false });
            expect(configFor("sit").protection.protect).to.equal(true);
            expect(configFor("prod").protection).to.include({ protect: true, retainOnDelete: true });
        });

        it("prod runs at least two Aurora instances and sit two", () => {
            expect(configFor("prod").database.instances).to.be.at.least(2);
            expect(configFor("sit").database.instances).to.equal(2);
            expect(configFor("dev").database.instances).to.equal(1);
        });
    });

    describe("the result", () => {
        let cfg: PlatformConfig;
        before(() => {
            cfg = configFor("sit");
        });

        it("is frozen all the way down", () => {
            expect(Object.isFrozen(cfg)).to.equal(true);
            expect(Object.isFrozen(cfg.network)).to.equal(true);
            expect(Object.isFrozen(cfg.tenants[0])).to.equal(true);
            expect(Object.isFrozen(cfg.tenants[0].hostnames)).to.equal(true);
        });

        it("fills documented defaults", () => {
            expect(cfg.database.engineVersion).to.match(/^8\.0\.mysql_aurora\./);
            expect(cfg.ecs.cpuTargetPercent).to.equal(70);
            expect(cfg.monitoring.thresholds.ecsCpuPercent).to.equal(80);
            expect(cfg.monitoring.thresholds.auroraConnections).to.equal(900);
            // Non-root without CAP_NET_BIND_SERVICE: the image contract listens on 8080 (README).
            expect(cfg.tenants[1].containerPort).to.equal(8080);
        });

        it("derives each tenant's POSIX id and hostnames from its slot and the domain", () => {
            const t = cfg.tenants.find((x) => x.id === "aupairhive")!;
            expect(t.posixId).to.equal(20001);
            expect(t.hostnames).to.deep.equal(["aupairhive.sit.bbws.io", "sit.aupairhive.com"]);
            expect(t.imageTag).to.equal(cfg.ecs.imageTag);
        });

        it("keeps a tenant's POSIX id when another tenant is removed", () => {
            const raw = stackFileConfig("sit") as Record<string, any>;
            const without = parseConfig("sit", { ...raw, "bbws:tenants": raw["bbws:tenants"].slice(1) });
            expect(without.tenants[0].posixId).to.equal(cfg.tenants[1].posixId);
        });
    });

    describe("refuses bad config, naming the key and what was expected", () => {
        const cases: Array<[string, Record<string, unknown>, RegExp]> = [
            ["a public VPC range", withNetwork({ vpcCidr: "8.8.0.0/16" }), /bbws:network\.vpcCidr: a private \(RFC 1918\)/],
            ["a VPC range larger than /16", withNetwork({ vpcCidr: "10.0.0.0/8" }), /bbws:network\.vpcCidr/],
            ["a VPC range smaller than /20", withNetwork({ vpcCidr: "10.10.0.0/24" }), /bbws:network\.vpcCidr/],
            ["a misaligned VPC range", withNetwork({ vpcCidr: "10.10.1.0/16" }), /bbws:network\.vpcCidr/],
            ["one AZ", withNetwork({ azCount: 1 }), /bbws:network\.azCount: 2 or 3/],
            ["four AZs", withNetwork({ azCount: 4 }), /bbws:network\.azCount: 2 or 3/],
            ["an unknown NAT strategy", withNetwork({ natStrategy: "perSubnet" }), /bbws:network\.natStrategy: .*'single' \| 'onePerAz'/],
            ["an upper-case tenant id", withTenants(tenant({ id: "AuPair" })), /bbws:tenants\[0\]\.id: a DNS label/],
            ["a two-letter tenant id", withTenants(tenant({ id: "ab" })), /bbws:tenants\[0\]\.id: a DNS label/],
            ["a 33-letter tenant id", withTenants(tenant({ id: "a".repeat(33) })), /bbws:tenants\[0\]\.id: a DNS label/],
            [
                "a 24-letter tenant id (its rotated MySQL user wp_<id>_clone would pass 32)",
                withTenants(tenant({ id: "a".repeat(24) })),
                /bbws:tenants\[0\]\.id: at most 23 characters/,
            ],
            [
                "duplicate tenant ids",
                withTenants(tenant(), tenant({ slot: 2 })),
                /bbws:tenants\[1\]\.id: duplicate tenant id 'aupairhive' \(also at bbws:tenants\[0\]\.id\)/,
            ],
            [
                "duplicate tenant slots",
                withTenants(tenant(), tenant({ id: "tutorhub" })),
                /bbws:tenants\[1\]\.slot: duplicate tenant slot '1'/,
            ],
            [
                "duplicate domains",
                withTenants(tenant({ domains: ["shop.example.com"] }), tenant({ id: "tutorhub", slot: 2, domains: ["shop.example.com"] })),
                /bbws:tenants\[1\]\.domains\[0\]: duplicate domain 'shop\.example\.com'/,
            ],
            [
                "a custom domain that is another tenant's generated one",
                withTenants(tenant(), tenant({ id: "tutorhub", slot: 2, domains: ["aupairhive.dev.bbws.io"] })),
                /duplicate domain 'aupairhive\.dev\.bbws\.io'/,
            ],
            ["missing cpu", withTenants({ id: "aupairhive", slot: 1, memory: 1024 }), /bbws:tenants\[0\]\.cpu: required, expected number/],
            ["non-positive memory", withTenants(tenant({ memory: 0 })), /bbws:tenants\[0\]\.memory: Number must be greater than 0/],
            [
                "an invalid Fargate cpu/memory pair",
                withTenants(tenant({ cpu: 256, memory: 4096 })),
                /bbws:tenants\[0\]\.memory: 4096 MiB is not a Fargate size for cpu 256; expected one of 512, 1024, 2048/,
            ],
            ["an unknown Fargate cpu", withTenants(tenant({ cpu: 300, memory: 1024 })), /bbws:tenants\[0\]\.cpu: one of 256, 512/],
            ["no tenants", withTenants(), /bbws:tenants: at least one tenant/],
            [
                "a misspelt key",
                { "bbws:network": { ...dev["bbws:network"], natStratgy: "single" } },
                /bbws:network: unknown key 'natStratgy'; did you mean 'natStrategy'\?/,
            ],
            [
                "a misspelt top-level bbws key",
                { "bbws:tenant": [] },
                /bbws:tenant: unknown key, so the value would be ignored; did you mean 'bbws:tenants'\?/,
            ],
            [
                "a misspelt namespace (sit's approvals would silently vanish)",
                { "bbsw:approvals": { network: ["tech-lead"] } },
                /bbsw:approvals: namespace 'bbsw' is read by nothing.*did you mean 'bbws:approvals'\?/,
            ],
            [
                "the project's own namespace, which this program does not read",
                { "bbws-platform:domain": "x.io" },
                /bbws-platform:domain: namespace 'bbws-platform' is read by nothing/,
            ],
            [
                "an aws: key the AWS provider does not define (its config/vars module)",
                { "aws:allowedAccountId": ["536580886816"] },
                /aws:allowedAccountId: the AWS provider defines no such key.*did you mean 'aws:allowedAccountIds'\?/,
            ],
            [
                "a reserved tenant id: the migration task's names",
                withTenants(tenant({ id: "migration" })),
                /bbws:tenants\[0\]\.id: 'migration' is reserved: the one-off migration task/,
            ],
            [
                "a reserved tenant id: the ECS Exec session logs' names",
                withTenants(tenant({ id: "sessions" })),
                /bbws:tenants\[0\]\.id: 'sessions' is reserved/,
            ],
            [
                "a tenant id with '--' where IDNA puts its marker (RFC 5891 §4.2.3.1)",
                withTenants(tenant({ id: "xn--shop" })),
                /bbws:tenants\[0\]\.id: no '--' in the third and fourth characters/,
            ],
            [
                "three custom domains (with <id>.<domain> a host-header condition would hold 4 values; AWS takes 3)",
                withTenants(tenant({ domains: ["a.example.com", "b.example.com", "c.example.com"] })),
                /bbws:tenants\[0\]\.domains: at most 2/,
            ],
            [
                "a custom domain over 64 characters (its certificate's common name: ACM RequestCertificate DomainName)",
                withTenants(tenant({ domains: [`${"d".repeat(40)}.${"e".repeat(20)}.example.com`] })),
                /bbws:tenants\[0\]\.domains\[0\]: at most 64 characters/,
            ],
            [
                "a tenant hostname over 128 characters",
                { "bbws:domain": `${"d".repeat(60)}.${"e".repeat(60)}.io` },
                /bbws:tenants\[0\]\.id: its hostname .* is 1\d\d characters; a load balancer host-header value takes at most 128/,
            ],
            [
                "the same alert email twice (one subscription each: a duplicate URN)",
                { "bbws:monitoring": { ...dev["bbws:monitoring"], alertEmails: ["a@bbws.io", "a@bbws.io"] } },
                /bbws:monitoring\.alertEmails\[1\]: duplicate alert email 'a@bbws\.io'/,
            ],
            [
                "a region the platform does not know (no load balancer zone or log account for it)",
                { "aws:region": "eu-central-1" },
                /aws:region: one of eu-west-1, af-south-1/,
            ],
            [
                "more tenants than the security groups' rule quota allows",
                withTenants(...Array.from({ length: 51 }, (_, i) => tenant({ id: `t-${i}`, slot: i + 1 }))),
                /bbws:tenants: at most 50/,
            ],
            [
                "an unknown key inside aws:defaultTags",
                { "aws:defaultTags": { tags: dev["aws:defaultTags"].tags, tagz: {} } },
                /aws:defaultTags: unknown key 'tagz'; did you mean 'tags'\?/,
            ],
            [
                "a key without a namespace (Pulumi would read it as the project's)",
                { approvals: {} },
                /approvals: no namespace.*did you mean 'bbws:approvals'\?/,
            ],
            [
                "a singleton that may scale past one task (two would contend for its EFS lock)",
                withTenants(tenant({ singleton: true, maxCapacity: 2 })),
                /bbws:tenants\[0\]\.maxCapacity: 2 tasks, but a singleton holds an exclusive lock on EFS/,
            ],
            [
                "two allowed accounts",
                { "aws:allowedAccountIds": ["536580886816", "815856636111"] },
                /aws:allowedAccountIds: exactly one account/,
            ],
            ["a malformed account id", { "aws:allowedAccountIds": ["5365"] }, /aws:allowedAccountIds\[0\]: a 12-digit AWS account id/],
            ["no region", { "aws:region": undefined }, /aws:region: required/],
            [
                "an Environment tag naming another stack",
                { "aws:defaultTags": { tags: { Project: "bbws-platform", Environment: "prod", ManagedBy: "pulumi" } } },
                /aws:defaultTags\.tags\.Environment: expected 'dev'/,
            ],
            [
                "min capacity above max",
                { "bbws:ecs": { ...dev["bbws:ecs"], minCapacity: 5, maxCapacity: 2 } },
                /bbws:ecs: minCapacity 5 is greater than maxCapacity 2/,
            ],
            [
                "retained but not protected",
                { "bbws:protection": { protect: false, retainOnDelete: true } },
                /bbws:protection\.retainOnDelete: requires protect: true/,
            ],
            ["an approval for an unknown phase", { "bbws:approvals": { databse: ["dba"] } }, /bbws:approvals/],
        ];
        for (const [what, changes, expected] of cases) {
            it(what, () => {
                const problems = problemsWith(changes);
                expect(problems.join("\n")).to.match(expected);
            });
        }

        it("reports every problem at once", () => {
            const problems = problemsWith({ ...withNetwork({ vpcCidr: "8.8.0.0/16", azCount: 5 }), ...withTenants(tenant({ id: "X" })) });
            expect(problems).to.have.length.of.at.least(3);
        });

        it("refuses a stack name that is not an environment name", () => {
            expect(problemsWith({}, "Dev Stack").join("\n")).to.match(/stack name 'Dev Stack'/);
        });

        it("refuses stack names that would end AWS names badly: a trailing or doubled hyphen, or over 16 characters", () => {
            // S3 bucket names end with a letter or digit (S3 user guide, "Bucket naming rules"); RDS and
            // ElastiCache identifiers refuse "--" and a trailing hyphen (CreateDBCluster, CreateReplicationGroup).
            for (const stack of ["dev-", "qa--eu", "a".repeat(17)]) {
                expect(problemsWith({}, stack).join("\n"), stack).to.match(new RegExp(`stack name '${stack}'`));
            }
            expect(isStackName("qa-eu-2")).to.equal(true);
        });

        it("accepts every key the AWS provider defines, and the engine's own pulumi: keys", () => {
            expect(
                problemsWith({ "aws:profile": "bbws-dev", "aws:maxRetries": 5, "pulumi:disable-default-providers": ["*"] }),
            ).to.deep.equal([]);
        });
    });

    describe("a singleton tenant (one task holds the EFS lock)", () => {
        it("runs one task by default whatever the environment's auto-scaling range", () => {
            const cfg = configFor("sit", withTenants(tenant({ singleton: true })));
            expect(cfg.ecs.maxCapacity).to.be.greaterThan(1);
            expect(cfg.tenants[0]).to.include({ minCapacity: 1, maxCapacity: 1 });
        });
        it("may scale to zero", () => {
            expect(configFor("sit", withTenants(tenant({ singleton: true, minCapacity: 0 }))).tenants[0]).to.include({
                minCapacity: 0,
                maxCapacity: 1,
            });
        });
    });

    describe("helpers", () => {
        it("lists exactly the config keys the installed AWS provider defines (@pulumi/aws config/vars)", () => {
            const vars = require("@pulumi/aws/config/vars");
            expect([...AWS_PROVIDER_CONFIG_KEYS].sort()).to.deep.equal(Object.keys(vars).sort());
        });
        it("accepts only private /16–/20 VPC ranges", () => {
            expect(isPrivateVpcCidr("10.20.0.0/16")).to.equal(true);
            expect(isPrivateVpcCidr("172.16.0.0/20")).to.equal(true);
            expect(isPrivateVpcCidr("192.168.0.0/16")).to.equal(true);
            expect(isPrivateVpcCidr("172.32.0.0/16")).to.equal(false);
            expect(isPrivateVpcCidr("10.20.0.0/21")).to.equal(false);
        });
        it("knows Fargate's task sizes", () => {
            expect(isValidFargateSize(256, 512)).to.equal(true);
            expect(isValidFargateSize(1024, 8192)).to.equal(true);
            expect(isValidFargateSize(1024, 1024)).to.equal(false);
            expect(isValidFargateSize(16384, 122880)).to.equal(true);
        });
        it("decodes config the way Pulumi stores it", () => {
            expect(decodeConfigValue('{"a":1}')).to.deep.equal({ a: 1 });
            expect(decodeConfigValue("3")).to.equal(3);
            expect(decodeConfigValue("dev.bbws.io")).to.equal("dev.bbws.io");
        });
    });
});
