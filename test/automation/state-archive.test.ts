import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { openStateArchive } from "../../automation/state-archive";
import { tempDir } from "../support/rollout";

describe("state copies kept beside the ledger", () => {
    const at = new Date("2026-11-23T13:00:05.123Z");
    const state = JSON.stringify({
        version: 3,
        deployment: { resources: [{ urn: "u", outputs: { password: { ciphertext: "v1:abc" } } }] },
    });

    it("writes <ledger dir>/state/<env>/<timestamp>-<phase>.json, the export's text unchanged, readable by its owner only", async () => {
        const dir = tempDir();
        const kept = await openStateArchive({ kind: "file", dir }).keep("sit", "ecs", at, state);
        expect(kept).to.equal(path.join(dir, "state", "sit", "2026-11-23T13-00-05.123Z-ecs.json"));
        expect(fs.readFileSync(kept, "utf8")).to.equal(state);
        expect(fs.statSync(kept).mode & 0o777).to.equal(0o600);
    });

    it("never overwrites a kept copy", async () => {
        const archive = openStateArchive({ kind: "file", dir: tempDir() });
        await archive.keep("sit", "ecs", at, state);
        const err = await archive.keep("sit", "ecs", at, "{}").catch((e) => e);
        expect(err.code).to.equal("EEXIST");
    });

    it("with an S3 ledger, puts one object under <prefix>/state/<env>/, outside the ledger's <prefix>/<env>/ records, only if absent", async () => {
        const s3 = mockClient(S3Client);
        s3.on(PutObjectCommand).resolves({});
        const archive = openStateArchive({ kind: "s3", bucket: "bbws-rollout-ledger", prefix: "platform/" }, async () => new S3Client({}));
        expect(archive.location).to.equal("s3://bbws-rollout-ledger/platform/state");
        const kept = await archive.keep("prod", "database", at, state);
        expect(kept).to.equal("s3://bbws-rollout-ledger/platform/state/prod/2026-11-23T13-00-05.123Z-database.json");
        const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
        expect(put).to.include({
            Bucket: "bbws-rollout-ledger",
            Key: "platform/state/prod/2026-11-23T13-00-05.123Z-database.json",
            Body: state,
            IfNoneMatch: "*",
        });
        s3.restore();
    });
});
