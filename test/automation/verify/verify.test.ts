import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { accountChecks } from "../../../automation/verify/account";
import { DescribeVpcsCommand, EC2ServiceException } from "@aws-sdk/client-ec2";
import { DescribeDBClustersCommand, RDSServiceException } from "@aws-sdk/client-rds";
import { DescribeClustersCommand, ECSServiceException } from "@aws-sdk/client-ecs";
import { PHASE_NAMES } from "../../../src/phases";
import { CHECKS } from "../../../automation/verify";
import { DR_CHECKS } from "../../../automation/verify/dr";
import { configFor, ENVIRONMENTS, PROJECT_DIR } from "../../support/pulumi";
import { auroraCluster, mockHealthyEnvironment, mocks, outputsFor, resultOf, verify, without } from "./fixtures";

const throttled = () =>
    new EC2ServiceException({
        name: "RequestLimitExceeded",
        $fault: "client",
        $metadata: { httpStatusCode: 503 },
        message: "Request limit exceeded.",
    });

describe("verification: the check pack", () => {
    it("has checks for every phase of the registry, and only those", () => {
        expect(Object.keys(CHECKS)).to.have.members([...PHASE_NAMES]);
        for (const phase of PHASE_NAMES) expect(CHECKS[phase], phase).to.not.be.empty;
    });

    it("gives every check a unique id prefixed by its own phase, one line of info and an explanation", () => {
        const all = PHASE_NAMES.flatMap((phase) => CHECKS[phase].map((check) => ({ phase, check })));
        expect(new Set(all.map((c) => c.check.id)).size).to.equal(all.length);
        for (const { phase, check } of all) {
            expect(check.phase, check.id).to.equal(phase);
            expect(check.id, check.id).to.match(new RegExp(`^${phase}-[a-z0-9-]+$`));
            expect(check.info, check.id).to.not.include("\n").and.not.be.empty;
            expect(check.explanation.length, check.id).to.be.greaterThan(20);
        }
    });

    it("is documented: the README's verify section lists every check", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("<!-- section:verify -->"), readme.indexOf("<!-- /section:verify -->"));
        const missing = PHASE_NAMES.flatMap((phase) => CHECKS[phase].map((c) => c.id)).filter((id) => !section.includes(`| \`${id}\` |`));
        expect(missing, "checks missing from the README").to.be.empty;
    });
});

describe("verification: a healthy environment", () => {
    for (const env of ENVIRONMENTS) {
        it(`passes every check of every phase in ${env}`, async () => {
            const cfg = configFor(env);
            const outputs = outputsFor(cfg);
            mockHealthyEnvironment(cfg, outputs);
            for (const phase of PHASE_NAMES) {
                const results = await verify(cfg, phase, outputs);
                // Where bbws:dr is set (prod) the phase's DR checks run too, against the standby's doubles.
                const expected = [...CHECKS[phase], ...(cfg.dr ? (DR_CHECKS[phase] ?? []) : [])];
                expect(results.map((r) => r.id)).to.deep.equal(expected.map((c) => c.id));
                for (const r of results) expect(r, `${r.id}: ${r.detail}`).to.include({ phase, status: "pass" });
            }
        });
    }
});

describe("verification: the DR checks run where bbws:dr is set", () => {
    it("prod runs the four DR checks (global database, standby instances, file replication, standby services); dev and sit none", async () => {
        for (const env of ENVIRONMENTS) {
            const cfg = configFor(env);
            const outputs = outputsFor(cfg);
            mockHealthyEnvironment(cfg, outputs);
            const ran = [];
            for (const phase of PHASE_NAMES) ran.push(...(await verify(cfg, phase, outputs)).filter((r) => r.id.includes("-dr-")));
            const expected = cfg.dr
                ? ["database-dr-global-cluster", "database-dr-instances", "storage-dr-efs-replication", "ecs-dr-standby-services"]
                : [];
            expect(
                ran.map((r) => r.id),
                env,
            ).to.deep.equal(expected);
            for (const r of ran) expect(r, `${r.id}: ${r.detail}`).to.include({ status: "pass" });
        }
    });
});

