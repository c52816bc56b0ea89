/**
 * A test double of the driver's `Engine`: it answers with the Automation API's own shapes (engine
 * events, `PreviewResult`, `UpResult`) and fails the way the adapter reports real failures
 * (concurrent update, a failed resource, a cancelled update, no CLI). It behaves like the engine where
 * the driver depends on it: a targeted preview shows the targets plus the root stack and providers,
 * `preview({ plan })` writes a plan file, and `up` refuses a plan saved for other targets. Every call
 * is recorded so tests can count them.
 */
import * as fs from "fs";
import type { EngineEvent, OpMap, OpType, OutputMap, PreviewResult, UpResult } from "@pulumi/pulumi/automation";
import {
    BackendIdentity,
    CancelledError,
    CliMissingError,
    ConcurrentUpdateError,
    Engine,
    EngineFailedError,
    PendingOperation,
    PlanMismatchError,
    PreviewOptions,
    UpOptions,
} from "../../automation/engine";
import { isTargetGlob, parseUrn, targetGlobPattern } from "../../automation/targets";

export const PROJECT = "bbws-platform";

/** `urn:pulumi:<stack>::bbws-platform::<chain>::<name>`; the chain starts below the root stack. */
export function urn(stack: string, chain: readonly string[], name: string): string {
    return `urn:pulumi:${stack}::${PROJECT}::${["pulumi:pulumi:Stack", ...chain].join("$")}::${name}`;
}

export interface FakeStep {
    readonly urn: string;
    /** What a preview would do to it; default `create`. */
    readonly op?: OpType;
    readonly diffs?: string[];
    /** Keys forcing a replacement. */
    readonly keys?: string[];
    readonly inputs?: Record<string, unknown>;
    /** The parent's URN, reported as the engine does: in `new`, or in `old` for a delete; default none. */
    readonly parent?: string;
    /** How long applying it takes on the fake clock (ms); default 1000. */
    readonly durationMs?: number;
}

/** A small program with every layer: a few resources each, stateful ones included. */
export function platformSteps(stack: string): FakeStep[] {
    const net = ["bbws:network:NetworkLayer"];
    const data = ["bbws:data:DataLayer"];
    const storage = ["bbws:storage:StorageLayer"];
    const ecs = ["bbws:ecs:EcsLayer"];
    const mon = ["bbws:monitoring:MonitoringLayer"];
    return [
        { urn: `urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}` },
        { urn: `urn:pulumi:${stack}::${PROJECT}::pulumi:providers:aws::default_7_48_0` },
        { urn: urn(stack, net, "network") },
        { urn: urn(stack, [...net, "aws:ec2/vpc:Vpc"], "network-vpc"), inputs: { cidrBlock: "10.20.0.0/16" } },
        { urn: urn(stack, [...net, "aws:ec2/subnet:Subnet"], "network-private-a") },
        { urn: urn(stack, data, "data") },
        {
            urn: urn(stack, [...data, "aws:rds/cluster:Cluster"], "data-aurora"),
            inputs: { clusterIdentifier: `bbws-aurora-${stack}` },
            durationMs: 390_000,
        },
        { urn: urn(stack, [...data, "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"], "data-aurora-1") },
        { urn: urn(stack, [...data, "aws:secretsmanager/secret:Secret"], "data-redis-auth") },
        { urn: urn(stack, storage, "storage") },
        { urn: urn(stack, [...storage, "aws:efs/fileSystem:FileSystem"], "storage-efs") },
        { urn: urn(stack, ecs, "ecs") },
        { urn: urn(stack, [...ecs, "aws:ecs/cluster:Cluster"], "ecs-cluster") },
        { urn: urn(stack, mon, "monitoring") },
        { urn: urn(stack, [...mon, "aws:sns/topic:Topic"], "monitoring-alerts") },
    ];
}

export interface FakeEngineOptions {
    readonly stack: string;
    /** Every step of a whole-program preview; default `platformSteps(stack)`. */
    readonly steps?: FakeStep[];
    /** Steps a targeted preview shows besides its targets (a change that leaks out of the phase). */
    readonly alsoTouched?: FakeStep[];
    /** The stack outputs `up` and `outputs()` answer with; default none. */
    readonly outputs?: Record<string, unknown>;
    readonly cliVersion?: string;
    readonly backend?: BackendIdentity;
    /** `now()` of the test's clock; the fake advances it by each step's duration. */
    readonly clock?: FakeClock;
    /** No usable `pulumi`: every call fails as the adapter reports it. */
    readonly cliMissing?: boolean;
    /** Another update holds the stack's lock. */
    readonly concurrentUpdate?: boolean;
    /** `up` fails at the resource with this logical name. */
    readonly failOn?: string;
    /** `up` is interrupted (Ctrl-C) after this many resource operations. */
    readonly cancelAfter?: number;
    /** The events `previewRefresh` sends (test/support/refresh-events.ts builds them); default none. */
    readonly refreshEvents?: readonly EngineEvent[];
    /** Operations a killed CLI left in the state; default none. */
    readonly pendingOperations?: PendingOperation[];
    /** Steps the whole-program preview that closes `--phase all` still shows (a rollout that did not converge). */
    readonly notConverged?: FakeStep[];
    /** `up` refuses its plan: the state changed after the preview. */
    readonly planMismatch?: boolean;
    /** `stack export` fails (e.g. the backend refuses the read). */
    readonly exportFails?: boolean;
}

