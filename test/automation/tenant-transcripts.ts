/** The README's tenant runbook transcripts: which commands, and what each prints on 2026-12-01 (test/automation/tenant-readme.test.ts checks them). */
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/tenant-cli";
import { stage } from "../support/rehearsal";

/**
 * Stands for `--rehearsal-dir` of a rehearsal of sit whose platform and tenants are rolled out (the scripted
 * engine's `pulumi up`), so a remove's dry run lists the URNs it would delete, and a migrate-tier's the tenant's
 * deployed tier and task security group: on an empty rehearsal there are none. The transcript shows this placeholder, since the folder is a temporary one.
 */
export const ROLLED_OUT_SIT = "<a rehearsal of sit, rolled out>";

/** Each generated block's name and the `npm run tenant --` arguments that print it. */
export const TRANSCRIPTS: Array<[string, string[]]> = [
    [
        "tenant-add-dry-run",
        [
            "add",
            "--env",
            "sit",
            "--id",
            "newco",
            "--slot",
            "3",
            "--cpu",
            "512",
            "--memory",
            "1024",
            "--domain",
            "www.newco.example",
            "--dry-run",
        ],
    ],
    ["tenant-remove-dry-run", ["remove", "--env", "sit", "--id", "tutorhub", "--dry-run", "--rehearse", "--rehearsal-dir", ROLLED_OUT_SIT]],
    [
        "tenant-migrate-tier-dry-run",
        [
            "migrate-tier",
            "--env",
            "sit",
            "--id",
            "tutorhub",
            "--tier",
            "premium",
            "--dry-run",
            "--rehearse",
            "--rehearsal-dir",
            ROLLED_OUT_SIT,
        ],
    ],
    [
        "tenant-migrate-enterprise-dry-run",
        [
            "migrate-tier",
            "--env",
            "sit",
            "--id",
            "aupairhive",
            "--tier",
            "enterprise",
            "--dry-run",
            "--rehearse",
            "--rehearsal-dir",
            ROLLED_OUT_SIT,
        ],
    ],
    ["tenant-rotate-salts-rehearsal", ["rotate-salts", "--env", "sit", "--id", "tutorhub", "--rehearse", "--approve", "tech-lead:alice"]],
];

/**
 * `$ npm run tenant -- <argv>` and its stdout, run as on 2026-12-01 09:00 UTC; throws when the command does not
 * exit 0. An argument {@link ROLLED_OUT_SIT} is a rehearsal of sit converged for this run, then removed.
 */
export async function tenantTranscript(argv: readonly string[]): Promise<string> {
    const sit = argv.includes(ROLLED_OUT_SIT) ? stage("sit") : undefined;
    try {
        sit?.converge();
        const io = memoryIo();
        const run = argv.map((a) => (a === ROLLED_OUT_SIT ? sit!.dir : a));
        const code = await main(run, io, { now: () => Date.parse("2026-12-01T09:00:00Z") });
        if (code !== 0) throw new Error(`npm run tenant -- ${argv.join(" ")} exited ${code}: ${io.stderr.join("")}`);
        return `$ npm run tenant -- ${argv.map((a) => (a.includes(" ") ? `'${a}'` : a)).join(" ")}\n${io.stdout.join("").trimEnd()}`;
    } finally {
        sit?.dispose();
    }
}
