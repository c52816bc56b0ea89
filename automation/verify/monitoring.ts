/** Checks after the `monitoring` phase: alarms, topics and their subscribers, the dashboard. */
import { CompositeAlarm, DescribeAlarmsCommand, GetDashboardCommand, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand } from "@aws-sdk/client-sns";
import { allPages, Check, CheckContext, fail, list, orAbsent, pass, verdict, warn } from "./check";

/** SNS's placeholder ARN for a subscription nobody has confirmed yet. */
const PENDING = "PendingConfirmation";

/** Every alarm of the environment: the monitoring layer names them `bbws-<env>-<what>`. */
async function environmentAlarms(ctx: CheckContext): Promise<Array<MetricAlarm | CompositeAlarm>> {
    return ctx.read("cloudwatch:alarms", () =>
        allPages(async (token) => {
            const page = await ctx.aws.cloudwatch.send(
                new DescribeAlarmsCommand({
                    AlarmNamePrefix: `bbws-${ctx.env}-`,
                    AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
                    MaxRecords: 100,
                    NextToken: token,
                }),
            );
            return { items: [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])], next: page.NextToken };
        }),
    );
}

/**
 * The tenant an alarm named `bbws-<env>-<id>-<check>` watches: the longest of `tenantIds` that fits, so
 * tenant `shop` does not claim `shop-eu`'s alarms; undefined for a platform alarm.
 */
export function tenantOfAlarm(name: string, env: string, tenantIds: readonly string[]): string | undefined {
    return tenantIds.filter((id) => name.startsWith(`bbws-${env}-${id}-`)).sort((a, b) => b.length - a.length)[0];
}

/** The two topics with the emails config subscribes to each. */
function topics(ctx: CheckContext): Array<{ label: string; arn: string; emails: readonly string[] }> {
    return [
        { label: "alerts", arn: ctx.outputs.string("monitoring.alertsTopicArn"), emails: ctx.config.monitoring.alertEmails },
        { label: "critical", arn: ctx.outputs.string("monitoring.criticalTopicArn"), emails: ctx.config.monitoring.criticalEmails },
    ];
}

