/**
 * The scale benchmark's own logic: the configs it generates, how it validates them past the schema's
 * cap without raising it, the argv arithmetic, and its command line. The measurements themselves are
 * a benchmark (README "Scale"), not a timed test.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { argvBytes, benchConfig, benchStackFile, benchTenants, parseTenantCounts, targetFlags } from "../../automation/bench";
import { main, Measure } from "../../automation/bench-cli";
import type { SynthMeasurement } from "../../automation/bench";
import { memoryIo } from "../../automation/io";
import { UsageError } from "../../automation/errors";
import { MAX_LISTENER_CERTIFICATES, MAX_TENANTS } from "../../src/config";
import { PROJECT_DIR } from "../support/pulumi";

describe("scale benchmark", () => {
    describe("generated tenants", () => {
        it("are unique in id, slot and custom domain for any count, keep their template's shape, and have custom domains only while the listener's certificates last", () => {
            const templates = benchStackFile(PROJECT_DIR, "prod", 2).config["bbws:tenants"] as any[];
            fc.assert(
                fc.property(fc.integer({ min: 1, max: 600 }), (count) => {
                    const tenants = benchTenants(templates, count);
                    expect(tenants).to.have.length(count);
                    expect(new Set(tenants.map((t) => t.id)).size).to.equal(count);
                    expect(new Set(tenants.map((t) => t.slot)).size).to.equal(count);
                    const domains = tenants.flatMap((t) => t.domains ?? []);
                    expect(new Set(domains).size).to.equal(domains.length);
                    // ELB user guide, "Quotas for your Application Load Balancers": 25 certificates per ALB besides the default.
                    expect(domains.length).to.be.at.most(MAX_LISTENER_CERTIFICATES);
                    tenants.forEach((t, i) => expect(t.cpu).to.equal(templates[i % templates.length].cpu));
                }),
                { numRuns: 25 },
            );
        });

        it("are validated by the product's schema a slice at a time: 500 tenants pass, with the cap itself unchanged", () => {
            const cfg = benchConfig(PROJECT_DIR, benchStackFile(PROJECT_DIR, "prod", 500));
            expect(cfg.tenants).to.have.length(500);
            expect(MAX_TENANTS).to.equal(50);
            expect(cfg.tenants[499].hostnames[0]).to.equal("t0500.bbws.io");
        });

        it("refuses a tenant the schema refuses, in any slice", () => {
            const file = benchStackFile(PROJECT_DIR, "prod", 120);
            const tenants = [...(file.config["bbws:tenants"] as any[])];
            tenants[110] = { ...tenants[110], memory: 3 };
            expect(() => benchConfig(PROJECT_DIR, { ...file, config: { ...file.config, "bbws:tenants": tenants } })).to.throw(
                /bbws:tenants\[10\]\.memory/,
            );
        });

        it("refuses a duplicate that only shows across slices (the schema sees one slice)", () => {
            const file = benchStackFile(PROJECT_DIR, "prod", 60);
            const tenants = [...(file.config["bbws:tenants"] as any[])];
            tenants[55] = { ...tenants[55], id: tenants[0].id };
            expect(() => benchConfig(PROJECT_DIR, { ...file, config: { ...file.config, "bbws:tenants": tenants } })).to.throw(
                /duplicate tenant id 't0001'/,
            );
        });

        it("refuses more custom domains than the listener's certificates when they only add up across slices", () => {
            const file = benchStackFile(PROJECT_DIR, "prod", 120);
            const tenants = (file.config["bbws:tenants"] as any[]).map((t, i) =>
                i >= 60 && i < 80 ? { ...t, domains: [`${t.id}.example.com`] } : t,
            );
            expect(() => benchConfig(PROJECT_DIR, { ...file, config: { ...file.config, "bbws:tenants": tenants } })).to.throw(
                /custom domains, more than the listener's 25 certificates/,
            );
        });
    });

    describe("argument length", () => {
        it("counts each --target and URN as a string with its terminating NUL, as execve copies them", () => {
            const urns = ["urn:pulumi:prod::p::t::a", "urn:pulumi:prod::p::t::bb"];
            expect(targetFlags(urns)).to.deep.equal(["--target", urns[0], "--target", urns[1]]);
            expect(argvBytes(targetFlags(urns))).to.equal(2 * ("--target".length + 1) + urns[0].length + 1 + urns[1].length + 1);
        });
    });

    describe("command line", () => {
        const fake: SynthMeasurement = {
            tenants: 2,
            resources: 209,
            ecsTargets: 60,
            ecsTargetFlags: 2,
            ecsTargetArgvBytes: 140,
            ecsLiteralArgvBytes: 6823,
            wallMs: 1500,
            cpuMs: 1200,
            peakRssBytes: 200 * 2 ** 20,
        };
        const measure: Measure = async <T>(kind: "synth" | "rehearse", tenants: number) =>
            (kind === "synth" ? { ...fake, tenants } : { tenants, exitCode: 0, wallMs: 9000, cpuMs: 3000, peakRssBytes: 2 ** 27 }) as T;

        it("prints one row per count, and rehearses only counts the schema accepts", async () => {
            const io = memoryIo();
            expect(await main(["--tenants", "2,100", "--rehearse"], io, measure)).to.equal(0);
            const lines = io.stdout.join("").split("\n");
            expect(lines[0]).to.match(/^tenants\s+resources\s+synth wall s\s+synth CPU s\s+synth peak RSS MiB/);
            expect(lines[2]).to.match(/^2\s+209\s+1\.5\s+1\.2\s+200\s+60\s+2\s+0\.1\s+7\s+9\.0\s+0$/);
            expect(lines[3]).to.match(/^100\s.*-\s+not run$/);
        });

        it("--json gives the figures as measured", async () => {
            const io = memoryIo();
            expect(await main(["--tenants", "2", "--json"], io, measure)).to.equal(0);
            expect(JSON.parse(io.stdout.join(""))).to.deep.equal([{ synth: fake }]);
        });

        it("refuses a count that is not a whole number from 1 to 9999, with exit 2", async () => {
            for (const bad of ["0", "2,x", "10000", ""]) expect(() => parseTenantCounts(bad), bad).to.throw(UsageError);
            const io = memoryIo();
            expect(await main(["--tenants", "2,-1"], io, measure)).to.equal(2);
            expect(io.stderr.join("")).to.match(/--tenants expects comma-separated counts/);
        });
    });
});
