import { expect } from "chai";
import { GLOBAL_EVENTS_REGION as LAYER_GLOBAL_REGION, IAM_POLICY_CHANGE_EVENTS, ROTATION_FAILURE_EVENTS } from "../../components/events";
import { tenantDbSecretName } from "../../components/data";
import { homeEventBusArn, MonitoringLayer, TOPIC_PUBLISHERS } from "../../components/monitoring";
import { createAwsModel } from "../../automation/aws-model";
import { NameRuleError } from "../../automation/aws-name-rules";
import { GLOBAL_EVENTS_REGION, GLOBAL_SERVICE_EVENTS_SOURCE, matchesEventPattern } from "../../src/policy/event-pattern";
import { CIS_IAM_POLICY_CHANGES } from "../../src/policy/rules/cloudwatch-4-iam-changes-paged";
import {
    ecrImageScanEvent,
    guardDutyFindingEvent,
    iamApiCallEvent,
    rootSignInEvent,
    secretsManagerRotationEvent,
} from "../../src/policy/sample-events";
import { configFor, construct, ENVIRONMENTS, ofType, Registration } from "../support/pulumi";

const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";

/**
 * The security signals of issue 18, judged by AWS's own sample events (src/policy/sample-events.ts
 * names each one's page) under EventBridge's matching semantics (src/policy/event-pattern.ts).
 */
