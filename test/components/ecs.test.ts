import { expect } from "chai";
import * as fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_PARAMETERS, REDIS_PORT } from "../../components/data";
import {
    EcsLayer,
    deploymentLimits,
    targetGroupName,
    FARGATE_PLATFORM_VERSION,
    TLS_POLICY,
    DB_TLS_PHP,
    OBJECT_CACHE_MAX_TTL_SECONDS,
    WORDPRESS_CONFIG_EXTRA_ENV,
    WORDPRESS_SALT_KEYS,
    WP_CONTENT_PATH,
    MIGRATION_TASK_SIZE,
    ONE_OFF_CONTAINER_NAME,
    ONE_OFF_LOG_STREAM_PREFIX,
    RDS_CA_BUNDLE_PATH,
    containerUser,
    ECS_EXEC_SCRATCH_PATHS,
    MIGRATION_SCRATCH_PATHS,
    WORDPRESS_SCRATCH_PATHS,
} from "../../components/ecs";
import { accessPointSpec } from "../../components/tenant-storage";
import { PLATFORM_OF, requiredImages } from "../../src/images";
import { CALL_MODELS, taskDefinitionProblem } from "../../automation/aws-model";
import { SECRET_MASK } from "../../automation/mock-run";
import { MAX_TENANTS, PLATFORM_TASK_POSIX_ID } from "../../src/config";
import { createPlatform, PlatformOutputs } from "../../src/program";
import { SECRET_NAME } from "../../src/policy/rules/ecs-8-no-secrets-in-env";
import { RecordedOptions, recordOptions } from "../support/options";
import { configFor, construct, ENVIRONMENTS, named, ofType, promiseOf, Registration, stackFileConfig } from "../support/pulumi";
import { buildEcs, upstreamFor } from "./ecs-fixtures";

const T = {
    repository: "aws:ecr/repository:Repository",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    listener: "aws:lb/listener:Listener",
    rule: "aws:lb/listenerRule:ListenerRule",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    record: "aws:route53/record:Record",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    scalingPolicy: "aws:appautoscaling/policy:Policy",
    secret: "aws:secretsmanager/secret:Secret",
    secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
};

interface Container {
    name: string;
    image: string;
    essential: boolean;
    privileged: boolean;
    user?: string;
    readonlyRootFilesystem?: boolean;
    linuxParameters?: object;
    environment?: Array<{ name: string; value: string }>;
    secrets?: Array<{ name: string; valueFrom: string }>;
    mountPoints?: Array<{ sourceVolume: string; containerPath: string; readOnly?: boolean }>;
    portMappings?: Array<{ containerPort: number }>;
    healthCheck?: { command: string[] };
    logConfiguration: { logDriver: string; options: Record<string, string> };
}

const containersOf = (taskDefinition: Registration): Container[] => JSON.parse(taskDefinition.inputs.containerDefinitions);
const policyOf = (resources: Registration[], roleLogicalName: string) =>
    JSON.parse(named(resources, `${roleLogicalName}-policy`).inputs.policy);

