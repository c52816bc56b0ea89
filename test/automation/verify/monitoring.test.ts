import { expect } from "chai";
import { DashboardNotFoundError, DescribeAlarmsCommand, GetDashboardCommand } from "@aws-sdk/client-cloudwatch";
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, NotFoundException } from "@aws-sdk/client-sns";
import { configFor } from "../../support/pulumi";
import { mockHealthyEnvironment, mocks, outputsFor, resultOf } from "./fixtures";
import { tenantOfAlarm } from "../../../automation/verify/monitoring";

describe("verify monitoring: alarms", () => {
    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    const names = outputs.monitoring.alarmNames as string[];
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("looks alarms up by the environment's bbws-<env>- prefix, following every page", async () => {
        mocks.cloudwatch
            .on(DescribeAlarmsCommand)
            .resolvesOnce({
                MetricAlarms: names.slice(0, 5).map((AlarmName) => ({ AlarmName, StateValue: "OK" as const })),
                NextToken: "t2",
            })
            .resolvesOnce({ MetricAlarms: names.slice(5).map((AlarmName) => ({ AlarmName, StateValue: "OK" as const })) });
        expect(await resultOf(cfg, "monitoring-alarms-exist", outputs)).to.deep.include({
            status: "pass",
            detail: `${names.length} alarms present`,
        });
        const inputs = mocks.cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
        expect(inputs.map((i) => [i.AlarmNamePrefix, i.NextToken])).to.deep.equal([
            ["bbws-sit-", undefined],
            ["bbws-sit-", "t2"],
        ]);
        expect(inputs[0].AlarmTypes).to.have.members(["MetricAlarm", "CompositeAlarm"]);
    });

    it("fails when an alarm the stack created is gone, naming it", async () => {
        mocks.cloudwatch
            .on(DescribeAlarmsCommand)
            .resolves({ MetricAlarms: names.slice(1).map((AlarmName) => ({ AlarmName, StateValue: "OK" as const })) });
        expect(await resultOf(cfg, "monitoring-alarms-exist", outputs)).to.deep.include({
            status: "fail",
            detail: `1 of ${names.length} alarms missing: ${names[0]}`,
        });
    });

    it("warns, but does not fail, when an alarm is in ALARM", async () => {
        mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({
            MetricAlarms: names.map((AlarmName, i) => ({
                AlarmName,
                StateValue: i === 2 ? ("ALARM" as const) : i === 3 ? ("INSUFFICIENT_DATA" as const) : ("OK" as const),
            })),
        });
        const result = await resultOf(cfg, "monitoring-alarms-quiet", outputs);
        expect(result).to.deep.include({
            status: "warn",
            detail: `in ALARM: ${names[2]} (${names.length - 2} OK, 1 INSUFFICIENT_DATA, 1 ALARM)`,
        });
    });
});

describe("verify monitoring: alarms that notify (a stopped tenant's are off by design: components/monitoring.ts)", () => {
    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    const names = outputs.monitoring.alarmNames as string[];
    const [first, second] = cfg.tenants;
    const answer = (off: (name: string) => boolean) =>
        mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({
            MetricAlarms: names.map((AlarmName) => ({ AlarmName, StateValue: "OK" as const, ActionsEnabled: !off(AlarmName) })),
        });
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("passes when every alarm notifies", async () => {
        expect(await resultOf(cfg, "monitoring-alarms-notify", outputs)).to.deep.include({
            status: "pass",
            detail: `${names.length} alarms`,
        });
    });

    it("fails a serving tenant's alarm with its actions off, naming it (an abandoned start, or a change by hand)", async () => {
        const silenced = `bbws-sit-${first.id}-healthy-targets`;
        answer((n) => n === silenced);
        expect(await resultOf(cfg, "monitoring-alarms-notify", outputs)).to.deep.include({
            status: "fail",
            detail: `actions off on 1 alarm(s) of serving tenants or the platform: ${silenced}`,
        });
    });

    it("passes a stopped tenant's alarms with their actions off, and says so", async () => {
        const stoppedCfg = { ...cfg, tenants: cfg.tenants.map((t) => (t.id === second.id ? { ...t, stopped: true } : t)) };
        answer((n) => n.startsWith(`bbws-sit-${second.id}-`));
        expect(await resultOf(stoppedCfg, "monitoring-alarms-notify", outputs)).to.deep.include({
            status: "pass",
            detail: `${names.length} alarms; 1 stopped tenant(s) silent by design: ${second.id}`,
        });
    });

    it("tells a tenant's alarms by the longest tenant id that fits, and the platform's by none", () => {
        expect(tenantOfAlarm("bbws-sit-shop-eu-healthy-targets", "sit", ["shop", "shop-eu"])).to.equal("shop-eu");
        expect(tenantOfAlarm("bbws-sit-shop-ecs-cpu", "sit", ["shop", "shop-eu"])).to.equal("shop");
        expect(tenantOfAlarm("bbws-sit-aurora-cpu", "sit", ["shop"])).to.equal(undefined);
    });
});

describe("verify monitoring: topics and subscriptions", () => {
    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    const { alertsTopicArn, criticalTopicArn } = outputs.monitoring;
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails a missing topic and an unencrypted one", async () => {
        mocks.sns
            .on(GetTopicAttributesCommand, { TopicArn: criticalTopicArn })
            .rejects(new NotFoundException({ message: "Topic does not exist", $metadata: { httpStatusCode: 404 } }));
        mocks.sns.on(GetTopicAttributesCommand, { TopicArn: alertsTopicArn }).resolves({ Attributes: { TopicArn: alertsTopicArn } });
        const result = await resultOf(cfg, "monitoring-topics-exist", outputs);
        expect(result).to.deep.include({
            status: "fail",
            detail: `alerts topic ${alertsTopicArn} is not encrypted; critical topic ${criticalTopicArn} not found`,
        });
    });

    it("warns, but does not fail, about an email that has not confirmed or is not subscribed", async () => {
        mocks.sns.on(ListSubscriptionsByTopicCommand, { TopicArn: alertsTopicArn }).resolves({
            Subscriptions: [
                { SubscriptionArn: "PendingConfirmation", Protocol: "email", Endpoint: "platform-sit@bbws.io", TopicArn: alertsTopicArn },
            ],
        });
        mocks.sns.on(ListSubscriptionsByTopicCommand, { TopicArn: criticalTopicArn }).resolves({ Subscriptions: [] });
        const result = await resultOf(cfg, "monitoring-subscriptions-confirmed", outputs);
        expect(result).to.deep.include({
            status: "warn",
            detail: "platform-sit@bbws.io has not confirmed alerts; platform-oncall@bbws.io is not subscribed to critical",
        });
    });
});

describe("verify monitoring: dashboard", () => {
    const cfg = configFor("prod");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails a dashboard that does not exist", async () => {
        mocks.cloudwatch
            .on(GetDashboardCommand)
            .rejects(new DashboardNotFoundError({ message: "Dashboard bbws-prod does not exist", $metadata: { httpStatusCode: 404 } }));
        expect(await resultOf(cfg, "monitoring-dashboard", outputs)).to.deep.include({
            status: "fail",
            detail: "dashboard bbws-prod not found",
        });
    });

    it("fails a dashboard with no widgets", async () => {
        mocks.cloudwatch.on(GetDashboardCommand).resolves({ DashboardName: "bbws-prod", DashboardBody: JSON.stringify({ widgets: [] }) });
        expect(await resultOf(cfg, "monitoring-dashboard", outputs)).to.deep.include({
            status: "fail",
            detail: "bbws-prod has no widgets",
        });
    });
});
