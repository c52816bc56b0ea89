/**
 * Secrets Manager tests a rotation configuration when it is set (automation/tenant/rotation-test.ts), and the
 * tenant command's rehearsal does the same: an onboarding that configured its secret's rotation before its
 * MySQL user existed (the order before src/config.ts `databaseRotationPaused`) is caught there, leaving
 * AWSPENDING as AWS may, and every later step that reads the secret refuses it.
 * Source: Secrets Manager API reference, RotateSecret ("tests the rotation configuration by running the
 * testSecret step"; "when rotation is unsuccessful, the AWSPENDING staging label might be attached to an empty
 * secret version"); aws-samples/aws-secrets-manager-rotation-lambdas SecretsManagerRDSMySQLRotationMultiUser
 * `test_secret` (logs in as the secret's user on its host).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { rotationReachOf, rotationsConfigured, rotationTest } from "../../automation/tenant/rotation-test";
import { tenantRehearsal } from "../../automation/tenant/rehearsal-port";
import { addTenant, startTenant } from "../../automation/tenant/stack-edit";
import { PROJECT_DIR } from "../support/pulumi";
import { Stage, stage } from "../support/rehearsal";

const ROTATION = "aws:secretsmanager/secretRotation:SecretRotation";
const rotation = (urn: string, secretId: string, fn: string, days = 30) => ({
    urn,
    type: ROTATION,
    inputs: {
        secretId,
        rotationLambdaArn: `arn:aws:lambda:eu-west-1:111111111111:function:${fn}`,
        rotationRules: { automaticallyAfterDays: days },
    },
});

describe("the test of a rotation configuration (automation/tenant/rotation-test.ts)", () => {
    it("counts a SecretRotation created or changed by an update, not one left as it was nor another type", () => {
        const kept = rotation("urn:a", "arn:secret:a", "bbws-rotation-sit");
        const changed = rotation("urn:b", "arn:secret:b", "bbws-rotation-sit");
        const before = [kept, changed, { urn: "urn:s", type: "aws:secretsmanager/secret:Secret", inputs: {} }];
        const after = [
            kept,
            rotation("urn:b", "arn:secret:b", "bbws-tenant-b-rotation-sit"),
            rotation("urn:c", "arn:secret:c", "bbws-rotation-sit"),
            { urn: "urn:s", type: "aws:secretsmanager/secret:Secret", inputs: { name: "x" } },
        ];
        expect(rotationsConfigured(before, after)).to.deep.equal([
            { urn: "urn:b", secretArn: "arn:secret:b", functionName: "bbws-tenant-b-rotation-sit" },
            { urn: "urn:c", secretArn: "arn:secret:c", functionName: "bbws-rotation-sit" },
        ]);
    });

    it("fails where the user does not exist on the secret's host, or the function cannot reach that host; passes otherwise; says when it cannot judge", () => {
        const reach = rotationReachOf({
            database: {
                rotationFunctionName: "bbws-rotation-sit",
                writerEndpoint: "shared.cluster",
                tenantClusters: { big: { rotationFunctionName: "bbws-tenant-big-rotation-sit", writerEndpoint: "big.cluster" } },
            },
        });
        const users = new Set(["wp_a@shared.cluster", "wp_big@shared.cluster"]);
        const exists = (u: string, h: string) => users.has(`${u}@${h}`);
        expect(rotationTest({ username: "wp_a", host: "shared.cluster" }, "bbws-rotation-sit", reach, exists)).to.deep.equal({
            verdict: "passes",
        });
        expect(rotationTest({ username: "wp_new", host: "shared.cluster" }, "bbws-rotation-sit", reach, exists)).to.deep.equal({
            verdict: "fails",
            problem: "MySQL user wp_new does not exist on shared.cluster",
        });
        // A move into enterprise whose rotation moved to the tenant's function while its secret still named the shared cluster.
        expect(rotationTest({ username: "wp_big", host: "shared.cluster" }, "bbws-tenant-big-rotation-sit", reach, exists)).to.deep.equal({
            verdict: "fails",
            problem: "bbws-tenant-big-rotation-sit cannot reach shared.cluster, the secret's host (it reaches big.cluster only)",
        });
        expect(rotationTest({ username: "wp_a", host: "shared.cluster" }, "someone-elses-function", reach, exists)).to.deep.equal({
            verdict: "not judged",
            why: "someone-elses-function is no rotation function the stack's outputs name",
        });
    });
});

describe("rehearsal: a tenant whose rotation is configured before its MySQL user exists", function () {
    this.timeout(600_000);
    let sit: Stage;
    after(() => sit?.dispose());

    it("is caught: the rollout's rotation configuration fails its test and leaves AWSPENDING, which the tenant command then refuses", async () => {
        sit = stage("sit");
        sit.converge();
        const io = memoryIo();
        // The rehearsal's MySQL users are the stack file's tenants when it is first used: newco comes after.
        const { port } = tenantRehearsal(PROJECT_DIR, "sit", io, sit.dir);
        const file = path.join(sit.projectDir, "Pulumi.sit.yaml");
        // The onboarding order before the pause: the tenant rolled out serving (not stopped), before any database step.
        const added = addTenant(fs.readFileSync(file, "utf8"), { id: "newco", slot: 3, cpu: 512, memory: 1024, domains: [] });
        fs.writeFileSync(file, startTenant(added, "newco"));
        const approvals = [
            { role: "tech-lead", name: "alice" },
            { role: "dba", name: "bob" },
        ];
        const code = await port.rolloutTenant({ env: "sit", tenant: "newco", approvals, yes: true, allowStatefulDeletes: false });
        expect(code, io.stderr.join("")).to.equal(0);
        const text = io.stderr.join("");
        expect(text).to.match(
            /tested the rotation configuration of \S+tenants\/newco\/db-\S+ with bbws-rotation-sit's testSecret, which fails: MySQL user wp_newco does not exist on/,
        );
        const { tenantSecretArn } = await port.stackOutputs("sit", "newco");
        expect((await port.databaseSecretRotation(tenantSecretArn!)).pending).to.match(/AWSPENDING/);
    });
});
