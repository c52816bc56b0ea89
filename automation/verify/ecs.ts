/** Checks after the `ecs` phase: the cluster, each tenant's service and task, the load balancer. */
import { DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, Service } from "@aws-sdk/client-ecs";
import {
    DescribeListenersCommand,
    DescribeLoadBalancersCommand,
    DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { TenantConfig } from "../../src/config";
import { Check, CheckContext, fail, list, verdict } from "./check";
import { hasOwnVpc } from "../../src/tiers";

/** DescribeServices takes at most ten services per call. */
const SERVICES_PER_CALL = 10;

/** Target states a deployment passes through on its way to healthy. */
const SETTLING_TARGET_STATES = ["initial", "draining"];

/**
 * Where `up` does not wait for steady state (`bbws:ecs.waitForSteadyState: false`), a deployment still
 * settling right after the apply is expected: it is reported as a warning, not a failure.
 */
function settlingNote(ctx: CheckContext): string | undefined {
    return ctx.config.ecs.waitForSteadyState
        ? undefined
        : "still settling (bbws:ecs.waitForSteadyState is false): run verify again in a few minutes";
}

/** How long the HTTPS probe waits for the load balancer. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * The environment's load balancers: the shared one (`ecs.loadBalancerArn`, `whose` undefined), then
 * each premium tenant's own (`ecs.tenantLoadBalancerArns`), which a stack without premium tenants lacks.
 */
function loadBalancers(ctx: CheckContext): { arn: string; whose?: string }[] {
    return [
        { arn: ctx.outputs.string("ecs.loadBalancerArn") },
        ...ctx.config.tenants
            .filter((t) => hasOwnVpc(t.tier))
            .map((t) => ({ arn: ctx.outputs.tenant("ecs.tenantLoadBalancerArns", t.id), whose: t.id })),
    ];
}

interface TenantService {
    readonly tenant: TenantConfig;
    readonly name: string;
    readonly service?: Service;
}

async function tenantServices(ctx: CheckContext): Promise<TenantService[]> {
    const cluster = ctx.outputs.string("ecs.clusterName");
    const wanted = ctx.config.tenants.map((tenant) => ({ tenant, name: ctx.outputs.tenant("ecs.serviceNames", tenant.id) }));
    const found = await ctx.read("ecs:services", async () => {
        const services: Service[] = [];
        for (let i = 0; i < wanted.length; i += SERVICES_PER_CALL) {
            const names = wanted.slice(i, i + SERVICES_PER_CALL).map((w) => w.name);
            const answer = await ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: names }));
            services.push(...(answer.services ?? []));
        }
        return services;
    });
    // A deleted service is still described for a while, as INACTIVE: the live one wins.
    return wanted.map((w) => ({
        ...w,
        service: found.find((s) => s.serviceName === w.name && s.status === "ACTIVE") ?? found.find((s) => s.serviceName === w.name),
    }));
}

