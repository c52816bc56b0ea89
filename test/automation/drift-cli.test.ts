import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../automation/drift-cli";
import type { Engine, PreviewResult } from "../../automation/engine";
import { EngineFailedError } from "../../automation/engine";
import { memoryIo } from "../../automation/io";
import { FakeEngine, FakeEngineOptions } from "../support/fake-engine";
import { ENVIRONMENTS, PROJECT_DIR } from "../support/pulumi";
import { platformResources, RefreshedResource, refreshEvents } from "../support/refresh-events";

/** prod's Aurora backup retention was lowered in the console; dev and sit match their state. */
function resourcesOf(env: string): RefreshedResource[] {
    const resources = platformResources(env);
    if (env !== "prod") return resources;
    const [vpc, sg, aurora, service] = resources;
    return [
        vpc,
        sg,
        { ...aurora, now: { ...aurora.old, backupRetentionPeriod: 1 }, detailedDiff: { backupRetentionPeriod: "update" } },
        service,
    ];
}

function engines(options: Partial<FakeEngineOptions> = {}) {
    const created: string[] = [];
    return {
        created,
        createEngine: async (env: string): Promise<Engine> => {
            created.push(env);
            return new FakeEngine({ stack: env, refreshEvents: refreshEvents(env, resourcesOf(env)), ...options });
        },
    };
}

async function drift(argv: string[], createEngine = engines().createEngine, cwd = os.tmpdir()) {
    const io = memoryIo();
    const code = await main(argv, io, { projectDir: PROJECT_DIR, cwd, createEngine });
    return { code, io, stdout: io.stdout.join("\n"), stderr: io.stderr.join("\n") };
}

