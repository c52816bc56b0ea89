import type { Rule } from "../rule";

/**
 * Days of automated backups each environment must keep. The control asks for 7; dev holds nothing
 * that cannot be rebuilt, so there automated backups only have to be on (RDS cannot turn them off
 * for Aurora anyway: the minimum is 1).
 */
export const BACKUP_FLOOR_DAYS: Readonly<Record<string, number>> = { dev: 1 };
const CONTROL_DAYS = 7;

/** Minimum backup retention (days) for `env`: its entry in `BACKUP_FLOOR_DAYS`, else the control's 7. */
export function backupFloorDays(env: string): number {
    return BACKUP_FLOOR_DAYS[env] ?? CONTROL_DAYS;
}

export const rds_11: Rule = {
    name: "rds-11-backups",
    control: "RDS.11",
    description: `RDS.11: RDS instances should have automatic backups enabled (at least ${CONTROL_DAYS} days outside dev)`,
    explanation:
        "Point-in-time recovery reaches back only as far as the retention period. Set " +
        "backupRetentionPeriod (bbws:database.backupRetentionDays) to at least the floor.",
    level: "mandatory",
    types: ["aws:rds/cluster:Cluster", "aws:rds/instance:Instance"],
    scope: "resource",
    check(db, context) {
        // RDS's default when the property is absent is one day.
        const days = db.inputs.backupRetentionPeriod ?? 1;
        const floor = backupFloorDays(context.env);
        return days >= floor ? [] : [`keeps backups for ${days} day(s); ${context.env} requires at least ${floor}`];
    },
};
