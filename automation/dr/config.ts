/**
 * `bbws:dr` read from the stack file, with the few other keys the dr command needs (`aws:region`,
 * `aws:allowedAccountIds`, `bbws:approvals`). The program side adds `bbws:dr` to src/config.ts
 * (`PlatformConfig.dr`); until that is merged the loader refuses the key, so this reader validates it
 * against the contract on its own. The merge replaces this file's schema with the program's.
 */
import { z } from "zod";
import { PHASE_NAMES, PhaseName } from "../../src/phases";
import { UsageError } from "../errors";
import { readStackFile } from "../stack-files";

const REGION = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1");

const DR_SCHEMA = z
    .object({
        /** The standby region; must differ from `aws:region`. */
        region: REGION,
        /** Which region serves: `primary` (`aws:region`) or `standby` (`region`). The dr command writes it. */
        serving: z.enum(["primary", "standby"]).default("primary"),
        /** `detached` after a failover's detach-and-promote, until failback re-creates the global database. */
        globalDatabase: z.enum(["attached", "detached"]).default("attached"),
        standby: z
            .object({
                /** Aurora instances in the DR cluster; 0 = headless. */
                auroraInstances: z.number().int().min(0).max(15),
                auroraInstanceClass: z.string().startsWith("db."),
            })
            .strict(),
        replication: z
            .object({
                /** Recovery point objective, minutes. */
                rpoMinutes: z.number().positive(),
                /** Recovery time objective, minutes. */
                rtoMinutes: z.number().positive(),
            })
            .strict(),
    })
    .strict();

/** `bbws:dr` as the contract of issue 17 gives it (absent for `bbws:dr: none`). */
export type DrConfig = z.infer<typeof DR_SCHEMA>;

/** What the dr command reads from one stack file. */
export interface DrSettings {
    readonly env: string;
    /** The stack file's path. */
    readonly file: string;
    /** `aws:region`: where the primary lives. */
    readonly primaryRegion: string;
    /** `aws:allowedAccountIds[0]`. */
    readonly accountId: string;
    /** `bbws:approvals`: the roles each phase needs. */
    readonly approvals: Readonly<Record<PhaseName, readonly string[]>>;
    /** `undefined` for `bbws:dr: none` (or no key). */
    readonly dr: DrConfig | undefined;
}

/**
 * The DR settings of `env` from `<projectDir>/Pulumi.<env>.yaml`. Throws `UsageError` (exit 2):
 * `unknown-env`, `invalid-config` when `bbws:dr` is neither `none` nor of the contract's shape, or
 * names the primary's own region.
 */
export function readDrSettings(projectDir: string, env: string): DrSettings {
    const stack = readStackFile(projectDir, env);
    return drSettingsOf(stack.config, env, stack.path);
}

/** `readDrSettings` on an already parsed config map (`ns:key` → value). */
export function drSettingsOf(config: Readonly<Record<string, unknown>>, env: string, file: string): DrSettings {
    const primaryRegion = String(config["aws:region"] ?? "");
    const accounts = config["aws:allowedAccountIds"];
    const accountId = Array.isArray(accounts) ? String(accounts[0]) : "";
    const rawApprovals = (config["bbws:approvals"] ?? {}) as Record<string, unknown>;
    const approvals = Object.fromEntries(
        PHASE_NAMES.map((p) => [p, Array.isArray(rawApprovals[p]) ? (rawApprovals[p] as unknown[]).map(String) : []]),
    ) as Record<PhaseName, string[]>;
    const raw = config["bbws:dr"];
    if (raw === undefined || raw === "none") return { env, file, primaryRegion, accountId, approvals, dr: undefined };
    const parsed = DR_SCHEMA.safeParse(raw);
    if (!parsed.success) {
        throw new UsageError(
            "invalid-config",
            `${file}: bbws:dr is not valid:\n${parsed.error.issues.map((i) => `  - bbws:dr.${i.path.join(".")}: ${i.message}`).join("\n")}`,
            "write `bbws:dr: none`, or region, serving, globalDatabase, standby and replication as the README's DR section shows",
        );
    }
    if (parsed.data.region === primaryRegion) {
        throw new UsageError(
            "invalid-config",
            `${file}: bbws:dr.region ${parsed.data.region} is the stack's own aws:region: a standby there survives no regional outage`,
            "name another region",
        );
    }
    return { env, file, primaryRegion, accountId, approvals, dr: parsed.data };
}

/** The DR config of `settings`, or `no-dr` (exit 2) for an environment that says `bbws:dr: none`. */
export function requireDr(settings: DrSettings): DrConfig {
    if (settings.dr) return settings.dr;
    throw new UsageError(
        "no-dr",
        `${settings.env} has no disaster recovery (bbws:dr: none in ${settings.file}): there is no standby to report on or switch to`,
        "use --env prod, or configure bbws:dr for this environment",
    );
}

/** The region that serves now: `aws:region`, or the DR region when `serving: standby`. */
export function servingRegion(settings: DrSettings, dr: DrConfig): string {
    return dr.serving === "standby" ? dr.region : settings.primaryRegion;
}
