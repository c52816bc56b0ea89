import { expect } from "chai";
import { createHash } from "crypto";
import { BatchGetImageCommand } from "@aws-sdk/client-ecr";
import * as fs from "fs";
import * as path from "path";
import { REPOSITORIES, requiredImages } from "../../src/images";
import { PHASE_NAMES, PhaseName } from "../../src/phases";
import { BbwsError, EXIT } from "../../automation/errors";
import { ecrDouble } from "../../automation/rehearse";
import { planPasses, rollout } from "../../automation/rollout";
import { parseUrn } from "../../automation/targets";
import { platformSteps, urn } from "../support/fake-engine";
import { memoryIo } from "../../automation/io";
import { approvalsFor, COMMIT, configOf, harness, recordOf, request, textOf } from "../support/rollout";

const ENVIRONMENTS = ["dev", "sit", "prod"] as const;
const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const allPhasesIn = (env: string) => PHASE_NAMES.map((p) => recordOf(env, p, "succeeded"));
/** A commit other than the one being rolled out. */
const OTHER_COMMIT = "0f0e0d0c0b0a09080706050403020100ffeeddcc";

describe("rollout: the phase loop", () => {
    for (const env of ENVIRONMENTS) {
        describe(`in ${env}`, () => {
            const cfg = configOf(env);
            const sitHistory = allPhasesIn("sit");

            async function rollNetwork(extra = {}) {
                const h = harness(env);
                for (const r of sitHistory) await h.ledger.append(r);
                const code = await rollout(
                    request(env, "network", { approvals: approvalsFor(cfg, "network"), yes: true, ...extra }),
                    h.deps,
                );
                return { h, code, records: await h.ledger.read(env) };
            }

            it("applies a phase with one whole-program preview, one targeted preview and one up — no more", async () => {
                const { h, code } = await rollNetwork();
                expect(code, textOf(h.io)).to.equal(EXIT.ok);
                expect(h.engine.calls.map((c) => [c.op, c.target === undefined ? "whole program" : "targeted"])).to.deep.equal([
                    ["preview", "whole program"],
                    ["preview", "targeted"],
                    ["up", "targeted"],
                ]);
            });

            it("targets exactly the layer component and everything under it, and applies the plan it saved", async () => {
                const { h } = await rollNetwork();
                const [, preview, up] = h.engine.calls;
                expect([...preview.target!].map((u) => parseUrn(u).name).sort()).to.deep.equal([
                    "network",
                    "network-private-a",
                    "network-vpc",
                ]);
                expect(up.target).to.deep.equal(preview.target);
                expect(up.plan).to.equal(preview.plan);
            });

            it(`records the attempt: commit, operator, the approvals ${env} requires bound to the plan's sha256, counts, durations`, async () => {
                const { h, records } = await rollNetwork();
                const record = records.filter((r) => r.env === env).at(-1)!;
                const planHash = sha256(h.engine.ups[0].plan!);
                expect(record).to.include({
                    env,
                    phase: "network",
                    result: "succeeded",
                    commit: COMMIT,
                    operator: "alice",
                    planHash,
                    runId: "run-1",
                });
                expect(record.approvals).to.deep.equal(approvalsFor(cfg, "network").map((a) => ({ ...a, planHash })));
                expect(record.counts).to.deep.include({ create: 3 });
                expect(record.durationsMs.total).to.be.greaterThan(0);
            });

            if ((cfg.approvals.network ?? []).length > 0) {
                it(`refuses network without its ${cfg.approvals.network!.join(" and ")} approval, and never reaches up`, async () => {
                    const { h, code, records } = await rollNetwork({ approvals: [] });
                    expect(code).to.equal(EXIT.refused);
                    expect(h.engine.ups).to.have.length(0);
                    expect(records.at(-1)).to.include({ result: "refused", gate: "approval" });
                });
            } else {
                it("needs no role for network, only --yes", async () => {
                    const { code } = await rollNetwork({ approvals: [] });
                    expect(code).to.equal(EXIT.ok);
                });
            }
        });
    }

    describe("--phase all", () => {
        it("runs every phase in registry order: one whole-program preview, one targeted preview and one up per phase, one closing whole-stack preview", async () => {
            const h = harness("dev");
            const code = await rollout(request("dev", "all", { yes: true }), h.deps);
            expect(code, textOf(h.io)).to.equal(EXIT.ok);
            const kind = (c: { op: string; target?: readonly string[] }) => `${c.op} ${c.target === undefined ? "whole" : "targeted"}`;
            expect(h.engine.calls.map(kind)).to.deep.equal([
                "preview whole",
                ...PHASE_NAMES.flatMap(() => ["preview targeted", "up targeted"]),
                "preview whole",
            ]);
            expect((await h.ledger.read("dev")).map((r) => [r.phase, r.result])).to.deep.equal(PHASE_NAMES.map((p) => [p, "succeeded"]));
        });

        it("reads the state once, the stack outputs for the tier gate before the first phase: no read of pending operations in the phase loop", async () => {
            const h = harness("dev");
            await rollout(request("dev", "all", { yes: true }), h.deps);
            expect(h.engine.stateReads).to.equal(1);
        });

        it("says the stack converged when the closing whole-stack preview shows nothing but `same`", async () => {
            const h = harness("dev");
            expect(await rollout(request("dev", "all", { yes: true }), h.deps)).to.equal(EXIT.ok);
            expect(h.io.stderr.at(-1)).to.equal("converged: a whole-stack preview shows no changes");
        });

        it("fails (exit 1) when the closing preview still shows changes, listing type, name, operation and changed keys", async () => {
            const stray = {
                urn: urn("dev", ["aws:s3/bucketPolicy:BucketPolicy"], "stray-policy"),
                op: "update" as const,
                diffs: ["policy"],
            };
            const root = { urn: platformSteps("dev")[0].urn, op: "update" as const, diffs: ["outputs"] };
            const h = harness("dev", { engine: { notConverged: [stray, root] } });
            expect(await rollout(request("dev", "all", { yes: true }), h.deps)).to.equal(EXIT.failed);
            const text = textOf(h.io);
            expect(text).to.include("not converged: a whole-stack preview still shows 1 change(s)");
            expect(text).to.match(/update\s+stray-policy\s+aws:s3\/bucketPolicy:BucketPolicy\s+policy/);
            expect(text).not.to.match(/update\s+bbws-platform-dev/);
        });

        it("does not end a --preview-only run, or a run of one phase, with a whole-stack preview", async () => {
            for (const req of [request("dev", "all", { previewOnly: true }), request("dev", "network", { yes: true })]) {
                const h = harness("dev");
                for (const r of allPhasesIn("dev")) await h.ledger.append(r);
                expect(await rollout(req, h.deps), textOf(h.io)).to.equal(EXIT.ok);
                expect(
                    h.engine.previews.filter((c) => c.target === undefined),
                    req.phase,
                ).to.have.length(1);
            }
        });

        it("stops at the first phase that fails, with exit 1 and the failure recorded", async () => {
            const h = harness("dev", { engine: { failOn: "data-aurora" } });
            const code = await rollout(request("dev", "all", { yes: true }), h.deps);
            expect(code).to.equal(EXIT.failed);
            expect((await h.ledger.read("dev")).map((r) => [r.phase, r.result, r.error?.code])).to.deep.equal([
                ["network", "succeeded", undefined],
                ["database", "failed", "engine-failed"],
            ]);
            expect(h.engine.ups).to.have.length(2);
            expect(textOf(h.io)).to.match(/failed to create bbws-aurora-dev after/);
        });

        it("skips phases the program does not have yet, and does not hold later phases back for them", async () => {
            const steps = platformSteps("dev").filter((s) => !s.urn.includes("bbws:storage:StorageLayer"));
            const h = harness("dev", { engine: { steps } });
            const code = await rollout(request("dev", "all", { yes: true }), h.deps);
            expect(code, textOf(h.io)).to.equal(EXIT.ok);
            expect((await h.ledger.read("dev")).map((r) => r.phase)).to.deep.equal(["network", "database", "ecs", "monitoring"]);
            expect(textOf(h.io)).to.include("not in the program yet (skipped): storage");
        });

        it("refuses a named phase the program does not have, as a usage error", async () => {
            const steps = platformSteps("dev").filter((s) => !s.urn.includes("bbws:storage:StorageLayer"));
            const h = harness("dev", { engine: { steps } });
            const err = await rollout(request("dev", "storage", { yes: true }), h.deps).catch((e) => e);
            expect(err).to.include({ code: "phase-not-in-program", exitCode: EXIT.usage });
        });
    });

    describe("images in ECR before the ecs phase", () => {
        const cfg = configOf("dev");
        const wordpressTag = cfg.tenants[0].imageTag;
        /** ECR with every image but `bbws/wordpress:<first tenant's tag>`; records what it was asked. */
        const withoutWordpress =
            (asked: string[] = []) =>
            async () =>
                ecrDouble(cfg.accountId, (repository, tag) => {
                    asked.push(`${repository}:${tag}`);
                    return repository === REPOSITORIES.wordpress && tag === wordpressTag ? "no-tag" : "image";
                });
        const phaseOf = (target: readonly string[] | undefined) =>
            parseUrn(target!.find((u) => parseUrn(u).type.startsWith("bbws:"))!).name;

        it("--phase ecs: refuses a missing image (exit 2) before ecs is previewed, and the ledger records the refusal", async () => {
            const h = harness("dev", { deps: { ecr: withoutWordpress() } });
            for (const p of ["network", "database", "storage"] as const) await h.ledger.append(recordOf("dev", p, "succeeded"));
            const code = await rollout(request("dev", "ecs", { yes: true }), h.deps);
            expect(code, textOf(h.io)).to.equal(EXIT.usage);
            expect(h.engine.calls.map((c) => (c.target === undefined ? "whole program" : "targeted"))).to.deep.equal(["whole program"]);
            expect(textOf(h.io))
                .to.include(`ecs: 1 image(s) the ecs phase pulls cannot be pulled from ECR in dev`)
                .and.include(`${REPOSITORIES.wordpress}:${wordpressTag}: no image with this tag`)
                .and.include(`fix: push the image(s), then run again`);
            expect((await h.ledger.read("dev")).at(-1))
                .to.deep.include({ phase: "ecs", result: "refused" })
                .and.nested.include({ "error.code": "images-missing" });
        });

        it("--phase all: applies the phases before ecs (storage creates the repositories), then refuses before ecs's preview", async () => {
            const asked: string[] = [];
            const h = harness("dev", { deps: { ecr: withoutWordpress(asked) } });
            let upsWhenAsked = -1;
            const code = await rollout(request("dev", "all", { yes: true }), {
                ...h.deps,
                ecr: (region) => {
                    upsWhenAsked = h.engine.ups.length;
                    return h.deps.ecr(region);
                },
            });
            expect(code, textOf(h.io)).to.equal(EXIT.usage);
            expect(h.engine.ups.map((c) => phaseOf(c.target))).to.deep.equal(["network", "data", "storage"]);
            expect(upsWhenAsked, "ECR asked after storage was applied").to.equal(3);
            expect(h.engine.previews.map((c) => (c.target === undefined ? "whole program" : phaseOf(c.target)))).to.deep.equal([
                "whole program",
                "network",
                "data",
                "storage",
            ]);
            expect([...new Set(asked)].sort()).to.deep.equal(
                requiredImages(cfg)
                    .map((i) => `${i.repository}:${i.tag}`)
                    .sort(),
            );
            expect((await h.ledger.read("dev")).map((r) => [r.phase, r.result])).to.deep.equal([
                ["network", "succeeded"],
                ["database", "succeeded"],
                ["storage", "succeeded"],
                ["ecs", "refused"],
            ]);
        });

        it("says which images it found before previewing ecs", async () => {
            const h = harness("dev");
            for (const p of ["network", "database", "storage"] as const) await h.ledger.append(recordOf("dev", p, "succeeded"));
            expect(await rollout(request("dev", "ecs", { yes: true }), h.deps)).to.equal(EXIT.ok);
            expect(textOf(h.io)).to.include(
                `images in ECR: ${requiredImages(cfg)
                    .map((i) => `${i.repository}:${i.tag}`)
                    .join(", ")}`,
            );
        });

        it("prints the image check's warnings (a single-platform image it cannot verify) and goes on to preview ecs", async () => {
            const ecr = ecrDouble(cfg.accountId, () => "image");
            const singleMigration = async () =>
                ({
                    send: async (command: { input: { repositoryName?: string } }) =>
                        command instanceof BatchGetImageCommand && command.input.repositoryName === REPOSITORIES.migration
                            ? {
                                  images: [
                                      {
                                          imageManifestMediaType: "application/vnd.docker.distribution.manifest.v2+json",
                                          imageManifest: "{}",
                                      },
                                  ],
                                  failures: [],
                              }
                            : ecr.send(command as never),
                }) as unknown as typeof ecr;
            const h = harness("dev", { deps: { ecr: singleMigration } });
            for (const p of ["network", "database", "storage"] as const) await h.ledger.append(recordOf("dev", p, "succeeded"));
            expect(await rollout(request("dev", "ecs", { yes: true }), h.deps), textOf(h.io)).to.equal(EXIT.ok);
            expect(textOf(h.io)).to.include(`warning: ${REPOSITORIES.migration}:${cfg.ecs.imageTag} is a single-platform image`);
        });

        it("does not ask ECR in a --preview-only run, which applies nothing", async () => {
            const asked: string[] = [];
            const h = harness("dev", { deps: { ecr: withoutWordpress(asked) } });
            expect(await rollout(request("dev", "all", { previewOnly: true, forceOrder: true }), h.deps), textOf(h.io)).to.equal(EXIT.ok);
            expect(asked).to.deep.equal([]);
        });

        it("--resume after pushing the image starts from ecs, the refused phase", async () => {
            const h = harness("dev");
            for (const p of ["network", "database", "storage"] as const) await h.ledger.append(recordOf("dev", p, "succeeded"));
            await h.ledger.append({ ...recordOf("dev", "ecs", "refused"), error: { code: "images-missing", message: "…" } });
            expect(await rollout(request("dev", "all", { yes: true, resume: true }), h.deps)).to.equal(EXIT.ok);
            expect(h.engine.ups.map((c) => phaseOf(c.target))).to.deep.equal(["ecs", "monitoring"]);
        });
    });

    describe("--resume", () => {
        it("starts from the first phase this commit has not completed", async () => {
            const h = harness("dev");
            await h.ledger.append(recordOf("dev", "network", "succeeded"));
            await h.ledger.append(recordOf("dev", "database", "succeeded"));
            const code = await rollout(request("dev", "all", { yes: true, resume: true }), h.deps);
            expect(code).to.equal(EXIT.ok);
            expect(h.engine.ups.map((c) => parseUrn(c.target!.find((u) => parseUrn(u).type.startsWith("bbws:"))!).name)).to.deep.equal([
                "storage",
                "ecs",
                "monitoring",
            ]);
        });

        it("does not take a phase whose deletes pass alone succeeded as done: its main pass is still to run", async () => {
            const h = harness("dev");
            for (const r of allPhasesIn("dev").slice(0, 4)) await h.ledger.append(r);
            await h.ledger.append({ ...recordOf("dev", "monitoring", "succeeded"), pass: "deletes" });
            expect(await rollout(request("dev", "all", { yes: true, resume: true }), h.deps)).to.equal(EXIT.ok);
            expect(h.engine.ups.map((c) => parseUrn(c.target!.find((u) => parseUrn(u).type.startsWith("bbws:"))!).name)).to.deep.equal([
                "monitoring",
            ]);
        });

        it("does not count another commit's successes", async () => {
            const h = harness("dev");
            await h.ledger.append(recordOf("dev", "network", "succeeded", OTHER_COMMIT));
            await rollout(request("dev", "all", { yes: true, resume: true }), h.deps);
            expect(h.engine.ups).to.have.length(PHASE_NAMES.length);
        });

        it("has nothing to do once the commit completed every phase: exit 0 after the whole-program preview", async () => {
            const h = harness("dev");
            for (const r of allPhasesIn("dev")) await h.ledger.append(r);
            const code = await rollout(request("dev", "all", { yes: true, resume: true }), h.deps);
            expect(code).to.equal(EXIT.ok);
            expect(h.engine.calls).to.have.length(1);
            expect(textOf(h.io)).to.include("nothing to do");
        });
    });

    describe("order gate", () => {
        it("refuses a phase whose earlier phases have not succeeded here (exit 3), before any targeted preview", async () => {
            const h = harness("sit");
            await h.ledger.append(recordOf("sit", "network", "failed"));
            const code = await rollout(request("sit", "database", { yes: true }), h.deps);
            expect(code).to.equal(EXIT.refused);
            expect(h.engine.calls).to.have.length(1);
            expect(textOf(h.io))
                .to.include("refused by the order gate")
                .and.include("network: last attempt failed")
                .and.include("--force-order");
            expect((await h.ledger.read("sit")).at(-1)).to.include({ phase: "database", result: "refused", gate: "order" });
        });

        it("lets --force-order through and records it", async () => {
            const cfg = configOf("sit");
            const h = harness("sit");
            const code = await rollout(request("sit", "database", { forceOrder: true, approvals: approvalsFor(cfg, "database") }), h.deps);
            expect(code, textOf(h.io)).to.equal(EXIT.ok);
            expect((await h.ledger.read("sit")).at(-1)!.overrides).to.deep.equal(["--force-order"]);
        });
    });

    describe("promotion gate", () => {
        const prod = configOf("prod");
        const approvals = approvalsFor(prod, "network");

        it("refuses prod until this commit has completed every phase in sit", async () => {
            const h = harness("prod");
            for (const r of allPhasesIn("sit").slice(0, 3)) await h.ledger.append(r);
            const code = await rollout(request("prod", "network", { approvals }), h.deps);
            expect(code).to.equal(EXIT.refused);
            expect(textOf(h.io))
                .to.include("refused by the promotion gate")
                .and.include("ecs: not completed in sit")
                .and.include("--env sit --phase all");
            expect(h.engine.ups).to.have.length(0);
        });

        it("does not accept another commit's rollout of sit", async () => {
            const h = harness("prod");
            for (const p of PHASE_NAMES) await h.ledger.append(recordOf("sit", p, "succeeded", OTHER_COMMIT));
            expect(await rollout(request("prod", "network", { approvals }), h.deps)).to.equal(EXIT.refused);
        });

        it("does not apply to sit, which promotes from nowhere", async () => {
            const sit = configOf("sit");
            const h = harness("sit");
            expect(await rollout(request("sit", "network", { approvals: approvalsFor(sit, "network") }), h.deps)).to.equal(EXIT.ok);
        });
    });

    describe("scope gate", () => {
        it("refuses a phase whose preview changes a resource of another phase, listing it", async () => {
            const leak = {
                urn: urn("dev", ["bbws:data:DataLayer", "aws:ec2/securityGroup:SecurityGroup"], "data-sg"),
                op: "update" as const,
            };
            const h = harness("dev", { engine: { alsoTouched: [leak] } });
            const code = await rollout(request("dev", "network", { yes: true }), h.deps);
            expect(code).to.equal(EXIT.refused);
            expect(textOf(h.io)).to.include("refused by the scope gate").and.include(`update ${leak.urn}`);
            expect(h.engine.ups).to.have.length(0);
        });

        it("ignores the root stack and providers, which every targeted operation includes", async () => {
            const h = harness("dev");
            await rollout(request("dev", "network", { yes: true }), h.deps);
            expect(h.io.stdout.join("\n")).to.match(/pass\s+scope/);
        });
    });

    describe("safety gate", () => {
        const aurora = urn("dev", ["bbws:data:DataLayer", "aws:rds/cluster:Cluster"], "data-aurora");
        const replacing = (env: string) =>
            platformSteps(env).map((s) =>
                s.urn.endsWith("::data-aurora") ? { ...s, op: "replace" as const, keys: ["engineVersion"], diffs: ["engineVersion"] } : s,
            );

        it("refuses replacing the Aurora cluster unless its URN is named, and says how to allow it", async () => {
            const h = harness("dev", { engine: { steps: replacing("dev") } });
            await h.ledger.append(recordOf("dev", "network", "succeeded"));
            const code = await rollout(request("dev", "database", { yes: true }), h.deps);
            expect(code).to.equal(EXIT.refused);
            expect(textOf(h.io))
                .to.include("refused by the safety gate")
                .and.include(`replace ${aurora} (because of engineVersion)`)
                .and.include(`--allow-replace '${aurora}'`);
            expect(h.engine.ups).to.have.length(0);
        });

        it("lets the named replacement through and records the override", async () => {
            const h = harness("dev", { engine: { steps: replacing("dev") } });
            await h.ledger.append(recordOf("dev", "network", "succeeded"));
            const code = await rollout(request("dev", "database", { yes: true, allowReplace: [aurora] }), h.deps);
            expect(code, textOf(h.io)).to.equal(EXIT.ok);
            expect((await h.ledger.read("dev")).at(-1)!.overrides).to.deep.equal([`--allow-replace ${aurora}`]);
        });
    });

    describe("approval gate", () => {
        const seeded = async () => {
            const h = harness("sit");
            await h.ledger.append(recordOf("sit", "network", "succeeded"));
            return h;
        };

        it("refuses sit's database with tech-lead but without dba, and says who must approve", async () => {
            const h = await seeded();
            const code = await rollout(request("sit", "database", { approvals: [{ role: "tech-lead", name: "alice" }] }), h.deps);
            expect(code).to.equal(EXIT.refused);
            expect(textOf(h.io)).to.include("dba: no approval").and.include("--approve dba:<name>");
            expect(h.engine.ups).to.have.length(0);
        });

        it("does not take --yes instead of a required role", async () => {
            const h = await seeded();
            expect(await rollout(request("sit", "database", { yes: true }), h.deps)).to.equal(EXIT.refused);
            expect(textOf(h.io)).to.include("--yes does not replace a required approval");
        });

        it("refuses an approval pinned to another plan: a changed plan needs a new approval", async () => {
            const h = await seeded();
            const approvals = [
                { role: "tech-lead", name: "alice", planHash: "deadbeef" },
                { role: "dba", name: "bob" },
            ];
            expect(await rollout(request("sit", "database", { approvals }), h.deps)).to.equal(EXIT.refused);
            expect(textOf(h.io)).to.include("tech-lead: alice approved plan deadbeef, not this plan");
        });

        it("accepts an approval pinned to this plan's sha256 (as printed by --preview-only)", async () => {
            const preview = await seeded();
            await rollout(request("sit", "database", { previewOnly: true, format: "json" }), preview.deps);
            const planHash: string = JSON.parse(preview.io.stdout.at(-1)!).planHash;

            const h = await seeded();
            const approvals = [
                { role: "tech-lead", name: "alice", planHash: planHash.slice(0, 12) },
                { role: "dba", name: "bob" },
            ];
            expect(await rollout(request("sit", "database", { approvals }), h.deps), textOf(h.io)).to.equal(EXIT.ok);
        });

        it("does not let one person approve for two roles", async () => {
            const h = await seeded();
            const approvals = [
                { role: "tech-lead", name: "alice" },
                { role: "dba", name: "alice" },
            ];
            expect(await rollout(request("sit", "database", { approvals }), h.deps)).to.equal(EXIT.refused);
            expect(textOf(h.io)).to.include("alice already approves for another role");
        });

        it("asks at a terminal for each missing role, showing the plan's hash", async () => {
            const io = memoryIo(["bob"]);
            const h = harness("sit", { io });
            await h.ledger.append(recordOf("sit", "network", "succeeded"));
            const code = await rollout(request("sit", "database", { approvals: [{ role: "tech-lead", name: "alice" }] }), h.deps);
            expect(code, textOf(io)).to.equal(EXIT.ok);
            expect(io.stderr.filter((l) => l.startsWith("approve "))).to.have.length(1);
            expect(textOf(io)).to.match(/approve database in sit \(plan sha256 [0-9a-f]{12}\) as dba/);
            expect((await h.ledger.read("sit")).at(-1)!.approvals.map((a) => a.name)).to.deep.equal(["alice", "bob"]);
        });

        it("records a Ctrl-C at the approval prompt as a cancelled attempt (exit 1) and applies nothing (README: one record per attempt)", async () => {
            const controller = new AbortController();
            const io = memoryIo(["unused"]);
            const h = harness("sit", { io, deps: { signal: controller.signal } });
            await h.ledger.append(recordOf("sit", "network", "succeeded"));
            let asked = 0;
            // What terminalPrompt does on a Ctrl-C: the driver's signal handler aborts the run, and the answer is a refusal.
            io.prompt = async () => {
                asked++;
                controller.abort();
                return "";
            };
            expect(await rollout(request("sit", "database"), h.deps), textOf(io)).to.equal(EXIT.failed);
            expect(asked).to.equal(1);
            expect(h.engine.ups).to.have.length(0);
            expect((await h.ledger.read("sit")).at(-1)).to.include({ phase: "database", result: "cancelled" });
        });

        it("refuses in CI where no role is required but --yes was not given", async () => {
            const h = harness("dev");
            expect(await rollout(request("dev", "network"), h.deps)).to.equal(EXIT.refused);
            expect(textOf(h.io)).to.include("pass --yes");
        });

        it("refuses when the plan file changes after it was approved", async () => {
            const io = memoryIo(["y"]);
            const h = harness("dev", { io });
            io.prompt = async () => {
                fs.appendFileSync(h.engine.previews[1].plan!, " ");
                return "y";
            };
            expect(await rollout(request("dev", "network"), h.deps)).to.equal(EXIT.refused);
            expect(textOf(io)).to.include("changed after it was approved");
            expect(h.engine.ups).to.have.length(0);
        });
    });

    describe("--preview-only", () => {
        it("with --phase all, previews each phase together with the earlier ones, and summarises only the phase's own steps", async () => {
            const h = harness("dev");
            for (const r of allPhasesIn("dev")) await h.ledger.append(r);
            expect(await rollout(request("dev", "all", { previewOnly: true, format: "json" }), h.deps)).to.equal(EXIT.ok);
            const layers = (c: { target?: readonly string[] }) =>
                c.target!.filter((u) => parseUrn(u).type.startsWith("bbws:")).map((u) => parseUrn(u).name);
            expect(h.engine.previews.slice(1).map(layers)).to.deep.equal(
                PHASE_NAMES.map((_, i) => ["network", "data", "storage", "ecs", "monitoring"].slice(0, i + 1)),
            );
            const database = JSON.parse(h.io.stdout[1]);
            expect(database.resources.map((r: { name: string }) => r.name)).to.deep.equal([
                "data",
                "data-aurora",
                "data-aurora-1",
                "data-redis-auth",
            ]);
            expect(database.counts).to.deep.equal({ same: 2, create: 4 });
            expect(database.gates.find((g: { gate: string }) => g.gate === "scope").verdict.status).to.equal("pass");
        });

        it("stops after the scope and safety gates, prints the Markdown summary and records nothing", async () => {
            const h = harness("sit");
            const code = await rollout(request("sit", "network", { previewOnly: true, format: "markdown" }), h.deps);
            expect(code).to.equal(EXIT.ok);
            expect(h.engine.ups).to.have.length(0);
            expect(h.io.stdout.join("\n"))
                .to.include("### Rollout: network in sit")
                .and.include("| create | network-vpc |")
                .and.include("| Result | Gate | Rule | Findings | Rollout now |");
            expect(await h.ledger.read("sit")).to.deep.equal([]);
        });

        it("must not refuse a commit that has not been through sit, nor a stack never rolled out: it says what a rollout would meet", async () => {
            const h = harness("prod");
            const code = await rollout(request("prod", "all", { previewOnly: true, format: "markdown" }), h.deps);
            const text = textOf(h.io);
            expect(code, text).to.equal(EXIT.ok);
            expect(h.engine.ups).to.have.length(0);
            expect(h.engine.previews).to.have.length(1 + PHASE_NAMES.length);
            expect(text)
                .to.include(`would refuse: promotion because network: not completed in sit at commit ${COMMIT.slice(0, 12)}`)
                .and.include("would refuse: order because network: never applied in prod")
                .and.include("database: previewed (plan")
                .and.include("a rollout now would be refused by: order, promotion");
            expect(await h.ledger.read("prod")).to.deep.equal([]);
        });

        it("shows each gate's rollout-now verdict in JSON too", async () => {
            const h = harness("prod");
            await rollout(request("prod", "network", { previewOnly: true, format: "json" }), h.deps);
            const gates = JSON.parse(h.io.stdout[0]).gates as Array<{ gate: string; rolloutNow: string }>;
            expect(gates.map((g) => [g.gate, g.rolloutNow.split(" because")[0]])).to.deep.equal([
                ["order", "would pass"],
                ["promotion", "would refuse: promotion"],
                ["tier", "would pass"],
                ["scope", "would pass"],
                ["safety", "would pass"],
            ]);
        });
    });

    describe("verification", () => {
        it("hands the phase and the stack outputs to the hook", async () => {
            const seen: unknown[] = [];
            const h = harness("dev", {
                engine: { outputs: { network: { vpcId: "vpc-0a1b2c3d4e5f60718" } } },
                deps: {
                    verify: async (phase, ctx) => {
                        seen.push([phase, ctx]);
                        return { checks: [] };
                    },
                },
            });
            await rollout(request("dev", "network", { yes: true }), h.deps);
            expect(seen).to.deep.equal([["network", { env: "dev", outputs: { network: { vpcId: "vpc-0a1b2c3d4e5f60718" } } }]]);
            expect(textOf(h.io)).to.include("no checks registered for network");
        });

        it("fails the phase (exit 1) on a failed check, but not on a warning", async () => {
            const h = harness("dev", {
                deps: {
                    verify: async (phase) => ({
                        checks: [
                            { id: "network-nat", phase, status: "warn", detail: "one NAT gateway" },
                            { id: "network-flow-logs", phase, status: "fail", detail: "no flow log on vpc-0a1b" },
                        ],
                    }),
                },
            });
            expect(await rollout(request("dev", "network", { yes: true }), h.deps)).to.equal(EXIT.failed);
            expect((await h.ledger.read("dev")).at(-1)).to.deep.include({
                result: "failed",
                checks: { pass: 0, warn: 1, fail: 1 },
                error: { code: "verification-failed", message: "network-flow-logs" },
            });
        });
    });

    describe("removed resources: deletes follow dependencies", () => {
        const byPhase = new Map(PHASE_NAMES.map((p) => [p, [`${p}-kept`, `${p}-gone`]] as const));
        const passes = (phases: PhaseName[], deleted: string[]) =>
            planPasses(phases, PHASE_NAMES, byPhase, new Set(deleted)).map(
                (p) => `${p.phase}${p.deletes ? " deletes" : ""}: ${p.urns.join(" ")}`,
            );

        it("keeps one pass per phase, deletes included, when only the run's first phase removes anything", () => {
            expect(passes([...PHASE_NAMES], ["network-gone"])).to.deep.equal(PHASE_NAMES.map((p) => `${p}: ${p}-kept ${p}-gone`));
        });

        it("deletes first, from the last phase to the first, then applies the rest in phase order, when a later phase removes anything", () => {
            expect(passes([...PHASE_NAMES], ["network-gone", "ecs-gone"])).to.deep.equal([
                "ecs deletes: ecs-gone",
                "network deletes: network-gone",
                ...PHASE_NAMES.map((p) => (p === "network" || p === "ecs" ? `${p}: ${p}-kept` : `${p}: ${p}-kept ${p}-gone`)),
            ]);
        });

        it("refuses one phase (exit 3) while a later phase removes resources, naming them and the order to run", () => {
            let err: BbwsError | undefined;
            try {
                passes(["network"], ["ecs-gone", "monitoring-gone"]);
            } catch (e) {
                err = e as BbwsError;
            }
            expect(err).to.include({ code: "deletes-in-later-phases", exitCode: EXIT.refused });
            expect(err!.message).to.include("later phases (monitoring: 1, ecs: 1)");
            expect(err!.fix).to.include("`--phase all`").and.include("`--phase monitoring`, then `--phase ecs`");
            expect(passes(["monitoring"], ["ecs-gone", "monitoring-gone"])).to.deep.equal(["monitoring: monitoring-kept monitoring-gone"]);
        });
    });

    describe("state kept before every up", () => {
        it("exports the state right before each phase's up, after its preview, and keeps it as <ledger>/state/<env>/<timestamp>-<phase>.json", async () => {
            const h = harness("dev");
            expect(await rollout(request("dev", "all", { yes: true }), h.deps)).to.equal(EXIT.ok);
            const upsBefore = h.engine.calls.flatMap((c, i) => (c.op === "up" ? [i] : []));
            expect(h.engine.exports).to.deep.equal(upsBefore);
            const dir = path.join(h.dir, "ledger", "state", "dev");
            const files = fs.readdirSync(dir).sort();
            expect(files.map((f) => f.replace(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-/, ""))).to.deep.equal(
                PHASE_NAMES.map((p) => `${p}.json`),
            );
            const kept = JSON.parse(
                fs.readFileSync(
                    path.join(
                        dir,
                        files.find((f) => f.endsWith("-ecs.json"))!,
                    ),
                    "utf8",
                ),
            );
            expect(kept.deployment.exportedAfter).to.equal(upsBefore[PHASE_NAMES.indexOf("ecs")]);
            expect(textOf(h.io)).to.include(`  state before the update kept at ${path.join(dir, files[0])}`);
        });

        it("keeps nothing and exports nothing for a --preview-only run, which applies nothing", async () => {
            const h = harness("dev");
            await rollout(request("dev", "all", { previewOnly: true, forceOrder: true }), h.deps);
            expect(h.engine.exports).to.deep.equal([]);
        });

        it("does not apply when the state cannot be exported: the phase fails (exit 1), recorded, with no up", async () => {
            const h = harness("dev", { engine: { exportFails: true } });
            expect(await rollout(request("dev", "network", { yes: true }), h.deps)).to.equal(EXIT.failed);
            expect(h.engine.ups).to.deep.equal([]);
            expect((await h.ledger.read("dev")).at(-1)).to.deep.include({ phase: "network", result: "failed" });
            expect(textOf(h.io)).to.include("exporting the state (pulumi stack export) failed");
        });

        it("does not apply when the copy cannot be written, and says where it tried", async () => {
            const h = harness("dev");
            const states = {
                location: "/read-only/state",
                keep: async () => {
                    throw new Error("EACCES: permission denied");
                },
            };
            expect(await rollout(request("dev", "network", { yes: true }), { ...h.deps, states })).to.equal(EXIT.failed);
            expect(h.engine.ups).to.deep.equal([]);
            expect((await h.ledger.read("dev")).at(-1)!.error!.code).to.equal("state-not-kept");
            expect(textOf(h.io)).to.include("could not keep a copy of dev's state in /read-only/state").and.include("nothing was applied");
        });
    });

    describe("engine failures", () => {
        it("records a cancelled update (Ctrl-C) as cancelled, exit 1", async () => {
            const h = harness("dev", { engine: { cancelAfter: 1 } });
            expect(await rollout(request("dev", "network", { yes: true }), h.deps)).to.equal(EXIT.failed);
            expect((await h.ledger.read("dev")).at(-1)).to.include({ result: "cancelled" });
            expect(textOf(h.io)).to.include("update was cancelled");
        });

        it("cancels the running update on Ctrl-C (the abort signal), records it and starts no later phase", async () => {
            const ctrlC = new AbortController();
            const io = memoryIo();
            const print = io.err;
            io.err = (line) => {
                print(line);
                if (line.includes("created network-vpc")) ctrlC.abort();
            };
            const h = harness("dev", { io, deps: { signal: ctrlC.signal } });
            expect(await rollout(request("dev", "all", { yes: true }), h.deps)).to.equal(EXIT.failed);
            expect((await h.ledger.read("dev")).map((r) => [r.phase, r.result])).to.deep.equal([["network", "cancelled"]]);
            expect(h.engine.calls.every((c) => c.target === undefined || c.target.some((u) => u.includes("NetworkLayer")))).to.equal(true);
        });

        it("reports a concurrent update with what to do, exit 1, no stack trace", async () => {
            const h = harness("dev", { engine: { concurrentUpdate: true } });
            expect(await rollout(request("dev", "network", { yes: true }), h.deps)).to.equal(EXIT.failed);
            expect((await h.ledger.read("dev")).at(-1)!.error!.code).to.equal("concurrent-update");
            expect(textOf(h.io))
                .to.include("pulumi cancel")
                .and.not.match(/\n\s+at /);
        });

        it("reports a plan the engine refused at up as plan-mismatch: a new preview and approval are needed, exit 1", async () => {
            const h = harness("dev", { engine: { planMismatch: true } });
            expect(await rollout(request("dev", "network", { yes: true }), h.deps)).to.equal(EXIT.failed);
            expect((await h.ledger.read("dev")).at(-1)).to.deep.include({ phase: "network", result: "failed" });
            expect((await h.ledger.read("dev")).at(-1)!.error!.code).to.equal("plan-mismatch");
            expect(textOf(h.io)).to.include("changed since the preview").and.include("needs a new approval");
        });

        it("streams progress with durations and the physical name", async () => {
            const h = harness("dev");
            await h.ledger.append(recordOf("dev", "network", "succeeded"));
            await rollout(request("dev", "database", { yes: true }), h.deps);
            expect(h.io.stderr).to.include("  creating bbws-aurora-dev (aws:rds/cluster:Cluster)");
            expect(h.io.stderr).to.include("  created bbws-aurora-dev in 6m30s");
        });
    });
});
