import { expect } from "chai";
import { dashboardBody, DashboardTargets } from "../../components/dashboard";

const targets: DashboardTargets = {
    region: "eu-west-1",
    period: 300,
    clusterName: "bbws-cluster-sit",
    tenants: [
        { id: "aupairhive", serviceName: "bbws-aupairhive-sit", targetGroupArnSuffix: "targetgroup/bbws-aupairhive-sit/1a2b3c4d5e6f7a8b" },
        { id: "tutorhub", serviceName: "bbws-tutorhub-sit", targetGroupArnSuffix: "targetgroup/bbws-tutorhub-sit/8b7a6f5e4d3c2b1a" },
    ],
    loadBalancerArnSuffix: "app/bbws-alb-sit/50dc6c495c0c9188",
    auroraClusterIdentifier: "bbws-aurora-sit",
    redisMemberClusterIds: ["bbws-redis-sit-001", "bbws-redis-sit-002"],
    fileSystemId: "fs-0b2c3d4e5f6071829",
    drReplica: false,
};

type Widget = { type: string; x: number; y: number; width: number; height: number; properties: any };

describe("dashboard body", () => {
    const widgets = dashboardBody(targets).widgets as Widget[];
    const headings = widgets.filter((w) => w.type === "text").map((w) => w.properties.markdown);
    const graphsUnder = (heading: string) => {
        const start = widgets.findIndex((w) => w.properties.markdown === heading);
        const next = widgets.findIndex((w, i) => i > start && w.type === "text");
        return widgets.slice(start + 1, next === -1 ? undefined : next).map((w) => w.properties.title);
    };

    it("has a row for the cluster, Aurora, Redis, EFS and the load balancer, then one per tenant, in that order", () => {
        expect(headings).to.deep.equal([
            "## ECS cluster",
            "## Aurora",
            "## Redis",
            "## EFS",
            "## Load balancer",
            "## Tenant aupairhive",
            "## Tenant tutorhub",
        ]);
    });

    it("shows what operations asked for in each row", () => {
        expect(graphsUnder("## ECS cluster")).to.deep.equal(["CPU (%)", "Memory (%)", "Running tasks"]);
        expect(graphsUnder("## Aurora")).to.deep.equal(["CPU (%)", "Connections", "Latency (ms)", "Replica lag (ms)"]);
        expect(graphsUnder("## Redis")).to.deep.equal(["Engine CPU (%)", "Memory (%)", "Cache hit rate (%)"]);
        expect(graphsUnder("## EFS")).to.deep.equal(["Throughput (% of permitted)", "I/O limit (%)", "Client connections"]);
        expect(graphsUnder("## Load balancer")).to.deep.equal(["Requests", "Response time (s)", "Errors", "Healthy targets"]);
    });

    it("lays widgets out without overlap inside the 24-column grid", () => {
        for (const w of widgets) expect(w.x + w.width, JSON.stringify(w.properties.title)).to.be.at.most(24);
        for (let i = 0; i < widgets.length; i++) {
            for (let j = i + 1; j < widgets.length; j++) {
                const [a, b] = [widgets[i], widgets[j]];
                const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
                expect(overlap, `${a.properties.title ?? a.properties.markdown} / ${b.properties.title ?? b.properties.markdown}`).to.equal(
                    false,
                );
            }
        }
    });

    it("draws a line per Redis node and per tenant, at the alarms' period", () => {
        const graph = (title: string, row: string) => {
            const start = widgets.findIndex((w) => w.properties.markdown === row);
            return widgets.slice(start).find((w) => w.properties.title === title)!;
        };
        expect(graph("Engine CPU (%)", "## Redis").properties.metrics.map((m: string[]) => m[3])).to.deep.equal(
            targets.redisMemberClusterIds,
        );
        expect(graph("Healthy targets", "## Load balancer").properties.metrics.map((m: string[]) => m[3])).to.deep.equal(
            targets.tenants.map((t) => t.targetGroupArnSuffix),
        );
        for (const w of widgets.filter((x) => x.type === "metric")) expect(w.properties.period).to.equal(300);
    });

    it("adds the cross-region replication lag only where a DR replica exists", () => {
        const lag = (drReplica: boolean) => JSON.stringify(dashboardBody({ ...targets, drReplica }));
        expect(lag(false)).not.to.contain("AuroraGlobalDBReplicationLag");
        expect(lag(true)).to.contain("AuroraGlobalDBReplicationLag");
    });
});
