import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { FileLedger, openLedger, S3Ledger } from "../../automation/ledger";
import { recordOf, tempDir } from "../support/rollout";

describe("ledger", () => {
    describe("in a local directory", () => {
        let dir: string;
        let warnings: string[];
        let ledger: FileLedger;
        beforeEach(() => {
            dir = path.join(tempDir(), ".rollout");
            warnings = [];
            ledger = new FileLedger(dir, (w) => warnings.push(w));
        });

        it("appends one JSON line per record to <env>.jsonl, creating the directory", async () => {
            await ledger.append(recordOf("sit", "network", "succeeded"));
            await ledger.append(recordOf("sit", "database", "refused"));
            const lines = fs.readFileSync(path.join(dir, "sit.jsonl"), "utf8").split("\n");
            expect(lines).to.have.length(3);
            expect(lines[2]).to.equal("");
            expect(JSON.parse(lines[1])).to.include({ phase: "database", result: "refused" });
        });

        it("reads records oldest first, per environment", async () => {
            await ledger.append(recordOf("sit", "network", "succeeded"));
            await ledger.append(recordOf("prod", "network", "refused"));
            await ledger.append(recordOf("sit", "database", "failed"));
            expect((await ledger.read("sit")).map((r) => r.phase)).to.deep.equal(["network", "database"]);
            expect(await ledger.read("dev")).to.deep.equal([]);
        });

        it("survives a crash mid-write: the torn last line is ignored with a warning, and the next record stays whole", async () => {
            await ledger.append(recordOf("sit", "network", "succeeded"));
            const whole = JSON.stringify(recordOf("sit", "database", "succeeded"));
            fs.appendFileSync(path.join(dir, "sit.jsonl"), whole.slice(0, 40));

            expect((await ledger.read("sit")).map((r) => r.phase)).to.deep.equal(["network"]);
            expect(warnings).to.deep.equal([`${path.join(dir, "sit.jsonl")}:2: ignored an incomplete record (an interrupted write?)`]);

            await ledger.append(recordOf("sit", "storage", "succeeded"));
            expect((await ledger.read("sit")).map((r) => r.phase)).to.deep.equal(["network", "storage"]);
        });

        it("is the default for a path; s3:// selects S3", () => {
            expect(openLedger(dir, () => undefined)).to.be.instanceOf(FileLedger);
            const s3 = openLedger("s3://bbws-rollout-ledger/platform/", () => undefined, async () => new S3Client({}));
            expect(s3).to.be.instanceOf(S3Ledger);
            expect(s3.location).to.equal("s3://bbws-rollout-ledger/platform");
        });
    });

    describe("in S3", () => {
        const s3 = mockClient(S3Client);
        beforeEach(() => s3.reset());
        const ledger = () => openLedger("s3://bbws-rollout-ledger/platform", () => undefined, async () => new S3Client({ region: "eu-west-1" }));

        it("writes one object per record under <prefix>/<env>/, only if absent, so nothing is overwritten", async () => {
            s3.on(PutObjectCommand).resolves({});
            await ledger().append(recordOf("prod", "database", "succeeded"));
            const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
            expect(put.Bucket).to.equal("bbws-rollout-ledger");
            expect(put.Key).to.match(/^platform\/prod\/2026-11-20T10:00:00\.000Z-database-[0-9a-f]{12}\.json$/);
            expect(put.IfNoneMatch).to.equal("*");
            expect(JSON.parse(String(put.Body))).to.include({ phase: "database", result: "succeeded" });
        });

        it("reads every page of records in key (time) order, skipping unreadable ones", async () => {
            // The SDK's streaming body, reduced to the one method the ledger reads it with.
            const body = (text: string) => ({ transformToString: async () => text }) as never;
            s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
                Contents: [{ Key: "platform/sit/2026-11-21-b.json" }], IsTruncated: true, NextContinuationToken: "page2",
            });
            s3.on(ListObjectsV2Command, { ContinuationToken: "page2" }).resolves({
                Contents: [{ Key: "platform/sit/2026-11-20-a.json" }, { Key: "platform/sit/2026-11-22-c.json" }], IsTruncated: false,
            });
            s3.on(GetObjectCommand, { Key: "platform/sit/2026-11-20-a.json" }).callsFake(() => ({ Body: body(JSON.stringify(recordOf("sit", "network", "succeeded"))) }));
            s3.on(GetObjectCommand, { Key: "platform/sit/2026-11-21-b.json" }).callsFake(() => ({ Body: body(JSON.stringify(recordOf("sit", "database", "failed"))) }));
            s3.on(GetObjectCommand, { Key: "platform/sit/2026-11-22-c.json" }).callsFake(() => ({ Body: body("{\"v\":1,") }));
            const records = await ledger().read("sit");
            expect(records.map((r) => r.phase)).to.deep.equal(["network", "database"]);
            expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input.Prefix).to.equal("platform/sit/");
        });
    });
});
