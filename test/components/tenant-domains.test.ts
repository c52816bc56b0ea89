/**
 * A tenant's custom domains (components/tenant-domains.ts): one certificate per domain, validation
 * records in our zone or printed for the owner, the certificate on the HTTPS listener and the domain in
 * the listener rule only once it is issued. Each rule names its source.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import {
    createCustomDomainAliases,
    createTenantDomains,
    customDomainResourceName,
    ISSUED_CHECK_TIMEOUT,
    ruleHostnames,
    TenantDomains,
} from "../../components/tenant-domains";
import { ACM_COMMON_NAME_MAX, acmDomainProblem, COUNTED_QUOTAS } from "../../automation/aws-model";
import { NameRuleError } from "../../automation/aws-name-rules";
import { runUnderMocks } from "../../automation/mock-run";
import {
    ConfigError,
    MAX_CUSTOM_DOMAIN_LENGTH,
    MAX_LISTENER_CERTIFICATES,
    parseConfig,
    PlatformConfig,
    TenantConfig,
} from "../../src/config";
import { configFor, construct, ENVIRONMENTS, ofType, promiseOf, Registration, stackFileConfig } from "../support/pulumi";
import { domainEntries, domainName } from "./tenant-domains-arbitraries";

const T = {
    certificate: "aws:acm/certificate:Certificate",
    validation: "aws:acm/certificateValidation:CertificateValidation",
    listenerCertificate: "aws:lb/listenerCertificate:ListenerCertificate",
    record: "aws:route53/record:Record",
    rule: "aws:lb/listenerRule:ListenerRule",
};

const OUR_ZONE = "Z0OURZONE12345";
const LISTENER_ARN = "arn:aws:elasticloadbalancing:eu-west-1:815856636111:listener/app/bbws-alb-sit/50dc6c495c0c9188/f2f7dc8efc522ab2";
const ALB = { dnsName: "bbws-alb-sit-1234567890.eu-west-1.elb.amazonaws.com", zoneId: "Z32O12XQLNTSW2" };

/** sit with the given raw tenants (other keys from Pulumi.sit.yaml). */
function sitWith(tenants: object[]): PlatformConfig {
    return parseConfig("sit", { ...stackFileConfig("sit"), "bbws:tenants": tenants });
}
const tenantWith = (domains: unknown[], id = "aupairhive", slot = 1) => ({ id, slot, cpu: 512, memory: 1024, domains });

/** Problems config reports for one tenant with these `domains` entries ([] when accepted). */
function domainProblems(domains: unknown[]): string[] {
    try {
        sitWith([tenantWith(domains)]);
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
}

interface Built {
    domains: TenantDomains;
    resources: Registration[];
    /** `customTimeouts.create` per logical name, as the SDK sends it. */
    createTimeouts: Map<string, string>;
}

/** Builds one tenant's domains (and their alias records after a stand-in rule) under a stand-in tenant component. */
async function build(cfg: PlatformConfig, tenant: TenantConfig = cfg.tenants[0]): Promise<Built> {
    const createTimeouts = new Map<string, string>();
    const { result, resources } = await construct(cfg, () => {
        const monitor = pulumi.runtime.getMonitor() as any;
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req: any, callback: any) => {
            const timeouts = req.getCustomtimeouts();
            if (timeouts?.getCreate()) createTimeouts.set(req.getName(), timeouts.getCreate());
            register(req, callback);
        };
        const name = `ecs-${tenant.id}`;
        const parent = new pulumi.ComponentResource("bbws:ecs:TenantService", name);
        const domains = createTenantDomains(parent, name, { tenant, listenerArn: LISTENER_ARN, loadBalancer: ALB });
        const rule = new aws.lb.ListenerRule(
            `${name}-rule`,
            {
                listenerArn: LISTENER_ARN,
                priority: tenant.slot,
                conditions: [{ hostHeader: { values: domains.hostnames } }],
                actions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "200" } }],
            },
            { parent, dependsOn: domains.listenerCertificates },
        );
        createCustomDomainAliases(parent, name, tenant, ALB, rule);
        return domains;
    });
    return { domains: result, resources, createTimeouts };
}

