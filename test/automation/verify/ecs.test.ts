import { expect } from "chai";
import {
    DescribeClustersCommand,
    DescribeServicesCommand,
    DescribeTaskDefinitionCommand,
    ECSClient,
    Service,
    TaskDefinition,
} from "@aws-sdk/client-ecs";
import {
    DescribeListenersCommand,
    DescribeLoadBalancersCommand,
    DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { PlatformConfig } from "../../../src/config";
import { HttpsRequest } from "../../../automation/verify/clients";
import { configFor, ENVIRONMENTS, stackFileConfig } from "../../support/pulumi";
import { mockHealthyEnvironment, mocks, Outputs, outputsFor, resultOf, taskDefinitionArn } from "./fixtures";

/** The healthy services answer with `change` applied to one tenant's service. */
async function servicesWith(cfg: PlatformConfig, outputs: Outputs, tenant: string, change: (s: Service) => Service): Promise<Service[]> {
    const names = Object.values(outputs.ecs.serviceNames as Record<string, string>);
    const healthy = await new ECSClient({ region: cfg.region }).send(
        new DescribeServicesCommand({ cluster: outputs.ecs.clusterName, services: names }),
    );
    return healthy.services!.map((s) => (s.serviceName === outputs.ecs.serviceNames[tenant] ? change(s) : s));
}

/** The healthy task definition of `tenant` with `change` applied; other tenants keep theirs. */
async function taskDefinitionWith(cfg: PlatformConfig, tenant: string, change: (td: TaskDefinition) => TaskDefinition): Promise<void> {
    const client = new ECSClient({ region: cfg.region });
    const arns = cfg.tenants.map((t) => taskDefinitionArn(cfg, t));
    const healthy = await Promise.all(arns.map((arn) => client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))));
    const target = taskDefinitionArn(
        cfg,
        cfg.tenants.find((t) => t.id === tenant)!,
    );
    mocks.ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
        const td = healthy[arns.indexOf(input.taskDefinition)].taskDefinition!;
        return { taskDefinition: input.taskDefinition === target ? change(td) : td };
    });
}

describe("verify ecs: cluster and services", () => {
    for (const env of ENVIRONMENTS) {
        const cfg = configFor(env);
        const providers = cfg.ecs.capacityProviders.map((p) => p.provider);
        it(`${env}: fails a cluster without the configured capacity provider(s) ${providers.join(", ")}`, async () => {
            const outputs = outputsFor(cfg);
            mockHealthyEnvironment(cfg, outputs);
            mocks.ecs
                .on(DescribeClustersCommand)
                .resolves({ clusters: [{ clusterName: outputs.ecs.clusterName, status: "ACTIVE", capacityProviders: [] }], failures: [] });
            const result = await resultOf(cfg, "ecs-cluster-active", outputs);
            expect(result.status).to.equal("fail");
            for (const p of providers) expect(result.detail).to.include(p);
        });
    }

    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails a cluster ECS reports as missing", async () => {
        mocks.ecs.on(DescribeClustersCommand).resolves({
            clusters: [],
            failures: [{ arn: `arn:aws:ecs:eu-west-1:${cfg.accountId}:cluster/bbws-ecs-sit`, reason: "MISSING" }],
        });
        expect(await resultOf(cfg, "ecs-cluster-active", outputs)).to.deep.include({
            status: "fail",
            detail: "cluster bbws-ecs-sit not found (MISSING)",
        });
    });

    it("fails a service running fewer tasks than desired, with its deployment state", async () => {
        const services = await servicesWith(cfg, outputs, "tutorhub", (s) => ({
            ...s,
            runningCount: 1,
            deployments: [
                { status: "PRIMARY", rolloutState: "IN_PROGRESS", rolloutStateReason: "ECS deployment ecs-svc/123 in progress." },
            ],
        }));
        mocks.ecs.on(DescribeServicesCommand).resolves({ services, failures: [] });
        const result = await resultOf(cfg, "ecs-services-steady", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.equal(
            "tutorhub: bbws-wordpress-tutorhub-sit ACTIVE 1/2 running, deployment IN_PROGRESS (ECS deployment ecs-svc/123 in progress.)",
        );
    });

    it("fails a deployment the circuit breaker rolled back even when the count is right", async () => {
        const services = await servicesWith(cfg, outputs, "aupairhive", (s) => ({
            ...s,
            deployments: [{ status: "PRIMARY", rolloutState: "FAILED", rolloutStateReason: "circuit breaker: rolled back" }],
        }));
        mocks.ecs.on(DescribeServicesCommand).resolves({ services, failures: [] });
        const result = await resultOf(cfg, "ecs-services-steady", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include("aupairhive").and.include("deployment FAILED (circuit breaker: rolled back)");
    });

    it("fails a tenant whose service does not exist", async () => {
        const services = (await servicesWith(cfg, outputs, "", (s) => s)).filter(
            (s) => s.serviceName !== outputs.ecs.serviceNames.tutorhub,
        );
        mocks.ecs
            .on(DescribeServicesCommand)
            .resolves({ services, failures: [{ arn: outputs.ecs.serviceNames.tutorhub, reason: "MISSING" }] });
        expect(await resultOf(cfg, "ecs-services-steady", outputs)).to.deep.include({
            status: "fail",
            detail: "tutorhub: service bbws-wordpress-tutorhub-sit not found",
        });
    });

    it("asks for at most ten services per call", async () => {
        const many = configFor("sit", {
            "bbws:tenants": Array.from({ length: 12 }, (_, i) => ({
                id: `tenant${String(i + 1).padStart(2, "0")}`,
                slot: i + 1,
                cpu: 512,
                memory: 1024,
            })),
        });
        const manyOutputs = outputsFor(many);
        mockHealthyEnvironment(many, manyOutputs);
        expect(await resultOf(many, "ecs-services-steady", manyOutputs)).to.include({ status: "pass" });
        expect(mocks.ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services!.length)).to.deep.equal([10, 2]);
    });
});

