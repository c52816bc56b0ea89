/**
 * The AWS clients a one-off task needs (ECS, CloudWatch Logs, S3, STS), how they retry, and how an
 * AWS error ends a run. Only types are imported from the SDK at load time.
 */
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { S3Client } from "@aws-sdk/client-s3";
import type { STSClient } from "@aws-sdk/client-sts";
import { BbwsError, EXIT } from "../errors";

/** The clients of one region. `s3` is a whole client: lib-storage's `Upload` reads its config (endpoint, checksums). */
export interface TaskAws {
    readonly ecs: Pick<ECSClient, "send">;
    readonly logs: Pick<CloudWatchLogsClient, "send">;
    readonly s3: S3Client;
    readonly sts: Pick<STSClient, "send">;
}

/**
 * Attempts per call, the first included. The SDK retries throttling (`ThrottlingException`,
 * `TooManyRequestsException`, `RequestLimitExceeded`, … : smithy-typescript
 * `packages/core/src/submodules/retry/service-error-classification/constants.ts` THROTTLING_ERROR_CODES),
 * 5xx and dropped connections with exponential back-off; its default is 3 (`DEFAULT_MAX_ATTEMPTS`,
 * util-retry/config.ts). A run polls for hours, so a throttled burst gets more room.
 */
export const MAX_ATTEMPTS = 8;

/**
 * `adaptive`: the standard strategy's back-off plus a client-side rate limiter that slows the
 * client's own sending once it is throttled (smithy-typescript util-retry `AdaptiveRetryStrategy`,
 * `DefaultRateLimiter`); the poll loop then stays under the account's ECS and Logs API rates.
 */
export const RETRY_MODE = "adaptive";

/** Clients for `region` on the default credential chain, with `MAX_ATTEMPTS` and `RETRY_MODE`; the SDK is loaded here. */
export async function createTaskAws(region: string): Promise<TaskAws> {
    const [{ ECSClient: Ecs }, { CloudWatchLogsClient: Logs }, { S3Client: S3 }, { STSClient: Sts }] = await Promise.all([
        import("@aws-sdk/client-ecs"),
        import("@aws-sdk/client-cloudwatch-logs"),
        import("@aws-sdk/client-s3"),
        import("@aws-sdk/client-sts"),
    ]);
    const config = { region, maxAttempts: MAX_ATTEMPTS, retryMode: RETRY_MODE };
    return { ecs: new Ecs(config), logs: new Logs(config), s3: new S3(config), sts: new Sts(config) };
}

/** An AWS call failed after the SDK's retries: the run ends with the service, the operation and AWS's message (exit 1). */
export class AwsCallError extends BbwsError {
    constructor(
        readonly service: string,
        readonly operation: string,
        readonly awsName: string,
        awsMessage: string,
        fix?: string,
        /** The HTTP status AWS answered with; absent when no answer came (timeout, lost connection). */
        readonly httpStatusCode?: number,
    ) {
        super("aws-error", `${service} ${operation} failed: ${awsName}: ${awsMessage}`, EXIT.failed, fix);
        this.name = "AwsCallError";
    }
}

/** Runs one AWS call; any error but our own becomes an `AwsCallError` naming `service` and `operation`. */
export async function awsCall<T>(service: string, operation: string, call: () => Promise<T>, fix?: string): Promise<T> {
    try {
        return await call();
    } catch (err) {
        if (err instanceof BbwsError) throw err;
        const e = err as Error;
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        throw new AwsCallError(service, operation, e.name ?? "Error", e.message ?? String(err), fix, status);
    }
}

/**
 * True when AWS answered and refused (HTTP 4xx: validation, access, throttling; or a 2xx that lists
 * `failures`): the request had no effect. A 5xx or no answer at all (timeout, reset connection)
 * leaves it open whether it took effect.
 */
export function refusedByAws(err: unknown): boolean {
    const status = err instanceof AwsCallError ? err.httpStatusCode : undefined;
    return status !== undefined && status < 500;
}

/** The error's name (the AWS exception, e.g. `ResourceNotFoundException`), for the few a caller expects. */
export function errorName(err: unknown): string | undefined {
    return (err as { name?: string } | undefined)?.name;
}