describe("ecs layer", () => {
    describe("target group names (ELB CreateTargetGroup: unique in the region, at most 32 characters)", () => {
        const identity = { targetType: "ip", protocol: "HTTP", port: 80, vpcId: "vpc-0123456789abcdef0" };
        it("fit in 32 characters for the longest tenant id the config accepts", () => {
            const name = targetGroupName("a".repeat(29), 9999, identity);
            expect(name).to.have.length.at.most(32);
            expect(name).to.match(/^a{23}-[0-9a-f]{8}$/);
        });
        it("differ for two tenants whose ids share their first 23 characters", () => {
            const prefix = "x".repeat(23);
            expect(targetGroupName(`${prefix}-one`, 1, identity)).to.not.equal(targetGroupName(`${prefix}-two`, 2, identity));
        });
        it("end in a letter or digit even when the cut falls on a hyphen", () => {
            expect(targetGroupName(`${"b".repeat(22)}-c-d`, 1, identity)).to.match(/^b{22}-[0-9a-f]{8}$/);
        });
        it("change with every input that replaces the group, so the new group is created before the old one is deleted", () => {
            // terraform-provider-aws internal/service/elbv2/target_group.go: port, protocol, target_type and vpc_id are ForceNew.
            const base = targetGroupName("aupairhive", 1, identity);
            for (const change of [{ port: 8080 }, { protocol: "HTTPS" }, { targetType: "instance" }, { vpcId: "vpc-0fedcba9876543210" }]) {
                expect(targetGroupName("aupairhive", 1, { ...identity, ...change }), JSON.stringify(change)).to.not.equal(base);
            }
            expect(targetGroupName("aupairhive", 1, identity)).to.equal(base);
        });
    });

    describe("deployment limits", () => {
        it("lets a singleton's old task stop before the new one starts (minimum 0 %, maximum 100 %)", () => {
            expect(deploymentLimits({ singleton: true })).to.deep.equal({ minimumHealthyPercent: 0, maximumPercent: 100 });
        });
        it("keeps full capacity during a rolling deployment of other tenants", () => {
            expect(deploymentLimits({ singleton: false })).to.deep.equal({ minimumHealthyPercent: 100, maximumPercent: 200 });
        });
    });

    it("refuses to build when an upstream layer has no entry for a tenant, naming the argument", async () => {
        const cfg = configFor("dev");
        const build = () => buildEcs(cfg, { accessPoints: {} });
        const error = await construct(cfg, build).then(
            () => undefined,
            (err: Error) => err,
        );
        expect(error?.message).to.equal(`\`accessPoints\` has no entry for tenant(s) ${cfg.tenants.map((t) => t.id).join(", ")}`);
    });

    for (const env of ENVIRONMENTS) {
        describe(`in ${env}`, () => {
            const cfg = configFor(env);
            let resources: Registration[];
            let layer: EcsLayer;
            let options: Map<string, RecordedOptions>;

            before(async () => {
                ({ result: layer, resources } = await construct(cfg, () => {
                    options = recordOptions();
                    return buildEcs(cfg);
                }));
            });

            describe("images and cluster", () => {
                it("creates no image repository: the storage layer owns them, a phase earlier, so images can be pushed in between", () => {
                    expect(ofType(resources, T.repository)).to.deep.equal([]);
                });

                it("pulls exactly the images requiredImages lists for the config, the list the rollout checks in ECR", () => {
                    const images = ofType(resources, T.taskDefinition).flatMap((td) => containersOf(td).map((c) => c.image));
                    const prefix = `${cfg.accountId}.dkr.ecr.${cfg.region}.amazonaws.com/`;
                    expect([...new Set(images)].sort()).to.deep.equal(
                        requiredImages(cfg)
                            .map((i) => `${prefix}${i.repository}:${i.tag}`)
                            .sort(),
                    );
                });

                // A task pulls the image's variant for its runtime platform: ARM64 needs linux/arm64 (ECS developer
                // guide, "Working with 64-bit ARM workloads on Amazon ECS"), so the check must ask for each platform.
                it("pulls each image on exactly the platforms requiredImages lists for it, the platforms the rollout checks in its manifest", () => {
                    const pulled = ofType(resources, T.taskDefinition).flatMap((td) =>
                        containersOf(td).map(
                            (c) => `${c.image} ${PLATFORM_OF[td.inputs.runtimePlatform.cpuArchitecture as keyof typeof PLATFORM_OF]}`,
                        ),
                    );
                    const prefix = `${cfg.accountId}.dkr.ecr.${cfg.region}.amazonaws.com/`;
                    expect([...new Set(pulled)].sort()).to.deep.equal(
                        requiredImages(cfg)
                            .flatMap((i) => i.platforms.map((p) => `${prefix}${i.repository}:${i.tag} ${p.platform}`))
                            .sort(),
                    );
                });

                it(`names the cluster bbws-ecs-${env}, with Container Insights and ECS Exec sessions logged encrypted`, () => {
                    const cluster = named(resources, "ecs-cluster");
                    expect(cluster.inputs.name).to.equal(`bbws-ecs-${env}`);
                    expect(cluster.inputs.settings).to.deep.include({ name: "containerInsights", value: "enabled" });
                    const exec = cluster.inputs.configuration.executeCommandConfiguration;
                    expect(exec.logging).to.equal("OVERRIDE");
                    expect(exec.kmsKeyId).to.equal(upstreamFor(cfg).keyArn);
                    expect(exec.logConfiguration).to.deep.equal({
                        cloudWatchLogGroupName: `/aws/ecs/bbws-${env}/_sessions`,
                        cloudWatchEncryptionEnabled: true,
                    });
                });

                it("offers FARGATE and FARGATE_SPOT with the environment's default strategy", () => {
                    const cp = named(resources, "ecs-capacity-providers");
                    expect(cp.inputs.capacityProviders).to.have.members(["FARGATE", "FARGATE_SPOT"]);
                    expect(cp.inputs.defaultCapacityProviderStrategies).to.deep.equal(
                        cfg.ecs.capacityProviders.map((p) => ({ capacityProvider: p.provider, weight: p.weight, base: p.base })),
                    );
                });

                it("keeps every log group for the environment's retention, encrypted with the data key", () => {
                    const groups = ofType(resources, T.logGroup);
                    expect(groups.map((g) => g.inputs.name)).to.have.members([
                        ...cfg.tenants.map((t) => `/aws/ecs/bbws-${env}/${t.id}`),
                        `/aws/ecs/bbws-${env}/_migration`,
                        `/aws/ecs/bbws-${env}/_sessions`,
                    ]);
                    for (const g of groups) {
                        expect(g.inputs.retentionInDays, g.name).to.equal(cfg.ecs.logRetentionDays);
                        expect(g.inputs.kmsKeyId, g.name).to.equal(upstreamFor(cfg).keyArn);
                    }
                });

                it("sets Session Manager sessions to 60 minutes idle and maximum, logged to CloudWatch encrypted", () => {
                    const doc = named(resources, "ecs-session-preferences");
                    expect(doc.inputs).to.include({ name: "SSM-SessionManagerRunShell", documentType: "Session", documentFormat: "JSON" });
                    const content = JSON.parse(doc.inputs.content);
                    expect(content.sessionType).to.equal("Standard_Stream");
                    expect(content.inputs).to.include({
                        idleSessionTimeout: "60",
                        maxSessionDuration: "60",
                        cloudWatchLogGroupName: `/aws/ecs/bbws-${env}/_sessions`,
                        cloudWatchEncryptionEnabled: true,
                    });
                });
            });

            describe("load balancer", () => {
                it(`is bbws-alb-${env}: public subnets, its own group, invalid headers dropped, access logs on`, () => {
                    const alb = named(resources, "ecs-alb");
                    const up = upstreamFor(cfg);
                    expect(alb.inputs).to.include({
                        name: `bbws-alb-${env}`,
                        internal: false,
                        loadBalancerType: "application",
                        dropInvalidHeaderFields: true,
                    });
                    expect(alb.inputs.subnets).to.deep.equal(up.publicSubnetIds);
                    expect(alb.inputs.securityGroups).to.deep.equal([up.loadBalancerSecurityGroupId]);
                    expect(alb.inputs.accessLogs).to.include({ bucket: up.logsBucketName, enabled: true });
                });

                it(`has deletion protection ${env === "prod" ? "on" : "off"}, as configured`, () => {
                    expect(named(resources, "ecs-alb").inputs.enableDeletionProtection).to.equal(cfg.ecs.albDeletionProtection);
                    expect(cfg.ecs.albDeletionProtection).to.equal(env === "prod");
                });

                it("serves HTTPS on 443 with TLS 1.2+/1.3 and the *.domain certificate, answering 404 to unknown hosts", () => {
                    const https = named(resources, "ecs-https");
                    expect(https.inputs).to.include({ port: 443, protocol: "HTTPS", sslPolicy: TLS_POLICY });
                    const lookedUp = CALL_MODELS["aws:acm/getCertificate:getCertificate"](
                        { domain: `*.${cfg.domain}` },
                        { ...cfg, azCount: cfg.network.azCount },
                    );
                    expect(https.inputs.certificateArn).to.equal(lookedUp.arn);
                    expect(https.inputs.defaultActions).to.have.length(1);
                    expect(https.inputs.defaultActions[0].type).to.equal("fixed-response");
                    expect(https.inputs.defaultActions[0].fixedResponse.statusCode).to.equal("404");
                });

                it("redirects HTTP on 80 to HTTPS permanently", () => {
                    const http = named(resources, "ecs-http");
                    expect(http.inputs).to.include({ port: 80, protocol: "HTTP" });
                    expect(http.inputs.defaultActions).to.deep.equal([
                        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
                    ]);
                });

                it("routes each tenant's hostnames to its own IP target group at priority = its slot", () => {
                    const rules = ofType(resources, T.rule);
                    expect(rules).to.have.length(cfg.tenants.length);
                    for (const tenant of cfg.tenants) {
                        const rule = named(resources, `ecs-${tenant.id}-rule`);
                        expect(rule.inputs.priority).to.equal(tenant.slot);
                        expect(rule.inputs.conditions).to.deep.equal([
                            {
                                hostHeader: {
                                    values: [
                                        `${tenant.id}.${cfg.domain}`,
                                        // Only a domain whose certificate is issued or in our zone (test/components/tenant-domains.test.ts).
                                        ...tenant.customDomains
                                            .filter((d) => d.hostedZoneId || d.certificate === "issued")
                                            .map((d) => d.name),
                                    ],
                                },
                            },
                        ]);
                        const tg = named(resources, `ecs-${tenant.id}-tg`);
                        expect(tg.inputs).to.include({ targetType: "ip", protocol: "HTTP", port: tenant.containerPort });
                        expect(tg.inputs.healthCheck).to.include({ enabled: true, path: cfg.ecs.healthCheckPath });
                        expect(rule.inputs.actions).to.have.length(1);
                        expect(rule.inputs.actions[0].type).to.equal("forward");
                    }
                    expect(new Set(rules.map((r) => r.inputs.priority)).size).to.equal(rules.length);
                });

                it("points <tenant>.<domain> at the load balancer with an alias record in the environment's zone", () => {
                    const zone = CALL_MODELS["aws:route53/getZone:getZone"]({ name: cfg.domain }, { ...cfg, azCount: cfg.network.azCount });
                    const records = ofType(resources, T.record);
                    expect(records.map((r) => r.inputs.name)).to.have.members(cfg.tenants.map((t) => `${t.id}.${cfg.domain}`));
                    for (const r of records) {
                        expect(r.inputs).to.include({ type: "A", zoneId: zone.zoneId });
                        expect(r.inputs.aliases).to.have.length(1);
                        // A failover pair's records leave it to the region health check (components/failover-dns.ts).
                        expect(r.inputs.aliases[0].evaluateTargetHealth).to.equal(r.inputs.setIdentifier === undefined);
                        expect(r.inputs.aliases[0].name).to.match(
                            new RegExp(`^bbws-alb-${env}-\\d+\\.${cfg.region}\\.elb\\.amazonaws\\.com$`),
                        );
                    }
                });
            });

            describe("tenant services", () => {
                it("runs one service per tenant, named bbws-wordpress-<tenant>-<env>, on Fargate 1.4.0+", () => {
                    const services = ofType(resources, T.service);
                    expect(services.map((s) => s.inputs.name)).to.have.members(cfg.tenants.map((t) => `bbws-wordpress-${t.id}-${env}`));
                    for (const s of services) expect(s.inputs.platformVersion, s.name).to.equal(FARGATE_PLATFORM_VERSION);
                });

                it("keeps tasks in private subnets without public IPs, in the tenant's own security group", () => {
                    const up = upstreamFor(cfg);
                    for (const tenant of cfg.tenants) {
                        const net = named(resources, `ecs-${tenant.id}-service`).inputs.networkConfiguration;
                        expect(net.subnets).to.deep.equal(up.privateSubnetIds);
                        expect(net.assignPublicIp).to.equal(false);
                        expect(net.securityGroups).to.deep.equal([up.tenantSecurityGroupIds[tenant.id]]);
                    }
                });

                it("registers the wordpress container in the tenant's target group", async () => {
                    for (const tenant of cfg.tenants) {
                        const lb = named(resources, `ecs-${tenant.id}-service`).inputs.loadBalancers;
                        expect(lb).to.deep.equal([
                            {
                                targetGroupArn: await promiseOf(layer.targetGroupArns[tenant.id]),
                                containerName: "wordpress",
                                containerPort: tenant.containerPort,
                            },
                        ]);
                    }
                });

                it("rolls back a failed deployment, waits out the grace period and propagates tags", () => {
                    for (const s of ofType(resources, T.service)) {
                        expect(s.inputs.deploymentCircuitBreaker, s.name).to.deep.equal({ enable: true, rollback: true });
                        expect(s.inputs.healthCheckGracePeriodSeconds, s.name).to.equal(cfg.ecs.healthCheckGracePeriodSeconds);
                        expect(s.inputs.propagateTags, s.name).to.equal("SERVICE");
                        expect(s.inputs.capacityProviderStrategies, s.name).to.deep.equal(
                            cfg.ecs.capacityProviders.map((p) => ({ capacityProvider: p.provider, weight: p.weight, base: p.base })),
                        );
                    }
                });

                it(`${env === "dev" ? "does not wait" : "waits"} for steady state during an update`, () => {
                    for (const s of ofType(resources, T.service)) {
                        expect(s.inputs.waitForSteadyState, s.name).to.equal(env !== "dev");
                    }
                });

                // Offboarding's archive and purge tasks log there (SHA256SUMS among it); deleting the group with the
                // tenant would delete that evidence. Pulumi's retainOnDelete drops it from the state only
                // (pulumi/pulumi docs, "Resource options: retainOnDelete"); its retention period still expires it.
                it("keeps each tenant's log group in AWS when the tenant is removed (retainOnDelete), as its retention expires it", () => {
                    for (const tenant of cfg.tenants) {
                        expect(options.get(`ecs-${tenant.id}-logs`)!.retainOnDelete, tenant.id).to.equal(true);
                    }
                });

                it("leaves the running count to auto-scaling after creation, so drift checks do not flag it", () => {
                    for (const tenant of cfg.tenants) {
                        expect(options.get(`ecs-${tenant.id}-service`)!.ignoreChanges).to.deep.equal(["desiredCount"]);
                        expect(named(resources, `ecs-${tenant.id}-service`).inputs.desiredCount).to.equal(tenant.minCapacity);
                    }
                });

                it("starts a service only after its listener rule and the cluster's capacity providers exist", () => {
                    for (const tenant of cfg.tenants) {
                        expect(options.get(`ecs-${tenant.id}-service`)!.dependencies).to.include.members([
                            named(resources, `ecs-${tenant.id}-rule`).urn,
                            named(resources, "ecs-capacity-providers").urn,
                        ]);
                    }
                });

                it("enables ECS Exec exactly as configured, with a redeploy trigger tied to it", () => {
                    for (const tenant of cfg.tenants) {
                        const s = named(resources, `ecs-${tenant.id}-service`);
                        expect(s.inputs.enableExecuteCommand).to.equal(tenant.execEnabled);
                        expect(s.inputs.forceNewDeployment).to.equal(true);
                        expect(s.inputs.triggers).to.deep.equal({ execEnabled: String(tenant.execEnabled) });
                    }
                });

                it("scales between the tenant's min and max on CPU and memory utilisation", () => {
                    const expectedDefaults = env === "dev" ? [1, 3] : [2, 10];
                    for (const tenant of cfg.tenants) {
                        const target = named(resources, `ecs-${tenant.id}-scaling`);
                        expect([target.inputs.minCapacity, target.inputs.maxCapacity]).to.deep.equal([
                            tenant.minCapacity,
                            tenant.maxCapacity,
                        ]);
                        expect([tenant.minCapacity, tenant.maxCapacity]).to.deep.equal(expectedDefaults);
                        expect(target.inputs.resourceId).to.equal(`service/bbws-ecs-${env}/bbws-wordpress-${tenant.id}-${env}`);
                        const policies = ofType(resources, T.scalingPolicy).filter((p) => p.name.startsWith(`ecs-${tenant.id}-`));
                        expect(
                            policies.map((p) => [
                                p.inputs.policyType,
                                p.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType,
                                p.inputs.targetTrackingScalingPolicyConfiguration.targetValue,
                            ]),
                        ).to.have.deep.members([
                            ["TargetTrackingScaling", "ECSServiceAverageCPUUtilization", cfg.ecs.cpuTargetPercent],
                            ["TargetTrackingScaling", "ECSServiceAverageMemoryUtilization", cfg.ecs.memoryTargetPercent],
                        ]);
                    }
                });
            });

            describe("task definitions", () => {
                it("sizes each tenant's task from its config: awsvpc, Fargate, cpu, memory and CPU architecture", () => {
                    for (const tenant of cfg.tenants) {
                        const td = named(resources, `ecs-${tenant.id}-task`);
                        expect(td.inputs).to.include({
                            family: `bbws-wordpress-${tenant.id}-${env}`,
                            networkMode: "awsvpc",
                            cpu: String(tenant.cpu),
                            memory: String(tenant.memory),
                        });
                        expect(td.inputs.requiresCompatibilities).to.deep.equal(["FARGATE"]);
                        expect(td.inputs.runtimePlatform).to.deep.equal({
                            operatingSystemFamily: "LINUX",
                            cpuArchitecture: tenant.architecture,
                        });
                    }
                });

                it("runs a non-privileged wordpress container from bbws/wordpress:<tag>, with a health check and awslogs", () => {
                    for (const tenant of cfg.tenants) {
                        const [wp] = containersOf(named(resources, `ecs-${tenant.id}-task`));
                        expect(wp.name).to.equal("wordpress");
                        expect(wp.image).to.equal(`${cfg.accountId}.dkr.ecr.${cfg.region}.amazonaws.com/bbws/wordpress:${tenant.imageTag}`);
                        expect(wp.essential).to.equal(true);
                        expect(wp.privileged).to.equal(false);
                        expect(wp.portMappings).to.deep.equal([{ containerPort: tenant.containerPort, protocol: "tcp" }]);
                        expect(wp.healthCheck!.command.join(" ")).to.contain(cfg.ecs.healthCheckPath);
                        expect(wp.logConfiguration.logDriver).to.equal("awslogs");
                        expect(wp.logConfiguration.options["awslogs-group"]).to.equal(`/aws/ecs/bbws-${env}/${tenant.id}`);
                    }
                });

                it("passes database and Redis hosts as environment, and every secret through Secrets Manager", () => {
                    const up = upstreamFor(cfg);
                    for (const tenant of cfg.tenants) {
                        const [wp] = containersOf(named(resources, `ecs-${tenant.id}-task`));
                        const db = up.tenantDbSecrets[tenant.id];
                        expect(wp.environment).to.have.deep.members([
                            { name: "WORDPRESS_DB_HOST", value: `${up.dbWriterEndpoint}:3306` },
                            { name: "WORDPRESS_DB_NAME", value: db.database },
                            { name: "WP_REDIS_HOST", value: up.redisPrimaryEndpoint },
                            { name: "WP_REDIS_PORT", value: "6379" },
                            { name: "WP_REDIS_SCHEME", value: "tls" },
                            { name: "WP_REDIS_PREFIX", value: `${tenant.id}:` },
                            { name: "WP_REDIS_SELECTIVE_FLUSH", value: "true" },
                            { name: "WP_REDIS_MAXTTL", value: String(OBJECT_CACHE_MAX_TTL_SECONDS) },
                            ...WORDPRESS_CONFIG_EXTRA_ENV,
                        ]);
                        const secrets = Object.fromEntries(wp.secrets!.map((s) => [s.name, s.valueFrom]));
                        // Rotation alternates the user: user and password both come from the secret's current version.
                        expect(secrets.WORDPRESS_DB_USER).to.equal(`${db.arn}:username::`);
                        expect(secrets.WORDPRESS_DB_PASSWORD).to.equal(`${db.arn}:password::`);
                        expect(secrets.WP_REDIS_USERNAME).to.equal(`${db.cache.secretArn}:username::`);
                        expect(secrets.WP_REDIS_PASSWORD).to.equal(`${db.cache.secretArn}:password::`);
                        for (const key of WORDPRESS_SALT_KEYS) {
                            expect(secrets[`WORDPRESS_${key}`], key).to.match(
                                new RegExp(
                                    `^arn:aws:secretsmanager:.*:secret:bbws/${env}/tenants/${tenant.id}/wp-salts-[0-9a-f]{6}:${key}::$`,
                                ),
                            );
                        }
                    }
                });

                /*
                 * The cluster's require_secure_transport refuses every connection without TLS (Aurora user guide,
                 * "TLS connections to Aurora MySQL DB clusters":
                 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Security.html#AuroraMySQL.Security.SSL),
                 * so a container that reaches the database without being told to use TLS cannot connect at all.
                 */
                const secureTransport = CLUSTER_PARAMETERS.find((p) => p.name === "require_secure_transport");
                it("tells every container that connects to Aurora to use TLS that checks the server, because the cluster requires it (data.ts CLUSTER_PARAMETERS require_secure_transport)", () => {
                    expect(secureTransport, "data.ts CLUSTER_PARAMETERS sets require_secure_transport").to.exist;
                    const requiresTls = secureTransport!.value === "ON";
                    const env = (c: Container) => Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]));
                    const connecting = ofType(resources, T.taskDefinition)
                        .flatMap((td) => containersOf(td).map((c) => ({ at: `${td.name}/${c.name}`, c, vars: env(c) })))
                        .filter(({ vars }) => "WORDPRESS_DB_HOST" in vars || "DB_HOST" in vars);
                    const sidecars = cfg.tenants.filter((t) => t.migrationSidecar).length;
                    // WordPress and the one-off task of each tenant, the sidecars, the platform one-off task.
                    expect(connecting.map(({ at }) => at)).to.have.length(2 * cfg.tenants.length + sidecars + 1);
                    if (!requiresTls) return;
                    for (const { at, c, vars } of connecting) {
                        if ("WORDPRESS_DB_HOST" in vars) {
                            // wpdb::db_connect passes MYSQL_CLIENT_FLAGS to mysqli_real_connect (WordPress
                            // wp-includes/class-wpdb.php); without a CA or the VERIFY flag mysqlnd encrypts but
                            // never checks the server (php-src ext/mysqlnd/mysqlnd_vio.c). The official image
                            // evals WORDPRESS_CONFIG_EXTRA in wp-config.php (docker-library/wordpress).
                            expect(vars.WORDPRESS_CONFIG_EXTRA.split("\n"), at).to.include(
                                "define('MYSQL_CLIENT_FLAGS', MYSQLI_CLIENT_SSL | MYSQLI_CLIENT_SSL_VERIFY_SERVER_CERT);",
                            );
                        }
                        if (/\/bbws\/migration:/.test(c.image)) {
                            // mysql and mysqldump: --ssl-mode=VERIFY_IDENTITY with the RDS global bundle as CA
                            // (RDS user guide, "Using SSL/TLS to encrypt a connection to a DB cluster").
                            expect([vars.DB_SSL_MODE, vars.DB_SSL_CA], at).to.deep.equal([
                                "VERIFY_IDENTITY",
                                "/opt/bbws/rds-global-bundle.pem",
                            ]);
                        }
                    }
                });

                /*
                 * What the Redis Object Cache plugin reads (rhubarbgroup/redis-cache includes/object-cache.php, read at
                 * e3c18baadbbb14649479f7edcbd02a6c21c79886): `build_parameters` takes WP_REDIS_SCHEME, _HOST, _PORT, _PATH,
                 * _PASSWORD, _DATABASE, _TIMEOUT, _READ_TIMEOUT and _RETRY_INTERVAL with constant() only; `wp_cache_init`
                 * also defines WP_REDIS_PREFIX and WP_REDIS_SELECTIVE_FLUSH from getenv; `validate_expiration` caps every
                 * expiry, none included, at WP_REDIS_MAXTTL when it is defined. docker-library/wordpress
                 * wp-config-docker.php maps only WORDPRESS_* variables and evals WORDPRESS_CONFIG_EXTRA, so any other
                 * setting reaches the plugin only as a constant defined there.
                 */
                const PLUGIN_CONSTANTS = [
                    // Read by newer drop-ins (and by the ACL form of WP_REDIS_PASSWORD built here, README "Connecting
                    // using ACL authentication": define('WP_REDIS_PASSWORD', ['username', 'password'])).
                    "WP_REDIS_USERNAME",
                    "WP_REDIS_SCHEME",
                    "WP_REDIS_HOST",
                    "WP_REDIS_PORT",
                    "WP_REDIS_PATH",
                    "WP_REDIS_PASSWORD",
                    "WP_REDIS_DATABASE",
                    "WP_REDIS_TIMEOUT",
                    "WP_REDIS_READ_TIMEOUT",
                    "WP_REDIS_RETRY_INTERVAL",
                    "WP_REDIS_PREFIX",
                    "WP_REDIS_SELECTIVE_FLUSH",
                    "WP_REDIS_MAXTTL",
                ];
                it("gives WordPress and wp-cli only Redis settings the plugin reads, each defined as the constant it reads from the variable of that name (rhubarbgroup/redis-cache object-cache.php)", () => {
                    const up = upstreamFor(cfg);
                    const wordpressContainers = ofType(resources, T.taskDefinition)
                        .flatMap((td) => containersOf(td).map((c) => ({ at: `${td.name}/${c.name}`, c })))
                        .filter(({ c }) => (c.environment ?? []).some((e) => e.name === "WORDPRESS_CONFIG_EXTRA"));
                    expect(wordpressContainers).to.have.length(
                        2 * cfg.tenants.length + cfg.tenants.filter((t) => t.migrationSidecar).length,
                    );
                    for (const { at, c } of wordpressContainers) {
                        const extra = c.environment!.find((e) => e.name === "WORDPRESS_CONFIG_EXTRA")!.value.split("\n");
                        const given = [...(c.environment ?? []).map((e) => e.name), ...(c.secrets ?? []).map((s) => s.name)].filter((n) =>
                            n.startsWith("WP_REDIS_"),
                        );
                        const defined = extra
                            .map((line) => /^define\('(WP_REDIS_\w+)', (?:\((?:int|bool)\) )?getenv\('(\w+)'\)\);$/.exec(line))
                            .filter(Boolean)
                            .map((m) => {
                                expect(m![2], `${at}: ${m![1]} read from the variable of its own name`).to.equal(m![1]);
                                return m![1];
                            });
                        // The password is the plugin's ACL form: the tenant's own cache user and its password.
                        expect(extra, at).to.include(
                            "define('WP_REDIS_PASSWORD', [getenv('WP_REDIS_USERNAME'), getenv('WP_REDIS_PASSWORD')]);",
                        );
                        expect(given, at).to.include.members([
                            "WP_REDIS_HOST",
                            "WP_REDIS_PORT",
                            "WP_REDIS_SCHEME",
                            "WP_REDIS_PASSWORD",
                            "WP_REDIS_USERNAME",
                        ]);
                        for (const name of given) expect(PLUGIN_CONSTANTS, `${at}: ${name} is a setting the plugin reads`).to.include(name);
                        // WP_REDIS_SELECTIVE_FLUSH is read from the environment by the drop-in itself (wp_cache_init).
                        expect(
                            [...defined, "WP_REDIS_PASSWORD", "WP_REDIS_USERNAME", "WP_REDIS_SELECTIVE_FLUSH"].sort(),
                            `${at}: every variable is defined as a constant or read by the drop-in, and every constant has its variable`,
                        ).to.deep.equal([...given].sort());
                        expect(extra[0], at).to.equal(DB_TLS_PHP);
                        const vars = Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]));
                        expect(vars.WP_REDIS_SCHEME, `${at}: the replication group has in-transit encryption`).to.equal("tls");
                        // The tenant's user may not SCAN, so the drop-in's flush() and flush_group() (a Lua SCAN over the
                        // prefix) fail for it: without WP_REDIS_MAXTTL a key WordPress gives no expiry would never go.
                        expect(vars.WP_REDIS_MAXTTL, `${at}: every cache key expires (validate_expiration)`).to.equal(
                            String(OBJECT_CACHE_MAX_TTL_SECONDS),
                        );
                        expect(vars.WP_REDIS_HOST, at).to.equal(up.redisPrimaryEndpoint);
                        expect(vars.WP_REDIS_PORT, `${at}: the port the replication group listens on (data.ts)`).to.equal(
                            String(REDIS_PORT),
                        );
                        const tenant = cfg.tenants.find((t) => at.startsWith(`ecs-${t.id}-`))!;
                        expect(
                            c.secrets!.find((s) => s.name === "WP_REDIS_PASSWORD")?.valueFrom,
                            `${at}: the tenant's own cache password, only as a secret`,
                        ).to.equal(`${up.tenantDbSecrets[tenant.id].cache.secretArn}:password::`);
                    }
                });

                // object-cache.php `fast_build_key`: "{WP_REDIS_PREFIX}{blog prefix}:{group}:{key}", and a single site's blog
                // prefix is its table prefix, `wp_` in every tenant (the official image's default).
                it("keeps each tenant's cache keys apart on the shared replication group with a prefix of its own", () => {
                    for (const tenant of cfg.tenants) {
                        for (const c of containersOf(named(resources, `ecs-${tenant.id}-task`))) {
                            const vars = Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]));
                            expect(vars.WP_REDIS_PREFIX, `${tenant.id}/${c.name}`).to.equal(`${tenant.id}:`);
                        }
                    }
                });

                it("must not put a secret in any container's environment", () => {
                    for (const td of ofType(resources, T.taskDefinition)) {
                        for (const c of containersOf(td)) {
                            for (const e of c.environment ?? []) {
                                expect(e.name, `${td.name}/${c.name}`).not.to.match(SECRET_NAME);
                                expect(e.value, `${td.name}/${c.name}/${e.name}`).not.to.equal(SECRET_MASK);
                            }
                        }
                    }
                });

                it("mounts the tenant's access point at wp-content with transit encryption and IAM authorisation", () => {
                    const up = upstreamFor(cfg);
                    for (const tenant of cfg.tenants) {
                        const td = named(resources, `ecs-${tenant.id}-task`);
                        const efs = td.inputs.volumes.filter((v: { efsVolumeConfiguration?: object }) => v.efsVolumeConfiguration);
                        expect(efs).to.deep.equal([
                            {
                                name: "wp-content",
                                efsVolumeConfiguration: {
                                    fileSystemId: up.fileSystemId,
                                    transitEncryption: "ENABLED",
                                    authorizationConfig: { accessPointId: up.accessPoints[tenant.id].id, iam: "ENABLED" },
                                },
                            },
                        ]);
                        for (const c of containersOf(td)) {
                            expect(
                                c.mountPoints!.filter((m) => m.sourceVolume === "wp-content"),
                                c.name,
                            ).to.deep.equal([{ sourceVolume: "wp-content", containerPath: WP_CONTENT_PATH, readOnly: false }]);
                        }
                    }
                });

                it("adds a non-essential migration sidecar from bbws/migration exactly for tenants that ask for one", () => {
                    for (const tenant of cfg.tenants) {
                        const containers = containersOf(named(resources, `ecs-${tenant.id}-task`));
                        expect(containers.map((c) => c.name)).to.deep.equal(
                            tenant.migrationSidecar ? ["wordpress", "migration"] : ["wordpress"],
                        );
                        const sidecar = containers.find((c) => c.name === "migration");
                        if (!sidecar) continue;
                        expect(sidecar.essential).to.equal(false);
                        expect(sidecar.privileged).to.equal(false);
                        expect(sidecar.image).to.match(/\/bbws\/migration:/);
                    }
                    expect(
                        cfg.tenants.some((t) => t.migrationSidecar),
                        "the stack file has a sidecar tenant to check",
                    ).to.equal(true);
                });

                it("keeps each tenant's salts in one Secrets Manager secret encrypted with the data key, never in plain state", () => {
                    const secrets = ofType(resources, T.secret);
                    expect(secrets.map((s) => s.inputs.name)).to.have.members(
                        cfg.tenants.map((t) => `bbws/${env}/tenants/${t.id}/wp-salts`),
                    );
                    for (const s of secrets) expect(s.inputs.kmsKeyId).to.equal(upstreamFor(cfg).keyArn);
                    for (const v of ofType(resources, T.secretVersion)) expect(v.inputs.secretString).to.equal(SECRET_MASK);
                });
            });

            /*
             * Issue 18. ECS API reference, ContainerDefinition (`user`, `readonlyRootFilesystem`, `privileged`),
             * LinuxParameters and KernelCapabilities; ECS developer guide, "Use bind mounts with Amazon ECS" (a
             * volume without `host` is an ephemeral bind mount). README, "The WordPress image contract".
             */
            describe("hardened containers (every task definition the layer makes)", () => {
                const taskDefinitions = () => ofType(resources, T.taskDefinition);
                /** The tenant a task definition belongs to, by its family; undefined for the platform task. */
                const tenantOf = (td: Registration) => cfg.tenants.find((t) => td.inputs.family.endsWith(`-${t.id}-${env}`));
                const mountsAt = (c: Container) => Object.fromEntries((c.mountPoints ?? []).map((m) => [m.containerPath, m]));

                it("covers the WordPress service, the sidecar, every tenant's one-off task and the platform's", () => {
                    expect(taskDefinitions()).to.have.length(2 * cfg.tenants.length + 1);
                    expect(
                        taskDefinitions()
                            .flatMap(containersOf)
                            .map((c) => c.name),
                    ).to.include.members(["wordpress", "migration"]);
                });

                it("runs every container as a non-root numeric user: the tenant's POSIX id, or the platform task's id no tenant holds", () => {
                    for (const td of taskDefinitions()) {
                        const tenant = tenantOf(td);
                        const expected = containerUser(tenant ? tenant.posixId : PLATFORM_TASK_POSIX_ID);
                        for (const c of containersOf(td)) expect(c.user, `${td.name}/${c.name}`).to.equal(expected);
                    }
                    expect(cfg.tenants.map((t) => t.posixId)).not.to.include(PLATFORM_TASK_POSIX_ID);
                });

                it("runs each tenant's containers as the POSIX user its EFS access point enforces, so what they create on wp-content is theirs", () => {
                    for (const tenant of cfg.tenants) {
                        const { uid, gid } = accessPointSpec(tenant).posixUser as { uid: number; gid: number };
                        for (const td of taskDefinitions().filter((t) => tenantOf(t) === tenant))
                            for (const c of containersOf(td)) expect(c.user, `${td.name}/${c.name}`).to.equal(`${uid}:${gid}`);
                    }
                });

                it("gives every container a read-only root filesystem, no privilege, every capability dropped and none added", () => {
                    for (const td of taskDefinitions()) {
                        for (const c of containersOf(td)) {
                            const at = `${td.name}/${c.name}`;
                            expect(c.readonlyRootFilesystem, at).to.equal(true);
                            expect(c.privileged, at).to.equal(false);
                            expect(c.linuxParameters, at).to.deep.equal({ initProcessEnabled: true, capabilities: { drop: ["ALL"] } });
                        }
                    }
                });

                it("mounts a writable /tmp in every container, and Apache's run and lock directories in WordPress, each from an ephemeral task volume", () => {
                    for (const td of taskDefinitions()) {
                        const ephemeral = new Set(
                            (td.inputs.volumes as { name: string; host?: object; efsVolumeConfiguration?: object }[])
                                .filter((v) => !v.host && !v.efsVolumeConfiguration)
                                .map((v) => v.name),
                        );
                        for (const c of containersOf(td)) {
                            const scratch = c.name === "wordpress" ? WORDPRESS_SCRATCH_PATHS : MIGRATION_SCRATCH_PATHS;
                            for (const p of scratch) {
                                const m = mountsAt(c)[p.containerPath];
                                expect(m, `${td.name}/${c.name} ${p.containerPath}`).to.deep.equal({
                                    sourceVolume: p.volume,
                                    containerPath: p.containerPath,
                                    readOnly: false,
                                });
                                expect(ephemeral.has(m.sourceVolume), `${td.name} declares ${m.sourceVolume} without host or EFS`).to.equal(
                                    true,
                                );
                            }
                        }
                    }
                });

                it("declares every volume a container mounts, and mounts no path twice in one container (ECS refuses the first, Docker the second)", () => {
                    for (const td of taskDefinitions()) {
                        expect(taskDefinitionProblem(td.inputs), td.name).to.equal(undefined);
                        for (const c of containersOf(td)) {
                            const paths = (c.mountPoints ?? []).map((m) => m.containerPath);
                            expect(new Set(paths).size, `${td.name}/${c.name}`).to.equal(paths.length);
                        }
                    }
                });

                it("mounts the ECS Exec agent's paths in a service's containers exactly when the tenant has ECS Exec on (AWS: not supported on a read-only root)", () => {
                    for (const tenant of cfg.tenants) {
                        const service = named(resources, `ecs-${tenant.id}-task`);
                        for (const c of containersOf(service)) {
                            const mounted = ECS_EXEC_SCRATCH_PATHS.filter((p) => mountsAt(c)[p.containerPath]);
                            expect(mounted, `${tenant.id}/${c.name}`).to.deep.equal(tenant.execEnabled ? ECS_EXEC_SCRATCH_PATHS : []);
                        }
                        for (const c of containersOf(named(resources, `ecs-${tenant.id}-migration`)))
                            expect(ECS_EXEC_SCRATCH_PATHS.filter((p) => mountsAt(c)[p.containerPath])).to.be.empty;
                    }
                });

                it("listens on a port of 1024 or more, which a user without CAP_NET_BIND_SERVICE can bind, and health-checks that port", () => {
                    for (const tenant of cfg.tenants) {
                        expect(tenant.containerPort).to.be.at.least(1024);
                        const [wp] = containersOf(named(resources, `ecs-${tenant.id}-task`));
                        expect(wp.portMappings).to.deep.equal([{ containerPort: tenant.containerPort, protocol: "tcp" }]);
                        expect(wp.healthCheck!.command[1]).to.contain(`http://localhost:${tenant.containerPort}${cfg.ecs.healthCheckPath}`);
                        const tg = ofType(resources, T.targetGroup).find((g) => g.name === `ecs-${tenant.id}-tg`)!;
                        expect(tg.inputs).to.include({ port: tenant.containerPort });
                        expect(tg.inputs.healthCheck).to.include({ port: "traffic-port", path: cfg.ecs.healthCheckPath });
                    }
                });
            });

            /*
             * Issue 15: `npm run task` runs these with RunTask. RunTask's overrides are containerOverrides, cpu,
             * memory, ephemeralStorage, executionRoleArn and taskRoleArn (ECS API reference, TaskOverride:
             * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskOverride.html): no volumes, so a
             * tenant's access point can only come from a task definition of the tenant's own.
             */
            describe("one-off tasks (npm run task)", () => {
                const envOf = (c: Container) => Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]));
                const secretsOf = (c: Container) => Object.fromEntries((c.secrets ?? []).map((s) => [s.name, s.valueFrom]));
                const oneOff = (id: string) => named(resources, `ecs-${id}-migration`);

                it(`gives each tenant a task definition bbws-migration-<id>-${env}: bbws/migration at the tenant's tag, X86_64, 1 vCPU / 2 GiB, one container`, () => {
                    for (const tenant of cfg.tenants) {
                        const td = oneOff(tenant.id);
                        expect(td.inputs).to.include({
                            family: `bbws-migration-${tenant.id}-${env}`,
                            networkMode: "awsvpc",
                            cpu: String(MIGRATION_TASK_SIZE.cpu),
                            memory: String(MIGRATION_TASK_SIZE.memory),
                        });
                        expect(td.inputs.requiresCompatibilities).to.deep.equal(["FARGATE"]);
                        expect(td.inputs.runtimePlatform).to.deep.equal({ operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" });
                        const containers = containersOf(td);
                        expect(containers.map((c) => c.name)).to.deep.equal([ONE_OFF_CONTAINER_NAME]);
                        expect(containers[0]).to.include({ essential: true, privileged: false });
                        expect(containers[0].image).to.equal(
                            `${cfg.accountId}.dkr.ecr.${cfg.region}.amazonaws.com/bbws/migration:${tenant.imageTag}`,
                        );
                        expect(containers[0].portMappings ?? [], "nothing listens").to.be.empty;
                    }
                });

                it("mounts exactly the tenant's own access point, where its WordPress mounts wp-content", () => {
                    const up = upstreamFor(cfg);
                    for (const tenant of cfg.tenants) {
                        const td = oneOff(tenant.id);
                        const service = named(resources, `ecs-${tenant.id}-task`);
                        expect(td.inputs.volumes[0]).to.deep.equal(service.inputs.volumes[0]);
                        expect(td.inputs.volumes[0].efsVolumeConfiguration.authorizationConfig).to.deep.equal({
                            accessPointId: up.accessPoints[tenant.id].id,
                            iam: "ENABLED",
                        });
                        expect(containersOf(td)[0].mountPoints![0]).to.deep.equal(containersOf(service)[0].mountPoints![0]);
                        expect(containersOf(td)[0].mountPoints![0].containerPath).to.equal(WP_CONTENT_PATH);
                    }
                });

                it("runs with the tenant's own execution and task roles, the service's, so no role is added per tenant", () => {
                    for (const tenant of cfg.tenants) {
                        const td = oneOff(tenant.id);
                        const service = named(resources, `ecs-${tenant.id}-task`);
                        expect(td.inputs.executionRoleArn).to.equal(service.inputs.executionRoleArn);
                        expect(td.inputs.taskRoleArn).to.equal(service.inputs.taskRoleArn);
                    }
                    // Two per tenant; the platform task's two and the environment's one service recycler.
                    expect(ofType(resources, "aws:iam/role:Role")).to.have.length(2 * cfg.tenants.length + 3);
                });

                it("redeploys each tenant's service every rotationDays - 2 days through Scheduler, with the one recycler role limited to the cluster's services", () => {
                    const role = named(resources, "ecs-recycler-role");
                    expect(role.inputs.name).to.equal(`bbws-service-recycler-${env}`);
                    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({
                        Service: "scheduler.amazonaws.com",
                    });
                    const policy = policyOf(resources, "ecs-recycler-role");
                    expect(policy.Statement).to.deep.equal([
                        {
                            Sid: "RedeployTheClustersServices",
                            Effect: "Allow",
                            Action: ["ecs:UpdateService"],
                            Resource: `arn:aws:ecs:${cfg.region}:${cfg.accountId}:service/${named(resources, "ecs-cluster").inputs.name}/*`,
                        },
                    ]);
                    for (const tenant of cfg.tenants) {
                        const schedule = named(resources, `ecs-${tenant.id}-recycle`);
                        const days = cfg.database.rotationDays - 2;
                        expect(schedule.inputs.scheduleExpression).to.equal(`rate(${days} ${days === 1 ? "day" : "days"})`);
                        expect(schedule.inputs.target.arn).to.equal("arn:aws:scheduler:::aws-sdk:ecs:updateService");
                        expect(JSON.parse(schedule.inputs.target.input)).to.include({
                            Service: named(resources, `ecs-${tenant.id}-service`).inputs.name,
                            ForceNewDeployment: true,
                        });
                    }
                });

                it("hands each tenant's task only its own secrets: its DB user and password, its own cache user and its salts", () => {
                    const up = upstreamFor(cfg);
                    for (const tenant of cfg.tenants) {
                        const [c] = containersOf(oneOff(tenant.id));
                        const secrets = secretsOf(c);
                        const db = up.tenantDbSecrets[tenant.id];
                        expect(secrets).to.include({
                            DB_USER: `${db.arn}:username::`,
                            WORDPRESS_DB_USER: `${db.arn}:username::`,
                            DB_PASSWORD: `${db.arn}:password::`,
                            WORDPRESS_DB_PASSWORD: `${db.arn}:password::`,
                            REDIS_USERNAME: `${db.cache.secretArn}:username::`,
                            WP_REDIS_USERNAME: `${db.cache.secretArn}:username::`,
                            REDIS_PASSWORD: `${db.cache.secretArn}:password::`,
                            WP_REDIS_PASSWORD: `${db.cache.secretArn}:password::`,
                        });
                        for (const key of WORDPRESS_SALT_KEYS) {
                            expect(secrets[`WORDPRESS_${key}`], key).to.match(
                                new RegExp(`:secret:bbws/${env}/tenants/${tenant.id}/wp-salts-[0-9a-f]{6}:${key}::$`),
                            );
                        }
                        expect(Object.keys(secrets)).to.have.length(8 + WORDPRESS_SALT_KEYS.length);
                        const text = JSON.stringify(c);
                        for (const other of cfg.tenants.filter((t) => t.id !== tenant.id)) {
                            expect(text, `${tenant.id} names ${other.id}`).not.to.contain(`/tenants/${other.id}/`);
                            expect(text).not.to.contain(up.accessPoints[other.id].id);
                        }
                    }
                });

                it("sets the contract's environment: the tenant's DB and Redis clients, WordPress's own settings, its staging prefix", () => {
                    const up = upstreamFor(cfg);
                    for (const tenant of cfg.tenants) {
                        const [c] = containersOf(oneOff(tenant.id));
                        const vars = envOf(c);
                        const db = up.tenantDbSecrets[tenant.id];
                        // The user rotates with the password (wp_<id>, wp_<id>_clone), so it is a secret, not environment.
                        expect(vars).not.to.have.property("DB_USER");
                        expect(vars).to.include({
                            DB_HOST: up.dbWriterEndpoint,
                            DB_PORT: "3306",
                            DB_NAME: db.database,
                            DB_SSL_MODE: "VERIFY_IDENTITY",
                            DB_SSL_CA: RDS_CA_BUNDLE_PATH,
                            REDIS_HOST: up.redisPrimaryEndpoint,
                            REDIS_PORT: String(REDIS_PORT),
                            REDIS_SCHEME: "tls",
                            REDIS_PREFIX: `${tenant.id}:`,
                            TENANT_ID: tenant.id,
                            MIGRATION_BUCKET: up.migrationBucket.name,
                            MIGRATION_PREFIX: `tenants/${tenant.id}/`,
                        });
                        // wp-cli loads the same wp-config.php: every WORDPRESS_*/WP_REDIS_* value WordPress gets.
                        const [wordpress] = containersOf(named(resources, `ecs-${tenant.id}-task`));
                        expect(vars).to.include(envOf(wordpress));
                        expect(secretsOf(c)).to.include(secretsOf(wordpress));
                    }
                });

                it(`logs to the tenant's log group under the stream prefix '${ONE_OFF_LOG_STREAM_PREFIX}', apart from WordPress and the sidecar`, () => {
                    for (const tenant of cfg.tenants) {
                        const [c] = containersOf(oneOff(tenant.id));
                        expect(c.logConfiguration).to.deep.equal({
                            logDriver: "awslogs",
                            options: {
                                "awslogs-group": `/aws/ecs/bbws-${env}/${tenant.id}`,
                                "awslogs-region": cfg.region,
                                "awslogs-stream-prefix": ONE_OFF_LOG_STREAM_PREFIX,
                            },
                        });
                        const others = containersOf(named(resources, `ecs-${tenant.id}-task`)).map(
                            (x) => x.logConfiguration.options["awslogs-stream-prefix"],
                        );
                        expect(others).not.to.include(ONE_OFF_LOG_STREAM_PREFIX);
                    }
                });

                it(`has the platform task bbws-migration-${env}: the master user and the Redis AUTH token as secrets, no tenant's secret, no volume but its scratch /tmp`, () => {
                    const up = upstreamFor(cfg);
                    const td = named(resources, "ecs-migration-task");
                    expect(td.inputs.family).to.equal(`bbws-migration-${env}`);
                    expect(td.inputs.volumes).to.deep.equal([{ name: "tmp" }]);
                    const [c] = containersOf(td);
                    expect(c.name).to.equal(ONE_OFF_CONTAINER_NAME);
                    expect(c.image).to.equal(`${cfg.accountId}.dkr.ecr.${cfg.region}.amazonaws.com/bbws/migration:${cfg.ecs.imageTag}`);
                    expect(c.logConfiguration.options).to.deep.equal({
                        "awslogs-group": `/aws/ecs/bbws-${env}/_migration`,
                        "awslogs-region": cfg.region,
                        "awslogs-stream-prefix": ONE_OFF_LOG_STREAM_PREFIX,
                    });
                    // RDS keeps the master user's username and password in its secret (Aurora user guide, "Password
                    // management with Amazon RDS and AWS Secrets Manager").
                    expect(secretsOf(c)).to.deep.equal({
                        DB_USER: `${up.masterSecretArn}:username::`,
                        DB_PASSWORD: `${up.masterSecretArn}:password::`,
                        REDIS_USERNAME: `${up.platformCache.secretArn}:username::`,
                        REDIS_PASSWORD: `${up.platformCache.secretArn}:password::`,
                    });
                    expect(envOf(c)).to.deep.equal({
                        DB_HOST: up.dbWriterEndpoint,
                        DB_PORT: "3306",
                        DB_SSL_MODE: "VERIFY_IDENTITY",
                        DB_SSL_CA: RDS_CA_BUNDLE_PATH,
                        REDIS_HOST: up.redisPrimaryEndpoint,
                        REDIS_PORT: String(REDIS_PORT),
                        REDIS_SCHEME: "tls",
                        MIGRATION_BUCKET: up.migrationBucket.name,
                        TENANT_DB_LOOKUP_FORMAT: `bbws/${env}/tenants/%s/db`,
                    });
                    // The format names each tenant's secret as the data layer names it.
                    for (const tenant of cfg.tenants) {
                        expect(up.tenantDbSecrets[tenant.id].arn).to.contain(
                            `:secret:${envOf(c).TENANT_DB_LOOKUP_FORMAT.replace("%s", tenant.id)}-`,
                        );
                    }
                    expect(JSON.stringify(c)).not.to.match(/tenants\/[a-z0-9-]+\/db-/);
                });

                it("lets the platform task's role read any tenant's DB secret through one ARN pattern, and nothing else in Secrets Manager but the enterprise tenants' clusters' master secrets (by RDS's tag)", () => {
                    const policy = policyOf(resources, "ecs-migration-task-role");
                    const reads = policy.Statement.filter((st: any) => st.Action.some((a: string) => a.startsWith("secretsmanager:")));
                    expect(reads).to.deep.equal([
                        {
                            Sid: "ReadTenantDatabaseSecrets",
                            Effect: "Allow",
                            Action: ["secretsmanager:GetSecretValue"],
                            Resource: `arn:aws:secretsmanager:${cfg.region}:${cfg.accountId}:secret:bbws/${env}/tenants/*/db-??????`,
                        },
                        // test/components/ecs-policies.test.ts proves what this statement reaches and what it does not.
                        {
                            Sid: "ReadTenantClusterMasterSecrets",
                            Effect: "Allow",
                            Action: ["secretsmanager:GetSecretValue"],
                            Resource: `arn:aws:secretsmanager:${cfg.region}:${cfg.accountId}:secret:rds!cluster-*`,
                            Condition: {
                                StringLike: {
                                    "secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn": `arn:aws:rds:${cfg.region}:${cfg.accountId}:cluster:bbws-tenant-*-aurora-${env}`,
                                },
                            },
                        },
                    ]);
                    const exec = policyOf(resources, "ecs-migration-execution-role");
                    const up = upstreamFor(cfg);
                    expect(exec.Statement.find((st: any) => st.Sid === "ReadTaskSecrets").Resource).to.deep.equal([
                        up.masterSecretArn,
                        up.platformCache.secretArn,
                    ]);
                });

                it("exposes every one-off task in the contract's shape, each tenant's in its own group, the platform's in the platform group", async () => {
                    const up = upstreamFor(cfg);
                    const tasks = await promiseOf(layer.oneOffTasks);
                    expect(Object.keys(tasks).sort()).to.deep.equal(["clusterArn", "platform", "subnetIds", "tenants"]);
                    expect(tasks.clusterArn).to.equal(`arn:aws:ecs:${cfg.region}:${cfg.accountId}:cluster/bbws-ecs-${env}`);
                    expect(tasks.subnetIds).to.deep.equal(up.privateSubnetIds);
                    const arn = (family: string) => `arn:aws:ecs:${cfg.region}:${cfg.accountId}:task-definition/${family}:1`;
                    const shape = (family: string, groups: unknown[], logGroupName: string) => ({
                        taskDefinitionArn: arn(family),
                        containerName: ONE_OFF_CONTAINER_NAME,
                        securityGroupIds: groups,
                        logGroupName,
                        logStreamPrefix: ONE_OFF_LOG_STREAM_PREFIX,
                    });
                    expect(tasks.platform).to.deep.equal(
                        shape(`bbws-migration-${env}`, [up.platformTaskSecurityGroupId], `/aws/ecs/bbws-${env}/_migration`),
                    );
                    expect(Object.keys(tasks.tenants)).to.have.members(cfg.tenants.map((t) => t.id));
                    for (const tenant of cfg.tenants) {
                        expect(tasks.tenants[tenant.id], tenant.id).to.deep.equal(
                            shape(
                                `bbws-migration-${tenant.id}-${env}`,
                                [up.tenantSecurityGroupIds[tenant.id]],
                                `/aws/ecs/bbws-${env}/${tenant.id}`,
                            ),
                        );
                    }
                    expect(await promiseOf(layer.migrationTaskDefinitionArn), "the existing output").to.equal(arn(`bbws-migration-${env}`));
                });
            });

            describe("roles", () => {
                it("lets each execution role read only its own task's secrets and write only its own log group", () => {
                    const up = upstreamFor(cfg);
                    for (const tenant of cfg.tenants) {
                        const policy = policyOf(resources, `ecs-${tenant.id}-execution-role`);
                        const secrets = policy.Statement.find((s: any) => s.Sid === "ReadTaskSecrets").Resource;
                        expect(secrets).to.have.length(3);
                        expect(secrets)
                            .to.include(up.tenantDbSecrets[tenant.id].arn)
                            .and.include(up.tenantDbSecrets[tenant.id].cache.secretArn);
                        for (const other of cfg.tenants.filter((t) => t.id !== tenant.id)) {
                            expect(JSON.stringify(policy)).not.to.contain(`/tenants/${other.id}/`);
                            expect(JSON.stringify(policy)).not.to.contain(`/${other.id}/wp-salts`);
                        }
                        const logs = policy.Statement.find((s: any) => s.Sid === "WriteLogs").Resource;
                        expect(logs).to.deep.equal([
                            `arn:aws:logs:${cfg.region}:${cfg.accountId}:log-group:/aws/ecs/bbws-${env}/${tenant.id}:*`,
                        ]);
                    }
                });

                it("gives each tenant's task role nothing on another tenant's prefix or access point", () => {
                    const up = upstreamFor(cfg);
                    for (const tenant of cfg.tenants) {
                        const text = named(resources, `ecs-${tenant.id}-task-role-policy`).inputs.policy;
                        expect(text).to.contain(`tenants/${tenant.id}/`);
                        expect(text).to.contain(up.accessPoints[tenant.id].arn);
                        for (const other of cfg.tenants.filter((t) => t.id !== tenant.id)) {
                            expect(text).not.to.contain(`tenants/${other.id}/`);
                            expect(text).not.to.contain(up.accessPoints[other.id].arn);
                        }
                    }
                });

                it("is assumable by ECS tasks only, but for the service recycler, which Scheduler assumes", () => {
                    for (const role of ofType(resources, "aws:iam/role:Role").filter((r) => r.name !== "ecs-recycler-role")) {
                        const trust = JSON.parse(role.inputs.assumeRolePolicy);
                        expect(
                            trust.Statement.map((s: any) => s.Principal),
                            role.name,
                        ).to.deep.equal([{ Service: "ecs-tasks.amazonaws.com" }]);
                    }
                });
            });

            it("exposes what monitoring and the stack outputs read", async () => {
                expect(await promiseOf(layer.clusterName)).to.equal(`bbws-ecs-${env}`);
                expect(await promiseOf(layer.loadBalancerArnSuffix)).to.match(new RegExp(`^app/bbws-alb-${env}/[0-9a-f]{16}$`));
                expect(await promiseOf(layer.loadBalancerArn)).to.match(/^arn:aws:elasticloadbalancing:.*:loadbalancer\/app\//);
                expect(await promiseOf(layer.loadBalancerDnsName)).to.match(/\.elb\.amazonaws\.com$/);
                for (const tenant of cfg.tenants) {
                    expect(await promiseOf(layer.serviceNames[tenant.id])).to.equal(`bbws-wordpress-${tenant.id}-${env}`);
                    expect(await promiseOf(layer.targetGroupArnSuffixes[tenant.id])).to.match(/^targetgroup\/[\w-]{1,32}\/[0-9a-f]{16}$/);
                    expect(await promiseOf(layer.logGroupNames[tenant.id])).to.equal(`/aws/ecs/bbws-${env}/${tenant.id}`);
                }
            });
        });
    }

    describe("when tenants or settings change (sit, one tenant removed, one added, flags flipped)", () => {
        const raw = stackFileConfig("sit");
        const tutorhub = (raw["bbws:tenants"] as Array<Record<string, unknown>>).find((t) => t.id === "tutorhub")!;
        const certificateArn = "arn:aws:acm:eu-west-1:815856636111:certificate/0f0e0d0c-0b0a-4999-8888-777766665555";
        const cfg = configFor("sit", {
            "bbws:tenants": [
                { id: "bakery", slot: 7, cpu: 256, memory: 512 },
                { ...tutorhub, execEnabled: !(tutorhub.execEnabled ?? false), singleton: true },
            ],
            "bbws:ecs": { ...(raw["bbws:ecs"] as object), certificateArn, hostedZoneId: "Z0EXAMPLE12345" },
        });
        let resources: Registration[];

        before(async () => {
            ({ resources } = await construct(cfg, () => buildEcs(cfg)));
        });

        it("keeps every remaining tenant's listener rule priority, and gives the new tenant its own slot", () => {
            expect(named(resources, "ecs-tutorhub-rule").inputs.priority).to.equal(tutorhub.slot);
            expect(named(resources, "ecs-bakery-rule").inputs.priority).to.equal(7);
        });

        it("changes the service's redeploy trigger when ECS Exec is switched, so running tasks are replaced", () => {
            const s = named(resources, "ecs-tutorhub-service");
            expect(s.inputs.enableExecuteCommand).to.equal(!(tutorhub.execEnabled ?? false));
            expect(s.inputs.triggers).to.deep.equal({ execEnabled: String(!(tutorhub.execEnabled ?? false)) });
        });

        it("deploys a singleton tenant with minimum healthy 0 % and maximum 100 %, others with 100 % and 200 %", () => {
            expect(named(resources, "ecs-tutorhub-service").inputs).to.include({
                deploymentMinimumHealthyPercent: 0,
                deploymentMaximumPercent: 100,
            });
            expect(named(resources, "ecs-bakery-service").inputs).to.include({
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
            });
        });

        it("never runs a singleton's second task: desired count and auto-scaling stay within 0–1, though sit scales others 2–10", () => {
            // Two copies would contend for the EFS lock the option exists to protect (source document 003).
            expect(cfg.ecs).to.include({ minCapacity: 2, maxCapacity: 10 });
            expect(named(resources, "ecs-tutorhub-service").inputs.desiredCount).to.equal(1);
            expect(named(resources, "ecs-tutorhub-scaling").inputs).to.include({ minCapacity: 1, maxCapacity: 1 });
            expect(named(resources, "ecs-bakery-scaling").inputs).to.include({ minCapacity: 2, maxCapacity: 10 });
        });

        it("uses the configured certificate and hosted zone instead of looking them up", () => {
            expect(named(resources, "ecs-https").inputs.certificateArn).to.equal(certificateArn);
            for (const r of ofType(resources, T.record)) expect(r.inputs.zoneId).to.equal("Z0EXAMPLE12345");
        });
    });
});

