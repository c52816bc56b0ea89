/**
 * The baseline over the real program: each environment's offline synth, judged by the same rules
 * the pack enforces in previews.
 */
import { expect } from "chai";
import { EXIT } from "../../automation/errors";
import { memoryIo } from "../../automation/io";
import { createAwsModel } from "../../automation/aws-model";
import type { SynthResource, SynthResult } from "../../automation/synth";
import { main } from "../../automation/synth-cli";
import { viewsFromSynth } from "../../automation/policy-offline";
import { ENVIRONMENTS, PROJECT_DIR } from "../support/pulumi";
import { cachedSynthesize } from "../support/synth-cache";

/**
 * Mandatory violations our layers have today, by environment (`<policy> <resource>`). Each is
 * known to the lead and needs either a fix in its layer or a waiver in src/policy/waivers.ts.
 */
const KNOWN_VIOLATIONS: Readonly<Record<string, readonly string[]>> = {
    // dev's Aurora deletion protection is off under a documented waiver (src/policy/waivers.ts).
    dev: [],
    sit: [],
    prod: [],
};

describe("security baseline over each environment's synth (npm run synth -- --env <env> --policies)", function () {
    this.timeout(60000);

    for (const env of ENVIRONMENTS) {
        const known = KNOWN_VIOLATIONS[env] ?? [];
        // Prod as a pull request shows it; the others as a terminal does.
        const format = env === "prod" ? "markdown" : "table";

        it(`${env}: no mandatory violation without a waiver${known.length > 0 ? ` except the known ${known.join(", ")} (exit 3)` : " (exit 0)"}`, async () => {
            const io = memoryIo();
            const code = await main(["--env", env, "--policies", "--format", format], io, PROJECT_DIR, cachedSynthesize);
            const out = io.stdout.join("\n");
            expect(out).to.contain(format === "markdown" ? "| POLICY | CONTROL | LEVEL | CHECKED | VIOLATIONS | WAIVED |" : "POLICY");
            const cell = format === "markdown" ? "\\s*\\|\\s*" : "\\s+";
            for (const v of known) expect(out).to.match(new RegExp(v.split(" ").join(`${cell}mandatory${cell}`)));
            expect(out).to.contain(known.length > 0 ? `Violations (${known.length})` : "No violations.");
            expect(out).to.contain("Waivers on record");
            expect(code).to.equal(known.length > 0 ? EXIT.refused : EXIT.ok);
        });
    }

    it("refuses --policies with --json or --phase as a usage error, before synthesizing", async () => {
        for (const extra of [["--json"], ["--phase", "network"]]) {
            const io = memoryIo();
            expect(await main(["--env", "prod", "--policies", ...extra], io, PROJECT_DIR, cachedSynthesize)).to.equal(EXIT.usage);
            expect(io.stderr.join("\n")).to.contain("--policies cannot be combined");
        }
    });
});

describe("offline property dependencies", () => {
    const model = createAwsModel({ accountId: "093646564004", region: "af-south-1", azCount: 3 });
    const urn = (type: string, name: string) => `urn:pulumi:prod::bbws-platform::${type}::${name}`;
    const resource = (type: string, name: string, inputs: Record<string, unknown>): SynthResource =>
        ({ urn: urn(type, name), type, name, phase: "network", parent: null, inputs });

    it("are recovered from the ids and ARNs the AWS model handed out, as CrossGuard's would name them", async () => {
        const sgType = "aws:ec2/securityGroup:SecurityGroup";
        const vpcType = "awsx:ec2:Vpc";
        const sgId = (await model.newResource({ type: sgType, name: "alb-sg", inputs: {}, provider: "", custom: true })).id!;
        const vpcId = (await model.newResource({ type: vpcType, name: "vpc", inputs: {}, provider: "", custom: false })).state.vpcId;
        const result: SynthResult = {
            project: "bbws-platform", stack: "prod", outputs: {}, resources: [
                resource(vpcType, "vpc", { cidrBlock: "10.30.0.0/16" }),
                resource(sgType, "alb-sg", { name: "bbws-alb-sg-prod", vpcId }),
                resource("aws:lb/loadBalancer:LoadBalancer", "alb", { name: "bbws-alb-prod", securityGroups: [sgId] }),
                resource("aws:ec2/flowLog:FlowLog", "flow", { vpcId, trafficType: "ALL" }),
            ],
        };
        const views = await viewsFromSynth(result, model);
        const deps = (name: string) => views.find((v) => v.name === name)!.dependencies;
        expect(deps("flow").vpcId).to.deep.equal([urn(vpcType, "vpc")]);
        expect(deps("alb").securityGroups).to.deep.equal([urn(sgType, "alb-sg")]);
        expect(deps("alb").name).to.deep.equal([]);
        expect(deps("alb-sg").vpcId).to.deep.equal([urn(vpcType, "vpc")]);
    });
});
