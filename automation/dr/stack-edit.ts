/**
 * What the dr command writes into the stack file after a switchover, failover or failback:
 * `bbws:dr.serving` and `bbws:dr.globalDatabase`, so the next rollout builds what AWS now has instead
 * of undoing it. Edited with the `yaml` Document API (automation/tenant/stack-edit.ts `edit`: only the
 * two lines change, a file the library would reformat is refused) and written atomically.
 */
import { isMap } from "yaml";
import { UsageError } from "../errors";
import { writeStackFile } from "../stack-files";
import { edit } from "../tenant/stack-edit";
import type { DrConfig } from "./config";

/** The two keys the dr command owns. */
export type DrState = Pick<DrConfig, "serving" | "globalDatabase">;

/** `text` with `bbws:dr.serving` and `.globalDatabase` set to `state` (added when absent); a no-op when they already say it. */
export function setDrState(text: string, state: DrState): string {
    return edit(text, (doc) => {
        const dr = doc.getIn(["config", "bbws:dr"], true);
        if (!isMap(dr)) {
            throw new UsageError(
                "no-dr",
                "bbws:dr is not a map in the stack file: there is no DR state to record",
                "configure bbws:dr first",
            );
        }
        if (dr.get("serving") !== state.serving) dr.set("serving", state.serving);
        if (dr.get("globalDatabase") !== state.globalDatabase) dr.set("globalDatabase", state.globalDatabase);
    });
}

/**
 * Writes `state` into `<projectDir>/Pulumi.<env>.yaml`, validated by the same loader as every command
 * (`writeStackFile`: atomic, untouched on a refusal); returns whether the file changed.
 */
export function writeDrState(projectDir: string, env: string, text: string, state: DrState): boolean {
    const after = setDrState(text, state);
    if (after === text) return false;
    writeStackFile(projectDir, env, after);
    return true;
}