/*
 * Issue 21: an inline policy holds at most 10,240 characters per role and an account 1,000 roles (IAM user
 * guide, "IAM and AWS STS quotas"). Neither may be spent per tenant on the one-off tasks: the platform
 * task's policies must be the same text whatever the tenants, each tenant's the same as if it were alone,
 * and the roles two per tenant plus the platform task's two.
 */
describe("IAM policies do not grow with the tenant count (up to MAX_TENANTS)", function () {
    this.timeout(600000);
    const probe = { id: "aupairhive", slot: 1, cpu: 1024, memory: 2048, migrationSidecar: true };
    const others = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `tenant-${i}`, slot: i + 2, cpu: 256, memory: 512 }));
    const policies = async (n: number) => {
        const cfg = configFor("sit", { "bbws:tenants": [probe, ...others(n)] });
        const { resources } = await construct(cfg, () => buildEcs(cfg));
        const text = (role: string) => named(resources, `${role}-policy`).inputs.policy as string;
        return {
            roles: ofType(resources, "aws:iam/role:Role").length,
            platform: [text("ecs-migration-execution-role"), text("ecs-migration-task-role")],
            probe: [text(`ecs-${probe.id}-execution-role`), text(`ecs-${probe.id}-task-role`)],
            longest: Math.max(...ofType(resources, T.rolePolicy).map((p) => (p.inputs.policy as string).length)),
        };
    };
    let alone: Awaited<ReturnType<typeof policies>>;

    before(async () => {
        alone = await policies(0);
    });

    it("keeps the platform task's and a tenant's policies byte for byte, and adds exactly two roles per tenant (three for the environment)", async () => {
        await fc.assert(
            // Small counts at random and the largest once: a 50-tenant layer takes most of this test's time.
            fc.asyncProperty(fc.integer({ min: 1, max: 12 }), async (n) => {
                const grown = await policies(n);
                expect(grown.platform, `${n + 1} tenants: platform task`).to.deep.equal(alone.platform);
                expect(grown.probe, `${n + 1} tenants: ${probe.id}`).to.deep.equal(alone.probe);
                expect(grown.roles, `${n + 1} tenants`).to.equal(2 * (n + 1) + 3);
                expect(grown.longest).to.be.below(10240);
            }),
            { numRuns: 3, examples: [[MAX_TENANTS - 1]] },
        );
    });
});