describe("verify ecs: task definitions", () => {
    for (const env of ENVIRONMENTS) {
        const cfg = configFor(env);
        const tenant = cfg.tenants[0];
        it(`${env}: fails when ${tenant.id}'s task has other cpu/memory than configured (${tenant.cpu}/${tenant.memory})`, async () => {
            const outputs = outputsFor(cfg);
            mockHealthyEnvironment(cfg, outputs);
            await taskDefinitionWith(cfg, tenant.id, (td) => ({ ...td, cpu: "256", memory: "512" }));
            const result = await resultOf(cfg, "ecs-task-definitions", outputs);
            expect(result.status).to.equal("fail");
            expect(result.detail).to.equal(
                `${tenant.id}: cpu 256, expected ${tenant.cpu}; ${tenant.id}: memory 512, expected ${tenant.memory}`,
            );
        });
    }

    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails a task on the wrong architecture or network mode", async () => {
        await taskDefinitionWith(cfg, "tutorhub", (td) => ({ ...td, networkMode: "bridge", runtimePlatform: undefined }));
        const result = await resultOf(cfg, "ecs-task-definitions", outputs);
        expect(result.detail)
            .to.include("tutorhub: network mode bridge, expected awsvpc")
            .and.include("tutorhub: architecture X86_64, expected ARM64");
    });

    it("fails a task whose task role is the execution role", async () => {
        await taskDefinitionWith(cfg, "aupairhive", (td) => ({ ...td, taskRoleArn: td.executionRoleArn }));
        expect((await resultOf(cfg, "ecs-task-definitions", outputs)).detail).to.equal("aupairhive: the task role is the execution role");
    });

    it("fails two tenants sharing one task role (no isolation between them)", async () => {
        const shared = `arn:aws:iam::${cfg.accountId}:role/bbws-task-aupairhive-sit`;
        await taskDefinitionWith(cfg, "tutorhub", (td) => ({ ...td, taskRoleArn: shared }));
        expect((await resultOf(cfg, "ecs-task-definitions", outputs)).detail).to.equal(
            `tutorhub: shares task role ${shared} with aupairhive`,
        );
    });

    it("fails a role from another account", async () => {
        await taskDefinitionWith(cfg, "tutorhub", (td) => ({
            ...td,
            executionRoleArn: "arn:aws:iam::093646564004:role/bbws-task-execution-prod",
        }));
        expect((await resultOf(cfg, "ecs-task-definitions", outputs)).detail).to.include(`is not a role of account ${cfg.accountId}`);
    });
});

