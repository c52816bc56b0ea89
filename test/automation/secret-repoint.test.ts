/**
 * Repointing an enterprise tenant's database secret at its own cluster (automation/tenant/secret-repoint.ts,
 * the real port's Secrets Manager calls, the rehearsal's double).
 *
 * What an auditor checks:
 * - the new value keeps password, dbname, port and engine (and any other field), and replaces host, masterarn
 *   and username (the canonical wp_<id>, also when the rotation left wp_<id>_clone current);
 * - a value without one of the rotation function's fields, or not JSON, is refused by name, and neither the
 *   message nor the fix repeats the password;
 * - a rotation in progress (a version AWSPENDING but not AWSCURRENT: RotateSecret's rule, user guide "How
 *   rotation works") is refused with `rotation-in-progress` and a fix naming cancel-rotate-secret; AWSPENDING on
 *   the AWSCURRENT version, or only AWSCURRENT/AWSPREVIOUS, is not;
 * - the ClientRequestToken is deterministic, 32–64 characters (PutSecretValue's limit), and another host or take
 *   gives another; a store's sequence (repointWith) refuses before reading, puts once, and writes nothing when done already;
 * - against a mocked Secrets Manager, the real port puts with that token and VersionStages ["AWSCURRENT"], and
 *   writes nothing when AWSCURRENT already names the cluster;
 * - the rehearsal's double repoints once, then says alreadyRepointed.
 */
import {
    DescribeSecretCommand,
    GetSecretValueCommand,
    PutSecretValueCommand,
    ResourceExistsException,
    SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { BbwsError, EXIT } from "../../automation/errors";
import { memoryIo } from "../../automation/io";
import type { RepointDatabaseSecretRequest } from "../../automation/tenant/port";
import { repointDatabaseSecretInAws } from "../../automation/tenant/real-port";
import { REHEARSAL_PASSWORD, rehearsalSecretFile, rehearsalSecretSeed, tenantRehearsal } from "../../automation/tenant/rehearsal-port";
import {
    repointedSecretValue,
    repointToken,
    repointWith,
    ROTATION_FIELDS,
    rotationInProgress,
    SecretVersionStore,
} from "../../automation/tenant/secret-repoint";
import { PROJECT_DIR } from "../support/pulumi";
import { tempDir } from "../support/temp";

const SECRET_ARN = "arn:aws:secretsmanager:af-south-1:815856636111:secret:bbws/sit/tenants/bigco/db-AbCdEf";
const SHARED_HOST = "bbws-aurora-sit.cluster-c1a2b3.af-south-1.rds.amazonaws.com";
const SHARED_MASTER = "arn:aws:secretsmanager:af-south-1:815856636111:secret:rds!cluster-shared-0a1b2c";
const OWN_HOST = "bbws-tenant-bigco-aurora-sit.cluster-d4e5f6.af-south-1.rds.amazonaws.com";
const OWN_MASTER = "arn:aws:secretsmanager:af-south-1:815856636111:secret:rds!cluster-bigco-3d4e5f";
const PASSWORD = "Zq8xV3mK9pL2nR7tW4yB6cD1fG5hJ0sA";

/** The value components/tenant-database.ts writes, after the rotation moved the tenant to its clone user. */
const CURRENT = {
    password: PASSWORD,
    username: "wp_bigco_clone",
    dbname: "wp_bigco",
    host: SHARED_HOST,
    port: 3306,
    engine: "mysql",
    masterarn: SHARED_MASTER,
};
const TARGET = { host: OWN_HOST, masterSecretArn: OWN_MASTER, username: "wp_bigco" };

/** The BbwsError `fn` throws; fails when it throws nothing or something else. */
function refusal(fn: () => unknown): BbwsError {
    try {
        fn();
    } catch (err) {
        expect(err).to.be.instanceOf(BbwsError);
        return err as BbwsError;
    }
    throw new Error("expected a BbwsError");
}

/** A password: long enough that finding it in a message is not a coincidence. */
const password = fc.string({
    minLength: 12,
    maxLength: 64,
    unit: fc.constantFrom(..."abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".split("")),
});

describe("secret repoint: the new value (repointedSecretValue)", () => {
    it("keeps password, dbname, port and engine, and replaces host, masterarn and username, for any of them", () => {
        fc.assert(
            fc.property(
                password,
                fc.stringMatching(/^wp_[a-z0-9_]{1,20}$/),
                fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }).map(String)),
                fc.constantFrom("mysql", "mariadb"),
                fc.constantFrom("wp_bigco", "wp_bigco_clone"),
                (pw, dbname, port, engine, username) => {
                    const current = JSON.stringify({ ...CURRENT, password: pw, dbname, port, engine, username });
                    const next = JSON.parse(repointedSecretValue(current, TARGET));
                    expect(next).to.deep.equal({
                        password: pw,
                        username: "wp_bigco",
                        dbname,
                        host: OWN_HOST,
                        port,
                        engine,
                        masterarn: OWN_MASTER,
                    });
                },
            ),
        );
    });

    it("keeps a field the rotation function does not need, and the fields' order", () => {
        const current = JSON.stringify({ ...CURRENT, dbClusterIdentifier: "bbws-aurora-sit" });
        const next = repointedSecretValue(current, TARGET);
        expect(Object.keys(JSON.parse(next))).to.deep.equal([...Object.keys(CURRENT), "dbClusterIdentifier"]);
        expect(JSON.parse(next).dbClusterIdentifier).to.equal("bbws-aurora-sit");
    });

    it("refuses a value without any one rotation field, naming it and not the password", () => {
        fc.assert(
            fc.property(password, fc.constantFrom(...ROTATION_FIELDS), fc.constantFrom("absent", "null", "empty"), (pw, field, how) => {
                const value: Record<string, unknown> = { ...CURRENT, password: pw };
                if (how === "absent") delete value[field];
                else value[field] = how === "null" ? null : "";
                const err = refusal(() => repointedSecretValue(JSON.stringify(value), TARGET));
                expect(err.code).to.equal("secret-value-invalid");
                expect(err.exitCode).to.equal(EXIT.failed);
                expect(err.message).to.contain(`lacks ${field}`);
                expect(`${err.message} ${err.fix}`).not.to.contain(pw);
            }),
        );
    });

    it("refuses text that is not a JSON object without quoting it (JSON.parse's message would)", () => {
        fc.assert(
            fc.property(password, (pw) => {
                for (const text of [`{"password": "${pw}", host: }`, `password=${pw}`, JSON.stringify([pw])]) {
                    const err = refusal(() => repointedSecretValue(text, TARGET));
                    expect(err.code).to.equal("secret-value-invalid");
                    expect(`${err.message} ${err.fix}`).not.to.contain(pw);
                }
            }),
        );
    });

    it("refuses a port that is not a number and an empty target", () => {
        expect(refusal(() => repointedSecretValue(JSON.stringify({ ...CURRENT, port: "33x6" }), TARGET)).message).to.contain("lacks port");
        expect(refusal(() => repointedSecretValue(JSON.stringify(CURRENT), { ...TARGET, host: "" })).code).to.equal(
            "repoint-target-invalid",
        );
    });
});