/* The stack output `ecs.oneOffTasks` is the contract with `npm run task` (issue 15): its shape, from each stack file. */
describe("stack output ecs.oneOffTasks (the contract with npm run task)", function () {
    this.timeout(120000);
    for (const env of ENVIRONMENTS) {
        it(`${env}: has the cluster, the private subnets, the platform task and one task per tenant, each in the contract's shape`, async () => {
            const cfg = configFor(env);
            const { result } = await construct(cfg, () => createPlatform(cfg));
            const outputs = (await promiseOf(pulumi.output(result))) as PlatformOutputs;
            const tasks = outputs.ecs.oneOffTasks;
            expect(Object.keys(tasks).sort()).to.deep.equal(["clusterArn", "platform", "subnetIds", "tenants"]);
            expect(tasks.clusterArn).to.match(new RegExp(`^arn:aws:ecs:${cfg.region}:${cfg.accountId}:cluster/bbws-ecs-${env}$`));
            expect(tasks.subnetIds).to.deep.equal(outputs.network.privateSubnetIds);
            expect(Object.keys(tasks.tenants)).to.have.members(cfg.tenants.map((t) => t.id));
            const check = (at: string, task: (typeof tasks)["platform"], family: string, groups: string[]) => {
                expect(Object.keys(task).sort(), at).to.deep.equal([
                    "containerName",
                    "logGroupName",
                    "logStreamPrefix",
                    "securityGroupIds",
                    "taskDefinitionArn",
                ]);
                expect(task.taskDefinitionArn, at).to.match(
                    new RegExp(`^arn:aws:ecs:${cfg.region}:${cfg.accountId}:task-definition/${family}:\\d+$`),
                );
                expect(task.containerName, at).to.equal("migration");
                expect(task.securityGroupIds, at).to.deep.equal(groups);
                expect(task.logGroupName, at).to.match(new RegExp(`^/aws/ecs/bbws-${env}/`));
                expect(task.logStreamPrefix, at).to.equal(ONE_OFF_LOG_STREAM_PREFIX);
            };
            check("platform", tasks.platform, `bbws-migration-${env}`, [outputs.network.securityGroupIds.platformTask]);
            for (const tenant of cfg.tenants) {
                check(tenant.id, tasks.tenants[tenant.id], `bbws-migration-${tenant.id}-${env}`, [
                    outputs.network.tenantSecurityGroupIds[tenant.id],
                ]);
            }
            // The outputs that were there before stay.
            expect(Object.keys(outputs.ecs)).to.include.members([
                "clusterName",
                "serviceNames",
                "loadBalancerArn",
                "loadBalancerDnsName",
                "targetGroupArns",
            ]);
        });
    }
});
