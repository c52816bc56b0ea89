/**
 * The workflows' own `run:` steps, run the way GitHub runs them (bash -eo pipefail, the workflow's, job's
 * and step's env, the same redirections), in a clean git checkout of the working copy, against the
 * rehearsal engine. A workflow that cannot pass cannot land.
 *
 * What is substituted, and why (everything else runs as written):
 * - `npm ci`, `npm test`: the checkout links the installed node_modules; `npm test` is this suite.
 * - `uses:` steps: checkout is the scratch checkout; setup-node is this Node; the Pulumi CLI is the
 *   scripted engine (`--rehearse` for the rollout, which also answers STS and ECR, reached through OIDC
 *   in CI; first on PATH for drift, which reads AWS only through the CLI); OIDC credentials are not
 *   needed by either; upload/download-artifact copy files; the sticky comment and github-script call
 *   GitHub's API and are not run (the files they would post are checked instead).
 * - `--ledger "$ROLLOUT_LEDGER"` (an S3 bucket in CI) is dropped: a rehearsal refuses any --ledger and
 *   keeps its records in its own folder, which the test reads back after each step.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { parse as parseYaml } from "yaml";
import { prepareRehearsal } from "../automation/rehearse";
import { listEnvironments } from "../automation/stack-files";
import { PROJECT_DIR } from "./support/pulumi";

interface Step {
    name?: string;
    id?: string;
    uses?: string;
    run?: string;
    with?: Record<string, string>;
    env?: Record<string, string>;
}
interface Job {
    env?: Record<string, string>;
    strategy?: { matrix: { include: Array<Record<string, string>> } };
    steps: Step[];
}
interface Workflow {
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

const workflow = (file: string): Workflow => parseYaml(fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", file), "utf8"));

/** A `${{ }}` expression: a context path with `.name` and `[expression]` parts; anything else fails the test. */
function evaluate(expr: string, ctx: Record<string, unknown>): string {
    const m = /^([a-z_]+)((?:\.[\w-]+|\[[\w.]+\])*)$/i.exec(expr.trim());
    if (!m) throw new Error(`the workflow test cannot evaluate \${{ ${expr} }}`);
    let value: unknown = ctx[m[1]];
    for (const [, name, inner] of m[2].matchAll(/\.([\w-]+)|\[([\w.]+)\]/g)) {
        value = (value as Record<string, unknown> | undefined)?.[name ?? evaluate(inner, ctx)];
    }
    if (value === undefined) throw new Error(`\${{ ${expr} }} has no value in the workflow test`);
    return String(value);
}

const expand = (text: string, ctx: Record<string, unknown>) => text.replace(/\$\{\{(.+?)\}\}/g, (_, expr: string) => evaluate(expr, ctx));

/** A clean clone of the working copy (tracked and untracked files, not ignored ones), as actions/checkout leaves one. */
function checkout(root: string): string {
    const dir = path.join(root, "checkout");
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: PROJECT_DIR, encoding: "utf8" })
        .split("\0")
        .filter((f) => f && f !== "node_modules" && fs.existsSync(path.join(PROJECT_DIR, f)));
    for (const file of files) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(dir, file));
    }
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
    const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.name=ci", "-c", "user.email=ci@example.invalid", ...args], { cwd: dir });
    git("init", "-q");
    fs.appendFileSync(path.join(dir, ".git", "info", "exclude"), "node_modules\n");
    git("add", "-A");
    git("commit", "-q", "-m", "the pull request's head");
    return dir;
}

interface StepRun {
    readonly name: string;
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    /** What the step's rehearsals wrote to their own ledgers (the `.jsonl` files, concatenated). */
    readonly records: string;
}

/** One job of a workflow for one matrix entry: its `run:` steps in order, the `uses:` steps as the header says. */
class JobRun {
    readonly runs: StepRun[] = [];
    readonly outputs: Record<string, Record<string, string>> = {};

    constructor(
        readonly wf: Workflow,
        readonly job: Job,
        readonly cwd: string,
        readonly temp: string,
        readonly ctx: Record<string, unknown>,
        readonly extraEnv: Record<string, string>,
        readonly artifacts: string,
    ) {}

    run(): this {
        for (const step of this.job.steps) {
            if (step.uses) this.uses(step);
            else if (!["npm ci", "npm test"].includes(step.run!.trim())) this.script(step);
        }
        return this;
    }

    private context(): Record<string, unknown> {
        return {
            ...this.ctx,
            runner: { temp: this.temp },
            steps: Object.fromEntries(Object.entries(this.outputs).map(([id, o]) => [id, { outputs: o }])),
        };
    }

