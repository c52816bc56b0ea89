/**
 * `npm run task -- --rehearse` end to end: the CLI's `main`, the rehearsal's convergence through the
 * real `LocalWorkspace` adapter and the scripted engine, the stack outputs read back with `pulumi stack
 * output`, the staging, RunTask, log and wait code against the ECS, Logs and S3 doubles, and the
 * ledger in the throw-away folder. The README's runbook transcript is this test's first run.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import type { Io } from "../../automation/io";
import { main } from "../../automation/task-cli";
import type { TaskCliDeps } from "../../automation/task/deps";
import { FileLedger } from "../../automation/ledger";
import { PROJECT_DIR } from "../support/pulumi";
import { tempDir } from "../support/temp";
import { withOneOffTasks } from "../automation/task-fixtures";

const ENV = "sit";
const TENANTS = ["aupairhive", "tutorhub"];
const COMMAND = [
    "npm run task -- --env sit --tenant aupairhive --stage ./backups/aupairhive --rehearse -- /opt/migration/scripts/import.sh",
];

/** Both streams in the order written, as a terminal shows them. */
function terminalIo(): Io & { text: string[] } {
    const text: string[] = [];
    return { text, out: (t) => text.push(t), err: (t) => text.push(t), interactive: false };
}

async function rehearse(argv: string[], scenario: NonNullable<TaskCliDeps["rehearsal"]>["scenario"] = {}) {
    const cwd = tempDir("bbws-task-rehearsal-cwd-");
    fs.mkdirSync(path.join(cwd, "backups", "aupairhive", "sql"), { recursive: true });
    fs.writeFileSync(path.join(cwd, "backups", "aupairhive", "sql", "aupairhive.sql.gz"), Buffer.alloc(48 * 1024, 1));
    fs.writeFileSync(path.join(cwd, "backups", "aupairhive", "wp-content.tar.gz"), Buffer.alloc(7 * 1024 * 1024, 2));
    const dir = tempDir("bbws-rehearsal-sit-");
    const io = terminalIo();
    const code = await main(argv, io, {
        cwd,
        // A fixed clock and run id: the transcript is reproducible.
        now: () => Date.parse("2026-12-01T10:15:02Z"),
        randomId: () => "3f9a1c",
        rehearsal: { dir, scenario, outputs: withOneOffTasks(ENV, TENANTS) },
    });
    return { code, io, dir, transcript: [`$ ${COMMAND[0]}`, ...io.text].join("\n").split(dir).join("/tmp/bbws-rehearsal-sit-8KLkNH") };
}

describe("npm run task -- --rehearse (scripted engine, AWS doubles)", function () {
    this.timeout(240000);
    const argv = [
        "--env",
        ENV,
        "--tenant",
        "aupairhive",
        "--stage",
        "./backups/aupairhive",
        "--rehearse",
        "--",
        "/opt/migration/scripts/import.sh",
    ];

    it("converges sit, stages the folder, runs the task, streams its log and exits 0; the README's transcript is this run", async () => {
        const { code, transcript, dir } = await rehearse(argv);
        expect(code, transcript).to.equal(0);
        expect(transcript).to.include("converging sit in the rehearsal");
        expect(transcript).to.include("wp-content.tar.gz: 7.0 MiB uploaded");
        expect(transcript).to.include('rehearsal: the task runs nothing; it would run ["/opt/migration/scripts/import.sh"]');
        const kept = await new FileLedger(path.join(dir, "project", ".rollout"), () => undefined).readTasks(ENV);
        expect(kept.map((r) => [r.event, r.outcome])).to.deep.equal([
            ["started", undefined],
            ["ended", "exited"],
        ]);
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const block = /<!-- generated:task-transcript -->\n```text\n([\s\S]*?)\n```\n<!-- \/generated:task-transcript -->/.exec(
            readme,
        )?.[1];
        expect(block, "README's task transcript: paste this run's transcript between the markers").to.equal(transcript);
    });

    it("returns the container's exit code the scenario sets (3), and exit 1 with the stopped reason when the task never starts", async () => {
        const three = await rehearse(argv, { exitCode: 3 });
        expect(three.code).to.equal(3);
        const reason = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed";
        const never = await rehearse(argv, { neverStarts: { stopCode: "TaskFailedToStart", stoppedReason: reason } });
        expect(never.code).to.equal(1);
        expect(never.transcript).to.include(`never started: TaskFailedToStart: ${reason}`);
        expect(never.transcript).not.to.include("rehearsal: the task runs nothing");
    });
});
