import { expect } from "chai";
import { driftReport, mask, renderDrift, valueAt } from "../../automation/drift";
import type { EngineEvent } from "../../automation/engine";
import { ENVIRONMENTS } from "../support/pulumi";
import { platformResources, RefreshedResource, refreshEvents, urnOf } from "../support/refresh-events";

/** The platform's resources with some changed in the console. */
function driftedPlatform(env: string): RefreshedResource[] {
    const [vpc, sg, aurora, service] = platformResources(env);
    return [
        vpc,
        {
            ...sg,
            now: { ...sg.old, ingress: [{ cidrBlocks: ["0.0.0.0/0"], fromPort: 3306, toPort: 3306, protocol: "tcp" }] },
            detailedDiff: { "ingress[0]": "add" },
        },
        { ...aurora, now: { ...aurora.old, backupRetentionPeriod: 1 }, detailedDiff: { backupRetentionPeriod: "update" } },
        { ...service, now: null },
    ];
}

describe("drift report", () => {
    for (const env of ENVIRONMENTS) {
        describe(`in ${env}`, () => {
            it("reports nothing when every resource matches its state", () => {
                const report = driftReport(env, refreshEvents(env, platformResources(env)));
                expect(report).to.deep.equal({ env, checked: 4, drifted: [], hidden: [] });
                expect(renderDrift([report], [], "table")).to.equal(`${env}: no drift (4 checked)`);
            });

            it("names each drifted resource's phase, type and name with the properties that differ, old → new", () => {
                const report = driftReport(env, refreshEvents(env, driftedPlatform(env)));
                expect(report.drifted.map((d) => [d.phase, d.type, d.name, d.op])).to.deep.equal([
                    ["network", "aws:ec2/securityGroup:SecurityGroup", "network-database-sg", "update"],
                    ["database", "aws:rds/cluster:Cluster", "data-aurora", "update"],
                    ["ecs", "aws:ecs/service:Service", "ecs-aupairhive-service", "delete"],
                ]);
                expect(report.drifted[0].properties).to.deep.equal([
                    {
                        path: "ingress[0]",
                        kind: "add",
                        old: undefined,
                        new: { cidrBlocks: ["0.0.0.0/0"], fromPort: 3306, toPort: 3306, protocol: "tcp" },
                    },
                ]);
                expect(report.drifted[1].properties).to.deep.equal([{ path: "backupRetentionPeriod", kind: "update", old: 14, new: 1 }]);
                expect(report.drifted[2].properties).to.be.empty;
            });

            it("prints one row per property and says when a resource was deleted outside Pulumi", () => {
                const text = renderDrift([driftReport(env, refreshEvents(env, driftedPlatform(env)))], [], "table");
                expect(text).to.match(new RegExp(`^${env}: 3 drifted resources \\(4 checked\\)$`, "m"));
                expect(text).to.match(/database\s+aws:rds\/cluster:Cluster\s+data-aurora\s+backupRetentionPeriod\s+14 → 1/);
                expect(text).to.match(/ingress\[0\]\s+\(absent\) → \{"cidrBlocks":\["0\.0\.0\.0\/0"\]/);
                expect(text).to.match(/ecs-aupairhive-service\s+\(deleted outside Pulumi\)/);
            });
        });
    }

    it("attributes resources outside every layer to the stack", () => {
        const events = refreshEvents("dev", [
            { path: "pulumi:providers:aws::default_7_48_0", old: { region: "af-south-1" }, now: { region: "eu-west-1" } },
        ]);
        expect(driftReport("dev", events).drifted[0].phase).to.equal("stack");
    });

    it("also reads a drift the engine reports on the resourcePreEvent", () => {
        const urn = urnOf("sit", "bbws:storage:StorageLayer$aws:efs/fileSystem:FileSystem::storage-efs");
        const state = (encrypted: boolean) => ({
            type: "aws:efs/fileSystem:FileSystem",
            urn,
            id: "fs-0abc",
            parent: "",
            provider: "",
            inputs: {},
            outputs: { encrypted },
        });
        const events = [
            {
                sequence: 1,
                timestamp: 1,
                resourcePreEvent: {
                    metadata: {
                        op: "update",
                        urn,
                        type: state(true).type,
                        old: state(true),
                        new: state(false),
                        diffs: ["encrypted"],
                        provider: "",
                    },
                },
            },
        ] as EngineEvent[];
        expect(driftReport("sit", events).drifted).to.deep.equal([
            {
                urn,
                phase: "storage",
                type: "aws:efs/fileSystem:FileSystem",
                name: "storage-efs",
                op: "update",
                properties: [{ path: "encrypted", kind: "update", old: true, new: false }],
            },
        ]);
    });

    it("counts a step left at op `refresh` that carries a diff as drift", () => {
        const urn = urnOf("dev", "bbws:monitoring:MonitoringLayer$aws:sns/topic:Topic::monitoring-alerts");
        const state = (displayName: string) => ({
            type: "aws:sns/topic:Topic",
            urn,
            id: "arn:aws:sns:af-south-1:123456789012:bbws-alerts-dev",
            parent: "",
            provider: "",
            inputs: {},
            outputs: { displayName },
        });
        const metadata = {
            op: "refresh",
            urn,
            type: "aws:sns/topic:Topic",
            old: state("BBWS dev"),
            new: state("renamed"),
            diffs: ["displayName"],
            provider: "",
        };
        const events = [{ sequence: 1, timestamp: 1, resOutputsEvent: { metadata } }] as EngineEvent[];
        expect(driftReport("dev", events).drifted.map((d) => [d.phase, d.op, d.properties])).to.deep.equal([
            ["monitoring", "update", [{ path: "displayName", kind: "update", old: "BBWS dev", new: "renamed" }]],
        ]);
    });

    it("finds the changed top-level properties itself when an older CLI sends no diff", () => {
        const [vpc] = platformResources("dev");
        const events = refreshEvents("dev", [{ ...vpc, now: { ...vpc.old, tags: { Name: "bbws-vpc-dev", Owner: "console" } } }]);
        expect(driftReport("dev", events).drifted[0].properties).to.deep.equal([
            {
                path: "tags",
                kind: "update",
                old: { Name: "bbws-vpc-dev" },
                new: { Name: "bbws-vpc-dev", Owner: "console" },
            },
        ]);
    });

    describe("secrets", () => {
        const redis = (authToken: string, environment: Record<string, string>): RefreshedResource["old"] => ({
            id: "bbws-redis-prod",
            authToken,
            transitEncryptionEnabled: true,
            environment,
            masterPassword: "[secret]",
        });
        const events = refreshEvents("prod", [
            {
                path: "bbws:data:DataLayer$aws:elasticache/replicationGroup:ReplicationGroup::data-redis",
                old: redis("s3cr3t-old-token", { WP_HOME: "https://a.example", DB_PASSWORD: "hunter2-old" }),
                now: {
                    ...redis("hunter2-new-token", { WP_HOME: "https://b.example", DB_PASSWORD: "hunter2-new" }),
                    masterPassword: "[secret]",
                    transitEncryptionEnabled: false,
                },
                detailedDiff: { authToken: "update", environment: "update", masterPassword: "update", transitEncryptionEnabled: "update" },
            },
        ]);

        it("masks values the engine marked secret and any property that looks like a credential, in every format", () => {
            const report = driftReport("prod", events);
            expect(report.drifted[0].properties).to.deep.equal([
                { path: "authToken", kind: "update", old: "[secret]", new: "[secret]" },
                {
                    path: "environment",
                    kind: "update",
                    old: { WP_HOME: "https://a.example", DB_PASSWORD: "[secret]" },
                    new: { WP_HOME: "https://b.example", DB_PASSWORD: "[secret]" },
                },
                { path: "masterPassword", kind: "update", old: "[secret]", new: "[secret]" },
                { path: "transitEncryptionEnabled", kind: "update", old: true, new: false },
            ]);
            for (const format of ["table", "markdown", "json"] as const) {
                expect(renderDrift([report], [], format)).not.to.match(/hunter2|s3cr3t/);
            }
        });

        it("masks by path, leaving other values and absent ones alone", () => {
            expect(mask("tags", { Name: "x", ApiToken: "t" })).to.deep.equal({ Name: "x", ApiToken: "[secret]" });
            expect(mask("containers[0].secretArn", "arn:aws:secretsmanager:x")).to.equal("[secret]");
            expect(mask("private_key", undefined)).to.equal(undefined);
            expect(mask("port", 443)).to.equal(443);
        });
    });

    describe("--ignore", () => {
        it("hides whole resources by type, name or URN and says what it hid", () => {
            const report = driftReport("prod", refreshEvents("prod", driftedPlatform("prod")), ["aws:ecs/service:Service", "network-*"]);
            expect(report.drifted.map((d) => d.name)).to.deep.equal(["data-aurora"]);
            expect(report.hidden).to.have.deep.members([
                {
                    pattern: "aws:ecs/service:Service",
                    urn: urnOf("prod", "bbws:ecs:EcsLayer$aws:ecs/service:Service::ecs-aupairhive-service"),
                },
                {
                    pattern: "network-*",
                    urn: urnOf("prod", "bbws:network:NetworkLayer$aws:ec2/securityGroup:SecurityGroup::network-database-sg"),
                },
            ]);
            const text = renderDrift([report], [], "table");
            expect(text).to.contain("1 drifted resource (4 checked, 2 hidden by --ignore)");
            expect(text).to.match(/hidden by --ignore:[\s\S]*network-\*\s+network-database-sg\s+\(whole resource\)/);
        });

        it("hides only the matching properties with RESOURCE#PROPERTY, and the resource once none is left", () => {
            const [vpc, sg] = platformResources("dev");
            const events = refreshEvents("dev", [
                {
                    ...vpc,
                    now: { ...vpc.old, tags: { ...(vpc.old.tags as object), "aws:cloudformation:stack-name": "x" } },
                    detailedDiff: { 'tags["aws:cloudformation:stack-name"]': "add" },
                },
                {
                    ...sg,
                    now: { ...sg.old, ingress: [{ fromPort: 22 }], tags: { Name: "changed" } },
                    detailedDiff: { "ingress[0]": "add", "tags.Name": "update" },
                },
            ]);
            const report = driftReport("dev", events, ["*#tags*"]);
            expect(report.drifted.map((d) => [d.name, d.properties.map((p) => p.path)])).to.deep.equal([
                ["network-database-sg", ["ingress[0]"]],
            ]);
            expect(report.hidden.map((h) => [h.pattern, h.path])).to.deep.equal([
                ["*#tags*", 'tags["aws:cloudformation:stack-name"]'],
                ["*#tags*", "tags.Name"],
            ]);
        });

        it("never hides a deleted resource with a property pattern", () => {
            const report = driftReport("dev", refreshEvents("dev", driftedPlatform("dev")), ["*#*"]);
            expect(report.drifted.map((d) => d.name)).to.deep.equal(["ecs-aupairhive-service"]);
        });
    });

    describe("rendering", () => {
        const reports = ENVIRONMENTS.map((env) =>
            driftReport(env, refreshEvents(env, env === "prod" ? driftedPlatform(env) : platformResources(env))),
        );

        it("prints Markdown with a heading per environment and code-quoted values", () => {
            const md = renderDrift(reports, [], "markdown");
            expect(md).to.match(/^### dev: no drift \(4 checked\)$/m);
            expect(md).to.match(/^### prod: 3 drifted resources \(4 checked\)$/m);
            expect(md).to.contain("| database | aws:rds/cluster:Cluster | data-aurora | backupRetentionPeriod | `14` → `1` |");
        });

        it("prints one JSON document with every report and the environments that could not be checked", () => {
            const doc = JSON.parse(renderDrift(reports, [{ env: "sit", message: "the Pulumi CLI is not usable" }], "json"));
            expect(doc.reports.map((r: any) => [r.env, r.drifted.length])).to.deep.equal([
                ["dev", 0],
                ["sit", 0],
                ["prod", 3],
            ]);
            expect(doc.failures).to.deep.equal([{ env: "sit", message: "the Pulumi CLI is not usable" }]);
        });

        it("says which environments could not be checked in text", () => {
            expect(renderDrift([], [{ env: "sit", message: "boom" }], "table")).to.equal("sit: not checked: boom");
        });
    });

    it("reads property paths with dots, indices and quoted keys", () => {
        const value = { tags: { "aws:cloudformation:stack-name": "s", "a.b": 1 }, rules: [{ ports: [80, 443] }] };
        expect(valueAt(value, 'tags["aws:cloudformation:stack-name"]')).to.equal("s");
        expect(valueAt(value, 'tags["a.b"]')).to.equal(1);
        expect(valueAt(value, "rules[0].ports[1]")).to.equal(443);
        expect(valueAt(value, "rules[3].ports")).to.equal(undefined);
    });
});
