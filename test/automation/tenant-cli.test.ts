/**
 * `npm run tenant`: its flags, checked in one place (exit 2, nothing changed), its output as a table
 * or JSON, and the real port's pure parts (stack outputs, the tenant's resources in a state export,
 * and the pieces other issues provide, named when not wired).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { memoryIo } from "../../automation/io";
import { main } from "../../automation/tenant-cli";
import { tenantOutputsOf, tenantResourceUrns, tenantRolloutArgv } from "../../automation/tenant/real-port";
import { createDatabaseCommand } from "../../automation/tenant/scripts";
import { runTaskInput } from "../../automation/task/run-input";
import type { Engine } from "../../automation/engine";
import { PROJECT_DIR } from "../support/pulumi";
import { tempDir } from "../support/temp";

function projectCopy(): string {
    const dir = tempDir("bbws-tenant-cli-");
    for (const f of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f)))
        fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
    return dir;
}

const noEngine = async (): Promise<Engine> => {
    throw new Error("no engine in this test");
};

describe("npm run tenant: the command line", function () {
    this.timeout(60000);

    const usage: Array<[string, string[], RegExp]> = [
        ["no action", ["--env", "sit", "--id", "newco"], /name the action: add, remove, migrate-tier or rotate-salts/],
        ["migrate-tier without --tier", ["migrate-tier", "--env", "sit", "--id", "tutorhub"], /migrate-tier needs --tier/],
        [
            "a tier the schema does not know",
            ["migrate-tier", "--env", "sit", "--id", "tutorhub", "--tier", "gold"],
            /Invalid values:[\s\S]*tier, Given: "gold"/,
        ],
        ["--tier with remove", ["remove", "--env", "sit", "--id", "tutorhub", "--tier", "premium"], /--tier is for add and migrate-tier/],
        [
            "migrate-tier with add's settings (its --confirm is the drop of the shared copy, into enterprise)",
            ["migrate-tier", "--env", "sit", "--id", "tutorhub", "--tier", "premium", "--slot", "3", "--confirm", "tutorhub"],
            /migrate-tier takes no --slot$/m,
        ],
        [
            "rotate-salts with a confirmation",
            ["rotate-salts", "--env", "sit", "--id", "tutorhub", "--confirm", "tutorhub"],
            /rotate-salts takes no --confirm/,
        ],
        ["an unknown action", ["rename", "--env", "sit", "--id", "newco"], /Unknown argument: rename/],
        ["add without its sizes", ["add", "--env", "sit", "--id", "newco", "--slot", "3"], /add needs --cpu, --memory/],
        ["remove with add's settings", ["remove", "--env", "sit", "--id", "newco", "--cpu", "512"], /remove takes no --cpu/],
        [
            "--confirm with add",
            ["add", "--env", "sit", "--id", "newco", "--slot", "3", "--cpu", "512", "--memory", "1024", "--confirm", "newco"],
            /--confirm is for remove/,
        ],
        [
            "--rehearse with --ledger",
            ["remove", "--env", "sit", "--id", "tutorhub", "--rehearse", "--ledger", "/tmp/x"],
            /cannot write to --ledger/,
        ],
        ["a malformed approval", ["remove", "--env", "sit", "--id", "tutorhub", "--approve", "alice"], /--approve expects role:name/],
        ["an unknown environment", ["remove", "--env", "qa", "--id", "tutorhub"], /unknown environment 'qa'/],
        [
            "a taken id",
            ["add", "--env", "sit", "--id", "tutorhub", "--slot", "3", "--cpu", "512", "--memory", "1024"],
            /tenant id 'tutorhub' is taken/,
        ],
    ];
    for (const [what, argv, message] of usage) {
        it(`refuses ${what} with exit 2 and changes nothing`, async () => {
            const dir = projectCopy();
            const before = fs.readFileSync(path.join(dir, "Pulumi.sit.yaml"), "utf8");
            const io = memoryIo();
            expect(await main(argv, io, { projectDir: dir, cwd: dir, createEngine: noEngine })).to.equal(2);
            expect(io.stderr.join("")).to.match(message);
            expect(fs.readFileSync(path.join(dir, "Pulumi.sit.yaml"), "utf8")).to.equal(before);
            expect(fs.existsSync(path.join(dir, ".rollout"))).to.equal(false);
        });
    }

    it("--dry-run --json prints every step, to do, with what it would change", async () => {
        const dir = projectCopy();
        const io = memoryIo();
        const argv = ["add", "--env", "sit", "--id", "newco", "--slot", "3", "--cpu", "512", "--memory", "1024", "--dry-run", "--json"];
        expect(await main(argv, io, { projectDir: dir, cwd: dir, createEngine: noEngine })).to.equal(0);
        const result = JSON.parse(io.stdout.join(""));
        expect(result).to.include({ env: "sit", tenant: "newco", action: "add", dryRun: true, exitCode: 0 });
        expect(result.steps.map((s: { step: string; status: string }) => `${s.step}:${s.status}`)).to.deep.equal([
            "config:to do",
            "rollout:to do",
            "database:to do",
            "install:to do",
            "start:to do",
            "healthy:to do",
            "https:to do",
            "domains:to do",
        ]);
    });

    it("the real port reads the stack outputs a tenant's steps need, and leaves absent ones undefined", () => {
        const outputs = {
            storage: { migrationBucketName: "bbws-migration-artifacts-sit-815856636111" },
            database: {
                tenantSecretArns: { newco: "arn:aws:secretsmanager:eu-west-1:815856636111:secret:bbws/sit/tenants/newco/db-AbCdEf" },
            },
            ecs: {
                targetGroupArns: {},
                customDomains: { newco: [{ name: "www.newco.example", dns: "owner", certificate: "pending", served: false }] },
            },
        };
        expect(tenantOutputsOf(outputs, "newco")).to.deep.equal({
            migrationBucket: "bbws-migration-artifacts-sit-815856636111",
            tenantSecretArn: "arn:aws:secretsmanager:eu-west-1:815856636111:secret:bbws/sit/tenants/newco/db-AbCdEf",
            tenantCluster: undefined,
            targetGroupArn: undefined,
            deployedTier: undefined,
            customDomains: [{ name: "www.newco.example", dns: "owner", certificate: "pending", served: false }],
        });
        expect(tenantOutputsOf({}, "newco").customDomains).to.deep.equal([]);
        // The deployed tier as the rollout's tier gate reads it (rollout.ts deployedTiersOf): network.tenantTiers, else basic for a tenant with a group.
        expect(tenantOutputsOf({ network: { tenantTiers: { newco: "premium" } } }, "newco").deployedTier).to.equal("premium");
        expect(tenantOutputsOf({ network: { tenantSecurityGroupIds: { newco: "sg-1" } } }, "newco").deployedTier).to.equal("basic");
    });

    it("the real port reads an enterprise tenant's own cluster from database.tenantClusters (src/program.ts), and nothing for another tenant or a partial entry", () => {
        const own = {
            clusterIdentifier: "bbws-tenant-bigco-aurora-sit",
            writerEndpoint: "bbws-tenant-bigco-aurora-sit.cluster-xyz.eu-west-1.rds.amazonaws.com",
            masterSecretArn: "arn:aws:secretsmanager:eu-west-1:815856636111:secret:rds!cluster-0a1b-AbC123",
            keyArn: "arn:aws:kms:eu-west-1:815856636111:key/0f0f0f0f-1111-2222-3333-444444444444",
            rotationFunctionName: "bbws-tenant-bigco-rotation-sit",
        };
        const outputs = { database: { tenantClusters: { bigco: { ...own, extra: "ignored" }, half: { clusterIdentifier: "x" } } } };
        expect(tenantOutputsOf(outputs, "bigco").tenantCluster).to.deep.equal(own);
        expect(tenantOutputsOf(outputs, "newco").tenantCluster).to.equal(undefined);
        expect(tenantOutputsOf(outputs, "half").tenantCluster).to.equal(undefined);
        // A stack without enterprise tenants has no database.tenantClusters at all (src/program.ts: absent, not {}).
        expect(tenantOutputsOf({ database: {} }, "bigco").tenantCluster).to.equal(undefined);
    });

    it("add --tier: written into the stack file's new entry (enterprise), absent for basic; the plan says what a tier above basic creates and where its schema goes", async () => {
        const dir = projectCopy();
        const dry = async (tier: string[]) => {
            const io = memoryIo();
            const argv = ["add", "--env", "sit", "--id", "bigco", "--slot", "3", "--cpu", "512", "--memory", "1024", ...tier, "--dry-run"];
            expect(await main(argv, io, { projectDir: dir, cwd: dir, createEngine: noEngine }), io.stderr.join("")).to.equal(0);
            return io.stdout.join("");
        };
        const enterprise = await dry(["--tier", "enterprise"]);
        expect(enterprise).to.include("+       tier: enterprise");
        expect(enterprise).to.include("its own Aurora cluster in that VPC");
        expect(enterprise).to.include("on the tenant's own cluster (stack output database.tenantClusters");
        const basic = await dry([]);
        expect(basic).to.not.include("tier:");
        expect(basic).to.not.include("own cluster");
    });

    it("the tenant's resources are everything under its per-phase components in the state, and nothing of another tenant's", () => {
        const stack = "urn:pulumi:sit::bbws-platform::pulumi:pulumi:Stack::bbws-platform-sit";
        const ecs = "urn:pulumi:sit::bbws-platform::bbws:ecs:EcsLayer::ecs";
        const mine = "urn:pulumi:sit::bbws-platform::bbws:ecs:EcsLayer$bbws:ecs:TenantService::ecs-newco";
        const service =
            "urn:pulumi:sit::bbws-platform::bbws:ecs:EcsLayer$bbws:ecs:TenantService$aws:ecs/service:Service::ecs-newco-service";
        const theirs = "urn:pulumi:sit::bbws-platform::bbws:ecs:EcsLayer$bbws:ecs:TenantService::ecs-newco2";
        const theirService =
            "urn:pulumi:sit::bbws-platform::bbws:ecs:EcsLayer$bbws:ecs:TenantService$aws:ecs/service:Service::ecs-newco2-service";
        const state = JSON.stringify({
            deployment: {
                resources: [
                    { urn: stack },
                    { urn: ecs, parent: stack },
                    { urn: mine, parent: ecs },
                    { urn: service, parent: mine },
                    { urn: theirs, parent: ecs },
                    { urn: theirService, parent: theirs },
                ],
            },
        });
        expect(tenantResourceUrns(state, "newco")).to.deep.equal([mine, service]);
    });

    it("rolls a tenant out with npm run rollout's own flags; offboarding allows deleting the tenant's own URNs, and only those", () => {
        const req = { env: "sit", tenant: "newco", approvals: [{ role: "dba", name: "bob" }], yes: true, allowStatefulDeletes: false };
        const urns = ["urn:pulumi:sit::bbws-platform::bbws:storage:StorageLayer$bbws:storage:TenantStorage::storage-newco"];
        expect(tenantRolloutArgv(req, urns)).to.deep.equal(["--env", "sit", "--tenant", "newco", "--approve", "dba:bob", "--yes"]);
        expect(tenantRolloutArgv({ ...req, yes: false, allowStatefulDeletes: true }, urns, "s3://ledger/x")).to.deep.equal([
            "--env",
            "sit",
            "--tenant",
            "newco",
            "--approve",
            "dba:bob",
            "--ledger",
            "s3://ledger/x",
            "--allow-replace",
            urns[0],
        ]);
    });

    it("a tier migration's rollout is --phase all --migrate-tier <id> with --allow-replace for exactly the URNs it names; its stop and start are --phase ecs --tenant <id>", () => {
        const req = { env: "sit", tenant: "newco", approvals: [], yes: true, allowStatefulDeletes: false };
        const group =
            "urn:pulumi:sit::bbws-platform::bbws:network:NetworkLayer$bbws:network:TenantNetwork$aws:ec2/securityGroup:SecurityGroup::network-tenant-newco-sg";
        const others = ["urn:pulumi:sit::bbws-platform::bbws:storage:StorageLayer$bbws:storage:TenantStorage::storage-newco"];
        expect(tenantRolloutArgv({ ...req, migrateTier: { allowReplace: [group] } }, others)).to.deep.equal([
            "--env",
            "sit",
            "--phase",
            "all",
            "--migrate-tier",
            "newco",
            "--yes",
            "--allow-replace",
            group,
        ]);
        expect(tenantRolloutArgv({ ...req, phase: "ecs" }, others)).to.deep.equal([
            "--env",
            "sit",
            "--phase",
            "ecs",
            "--tenant",
            "newco",
            "--yes",
        ]);
    });

    it("a lifecycle task's values reach the container as environment overrides beside BBWS_RUN_ID, its argv untouched", () => {
        const command = createDatabaseCommand(
            "newco",
            "arn:aws:secretsmanager:eu-west-1:815856636111:secret:bbws/sit/tenants/newco/db-AbCdEf",
        );
        const task = {
            taskDefinitionArn: "arn:aws:ecs:eu-west-1:815856636111:task-definition/bbws-platform-task-sit:3",
            containerName: "migration",
            securityGroupIds: ["sg-1"],
            logGroupName: "g",
            logStreamPrefix: "p",
        };
        const input = runTaskInput({
            tasks: { clusterArn: "arn:c", subnetIds: ["subnet-1"], platform: task, tenants: {} },
            task,
            command: command.argv,
            runId: "20261201T090000Z-abcdef",
            deadline: Date.parse("2026-12-01T13:00:00Z"),
            environment: command.environment,
        });
        expect(input.overrides?.containerOverrides?.[0]).to.deep.equal({
            name: "migration",
            command: [...command.argv],
            environment: [
                { name: "BBWS_RUN_ID", value: "20261201T090000Z-abcdef" },
                { name: "BBWS_DEADLINE", value: "2026-12-01T13:00:00.000Z" },
                ...Object.entries(command.environment).map(([name, value]) => ({ name, value })),
            ],
        });
    });
});
