/**
 * The one builder of an internet-facing Application Load Balancer, its HTTPS listener and its
 * HTTP→HTTPS redirect: the shared load balancer of the ECS layer (components/ecs.ts) and each premium
 * tenant's own (components/tenant-service.ts) are both built here, so they cannot drift apart in TLS
 * policy, header handling, deletion protection, access logs or the default answer.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { TLS_POLICY, type In } from "./ecs-tasks";

/** What differs between one load balancer and another; everything else is the platform's. */
export interface LoadBalancerArgs {
    /** The physical name: at most 32 letters, digits and inner hyphens, unique in the account and region (ELB API CreateLoadBalancer). */
    readonly name: string;
    /** Public subnets, one per AZ: the load balancer's nodes. */
    readonly subnetIds: In<string[]>;
    /** The group admitting 443 and 80 from the internet and reaching the tasks on the container port. */
    readonly securityGroupId: In<string>;
    /** `bbws:ecs.albDeletionProtection`: the environment's, for every load balancer in it. */
    readonly deletionProtection: boolean;
    /** The logs bucket; its policy admits ELB log delivery under any prefix (components/storage.ts). */
    readonly logsBucketName: In<string>;
    /** The access logs' key prefix: logs land under `<prefix>/AWSLogs/<account>/elasticloadbalancing/…` (ELB user guide, "Access logs"). */
    readonly logsPrefix: string;
    /** The HTTPS listener's default certificate (the environment's `*.<domain>`). */
    readonly certificateArn: In<string>;
    /** Tags on the load balancer (a premium tenant's `Tenant`); absent: none. */
    readonly tags?: Record<string, string>;
}

/** The load balancer and its HTTPS listener, which tenants' rules and certificates attach to. */
export interface BuiltLoadBalancer {
    readonly alb: aws.lb.LoadBalancer;
    readonly https: aws.lb.Listener;
}

/**
 * `<name>-alb`, `<name>-https` and `<name>-http` under `opts.parent`: an internet-facing ALB dropping
 * invalid header fields (the request smuggling guard: ELB user guide, "Application Load Balancer
 * attributes", `routing.http.drop_invalid_header_fields.enabled`), HTTPS on 443 with {@link TLS_POLICY}
 * answering a plain 404 to a host no tenant claims, and HTTP on 80 answering only with a 301 to HTTPS.
 */
export function createLoadBalancer(name: string, args: LoadBalancerArgs, opts: pulumi.CustomResourceOptions): BuiltLoadBalancer {
    const alb = new aws.lb.LoadBalancer(
        `${name}-alb`,
        {
            name: args.name,
            loadBalancerType: "application",
            internal: false,
            subnets: args.subnetIds,
            securityGroups: [args.securityGroupId],
            dropInvalidHeaderFields: true,
            enableDeletionProtection: args.deletionProtection,
            accessLogs: { bucket: args.logsBucketName, prefix: args.logsPrefix, enabled: true },
            ...(args.tags && { tags: args.tags }),
        },
        opts,
    );
    const https = new aws.lb.Listener(
        `${name}-https`,
        {
            loadBalancerArn: alb.arn,
            port: 443,
            protocol: "HTTPS",
            sslPolicy: TLS_POLICY,
            certificateArn: args.certificateArn,
            // A host no tenant claims gets a plain 404, never some tenant's site.
            defaultActions: [
                {
                    type: "fixed-response",
                    fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" },
                },
            ],
        },
        opts,
    );
    new aws.lb.Listener(
        `${name}-http`,
        {
            loadBalancerArn: alb.arn,
            port: 80,
            protocol: "HTTP",
            defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
        },
        opts,
    );
    return { alb, https };
}

/**
 * A premium tenant's load balancer name: `bbws-`, its id cut to 18 characters, `-`, and 8 hex digits
 * of a hash of the environment and the tenant's slot. Load balancer names are unique in the account
 * and region, at most 32 characters, letters, digits and inner hyphens, and may not begin with
 * `internal-` (ELB API CreateLoadBalancer; automation/aws-name-rules.ts): the fixed `bbws-` keeps a
 * tenant called `internal` legal, the slot (unique per environment, never reused) keeps two ids
 * sharing their first 18 characters apart, and the environment keeps dev's and sit's apart in one
 * account. The shared one is `bbws-alb-<env>`, which no digest spells (`v`, `t`, `r` are not hex).
 */
export function tenantLoadBalancerName(env: string, tenantId: string, slot: number): string {
    const digest = createHash("sha256")
        .update(JSON.stringify([env, slot]))
        .digest("hex")
        .slice(0, 8);
    return `bbws-${tenantId.slice(0, 18).replace(/-+$/, "")}-${digest}`;
}

/**
 * Where a premium tenant's load balancer writes its access logs: `tenants/<id>/alb`, beside the
 * shared one's `alb`, so a tenant's logs are one prefix (as its media and migration files are).
 */
export function tenantLoadBalancerLogsPrefix(tenantId: string): string {
    return `tenants/${tenantId}/alb`;
}
