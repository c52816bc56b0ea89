/**
 * The stack outputs the dr command reads: the `dr` keys of issue 17's contract (`database.dr`,
 * `storage.dr`, `ecs.dr`, `monitoring.dr`) and the primary's own keys, checked at run time, since a
 * stack rolled out by an older commit lacks them. The types are the program's own (`PlatformOutputs`)
 * and each schema is declared as a `z.ZodType` of them, so a renamed or retyped output fails `tsc` here.
 */
import { z } from "zod";
import { SUPPORTED_REGIONS } from "../../src/config";
import type { PlatformOutputs } from "../../src/program";
import { UsageError } from "../errors";

/** `database.dr` as src/program.ts exports it. */
export type DatabaseDrOutputs = NonNullable<PlatformOutputs["database"]["dr"]>;
/** `storage.dr` as src/program.ts exports it. */
export type StorageDrOutputs = NonNullable<PlatformOutputs["storage"]["dr"]>;
/** `ecs.dr` as src/program.ts exports it. */
export type EcsDrOutputs = NonNullable<PlatformOutputs["ecs"]["dr"]>;
/** `monitoring.dr` as src/program.ts exports it. */
export type MonitoringDrOutputs = NonNullable<PlatformOutputs["monitoring"]["dr"]>;
/** The primary region's outputs the dr command reads. */
export interface PrimaryOutputs {
    readonly database: Pick<PlatformOutputs["database"], "clusterIdentifier">;
    readonly storage: Pick<PlatformOutputs["storage"], "fileSystemId">;
    readonly ecs: Pick<PlatformOutputs["ecs"], "clusterName" | "serviceNames" | "loadBalancerDnsName" | "targetGroupArns">;
}

const NAME = z.string().min(1);
const ARN = z.string().startsWith("arn:");
const REGION = z.enum(SUPPORTED_REGIONS);

/** `database.dr`. */
export const DATABASE_DR: z.ZodType<DatabaseDrOutputs> = z.object({
    region: REGION,
    globalClusterIdentifier: NAME,
    primaryClusterIdentifier: NAME,
    standbyClusterIdentifier: NAME,
    standbyClusterArn: ARN,
});

/** `storage.dr`. */
export const STORAGE_DR: z.ZodType<StorageDrOutputs> = z.object({
    region: REGION,
    fileSystemId: NAME,
    backupVaultName: NAME,
    assetsBucketName: NAME,
    migrationBucketName: NAME,
});

/** `ecs.dr`. */
export const ECS_DR: z.ZodType<EcsDrOutputs> = z.object({
    region: REGION,
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
export const MONITORING_DR: z.ZodType<MonitoringDrOutputs> = z.object({ alarmNames: z.array(NAME) });

const PRIMARY: z.ZodType<PrimaryOutputs> = z.object({
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
    readonly database: DatabaseDrOutputs;
    readonly storage: StorageDrOutputs;
    readonly ecs: EcsDrOutputs;
    readonly monitoring: MonitoringDrOutputs;
    /** The primary region's own outputs (`database.clusterIdentifier`, `storage.fileSystemId`, `ecs.*`). */
    readonly primary: PrimaryOutputs;
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
    const ecs = ok<EcsDrOutputs>(parts.ecs);
    const primary = ok<PrimaryOutputs>(parts.primary);
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
