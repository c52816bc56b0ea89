/**
 * Checks of the account's own security services, reported with the monitoring phase: a multi-region
 * CloudTrail trail that is logging, Security Hub, and an enabled GuardDuty detector in the stack's
 * region. The platform does not create them (they are the account owner's), but its signals depend on
 * them: CloudTrail's events reach EventBridge only while a trail is logging (EventBridge user guide,
 * "AWS service events delivered via AWS CloudTrail"), and the GuardDuty rule pages only if GuardDuty runs.
 *
 * `bbws:monitoring.requireAccountSecurityServices` sets the severity: a missing service, or a read the
 * credentials may not make, fails the check where it is required and warns elsewhere. Every call is
 * read-only.
 */
import { DescribeTrailsCommand, GetTrailStatusCommand, Trail } from "@aws-sdk/client-cloudtrail";
import { GetDetectorCommand, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { DescribeHubCommand } from "@aws-sdk/client-securityhub";
import { Check, CheckContext, CheckOutcome, fail, list, pass, warn } from "./check";

/** A missing service or an unreadable one: fails where the stack requires the services, warns elsewhere. */
function missing(ctx: CheckContext, detail: string): CheckOutcome {
    return ctx.config.monitoring.requireAccountSecurityServices
        ? fail(`${detail} (required: bbws:monitoring.requireAccountSecurityServices)`)
        : warn(detail);
}

/** IAM refused the call: AWS's JSON and REST APIs name it `AccessDenied…` and answer HTTP 403. */
function isAccessDenied(err: unknown): boolean {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return /^AccessDenied/.test(e?.name ?? "") || e?.$metadata?.httpStatusCode === 403;
}

/**
 * Runs `read`; if IAM refuses it, answers that the service could not be verified, naming the
 * permission the verifying role lacks. Other errors propagate (the runner fails the check with them).
 */
async function unlessDenied<T>(ctx: CheckContext, permission: string, read: () => Promise<T>): Promise<T | CheckOutcome> {
    try {
        return await read();
    } catch (err) {
        if (!isAccessDenied(err)) throw err;
        return missing(ctx, `not verified: the credentials lack ${permission} (${(err as Error).name})`);
    }
}

function isOutcome(value: unknown): value is CheckOutcome {
    return typeof value === "object" && value !== null && "status" in value && "detail" in value;
}

export const accountChecks: readonly Check[] = [
    {
        id: "monitoring-cloudtrail-logging",
        phase: "monitoring",
        info: "A multi-region CloudTrail trail (this account's or its organization's) is logging.",
        explanation:
            "Without a logging trail there is no audit record, and CloudTrail delivers no API-call or sign-in " +
            "events to EventBridge, so the root-activity and IAM-policy-change rules never fire. Ask the " +
            "account owner to create a multi-region trail (or an organization trail) and start logging.",
        async check(ctx) {
            // Shadow trails are the copies of a multi-region trail in the regions other than its home one.
            const trails = await unlessDenied(ctx, "cloudtrail:DescribeTrails", () =>
                ctx.read("cloudtrail:trails", () => ctx.aws.cloudtrail.send(new DescribeTrailsCommand({ includeShadowTrails: true }))),
            );
            if (isOutcome(trails)) return trails;
            const multiRegion = (trails.trailList ?? []).filter((t: Trail) => t.IsMultiRegionTrail === true && t.TrailARN);
            if (multiRegion.length === 0) return missing(ctx, `no multi-region trail in ${ctx.config.region}`);
            const logging: string[] = [];
            for (const trail of multiRegion) {
                // A shadow trail's status is asked by its ARN (CloudTrail API reference, GetTrailStatus `Name`).
                const status = await unlessDenied(ctx, "cloudtrail:GetTrailStatus", () =>
                    ctx.read(`cloudtrail:status:${trail.TrailARN}`, () =>
                        ctx.aws.cloudtrail.send(new GetTrailStatusCommand({ Name: trail.TrailARN })),
                    ),
                );
                if (isOutcome(status)) return status;
                if (status.IsLogging === true) logging.push(trail.TrailARN!);
            }
            return logging.length > 0
                ? pass(`logging: ${list(logging)}`)
                : missing(ctx, `multi-region trail(s) not logging: ${list(multiRegion.map((t) => t.TrailARN!))}`);
        },
    },
    {
        id: "monitoring-security-hub-enabled",
        phase: "monitoring",
        info: "Security Hub is enabled in the account, in the stack's region.",
        explanation:
            "Security Hub scores the account against the controls the policy pack is named after and " +
            "collects GuardDuty's and Inspector's findings in one place. Enable it in the stack's region.",
        async check(ctx) {
            const hub = await unlessDenied(ctx, "securityhub:DescribeHub", async () => {
                try {
                    return await ctx.read("securityhub:hub", () => ctx.aws.securityHub.send(new DescribeHubCommand({})));
                } catch (err) {
                    // Not subscribed: DescribeHub answers InvalidAccessException (SecurityHub API reference, "Errors").
                    const name = (err as Error).name;
                    if (name === "InvalidAccessException" || name === "ResourceNotFoundException") return undefined;
                    throw err;
                }
            });
            if (isOutcome(hub)) return hub;
            return hub?.HubArn
                ? pass(`${hub.HubArn}, enabled since ${hub.SubscribedAt ?? "?"}`)
                : missing(ctx, `Security Hub is not enabled in ${ctx.config.region}`);
        },
    },
    {
        id: "monitoring-guardduty-enabled",
        phase: "monitoring",
        info: "GuardDuty has an enabled detector in the stack's region.",
        explanation:
            "GuardDuty is the only source of the `guardduty-findings` rule's pages; with no detector, or a " +
            "suspended one, nothing watches for compromised credentials or instances. Enable GuardDuty in the stack's region.",
        async check(ctx) {
            const listed = await unlessDenied(ctx, "guardduty:ListDetectors", () =>
                ctx.read("guardduty:detectors", () => ctx.aws.guardDuty.send(new ListDetectorsCommand({}))),
            );
            if (isOutcome(listed)) return listed;
            const ids = listed.DetectorIds ?? [];
            if (ids.length === 0) return missing(ctx, `GuardDuty has no detector in ${ctx.config.region}`);
            const statuses: string[] = [];
            for (const id of ids) {
                const detector = await unlessDenied(ctx, "guardduty:GetDetector", () =>
                    ctx.read(`guardduty:detector:${id}`, () => ctx.aws.guardDuty.send(new GetDetectorCommand({ DetectorId: id }))),
                );
                if (isOutcome(detector)) return detector;
                if (detector.Status === "ENABLED") return pass(`detector ${id} ENABLED in ${ctx.config.region}`);
                statuses.push(`${id} ${detector.Status ?? "?"}`);
            }
            return missing(ctx, `no enabled GuardDuty detector in ${ctx.config.region}: ${list(statuses)}`);
        },
    },
];
