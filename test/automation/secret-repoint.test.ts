/**
 * Repointing an enterprise tenant's database secret at its own cluster (automation/tenant/secret-repoint.ts,
 * the real port's Secrets Manager calls, the rehearsal's double).
 *
 * What an auditor checks:
 * - the new value keeps dbname, port and engine (and any other field), and replaces host, masterarn, username
 *   (the canonical wp_<id>, also when the rotation left wp_<id>_clone current) and password (a fresh one of 40
 *   letters and digits, never the old: the rotation function's passwords may hold punctuation, which the create
 *   step's script refuses); a password of another shape, or the old one, is refused without being quoted;
 * - a value without one of the rotation function's fields, or not JSON, is refused by name, and neither the
 *   message nor the fix repeats the password;
 * - a rotation in progress (a version AWSPENDING but not AWSCURRENT: RotateSecret's rule, user guide "How
 *   rotation works") is refused with `rotation-in-progress` and a fix naming cancel-rotate-secret; AWSPENDING on
 *   the AWSCURRENT version, or only AWSCURRENT/AWSPREVIOUS, is not;
 * - the ClientRequestToken is deterministic, 32–64 characters (PutSecretValue's limit), and another host or take
 *   gives another; a store's sequence (repointWith) refuses before reading, puts once, and writes nothing when done already;
 * - against a mocked Secrets Manager, the real port asks GetRandomPassword for exactly 40 characters without
 *   punctuation or space, each type included, puts with that token and VersionStages ["AWSCURRENT"], and asks
 *   for no password and writes nothing when AWSCURRENT already names the cluster;
 * - the rehearsal's double repoints once with a fresh password it never prints, then says alreadyRepointed;
 * - a pending rotation is visible before the migration stops anything (databaseSecretRotation), through the
 *   real port's DescribeSecret and the double's stage map.
 */
