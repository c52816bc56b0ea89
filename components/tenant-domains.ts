/**
 * A tenant's custom domains (issue 16, onboarding step 5): one ACM certificate per domain, attached
 * to the HTTPS listener by SNI once it is issued, and the host-header values the tenant's listener
 * rule may name. `<id>.<domain>` needs none of this: the listener's default `*.<domain>` certificate
 * covers it.
 *
 * Why one certificate per domain and not one per tenant with the domains as SANs: each domain moves
 * from pending to issued on its own (the owner of one zone may answer weeks after the other), and a
 * certificate is issued only once every name on it is validated; adding or removing a SAN replaces the
 * certificate (terraform-provider-aws internal/service/acm/certificate.go: `subject_alternative_names`
 * ForceNew). The cost is listener room: 25 certificates besides the default (ELB quota "Certificates
 * per Application Load Balancer"), which config enforces per environment (`MAX_LISTENER_CERTIFICATES`);
 * ACM's own quotas (2,500 certificates per account and region, 10 names per certificate: ACM user
 * guide, "Quotas") are far from binding.
 *
 * The two-step flow, as data: a domain in our Route 53 zone (`hostedZoneId`) is validated, attached
 * and routed in one rollout; a domain in its owner's zone stays `certificate: pending` (certificate
 * requested, validation record printed in the stack output `ecs.customDomains`, not on the listener,
 * not in the rule) until ACM reports it ISSUED and config says `certificate: issued`. Waiting for an
 * owner's DNS inside a rollout would hang it: `aws.acm.CertificateValidation` polls while the
 * certificate is PENDING_VALIDATION for up to 75 minutes (terraform-provider-aws
 * internal/service/acm/certificate_validation.go, `Timeouts.Create`), and ACM itself keeps trying
 * for 72 hours (ACM API reference, CertificateDetail `Status`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { CustomDomain, TenantConfig } from "../src/config";

type In<T> = pulumi.Input<T>;

/**
 * How long a rollout waits for a domain in its owner's zone that config says is issued: the
 * certificate should already be ISSUED, so the wait only catches a wrong `certificate: issued` and
 * fails the rollout instead of hanging it for the provider's default 75 minutes.
 */
export const ISSUED_CHECK_TIMEOUT = "5m";

/** Whether the tenant's listener rule names `domain`: our zone (validated in the rollout) or an issued certificate. */
export function isServed(domain: CustomDomain): boolean {
    return domain.hostedZoneId !== undefined || domain.certificate === "issued";
}

/** The tenant's listener rule's host-header values: `<id>.<domain>`, then each custom domain it serves. */
export function ruleHostnames(tenant: Pick<TenantConfig, "hostnames" | "customDomains">): string[] {
    return [tenant.hostnames[0], ...tenant.customDomains.filter(isServed).map((d) => d.name)];
}

/** The resources a custom domain can have, by the suffix of their logical names. */
export type CustomDomainResource = "certificate" | "validation-record" | "validation" | "listener-certificate" | "dns";

/**
 * `<tenant component name>.<domain>-<resource>`. The dot keeps names apart: a tenant id is one DNS
 * label (no dot), so `abc` with `shop-x.io` and `abc-shop` with `x.io` cannot meet as they would with
 * a hyphen; and a top-level domain has no hyphen, so the suffix is unambiguous.
 */
export function customDomainResourceName(tenantName: string, domain: string, resource: CustomDomainResource): string {
    return `${tenantName}.${domain}-${resource}`;
}

/** A DNS record ACM checks to validate a domain (CNAME, name and value as ACM gives them). */
export interface ValidationRecord {
    readonly name: string;
    readonly type: string;
    readonly value: string;
}

/** One custom domain in the stack output `ecs.customDomains.<tenant id>`: what the tenant command and an operator read. */
export interface CustomDomainStatus {
    readonly name: string;
    /** `ours`: the program keeps the records in our zone; `owner`: the owner creates them. */
    readonly dns: "ours" | "owner";
    /** Config's word for it: `pending` or `issued` in the owner's zone, `validated-by-rollout` in ours. */
    readonly certificate: "pending" | "issued" | "validated-by-rollout";
    /** Whether the listener rule names it (see {@link isServed}). */
    readonly served: boolean;
    /** The certificate; `aws acm describe-certificate` on it says whether it is ISSUED yet. */
    readonly certificateArn: pulumi.Output<string>;
    /** The record ACM checks; the owner keeps it, since ACM's renewals check it again. */
    readonly validationRecord: pulumi.Output<ValidationRecord>;
    /** The load balancer's DNS name: the owner points the domain at it (CNAME; ALIAS or ANAME at a zone apex). */
    readonly target: pulumi.Output<string>;
}

