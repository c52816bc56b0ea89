/**
 * Scenario 9: drift. `npm run drift` through the real adapter, against a converged stack in the
 * scripted engine: a change made outside Pulumi ("in the console") is named, with exit code 4; with
 * none, exit code 0. The state is never written.
 */
import { expect } from "chai";
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/drift-cli";
import { Stage, stage, textOf } from "../support/rehearsal";

describe("rehearsal: npm run drift", function () {
    this.timeout(60_000);
    let dev: Stage;
    after(() => dev.dispose());

    before(() => {
        dev = stage("dev");
        dev.converge();
    });

    async function drift() {
        const io = memoryIo();
        const code = await main(["--env", "dev"], io, { projectDir: dev.projectDir, createEngine: dev.deps.createEngine });
        return { code, io };
    }

    it("with nothing changed outside Pulumi, exits 0", async () => {
        const { code, io } = await drift();
        expect(code, textOf(io)).to.equal(0);
    });

    it("names the resource changed in the console and the property, and exits 4", async () => {
        dev.scenario({ drift: { "network-alb-sg": { tags: { Name: "bbws-alb-sg-dev", Owner: "someone-in-the-console" } } } });
        const before_ = JSON.stringify(dev.state());
        const { code, io } = await drift();
        expect(code, textOf(io)).to.equal(4);
        expect(textOf(io)).to.include("network-alb-sg");
        expect(textOf(io)).to.include("tags");
        expect(textOf(io)).to.include("someone-in-the-console");
        expect(textOf(io)).not.to.include("network-database-sg");
        expect(JSON.stringify(dev.state())).to.equal(before_);
    });

    it("issues `refresh --preview-only`, never a refresh that writes", () => {
        const refreshes = dev.calls().filter((c) => c.argv[0] === "refresh");
        expect(refreshes.length).to.be.greaterThan(0);
        for (const c of refreshes) expect(c.argv).to.include("--preview-only");
    });
});
