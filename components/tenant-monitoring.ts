/**
 * One tenant's part of the monitoring layer (`bbws:monitoring:TenantMonitoring`): the tenant's alarms
 * (ECS CPU and memory, healthy targets; an enterprise tenant's cluster's too) and an enterprise tenant's
 * own EventBridge rules (its cluster's events, its vault's failed jobs). The tenant's dashboard rows are not resources: they stay in
 * the layer's one dashboard.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { AlarmSpec, AlarmTopic } from "./alarms";
import type { EventRuleSpec } from "./events";
import { TenantComponent } from "./shared";

export interface TenantMonitoringArgs {
    readonly tenantId: string;
    /** The tenant's rows of `alarmSpecs`: each `what` is `<tenant id>-<check>`. */
    readonly alarms: readonly AlarmSpec[];
    readonly topicArns: Readonly<Record<AlarmTopic, pulumi.Input<string>>>;
    /** `MetricAlarm` arguments of one row (the layer's `metricAlarmArgs`), shared with the platform's alarms. */
    readonly alarmArgs: (spec: AlarmSpec, topicArn: pulumi.Input<string>) => aws.cloudwatch.MetricAlarmArgs;
    /** An enterprise tenant's own EventBridge rules (components/events.ts `tenantEventRuleSpecs`); none for the others. */
    readonly eventRules: readonly EventRuleSpec[];
    /** Creates one rule and its target with `opts` (the layer's `createEventRule`, shared with the platform's rules). */
    readonly createEventRule: (rule: EventRuleSpec, opts: pulumi.CustomResourceOptions) => void;
}

/**
 * The tenant's alarms, `<name>-<check>`: with `name` = `<layer>-<tenant id>` that is the name each had
 * under the layer (`<layer>-<what>`), so each carries an alias naming only the layer as its former
 * parent, and moving them here replaced nothing. Throws `Error` on a row of another tenant.
 */
export class TenantMonitoring extends TenantComponent {
    /** The alarms' names, in the order of `alarms`. */
    readonly alarmNames: pulumi.Output<string>[];

    constructor(name: string, args: TenantMonitoringArgs, opts: pulumi.ComponentResourceOptions) {
        super("bbws:monitoring:TenantMonitoring", name, opts);
        const prefix = `${args.tenantId}-`;
        const foreign = args.alarms.filter((spec) => spec.tenant !== args.tenantId || !spec.what.startsWith(prefix));
        if (foreign.length > 0) {
            throw new Error(`\`alarms\` of tenant \`${args.tenantId}\` include ${foreign.map((s) => `\`${s.what}\``).join(", ")}`);
        }
        this.alarmNames = args.alarms.map((spec) => {
            const check = spec.what.slice(prefix.length);
            return new aws.cloudwatch.MetricAlarm(`${name}-${check}`, args.alarmArgs(spec, args.topicArns[spec.topic]), this.moved()).name;
        });
        // Came with the enterprise tier: never the layer's, so no alias.
        for (const rule of args.eventRules) args.createEventRule(rule, { parent: this });
        this.registerOutputs({ alarmNames: this.alarmNames });
    }
}