import {
    DescribeSecretCommand,
    GetRandomPasswordCommand,
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
import { databaseSecretRotationInAws, repointDatabaseSecretInAws } from "../../automation/tenant/real-port";
import { REHEARSAL_PASSWORD, rehearsalSecretFile, rehearsalSecretSeed, tenantRehearsal } from "../../automation/tenant/rehearsal-port";
import {
    isRepointPassword,
    localRandomPassword,
    pendingRotation,
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
/** A fresh password as GetRandomPassword gives it for the repoint: 40 letters and digits. */
const NEW_PASSWORD = "Hk3Lm9Qr2St8Vw4Xy7Za1Bc6De0Fg5Hj3Kn8Pq2R";
const WITH_PASSWORD = { ...TARGET, password: NEW_PASSWORD };
/** The repoint's password shape: exactly 40 ASCII letters and digits. */
const REPOINT_PASSWORD = /^[A-Za-z0-9]{40}$/;

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
    it("keeps dbname, port and engine, and replaces host, masterarn, username and password, for any of them", () => {
        fc.assert(
            fc.property(
                password,
                fc.stringMatching(/^wp_[a-z0-9_]{1,20}$/),
                fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }).map(String)),
                fc.constantFrom("mysql", "mariadb"),
                fc.constantFrom("wp_bigco", "wp_bigco_clone"),
                (pw, dbname, port, engine, username) => {
                    const current = JSON.stringify({ ...CURRENT, password: pw, dbname, port, engine, username });
                    const next = JSON.parse(repointedSecretValue(current, WITH_PASSWORD));
                    expect(next).to.deep.equal({
                        password: NEW_PASSWORD,
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
        const next = repointedSecretValue(current, WITH_PASSWORD);
        expect(Object.keys(JSON.parse(next))).to.deep.equal([...Object.keys(CURRENT), "dbClusterIdentifier"]);
        expect(JSON.parse(next).dbClusterIdentifier).to.equal("bbws-aurora-sit");
    });

    it("refuses a value without any one rotation field, naming it and not the password", () => {
        fc.assert(
            fc.property(password, fc.constantFrom(...ROTATION_FIELDS), fc.constantFrom("absent", "null", "empty"), (pw, field, how) => {
                const value: Record<string, unknown> = { ...CURRENT, password: pw };
                if (how === "absent") delete value[field];
                else value[field] = how === "null" ? null : "";
                const err = refusal(() => repointedSecretValue(JSON.stringify(value), WITH_PASSWORD));
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
                    const err = refusal(() => repointedSecretValue(text, WITH_PASSWORD));
                    expect(err.code).to.equal("secret-value-invalid");
                    expect(`${err.message} ${err.fix}`).not.to.contain(pw);
                }
            }),
        );
    });

    it("refuses a port that is not a number and an empty target", () => {
        expect(refusal(() => repointedSecretValue(JSON.stringify({ ...CURRENT, port: "33x6" }), WITH_PASSWORD)).message).to.contain(
            "lacks port",
        );
        expect(refusal(() => repointedSecretValue(JSON.stringify(CURRENT), { ...WITH_PASSWORD, host: "" })).code).to.equal(
            "repoint-target-invalid",
        );
    });

    it("refuses a new password that is not 40 letters and digits, without quoting it", () => {
        const punctuated = fc.string({
            minLength: 40,
            maxLength: 40,
            unit: fc.constantFrom(..."aB3!#$%&'()*+,-./:;<=>?@[]^_`{|}~ ".split("")),
        });
        fc.assert(
            fc.property(
                fc.oneof(
                    punctuated.filter((p) => !REPOINT_PASSWORD.test(p)),
                    password.filter((p) => p.length !== 40),
                ),
                (pw) => {
                    const err = refusal(() => repointedSecretValue(JSON.stringify(CURRENT), { ...TARGET, password: pw }));
                    expect(err.code).to.equal("repoint-password-invalid");
                    expect(err.exitCode).to.equal(EXIT.failed);
                    expect(`${err.message} ${err.fix}`).not.to.contain(pw);
                },
            ),
        );
        expect(refusal(() => repointedSecretValue(JSON.stringify(CURRENT), { ...TARGET, password: "" })).code).to.equal(
            "repoint-password-invalid",
        );
    });

    it("refuses to keep the old password, without quoting it", () => {
        const old = JSON.stringify({ ...CURRENT, password: NEW_PASSWORD });
        const err = refusal(() => repointedSecretValue(old, WITH_PASSWORD));
        expect(err.code).to.equal("repoint-password-invalid");
        expect(`${err.message} ${err.fix}`).not.to.contain(NEW_PASSWORD);
    });
});

describe("secret repoint: the password's shape (isRepointPassword, localRandomPassword)", () => {
    it("the local generator gives 40 letters and digits, with an uppercase letter, a lowercase letter and a digit, never twice the same", () => {
        const seen = new Set<string>();
        for (let i = 0; i < 200; i++) {
            const pw = localRandomPassword();
            expect(pw).to.match(REPOINT_PASSWORD).and.to.match(/[A-Z]/).and.to.match(/[a-z]/).and.to.match(/[0-9]/);
            expect(isRepointPassword(pw)).to.equal(true);
            seen.add(pw);
        }
        expect(seen.size).to.equal(200);
    });

    it("accepts exactly 40 ASCII letters and digits", () => {
        expect(isRepointPassword(NEW_PASSWORD)).to.equal(true);
        expect(isRepointPassword(NEW_PASSWORD.slice(1))).to.equal(false);
        expect(isRepointPassword(`${NEW_PASSWORD}a`)).to.equal(false);
        expect(isRepointPassword(`${NEW_PASSWORD.slice(1)}!`)).to.equal(false);
        expect(isRepointPassword(`${NEW_PASSWORD.slice(1)} `)).to.equal(false);
        expect(isRepointPassword(`${NEW_PASSWORD.slice(1)}é`)).to.equal(false);
        expect(isRepointPassword(undefined)).to.equal(false);
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

describe("secret repoint: a pending rotation, as the migration checks it before stopping the tenant (pendingRotation)", () => {
    it("pending: rotationInProgress's sentence; not pending: no `pending` at all", () => {
        const map = { v1: ["AWSCURRENT"], v2: ["AWSPENDING"] };
        expect(pendingRotation(map)).to.deep.equal({ pending: rotationInProgress(map) });
        expect(pendingRotation({ v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "AWSPENDING"] })).to.deep.equal({});
        expect(pendingRotation({})).to.deep.equal({});
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

/** A store over fixed stages and value, recording what is put and how many passwords were asked for. */
function memoryStore(stages: Record<string, string[]>, value = JSON.stringify(CURRENT), fresh = NEW_PASSWORD) {
    const puts: Array<{ secretString: string; token: string }> = [];
    const asked = { passwords: 0 };
    const store: SecretVersionStore = {
        stages: async () => stages,
        current: async () => ({ versionId: "v1", secretString: value }),
        put: async (secretString, token) => {
            puts.push({ secretString, token });
            return token;
        },
        randomPassword: async () => {
            asked.passwords++;
            return fresh;
        },
    };
    return { store, puts, asked };
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

    it("writes the repointed value with a fresh password and the request's token, and names the host it left", async () => {
        const { store, puts, asked } = memoryStore({ v0: ["AWSPREVIOUS"], v1: ["AWSCURRENT", "AWSPENDING"] });
        const result = await repointWith(store, REQUEST);
        expect(result).to.deep.equal({
            versionId: REQUEST.token,
            previousHost: SHARED_HOST,
            alreadyRepointed: false,
            passwordReplaced: true,
        });
        expect(asked.passwords).to.equal(1);
        expect(puts.map((p) => p.token)).to.deep.equal([REQUEST.token]);
        expect(JSON.parse(puts[0].secretString)).to.include({
            host: OWN_HOST,
            masterarn: OWN_MASTER,
            username: "wp_bigco",
            password: NEW_PASSWORD,
        });
        expect(puts[0].secretString).not.to.contain(PASSWORD);
    });

    it("writes nothing and asks for no password when AWSCURRENT names the cluster and its master secret already (whatever its user)", async () => {
        const { store, puts, asked } = memoryStore(
            { v1: ["AWSCURRENT"] },
            JSON.stringify({ ...CURRENT, host: OWN_HOST, masterarn: OWN_MASTER }),
        );
        expect(await repointWith(store, REQUEST)).to.deep.equal({
            versionId: "v1",
            previousHost: OWN_HOST,
            alreadyRepointed: true,
            passwordReplaced: false,
        });
        expect(puts).to.deep.equal([]);
        expect(asked.passwords).to.equal(0);
    });

    it("puts nothing when the store's password is not 40 letters and digits (a punctuated one, as the rotation function makes)", async () => {
        const punctuated = "Ab1!Cd2#Ef3$Gh4%Ij5&Kl6(Mn7)Op8*Qr9+St0,";
        const { store, puts } = memoryStore({ v1: ["AWSCURRENT"] }, JSON.stringify(CURRENT), punctuated);
        const err = await repointWith(store, REQUEST).then(
            () => undefined,
            (e: BbwsError) => e,
        );
        expect(err?.code).to.equal("repoint-password-invalid");
        expect(`${err?.message} ${err?.fix}`).not.to.contain(punctuated);
        expect(puts).to.deep.equal([]);
    });
});

describe("secret repoint: the real port against a mocked Secrets Manager", () => {
    const sm = mockClient(SecretsManagerClient);
    afterEach(() => sm.reset());

    it("DescribeSecret, GetSecretValue of AWSCURRENT, GetRandomPassword, then PutSecretValue with the token and VersionStages [AWSCURRENT]", async () => {
        sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSCURRENT"], v0: ["AWSPREVIOUS"] } });
        sm.on(GetSecretValueCommand).resolves({ VersionId: "v1", SecretString: JSON.stringify(CURRENT) });
        sm.on(GetRandomPasswordCommand).resolves({ RandomPassword: NEW_PASSWORD });
        sm.on(PutSecretValueCommand).resolves({ VersionId: REQUEST.token, VersionStages: ["AWSCURRENT"] });
        const result = await repointDatabaseSecretInAws("af-south-1", REQUEST);
        expect(result).to.deep.equal({
            versionId: REQUEST.token,
            previousHost: SHARED_HOST,
            alreadyRepointed: false,
            passwordReplaced: true,
        });
        expect(sm.commandCalls(GetSecretValueCommand)[0].args[0].input).to.deep.equal({ SecretId: SECRET_ARN, VersionStage: "AWSCURRENT" });
        expect(sm.commandCalls(GetRandomPasswordCommand).map((c) => c.args[0].input)).to.deep.equal([
            { PasswordLength: 40, ExcludePunctuation: true, IncludeSpace: false, RequireEachIncludedType: true },
        ]);
        const put = sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
        expect(put).to.have.length(1);
        expect(put[0]).to.include({ SecretId: SECRET_ARN, ClientRequestToken: REQUEST.token });
        expect(put[0].VersionStages).to.deep.equal(["AWSCURRENT"]);
        expect(JSON.parse(put[0].SecretString!)).to.deep.equal({
            ...CURRENT,
            host: OWN_HOST,
            masterarn: OWN_MASTER,
            username: "wp_bigco",
            password: NEW_PASSWORD,
        });
        expect(put[0].SecretString).not.to.contain(PASSWORD);
    });

    it("asks for no password and puts nothing when AWSCURRENT names the cluster already", async () => {
        sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v2: ["AWSCURRENT"], v1: ["AWSPREVIOUS"] } });
        sm.on(GetSecretValueCommand).resolves({
            VersionId: "v2",
            SecretString: JSON.stringify({ ...CURRENT, host: OWN_HOST, masterarn: OWN_MASTER }),
        });
        const result = await repointDatabaseSecretInAws("af-south-1", REQUEST);
        expect(result).to.deep.equal({ versionId: "v2", previousHost: OWN_HOST, alreadyRepointed: true, passwordReplaced: false });
        expect(sm.commandCalls(GetRandomPasswordCommand)).to.have.length(0);
        expect(sm.commandCalls(PutSecretValueCommand)).to.have.length(0);
    });

    it("GetRandomPassword answering without a password: repoint-password-invalid, nothing put", async () => {
        sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSCURRENT"] } });
        sm.on(GetSecretValueCommand).resolves({ VersionId: "v1", SecretString: JSON.stringify(CURRENT) });
        sm.on(GetRandomPasswordCommand).resolves({});
        const err = await repointDatabaseSecretInAws("af-south-1", REQUEST).then(
            () => undefined,
            (e: BbwsError) => e,
        );
        expect(err?.code).to.equal("repoint-password-invalid");
        expect(sm.commandCalls(PutSecretValueCommand)).to.have.length(0);
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
        sm.on(GetRandomPasswordCommand).resolves({ RandomPassword: NEW_PASSWORD });
        sm.on(PutSecretValueCommand).rejects(new ResourceExistsException({ message: "exists", $metadata: {} }));
        const err = await repointDatabaseSecretInAws("af-south-1", REQUEST).then(
            () => undefined,
            (e: BbwsError) => e,
        );
        expect(err?.code).to.equal("repoint-token-used");
        expect(err?.fix).to.contain("may have succeeded").and.to.contain("AWSCURRENT's host");
        expect(`${err?.message} ${err?.fix}`).not.to.contain(PASSWORD).and.not.to.contain(NEW_PASSWORD);
    });

    it("databaseSecretRotation: DescribeSecret's stage map, pending or not, and nothing else asked", async () => {
        sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSCURRENT"], v2: ["AWSPENDING"] } });
        const pending = await databaseSecretRotationInAws("af-south-1", SECRET_ARN);
        expect(pending.pending).to.contain("v2").and.to.contain("AWSPENDING");
        expect(sm.commandCalls(DescribeSecretCommand).map((c) => c.args[0].input)).to.deep.equal([{ SecretId: SECRET_ARN }]);
        sm.reset();
        sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "AWSPENDING"] } });
        expect(await databaseSecretRotationInAws("af-south-1", SECRET_ARN)).to.deep.equal({});
        sm.reset();
        sm.on(DescribeSecretCommand).resolves({});
        expect(await databaseSecretRotationInAws("af-south-1", SECRET_ARN)).to.deep.equal({});
        expect(sm.commandCalls(GetSecretValueCommand)).to.have.length(0);
        expect(sm.commandCalls(GetRandomPasswordCommand)).to.have.length(0);
        expect(sm.commandCalls(PutSecretValueCommand)).to.have.length(0);
    });
});