    private uses(step: Step) {
        const action = step.uses!.split("@")[0];
        if (action === "actions/upload-artifact") {
            const pattern = path.resolve(this.cwd, expand(step.with!.path, this.context()));
            const into = path.join(this.artifacts, expand(step.with!.name, this.context()));
            fs.mkdirSync(into, { recursive: true });
            const dir = path.dirname(pattern);
            const match = new RegExp(`^${path.basename(pattern).replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`);
            for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => match.test(f)) : []) {
                fs.copyFileSync(path.join(dir, file), path.join(into, file));
            }
        } else if (action === "actions/download-artifact") {
            const match = new RegExp(`^${step.with!.pattern.replace(/\*/g, ".*")}$`);
            for (const name of fs.readdirSync(this.artifacts).filter((n) => match.test(n))) {
                for (const file of fs.readdirSync(path.join(this.artifacts, name)))
                    fs.copyFileSync(path.join(this.artifacts, name, file), path.join(this.cwd, file));
            }
        }
    }

    private script(step: Step) {
        const ctx = this.context();
        const env: Record<string, string> = {
            PATH: process.env.PATH!,
            HOME: process.env.HOME ?? os.homedir(),
            CI: "true",
            RUNNER_TEMP: this.temp,
            GITHUB_OUTPUT: path.join(this.temp, `output-${this.runs.length}`),
            GITHUB_STEP_SUMMARY: path.join(this.temp, "step-summary.md"),
        };
        for (const scope of [this.wf.env, this.job.env, step.env]) {
            for (const [key, value] of Object.entries(scope ?? {})) env[key] = expand(String(value), ctx);
        }
        Object.assign(env, this.extraEnv);
        // A rehearsal keeps its records in its own folder and refuses --ledger (automation/rehearse.ts):
        // the step's ledger flag is dropped here, and the records are read back from that folder below.
        const script = expand(step.run!, ctx)
            .replace(/npm run --silent rollout -- /g, "npm run --silent rollout -- --rehearse ")
            .replace(/ --ledger "\$ROLLOUT_LEDGER"/g, "");
        const file = path.join(this.temp, `step-${this.runs.length}.sh`);
        fs.writeFileSync(file, script);
        fs.writeFileSync(env.GITHUB_OUTPUT, "");
        const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], { cwd: this.cwd, env, encoding: "utf8" });
        const output = `${result.stdout}\n${result.stderr}`;
        const records = [...output.matchAll(/ledger (\S*\/bbws-rehearsal-[a-z]+-\w+\S*)/g)]
            .map(([, dir]) => dir)
            .filter((dir) => fs.existsSync(dir) && fs.statSync(dir).isDirectory())
            .flatMap((dir) =>
                fs
                    .readdirSync(dir)
                    .filter((f) => f.endsWith(".jsonl"))
                    .map((f) => fs.readFileSync(path.join(dir, f), "utf8")),
            )
            .join("");
        this.runs.push({
            name: step.name ?? step.run!.split("\n")[0],
            code: result.status ?? -1,
            stdout: result.stdout,
            stderr: result.stderr,
            records,
        });
        // Each --rehearse run leaves its folder for inspection (under the OS temp folder, where the engine's caches are warm).
        for (const [folder] of output.matchAll(/\S*\/bbws-rehearsal-[a-z]+-[\w]+/g)) fs.rmSync(folder, { recursive: true, force: true });
        if (step.id) {
            this.outputs[step.id] = Object.fromEntries(
                fs
                    .readFileSync(env.GITHUB_OUTPUT, "utf8")
                    .split("\n")
                    .filter(Boolean)
                    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
            );
        }
    }
}

const gitStatus = (dir: string) => execFileSync("git", ["status", "--porcelain"], { cwd: dir, encoding: "utf8" });
const describeRuns = (runs: readonly StepRun[]) => runs.map((r) => `--- ${r.name}: exit ${r.code}\n${r.stdout}\n${r.stderr}`).join("\n");

