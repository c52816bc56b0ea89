/**
 * Engine events in the shapes the Automation API reads (automation/events.d.ts), sent the way the
 * CLI sends them: to `--event-log tcp://127.0.0.1:PORT` over the SDK's gRPC Events service (CLI
 * above 3.205), or as JSON lines appended to the file `--event-log` names (older CLIs).
 */
import { movedState } from "./aliases";
import * as fs from "fs";
import type { EngineEvent, OpType, StepEventMetadata, StepEventStateMetadata } from "@pulumi/pulumi/automation";
import type { DesiredResource } from "./desired";
import type { StateResource } from "./state";
import type { Step } from "./steps";

type EventBody = Omit<EngineEvent, "sequence" | "timestamp">;

export interface EventSink {
    send(event: EventBody): void;
    /** Flushes and closes; the SDK's gRPC server sees the stream end. */
    close(): Promise<void>;
}

/** A sink for `--event-log`'s value; none when the SDK asked for no events. */
export async function openEventSink(destination: string | undefined): Promise<EventSink> {
    let sequence = 0;
    const stamp = (event: EventBody): EngineEvent => ({ sequence: sequence++, timestamp: Math.floor(Date.now() / 1000), ...event });
    if (!destination) return { send: () => undefined, close: async () => undefined };

    if (!destination.startsWith("tcp://")) {
        return {
            send: (event) => fs.appendFileSync(destination, `${JSON.stringify(stamp(event))}\n`),
            close: async () => undefined,
        };
    }
    // Loaded only for the gRPC transport: it costs a tenth of a second.
    const grpc = await import("@grpc/grpc-js");
    const { EventsClient } = await import("@pulumi/pulumi/proto/events_grpc_pb");
    const { EventRequest } = await import("@pulumi/pulumi/proto/events_pb");
    const client = new EventsClient(destination.slice("tcp://".length), grpc.credentials.createInsecure());
    const call = client.streamEvents((err: Error | null) => {
        if (err) process.stderr.write(`event stream: ${err.message}\n`);
    });
    // The server answers once it has read the whole stream: only then may the CLI exit.
    const done = new Promise<void>((resolve) => call.on("status", () => resolve()));
    return {
        send: (event) => {
            call.write(new EventRequest().setEvent(JSON.stringify(stamp(event))));
        },
        close: async () => {
            call.end();
            await done;
            client.close();
        },
    };
}

/** A resource's `old`/`new` in a step event, with `outputs` given separately (a refresh reports the cloud's); absent fields become `""`. */
export function stateMetadata(r: StateResource | DesiredResource, outputs: Record<string, unknown>): StepEventStateMetadata {
    return {
        type: r.type,
        urn: r.urn,
        custom: r.custom,
        id: "id" in r ? (r.id ?? "") : "",
        parent: r.parent ?? "",
        inputs: r.inputs,
        outputs,
        provider: r.provider ?? "",
    };
}

/** The metadata of a step event; `op` may be one of the three a replacement is made of. */
export function stepMetadata(step: Step, op: OpType = step.op, applied = false): StepEventMetadata {
    const provider = step.new?.provider ?? step.old?.provider ?? "";
    const detailedDiff = Object.fromEntries(
        step.diffs.map((k) => [
            k,
            {
                diffKind: (step.replaceKeys.includes(k) ? "update-replace" : "update") as never,
                inputDiff: true,
            },
        ]),
    );
    return {
        op,
        urn: step.urn,
        type: step.type,
        ...(step.old ? { old: stateMetadata(step.old, step.old.outputs) } : {}),
        // A `same` step keeps the old state: for an untargeted resource the program's new inputs do not apply.
        ...(step.op === "same" && step.old ? { new: stateMetadata(movedState(step.old, step), step.old.outputs) } : {}),
        ...(step.new && step.op !== "same" ? { new: stateMetadata(step.new, applied ? step.new.outputs : {}) } : {}),
        ...(step.diffs.length ? { keys: [...step.replaceKeys], diffs: [...step.diffs], detailedDiff } : {}),
        logical: true,
        provider,
    };
}
