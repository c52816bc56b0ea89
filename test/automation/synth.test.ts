import { expect } from "chai";
import { main } from "../../automation/synth-cli";
import { DEFAULT_OPTIONS, defaultProviderPackages, synthesize, SynthResult } from "../../automation/synth";
import type { Registration } from "../../automation/mock-run";
import { memoryIo } from "../../automation/io";
import { PHASES } from "../../src/phases";
import { subnetCidrs } from "../../components/network";
import { configFor, ENVIRONMENTS, PROJECT_DIR } from "../support/pulumi";
import { cachedSynthesize } from "../support/synth-cache";
import { tempDir } from "../support/temp";

describe("offline synth", () => {
    const results = new Map<string, SynthResult>();
    before(async function () {
        this.timeout(60000);
        for (const env of ENVIRONMENTS) results.set(env, await cachedSynthesize(PROJECT_DIR, env));
    });

    for (const env of ENVIRONMENTS) {
        describe(env, () => {
            it("names the project and stack and roots every resource in the stack", () => {
                const r = results.get(env)!;
                expect(r.project).to.equal("bbws-platform");
                expect(r.stack).to.equal(env);
                const root = r.resources.find((x) => x.type === "pulumi:pulumi:Stack")!;
                expect(root.urn).to.equal(`urn:pulumi:${env}::bbws-platform::pulumi:pulumi:Stack::bbws-platform-${env}`);
                for (const res of r.resources) {
                    if (res !== root) expect(res.parent, res.urn).to.be.a("string");
                }
            });

            it("places every layer component under its phase, named from the registry", () => {
                const r = results.get(env)!;
                for (const phase of PHASES) {
                    const layer = r.resources.find((x) => x.type === phase.type);
                    if (!layer) continue;
                    expect(layer.name).to.equal(phase.componentName);
                    expect(layer.phase).to.equal(phase.name);
                    // The engine leaves the root stack out of its children's type chain.
                    expect(layer.urn).to.equal(`urn:pulumi:${env}::bbws-platform::${phase.type}::${phase.componentName}`);
                }
            });

            it("attributes every resource to a phase, or to the stack only for the root and providers", () => {
                for (const res of results.get(env)!.resources) {
                    if (res.phase === "stack") expect(res.type, res.urn).to.match(/^pulumi:(pulumi:Stack|providers:)/);
                }
            });

            it("lists the default providers the engine creates", () => {
                const providers = results.get(env)!.resources.filter((x) => x.type.startsWith("pulumi:providers:"));
                expect(providers.map((p) => p.type)).to.deep.equal([
                    "pulumi:providers:aws",
                    "pulumi:providers:awsx",
                    "pulumi:providers:pulumi-nodejs",
                    "pulumi:providers:random",
                ]);
                // The language host serves dynamic resources (the rotation function's settings) with a provider of no version.
                for (const p of providers)
                    expect(p.urn, p.type).to.match(p.type.endsWith("pulumi-nodejs") ? /::default$/ : /::default_\d+_\d+_\d+$/);
            });

            it("gives a layer's children URNs whose type chain starts at the layer, as the engine does", () => {
                const vpc = results.get(env)!.resources.find((x) => x.type === "awsx:ec2:Vpc")!;
                expect(vpc.urn).to.equal(`urn:pulumi:${env}::bbws-platform::bbws:network:NetworkLayer$awsx:ec2:Vpc::network-vpc`);
                expect(vpc.parent).to.equal(`urn:pulumi:${env}::bbws-platform::bbws:network:NetworkLayer::network`);
            });

            it("has unique URNs", () => {
                const urns = results.get(env)!.resources.map((x) => x.urn);
                expect(new Set(urns).size).to.equal(urns.length);
            });

            it("exports outputs grouped by phase", () => {
                expect(results.get(env)!.outputs).to.have.property("network");
            });

            it("shows every subnet's CIDR: in the VPC's subnetSpecs and as network.subnets", () => {
                const r = results.get(env)!;
                const { vpcCidr, azCount } = configFor(env).network;
                const expected = subnetCidrs(vpcCidr, azCount);
                expect((r.outputs.network as any).subnets).to.deep.equal(expected);
                const vpc = r.resources.find((x) => x.type === "awsx:ec2:Vpc")!;
                const given = (vpc.inputs.subnetSpecs as any[]).flatMap((spec) =>
                    spec.cidrBlocks.map((cidr: string, az: number) => ({ tier: spec.name, az, cidr })),
                );
                expect(given).to.have.deep.members(expected);
            });
        });
    }

    it("loads a default provider for custom resources and remote components only, whatever their package names", () => {
        const reg = (type: string, custom: boolean, remote = false, provider?: string): Registration => ({
            urn: `urn:pulumi:t::p::${type}::x`,
            type,
            name: "x",
            custom,
            remote,
            inputs: {},
            dependencies: [],
            propertyDependencies: {},
            options: { ...DEFAULT_OPTIONS, provider },
        });
        expect(
            defaultProviderPackages([
                reg("pulumi:pulumi:Stack", false),
                reg("acme:widgets:Widget", false), // a local component: never sent to a provider
                reg("bbws:dynamic:Thing", true), // a custom resource is served by its package's provider, ours too
                reg("awsx:ec2:Vpc", false, true), // a remote component is constructed by its provider
                reg("aws:s3/bucket:Bucket", true),
                reg("pulumi:providers:gcp", true), // an explicit provider: not served by a default one
                reg("gcp:storage/bucket:Bucket", true, false, "urn:pulumi:t::p::pulumi:providers:gcp::x::id"),
            ]),
        ).to.deep.equal(["aws", "awsx", "bbws"]);
    });

    describe("records what the program declared, as the engine receives it", () => {
        const find = (env: string, name: string) => {
            const found = results.get(env)!.resources.find((r) => r.name === name);
            if (!found) throw new Error(`${env} has no resource named ${name}`);
            return found;
        };

        it("an ECS service depends on the capacity providers and its listener rule (dependsOn, no input names them)", () => {
            const service = find("prod", "ecs-aupairhive-service");
            expect(service.dependencies).to.include.members([
                find("prod", "ecs-capacity-providers").urn,
                find("prod", "ecs-aupairhive-rule").urn,
            ]);
            expect(service.options.ignoreChanges).to.deep.equal(["desiredCount"]);
        });

        it("the Aurora cluster ignores engineVersion changes and is protected exactly where config says so", () => {
            for (const [env, protect] of [
                ["prod", true],
                ["sit", true],
                ["dev", false],
            ] as const) {
                const aurora = find(env, "data-aurora");
                // With a standby (bbws:dr) the global database makes it a member, and a switchover or failover a
                // secondary with a replication source: those are ignored too (components/data.ts).
                const member = configFor(env).dr ? ["replicationSourceIdentifier", "globalClusterIdentifier"] : [];
                expect([...aurora.options.ignoreChanges!].sort(), env).to.deep.equal(["engineVersion", ...member].sort());
                expect(aurora.options.protect, env).to.equal(protect);
            }
        });

        it("a role policy's `role` input comes from its role's URN", () => {
            expect(find("prod", "network-flow-logs-policy").propertyDependencies.role).to.deep.equal([
                find("prod", "network-flow-logs-role").urn,
            ]);
        });

        it("a dependency on awsx's VPC names the remote component, whose children the engine waits for", () => {
            const vpc = find("prod", "network-vpc");
            expect(vpc.custom).to.equal(false);
            expect(find("prod", "network-flow-log").propertyDependencies.vpcId).to.deep.equal([vpc.urn]);
        });

        it("a bucket policy that quotes other buckets' ARNs as text does not depend on those buckets", () => {
            const policy = find("prod", "storage-logs-policy");
            expect(JSON.stringify(policy.inputs)).to.contain(`arn:aws:s3:::${find("prod", "storage-tenant-assets").inputs.bucket}`);
            expect(policy.dependencies).to.deep.equal([find("prod", "storage-logs").urn]);
        });

        it("custom is false exactly for the layers, awsx's VPC and the root stack: the components", () => {
            for (const r of results.get("prod")!.resources) {
                expect(r.custom, r.urn).to.equal(
                    !(r.type.startsWith("bbws:") || r.type === "pulumi:pulumi:Stack" || r.type.startsWith("awsx:")),
                );
            }
        });

        it("registers every resource after its parent and its dependencies, the order the engine needs", () => {
            for (const env of ENVIRONMENTS) {
                const seen = new Set<string>();
                for (const r of results.get(env)!.resources) {
                    for (const before of [...(r.parent ? [r.parent] : []), ...r.dependencies])
                        expect(seen.has(before), `${r.urn} before ${before}`).to.equal(true);
                    seen.add(r.urn);
                }
            }
        });
    });

    it("is deterministic: the same stack gives the same resources twice", async () => {
        const again = await synthesize(PROJECT_DIR, "dev");
        expect(again.resources).to.deep.equal(results.get("dev")!.resources);
    });

    describe("command line", () => {
        it("--json prints exactly one JSON document with the agreed fields", async () => {
            const io = memoryIo();
            expect(await main(["--env", "sit", "--json"], io, PROJECT_DIR, cachedSynthesize)).to.equal(0);
            expect(io.stdout).to.have.length(1);
            const doc = JSON.parse(io.stdout[0]);
            expect(Object.keys(doc)).to.deep.equal(["project", "stack", "region", "resources", "outputs"]);
            expect(doc.region).to.equal("eu-west-1");
            expect(Object.keys(doc.resources[0])).to.deep.equal([
                "urn",
                "type",
                "name",
                "phase",
                "parent",
                "custom",
                "inputs",
                "dependencies",
                "propertyDependencies",
                "options",
            ]);
        });

        it("--phase shows only that phase", async () => {
            const io = memoryIo();
            expect(await main(["--env", "dev", "--phase", "network", "--json"], io, PROJECT_DIR, cachedSynthesize)).to.equal(0);
            const doc = JSON.parse(io.stdout[0]);
            expect(new Set(doc.resources.map((r: any) => r.phase))).to.deep.equal(new Set(["network"]));
        });

        it("prints a table per phase with totals", async () => {
            const io = memoryIo();
            expect(await main(["--env", "prod"], io, PROJECT_DIR, cachedSynthesize)).to.equal(0);
            const text = io.stdout.join("\n");
            expect(text).to.match(/^network \(\d+ resources\)$/m);
            expect(text).to.match(/^total\s+\d+$/m);
            expect(text).to.contain("cidrBlock=10.30.0.0/16");
            expect(text).to.contain(
                "private=10.30.0.0/19,10.30.64.0/19,10.30.128.0/19 isolated=10.30.40.0/21,10.30.104.0/21,10.30.168.0/21",
            );
        });

        const bad: Array<[string, string[], RegExp]> = [
            ["an unknown environment", ["--env", "qa"], /unknown environment 'qa'.*\n.*dev, sit, prod/],
            ["an unknown phase", ["--env", "dev", "--phase", "dns"], /unknown phase 'dns'/],
            ["a missing --env", [], /Missing required argument: env/],
            ["an unknown flag", ["--env", "dev", "--jsn"], /^error: Unknown argument: jsn\n  fix: see --help$/],
            [
                "a switch given a value other than true or false (yargs would read it as false)",
                ["--env", "dev", "--json=maybe"],
                /--json is a switch: it takes no value \(or true\/false\), got 'maybe'/,
            ],
            [
                "--format without --policies (it would be ignored)",
                ["--env", "dev", "--format", "markdown"],
                /--format only applies to --policies/,
            ],
        ];
        for (const [what, argv, message] of bad) {
            it(`refuses ${what} with exit 2 and no stack trace`, async () => {
                const io = memoryIo();
                expect(await main(argv, io)).to.equal(2);
                expect(io.stderr.join("\n"))
                    .to.match(message)
                    .and.not.match(/\n\s+at /);
                expect(io.stdout).to.be.empty;
            });
        }

        it("refuses invalid config with exit 2, listing the problems", async () => {
            const fs = await import("fs");
            const path = await import("path");
            const dir = tempDir("bbws-synth-");
            fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            const text = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), text.replace("azCount: 2", "azCount: 7").replace("cpu: 256", "cpu: 300"));
            const io = memoryIo();
            expect(await main(["--env", "dev"], io, dir)).to.equal(2);
            expect(io.stderr.join("\n"))
                .to.match(/bbws:network\.azCount: 2 or 3/)
                .and.match(/bbws:tenants\[1\]/);
        });

        it("refuses a stack file that is not YAML with exit 2", async () => {
            const fs = await import("fs");
            const path = await import("path");
            const dir = tempDir("bbws-synth-");
            fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  bbws:domain: [unclosed\n");
            const io = memoryIo();
            expect(await main(["--env", "dev"], io, dir)).to.equal(2);
            expect(io.stderr.join("\n")).to.match(/Pulumi\.dev\.yaml is not valid YAML/);
        });
    });
});
