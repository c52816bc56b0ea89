import { expect } from "chai";
import type { EngineEvent } from "../../automation/engine";
import { formatDuration, Progress } from "../../automation/progress";
import { FakeClock, urn } from "../support/fake-engine";

const aurora = urn("sit", ["bbws:data:DataLayer", "aws:rds/cluster:Cluster"], "data-aurora");
const metadata = (op: "create" | "update" | "same", u = aurora) => ({
    op,
    urn: u,
    type: "aws:rds/cluster:Cluster",
    provider: "",
    new: {
        type: "aws:rds/cluster:Cluster",
        urn: u,
        id: "",
        parent: "",
        inputs: { clusterIdentifier: "bbws-aurora-sit" },
        outputs: {},
        provider: "",
    },
});
const event = (e: Partial<EngineEvent>): EngineEvent => ({ sequence: 0, timestamp: 0, ...e });

describe("progress", () => {
    let clock: FakeClock;
    let lines: string[];
    let progress: Progress;
    beforeEach(() => {
        clock = new FakeClock();
        lines = [];
        progress = new Progress({ now: clock.now, write: (l) => lines.push(l), heartbeatMs: 30_000 });
    });

    it("prints a line when a resource starts and when it finishes, with its physical name and duration", () => {
        progress.onEvent(event({ resourcePreEvent: { metadata: metadata("create") } }));
        clock.advance(662_000);
        progress.onEvent(event({ resOutputsEvent: { metadata: metadata("create") } }));
        expect(lines).to.deep.equal(["creating bbws-aurora-sit (aws:rds/cluster:Cluster)", "created bbws-aurora-sit in 11m02s"]);
    });

    it("beats for operations running longer than the heartbeat interval, and only for those", () => {
        progress.onEvent(event({ resourcePreEvent: { metadata: metadata("create") } }));
        clock.advance(10_000);
        progress.heartbeat();
        clock.advance(380_000);
        progress.heartbeat();
        expect(lines.slice(1)).to.deep.equal(["creating bbws-aurora-sit… 6m30s"]);
    });

    it("reports a failed resource with how long it ran, and engine errors", () => {
        progress.onEvent(event({ resourcePreEvent: { metadata: metadata("update") } }));
        clock.advance(5_000);
        progress.onEvent(
            event({ diagnosticEvent: { urn: aurora, message: "InvalidParameterCombination\n", color: "never", severity: "error" } }),
        );
        progress.onEvent(event({ resOpFailedEvent: { metadata: metadata("update"), status: 1, steps: 0 } }));
        progress.heartbeat();
        expect(lines.slice(1)).to.deep.equal([
            "error: data-aurora: InvalidParameterCombination",
            "failed to update bbws-aurora-sit after 5s",
        ]);
    });

    it("stays quiet about unchanged resources and ends with the engine's summary", () => {
        progress.onEvent(event({ resourcePreEvent: { metadata: metadata("same") } }));
        progress.onEvent(
            event({
                summaryEvent: {
                    maybeCorrupt: false,
                    durationSeconds: 754,
                    resourceChanges: { same: 40, create: 3, update: 1 },
                    policyPacks: {},
                },
            }),
        );
        expect(lines).to.deep.equal(["done in 12m34s: 3 create, 1 update"]);
    });

    it("formats durations as an operator reads them", () => {
        expect([999, 45_000, 390_000, 3_720_000].map(formatDuration)).to.deep.equal(["0s", "45s", "6m30s", "1h02m"]);
    });
});