describe("GitHub Actions workflows, run against the rehearsal engine", function () {
    this.timeout(300_000);
    const VARS = { PULUMI_BACKEND_URL: "rehearsal://none", DRIFT_IGNORE: "" };
    let root: string;
    let cwd: string;
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "bbws-workflow-runs-"));
        cwd = checkout(root);
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    /** A fresh runner's temp folder and an artefact store. */
    const runner = (name: string) => {
        const temp = path.join(root, name, "temp");
        const artifacts = path.join(root, name, "artifacts");
        fs.mkdirSync(temp, { recursive: true });
        fs.mkdirSync(artifacts, { recursive: true });
        return { temp, artifacts, ledger: path.join(root, name, "ledger") };
    };

    describe("pull-request.yml", () => {
        const wf = workflow("pull-request.yml");
        const previews: Record<string, JobRun> = {};
        let ledger: string;
        let comment: JobRun;
        before(() => {
            const r = runner("pull-request");
            ledger = r.ledger;
            for (const matrix of wf.jobs.preview.strategy!.matrix.include) {
                const temp = path.join(r.temp, matrix.env);
                fs.mkdirSync(temp);
                const ctx = { matrix, vars: { ...VARS, ROLLOUT_LEDGER: ledger }, env: wf.env };
                previews[matrix.env] = new JobRun(wf, wf.jobs.preview, cwd, temp, ctx, {}, r.artifacts).run();
            }
            const commentDir = path.join(root, "pull-request", "comment");
            fs.mkdirSync(commentDir);
            const github = {
                event: { pull_request: { head: { sha: "0123456789abcdef" } } },
                server_url: "https://github.com",
                repository: "bbws/bbws-platform",
                run_id: "42",
            };
            comment = new JobRun(wf, wf.jobs.comment, commentDir, r.temp, { github, vars: VARS }, {}, r.artifacts).run();
        });

        for (const env of listEnvironments(PROJECT_DIR)) {
            it(`previews every phase of ${env}, a stack never rolled out, and passes the check`, () => {
                const runs = previews[env].runs;
                expect(
                    runs.map((s) => [s.name, s.code]),
                    describeRuns(runs),
                ).to.deep.equal([
                    ["Preview every phase and evaluate the policies", 0],
                    ["Fail on a policy violation or an error", 0],
                ]);
                expect(previews[env].outputs.preview).to.deep.equal({ rollout: "0", policies: "0" });
            });
        }

        it("says in the comment which gates a rollout of this commit would meet: prod's promotion gate, and the order gate on a fresh stack", () => {
            const text = fs.readFileSync(path.join(root, "pull-request", "comment", "comment.md"), "utf8");
            for (const env of listEnvironments(PROJECT_DIR)) expect(text).to.contain(`## ${env}\n\n### Rollout: network in ${env}`);
            expect(text)
                .to.contain("| Result | Gate | Rule | Findings | Rollout now |")
                .and.match(/would refuse: promotion because network: not completed in sit at commit/)
                .and.match(/would refuse: order because network: never applied in prod/)
                .and.contain("PASSED: no mandatory violation without a waiver.");
            expect(comment.runs.map((s) => s.code)).to.deep.equal([0]);
        });

        it("writes no ledger record and leaves the checkout clean", () => {
            expect(
                Object.values(previews)
                    .flatMap((job) => job.runs.map((run) => run.records))
                    .join(""),
            ).to.equal("");
            expect(gitStatus(cwd)).to.equal("");
        });
    });

    describe("rollout.yml", () => {
        const wf = workflow("rollout.yml");
        const cases = [
            { inputs: { env: "dev", phase: "all", approvals: "" }, expect: "### Rollout: monitoring in dev" },
            { inputs: { env: "sit", phase: "network", approvals: "tech-lead:alice" }, expect: "### Rollout: network in sit" },
        ];
        for (const c of cases) {
            it(`rolls out ${c.inputs.phase} to ${c.inputs.env} with approvals '${c.inputs.approvals}', recording it, leaving the checkout clean`, () => {
                const r = runner(`rollout-${c.inputs.env}`);
                const job = new JobRun(
                    wf,
                    wf.jobs.rollout,
                    cwd,
                    r.temp,
                    { inputs: c.inputs, vars: { ...VARS, ROLLOUT_LEDGER: r.ledger }, env: wf.env },
                    {},
                    r.artifacts,
                ).run();
                expect(
                    job.runs.map((s) => [s.name, s.code]),
                    describeRuns(job.runs),
                ).to.deep.equal([["Roll out", 0]]);
                expect(fs.readFileSync(path.join(r.temp, "step-summary.md"), "utf8")).to.contain(c.expect);
                expect(job.runs[0].records).to.contain('"result":"succeeded"');
                expect(gitStatus(cwd)).to.equal("");
            });
        }
    });

    describe("drift.yml", () => {
        const wf = workflow("drift.yml");
        it("checks every environment and assembles one report, leaving the checkout clean", () => {
            const r = runner("drift");
            for (const matrix of wf.jobs.drift.strategy!.matrix.include) {
                const temp = path.join(r.temp, matrix.env);
                fs.mkdirSync(temp);
                const rehearsal = prepareRehearsal(cwd, matrix.env, { dir: path.join(root, "drift", `engine-${matrix.env}`) });
                const job = new JobRun(
                    wf,
                    wf.jobs.drift,
                    cwd,
                    temp,
                    { matrix, vars: VARS, env: wf.env },
                    { PATH: `${path.join(rehearsal.pulumiRoot, "bin")}${path.delimiter}${process.env.PATH}` },
                    r.artifacts,
                ).run();
                expect(
                    job.runs.map((s) => [s.name, s.code]),
                    describeRuns(job.runs),
                ).to.deep.equal([["Refresh preview (never writes the state)", 0]]);
            }
            const reportDir = path.join(root, "drift", "report");
            fs.mkdirSync(reportDir);
            const report = new JobRun(wf, wf.jobs.report, reportDir, r.temp, { vars: VARS }, {}, r.artifacts).run();
            expect(
                report.runs.map((s) => [s.name, s.code]),
                describeRuns(report.runs),
            ).to.deep.equal([["Assemble the report", 0]]);
            const text = fs.readFileSync(path.join(reportDir, "drift-report.md"), "utf8");
            expect(text).not.to.contain("not checked");
            for (const env of listEnvironments(PROJECT_DIR))
                expect(fs.readFileSync(path.join(reportDir, `drift-${env}.exit`), "utf8").trim()).to.equal("0");
            expect(gitStatus(cwd)).to.equal("");
        });
    });
});
