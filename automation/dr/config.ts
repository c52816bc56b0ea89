/**
 * What the dr command reads from one stack file: `bbws:dr` and the few other keys it needs
 * (`aws:region`, `aws:allowedAccountIds`, `bbws:approvals`), all through the program's own schema
 * (src/config.ts `parseConfig`, via `loadStackConfig`), so the command and the program never disagree
 * on what a stack file means.
 */
import type { DrConfig, PlatformConfig } from "../../src/config";
import { PHASE_NAMES, PhaseName } from "../../src/phases";
import { UsageError } from "../errors";
import { loadStackConfig, readStackFile } from "../stack-files";

export type { DrConfig };

/** What the dr command reads from one stack file. */
export interface DrSettings {
    readonly env: string;
    /** The stack file's path. */
    readonly file: string;
    /** `aws:region`: where the primary lives. */
    readonly primaryRegion: string;
    /** `aws:allowedAccountIds[0]`. */
    readonly accountId: string;
    /** `bbws:approvals`: the roles each phase needs (a phase the key leaves out needs none). */
    readonly approvals: Readonly<Record<PhaseName, readonly string[]>>;
    /** `undefined` for `bbws:dr: none` (or no key). */
    readonly dr: Readonly<DrConfig> | undefined;
    /** The stack file's `secretsprovider` (e.g. `awskms://alias/…?region=…`), when it names one. */
    readonly secretsProvider?: string;
}

/**
 * The DR settings of `env` from `<projectDir>/Pulumi.<env>.yaml`, validated by `loadStackConfig`.
 * Throws its `UsageError` (exit 2): `unknown-env`, or `invalid-config` listing every problem
 * (an invalid `bbws:dr`, a standby in `aws:region`, overlapping VPC ranges, …).
 */
export function readDrSettings(projectDir: string, env: string): DrSettings {
    const stack = readStackFile(projectDir, env);
    return drSettingsOf(loadStackConfig(projectDir, env, stack), stack.path, stack.secretsProvider);
}

/** The dr command's view of an already validated config; `file` is the stack file it came from (for messages). */
export function drSettingsOf(cfg: PlatformConfig, file: string, secretsProvider?: string): DrSettings {
    const approvals = Object.fromEntries(PHASE_NAMES.map((p) => [p, cfg.approvals[p] ?? []])) as Record<PhaseName, readonly string[]>;
    return { env: cfg.env, file, primaryRegion: cfg.region, accountId: cfg.accountId, approvals, dr: cfg.dr, secretsProvider };
}

/** The DR config of `settings`, or `no-dr` (exit 2) for an environment that says `bbws:dr: none`. */
export function requireDr(settings: DrSettings): Readonly<DrConfig> {
    if (settings.dr) return settings.dr;
    throw new UsageError(
        "no-dr",
        `${settings.env} has no disaster recovery (bbws:dr: none in ${settings.file}): there is no standby to report on or switch to`,
        "use --env prod, or configure bbws:dr for this environment",
    );
}

/** The region that serves now: `aws:region`, or the DR region when `serving: standby`. */
export function servingRegion(settings: DrSettings, dr: Readonly<DrConfig>): string {
    return dr.serving === "standby" ? dr.region : settings.primaryRegion;
}