describe("verification: outputs the stack does not have yet", () => {
    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("fails a check that needs a missing output, naming the key, without throwing", async () => {
        const result = await resultOf(cfg, "database-aurora-encrypted", without(outputs, "database.keyArn"));
        expect(result.status).to.equal("fail");
        expect(result.detail).to.include("`database.keyArn`");
    });

    it("names the missing tenant entry of a per-tenant map", async () => {
        const result = await resultOf(cfg, "storage-efs-access-points", without(outputs, "storage.accessPointIds.tutorhub"));
        expect(result).to.include({ status: "fail" });
        expect(result.detail).to.include("`storage.accessPointIds.tutorhub`");
    });

    // Alarms are found by the environment's name prefix, not by an output; the account's services by the account; the
    // enterprise tenants' clusters by their entries of database.tenantClusters, and prod has none.
    const readsNoOutput = [
        "monitoring-alarms-quiet",
        "monitoring-alarms-notify",
        "database-tenant-clusters",
        ...accountChecks.map((c) => c.id),
    ];

    for (const phase of PHASE_NAMES) {
        it(`fails every ${phase} check that reads an output when the whole ${phase} group is absent`, async () => {
            const results = await verify(cfg, phase, without(outputs, phase));
            for (const r of results.filter((r) => !readsNoOutput.includes(r.id))) {
                expect(r.status, r.id).to.equal("fail");
                expect(r.detail, r.id).to.match(/stack output `[a-zA-Z.]+` is missing/);
            }
        });
    }
});

describe("verification: transient AWS errors and throttling", () => {
    const cfg = configFor("sit");
    const outputs = outputsFor(cfg);
    beforeEach(() => mockHealthyEnvironment(cfg, outputs));

    it("retries a throttled read with doubling back-off and passes when AWS answers", async () => {
        const good = { Vpcs: [{ VpcId: outputs.network.vpcId, CidrBlock: cfg.network.vpcCidr, State: "available" as const }] };
        mocks.ec2.on(DescribeVpcsCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves(good);
        const sleeps: number[] = [];
        const results = await verify(cfg, "network", outputs, { sleeps });
        expect(results.find((r) => r.id === "network-vpc-available")).to.include({ status: "pass" });
        expect(sleeps).to.deep.equal([500, 1000]);
        expect(mocks.ec2.commandCalls(DescribeVpcsCommand)).to.have.length(3);
    });

    it("never fails a check because of throttling: it warns that it could not verify", async () => {
        mocks.ec2.on(DescribeVpcsCommand).rejects(throttled());
        const sleeps: number[] = [];
        const results = await verify(cfg, "network", outputs, { sleeps });
        const result = results.find((r) => r.id === "network-vpc-available")!;
        expect(result.status).to.equal("warn");
        expect(result.detail).to.include("throttled").and.include("RequestLimitExceeded");
        expect(mocks.ec2.commandCalls(DescribeVpcsCommand)).to.have.length(5);
        expect(sleeps).to.deep.equal([500, 1000, 2000, 4000]);
    });

    it("treats ECS ThrottlingException and HTTP 429 as throttling too", async () => {
        mocks.ecs.on(DescribeClustersCommand).rejects(
            new ECSServiceException({
                name: "ThrottlingException",
                $fault: "client",
                $metadata: { httpStatusCode: 400 },
                message: "Rate exceeded",
            }),
        );
        expect(await resultOf(cfg, "ecs-cluster-active", outputs)).to.include({ status: "warn" });
        mocks.ecs.on(DescribeClustersCommand).rejects(
            new ECSServiceException({
                name: "TooManyRequests",
                $fault: "client",
                $metadata: { httpStatusCode: 429 },
                message: "Slow down",
            }),
        );
        expect(await resultOf(cfg, "ecs-cluster-active", outputs)).to.include({ status: "warn" });
    });

    it("retries a server error and passes when the next answer is good", async () => {
        const serverError = new RDSServiceException({
            name: "InternalFailure",
            $fault: "server",
            $metadata: { httpStatusCode: 500 },
            message: "internal failure",
        });
        mocks.rds
            .on(DescribeDBClustersCommand)
            .rejectsOnce(serverError)
            .resolves({ DBClusters: [auroraCluster(cfg, outputs)] });
        expect(await resultOf(cfg, "database-aurora-available", outputs)).to.include({ status: "pass" });
        expect(mocks.rds.commandCalls(DescribeDBClustersCommand)).to.have.length(2);
    });

    it("fails at once, without retrying, on an error that asking again will not fix", async () => {
        mocks.rds.on(DescribeDBClustersCommand).rejects(
            new RDSServiceException({
                name: "DBClusterNotFoundFault",
                $fault: "client",
                $metadata: { httpStatusCode: 404 },
                message: "DBCluster bbws-aurora-sit not found.",
            }),
        );
        const result = await resultOf(cfg, "database-aurora-available", outputs);
        expect(result.status).to.equal("fail");
        expect(result.detail).to.equal("could not verify: DBClusterNotFoundFault: DBCluster bbws-aurora-sit not found.");
        expect(mocks.rds.commandCalls(DescribeDBClustersCommand)).to.have.length(1);
    });

    it("reads a resource once per run even when several checks look at it", async () => {
        await verify(cfg, "database", outputs);
        expect(mocks.rds.commandCalls(DescribeDBClustersCommand)).to.have.length(1);
    });
});
