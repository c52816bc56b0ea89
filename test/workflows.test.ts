import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { listEnvironments } from "../automation/stack-files";
import { PHASE_NAMES } from "../src/phases";
import { PROJECT_DIR } from "./support/pulumi";
import { tempDir } from "./support/temp";

const WORKFLOW_DIR = path.join(PROJECT_DIR, ".github", "workflows");
const FILES = fs
    .readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
const SCRIPTS: Record<string, string> = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).scripts;

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    if?: string;
    id?: string;
}
interface Job {
    "runs-on": string;
    needs?: string | string[];
    if?: string;
    permissions?: Record<string, string>;
    environment?: string;
    strategy?: any;
    steps: Step[];
}
interface Workflow {
    name: string;
    on: Record<string, any>;
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

const text = (file: string) => fs.readFileSync(path.join(WORKFLOW_DIR, file), "utf8");
const workflow = (file: string): Workflow => parseYaml(text(file));
const steps = (wf: Workflow) => Object.entries(wf.jobs).flatMap(([job, j]) => j.steps.map((s) => ({ job, j, s })));
/** Each `npm run [--silent] <script> -- <args>` of a workflow (up to a pipe, `;`, `&` or backtick): script and flags. */
const npmRuns = (wf: Workflow) =>
    steps(wf).flatMap(({ job, s }) =>
        [...(s.run ?? "").matchAll(/npm run (?:--silent )?([\w:-]+)([^`|;&\n]*)/g)].map(([, script, rest]) => ({
            job,
            script,
            flags: [...rest.matchAll(/(?:^|\s)--([a-z][a-z-]*)/g)].map((m) => m[1]),
            line: `${script}${rest}`,
        })),
    );

describe("GitHub Actions workflows", () => {
    it("has the pull-request, nightly drift, manual rollout and one-off task workflows", () => {
        expect(FILES).to.deep.equal(["drift.yml", "pull-request.yml", "rollout.yml", "task.yml"]);
    });

    for (const file of FILES) {
        describe(file, () => {
            const wf = workflow(file);

            it("is a workflow: a name, triggers, and jobs whose steps each either use an action or run a command", () => {
                expect(wf.name).to.be.a("string");
                expect(wf.on).to.be.an("object").that.is.not.empty;
                expect(wf.jobs).to.be.an("object").that.is.not.empty;
                for (const [name, job] of Object.entries(wf.jobs)) {
                    expect(job["runs-on"], name).to.equal("ubuntu-latest");
                    expect(job.steps, name).to.be.an("array").that.is.not.empty;
                    for (const s of job.steps) expect(Boolean(s.uses) !== Boolean(s.run), `${name}: ${JSON.stringify(s)}`).to.equal(true);
                    for (const need of [job.needs ?? []].flat()) expect(wf.jobs, `${name} needs ${need}`).to.have.property(need);
                }
            });

            it("pins every action to a release tag or a commit, never a branch", () => {
                for (const { job, s } of steps(wf).filter(({ s }) => s.uses)) {
                    expect(s.uses, job).to.match(/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
                }
            });

            it("reads AWS credentials only through OIDC role assumption, never stored keys", () => {
                expect(text(file)).not.to.match(
                    /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|secrets\.AWS/i,
                );
                for (const { job, j, s } of steps(wf).filter(({ s }) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
                    expect(s.with, job)
                        .to.have.property("role-to-assume")
                        .that.matches(/^\$\{\{ vars[.[]/);
                    expect((j.permissions ?? wf.permissions ?? {})["id-token"], `${job} needs id-token: write`).to.equal("write");
                }
            });

            it("keeps the default token read-only and widens it only in the job that needs it", () => {
                expect(wf.permissions).to.deep.equal({ contents: "read" });
                for (const [name, job] of Object.entries(wf.jobs)) {
                    const granted = Object.entries(job.permissions ?? {})
                        .filter(([, v]) => v === "write")
                        .map(([k]) => k);
                    const usesAws = job.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                    for (const scope of granted) {
                        const needed = {
                            "id-token": usesAws,
                            "pull-requests": job.steps.some((s) => s.uses?.startsWith("marocchino/")),
                            issues: job.steps.some((s) => s.uses?.startsWith("actions/github-script@")),
                        }[scope];
                        expect(needed, `${name} is granted ${scope}: write without using it`).to.equal(true);
                    }
                }
            });

            it("sets up Node 20 with `npm ci`, and installs the Pulumi CLI before any job that runs the engine", () => {
                for (const [name, job] of Object.entries(wf.jobs).filter(([, j]) =>
                    j.steps.some((s) => s.uses?.startsWith("actions/checkout@")),
                )) {
                    expect(job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with, name).to.include({ "node-version": 20 });
                    expect(
                        job.steps.some((s) => s.run?.trim() === "npm ci"),
                        `${name} runs npm ci`,
                    ).to.equal(true);
                    const engineStep = job.steps.findIndex((s) => /npm run (--silent )?(rollout|drift|task)\b/.test(s.run ?? ""));
                    if (engineStep < 0) continue;
                    const install = job.steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
                    expect(install, `${name} installs the Pulumi CLI`).to.be.within(0, engineStep - 1);
                    expect(job.steps[install].with).to.deep.equal({ "pulumi-version": "${{ env.PULUMI_VERSION }}" });
                }
                if (npmRuns(wf).some((r) => ["rollout", "drift", "task"].includes(r.script))) {
                    const sdk = JSON.parse(
                        fs.readFileSync(path.join(PROJECT_DIR, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
                    ).version;
                    expect(wf.env?.PULUMI_VERSION, "the CLI matches the SDK").to.equal(sdk);
                    expect(wf.env?.PULUMI_BACKEND_URL).to.equal("${{ vars.PULUMI_BACKEND_URL }}");
                }
            });

            it("runs only npm scripts that exist, with flags their command lines declare", () => {
                for (const { job, script, flags, line } of npmRuns(wf)) {
                    expect(SCRIPTS, `${job}: npm run ${line}`).to.have.property(script);
                    const source = fs.readFileSync(path.join(PROJECT_DIR, SCRIPTS[script].split(" ").pop()!), "utf8");
                    for (const flag of flags) expect(source, `${job}: ${script} has no --${flag}`).to.contain(`option("${flag}"`);
                }
            });

            it("never puts an input or an event field straight into a shell script", () => {
                for (const { job, s } of steps(wf)) {
                    expect(s.run ?? "", job).not.to.match(/\$\{\{\s*(inputs|github\.event)\./);
                }
            });
        });
    }

    describe("pull requests", () => {
        const wf = workflow("pull-request.yml");
        const preview = wf.jobs.preview;

        it("runs on pull requests and previews only after the build and tests pass", () => {
            expect(wf.on).to.have.property("pull_request");
            expect(wf.jobs.test.steps.map((s) => s.run).filter(Boolean)).to.deep.equal(["npm ci", "npm test"]);
            expect(preview.needs).to.equal("test");
        });

        // actions/checkout fetches one commit unless `fetch-depth: 0` (its README, "fetch-depth"); the alias proof
        // (test/rehearsal/aliases.test.ts) runs `git archive` on an old commit, as .ci/run does on a full clone.
        it("tests on the whole history, as .ci/run's clone has it", () => {
            const checkout = wf.jobs.test.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
            expect(checkout?.with).to.deep.equal({ "fetch-depth": 0 });
        });

        it("previews every phase of every environment with its policies, each with its own read-only role", () => {
            expect(preview.strategy.matrix.include.map((m: any) => m.env)).to.deep.equal(listEnvironments(PROJECT_DIR));
            expect(preview.strategy["fail-fast"]).to.equal(false);
            const lines = npmRuns(wf)
                .filter((r) => r.job === "preview")
                .map((r) => r.line);
            expect(lines.find((l) => l.startsWith("rollout"))).to.contain(
                '--env "$STACK_ENV" --preview-only --phase all --format markdown',
            );
            expect(lines.find((l) => l.startsWith("synth"))).to.contain('--env "$STACK_ENV" --policies --format markdown');
        });

        it("fails the check on a policy violation or an error, after keeping the preview", () => {
            const names = preview.steps.map((s) => s.name ?? s.uses);
            const upload = names.indexOf("actions/upload-artifact@v4");
            const fail = names.indexOf("Fail on a policy violation or an error");
            expect(upload).to.be.within(0, fail - 1);
            expect(preview.steps[upload].if).to.equal("always()");
            expect(preview.steps[fail].run)
                .to.match(/"\$ROLLOUT_EXIT" != 0/)
                .and.match(/"\$POLICIES_EXIT" != 0/);
        });

        it("posts all environments as one sticky comment, even when a preview failed", () => {
            const comment = wf.jobs.comment;
            expect(comment.needs).to.equal("preview");
            expect(comment.if).to.contain("always()");
            const sticky = comment.steps.filter((s) => s.uses?.startsWith("marocchino/sticky-pull-request-comment@"));
            expect(sticky).to.have.length(1);
            expect(sticky[0].with).to.deep.equal({ header: "bbws-preview", path: "comment.md" });
        });
    });

    describe("nightly drift", () => {
        const wf = workflow("drift.yml");

        it("runs at 02:00 UTC every day, and on demand", () => {
            expect(wf.on.schedule).to.deep.equal([{ cron: "0 2 * * *" }]);
            expect(wf.on).to.have.property("workflow_dispatch");
        });

        it("checks every environment in parallel, keeping each report as an artefact", () => {
            const drift = wf.jobs.drift;
            expect(drift.strategy.matrix.include.map((m: any) => m.env)).to.deep.equal(listEnvironments(PROJECT_DIR));
            expect(drift.strategy["fail-fast"]).to.equal(false);
            expect(npmRuns(wf).find((r) => r.script === "drift")?.line).to.contain(
                '--env "$STACK_ENV" --format markdown --out "$RUNNER_TEMP/drift-${STACK_ENV}.md"',
            );
            const upload = drift.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
            expect(upload?.if).to.equal("always()");
            expect(
                wf.jobs.report.steps.some((s) => s.uses?.startsWith("actions/upload-artifact@") && s.with?.name === "drift-report"),
            ).to.equal(true);
        });

        it("opens or updates one issue on drift (exit 4) and closes it when every environment is clean", () => {
            const report = wf.jobs.report;
            expect(report.if).to.equal("always()");
            const script = String(report.steps.find((s) => s.uses?.startsWith("actions/github-script@"))?.with?.script);
            expect(script)
                .to.match(/codes\.includes\(4\)/)
                .and.match(/issues\.create\(/)
                .and.match(/issues\.update\(\{[^}]*body/);
            expect(script)
                .to.match(/codes\.every\(\(c\) => c === 0\)/)
                .and.match(/state: "closed"/);
            expect(script).to.match(/core\.setFailed/);
        });
    });

    describe("manual rollout", () => {
        const wf = workflow("rollout.yml");
        const job = wf.jobs.rollout;
        const inputs = wf.on.workflow_dispatch.inputs;

        it("asks for one environment and one phase (or all) from the registries", () => {
            expect(inputs.env.options).to.deep.equal(listEnvironments(PROJECT_DIR));
            expect(inputs.phase.options).to.deep.equal([...PHASE_NAMES, "all"]);
        });

        it("runs in the GitHub environment of the same name, so sit and prod wait for its reviewers", () => {
            expect(job.environment).to.equal("${{ inputs.env }}");
            expect(job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))?.with?.["role-to-assume"]).to.equal(
                "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
            );
        });

        it("passes each approval to --approve and never runs two rollouts of one environment at once", () => {
            const step = job.steps.find((s) => /npm run (--silent )?rollout/.test(s.run ?? ""))!;
            expect(step.env).to.include({
                APPROVALS: "${{ inputs.approvals }}",
                STACK_ENV: "${{ inputs.env }}",
                PHASE: "${{ inputs.phase }}",
            });
            expect(step.run).to.contain('approve+=(--approve "$approval")').and.contain('"${approve[@]}"');
            expect((wf as any).concurrency).to.deep.equal({ group: "rollout-${{ inputs.env }}", "cancel-in-progress": false });
        });
    });

    describe("one-off task", () => {
        const wf = workflow("task.yml");
        const job = wf.jobs.task;
        const inputs = wf.on.workflow_dispatch.inputs;
        const step = job.steps.find((s) => /npm run (--silent )?task/.test(s.run ?? ""))!;

        it("asks for an environment from the stack files, a tenant and the command, and runs in that GitHub environment with its deploy role", () => {
            expect(inputs.env.options).to.deep.equal(listEnvironments(PROJECT_DIR));
            expect(Object.keys(inputs)).to.include.members(["env", "tenant", "command"]);
            expect(job.environment).to.equal("${{ inputs.env }}");
            expect(job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))?.with?.["role-to-assume"]).to.equal(
                "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
            );
        });

        it("passes the command as an argv list from a JSON array (no word splitting, no shell), into the shared ledger", () => {
            expect(step.env).to.include({
                COMMAND_JSON: "${{ inputs.command }}",
                TARGET: "${{ inputs.target }}",
                TENANT: "${{ inputs.tenant }}",
                STACK_ENV: "${{ inputs.env }}",
            });
            expect(step.run).to.contain(`mapfile -d '' argv`).and.contain('-- "${argv[@]}"').and.contain('--ledger "$ROLLOUT_LEDGER"');
            expect(step.run).not.to.match(/\$COMMAND_JSON\s*$|read -ra/m);
        });

        it("writes the exit code and the log tail to the job summary, and exits with the task's code", () => {
            expect(step.run).to.contain('>> "$GITHUB_STEP_SUMMARY"').and.contain("jq -r '.tail[]").and.contain('exit "$code"');
            expect(step.run).to.contain("|| code=$?");
        });

        it("stops the task inside the deploy role's 2 h session: the default timeout and the job's limit are below it", () => {
            const roleSeconds = Number(
                job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))?.with?.["role-duration-seconds"],
            );
            expect(roleSeconds).to.equal(7200);
            expect(inputs.timeout.default).to.equal("100m");
            expect((job as any)["timeout-minutes"]).to.be.at.most(roleSeconds / 60);
        });

        const check = job.steps.find((s) => s.name === "Check the inputs")!;
        /**
         * Runs the check step's script as the runner does for a step with no `shell` (`bash -e {0}`: the
         * script in a file; GitHub's "Workflow syntax", `jobs.<job_id>.steps[*].shell`), with these inputs.
         * Not `bash -c`: bash started with `-c` from a socket and no `SHLVL` reads `~/.bashrc` (bash's
         * `shell.c`, the remote-shell rule), which took 1.5–2.5 s per run here.
         */
        const runCheck = (env: Record<string, string>) => {
            if (!checkFile) {
                checkFile = path.join(tempDir("bbws-workflow-check-"), "check.sh");
                fs.writeFileSync(checkFile, check.run!);
            }
            return spawnSync("bash", ["-e", checkFile], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" });
        };
        let checkFile: string | undefined;

        it("checks the inputs in a step before the task step", () => {
            expect(job.steps.indexOf(check)).to.be.within(0, job.steps.indexOf(step) - 1);
            expect(check.env).to.deep.equal({
                TARGET: "${{ inputs.target }}",
                TENANT: "${{ inputs.tenant }}",
                TIMEOUT: "${{ inputs.timeout }}",
            });
        });

        it("refuses a timeout over 110m (the role's 2 h session), zero, or not in --timeout's form; accepts every other h/m/s duration", () => {
            fc.assert(
                fc.property(fc.nat(3), fc.nat(200), fc.nat(7200), fc.boolean(), fc.boolean(), fc.boolean(), (h, m, s, wh, wm, ws) => {
                    const text = `${wh ? `${h}h` : ""}${wm ? `${m}m` : ""}${ws ? `${s}s` : ""}`;
                    const seconds = (wh ? h * 3600 : 0) + (wm ? m * 60 : 0) + (ws ? s : 0);
                    const ok = text !== "" && seconds > 0 && seconds <= 110 * 60;
                    const result = runCheck({ TARGET: "platform", TENANT: "", TIMEOUT: text });
                    expect(result.status, `${text}: ${result.stdout}`).to.equal(ok ? 0 : 2);
                }),
                { numRuns: 15 },
            );
            for (const bad of ["2h", "111m", "1h51m", "6601s", "90", "1h 30m", "1d", "-5m", "100m; true"]) {
                expect(runCheck({ TARGET: "platform", TENANT: "", TIMEOUT: bad }).status, bad).to.equal(2);
            }
            expect(runCheck({ TARGET: "platform", TENANT: "", TIMEOUT: "110m" }).status).to.equal(0);
        });

        it("asks target tenant|platform: refuses tenant without a tenant id and platform with one, never guesses the platform", () => {
            expect(inputs.target).to.include({ type: "choice", required: true });
            expect(inputs.target.options).to.deep.equal(["tenant", "platform"]);
            expect(runCheck({ TARGET: "tenant", TENANT: "", TIMEOUT: "100m" }).status).to.equal(2);
            expect(runCheck({ TARGET: "platform", TENANT: "aupairhive", TIMEOUT: "100m" }).status).to.equal(2);
            expect(runCheck({ TARGET: "tenant", TENANT: "aupairhive", TIMEOUT: "100m" }).status).to.equal(0);
            expect(runCheck({ TARGET: "platform", TENANT: "", TIMEOUT: "100m" }).status).to.equal(0);
            expect(step.run).to.contain('if [ "$TARGET" = tenant ]; then target=(--tenant "$TENANT"); fi');
        });

        it("passes --on-signal stop: a cancelled run (SIGINT, then SIGTERM ~7.5 s later) stops the task instead of leaving it unwatched", () => {
            expect(npmRuns(wf).find((r) => r.script === "task")?.line).to.match(/--on-signal stop\b/);
        });

        it("fences the log tail in four backticks and shortens any run of four in a line, so a log line cannot break the summary", () => {
            expect(step.run).to.contain("echo '````text'");
            const jq = /jq -r '(\.tail\[\][^']*)'/.exec(step.run!)![1];
            const out = spawnSync("jq", ["-r", jq], { input: JSON.stringify({ tail: ["a ```` b", "`````", "ok"] }), encoding: "utf8" });
            expect(out.stdout.split("\n").filter(Boolean)).to.deep.equal(["a ``` b", "```", "ok"]);
        });
    });
});
