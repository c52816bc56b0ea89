/**
 * Route 53 failover between the primary region and the standby (issue 17), built by the ECS layer
 * (phase `ecs`): a health check on the primary's load balancer and the answer it checks for. Each
 * region's failover record lives beside its load balancer (tenant-service.ts for the primary,
 * standby-ecs.ts for the standby); `failoverRoles` says which of the pair is PRIMARY.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DrConfig } from "../src/config";
import { bbwsName } from "./shared";

/** The path the health check asks the primary's load balancer for; no tenant host answers it (see `FailoverDns`). */
export const REGION_HEALTH_PATH = "/bbws-region-health";

/** The listener rule priority of the region health answer: the last ELB allows (1–50000), after every tenant's slot (1–9999). */
export const REGION_HEALTH_PRIORITY = 50000;

/**
 * Which record of each failover pair is PRIMARY: the primary region's while `serving: primary`, the
 * standby's after a switchover or failover (`serving: standby`). Route 53 answers with the PRIMARY
 * record while it is healthy, else the SECONDARY (Route 53 developer guide, "Failover routing").
 */
export function failoverRoles(serving: DrConfig["serving"]): { primaryRegion: "PRIMARY" | "SECONDARY"; standby: "PRIMARY" | "SECONDARY" } {
    return serving === "primary" ? { primaryRegion: "PRIMARY", standby: "SECONDARY" } : { primaryRegion: "SECONDARY", standby: "PRIMARY" };
}

/** What a tenant's primary-region record needs to join the failover pair. */
export interface DnsFailover {
    /** The record's `setIdentifier`: the region it points into. */
    readonly setIdentifier: string;
    readonly role: "PRIMARY" | "SECONDARY";
    readonly healthCheckId: pulumi.Output<string>;
}

/** What the health check watches. */
export interface FailoverDnsArgs {
    readonly env: string;
    readonly region: string;
    readonly dr: DrConfig;
    /** The primary's HTTPS listener and load balancer DNS name. */
    readonly httpsListenerArn: pulumi.Input<string>;
    readonly loadBalancerDnsName: pulumi.Input<string>;
}

/**
 * `evaluateTargetHealth` of both records of each tenant's failover pair: false. With it true, Route 53
 * judges an Application Load Balancer healthy only if every target group with targets has a healthy
 * one (Route 53 API reference, `AliasTarget`, "Application and Network Load Balancers"); every tenant's
 * record aliases the same shared load balancer, so one tenant whose tasks all fail would send every
 * tenant to the SECONDARY, which runs 0 tasks. It is optional for failover alias records ("Select Yes
 * if you want Route 53 to determine whether to respond ... by checking the health of the resource":
 * Route 53 developer guide, "Values specific for failover alias records"); the PRIMARY's region health
 * check decides, and a SECONDARY without a health check is always answered when the PRIMARY is not.
 */
export const FAILOVER_EVALUATE_TARGET_HEALTH = false;

/**
 * `bbws:ecs:FailoverDns` (`<ecs layer>-failover`), in the primary region (Route 53 is global): a
 * fixed 200 for `REGION_HEALTH_PATH` on the primary's HTTPS listener at the last priority, so only a
 * request no tenant host matches gets it (the health checker sends the load balancer's own name as
 * Host), and an HTTPS health check on it (Route 53 API reference, CreateHealthCheck: `Type` HTTPS,
 * `FullyQualifiedDomainName`, `ResourcePath`; health checkers do not validate the certificate). It
 * says whether the primary region's load balancer answers, and it alone decides: the pair's aliases do
 * not evaluate target health (`FAILOVER_EVALUATE_TARGET_HEALTH`).
 */
export class FailoverDns extends pulumi.ComponentResource {
    readonly healthCheckId: pulumi.Output<string>;
    /** The primary-region record settings of each tenant (tenant-service.ts). */
    readonly primaryRecord: DnsFailover;

    constructor(name: string, args: FailoverDnsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:ecs:FailoverDns", name, {}, opts);
        const answer = new aws.lb.ListenerRule(
            `${name}-health-rule`,
            {
                listenerArn: args.httpsListenerArn,
                priority: REGION_HEALTH_PRIORITY,
                conditions: [{ pathPattern: { values: [REGION_HEALTH_PATH] } }],
                actions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "200", messageBody: "ok" } }],
            },
            { parent: this },
        );
        const check = new aws.route53.HealthCheck(
            `${name}-primary-health`,
            {
                type: "HTTPS",
                fqdn: args.loadBalancerDnsName,
                port: 443,
                resourcePath: REGION_HEALTH_PATH,
                enableSni: true,
                requestInterval: 30,
                failureThreshold: 3,
                tags: { Name: bbwsName(args.env, `primary-health-${args.region}`) },
            },
            { parent: this, dependsOn: [answer] },
        );
        this.healthCheckId = check.id;
        this.primaryRecord = { setIdentifier: args.region, role: failoverRoles(args.dr.serving).primaryRegion, healthCheckId: check.id };
        this.registerOutputs({ healthCheckId: this.healthCheckId });
    }
}
