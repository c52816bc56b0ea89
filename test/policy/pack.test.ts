/**
 * The pack as the Pulumi CLI sees it: src/policy/index.ts started in its own process, answering the
 * analyzer gRPC protocol the engine speaks during `pulumi preview --policy-pack src/policy`.
 */
import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { POLICY_PACK_DIR } from "../../src/policy/dir";
import { PACK_NAME } from "../../src/policy/pack";
import { RULES } from "../../src/policy/rules";

// The engine's own generated stubs, as @pulumi/policy's server uses them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyzer = require("@pulumi/pulumi/proto/analyzer_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");

interface Resource {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
    readonly propertyDependencies?: Record<string, string[]>;
    readonly env?: string;
    /** The provider the engine names for the resource: its type, name and configuration. */
    readonly provider?: { readonly type: string; readonly name: string; readonly props: Record<string, unknown> };
}

const urnOf = (r: Resource) => `urn:pulumi:${r.env ?? "prod"}::bbws-platform::${r.type}::${r.name}`;

function analyzeRequest(r: Resource): any {
    const req = new analyzer.AnalyzeRequest();
    req.setType(r.type);
    req.setName(r.name);
    req.setUrn(urnOf(r));
    req.setProperties(Struct.fromJavaScript(r.props as any));
    req.setOptions(new analyzer.AnalyzerResourceOptions());
    return req;
}

function stackRequest(resources: Resource[]): any {
    const req = new analyzer.AnalyzeStackRequest();
    req.setResourcesList(
        resources.map((r) => {
            const res = new analyzer.AnalyzerResource();
            res.setType(r.type);
            res.setName(r.name);
            res.setUrn(urnOf(r));
            res.setProperties(Struct.fromJavaScript(r.props as any));
            res.setOptions(new analyzer.AnalyzerResourceOptions());
            if (r.provider) {
                const provider = new analyzer.AnalyzerProviderResource();
                provider.setType(r.provider.type);
                provider.setName(r.provider.name);
                provider.setUrn(`urn:pulumi:${r.env ?? "prod"}::bbws-platform::${r.provider.type}::${r.provider.name}`);
                provider.setProperties(Struct.fromJavaScript(r.provider.props as any));
                res.setProvider(provider);
            }
            for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
                const deps = new analyzer.AnalyzerPropertyDependencies();
                deps.setUrnsList(urns);
                res.getPropertydependenciesMap().set(key, deps);
            }
            return res;
        }),
    );
    return req;
}