describe("npm run drift", () => {
    for (const env of ["dev", "sit"]) {
        it(`exits 0 and says so when ${env} has no drift`, async () => {
            const r = await drift(["--env", env]);
            expect(r.code).to.equal(0);
            expect(r.stdout).to.equal(`${env}: no drift (4 checked)`);
            expect(r.stderr).to.contain("refresh --preview-only: the state is not changed");
        });
    }

    it("exits 4 and lists each drifted property when prod has drift", async () => {
        const r = await drift(["--env", "prod"]);
        expect(r.code).to.equal(4);
        expect(r.stdout).to.match(/database\s+aws:rds\/cluster:Cluster\s+data-aurora\s+backupRetentionPeriod\s+14 → 1/);
    });

    it("prints one JSON document with --format json", async () => {
        const r = await drift(["--env", "prod", "--format", "json"]);
        expect(r.io.stdout).to.have.length(1);
        const doc = JSON.parse(r.stdout);
        expect(doc.failures).to.deep.equal([]);
        expect(doc.reports[0].drifted[0]).to.include({ phase: "database", name: "data-aurora", op: "update" });
    });

    it("writes Markdown to --out, relative to the working directory, and nothing to stdout", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbws-drift-"));
        const r = await drift(["--env", "prod", "--format", "markdown", "--out", "reports/drift.md"], undefined, dir);
        expect(r.code).to.equal(4);
        expect(r.io.stdout).to.be.empty;
        expect(fs.readFileSync(path.join(dir, "reports", "drift.md"), "utf8")).to.match(/^### prod: 1 drifted resource \(4 checked\)$/m);
    });

    it("exits 0 when --ignore hides all drift, and the report says what it hid", async () => {
        const r = await drift(["--env", "prod", "--ignore", "data-aurora#backupRetentionPeriod"]);
        expect(r.code).to.equal(0);
        expect(r.stdout).to.contain("prod: no drift (4 checked, 1 hidden by --ignore)");
        expect(r.stdout).to.match(/data-aurora#backupRetentionPeriod\s+data-aurora\s+backupRetentionPeriod/);
    });

    describe("--env all", () => {
        it("checks every environment in parallel and reports them in dev, sit, prod order", async () => {
            // Each refresh waits until all three have started: run one after another, this would never finish.
            let started = 0;
            let release!: () => void;
            const allStarted = new Promise<void>((resolve) => {
                release = resolve;
            });
            class ParallelProbe extends FakeEngine {
                async previewRefresh(o: Parameters<Engine["previewRefresh"]>[0]): Promise<PreviewResult> {
                    if (++started === ENVIRONMENTS.length) release();
                    await allStarted;
                    return super.previewRefresh(o);
                }
            }
            const createEngine = async (env: string) =>
                new ParallelProbe({ stack: env, refreshEvents: refreshEvents(env, resourcesOf(env)) });
            const r = await drift(["--env", "all"], createEngine);
            expect(r.code).to.equal(4);
            expect(r.stdout.split("\n").filter((l) => /^\w+: /.test(l))).to.deep.equal([
                "dev: no drift (4 checked)",
                "sit: no drift (4 checked)",
                "prod: 1 drifted resource (4 checked)",
            ]);
        });

        it("selects the stacks one at a time (parallel `stack select`s corrupt the workspace file, pulumi/pulumi#8186), then refreshes them in parallel", async () => {
            const log: string[] = [];
            let selecting = 0;
            let mostAtOnce = 0;
            const createEngine = async (env: string): Promise<Engine> => {
                mostAtOnce = Math.max(mostAtOnce, ++selecting);
                log.push(`select ${env}`);
                await new Promise((resolve) => setTimeout(resolve, 20));
                selecting--;
                log.push(`selected ${env}`);
                return new FakeEngine({ stack: env, refreshEvents: refreshEvents(env, resourcesOf(env)) });
            };
            const r = await drift(["--env", "all"], createEngine);
            expect(r.code).to.equal(4);
            expect(mostAtOnce).to.equal(1);
            expect(log).to.deep.equal(ENVIRONMENTS.flatMap((env) => [`select ${env}`, `selected ${env}`]));
        });

        it("goes on selecting the other stacks when one select fails", async () => {
            const createEngine = async (env: string): Promise<Engine> => {
                if (env === "dev") throw new EngineFailedError("selecting the stack", 255, "error: no stack named 'dev' found");
                return new FakeEngine({ stack: env, refreshEvents: refreshEvents(env, resourcesOf(env)) });
            };
            const r = await drift(["--env", "all"], createEngine);
            expect(r.code).to.equal(1);
            expect(r.stdout).to.include("sit: no drift").and.include("prod: 1 drifted resource").and.include("dev: not checked");
        });

        it("exits 1 when one environment cannot be checked, still reporting the others", async () => {
            const createEngine = async (env: string): Promise<Engine> => {
                const engine = new FakeEngine({ stack: env, refreshEvents: refreshEvents(env, resourcesOf(env)) });
                if (env === "sit")
                    engine.previewRefresh = async () => {
                        throw new EngineFailedError("refresh preview", 255, "error: AccessDenied: sts:AssumeRole");
                    };
                return engine;
            };
            const r = await drift(["--env", "all", "--format", "json"], createEngine);
            expect(r.code).to.equal(1);
            const doc = JSON.parse(r.stdout);
            expect(doc.reports.map((x: any) => x.env)).to.deep.equal(["dev", "prod"]);
            expect(doc.failures[0].env).to.equal("sit");
            expect(doc.failures[0].message).to.contain("AccessDenied");
            expect(r.stderr).to.match(/error: sit: refresh preview failed \(pulumi exit code 255\)/);
        });
    });

    describe("refusals", () => {
        it("refuses an unknown environment with exit 2, naming the known ones, before starting any engine", async () => {
            const { created, createEngine } = engines();
            const r = await drift(["--env", "qa"], createEngine);
            expect(r.code).to.equal(2);
            expect(r.stderr)
                .to.match(/unknown environment 'qa'[\s\S]*dev, sit, prod/)
                .and.not.match(/\n\s+at /);
            expect(created).to.be.empty;
        });

        it("refuses a missing --env and an unknown format with exit 2", async () => {
            const missing = await drift([]);
            expect(missing.code).to.equal(2);
            expect(missing.stderr).to.match(/Missing required argument: env/);
            const r = await drift(["--env", "dev", "--format", "html"]);
            expect(r.code).to.equal(2);
            expect(r.stderr).to.match(/Invalid values/);
        });

        it("says how to install the Pulumi CLI when there is none, with exit 2", async () => {
            const r = await drift(["--env", "all"], engines({ cliMissing: true }).createEngine);
            expect(r.code).to.equal(2);
            expect(r.stderr).to.match(/error: dev: the Pulumi CLI is not usable[\s\S]*fix: install the Pulumi CLI/);
            expect(r.stdout).to.contain("prod: not checked: the Pulumi CLI is not usable");
        });

        it("reports the real adapter's missing CLI the same way", async function () {
            this.timeout(30000);
            const { createLocalEngine } = await import("../../automation/local-engine");
            const r = await drift(["--env", "dev"], (env) =>
                createLocalEngine({ projectDir: PROJECT_DIR, stack: env, pulumiRoot: "/nonexistent/pulumi" }),
            );
            expect(r.code).to.equal(2);
            expect(r.stderr).to.match(/the Pulumi CLI is not usable/);
        });
    });
});