export const monitoringChecks: readonly Check[] = [
    {
        id: "monitoring-alarms-exist",
        phase: "monitoring",
        info: "Every alarm the stack created exists under the environment's `bbws-<env>-` prefix.",
        explanation:
            "An alarm deleted or renamed by hand stops paging without anyone noticing; re-apply the " + "monitoring phase to restore it.",
        async check(ctx) {
            const expected = ctx.outputs.strings("monitoring.alarmNames");
            const present = new Set((await environmentAlarms(ctx)).map((a) => a.AlarmName));
            const missing = expected.filter((name) => !present.has(name));
            return missing.length > 0
                ? fail(`${missing.length} of ${expected.length} alarms missing: ${list(missing)}`)
                : pass(`${expected.length} alarms present`);
        },
    },
    {
        id: "monitoring-alarms-quiet",
        phase: "monitoring",
        info: "No alarm of the environment is in ALARM (a warning: it may be real).",
        explanation:
            "Right after a rollout an alarm in ALARM is either a real problem the rollout caused or a " +
            "threshold that does not fit; look before signing the phase off.",
        async check(ctx) {
            const alarms = await environmentAlarms(ctx);
            const firing = alarms.filter((a) => a.StateValue === "ALARM").map((a) => a.AlarmName ?? "?");
            const counts = ["OK", "INSUFFICIENT_DATA", "ALARM"]
                .map((state) => `${alarms.filter((a) => a.StateValue === state).length} ${state}`)
                .join(", ");
            return firing.length > 0 ? warn(`in ALARM: ${list(firing)} (${counts})`) : pass(counts);
        },
    },
    {
        id: "monitoring-alarms-notify",
        phase: "monitoring",
        info: "Every alarm notifies (actions enabled) but a stopped tenant's, whose actions are off while it is stopped.",
        explanation:
            "A stopped tenant's alarms notify no one (no targets is then no outage); a start turns them back on. An alarm of a " +
            "serving tenant or of the platform with its actions off is an outage nobody hears of: an abandoned start, or a " +
            "change by hand. Roll out the tenant's monitoring phase.",
        async check(ctx) {
            const alarms = await environmentAlarms(ctx);
            const stopped = ctx.config.tenants.filter((t) => t.stopped).map((t) => t.id);
            const tenantIds = ctx.config.tenants.map((t) => t.id);
            const silent = alarms.filter(
                (a) => a.ActionsEnabled === false && !stopped.includes(tenantOfAlarm(a.AlarmName ?? "", ctx.env, tenantIds) ?? ""),
            );
            const quietBy = stopped.length > 0 ? `; ${stopped.length} stopped tenant(s) silent by design: ${list(stopped)}` : "";
            return silent.length > 0
                ? fail(
                      `actions off on ${silent.length} alarm(s) of serving tenants or the platform: ${list(silent.map((a) => a.AlarmName ?? "?"))}`,
                  )
                : pass(`${alarms.length} alarms${quietBy}`);
        },
    },
    {
        id: "monitoring-topics-exist",
        phase: "monitoring",
        info: "The alerts and critical topics exist and are encrypted.",
        explanation: "Every alarm and event rule publishes to these two topics; without them nobody is told.",
        async check(ctx) {
            const problems: string[] = [];
            for (const topic of topics(ctx)) {
                const answer = await orAbsent(
                    ctx.read(`sns:attributes:${topic.arn}`, () => ctx.aws.sns.send(new GetTopicAttributesCommand({ TopicArn: topic.arn }))),
                    "NotFoundException",
                );
                if (!answer) problems.push(`${topic.label} topic ${topic.arn} not found`);
                else if (!answer.Attributes?.KmsMasterKeyId) problems.push(`${topic.label} topic ${topic.arn} is not encrypted`);
            }
            return verdict(
                problems,
                topics(ctx)
                    .map((t) => `${t.label} ${t.arn}`)
                    .join(", "),
            );
        },
    },
    {
        id: "monitoring-subscriptions-confirmed",
        phase: "monitoring",
        info: "Every configured email is subscribed to its topic and has confirmed (a warning until someone clicks the link).",
        explanation:
            "SNS sends nothing to an email that has not confirmed its subscription; ask the owner of the " +
            "address to confirm, or fix `bbws:monitoring.alertEmails` / `criticalEmails`.",
        async check(ctx) {
            const findings: string[] = [];
            const seen: string[] = [];
            for (const topic of topics(ctx)) {
                const subscriptions = await ctx.read(`sns:subscriptions:${topic.arn}`, () =>
                    allPages(async (token) => {
                        const page = await ctx.aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic.arn, NextToken: token }));
                        return { items: page.Subscriptions, next: page.NextToken };
                    }),
                );
                for (const email of topic.emails) {
                    const subscription = subscriptions.find((s) => s.Protocol === "email" && s.Endpoint === email);
                    if (!subscription) findings.push(`${email} is not subscribed to ${topic.label}`);
                    else if (subscription.SubscriptionArn === PENDING) findings.push(`${email} has not confirmed ${topic.label}`);
                }
                seen.push(`${topic.label}: ${topic.emails.length} email(s) configured`);
            }
            return findings.length > 0 ? warn(findings.join("; ")) : pass(`${seen.join(", ")}, all confirmed`);
        },
    },
    {
        id: "monitoring-dashboard",
        phase: "monitoring",
        info: "The environment's dashboard exists and has widgets.",
        explanation: "Operations open the dashboard first during an incident; an empty or missing one costs minutes.",
        async check(ctx) {
            const name = ctx.outputs.string("monitoring.dashboardName");
            const answer = await orAbsent(
                ctx.read("cloudwatch:dashboard", () => ctx.aws.cloudwatch.send(new GetDashboardCommand({ DashboardName: name }))),
                "DashboardNotFoundError",
                "ResourceNotFound",
            );
            if (!answer) return fail(`dashboard ${name} not found`);
            const widgets = widgetCount(answer.DashboardBody);
            return widgets > 0 ? pass(`${name}: ${widgets} widgets`) : fail(`${name} has no widgets`);
        },
    },
];

function widgetCount(body: string | undefined): number {
    try {
        const widgets = JSON.parse(body ?? "{}").widgets;
        return Array.isArray(widgets) ? widgets.length : 0;
    } catch {
        return 0;
    }
}