export class FakeClock {
    constructor(public t = Date.parse("2026-11-23T13:00:00Z")) {}
    now = (): number => this.t;
    advance(ms: number): void {
        this.t += ms;
    }
}

export interface EngineCall {
    readonly op: "preview" | "up";
    /** The URNs targeted: the literal targets, and each glob's matches among the program's steps, as the engine reads them. */
    readonly target?: readonly string[];
    /** The `--target` values as the driver passed them (globs unexpanded). */
    readonly targetFlags?: readonly string[];
    readonly plan?: string;
}

export class FakeEngine implements Engine {
    readonly calls: EngineCall[] = [];
    private sequence = 0;
    /** Plan file → the targets of the preview that saved it. */
    private readonly plans = new Map<string, string>();
    /** Reads of the state (`pendingOperations`): preflight, not engine operations. */
    stateReads = 0;
    /** For each `exportState` (the copy kept before an `up`), how many engine operations came before it. */
    readonly exports: number[] = [];

    constructor(readonly options: FakeEngineOptions) {}

    get previews(): EngineCall[] {
        return this.calls.filter((c) => c.op === "preview");
    }

    get ups(): EngineCall[] {
        return this.calls.filter((c) => c.op === "up");
    }

    async cliVersion(): Promise<string> {
        this.requireCli();
        return this.options.cliVersion ?? "3.248.0";
    }

    async whoAmI(): Promise<BackendIdentity> {
        this.requireCli();
        return this.options.backend ?? { user: "alice", url: "s3://bbws-pulumi-state" };
    }

    async preview(o: PreviewOptions): Promise<PreviewResult> {
        this.requireCli();
        this.calls.push({ op: "preview", target: this.expand(o.target), targetFlags: o.target, plan: o.plan });
        const steps = this.ups.length > 0 && !o.target ? this.afterRollout() : this.stepsFor(o.target);
        this.emit(o, { preludeEvent: { config: {} } });
        for (const s of steps) this.emit(o, { resourcePreEvent: { metadata: this.metadata(s), planning: true } });
        const changeSummary = countOps(steps);
        this.emit(o, { summaryEvent: { maybeCorrupt: false, durationSeconds: 2, resourceChanges: changeSummary, policyPacks: {} } });
        this.emit(o, { cancelEvent: {} });
        if (o.plan) {
            const targetKey = JSON.stringify([...(o.target ?? [])].sort());
            this.plans.set(o.plan, targetKey);
            fs.writeFileSync(
                o.plan,
                JSON.stringify({
                    manifest: { version: "3.248.0" },
                    targets: o.target,
                    resourcePlans: steps.map((s) => [s.urn, s.op ?? "create"]),
                }),
            );
        }
        return { stdout: `Previewing update (${this.options.stack})\n`, stderr: "", changeSummary };
    }

    async up(o: UpOptions): Promise<UpResult> {
        this.requireCli();
        this.calls.push({ op: "up", target: this.expand(o.target), targetFlags: o.target, plan: o.plan });
        if (this.options.concurrentUpdate) throw new ConcurrentUpdateError(this.options.stack);
        if (this.options.planMismatch)
            throw new PlanMismatchError("error: update is not allowed by the plan: this resource is constrained to same");
        if (this.plans.get(o.plan) !== JSON.stringify([...o.target].sort())) {
            throw new EngineFailedError("update", 255, "error: the plan was saved for a different set of targets");
        }
        const clock = this.options.clock;
        const startTime = new Date(clock?.now() ?? 0);
        let done = 0;
        for (const s of this.stepsFor(o.target).filter((x) => (x.op ?? "create") !== "same")) {
            if (o.signal?.aborted || (this.options.cancelAfter !== undefined && done >= this.options.cancelAfter)) {
                this.emit(o, { cancelEvent: {} });
                throw new CancelledError("update");
            }
            this.emit(o, { resourcePreEvent: { metadata: this.metadata(s) } });
            clock?.advance(s.durationMs ?? 1000);
            if (parseUrn(s.urn).name === this.options.failOn) {
                this.emit(o, {
                    diagnosticEvent: {
                        urn: s.urn,
                        message: "creating RDS Cluster: InvalidParameterCombination",
                        color: "never",
                        severity: "error",
                    },
                });
                this.emit(o, { resOpFailedEvent: { metadata: this.metadata(s), status: 1, steps: done } });
                this.emit(o, { cancelEvent: {} });
                throw new EngineFailedError(
                    "update",
                    255,
                    `error: update failed\n${s.urn}: creating RDS Cluster: InvalidParameterCombination`,
                );
            }
            this.emit(o, { resOutputsEvent: { metadata: this.metadata(s) } });
            done++;
        }
        const resourceChanges = countOps(this.stepsFor(o.target));
        this.emit(o, { summaryEvent: { maybeCorrupt: false, durationSeconds: 5, resourceChanges, policyPacks: {} } });
        this.emit(o, { cancelEvent: {} });
        const outputs: OutputMap = Object.fromEntries(
            Object.entries(this.options.outputs ?? {}).map(([k, value]) => [k, { value, secret: false }]),
        );
        return {
            stdout: `Updating (${this.options.stack})\n`,
            stderr: "",
            outputs,
            summary: {
                kind: "update",
                startTime,
                endTime: new Date(clock?.now() ?? 0),
                message: o.message ?? "",
                environment: {},
                config: {},
                result: "succeeded",
                version: this.calls.length,
                resourceChanges,
            },
        };
    }

