/**
 * Back-off for AWS reads. The clients are built with `maxAttempts: 1`, so this is the only retry
 * policy: one place to read, and a sleep tests can replace so a retried check costs no time.
 *
 * The error classes follow the SDK's own classification (@smithy/core `service-error-classification`).
 */

export interface RetryOptions {
    /** Calls in all, the first included. Default 5. */
    readonly attempts: number;
    /** Wait before the second call; doubled before each further one. Default 500 ms. */
    readonly baseDelayMs: number;
    /** Cap on one wait. Default 8 s. */
    readonly maxDelayMs: number;
    readonly sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryOptions = {
    attempts: 5,
    baseDelayMs: 500,
    maxDelayMs: 8000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const THROTTLING_NAMES = new Set([
    "BandwidthLimitExceeded",
    "EC2ThrottledException",
    "LimitExceededException",
    "PriorRequestNotComplete",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ThrottledException",
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
]);
const TRANSIENT_NAMES = new Set([
    "TimeoutError",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
]);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

interface AwsErrorLike {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
}

/**
 * Whether AWS refused for rate: a throttling error name, HTTP 429, or the SDK's `$retryable.throttling`
 * flag; the same test as `isThrottlingError` in @smithy/core (retry/service-error-classification), whose
 * `THROTTLING_ERROR_CODES` has since gained `TransactionInProgressException`, not listed here.
 */
export function isThrottling(err: unknown): boolean {
    const e = (err ?? {}) as AwsErrorLike;
    return THROTTLING_NAMES.has(e.name ?? "") || e.$metadata?.httpStatusCode === 429 || e.$retryable?.throttling === true;
}

/** Worth asking again: throttled, a server-side fault, a time-out or a dropped connection. */
export function isTransient(err: unknown): boolean {
    const e = (err ?? {}) as AwsErrorLike;
    return (
        isThrottling(err) ||
        TRANSIENT_NAMES.has(e.name ?? "") ||
        TRANSIENT_STATUS.has(e.$metadata?.httpStatusCode ?? 0) ||
        NETWORK_CODES.has(e.code ?? "")
    );
}

/** The wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(attempt: number, options: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs">): number {
    return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
}

/** Calls `read` until it succeeds, fails for good, or runs out of attempts; rethrows the last error. */
export async function withRetry<T>(read: () => Promise<T>, options: RetryOptions = DEFAULT_RETRY): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await read();
        } catch (err) {
            if (attempt >= options.attempts || !isTransient(err)) throw err;
            await options.sleep(backoffDelay(attempt, options));
        }
    }
}