describe("verify ecs: load balancer", () => {
    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails unhealthy targets with the reason the load balancer gives", async () => {
        mocks.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: outputs.ecs.targetGroupArns.tutorhub }).resolves({
            TargetHealthDescriptions: [
                { Target: { Id: "10.20.64.12", Port: 80 }, TargetHealth: { State: "healthy" } },
                {
                    Target: { Id: "10.20.96.14", Port: 80 },
                    TargetHealth: {
                        State: "unhealthy",
                        Reason: "Target.ResponseCodeMismatch",
                        Description: "Health checks failed with these codes: [502]",
                    },
                },
            ],
        });
        const result = await resultOf(cfg, "ecs-targets-healthy", outputs);
        expect(result).to.deep.include({
            status: "fail",
            detail: "tutorhub: 10.20.96.14 is unhealthy (Health checks failed with these codes: [502])",
        });
    });

    it("fails a target group with no targets", async () => {
        mocks.elbv2
            .on(DescribeTargetHealthCommand, { TargetGroupArn: outputs.ecs.targetGroupArns.aupairhive })
            .resolves({ TargetHealthDescriptions: [] });
        expect(await resultOf(cfg, "ecs-targets-healthy", outputs)).to.deep.include({
            status: "fail",
            detail: "aupairhive: no registered targets",
        });
    });

    it("fails a load balancer without HTTPS, or whose HTTP listener forwards instead of redirecting", async () => {
        mocks.elbv2.on(DescribeListenersCommand).resolves({
            Listeners: [
                {
                    Port: 80,
                    Protocol: "HTTP",
                    DefaultActions: [{ Type: "forward", TargetGroupArn: outputs.ecs.targetGroupArns.aupairhive }],
                },
            ],
        });
        const result = await resultOf(cfg, "ecs-alb-listeners", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.equal("no HTTPS listener on 443; HTTP 80 does not redirect to HTTPS");
    });

    it("probes every tenant's hostname through the load balancer, on the health-check path", async () => {
        const requests: HttpsRequest[] = [];
        const result = await resultOf(cfg, "ecs-alb-answers-https", outputs, {
            probe: async (r) => {
                requests.push(r);
                return { statusCode: 302 };
            },
        });
        expect(result.status).to.equal("pass");
        expect(requests.map((r) => [r.address, r.hostname, r.path])).to.have.deep.members(
            cfg.tenants.map((t) => [outputs.ecs.loadBalancerDnsName, `${t.id}.sit.bbws.io`, "/wp-login.php"]),
        );
    });

    it("fails a 5xx answer and a certificate the client does not trust", async () => {
        const probe = async (r: HttpsRequest) => {
            if (r.hostname.startsWith("tutorhub"))
                throw new Error("Hostname/IP does not match certificate's altnames: Host: tutorhub.sit.bbws.io");
            return { statusCode: 503 };
        };
        const result = await resultOf(cfg, "ecs-alb-answers-https", outputs, { probe });
        expect(result.status).to.equal("fail");
        expect(result.detail).to.equal(
            "https://aupairhive.sit.bbws.io/wp-login.php: 503; " +
                "https://tutorhub.sit.bbws.io/wp-login.php: Hostname/IP does not match certificate's altnames: Host: tutorhub.sit.bbws.io",
        );
    });
});

