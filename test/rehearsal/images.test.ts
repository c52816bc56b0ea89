/**
 * Scenario 12: a first rollout whose images were not pushed. The rehearsal's ECR has a repository once
 * the storage phase created it, and every tag but the scenario's `missingImages`; the real driver asks it
 * between storage and ecs, through the CLI's `main`.
 */
import { expect } from "chai";
import { REPOSITORIES } from "../../src/images";
import { flagValues, operations, phaseOfUrn, RunResult, Stage, stage, textOf } from "../support/rehearsal";
import { configOf } from "../support/rollout";

describe("rehearsal: a first rollout before the images are pushed", function () {
    this.timeout(180_000);
    let dev: Stage;
    after(() => dev.dispose());
    let refused: RunResult;
    let resumed: RunResult;
    const missing = `${REPOSITORIES.wordpress}:${configOf("dev").tenants[0].imageTag}`;

    before(async () => {
        dev = stage("dev");
        dev.scenario({ missingImages: [missing] });
        refused = await dev.rollout(["--env", "dev", "--phase", "all", "--yes"]);
        dev.scenario({});
        resumed = await dev.rollout(["--env", "dev", "--resume", "--yes"]);
    });

    it("refuses with exit 2, naming the image, who needs it and the push command", () => {
        const text = textOf(refused.io);
        expect(refused.code, text).to.equal(2);
        expect(text).to.include(`${missing}: no image with this tag; needed by tenant`);
        expect(text).to.match(/aws ecr get-login-password --region \S+ \| docker login --username AWS --password-stdin \d{12}\.dkr\.ecr\./);
        expect(text).to.match(
            new RegExp(
                `docker buildx build --platform linux/amd64,linux/arm64 --push -t \\d{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com/${missing} `,
            ),
        );
    });

    it("applies storage (which creates the repositories) and nothing of ecs: ecs is never previewed", () => {
        const phases = operations(refused.calls).flatMap((c) => [
            ...new Set(flagValues(c.argv, "--target").map(phaseOfUrn).filter(Boolean)),
        ]);
        expect(phases).to.deep.equal(["network", "network", "database", "database", "storage", "storage"]);
        expect(
            dev
                .ledger()
                .slice(0, 4)
                .map((r) => [r.phase, r.result, r.error?.code]),
        ).to.deep.equal([
            ["network", "succeeded", undefined],
            ["database", "succeeded", undefined],
            ["storage", "succeeded", undefined],
            ["ecs", "refused", "images-missing"],
        ]);
    });

    it("--resume once the image is pushed starts at ecs and completes", () => {
        expect(resumed.code, textOf(resumed.io)).to.equal(0);
        const targeted = operations(resumed.calls).filter((c) => flagValues(c.argv, "--target").length > 0);
        expect(phaseOfUrn(flagValues(targeted[0].argv, "--target").find(phaseOfUrn)!)).to.equal("ecs");
        expect(textOf(resumed.io)).to.include(`images in ECR: `).and.include(missing);
    });
});

describe("rehearsal: --phase ecs on a stack whose storage phase never ran", function () {
    this.timeout(180_000);
    let dev: Stage;
    after(() => dev.dispose());

    it("refuses with exit 2 before any targeted preview: the repositories do not exist, roll out storage first", async () => {
        dev = stage("dev");
        const run = await dev.rollout(["--env", "dev", "--phase", "ecs", "--force-order", "--yes"]);
        const text = textOf(run.io);
        expect(run.code, text).to.equal(2);
        expect(text).to.include(`repository ${REPOSITORIES.wordpress} does not exist`).and.include("roll out the storage phase first");
        expect(operations(run.calls).filter((c) => flagValues(c.argv, "--target").length > 0)).to.deep.equal([]);
        expect(dev.state().deployment.resources).to.deep.equal([]);
    });
});