    async previewRefresh(o: Pick<PreviewOptions, "onEvent" | "signal">): Promise<PreviewResult> {
        this.requireCli();
        const events = this.options.refreshEvents ?? [];
        for (const event of events) o.onEvent?.(event);
        return {
            stdout: `Previewing refresh (${this.options.stack})\n`,
            stderr: "",
            changeSummary: events.find((e) => e.summaryEvent)?.summaryEvent?.resourceChanges ?? {},
        };
    }

    async pendingOperations(): Promise<PendingOperation[]> {
        this.requireCli();
        this.stateReads++;
        return this.options.pendingOperations ?? [];
    }

    async exportState(): Promise<string> {
        this.requireCli();
        this.exports.push(this.calls.length);
        if (this.options.exportFails)
            throw new EngineFailedError("exporting the state (pulumi stack export)", 255, "error: [403] Forbidden");
        return JSON.stringify({
            version: 3,
            deployment: { secrets_providers: { type: "service" }, resources: [], exportedAfter: this.calls.length },
        });
    }

    async outputs(): Promise<Record<string, unknown>> {
        this.requireCli();
        this.stateReads++;
        return this.options.outputs ?? {};
    }

    private requireCli(): void {
        if (this.options.cliMissing) throw new CliMissingError("no `pulumi` executable found");
    }

    /** `target` with each glob replaced by the program's URNs it matches (deployment.go `UrnTargets.Contains`). */
    private expand(target?: readonly string[]): string[] | undefined {
        if (!target) return undefined;
        const all = (this.options.steps ?? platformSteps(this.options.stack)).map((s) => s.urn);
        return target.flatMap((t) => (isTargetGlob(t) ? all.filter((urn) => targetGlobPattern(t).test(urn)) : [t]));
    }

    /** The whole program, or the targets plus what the engine always includes (root stack, providers). */
    private stepsFor(globs?: readonly string[]): FakeStep[] {
        const all = this.options.steps ?? platformSteps(this.options.stack);
        const target = this.expand(globs);
        if (!target) return all;
        const always = all
            .filter((s) => ["pulumi:pulumi:Stack", "pulumi:providers:aws"].includes(parseUrn(s.urn).type))
            .map((s) => ({ ...s, op: "same" as OpType }));
        return [...always, ...all.filter((s) => target.includes(s.urn)), ...(this.options.alsoTouched ?? [])];
    }

    /** A whole-program preview after an `up`: what was applied is `same`, plus whatever did not converge. */
    private afterRollout(): FakeStep[] {
        const all = this.options.steps ?? platformSteps(this.options.stack);
        const left = this.options.notConverged ?? [];
        return [...all.filter((s) => !left.some((l) => l.urn === s.urn)).map((s) => ({ ...s, op: "same" as OpType })), ...left];
    }

    /** A delete has no `new` state, only the `old` one (pulumi/pulumi `DeleteStep.New()` is nil). */
    private metadata(s: FakeStep) {
        const { type } = parseUrn(s.urn);
        const state = { type, urn: s.urn, id: "", parent: s.parent ?? "", inputs: s.inputs ?? {}, outputs: {}, provider: "" };
        const op = s.op ?? "create";
        return { op, urn: s.urn, type, ...(op === "delete" ? { old: state } : { new: state }), diffs: s.diffs, keys: s.keys, provider: "" };
    }

    private emit(o: { onEvent?: (e: EngineEvent) => void }, event: Omit<EngineEvent, "sequence" | "timestamp">): void {
        o.onEvent?.({ sequence: this.sequence++, timestamp: Math.floor((this.options.clock?.now() ?? 0) / 1000), ...event });
    }
}

function countOps(steps: readonly FakeStep[]): OpMap {
    const counts: OpMap = {};
    for (const s of steps) counts[s.op ?? "create"] = (counts[s.op ?? "create"] ?? 0) + 1;
    return counts;
}
