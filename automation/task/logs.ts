/**
 * The task's CloudWatch log lines as they arrive: GetLogEvents on the awslogs stream, read forward
 * from its head with `nextForwardToken`. The stream only exists once the container has started (the
 * awslogs driver creates it), so until then the read answers ResourceNotFoundException: "not yet",
 * not an error; a task that never starts never has one.
 */
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { awsCall, errorName } from "./aws";
import type { OneOffTask } from "./contract";

/**
 * The awslogs driver names a task's stream `<awslogs-stream-prefix>/<container name>/<task id>`
 * (ECS developer guide, "Using the awslogs log driver", `awslogs-stream-prefix`).
 */
export function logStreamName(task: Pick<OneOffTask, "logStreamPrefix" | "containerName">, taskId: string): string {
    return `${task.logStreamPrefix}/${task.containerName}/${taskId}`;
}

/** Reads one stream forward; `read()` returns the lines that arrived since the last call. */
export class LogTail {
    private token?: string;
    /** True once the stream has answered: the container started logging. */
    seen = false;

    constructor(
        private readonly logs: Pick<CloudWatchLogsClient, "send">,
        readonly logGroupName: string,
        readonly logStreamName: string,
    ) {}

    /**
     * Every new event's message, oldest first. Pages until the service hands back the token it was
     * given, which is how it says the end of the stream is reached (GetLogEvents `nextForwardToken`:
     * "If you have reached the end of the stream, it returns the same token you passed in"). Reading
     * forward with a token needs `startFromHead: true` (GetLogEvents `startFromHead`). An absent
     * stream answers no lines; any other error is an `AwsCallError` (CloudWatch Logs GetLogEvents).
     */
    async read(): Promise<string[]> {
        const { GetLogEventsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
        const lines: string[] = [];
        for (;;) {
            const sent = this.token;
            const page = await awsCall("CloudWatch Logs", "GetLogEvents", async () => {
                try {
                    return await this.logs.send(
                        new GetLogEventsCommand({
                            logGroupName: this.logGroupName,
                            logStreamName: this.logStreamName,
                            startFromHead: true,
                            nextToken: sent,
                        }),
                    );
                } catch (err) {
                    if (errorName(err) === "ResourceNotFoundException" && !this.seen) return undefined;
                    throw err;
                }
            });
            if (page === undefined) return lines;
            this.seen = true;
            lines.push(...(page.events ?? []).map((e) => (e.message ?? "").replace(/\n$/, "")));
            this.token = page.nextForwardToken ?? sent;
            if (this.token === sent || (page.events ?? []).length === 0) return lines;
        }
    }
}
