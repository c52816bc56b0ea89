import { expect } from "chai";
import { Engine, reusedEngines } from "../../automation/engine";
import { FakeEngine } from "../support/fake-engine";

describe("reusedEngines: one engine per stack for a whole command", () => {
    it("creates each stack's engine once and hands every later call the same one", async () => {
        const created: string[] = [];
        const engines = reusedEngines(async (stack): Promise<Engine> => {
            created.push(stack);
            return new FakeEngine({ stack });
        });
        const [a, b] = await Promise.all([engines("sit"), engines("sit")]);
        expect(a).to.equal(b);
        expect(await engines("sit")).to.equal(a);
        expect(await engines("prod")).to.not.equal(a);
        expect(created).to.deep.equal(["sit", "prod"]);
    });

    it("keeps no failed creation: the next call tries again (a stack created meanwhile is found)", async () => {
        let calls = 0;
        const engines = reusedEngines(async (stack): Promise<Engine> => {
            calls++;
            if (calls === 1) throw new Error(`no stack ${stack}`);
            return new FakeEngine({ stack });
        });
        await engines("dev").then(
            () => expect.fail("the first creation should fail"),
            (err: Error) => expect(err.message).to.equal("no stack dev"),
        );
        expect(await engines("dev")).to.be.instanceOf(FakeEngine);
        expect(calls).to.equal(2);
    });
});