describe("monitoring layer: security signals", () => {
    it("uses the policy pack's global-events region, and the IAM list covers every CIS IAM policy change", () => {
        expect(LAYER_GLOBAL_REGION).to.equal(GLOBAL_EVENTS_REGION);
        expect(IAM_POLICY_CHANGE_EVENTS).to.include.members([...CIS_IAM_POLICY_CHANGES]);
    });

    it("lets EventBridge publish to the encrypted topics without a condition, which SNS does not support for it", () => {
        expect(TOPIC_PUBLISHERS.find((p) => p.service === "events.amazonaws.com")?.condition).to.equal(undefined);
    });

    for (const env of ENVIRONMENTS) {
        describe(`in ${env}`, () => {
            const cfg = configFor(env);
            const home = cfg.region;
            let resources: Registration[];
            const rule = (what: string) => {
                const found = ofType(resources, RULE).find((r) => r.inputs.name === `bbws-${env}-${what}`);
                if (!found) throw new Error(`no rule bbws-${env}-${what}`);
                return { region: found.inputs.region as string | undefined, pattern: JSON.parse(found.inputs.eventPattern) };
            };
            const target = (what: string) => ofType(resources, TARGET).find((t) => t.inputs.rule === `bbws-${env}-${what}`)!.inputs;
            const fires = (what: string, event: unknown) => matchesEventPattern(rule(what).pattern, event);

            before(async () => {
                ({ resources } = await construct(
                    cfg,
                    () =>
                        new MonitoringLayer("monitoring", {
                            env,
                            region: home,
                            accountId: cfg.accountId,
                            tenants: cfg.tenants,
                            monitoring: cfg.monitoring,
                            redisNodes: cfg.cache.nodes,
                            clusterName: `bbws-cluster-${env}`,
                            serviceNames: Object.fromEntries(cfg.tenants.map((t) => [t.id, `bbws-${t.id}-${env}`])),
                            loadBalancerArnSuffix: `app/bbws-alb-${env}/50dc6c495c0c9188`,
                            tenantLoadBalancerArnSuffixes: {},
                            targetGroupArnSuffixes: Object.fromEntries(
                                cfg.tenants.map((t) => [t.id, `targetgroup/x-${t.id}/7b3e2a1c9d8f6e5a`]),
                            ),
                            auroraClusterIdentifier: `bbws-aurora-${env}`,
                            redisReplicationGroupId: `bbws-redis-${env}`,
                            fileSystemId: "fs-0a1b2c3d4e5f60718",
                            backupVaultName: `bbws-backup-vault-${env}`,
                        }),
                ));
            });

            it("pages on an image scan of the platform's repositories with HIGH or CRITICAL findings (ECR guide's sample event)", () => {
                for (const repository of ["bbws/wordpress", "bbws/migration"]) {
                    expect(
                        fires("ecr-scan-findings", ecrImageScanEvent({ region: home, repository, counts: { CRITICAL: 10, MEDIUM: 9 } })),
                    ).to.equal(true);
                    expect(fires("ecr-scan-findings", ecrImageScanEvent({ region: home, repository, counts: { HIGH: 1 } }))).to.equal(true);
                    expect(
                        fires("ecr-scan-findings", ecrImageScanEvent({ region: home, repository, counts: { MEDIUM: 9, LOW: 3 } })),
                    ).to.equal(false);
                    expect(fires("ecr-scan-findings", ecrImageScanEvent({ region: home, repository, counts: {} }))).to.equal(false);
                }
                expect(
                    fires("ecr-scan-findings", ecrImageScanEvent({ region: home, repository: "other/team", counts: { CRITICAL: 1 } })),
                ).to.equal(false);
                expect(rule("ecr-scan-findings").region).to.equal(undefined);
            });

            it("pages on GuardDuty findings of severity 7.0 and above (High 7.0–8.9, Critical 9.0–10.0), not Medium", () => {
                for (const severity of [7, 8.9, 9.5, 10])
                    expect(fires("guardduty-findings", guardDutyFindingEvent({ region: home, severity })), String(severity)).to.equal(true);
                for (const severity of [1, 4, 6.9])
                    expect(fires("guardduty-findings", guardDutyFindingEvent({ region: home, severity })), String(severity)).to.equal(
                        false,
                    );
            });

            it("pages on root sign-ins here and forwarded from us-east-1, not on an IAM user's or a service acting for root", () => {
                expect(fires("root-activity", rootSignInEvent({ region: home }))).to.equal(true);
                expect(fires("root-activity", rootSignInEvent({ region: GLOBAL_EVENTS_REGION }))).to.equal(true);
                const user = rootSignInEvent({ region: home });
                expect(
                    fires("root-activity", {
                        ...user,
                        detail: { ...user.detail, userIdentity: { ...user.detail.userIdentity, type: "IAMUser" } },
                    }),
                ).to.equal(false);
                const call = iamApiCallEvent({ eventName: "CreateUser", userType: "Root" });
                expect(fires("root-activity", call)).to.equal(true);
                const byService = {
                    ...call,
                    detail: { ...call.detail, userIdentity: { ...call.detail.userIdentity, invokedBy: "cloudformation.amazonaws.com" } },
                };
                expect(fires("root-activity", byService)).to.equal(false);
                expect(fires("root-activity", { ...call, detail: { ...call.detail, eventType: "AwsServiceEvent" } })).to.equal(false);
            });

            it("catches IAM policy changes in us-east-1 and forwards them to the home bus, where they page", () => {
                const forwarder = rule(`iam-policy-changes-to-${home}`);
                expect(forwarder.region).to.equal(GLOBAL_EVENTS_REGION);
                expect(rule("iam-policy-changes").region).to.equal(undefined);
                for (const eventName of IAM_POLICY_CHANGE_EVENTS) {
                    const event = iamApiCallEvent({ eventName });
                    expect(matchesEventPattern(forwarder.pattern, event), eventName).to.equal(true);
                    expect(fires("iam-policy-changes", event), eventName).to.equal(true);
                }
                expect(fires("iam-policy-changes", iamApiCallEvent({ eventName: "GetRole" }))).to.equal(false);
                expect(fires("iam-policy-changes", iamApiCallEvent({ eventName: "CreateUser" }))).to.equal(false);
            });

            it("forwards through a role that may only put events on this environment's default bus", () => {
                const bus = homeEventBusArn(home, cfg.accountId);
                const roleArn = `arn:aws:iam::${cfg.accountId}:role/bbws-${env}-events-forwarder`;
                for (const what of [`iam-policy-changes-to-${home}`, `root-activity-to-${home}`]) {
                    expect(target(what)).to.deep.include({ region: GLOBAL_EVENTS_REGION, arn: bus, roleArn });
                }
                const role = ofType(resources, "aws:iam/role:Role").find((r) => r.inputs.name === `bbws-${env}-events-forwarder`)!;
                expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).to.deep.equal([
                    { Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole" },
                ]);
                const policy = ofType(resources, "aws:iam/rolePolicy:RolePolicy").find(
                    (p) => p.inputs.role === `bbws-${env}-events-forwarder`,
                )!;
                expect(JSON.parse(policy.inputs.policy).Statement).to.deep.equal([
                    { Effect: "Allow", Action: "events:PutEvents", Resource: bus },
                ]);
            });

            it("alerts on a failed rotation or configuration test of this environment's secrets, not on a success or another's (Secrets Manager guide's sample entry)", () => {
                const arn = (name: string, account = cfg.accountId, region = home) =>
                    `arn:aws:secretsmanager:${region}:${account}:secret:${name}-a1b2c3`;
                const rotation = (secretArn: string, eventName: string, accountId = cfg.accountId) =>
                    secretsManagerRotationEvent({ region: home, accountId, secretArn, eventName });
                const own = arn(tenantDbSecretName(env, cfg.tenants[0].id));
                for (const eventName of ROTATION_FAILURE_EVENTS) {
                    expect(fires("secret-rotation-failed", rotation(own, eventName)), eventName).to.equal(true);
                    const named = rotation(own, eventName);
                    named.detail.additionalEventData.SecretId = tenantDbSecretName(env, cfg.tenants[0].id);
                    expect(fires("secret-rotation-failed", named), `${eventName} naming the secret`).to.equal(true);
                }
                for (const eventName of ["RotationSucceeded", "RotationStarted", "TestRotationSucceeded", "RotationAbandoned"])
                    expect(fires("secret-rotation-failed", rotation(own, eventName)), eventName).to.equal(false);
                const other = ENVIRONMENTS.find((e) => e !== env)!;
                expect(fires("secret-rotation-failed", rotation(arn(tenantDbSecretName(other, "t1")), "RotationFailed"))).to.equal(false);
                expect(fires("secret-rotation-failed", rotation(arn(`bbws/${env}x/tenants/t1/db`), "RotationFailed"))).to.equal(false);
                expect(
                    fires(
                        "secret-rotation-failed",
                        rotation(arn(tenantDbSecretName(env, "t1"), "111122223333"), "RotationFailed", "111122223333"),
                    ),
                ).to.equal(false);
                expect(rule("secret-rotation-failed").region).to.equal(undefined);
                expect(target("secret-rotation-failed").arn).to.match(new RegExp(`:bbws-${env}-alerts`));
            });

            it("names every rule within EventBridge's 64 characters", () => {
                for (const r of ofType(resources, RULE)) expect(String(r.inputs.name).length, r.inputs.name).to.be.at.most(64);
            });
        });
    }

    describe("the offline AWS model", () => {
        const model = createAwsModel({ accountId: "093646564004", region: "af-south-1", azCount: 3 });
        const ruleFor = (name: string, pattern: object, region?: string) =>
            model.newResource({
                type: RULE,
                name,
                inputs: { name, eventPattern: JSON.stringify(pattern), ...(region ? { region } : {}) },
                custom: true,
            } as any);

        it("refuses a rule outside us-east-1 that waits for IAM events, naming the source of the rule", () => {
            expect(() => ruleFor("iam-here", { source: ["aws.iam"], "detail-type": ["AWS API Call via CloudTrail"] })).to.throw(
                NameRuleError,
                new RegExp(`never fires.*${GLOBAL_SERVICE_EVENTS_SOURCE.split(";")[0].replace(/[.?]/g, "\\$&")}`),
            );
        });

        it("accepts the same rule in us-east-1, and a home rule matching only events forwarded from there", async () => {
            const east = await ruleFor("iam-east", { source: ["aws.iam"] }, "us-east-1");
            expect(east.state.arn).to.equal("arn:aws:events:us-east-1:093646564004:rule/iam-east");
            expect(() => ruleFor("iam-forwarded", { source: ["aws.iam"], region: ["us-east-1"] })).not.to.throw();
        });
    });
});
