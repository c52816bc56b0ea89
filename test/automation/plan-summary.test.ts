import { expect } from "chai";
import type { PlanStep } from "../../automation/plan-steps";
import { changedResources, PhaseSummary, renderSummary } from "../../automation/plan-summary";
import { belongsTo, isAlwaysTargeted, parseUrn, urnsByPhase } from "../../automation/targets";
import { getPhase } from "../../src/phases";
import { platformSteps, urn } from "../support/fake-engine";

const aurora = urn("prod", ["bbws:data:DataLayer", "aws:rds/cluster:Cluster"], "data-aurora");
const secret = urn("prod", ["bbws:data:DataLayer", "aws:secretsmanager/secret:Secret"], "data-redis-auth");
const steps: PlanStep[] = [
    {
        urn: aurora,
        type: "aws:rds/cluster:Cluster",
        op: "create-replacement",
        diffs: ["engineVersion", "tags"],
        replaceKeys: ["engineVersion"],
    },
    { urn: aurora, type: "aws:rds/cluster:Cluster", op: "replace", diffs: ["engineVersion", "tags"], replaceKeys: ["engineVersion"] },
    { urn: secret, type: "aws:secretsmanager/secret:Secret", op: "update", diffs: ["description"], replaceKeys: [] },
    {
        urn: urn("prod", ["bbws:data:DataLayer", "aws:kms/key:Key"], "data-key"),
        type: "aws:kms/key:Key",
        op: "same",
        diffs: [],
        replaceKeys: [],
    },
];
const summary: PhaseSummary = {
    env: "prod",
    phase: "database",
    planHash: "3f9a1c0d",
    counts: { same: 1, update: 1, replace: 1 },
    steps,
    gates: [
        {
            gate: "scope",
            info: "The phase's update changes nothing outside the phase",
            explanation: "…",
            verdict: { status: "pass", findings: [] },
        },
    ],
};

describe("plan summary", () => {
    it("lists each changed resource once, a replacement as `replace`, with the properties that change and which force it", () => {
        expect(changedResources(steps).map(({ op, name, properties }) => [op, name, properties])).to.deep.equal([
            ["replace", "data-aurora", ["engineVersion (replaces)", "tags"]],
            ["update", "data-redis-auth", ["description"]],
        ]);
    });

    it("renders a table for the terminal with counts, resources and gates", () => {
        const text = renderSummary(summary, "table");
        const lines = text.split("\n");
        expect(lines.slice(0, 2)).to.deep.equal(["database in prod — plan sha256 3f9a1c0d", "changes: same 1, update 1, replace 1"]);
        expect(lines.find((l) => l.startsWith("replace"))).to.match(
            /^replace\s+data-aurora\s+aws:rds\/cluster:Cluster\s+engineVersion \(replaces\), tags$/,
        );
        expect(lines.find((l) => l.startsWith("pass"))).to.match(/^pass\s+scope\s+The phase's update/);
    });

    it("renders Markdown for a pull request", () => {
        const md = renderSummary(summary, "markdown");
        expect(md).to.include("### Rollout: database in prod — plan sha256 3f9a1c0d");
        expect(md).to.include("| replace | data-aurora | aws:rds/cluster:Cluster | engineVersion (replaces), tags |");
        expect(md).to.include("| pass | scope | The phase's update changes nothing outside the phase |  |");
    });

    it("renders JSON with the resources and gate verdicts", () => {
        const json = JSON.parse(renderSummary(summary, "json"));
        expect(json).to.include({ env: "prod", phase: "database", planHash: "3f9a1c0d" });
        expect(json.resources).to.have.length(2);
        expect(json.gates[0].verdict.status).to.equal("pass");
    });
});

describe("phase targets", () => {
    it("parses a URN's type chain and name", () => {
        expect(parseUrn(aurora)).to.deep.equal({
            typeChain: ["pulumi:pulumi:Stack", "bbws:data:DataLayer", "aws:rds/cluster:Cluster"],
            type: "aws:rds/cluster:Cluster",
            name: "data-aurora",
        });
    });

    it("puts the layer component and everything under it in its phase, at any depth", () => {
        const instance = urn(
            "prod",
            ["bbws:data:DataLayer", "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"],
            "data-aurora-1",
        );
        expect(belongsTo(getPhase("database"), instance)).to.equal(true);
        expect(belongsTo(getPhase("network"), instance)).to.equal(false);
    });

    it("groups a whole-program preview by phase, leaving out the root stack and providers", () => {
        const byPhase = urnsByPhase(platformSteps("prod").map((s) => s.urn));
        expect([...byPhase.keys()]).to.deep.equal(["network", "database", "storage", "ecs", "monitoring"]);
        expect(byPhase.get("network")!.map((u) => parseUrn(u).name)).to.deep.equal(["network", "network-vpc", "network-private-a"]);
        expect([...byPhase.values()].flat().some(isAlwaysTargeted)).to.equal(false);
    });
});