export const ecsChecks: readonly Check[] = [
    {
        id: "ecs-cluster-active",
        phase: "ecs",
        info: "The ECS cluster is active with every configured capacity provider.",
        explanation:
            "A service whose strategy names a provider the cluster lacks cannot place tasks; compare " + "`bbws:ecs.capacityProviders`.",
        async check(ctx) {
            const name = ctx.outputs.string("ecs.clusterName");
            const answer = await ctx.read("ecs:cluster", () => ctx.aws.ecs.send(new DescribeClustersCommand({ clusters: [name] })));
            const cluster = answer.clusters?.[0];
            if (!cluster) return fail(`cluster ${name} not found (${answer.failures?.[0]?.reason ?? "no answer"})`);
            const providers = cluster.capacityProviders ?? [];
            const missing = ctx.config.ecs.capacityProviders.map((p) => p.provider).filter((p) => !providers.includes(p));
            const problems = [
                ...(cluster.status === "ACTIVE" ? [] : [`${name} is ${cluster.status}, expected ACTIVE`]),
                ...(missing.length > 0 ? [`${name} lacks capacity provider(s) ${list(missing)}`] : []),
            ];
            return verdict(problems, `${name} ${cluster.status} with ${list(providers)}`);
        },
    },
    {
        id: "ecs-services-steady",
        phase: "ecs",
        info: "Every tenant's service is active, runs its desired count, and its primary deployment completed.",
        explanation:
            "A deployment that is still in progress or was rolled back by the circuit breaker means the " +
            "new task definition is not what serves the site; look at the service's events. Where the apply does " +
            "not wait for steady state (`bbws:ecs.waitForSteadyState: false`), one still in progress only warns.",
        async check(ctx) {
            const services = await tenantServices(ctx);
            const note = settlingNote(ctx);
            const problems: string[] = [];
            const settling: string[] = [];
            const seen: string[] = [];
            for (const { tenant, name, service } of services) {
                if (!service) {
                    problems.push(`${tenant.id}: service ${name} not found`);
                    continue;
                }
                const primary = service.deployments?.find((d) => d.status === "PRIMARY");
                const state = `${service.status} ${service.runningCount}/${service.desiredCount} running, deployment ${primary?.rolloutState ?? "none"}`;
                seen.push(`${tenant.id} ${state}`);
                if (service.status !== "ACTIVE" || service.runningCount !== service.desiredCount || primary?.rolloutState !== "COMPLETED") {
                    const finding = `${tenant.id}: ${name} ${state}${primary?.rolloutStateReason ? ` (${primary.rolloutStateReason})` : ""}`;
                    const inProgress = service.status === "ACTIVE" && primary?.rolloutState === "IN_PROGRESS";
                    (inProgress && note ? settling : problems).push(finding);
                }
            }
            return verdict(problems, seen.join("; "), settling.length > 0 && note ? [...settling, note] : []);
        },
    },
    {
        id: "ecs-task-definitions",
        phase: "ecs",
        info: "Each tenant's task definition is Fargate/awsvpc with its configured cpu, memory and architecture, and its own task role.",
        explanation:
            "A task definition that differs from config was registered outside the program; a task role " +
            "shared between tenants, or equal to the execution role, breaks tenant isolation.",
        async check(ctx) {
            const roleArnPrefix = `arn:aws:iam::${ctx.config.accountId}:role/`;
            const services = await tenantServices(ctx);
            const problems: string[] = [];
            const taskRoles = new Map<string, string>();
            for (const { tenant, name, service } of services) {
                if (!service?.taskDefinition) {
                    problems.push(`${tenant.id}: service ${name} not found`);
                    continue;
                }
                const arn = service.taskDefinition;
                const answer = await ctx.read(`ecs:task-definition:${arn}`, () =>
                    ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })),
                );
                const td = answer.taskDefinition;
                if (!td) {
                    problems.push(`${tenant.id}: task definition ${arn} not found`);
                    continue;
                }
                const architecture = td.runtimePlatform?.cpuArchitecture ?? "X86_64";
                const expect = (what: string, actual: unknown, wanted: unknown) => {
                    if (actual !== wanted) problems.push(`${tenant.id}: ${what} ${actual ?? "unset"}, expected ${wanted}`);
                };
                expect("cpu", td.cpu, String(tenant.cpu));
                expect("memory", td.memory, String(tenant.memory));
                expect("network mode", td.networkMode, "awsvpc");
                expect("architecture", architecture, tenant.architecture);
                if (!td.requiresCompatibilities?.includes("FARGATE")) problems.push(`${tenant.id}: not Fargate-compatible`);
                for (const [what, role] of [
                    ["task role", td.taskRoleArn],
                    ["execution role", td.executionRoleArn],
                ] as const) {
                    if (!role?.startsWith(roleArnPrefix))
                        problems.push(`${tenant.id}: ${what} ${role ?? "unset"} is not a role of account ${ctx.config.accountId}`);
                }
                if (td.taskRoleArn && td.taskRoleArn === td.executionRoleArn)
                    problems.push(`${tenant.id}: the task role is the execution role`);
                const sharedWith = td.taskRoleArn ? taskRoles.get(td.taskRoleArn) : undefined;
                if (sharedWith) problems.push(`${tenant.id}: shares task role ${td.taskRoleArn} with ${sharedWith}`);
                if (td.taskRoleArn) taskRoles.set(td.taskRoleArn, tenant.id);
            }
            return verdict(
                problems,
                services.map(({ tenant }) => `${tenant.id} ${tenant.cpu}/${tenant.memory} ${tenant.architecture}`).join(", "),
            );
        },
    },
    {
        id: "ecs-targets-healthy",
        phase: "ecs",
        info: "Every tenant's target group has targets, all healthy.",
        explanation:
            "The load balancer only sends requests to healthy targets; an unhealthy one usually fails the " +
            "health-check path (`bbws:ecs.healthCheckPath`) or cannot reach the database or EFS. Where the apply " +
            "does not wait for steady state, targets still registering or draining only warn.",
        async check(ctx) {
            const note = settlingNote(ctx);
            const problems: string[] = [];
            const settling: string[] = [];
            const seen: string[] = [];
            for (const tenant of ctx.config.tenants) {
                const arn = ctx.outputs.tenant("ecs.targetGroupArns", tenant.id);
                const answer = await ctx.read(`elbv2:target-health:${arn}`, () =>
                    ctx.aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })),
                );
                const targets = answer.TargetHealthDescriptions ?? [];
                const healthy = targets.filter((t) => t.TargetHealth?.State === "healthy");
                seen.push(`${tenant.id} ${healthy.length}/${targets.length} healthy`);
                if (targets.length === 0) (note ? settling : problems).push(`${tenant.id}: no registered targets`);
                for (const t of targets.filter((t) => t.TargetHealth?.State !== "healthy")) {
                    const state = t.TargetHealth?.State ?? "unknown";
                    const why = t.TargetHealth?.Description ?? t.TargetHealth?.Reason;
                    (note && SETTLING_TARGET_STATES.includes(state) ? settling : problems).push(
                        `${tenant.id}: ${t.Target?.Id} is ${state}${why ? ` (${why})` : ""}`,
                    );
                }
            }
            return verdict(problems, seen.join(", "), settling.length > 0 && note ? [...settling, note] : []);
        },
    },
    {
        id: "ecs-alb-listeners",
        phase: "ecs",
        info: "Each load balancer (the shared one, each premium tenant's own) is active, serves HTTPS on 443 with a certificate, and redirects HTTP 80 to HTTPS.",
        explanation: "Sites are served only over TLS; plain HTTP exists only to redirect.",
        async check(ctx) {
            const problems: string[] = [];
            const seen: string[] = [];
            for (const { arn, whose } of loadBalancers(ctx)) {
                // The shared one keeps its read keys; a premium tenant's are keyed by its id.
                const key = whose === undefined ? "" : `:${whose}`;
                const lbs = await ctx.read(`elbv2:load-balancer${key}`, () =>
                    ctx.aws.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] })),
                );
                const lb = lbs.LoadBalancers?.[0];
                const label = whose === undefined ? "" : `${whose}: `;
                if (!lb) {
                    problems.push(`${label}load balancer ${arn} not found`);
                    continue;
                }
                const answer = await ctx.read(`elbv2:listeners${key}`, () =>
                    ctx.aws.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: arn })),
                );
                const listeners = answer.Listeners ?? [];
                const https = listeners.find((l) => l.Protocol === "HTTPS" && l.Port === 443);
                const http = listeners.find((l) => l.Protocol === "HTTP" && l.Port === 80);
                const redirect = http?.DefaultActions?.find((a) => a.Type === "redirect")?.RedirectConfig;
                problems.push(
                    ...[
                        ...(lb.State?.Code === "active" ? [] : [`${lb.LoadBalancerName} is ${lb.State?.Code}, expected active`]),
                        ...(https ? [] : ["no HTTPS listener on 443"]),
                        ...(https && (https.Certificates ?? []).length === 0 ? ["the HTTPS listener has no certificate"] : []),
                        ...(http && redirect?.Protocol !== "HTTPS" ? ["HTTP 80 does not redirect to HTTPS"] : []),
                        ...listeners.filter((l) => l !== https && l !== http).map((l) => `unexpected listener ${l.Protocol} ${l.Port}`),
                    ].map((p) => `${label}${p}`),
                );
                seen.push(
                    `${label}${lb.LoadBalancerName} ${lb.State?.Code}: HTTPS 443 (${https?.SslPolicy}), HTTP 80 ${http ? "redirects" : "closed"}`,
                );
            }
            return verdict(problems, seen.join(", "));
        },
    },
    {
        id: "ecs-alb-answers-https",
        phase: "ecs",
        info: "The load balancer answers HTTPS for each tenant's hostname with a trusted certificate and no server error (a premium tenant's, its own).",
        explanation:
            "This is the check a person would do with a browser: it catches a certificate that does not " +
            "cover the hostname, a listener rule that sends the host nowhere, and 5xx from the tasks.",
        async check(ctx) {
            const path = ctx.config.ecs.healthCheckPath;
            const results = await Promise.all(
                ctx.config.tenants.map(async (tenant) => {
                    const hostname = tenant.hostnames[0];
                    // The shared one answers a premium tenant's host with its 404 default: ask the tenant's own.
                    const address = hasOwnVpc(tenant.tier)
                        ? ctx.outputs.tenant("ecs.tenantLoadBalancerDnsNames", tenant.id)
                        : ctx.outputs.string("ecs.loadBalancerDnsName");
                    try {
                        const { statusCode } = await ctx.read(`https:${hostname}`, () =>
                            ctx.probe({ address, hostname, path, timeoutMs: PROBE_TIMEOUT_MS }),
                        );
                        return { hostname, ok: statusCode < 500, seen: `${statusCode}` };
                    } catch (err) {
                        return { hostname, ok: false, seen: (err as Error).message };
                    }
                }),
            );
            return verdict(
                results.filter((r) => !r.ok).map((r) => `https://${r.hostname}${path}: ${r.seen}`),
                results.map((r) => `https://${r.hostname}${path} ${r.seen}`).join(", "),
            );
        },
    },
];
