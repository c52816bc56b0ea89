/** The README's tenant runbook transcripts: which commands, and what each prints on 2026-12-01 (test/automation/tenant-readme.test.ts checks them). */
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/tenant-cli";

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
    ["tenant-remove-dry-run", ["remove", "--env", "sit", "--id", "tutorhub", "--dry-run", "--rehearse"]],
    ["tenant-rotate-salts-rehearsal", ["rotate-salts", "--env", "sit", "--id", "tutorhub", "--rehearse", "--approve", "tech-lead:alice"]],
];

/** `$ npm run tenant -- <argv>` and its stdout, run as on 2026-12-01 09:00 UTC; throws when the command does not exit 0. */
export async function tenantTranscript(argv: readonly string[]): Promise<string> {
    const io = memoryIo();
    const code = await main([...argv], io, { now: () => Date.parse("2026-12-01T09:00:00Z") });
    if (code !== 0) throw new Error(`npm run tenant -- ${argv.join(" ")} exited ${code}: ${io.stderr.join("")}`);
    return `$ npm run tenant -- ${argv.join(" ")}\n${io.stdout.join("").trimEnd()}`;
}
