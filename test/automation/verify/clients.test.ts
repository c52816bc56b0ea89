import { expect } from "chai";
import { createClients } from "../../../automation/verify/clients";

describe("verify clients", () => {
    it("builds every client for the stack's region with the SDK's own retry off (retry.ts is the only policy)", async () => {
        const clients = createClients("af-south-1");
        for (const [name, client] of Object.entries(clients)) {
            expect(await client.config.region(), name).to.equal("af-south-1");
            expect(await client.config.maxAttempts(), name).to.equal(1);
        }
    });
});
