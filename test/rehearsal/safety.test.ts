/**
 * Scenario 4: a change that would replace the Aurora cluster, the file system or a security group. The
 * stack was applied with a value AWS cannot change in place (an earlier subnet group or key, an
 * unencrypted file system, another description); the program now wants another, so the engine plans
 * a replacement, and the safety gate must refuse it before any `up` is issued.
 */
import { expect } from "chai";
import { operations, Stage, stage, textOf } from "../support/rehearsal";
import { writeState } from "../../automation/rehearsal-engine/state";

const CASES = [
    { what: "the Aurora cluster", phase: "database", name: "data-aurora", key: "dbSubnetGroupName", applied: "bbws-aurora-legacy-dev" },
    {
        what: "the Aurora cluster",
        phase: "database",
        name: "data-aurora",
        key: "kmsKeyId",
        applied: "arn:aws:kms:eu-west-1:536580886816:key/retired",
    },
    { what: "the file system", phase: "storage", name: "storage-efs", key: "encrypted", applied: false },
    // Not data, but a group that cannot be replaced under its name (automation/replacement.ts).
    {
        what: "the database security group",
        phase: "network",
        name: "network-database-sg",
        key: "description",
        applied: "BBWS Aurora MySQL",
    },
];

describe("rehearsal: a change that would replace stateful data", function () {
    this.timeout(60_000);

    for (const c of CASES) {
        describe(`replacing ${c.what} (${c.key} changes)`, () => {
            let dev: Stage;
            after(() => dev.dispose());
            let urn: string;
            let code: number;
            let text: string;
            let ups: number;

            before(async () => {
                dev = stage("dev");
                dev.converge();
                const state = dev.state();
                const resources = state.deployment.resources.map((r) =>
                    r.urn.endsWith(`::${c.name}`) ? { ...r, inputs: { ...r.inputs, [c.key]: c.applied } } : r,
                );
                writeState(dev.engineHome, "dev", resources, [], state);
                urn = resources.find((r) => r.urn.endsWith(`::${c.name}`))!.urn;
                const run = await dev.rollout(["--env", "dev", "--phase", c.phase, "--yes"]);
                ({ code } = run);
                text = textOf(run.io);
                ups = operations(run.calls).filter((call) => call.argv[0] === "up").length;
            });

            it("is refused by the safety gate with exit code 3", () => {
                expect(code, text).to.equal(3);
                expect(text).to.include(`${c.phase}: refused by the safety gate`);
            });

            it(`names ${c.what}'s URN, the key that forces the replacement, and the flag that would allow it`, () => {
                expect(text).to.include(urn);
                expect(text).to.include(`because of ${c.key}`);
                expect(text).to.include(`--allow-replace '${urn}'`);
            });

            it("issues no up", () => {
                expect(ups).to.equal(0);
            });

            // The Aurora cluster's identifier is set by the program, so the AWS provider asks for a delete-first replacement
            // (pulumi-terraform-bridge nameRequiresDeleteBeforeReplace), which takes the ecs phase's task definitions with it
            // (step_generator.go calculateDependentReplacements): the scope gate refuses too, and the safety refusal is the one reported.
            if (c.name === "data-aurora") {
                it("shows the scope gate refusing the task definitions the delete-first replacement takes with it, and reports the safety gate", () => {
                    expect(text).to.match(/fail\s+scope\s/);
                    expect(text).to.match(/fail\s+safety\s/);
                    expect(text).to.include(`${c.phase}: refused by the safety gate`);
                });
            }

            it("records the refusal in the ledger", () => {
                const last = dev.ledger().slice(-1)[0];
                expect(last).to.include({ phase: c.phase, result: "refused", gate: "safety" });
            });
        });
    }
});
