import { expect } from "chai";
import { backoffDelay, DEFAULT_RETRY, isThrottling, isTransient, withRetry } from "../../../automation/verify/retry";

const awsError = (name: string, httpStatusCode: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });

describe("verify retry: which AWS errors are worth asking again", () => {
    for (const [name, status] of [
        ["Throttling", 400],
        ["ThrottlingException", 400],
        ["RequestLimitExceeded", 503],
        ["SlowDown", 503],
        ["TooManyRequests", 429],
    ] as const) {
        it(`${name} (${status}) is throttling, and transient`, () => {
            expect(isThrottling(awsError(name, status))).to.equal(true);
            expect(isTransient(awsError(name, status))).to.equal(true);
        });
    }

    it("a 5xx, a time-out and a reset connection are transient but not throttling", () => {
        for (const err of [
            awsError("InternalFailure", 500),
            awsError("TimeoutError", 0),
            Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
        ]) {
            expect(isTransient(err), err.name).to.equal(true);
            expect(isThrottling(err), err.name).to.equal(false);
        }
    });

    it("access denied and not-found are final", () => {
        for (const err of [
            awsError("AccessDeniedException", 400),
            awsError("DBClusterNotFoundFault", 404),
            new TypeError("x is undefined"),
        ]) {
            expect(isTransient(err), err.name).to.equal(false);
        }
    });
});

describe("verify retry: back-off", () => {
    it("doubles from 0.5 s and never waits more than 8 s at a time", () => {
        expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, DEFAULT_RETRY))).to.deep.equal([500, 1000, 2000, 4000, 8000, 8000]);
    });

    it("stops after the configured attempts and rethrows the last error", async () => {
        const sleeps: number[] = [];
        let calls = 0;
        const read = async () => {
            calls++;
            throw awsError("Throttling", 400);
        };
        const error = await withRetry(read, {
            ...DEFAULT_RETRY,
            attempts: 3,
            sleep: async (ms) => {
                sleeps.push(ms);
            },
        }).catch((e) => e);
        expect(error.name).to.equal("Throttling");
        expect(calls).to.equal(3);
        expect(sleeps).to.deep.equal([500, 1000]);
    });
});