describe("secret repoint: the rehearsal's double", function () {
    this.timeout(120_000);

    it("seeds the secret as the program writes it, repoints it once with a fresh password it never prints, then says alreadyRepointed", async () => {
        const io = memoryIo();
        const { rehearsal, port } = tenantRehearsal(PROJECT_DIR, "sit", io, tempDir("bbws-secret-repoint-"));
        const first = await port.repointDatabaseSecret(REQUEST);
        expect(first).to.deep.equal({
            versionId: REQUEST.token,
            previousHost: first.previousHost,
            alreadyRepointed: false,
            passwordReplaced: true,
        });
        expect(first.previousHost).not.to.equal(OWN_HOST);
        const file = JSON.parse(fs.readFileSync(rehearsalSecretFile(rehearsal.dir, SECRET_ARN), "utf8"));
        expect(file.versionIdsToStages).to.deep.equal({ "rehearsal-initial": ["AWSPREVIOUS"], [REQUEST.token]: ["AWSCURRENT"] });
        const initial = JSON.parse(file.versions["rehearsal-initial"]);
        expect(initial).to.include({ username: "wp_bigco", dbname: "wp_bigco", engine: "mysql", password: REHEARSAL_PASSWORD });
        const repointed = JSON.parse(file.versions[REQUEST.token]);
        expect(repointed.password).to.match(REPOINT_PASSWORD).and.not.to.equal(REHEARSAL_PASSWORD);
        expect(repointed).to.deep.equal({ ...initial, host: OWN_HOST, masterarn: OWN_MASTER, password: repointed.password });
        const second = await port.repointDatabaseSecret(REQUEST);
        expect(second).to.deep.equal({ versionId: REQUEST.token, previousHost: OWN_HOST, alreadyRepointed: true, passwordReplaced: false });
        const after = JSON.parse(fs.readFileSync(rehearsalSecretFile(rehearsal.dir, SECRET_ARN), "utf8"));
        expect(JSON.parse(after.versions[REQUEST.token]).password).to.equal(repointed.password);
        const lines = io.stderr.filter((l) => l.startsWith("  rehearsal: Secrets Manager"));
        expect(lines).to.have.length(2);
        expect(lines[0]).to.contain(`host ${first.previousHost} → ${OWN_HOST}`).and.to.contain("password replaced");
        expect(lines[1]).to.contain("already names");
        expect(`${io.stderr.join("\n")}\n${io.stdout.join("\n")}`)
            .not.to.contain(REHEARSAL_PASSWORD)
            .and.not.to.contain(repointed.password);
    });

    it("each repoint of a fresh rehearsal secret gets another password", async () => {
        const passwords = [];
        for (let i = 0; i < 2; i++) {
            const { rehearsal, port } = tenantRehearsal(PROJECT_DIR, "sit", memoryIo(), tempDir("bbws-secret-repoint-"));
            await port.repointDatabaseSecret(REQUEST);
            const file = JSON.parse(fs.readFileSync(rehearsalSecretFile(rehearsal.dir, SECRET_ARN), "utf8"));
            passwords.push(JSON.parse(file.versions[REQUEST.token]).password as string);
        }
        expect(passwords[0]).to.match(REPOINT_PASSWORD);
        expect(passwords[1]).to.match(REPOINT_PASSWORD).and.not.to.equal(passwords[0]);
    });

    it("databaseSecretRotation: nothing pending for a fresh secret (its file not written), after a repoint, or the file's stage map when pending", async () => {
        const io = memoryIo();
        const { rehearsal, port } = tenantRehearsal(PROJECT_DIR, "sit", io, tempDir("bbws-secret-repoint-"));
        const file = rehearsalSecretFile(rehearsal.dir, SECRET_ARN);
        expect(await port.databaseSecretRotation(SECRET_ARN)).to.deep.equal({});
        expect(fs.existsSync(file)).to.equal(false);
        await port.repointDatabaseSecret(REQUEST);
        expect(await port.databaseSecretRotation(SECRET_ARN)).to.deep.equal({});
        const secret = JSON.parse(fs.readFileSync(file, "utf8"));
        fs.writeFileSync(
            file,
            JSON.stringify({ ...secret, versionIdsToStages: { ...secret.versionIdsToStages, "rotation-v3": ["AWSPENDING"] } }),
        );
        const pending = await port.databaseSecretRotation(SECRET_ARN);
        expect(pending.pending).to.contain("rotation-v3").and.to.contain("AWSPENDING");
        const lines = io.stderr.filter((l) => l.includes("DescribeSecret"));
        expect(lines).to.have.length(3);
        expect(lines[0]).to.contain("no rotation pending");
        expect(lines[2]).to.contain("rotation-v3");
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
