import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { FileLedger, LedgerWriteError, openLedger, parseLedgerLocation, S3Ledger } from "../../automation/ledger";
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
            expect(warnings).to.deep.equal([`${path.join(dir, "sit.jsonl")}:2: ignored a record cut short (an interrupted write?)`]);

            await ledger.append(recordOf("sit", "storage", "succeeded"));
            expect((await ledger.read("sit")).map((r) => r.phase)).to.deep.equal(["network", "storage"]);
        });

        it("refuses garbage in the middle as corruption, naming the line, not as an interrupted write", async () => {
            await ledger.append(recordOf("sit", "network", "succeeded"));
            fs.appendFileSync(path.join(dir, "sit.jsonl"), "<<<<<<< HEAD\n");
            await ledger.append(recordOf("sit", "database", "succeeded"));
            const err = await ledger.read("sit").catch((e) => e);
            expect(err).to.include({ code: "ledger-corrupt", exitCode: 2 });
            expect(err.message).to.include(`${path.join(dir, "sit.jsonl")}:2: not JSON`);
            expect(warnings).to.deep.equal([]);
        });

        it("refuses a hand-written line that lacks a record's fields, so it cannot satisfy the order gate", async () => {
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(path.join(dir, "sit.jsonl"), `${JSON.stringify({ v: 1, phase: "network", result: "succeeded" })}\n`);
            const err = await ledger.read("sit").catch((e) => e);
            expect(err).to.include({ code: "ledger-corrupt" });
            expect(err.message).to.include(":1: not a ledger record").and.include("runId: Required").and.include("env: Required");
        });

        it("refuses a record with a field of the wrong kind (a result the driver never writes)", async () => {
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(
                path.join(dir, "sit.jsonl"),
                `${JSON.stringify({ ...recordOf("sit", "network", "succeeded"), result: "ok" })}\n`,
            );
            expect((await ledger.read("sit").catch((e) => e)).message).to.match(/:1: not a ledger record: result: Invalid enum value/);
        });

        it("refuses a record of another environment in this one's file: sit's gates must not count a prod record copied in", async () => {
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(path.join(dir, "sit.jsonl"), `${JSON.stringify(recordOf("prod", "network", "succeeded"))}\n`);
            const err = await ledger.read("sit").catch((e) => e);
            expect(err).to.include({ code: "ledger-corrupt" });
            expect(err.message).to.include(`${path.join(dir, "sit.jsonl")}:1: a record of prod in the ledger of sit`);
        });

        it("refuses a field the driver never writes, so a misspelt pass marker cannot pass as a main pass; accepts `pass: deletes` and nothing else there", async () => {
            fs.mkdirSync(dir, { recursive: true });
            const file = path.join(dir, "sit.jsonl");
            fs.writeFileSync(file, `${JSON.stringify({ ...recordOf("sit", "network", "succeeded"), pas: "deletes" })}\n`);
            expect((await ledger.read("sit").catch((e) => e)).message).to.match(
                /:1: not a ledger record: .*Unrecognized key\(s\) in object: 'pas'/,
            );
            fs.writeFileSync(file, `${JSON.stringify({ ...recordOf("sit", "network", "succeeded"), pass: "creates" })}\n`);
            expect((await ledger.read("sit").catch((e) => e)).message).to.match(/:1: not a ledger record: pass: Invalid literal value/);
            fs.writeFileSync(file, `${JSON.stringify({ ...recordOf("sit", "network", "succeeded"), pass: "deletes" })}\n`);
            expect((await ledger.read("sit")).map((r) => r.pass)).to.deep.equal(["deletes"]);
        });

        it("checks write access without writing a record, and names a path it cannot write under", async () => {
            await ledger.checkWritable("sit");
            expect(await ledger.read("sit")).to.deep.equal([]);
            const file = path.join(tempDir(), "a-file");
            fs.writeFileSync(file, "");
            const err = await new FileLedger(path.join(file, ".rollout"), () => undefined).checkWritable("sit").catch((e) => e);
            expect(err).to.include({ code: "ledger-unwritable", exitCode: 2 });
            expect(err.message)
                .to.include(path.join(file, ".rollout", "sit.jsonl"))
                .and.include("ENOTDIR")
                .and.not.include("ENOTDIR: ENOTDIR");
        });

        it("fails a write with the record that was not written, as JSON, and what to do with it", async () => {
            const file = path.join(tempDir(), "a-file");
            fs.writeFileSync(file, "");
            const record = recordOf("sit", "network", "succeeded");
            const err = await new FileLedger(path.join(file, ".rollout"), () => undefined).append(record).catch((e) => e);
            expect(err).to.be.instanceOf(LedgerWriteError);
            expect(err).to.include({ code: "ledger-write-failed", exitCode: 1 });
            expect(JSON.parse(err.message.split("\n").slice(-1)[0])).to.deep.equal(record);
            expect(err.fix).to.include("append it to sit.jsonl");
        });
    });

    describe("--ledger, parsed once", () => {
        it("takes a path, relative to the working directory", () => {
            expect(parseLedgerLocation("audit", "/work")).to.deep.equal({ kind: "file", dir: "/work/audit" });
            expect(parseLedgerLocation("./S3:odd", "/work")).to.deep.equal({ kind: "file", dir: "/work/S3:odd" });
            expect(openLedger(parseLedgerLocation("audit", "/work"), () => undefined)).to.be.instanceOf(FileLedger);
        });

        it("takes s3://bucket/prefix with a lower-case scheme", () => {
            expect(parseLedgerLocation("s3://bbws-rollout-ledger/platform/", "/work")).to.deep.equal({
                kind: "s3",
                bucket: "bbws-rollout-ledger",
                prefix: "platform",
            });
            const s3 = openLedger(
                parseLedgerLocation("s3://bbws-rollout-ledger/platform/", "/work"),
                () => undefined,
                async () => new S3Client({}),
            );
            expect(s3).to.be.instanceOf(S3Ledger);
            expect(s3.location).to.equal("s3://bbws-rollout-ledger/platform");
        });

        for (const text of [
            "S3://bbws-rollout-ledger/platform",
            "gs://bucket",
            "file:///srv/ledger",
            "https://example.com/ledger",
            "s3:/bucket",
            "s3://",
            "s3://Bad_Bucket/x",
            "",
            // S3's bucket naming rules (the program's NAME_RULES): no two adjacent periods, not an IP address.
            "s3://my..bucket/x",
            "s3://192.168.1.1/x",
        ]) {
            it(`refuses ${JSON.stringify(text)} (exit 2), rather than make a local folder of it`, () => {
                let err: any;
                try {
                    parseLedgerLocation(text, "/work");
                } catch (e) {
                    err = e;
                }
                expect(err).to.include({ code: "ledger-location", exitCode: 2 });
            });
        }
    });

    describe("in S3", () => {
        const s3 = mockClient(S3Client);
        beforeEach(() => s3.reset());
        const ledger = () => new S3Ledger("bbws-rollout-ledger", "platform", async () => new S3Client({ region: "eu-west-1" }));

        it("writes one object per record under <prefix>/<env>/, only if absent, so nothing is overwritten", async () => {
            s3.on(PutObjectCommand).resolves({});
            await ledger().append(recordOf("prod", "database", "succeeded"));
            const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
            expect(put.Bucket).to.equal("bbws-rollout-ledger");
            expect(put.Key).to.match(/^platform\/prod\/2026-11-20T10:00:00\.000Z-database-[0-9a-f]{12}\.json$/);
            expect(put.IfNoneMatch).to.equal("*");
            expect(JSON.parse(String(put.Body))).to.include({ phase: "database", result: "succeeded" });
        });

        it("reads every page of records in key (time) order", async () => {
            // The SDK's streaming body, reduced to the one method the ledger reads it with.
            const body = (text: string) => ({ transformToString: async () => text }) as never;
            s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
                Contents: [{ Key: "platform/sit/2026-11-21-b.json" }],
                IsTruncated: true,
                NextContinuationToken: "page2",
            });
            s3.on(ListObjectsV2Command, { ContinuationToken: "page2" }).resolves({
                Contents: [{ Key: "platform/sit/2026-11-20-a.json" }, { Key: "platform/sit/2026-11-22-c.json" }],
                IsTruncated: false,
            });
            s3.on(GetObjectCommand, { Key: "platform/sit/2026-11-20-a.json" }).callsFake(() => ({
                Body: body(JSON.stringify(recordOf("sit", "network", "succeeded"))),
            }));
            s3.on(GetObjectCommand, { Key: "platform/sit/2026-11-21-b.json" }).callsFake(() => ({
                Body: body(JSON.stringify(recordOf("sit", "database", "failed"))),
            }));
            s3.on(GetObjectCommand, { Key: "platform/sit/2026-11-22-c.json" }).callsFake(() => ({
                Body: body(JSON.stringify(recordOf("sit", "storage", "failed"))),
            }));
            const records = await ledger().read("sit");
            expect(records.map((r) => r.phase)).to.deep.equal(["network", "database", "storage"]);
            expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input.Prefix).to.equal("platform/sit/");
        });

        it("refuses an object that is not a whole record: a PUT is never partial, so it is corruption", async () => {
            s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: "platform/sit/2026-11-22-c.json" }], IsTruncated: false });
            s3.on(GetObjectCommand).callsFake(() => ({ Body: { transformToString: async () => '{"v":1,' } }));
            const err = await ledger()
                .read("sit")
                .catch((e) => e);
            expect(err).to.include({ code: "ledger-corrupt" });
            expect(err.message).to.include("s3://bbws-rollout-ledger/platform/sit/2026-11-22-c.json");
        });

        it("checks write access with one marker object per environment that is never read as a record; a 412 (already there) also proves it", async () => {
            s3.on(PutObjectCommand).rejects(
                Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), {
                    name: "PreconditionFailed",
                    $metadata: { httpStatusCode: 412 },
                }),
            );
            await ledger().checkWritable("prod");
            const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
            expect([put.Key, put.IfNoneMatch]).to.deep.equal(["platform/prod/.write-check", "*"]);
        });

        it("reports access denied as an unwritable ledger (exit 2), naming what the credentials need", async () => {
            s3.on(PutObjectCommand).rejects(
                Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }),
            );
            const err = await ledger()
                .checkWritable("prod")
                .catch((e) => e);
            expect(err).to.include({ code: "ledger-unwritable", exitCode: 2 });
            expect(err.message).to.include("AccessDenied: Access Denied");
            expect(err.fix).to.include("s3:PutObject");
        });
    });
});
