import { expect } from "chai";
import * as fc from "fast-check";
import {
    GLOBAL_SERVICE_SOURCES,
    matchesEventPattern,
    unreachableGlobalSources,
    UnsupportedPatternError,
} from "../../src/policy/event-pattern";

/**
 * The matcher against the examples of the EventBridge user guide, "Content filtering in Amazon
 * EventBridge event patterns" (eb-create-pattern-operators.html) and "Creating event patterns"
 * (eb-event-patterns.html), each quoted as the guide gives it.
 */
describe("EventBridge pattern matcher (src/policy/event-pattern.ts)", () => {
    // The guide's EC2 instance state-change example event.
    const ec2Event = {
        version: "0",
        id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "EC2 Instance State-change Notification",
        source: "aws.ec2",
        account: "111122223333",
        time: "2017-12-22T18:43:48Z",
        region: "us-west-1",
        resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
        detail: { "instance-id": "i-1234567890abcdef0", state: "terminated" },
    };

    it("matches exact values and fields in nested objects; any listed value will do", () => {
        expect(matchesEventPattern({ source: ["aws.ec2"], detail: { state: ["running", "terminated"] } }, ec2Event)).to.equal(true);
        expect(matchesEventPattern({ source: ["aws.ec2"], detail: { state: ["running"] } }, ec2Event)).to.equal(false);
    });

    it("matches an event array when any of its elements matches (resources)", () => {
        expect(matchesEventPattern({ resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"] }, ec2Event)).to.equal(
            true,
        );
        expect(matchesEventPattern({ resources: [{ prefix: "arn:aws:ec2:us-west-1:" }] }, ec2Event)).to.equal(true);
        expect(matchesEventPattern({ resources: [{ prefix: "arn:aws:ecs:" }] }, ec2Event)).to.equal(false);
    });

    it("prefix and suffix match strings only", () => {
        expect(matchesEventPattern({ time: [{ prefix: "2017-12-22" }] }, ec2Event)).to.equal(true);
        expect(matchesEventPattern({ detail: { "instance-id": [{ suffix: "def0" }] } }, ec2Event)).to.equal(true);
        expect(matchesEventPattern({ detail: { "instance-id": [{ suffix: "xyz" }] } }, ec2Event)).to.equal(false);
    });

    it("anything-but takes a value, a list or a prefix, and needs the field present", () => {
        expect(matchesEventPattern({ detail: { state: [{ "anything-but": "initializing" }] } }, ec2Event)).to.equal(true);
        expect(matchesEventPattern({ detail: { state: [{ "anything-but": ["stopped", "terminated"] }] } }, ec2Event)).to.equal(false);
        expect(matchesEventPattern({ detail: { state: [{ "anything-but": { prefix: "term" } }] } }, ec2Event)).to.equal(false);
        expect(matchesEventPattern({ detail: { missing: [{ "anything-but": "x" }] } }, ec2Event)).to.equal(false);
    });

    it("numeric compares numbers with one or two bounds (the guide's `c-count` example)", () => {
        const event = { detail: { "c-count": 5, "d-count": 3, "x-limit": 301.8 } };
        expect(matchesEventPattern({ detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } }, event)).to.equal(true);
        expect(matchesEventPattern({ detail: { "d-count": [{ numeric: ["<", 10] }] } }, event)).to.equal(true);
        expect(matchesEventPattern({ detail: { "x-limit": [{ numeric: ["=", 3.018e2] }] } }, event)).to.equal(true);
        expect(matchesEventPattern({ detail: { "c-count": [{ numeric: [">", 5] }] } }, event)).to.equal(false);
        // A string never matches a numeric filter.
        expect(matchesEventPattern({ detail: { "c-count": [{ numeric: [">", 0] }] } }, { detail: { "c-count": "5" } })).to.equal(false);
    });

    it("numeric agrees with plain comparison over the whole range of numbers", () => {
        fc.assert(
            fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), (value, bound) => {
                expect(matchesEventPattern({ n: [{ numeric: [">=", bound] }] }, { n: value })).to.equal(value >= bound);
            }),
        );
    });

    it("exists: true needs the field, exists: false needs it absent", () => {
        expect(matchesEventPattern({ detail: { state: [{ exists: true }] } }, ec2Event)).to.equal(true);
        expect(matchesEventPattern({ detail: { state: [{ exists: false }] } }, ec2Event)).to.equal(false);
        expect(matchesEventPattern({ detail: { "invoked-by": [{ exists: false }] } }, ec2Event)).to.equal(true);
        expect(matchesEventPattern({ detail: { "invoked-by": [{ exists: true }] } }, ec2Event)).to.equal(false);
    });

    it("$or needs one branch besides the rest of the object", () => {
        const pattern = { source: ["aws.ec2"], detail: { $or: [{ state: ["running"] }, { "instance-id": [{ prefix: "i-1" }] }] } };
        expect(matchesEventPattern(pattern, ec2Event)).to.equal(true);
        expect(matchesEventPattern({ ...pattern, source: ["aws.ecs"] }, ec2Event)).to.equal(false);
        expect(matchesEventPattern({ detail: { $or: [{ state: ["running"] }, { state: ["pending"] }] } }, ec2Event)).to.equal(false);
    });

    it("refuses an operator it does not implement instead of guessing", () => {
        expect(() => matchesEventPattern({ detail: { state: [{ "equals-ignore-case": "TERMINATED" }] } }, ec2Event)).to.throw(
            UnsupportedPatternError,
            /equals-ignore-case/,
        );
        expect(() => matchesEventPattern({ source: "aws.ec2" }, ec2Event)).to.throw(UnsupportedPatternError);
    });

    describe("global services' events (us-east-1 only)", () => {
        it("knows a rule outside us-east-1 on IAM, Organizations or Account events never fires", () => {
            for (const source of GLOBAL_SERVICE_SOURCES) {
                expect(unreachableGlobalSources({ source: [source] }, "eu-west-1")).to.deep.equal([source]);
                expect(unreachableGlobalSources({ source: [source] }, "us-east-1")).to.deep.equal([]);
            }
        });

        it("accepts a home-region rule that matches only events forwarded from us-east-1", () => {
            expect(unreachableGlobalSources({ source: ["aws.iam"], region: ["us-east-1"] }, "af-south-1")).to.deep.equal([]);
            expect(unreachableGlobalSources({ source: ["aws.iam"], region: ["us-east-1", "af-south-1"] }, "af-south-1")).to.deep.equal([
                "aws.iam",
            ]);
        });

        it("leaves regional services alone", () => {
            expect(unreachableGlobalSources({ source: ["aws.ecr", "aws.guardduty"] }, "af-south-1")).to.deep.equal([]);
        });
    });
});
