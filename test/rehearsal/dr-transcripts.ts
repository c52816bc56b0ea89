/**
 * The README's DR runbook transcripts, produced by rehearsals: a switchover, a failover (the primary
 * region down, a 42 s replica lag), and the failback that follows it in the same rehearsal folder.
 * The temporary folder's name and the operation's random id are replaced, so the text is stable.
 */
import * as fs from "fs";
import * as path from "path";
import { drProject, PROD_APPROVALS, runDr } from "../automation/dr-fixtures";

/** The README markers of each transcript, in order. */
export const TRANSCRIPTS = ["dr-switchover", "dr-failover", "dr-failback"] as const;

const OPERATION_ID = /\(operation [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)/g;

/** Runs the three rehearsals and returns each transcript: the command, what it printed on stderr, then stdout. */
export async function drTranscripts(): Promise<Record<(typeof TRANSCRIPTS)[number], string>> {
    const transcript = async (argv: string[], dir: string, reh: string) => {
        const run = await runDr([...argv, "--rehearse", "--rehearsal-dir", reh], dir);
        if (run.code !== 0) throw new Error(`rehearsal ${argv.join(" ")} ended ${run.code}:\n${run.stderr}\n${run.stdout}`);
        const text = [`$ npm run dr -- ${argv.join(" ")} --rehearse`, run.stderr, run.stdout].join("\n");
        return text.split(reh).join("/tmp/bbws-dr-rehearsal-prod-XXXXXX").replace(OPERATION_ID, "(operation <operation id>)");
    };
    const fresh = () => {
        const dir = drProject();
        const reh = path.join(dir, "rehearsal");
        fs.mkdirSync(reh);
        return { dir, reh };
    };
    const a = fresh();
    const b = fresh();
    return {
        "dr-switchover": await transcript(["switchover", "--env", "prod", "--to", "eu-west-1", ...PROD_APPROVALS], a.dir, a.reh),
        "dr-failover": await transcript(["failover", "--env", "prod", "--to", "eu-west-1", ...PROD_APPROVALS], b.dir, b.reh),
        "dr-failback": await transcript(["failback", "--env", "prod", "--to", "af-south-1", ...PROD_APPROVALS], b.dir, b.reh),
    };
}