describe("verify ecs: where the apply does not wait for steady state (dev)", () => {
    const cfg = configFor("dev");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("only warns about a deployment still in progress, saying why", async () => {
        expect(cfg.ecs.waitForSteadyState).to.equal(false);
        const services = await servicesWith(cfg, outputs, cfg.tenants[0].id, (s) => ({
            ...s,
            runningCount: 0,
            deployments: [{ status: "PRIMARY", rolloutState: "IN_PROGRESS" }],
        }));
        mocks.ecs.on(DescribeServicesCommand).resolves({ services, failures: [] });
        const result = await resultOf(cfg, "ecs-services-steady", outputs);
        expect(result.status).to.equal("warn");
        expect(result.detail).to.include("deployment IN_PROGRESS").and.include("bbws:ecs.waitForSteadyState is false");
    });

    it("still fails a deployment the circuit breaker rolled back", async () => {
        const services = await servicesWith(cfg, outputs, cfg.tenants[0].id, (s) => ({
            ...s,
            deployments: [{ status: "PRIMARY", rolloutState: "FAILED" }],
        }));
        mocks.ecs.on(DescribeServicesCommand).resolves({ services, failures: [] });
        expect(await resultOf(cfg, "ecs-services-steady", outputs)).to.include({ status: "fail" });
    });

    it("only warns about targets still registering, but fails an unhealthy one", async () => {
        const arn = outputs.ecs.targetGroupArns[cfg.tenants[0].id];
        mocks.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: arn }).resolves({
            TargetHealthDescriptions: [
                { Target: { Id: "10.10.64.5", Port: 80 }, TargetHealth: { State: "initial", Reason: "Elb.RegistrationInProgress" } },
            ],
        });
        expect(await resultOf(cfg, "ecs-targets-healthy", outputs)).to.include({ status: "warn" });
        mocks.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: arn }).resolves({
            TargetHealthDescriptions: [
                { Target: { Id: "10.10.64.5", Port: 80 }, TargetHealth: { State: "unhealthy", Reason: "Target.Timeout" } },
            ],
        });
        expect(await resultOf(cfg, "ecs-targets-healthy", outputs)).to.include({ status: "fail" });
    });
});

describe("verify ecs: a premium tenant served by its own load balancer (README 'Isolation tiers')", () => {
    const raw = stackFileConfig("sit");
    const cfg = configFor("sit", {
        "bbws:tenants": (raw["bbws:tenants"] as Array<Record<string, unknown>>).map((t) =>
            t.id === "aupairhive" ? { ...t, tier: "premium" } : t,
        ),
    });
    const name = "bbws-aupairhive-5e0c1d2a";
    const ownArn = `arn:aws:elasticloadbalancing:eu-west-1:${cfg.accountId}:loadbalancer/app/${name}/0123456789abcdef`;
    const ownDns = `${name}-987654321.eu-west-1.elb.amazonaws.com`;
    const base = outputsFor(cfg);
    const outputs = {
        ...base,
        ecs: { ...base.ecs, tenantLoadBalancerArns: { aupairhive: ownArn }, tenantLoadBalancerDnsNames: { aupairhive: ownDns } },
    } as Outputs;
    beforeEach(() => {
        mockHealthyEnvironment(cfg, outputs);
        mocks.elbv2.on(DescribeLoadBalancersCommand, { LoadBalancerArns: [ownArn] }).resolves({
            LoadBalancers: [{ LoadBalancerArn: ownArn, LoadBalancerName: name, DNSName: ownDns, State: { Code: "active" } }],
        });
    });

    it("checks the listeners of the shared load balancer and of the tenant's own", async () => {
        const result = await resultOf(cfg, "ecs-alb-listeners", outputs);
        expect(result.status).to.equal("pass");
        expect(result.detail).to.include(`bbws-alb-sit active`).and.include(`aupairhive: ${name} active`);
    });

    it("names the premium tenant when its own load balancer does not redirect HTTP", async () => {
        mocks.elbv2.on(DescribeListenersCommand, { LoadBalancerArn: ownArn }).resolves({
            Listeners: [{ Port: 80, Protocol: "HTTP", DefaultActions: [{ Type: "forward" }] }],
        });
        const result = await resultOf(cfg, "ecs-alb-listeners", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.equal("aupairhive: no HTTPS listener on 443; aupairhive: HTTP 80 does not redirect to HTTPS");
    });

    it("probes the premium tenant's hostname at its own load balancer (the shared one answers it 404), the others at the shared one", async () => {
        const requests: HttpsRequest[] = [];
        await resultOf(cfg, "ecs-alb-answers-https", outputs, {
            probe: async (r) => {
                requests.push(r);
                return { statusCode: 200 };
            },
        });
        expect(requests.map((r) => [r.hostname, r.address])).to.have.deep.members(
            cfg.tenants.map((t) => [t.hostnames[0], t.tier === "premium" ? ownDns : outputs.ecs.loadBalancerDnsName]),
        );
    });
});