describe("secret repoint: a rotation in progress (rotationInProgress)", () => {
    it("AWSPENDING on a version that is not AWSCURRENT: refused, naming the version", () => {
        const said = rotationInProgress({ v1: ["AWSCURRENT"], v2: ["AWSPENDING"] });
        expect(said).to.contain("v2").and.to.contain("AWSPENDING");
        expect(rotationInProgress({ v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"], v3: ["AWSPENDING"] })).to.contain("v3");
    });

    it("AWSPENDING and AWSCURRENT on the same version (a finished rotation): fine", () => {
        expect(rotationInProgress({ v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "AWSPENDING"] })).to.equal(undefined);
    });

    it("only AWSCURRENT and AWSPREVIOUS, or nothing: fine", () => {
        expect(rotationInProgress({ v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"] })).to.equal(undefined);
        expect(rotationInProgress({ v1: ["AWSCURRENT"] })).to.equal(undefined);
        expect(rotationInProgress({})).to.equal(undefined);
    });

    it("over any stage map: refused exactly when some version is AWSPENDING without AWSCURRENT", () => {
        const labels = fc.subarray(["AWSCURRENT", "AWSPENDING", "AWSPREVIOUS", "custom"]);
        fc.assert(
            fc.property(fc.dictionary(fc.stringMatching(/^[0-9a-f-]{8,36}$/), labels, { maxKeys: 5 }), (map) => {
                const expected = Object.values(map).some((s) => s.includes("AWSPENDING") && !s.includes("AWSCURRENT"));
                expect(rotationInProgress(map) !== undefined).to.equal(expected);
            }),
        );
    });
});

describe("secret repoint: the ClientRequestToken (repointToken)", () => {
    it("is deterministic and 32 to 64 characters, for any secret, host and take", () => {
        fc.assert(
            fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), fc.string({ maxLength: 100 }), (arn, host, take) => {
                const token = repointToken(arn, host, take);
                expect(token).to.equal(repointToken(arn, host, take));
                expect(token.length).to.be.within(32, 64);
                expect(token).to.match(/^[a-z0-9-]+$/);
            }),
        );
    });

    it("differs for another host or another take", () => {
        fc.assert(
            fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (host, otherHost, take, otherTake) => {
                fc.pre(host !== otherHost && take !== otherTake);
                expect(repointToken(SECRET_ARN, host, take)).not.to.equal(repointToken(SECRET_ARN, otherHost, take));
                expect(repointToken(SECRET_ARN, host, take)).not.to.equal(repointToken(SECRET_ARN, host, otherTake));
            }),
        );
    });
});

const REQUEST: RepointDatabaseSecretRequest = {
    env: "sit",
    secretArn: SECRET_ARN,
    ...TARGET,
    token: repointToken(SECRET_ARN, OWN_HOST, "2026-12-03T13:00:00Z"),
};

/** A store over fixed stages and value, recording what is put. */
function memoryStore(stages: Record<string, string[]>, value = JSON.stringify(CURRENT)) {
    const puts: Array<{ secretString: string; token: string }> = [];
    const store: SecretVersionStore = {
        stages: async () => stages,
        current: async () => ({ versionId: "v1", secretString: value }),
        put: async (secretString, token) => {
            puts.push({ secretString, token });
            return token;
        },
    };
    return { store, puts };
}

describe("secret repoint: the sequence (repointWith)", () => {
    it("refuses a rotation in progress before reading or writing the value, with how to finish or cancel it", async () => {
        const { store, puts } = memoryStore({ v1: ["AWSCURRENT"], v2: ["AWSPENDING"] });
        const err = await repointWith(store, REQUEST).then(
            () => undefined,
            (e: BbwsError) => e,
        );
        expect(err?.code).to.equal("rotation-in-progress");
        expect(err?.exitCode).to.equal(EXIT.failed);
        expect(err?.message).to.contain(SECRET_ARN).and.to.contain("v2");
        expect(err?.fix).to.contain(`aws secretsmanager cancel-rotate-secret --secret-id ${SECRET_ARN}`);
        expect(err?.fix).to.contain("--remove-from-version-id v2");
        expect(err?.fix).to.contain("rotate-secret");
        expect(puts).to.deep.equal([]);
    });

    it("writes the repointed value with the request's token, and names the host it left", async () => {
        const { store, puts } = memoryStore({ v0: ["AWSPREVIOUS"], v1: ["AWSCURRENT", "AWSPENDING"] });
        const result = await repointWith(store, REQUEST);
        expect(result).to.deep.equal({ versionId: REQUEST.token, previousHost: SHARED_HOST, alreadyRepointed: false });
        expect(puts.map((p) => p.token)).to.deep.equal([REQUEST.token]);
        expect(JSON.parse(puts[0].secretString)).to.include({
            host: OWN_HOST,
            masterarn: OWN_MASTER,
            username: "wp_bigco",
            password: PASSWORD,
        });
    });

    it("writes nothing when AWSCURRENT names the cluster and its master secret already (whatever its user)", async () => {
        const { store, puts } = memoryStore({ v1: ["AWSCURRENT"] }, JSON.stringify({ ...CURRENT, host: OWN_HOST, masterarn: OWN_MASTER }));
        expect(await repointWith(store, REQUEST)).to.deep.equal({ versionId: "v1", previousHost: OWN_HOST, alreadyRepointed: true });
        expect(puts).to.deep.equal([]);
    });
});

describe("secret repoint: the real port against a mocked Secrets Manager", () => {
    const sm = mockClient(SecretsManagerClient);
    afterEach(() => sm.reset());

    it("DescribeSecret, GetSecretValue of AWSCURRENT, then PutSecretValue with the token and VersionStages [AWSCURRENT]", async () => {
        sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSCURRENT"], v0: ["AWSPREVIOUS"] } });
        sm.on(GetSecretValueCommand).resolves({ VersionId: "v1", SecretString: JSON.stringify(CURRENT) });
        sm.on(PutSecretValueCommand).resolves({ VersionId: REQUEST.token, VersionStages: ["AWSCURRENT"] });
        const result = await repointDatabaseSecretInAws("af-south-1", REQUEST);
        expect(result).to.deep.equal({ versionId: REQUEST.token, previousHost: SHARED_HOST, alreadyRepointed: false });
        expect(sm.commandCalls(GetSecretValueCommand)[0].args[0].input).to.deep.equal({ SecretId: SECRET_ARN, VersionStage: "AWSCURRENT" });
        const put = sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
        expect(put).to.have.length(1);
        expect(put[0]).to.include({ SecretId: SECRET_ARN, ClientRequestToken: REQUEST.token });
        expect(put[0].VersionStages).to.deep.equal(["AWSCURRENT"]);
        expect(JSON.parse(put[0].SecretString!)).to.deep.equal({ ...CURRENT, host: OWN_HOST, masterarn: OWN_MASTER, username: "wp_bigco" });
    });

    it("refuses a rotation in progress and puts nothing", async () => {
        sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSCURRENT"], v2: ["AWSPENDING"] } });
        const err = await repointDatabaseSecretInAws("af-south-1", REQUEST).then(
            () => undefined,
            (e: BbwsError) => e,
        );
        expect(err?.code).to.equal("rotation-in-progress");
        expect(sm.commandCalls(GetSecretValueCommand)).to.have.length(0);
        expect(sm.commandCalls(PutSecretValueCommand)).to.have.length(0);
    });

    it("a token already used for another value is repoint-token-used, without the value", async () => {
        sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSCURRENT"] } });
        sm.on(GetSecretValueCommand).resolves({ VersionId: "v1", SecretString: JSON.stringify(CURRENT) });
        sm.on(PutSecretValueCommand).rejects(new ResourceExistsException({ message: "exists", $metadata: {} }));
        const err = await repointDatabaseSecretInAws("af-south-1", REQUEST).then(
            () => undefined,
            (e: BbwsError) => e,
        );
        expect(err?.code).to.equal("repoint-token-used");
        expect(`${err?.message} ${err?.fix}`).not.to.contain(PASSWORD);
    });
});

describe("secret repoint: the rehearsal's double", function () {
    this.timeout(120_000);

    it("seeds the secret as the program writes it, repoints it once, then says alreadyRepointed", async () => {
        const io = memoryIo();
        const { rehearsal, port } = tenantRehearsal(PROJECT_DIR, "sit", io, tempDir("bbws-secret-repoint-"));
        const first = await port.repointDatabaseSecret(REQUEST);
        expect(first).to.deep.equal({ versionId: REQUEST.token, previousHost: first.previousHost, alreadyRepointed: false });
        expect(first.previousHost).not.to.equal(OWN_HOST);
        const file = JSON.parse(fs.readFileSync(rehearsalSecretFile(rehearsal.dir, SECRET_ARN), "utf8"));
        expect(file.versionIdsToStages).to.deep.equal({ "rehearsal-initial": ["AWSPREVIOUS"], [REQUEST.token]: ["AWSCURRENT"] });
        const initial = JSON.parse(file.versions["rehearsal-initial"]);
        expect(initial).to.include({ username: "wp_bigco", dbname: "wp_bigco", engine: "mysql", password: REHEARSAL_PASSWORD });
        expect(JSON.parse(file.versions[REQUEST.token])).to.deep.equal({ ...initial, host: OWN_HOST, masterarn: OWN_MASTER });
        const second = await port.repointDatabaseSecret(REQUEST);
        expect(second).to.deep.equal({ versionId: REQUEST.token, previousHost: OWN_HOST, alreadyRepointed: true });
        const lines = io.stderr.filter((l) => l.startsWith("  rehearsal: Secrets Manager"));
        expect(lines).to.have.length(2);
        expect(lines[0]).to.contain(`host ${first.previousHost} → ${OWN_HOST}`).and.to.contain("password kept, not shown");
        expect(lines[1]).to.contain("already names");
        expect(io.stderr.join("\n")).not.to.contain(REHEARSAL_PASSWORD);
    });

    it("seeds from the stack outputs the program writes (database.writerEndpoint, .port, .masterSecretArn)", () => {
        const outputs = { database: { writerEndpoint: SHARED_HOST, port: 3306, masterSecretArn: SHARED_MASTER } };
        expect(JSON.parse(rehearsalSecretSeed(outputs, SECRET_ARN, "wp_x"))).to.deep.equal({
            password: REHEARSAL_PASSWORD,
            username: "wp_bigco",
            dbname: "wp_bigco",
            host: SHARED_HOST,
            port: 3306,
            engine: "mysql",
            masterarn: SHARED_MASTER,
        });
        // A tenant id with a hyphen: its MySQL user has an underscore (src/config.ts tenantDatabaseName).
        const hyphenated = SECRET_ARN.replace("tenants/bigco/", "tenants/big-co/");
        expect(JSON.parse(rehearsalSecretSeed(outputs, hyphenated, "wp_x")).username).to.equal("wp_big_co");
    });

    it("refuses a rotation left in progress in the rehearsal's secret", async () => {
        const { rehearsal, port } = tenantRehearsal(PROJECT_DIR, "sit", memoryIo(), tempDir("bbws-secret-repoint-"));
        const file = rehearsalSecretFile(rehearsal.dir, SECRET_ARN);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(
            file,
            JSON.stringify({
                versions: { v1: JSON.stringify(CURRENT), v2: "" },
                versionIdsToStages: { v1: ["AWSCURRENT"], v2: ["AWSPENDING"] },
            }),
        );
        const err = await port.repointDatabaseSecret(REQUEST).then(
            () => undefined,
            (e: BbwsError) => e,
        );
        expect(err?.code).to.equal("rotation-in-progress");
    });
});