const byName = (resources: Registration[], tenant: string, domain: string, resource: Parameters<typeof customDomainResourceName>[2]) =>
    resources.find((r) => r.name === customDomainResourceName(`ecs-${tenant}`, domain, resource));

describe("custom domains (components/tenant-domains.ts)", () => {
    describe("config: the `domains` entry", () => {
        it("a plain hostname stays valid (existing stack files) and means: its owner's zone, certificate pending", () => {
            const cfg = sitWith([tenantWith(["shop.example.com"])]);
            expect(cfg.tenants[0].customDomains).to.deep.equal([{ name: "shop.example.com", certificate: "pending" }]);
            expect(cfg.tenants[0].domains).to.deep.equal(["shop.example.com"]);
            for (const env of ENVIRONMENTS) {
                for (const t of configFor(env).tenants)
                    expect(
                        t.customDomains.map((d) => d.name),
                        env,
                    ).to.deep.equal([...t.domains]);
            }
        });

        it("an object names our zone (hostedZoneId) or the certificate's state in the owner's zone (default pending)", () => {
            const cfg = sitWith([
                tenantWith([
                    { name: "shop.example.com", hostedZoneId: OUR_ZONE },
                    { name: "www.example.org", certificate: "issued" },
                ]),
                tenantWith([{ name: "blog.example.net" }], "tutorhub", 2),
            ]);
            expect(cfg.tenants[0].customDomains).to.deep.equal([
                { name: "shop.example.com", hostedZoneId: OUR_ZONE },
                { name: "www.example.org", certificate: "issued" },
            ]);
            expect(cfg.tenants[1].customDomains).to.deep.equal([{ name: "blog.example.net", certificate: "pending" }]);
        });

        const refused: Array<[string, unknown[], RegExp]> = [
            [
                "a name over 64 characters: ACM takes the certificate's common name up to 64 octets (RequestCertificate DomainName)",
                [`${"d".repeat(53)}.example.com`],
                /domains\[0\]: at most 64 characters: its certificate's common name/,
            ],
            [
                "a wildcard: a host-header wildcard would route names no certificate of ours covers",
                ["*.example.com"],
                /lowercase DNS hostname/,
            ],
            [
                "a certificate state beside hostedZoneId: in our zone the rollout validates it",
                [{ name: "shop.example.com", hostedZoneId: OUR_ZONE, certificate: "issued" }],
                /domains\[0\]\.certificate: only for a domain in its owner's zone/,
            ],
            [
                "a state other than pending or issued",
                [{ name: "shop.example.com", certificate: "validated" }],
                /domains\[0\]: a hostname, \{ name, hostedZoneId \}/,
            ],
            ["an unknown key", [{ name: "shop.example.com", zone: "example.com" }], /domains\[0\]: unknown key 'zone'/],
            ["a malformed zone id", [{ name: "shop.example.com", hostedZoneId: "example.com" }], /hostedZoneId: a Route 53 hosted zone id/],
        ];
        for (const [what, domains, message] of refused) {
            it(`refuses ${what}`, () => {
                expect(domainProblems(domains).join("\n")).to.match(message);
            });
        }

        it(`refuses more than ${MAX_LISTENER_CERTIFICATES} custom domains in an environment: one certificate each on the listener (ELB quota, excluding the default)`, () => {
            const tenants = (count: number) =>
                Array.from({ length: Math.ceil(count / 2) }, (_, i) =>
                    tenantWith([`a${i}.example.com`, `b${i}.example.com`].slice(0, Math.min(2, count - 2 * i)), `tenant-${i}`, i + 1),
                );
            expect(() => sitWith(tenants(MAX_LISTENER_CERTIFICATES))).not.to.throw();
            expect(() => sitWith(tenants(MAX_LISTENER_CERTIFICATES + 1))).to.throw(
                ConfigError,
                /26 custom domains; .* at most 25 besides its default/,
            );
        });

        it("every name the schema accepts is one ACM puts in a certificate (fast-check against the AWS model's rule)", () => {
            fc.assert(
                fc.property(fc.oneof(domainName, fc.string({ maxLength: 80 }), fc.stringMatching(/^[a-z0-9*.-]{1,70}$/)), (name) => {
                    const accepted = domainProblems([name]).length === 0;
                    if (accepted) {
                        expect(acmDomainProblem(name, ACM_COMMON_NAME_MAX), name).to.equal(undefined);
                        expect(name).not.to.include("*");
                        expect(name.length).to.be.at.most(MAX_CUSTOM_DOMAIN_LENGTH);
                    }
                }),
                { numRuns: 300 },
            );
        });

        it("names over 64 characters are refused by config and by ACM alike", () => {
            const long = `${"a".repeat(30)}.${"b".repeat(30)}.example.com`;
            expect(long.length).to.be.above(ACM_COMMON_NAME_MAX);
            expect(domainProblems([long])).to.have.length(1);
            expect(acmDomainProblem(long, ACM_COMMON_NAME_MAX)).to.match(/ACM takes at most 64/);
            expect(acmDomainProblem(long, 253), "as a SAN it would do").to.equal(undefined);
            expect(acmDomainProblem("www.*.example.com", 253)).to.match(/wildcard/);
            expect(acmDomainProblem("*.example.com", 253)).to.equal(undefined);
        });
    });

    describe("the listener rule never names an unissued domain", () => {
        it("host-header values: <id>.<domain> first, then only our zone's and issued domains (fast-check over accepted entries)", () => {
            fc.assert(
                fc.property(domainEntries, (entries) => {
                    const cfg = sitWith([tenantWith(entries)]);
                    const tenant = cfg.tenants[0];
                    const hosts = ruleHostnames(tenant);
                    expect(hosts[0]).to.equal(`aupairhive.${cfg.domain}`);
                    expect(hosts.length).to.be.at.most(3);
                    for (const d of tenant.customDomains) {
                        expect(hosts.includes(d.name), d.name).to.equal(d.hostedZoneId !== undefined || d.certificate === "issued");
                    }
                }),
                { numRuns: 200 },
            );
        });

        it("a served domain's rule waits for its listener certificate, which waits for the validation (ISSUED)", async () => {
            const cfg = sitWith([
                tenantWith([
                    { name: "shop.example.com", hostedZoneId: OUR_ZONE },
                    { name: "www.example.org", certificate: "issued" },
                ]),
            ]);
            const { domains, resources } = await build(cfg);
            expect(domains.listenerCertificates).to.have.length(2);
            for (const domain of ["shop.example.com", "www.example.org"]) {
                const attached = byName(resources, "aupairhive", domain, "listener-certificate")!;
                const validation = byName(resources, "aupairhive", domain, "validation")!;
                expect(attached.inputs.listenerArn).to.equal(LISTENER_ARN);
                expect(attached.dependencies, `${domain}: attached from the validation's output`).to.include(validation.urn);
                expect(attached.propertyDependencies.certificateArn).to.deep.equal([validation.urn]);
            }
            expect(domains.hostnames).to.deep.equal([`aupairhive.${cfg.domain}`, "shop.example.com", "www.example.org"]);
            const rule = ofType(resources, T.rule)[0];
            const attached = ofType(resources, T.listenerCertificate).map((r) => r.urn);
            expect(rule.dependencies, "the rule (as the ECS layer builds it) waits for both").to.include.members(attached);
        });
    });

    describe("a domain in its owner's zone", () => {
        it("pending: the certificate is requested and its validation record printed; nothing on the listener, nothing in the rule", async () => {
            const cfg = sitWith([tenantWith(["shop.example.com"])]);
            const { domains, resources } = await build(cfg);
            const certificate = byName(resources, "aupairhive", "shop.example.com", "certificate")!;
            expect(certificate.inputs).to.include({ domainName: "shop.example.com", validationMethod: "DNS" });
            expect(certificate.inputs.tags).to.deep.equal({ Tenant: "aupairhive" });
            expect(ofType(resources, T.validation)).to.deep.equal([]);
            expect(ofType(resources, T.listenerCertificate)).to.deep.equal([]);
            expect(ofType(resources, T.record), "no record in a zone that is not ours").to.deep.equal([]);
            expect(domains.hostnames).to.deep.equal([`aupairhive.${cfg.domain}`]);
            const [status] = await promiseOf(pulumi.output(domains.status));
            expect(status).to.include({
                name: "shop.example.com",
                dns: "owner",
                certificate: "pending",
                served: false,
                target: ALB.dnsName,
            });
            expect(status.validationRecord.type).to.equal("CNAME");
            expect(status.validationRecord.name).to.match(/^_[0-9a-f]{32}\.shop\.example\.com\.$/);
            expect(status.validationRecord.value).to.match(/\.acm-validations\.aws\.$/);
            expect(status.certificateArn).to.match(/^arn:aws:acm:eu-west-1:815856636111:certificate\//);
        });

        it(`issued: the validation only checks ISSUED, within ${ISSUED_CHECK_TIMEOUT} (a wrong 'issued' fails the rollout instead of hanging it 75 minutes)`, async () => {
            const cfg = sitWith([tenantWith([{ name: "shop.example.com", certificate: "issued" }])]);
            const { resources, createTimeouts } = await build(cfg);
            const validation = byName(resources, "aupairhive", "shop.example.com", "validation")!;
            expect(validation.inputs.validationRecordFqdns ?? []).to.deep.equal([]);
            expect(createTimeouts.get(validation.name)).to.equal(ISSUED_CHECK_TIMEOUT);
            expect(ofType(resources, T.record)).to.deep.equal([]);
        });

        it("pending → issued changes nothing already there: the same certificate, plus the validation and the listener certificate", async () => {
            const before = await build(sitWith([tenantWith(["shop.example.com"])]));
            const after = await build(sitWith([tenantWith([{ name: "shop.example.com", certificate: "issued" }])]));
            const cert = (b: Built) => byName(b.resources, "aupairhive", "shop.example.com", "certificate")!;
            expect(cert(after).urn).to.equal(cert(before).urn);
            expect(cert(after).inputs).to.deep.equal(cert(before).inputs);
            const urns = (b: Built) => new Set(b.resources.map((r) => r.urn));
            expect(
                [...urns(before)].filter((u) => !urns(after).has(u)),
                "nothing deleted",
            ).to.deep.equal([]);
            expect(
                after.resources.filter((r) => !urns(before).has(r.urn)).map((r) => r.type),
                "added",
            ).to.have.members([T.validation, T.listenerCertificate]);
            expect(after.domains.hostnames).to.include("shop.example.com");
            expect(before.domains.hostnames).not.to.include("shop.example.com");
        });
    });

    describe("a domain in our zone", () => {
        it("writes the validation record in our zone, waits for it, attaches the certificate, and aliases the domain after the rule", async () => {
            const cfg = sitWith([tenantWith([{ name: "shop.example.com", hostedZoneId: OUR_ZONE }])]);
            const { domains, resources, createTimeouts } = await build(cfg);
            const certificate = byName(resources, "aupairhive", "shop.example.com", "certificate")!;
            const record = byName(resources, "aupairhive", "shop.example.com", "validation-record")!;
            const validation = byName(resources, "aupairhive", "shop.example.com", "validation")!;
            const [status] = await promiseOf(pulumi.output(domains.status));
            expect(record.inputs).to.include({ zoneId: OUR_ZONE, type: "CNAME", allowOverwrite: true });
            expect(record.inputs.name, "ACM's name without its trailing dot").to.equal(status.validationRecord.name.replace(/\.$/, ""));
            expect(record.inputs.records).to.deep.equal([status.validationRecord.value]);
            expect(record.dependencies).to.include(certificate.urn);
            expect(validation.inputs.validationRecordFqdns).to.deep.equal([record.inputs.name]);
            expect(createTimeouts.has(validation.name), "the provider's default wait: the records are ours").to.equal(false);
            const alias = byName(resources, "aupairhive", "shop.example.com", "dns")!;
            expect(alias.inputs).to.include({ zoneId: OUR_ZONE, name: "shop.example.com", type: "A" });
            expect(alias.inputs.aliases).to.deep.equal([{ name: ALB.dnsName, zoneId: ALB.zoneId, evaluateTargetHealth: true }]);
            expect(
                alias.dependencies.some((u) => u.endsWith("::ecs-aupairhive-rule")),
                "created after the rule names the domain",
            ).to.equal(true);
            expect(status).to.include({ dns: "ours", certificate: "validated-by-rollout", served: true });
        });
    });

    describe("names and parents", () => {
        it("every resource is a child of the tenant's component, and names never collide across tenants (fast-check)", async () => {
            const tenants = fc.uniqueArray(fc.record({ id: fc.stringMatching(/^[a-z][a-z0-9-]{1,10}[a-z0-9]$/), domains: domainEntries }), {
                minLength: 1,
                maxLength: 4,
                selector: (t) => t.id,
            });
            await fc.assert(
                fc.asyncProperty(tenants, async (raw) => {
                    let cfg: PlatformConfig;
                    try {
                        cfg = sitWith(raw.map((t, i) => tenantWith(t.domains, t.id, i + 1)));
                    } catch (err) {
                        fc.pre(!(err instanceof ConfigError));
                        throw err;
                    }
                    const { registrations } = await runUnderMocks(
                        { project: "bbws-platform", stack: "sit", model: { accountId: cfg.accountId, region: cfg.region, azCount: 2 } },
                        () => {
                            for (const tenant of cfg.tenants) {
                                const parent = new pulumi.ComponentResource("bbws:ecs:TenantService", `ecs-${tenant.id}`);
                                createTenantDomains(parent, `ecs-${tenant.id}`, { tenant, listenerArn: LISTENER_ARN, loadBalancer: ALB });
                            }
                        },
                    );
                    const custom = registrations.filter((r) => r.custom);
                    expect(new Set(custom.map((r) => r.urn)).size).to.equal(custom.length);
                    for (const r of custom) {
                        const owner = registrations.find((p) => p.urn === r.parent)!;
                        expect(owner.type, r.name).to.equal("bbws:ecs:TenantService");
                        expect(r.name.startsWith(`${owner.name}.`), r.name).to.equal(true);
                    }
                    expect(ofType(custom, T.certificate)).to.have.length(cfg.tenants.reduce((n, t) => n + t.customDomains.length, 0));
                }),
                { numRuns: 15 },
            );
        });

        it("one tenant id prefixing another cannot make their names meet (abc + shop-x.io vs abc-shop + x.io)", () => {
            expect(customDomainResourceName("ecs-abc", "shop-x.io", "certificate")).not.to.equal(
                customDomainResourceName("ecs-abc-shop", "x.io", "certificate"),
            );
        });
    });

    describe("the AWS model refuses what ACM and the listener refuse", () => {
        async function register(build: () => void): Promise<unknown> {
            try {
                await runUnderMocks(
                    { project: "p", stack: "sit", model: { accountId: "815856636111", region: "eu-west-1", azCount: 2 } },
                    build,
                );
                return undefined;
            } catch (err) {
                return err;
            }
        }

        it("a certificate whose common name is over 64 characters (ACM RequestCertificate DomainName)", async () => {
            const err = await register(() => {
                new aws.acm.Certificate("long", { domainName: `${"a".repeat(60)}.example.com`, validationMethod: "DNS" });
            });
            expect(err).to.be.instanceOf(NameRuleError);
            expect(String(err)).to.match(/ACM takes at most 64/);
        });

        it(`a ${COUNTED_QUOTAS[T.listenerCertificate].max + 1}th certificate on one listener (ELB quota; AddListenerCertificates: TooManyCertificates)`, async () => {
            const attach = (count: number, listenerArn = LISTENER_ARN) =>
                Array.from(
                    { length: count },
                    (_, i) =>
                        new aws.lb.ListenerCertificate(`c-${listenerArn.length}-${i}`, {
                            listenerArn,
                            certificateArn: `arn:aws:acm:eu-west-1:815856636111:certificate/${i}`,
                        }),
                );
            expect(await register(() => attach(25))).to.equal(undefined);
            const err = await register(() => attach(26));
            expect(err).to.be.instanceOf(NameRuleError);
            expect(String(err)).to.match(/26 certificates on one listener besides its default/);
            expect(await register(() => [attach(25), attach(25, `${LISTENER_ARN}x`)]), "counted per listener").to.equal(undefined);
        });
    });
});
