/**
 * The stack outputs the dr command reads: the `dr` keys of issue 17's contract (`database.dr`,
 * `storage.dr`, `ecs.dr`, `monitoring.dr`) and the primary's own ecs keys. Declared here, as the
 * contract says, until the program side's `PlatformOutputs` carries them; checked at run time, since
 * a stack rolled out by an older commit lacks them.
 */
import { z } from "zod";
import { UsageError } from "../errors";

const NAME = z.string().min(1);
const ARN = z.string().startsWith("arn:");

/** `database.dr`. */
export const DATABASE_DR = z.object({
    region: NAME,
    globalClusterIdentifier: NAME,
    primaryClusterIdentifier: NAME,
    standbyClusterIdentifier: NAME,
    standbyClusterArn: ARN,
});

/** `storage.dr`. */
export const STORAGE_DR = z.object({
    region: NAME,
    fileSystemId: NAME,
    backupVaultName: NAME,
    assetsBucketName: NAME,
    migrationBucketName: NAME,
});

/** `ecs.dr`. */
export const ECS_DR = z.object({
    region: NAME,
    clusterName: NAME,
    serviceNames: z.record(NAME),
    desiredCounts: z.record(z.number().int().min(0)),
    loadBalancerArn: ARN,
    loadBalancerDnsName: NAME,
    targetGroupArns: z.record(ARN),
    hostedZoneId: NAME,
    recordNames: z.array(NAME).min(1),
    primaryHealthCheckId: NAME,
});

/** `monitoring.dr`. */
export const MONITORING_DR = z.object({ alarmNames: z.array(NAME) });

const PRIMARY = z.object({
    database: z.object({ clusterIdentifier: NAME }),
    storage: z.object({ fileSystemId: NAME }),
    ecs: z.object({
        clusterName: NAME,
        serviceNames: z.record(NAME),
        loadBalancerDnsName: NAME,
        targetGroupArns: z.record(ARN),
    }),
});

/** What the dr command needs of the stack, both regions. */
export interface DrOutputs {
    readonly database: z.infer<typeof DATABASE_DR>;
    readonly storage: z.infer<typeof STORAGE_DR>;
    readonly ecs: z.infer<typeof ECS_DR>;
    readonly monitoring: z.infer<typeof MONITORING_DR>;
    /** The primary region's own outputs (`database.clusterIdentifier`, `storage.fileSystemId`, `ecs.*`). */
    readonly primary: z.infer<typeof PRIMARY>;
}

/**
 * The DR outputs of the stack (grouped by phase). Throws `UsageError` `no-dr-outputs` (exit 2) naming
 * the first problems when a key is missing or not of the contract's shape: the phases of a commit that
 * builds DR have not been rolled out to `env`.
 */
export function readDrOutputs(outputs: Readonly<Record<string, unknown>>, env: string): DrOutputs {
    const at = (phase: string) => ((outputs[phase] ?? {}) as Record<string, unknown>).dr;
    const parts = {
        database: DATABASE_DR.safeParse(at("database")),
        storage: STORAGE_DR.safeParse(at("storage")),
        ecs: ECS_DR.safeParse(at("ecs")),
        monitoring: MONITORING_DR.safeParse(at("monitoring")),
        primary: PRIMARY.safeParse(outputs),
    };
    const problems = Object.entries(parts).flatMap(([key, result]) =>
        result.success
            ? []
            : result.error.issues.map((i) => `${[...(key === "primary" ? [] : [key, "dr"]), ...i.path].join(".")}: ${i.message}`),
    );
    if (problems.length > 0) {
        throw new UsageError(
            "no-dr-outputs",
            `the stack ${env} does not export what disaster recovery needs (${problems.slice(0, 3).join("; ")})`,
            `roll out every phase of a commit that builds DR to ${env} first: npm run rollout -- --env ${env} --phase all`,
        );
    }
    const ok = <T>(r: { success: boolean; data?: T }) => r.data as T;
    const ecs = ok<z.infer<typeof ECS_DR>>(parts.ecs);
    const primary = ok<z.infer<typeof PRIMARY>>(parts.primary);
    const missing = Object.keys(primary.ecs.serviceNames).filter(
        (t) => ecs.serviceNames[t] === undefined || ecs.targetGroupArns[t] === undefined,
    );
    if (missing.length > 0) {
        throw new UsageError(
            "no-dr-outputs",
            `the standby in ${env} lacks a service or target group for ${missing.join(", ")} (ecs.dr.serviceNames, ecs.dr.targetGroupArns)`,
            `roll out the ecs phase to ${env}: npm run rollout -- --env ${env} --phase ecs`,
        );
    }
    return {
        database: ok(parts.database),
        storage: ok(parts.storage),
        ecs,
        monitoring: ok(parts.monitoring),
        primary,
    };
}