/** The load balancer, as the alias records and the owner's instructions need it. */
export interface LoadBalancerTarget {
    readonly dnsName: In<string>;
    readonly zoneId: In<string>;
}

export interface TenantDomainsArgs {
    readonly tenant: Pick<TenantConfig, "id" | "hostnames" | "customDomains">;
    /** The HTTPS listener the certificates are attached to. */
    readonly listenerArn: In<string>;
    readonly loadBalancer: LoadBalancerTarget;
}

/** What the tenant's listener rule needs, and the outputs. */
export interface TenantDomains {
    /** The rule's host-header values ({@link ruleHostnames}). */
    readonly hostnames: string[];
    /** The rule depends on these: it names a domain only once that domain's certificate is on the listener. */
    readonly listenerCertificates: aws.lb.ListenerCertificate[];
    /** By domain, in config order. */
    readonly status: CustomDomainStatus[];
}

/**
 * Creates, under `parent` (the tenant's component), for each custom domain: the certificate (DNS
 * validation); in our zone the validation record; for a served domain the validation (waits for
 * ISSUED) and the listener certificate. `name` is the tenant component's name (children are named by
 * {@link customDomainResourceName}).
 */
export function createTenantDomains(parent: pulumi.Resource, name: string, args: TenantDomainsArgs): TenantDomains {
    const { tenant } = args;
    const listenerCertificates: aws.lb.ListenerCertificate[] = [];
    const status = tenant.customDomains.map((domain): CustomDomainStatus => {
        const child = (resource: CustomDomainResource) => customDomainResourceName(name, domain.name, resource);
        const certificate = new aws.acm.Certificate(
            child("certificate"),
            { domainName: domain.name, validationMethod: "DNS", tags: { Tenant: tenant.id } },
            { parent },
        );
        // One name per certificate, so one validation option.
        const validationRecord = certificate.domainValidationOptions.apply(([option]): ValidationRecord => ({
            name: option.resourceRecordName,
            type: option.resourceRecordType,
            value: option.resourceRecordValue,
        }));
        let validation: aws.acm.CertificateValidation | undefined;
        if (domain.hostedZoneId !== undefined) {
            const record = new aws.route53.Record(
                child("validation-record"),
                {
                    zoneId: domain.hostedZoneId,
                    // Route 53 takes the name with or without ACM's trailing dot as the same record.
                    name: validationRecord.apply((r) => r.name.replace(/\.$/, "")),
                    type: validationRecord.apply((r) => r.type),
                    records: [validationRecord.apply((r) => r.value)],
                    ttl: 300,
                    // ACM gives the same record for a name to every certificate of the account, so a
                    // replacement certificate (or one requested by hand before) finds it already there.
                    allowOverwrite: true,
                },
                { parent },
            );
            validation = new aws.acm.CertificateValidation(
                child("validation"),
                { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
                { parent },
            );
        } else if (domain.certificate === "issued") {
            validation = new aws.acm.CertificateValidation(
                child("validation"),
                { certificateArn: certificate.arn },
                { parent, customTimeouts: { create: ISSUED_CHECK_TIMEOUT } },
            );
        }
        if (validation) {
            listenerCertificates.push(
                new aws.lb.ListenerCertificate(
                    child("listener-certificate"),
                    // From the validation, not the certificate: attached only once ISSUED.
                    { listenerArn: args.listenerArn, certificateArn: validation.certificateArn },
                    { parent },
                ),
            );
        }
        return {
            name: domain.name,
            dns: domain.hostedZoneId !== undefined ? "ours" : "owner",
            certificate: domain.certificate ?? "validated-by-rollout",
            served: isServed(domain),
            certificateArn: certificate.arn,
            validationRecord,
            target: pulumi.output(args.loadBalancer.dnsName),
        };
    });
    return { hostnames: ruleHostnames(tenant), listenerCertificates, status };
}

/**
 * For each custom domain in our zone, an alias `A` record to the load balancer, created after the
 * tenant's listener rule (`rule`) names it, so the domain never resolves to a listener that answers it
 * with 404. A record of that name already in the zone is not overwritten: the create fails and an
 * operator decides (import it, or delete it).
 */
export function createCustomDomainAliases(
    parent: pulumi.Resource,
    name: string,
    tenant: Pick<TenantConfig, "customDomains">,
    loadBalancer: LoadBalancerTarget,
    rule: pulumi.Resource,
): aws.route53.Record[] {
    return tenant.customDomains.flatMap((domain) =>
        domain.hostedZoneId === undefined
            ? []
            : [
                  new aws.route53.Record(
                      customDomainResourceName(name, domain.name, "dns"),
                      {
                          zoneId: domain.hostedZoneId,
                          name: domain.name,
                          type: "A",
                          aliases: [{ name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true }],
                      },
                      { parent, dependsOn: [rule] },
                  ),
              ],
    );
}
