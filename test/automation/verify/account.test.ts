import { expect } from "chai";
import { DescribeTrailsCommand, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { AccessDeniedException, GetDetectorCommand, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { DescribeHubCommand, InvalidAccessException } from "@aws-sdk/client-securityhub";
import type { PlatformConfig } from "../../../src/config";
import { configFor } from "../../support/pulumi";
import { accountTrail, DETECTOR_ID, mockHealthyEnvironment, mocks, outputsFor, resultOf } from "./fixtures";

/** How IAM refuses a call: HTTP 403 and an `AccessDenied…` error naming the action. */
function denied(action: string): Error {
    return Object.assign(new Error(`User: arn:aws:sts::093646564004:assumed-role/bbws-verify/ci is not authorized to perform: ${action}`), {
        name: "AccessDeniedException",
        $metadata: { httpStatusCode: 403 },
    });
}

describe("verify monitoring: the account's security services", () => {
    // prod requires them (the default), dev opts out in its stack file: the same gap fails one and warns the other.
    const required = configFor("prod");
    const optional = configFor("dev");

    it("reads the severity from the stack files: required in sit and prod, optional in dev", () => {
        expect(["dev", "sit", "prod"].map((env) => configFor(env).monitoring.requireAccountSecurityServices)).to.deep.equal([
            false,
            true,
            true,
        ]);
    });

    for (const cfg of [required, optional]) {
        const outputs = outputsFor(cfg);
        const gap = cfg.monitoring.requireAccountSecurityServices ? "fail" : "warn";
        describe(`in ${cfg.env} (a gap is a ${gap})`, () => {
            beforeEach(() => mockHealthyEnvironment(cfg, outputs));
            const result = (id: string) => resultOf(cfg, id, outputs);

            it("passes a multi-region trail that is logging, asking its status by ARN (it is a shadow trail here)", async () => {
                const arn = accountTrail(cfg).TrailARN;
                expect(await result("monitoring-cloudtrail-logging")).to.deep.include({ status: "pass", detail: `logging: ${arn}` });
                expect(mocks.cloudtrail.commandCalls(DescribeTrailsCommand)[0].args[0].input).to.deep.equal({ includeShadowTrails: true });
                expect(mocks.cloudtrail.commandCalls(GetTrailStatusCommand)[0].args[0].input).to.deep.equal({ Name: arn });
            });

            it(`${gap}s when the only trail is single-region, or the multi-region trail has stopped logging`, async () => {
                mocks.cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [{ ...accountTrail(cfg), IsMultiRegionTrail: false }] });
                expect(await result("monitoring-cloudtrail-logging")).to.deep.include({ status: gap });
                expect((await result("monitoring-cloudtrail-logging")).detail).to.match(
                    new RegExp(`^no multi-region trail in ${cfg.region}`),
                );

                mockHealthyEnvironment(cfg, outputs);
                mocks.cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
                const stopped = await result("monitoring-cloudtrail-logging");
                expect(stopped.status).to.equal(gap);
                expect(stopped.detail).to.contain(`not logging: ${accountTrail(cfg).TrailARN}`);
            });

            it(`${gap}s naming cloudtrail:DescribeTrails when the credentials may not read trails`, async () => {
                mocks.cloudtrail.on(DescribeTrailsCommand).rejects(denied("cloudtrail:DescribeTrails"));
                const r = await result("monitoring-cloudtrail-logging");
                expect(r.status).to.equal(gap);
                expect(r.detail).to.match(/^not verified: the credentials lack cloudtrail:DescribeTrails \(AccessDeniedException\)/);
            });

            it("passes Security Hub when DescribeHub returns the hub", async () => {
                expect(await result("monitoring-security-hub-enabled")).to.deep.include({
                    status: "pass",
                    detail: `arn:aws:securityhub:${cfg.region}:${cfg.accountId}:hub/default, enabled since 2025-02-03T08:05:41.718Z`,
                });
            });

            it(`${gap}s when the account is not subscribed to Security Hub (DescribeHub's InvalidAccessException)`, async () => {
                mocks.securityHub.on(DescribeHubCommand).rejects(
                    new InvalidAccessException({
                        message: `Account ${cfg.accountId} is not subscribed to AWS Security Hub`,
                        $metadata: { httpStatusCode: 401 },
                    }),
                );
                const r = await result("monitoring-security-hub-enabled");
                expect(r.status).to.equal(gap);
                expect(r.detail).to.match(new RegExp(`^Security Hub is not enabled in ${cfg.region}`));
            });

            it(`${gap}s naming securityhub:DescribeHub when IAM refuses it`, async () => {
                mocks.securityHub.on(DescribeHubCommand).rejects(denied("securityhub:DescribeHub"));
                expect((await result("monitoring-security-hub-enabled")).detail).to.match(/lack securityhub:DescribeHub/);
            });

            it("passes GuardDuty with an ENABLED detector, read by the id ListDetectors gave", async () => {
                expect(await result("monitoring-guardduty-enabled")).to.deep.include({
                    status: "pass",
                    detail: `detector ${DETECTOR_ID} ENABLED in ${cfg.region}`,
                });
                expect(mocks.guardDuty.commandCalls(GetDetectorCommand)[0].args[0].input).to.deep.equal({ DetectorId: DETECTOR_ID });
            });

            it(`${gap}s with no detector, or a suspended one`, async () => {
                mocks.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
                expect(await result("monitoring-guardduty-enabled")).to.deep.include({ status: gap });

                mockHealthyEnvironment(cfg, outputs);
                mocks.guardDuty
                    .on(GetDetectorCommand)
                    .resolves({ Status: "DISABLED", ServiceRole: "r", CreatedAt: "2025-02-03T08:06:10.512Z" });
                const suspended = await result("monitoring-guardduty-enabled");
                expect(suspended.status).to.equal(gap);
                expect(suspended.detail).to.contain(`${DETECTOR_ID} DISABLED`);
            });

            it(`${gap}s naming guardduty:ListDetectors when IAM refuses it`, async () => {
                mocks.guardDuty.on(ListDetectorsCommand).rejects(
                    new AccessDeniedException({
                        message: "not authorized to perform: guardduty:ListDetectors",
                        $metadata: { httpStatusCode: 403 },
                    }),
                );
                expect((await result("monitoring-guardduty-enabled")).detail).to.match(/lack guardduty:ListDetectors/);
            });
        });
    }

    it("says which setting made a gap fail, so the operator knows it is policy, not an outage", async () => {
        const cfg: PlatformConfig = required;
        const outputs = outputsFor(cfg);
        mockHealthyEnvironment(cfg, outputs);
        mocks.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
        expect((await resultOf(cfg, "monitoring-guardduty-enabled", outputs)).detail).to.contain(
            "(required: bbws:monitoring.requireAccountSecurityServices)",
        );
    });
});