describe("policy pack (src/policy/index.ts over the analyzer protocol)", function () {
    this.timeout(30000);
    let pack: ChildProcess;
    let client: any;
    const call = <T>(method: string, req: unknown) =>
        new Promise<T>((resolve, reject) => client[method](req, (err: Error | null, resp: T) => (err ? reject(err) : resolve(resp))));
    const diagnostics = async (method: "analyze" | "analyzeStack", req: unknown) =>
        (await call<any>(method, req))
            .getDiagnosticsList()
            .map((d: any) => ({ policy: d.getPolicyname(), urn: d.getUrn(), level: d.getEnforcementlevel() }));

    before(async () => {
        // What the CLI's Node.js host does: run the pack's directory (ts-node, cwd = the pack); it prints its port.
        pack = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", "require('./index.ts')"], { cwd: POLICY_PACK_DIR });
        let stderr = "";
        pack.stderr!.on("data", (d) => {
            stderr += d;
        });
        const port = await new Promise<string>((resolve, reject) => {
            pack.stdout!.on("data", (d) => resolve(String(d).trim()));
            pack.on("exit", (code) => reject(new Error(`the pack exited with ${code}: ${stderr}`)));
        });
        expect(port).to.match(/^\d+$/);
        client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        pack?.kill();
    });

    it("loads and lists every baseline policy under the pack's name with its enforcement level", async () => {
        const info = await call<any>("getAnalyzerInfo", new Empty());
        expect(info.getName()).to.equal(PACK_NAME);
        const policies = info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()]);
        expect(policies).to.deep.equal(
            RULES.map((r) => [r.name, r.level === "mandatory" ? analyzer.EnforcementLevel.MANDATORY : analyzer.EnforcementLevel.ADVISORY]),
        );
    });

    it("blocks an unencrypted Aurora cluster in a preview and passes an encrypted one", async () => {
        const cluster = { type: "aws:rds/cluster:Cluster", name: "data-aurora" };
        const bad = await diagnostics(
            "analyze",
            analyzeRequest({ ...cluster, props: { engine: "aurora-mysql", storageEncrypted: false } }),
        );
        expect(bad).to.deep.include({ policy: "rds-27-cluster-encrypted", urn: "", level: analyzer.EnforcementLevel.MANDATORY });
        const good = await diagnostics(
            "analyze",
            analyzeRequest({ ...cluster, props: { engine: "aurora-mysql", storageEncrypted: true } }),
        );
        expect(good.map((d: any) => d.policy)).to.not.include("rds-27-cluster-encrypted");
    });

    it("takes the environment from the stack in the URN: load balancer deletion protection is required in prod, not dev", async () => {
        const lb = { type: "aws:lb/loadBalancer:LoadBalancer", name: "ecs-alb", props: { enableDeletionProtection: false } };
        expect((await diagnostics("analyze", analyzeRequest(lb))).map((d: any) => d.policy)).to.include("elb-6-deletion-protection");
        expect((await diagnostics("analyze", analyzeRequest({ ...lb, env: "dev" }))).map((d: any) => d.policy)).to.not.include(
            "elb-6-deletion-protection",
        );
    });

    it("checks a VPC's flow log across the stack, following the engine's property dependencies", async () => {
        const vpc: Resource = { type: "aws:ec2/vpc:Vpc", name: "network-vpc", props: { cidrBlock: "10.30.0.0/16" } };
        const flowLog: Resource = {
            type: "aws:ec2/flowLog:FlowLog",
            name: "network-flow-log",
            props: { vpcId: "vpc-1", trafficType: "ALL" },
        };
        const without = await diagnostics("analyzeStack", stackRequest([vpc, flowLog]));
        expect(without).to.deep.include({ policy: "ec2-6-vpc-flow-logs", urn: urnOf(vpc), level: analyzer.EnforcementLevel.MANDATORY });
        const linked = await diagnostics(
            "analyzeStack",
            stackRequest([vpc, { ...flowLog, propertyDependencies: { vpcId: [urnOf(vpc)] } }]),
        );
        expect(linked.map((d: any) => d.policy)).to.not.include("ec2-6-vpc-flow-logs");
    });

    // EventBridge user guide, "Amazon EventBridge quotas": "Number of rules", 100 in af-south-1, 300 in most Regions; the
    // engine configures the default aws provider from the stack's aws:region (pulumi/pulumi docs/architecture/providers/default.md).
    it("judges the stack's own region by its default aws provider's region: 101 rules on the default bus fail in af-south-1, pass in eu-west-1", async () => {
        const rules = (region: string): Resource[] =>
            Array.from({ length: 101 }, (_, i) => ({
                type: "aws:cloudwatch/eventRule:EventRule",
                name: `monitoring-rule-${i + 1}`,
                props: {},
                provider: { type: "pulumi:providers:aws", name: "default_7_48_0", props: { region, version: "7.48.0" } },
            }));
        const quota = (found: { policy: string; urn: string }[]) => found.filter((d) => d.policy === "quotas-1-default-service-quotas");
        expect(quota(await diagnostics("analyzeStack", stackRequest(rules("af-south-1"))))).to.deep.equal([
            { policy: "quotas-1-default-service-quotas", urn: urnOf(rules("af-south-1")[0]), level: analyzer.EnforcementLevel.MANDATORY },
        ]);
        expect(quota(await diagnostics("analyzeStack", stackRequest(rules("eu-west-1"))))).to.deep.equal([]);
    });

    it("during a preview, still reports what it can see when another resource's value is not known yet", async () => {
        // The engine's sentinel for a list AWS fills in during the update (a new group's computed `ingress`).
        const UNKNOWN_LIST = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2";
        const group: Resource = { type: "aws:ec2/securityGroup:SecurityGroup", name: "network-db-sg", props: { ingress: UNKNOWN_LIST } };
        const ssh: Resource = {
            type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            name: "network-ssh-in",
            props: { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" },
            propertyDependencies: { securityGroupId: [urnOf(group)] },
        };
        const found = await diagnostics("analyzeStack", stackRequest([group, ssh]));
        expect(found).to.deep.include({ policy: "ec2-18-internet-ingress", urn: urnOf(ssh), level: analyzer.EnforcementLevel.MANDATORY });
        expect(found).to.deep.include({ policy: "ec2-18-internet-ingress", urn: "", level: analyzer.EnforcementLevel.ADVISORY });
    });

    it("honours the waivers on record: the logs bucket's SSE-S3 is not reported", async () => {
        const bucket: Resource = { type: "aws:s3/bucket:Bucket", name: "storage-logs", props: { bucket: "bbws-logs-prod" } };
        const found = await diagnostics("analyzeStack", stackRequest([bucket]));
        expect(found.filter((d: any) => d.urn === urnOf(bucket)).map((d: any) => d.policy))
            .to.include.members(["s3-8-block-public-access", "s3-5-tls-only"])
            .and.not.include("s3-17-kms-encryption");
    });
});
