/**
 * Stack-file edits of onboarding and offboarding: only the tenant's own lines change, byte for byte,
 * in every environment's file and for any tenant the schema accepts; the result is validated by the
 * config loader before it is written, and written atomically.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { checkStackText, loadStackConfig, writeStackFile } from "../../automation/stack-files";
import { addTenant, retireTenant, startTenant, stopTenant, tenantIds } from "../../automation/tenant/stack-edit";
import { changedLines } from "../../automation/tenant/steps";
import { ENVIRONMENTS, PROJECT_DIR } from "../support/pulumi";
import { tempDir } from "../support/temp";

const read = (env: string) => fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${env}.yaml`), "utf8");

/** A copy of the project's stack files to write into. */
function projectCopy(): string {
    const dir = tempDir("bbws-stack-edit-");
    for (const f of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f)))
        fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
    return dir;
}

const newTenant = fc.record({
    id: fc.stringMatching(/^[a-z][a-z0-9]{2,20}$/).map((s) => `t${s}`),
    slot: fc.integer({ min: 10, max: 9999 }),
    size: fc.constantFrom([256, 512], [512, 1024], [1024, 2048], [2048, 4096]),
    domains: fc.array(
        fc.stringMatching(/^[a-z][a-z0-9]{1,10}$/).map((d) => `${d}.example.org`),
        { maxLength: 2 },
    ),
});

describe("stack-file edits of a tenant (yaml Document API)", () => {
    for (const env of ENVIRONMENTS) {
        it(`${env}: add appends exactly the tenant's lines at the end of bbws:tenants; every other byte stays`, () => {
            const before = read(env);
            const after = addTenant(before, { id: "newco", slot: 9, cpu: 512, memory: 1024, domains: ["newco.example.org"] });
            expect(changedLines(before, after)).to.deep.equal([
                "+     - id: newco",
                "+       slot: 9",
                "+       cpu: 512",
                "+       memory: 1024",
                "+       domains:",
                "+         - newco.example.org",
                "+       stopped: true",
            ]);
            const lastTenantLine = before.trimEnd().split("\n").length;
            expect(after.split("\n").slice(0, lastTenantLine).join("\n")).to.equal(before.trimEnd());
        });

        it(`${env}: remove's stop adds offboarding beside stopped; start removes both`, () => {
            const before = read(env);
            const id = tenantIds(before)[0];
            const stopped = stopTenant(before, id, true);
            expect(changedLines(before, stopped).filter((l) => l.startsWith("+"))).to.deep.equal([
                "+       stopped: true",
                "+       offboarding: true",
            ]);
            expect(stopTenant(stopped, id, true)).to.equal(stopped);
            expect(startTenant(stopped, id)).to.equal(startTenant(before, id));
        });

        it(`${env}: start removes only the stopped line; retire removes the tenant's lines and appends its retired entry`, () => {
            const before = read(env);
            const added = addTenant(before, { id: "newco", slot: 9, cpu: 512, memory: 1024, domains: [] });
            expect(startTenant(added, "newco")).to.equal(added.replace("      stopped: true\n", ""));
            const retired = retireTenant(startTenant(added, "newco"), "newco", "2026-12-01");
            expect(retired).to.equal(`${before}  bbws:retiredTenants:\n    - id: newco\n      slot: 9\n      date: "2026-12-01"\n`);
            const again = retireTenant(
                retireTenant(
                    retired.replace(
                        "bbws:tenants:\n",
                        "bbws:tenants:\n    - id: other\n      slot: 11\n      cpu: 256\n      memory: 512\n",
                    ),
                    "other",
                    "2026-12-02",
                ),
                tenantIds(before)[0],
                "2026-12-03",
            );
            expect(
                again.endsWith(
                    `      date: "2026-12-01"\n    - id: other\n      slot: 11\n      date: "2026-12-02"\n    - id: ${tenantIds(before)[0]}\n      slot: 1\n      date: "2026-12-03"\n`,
                ),
            ).to.equal(true);
        });
    }

    it("keeps comments, key order and flow lists of the whole file for any tenant the schema accepts, and the loader accepts the result", () => {
        const dir = projectCopy();
        const before = read("sit");
        fc.assert(
            fc.property(newTenant, (t) => {
                const after = addTenant(before, { id: t.id, slot: t.slot, cpu: t.size[0], memory: t.size[1], domains: t.domains });
                const lines = changedLines(before, after);
                expect(lines.every((l) => l.startsWith("+ "))).to.equal(true);
                expect(after.startsWith(before)).to.equal(true);
                const cfg = checkStackText(dir, "sit", after);
                expect(cfg.tenants[cfg.tenants.length - 1]).to.include({
                    id: t.id,
                    slot: t.slot,
                    stopped: true,
                    minCapacity: 0,
                    maxCapacity: 0,
                });
                expect(retireTenant(startTenant(after, t.id), t.id, "2026-12-01").startsWith(before)).to.equal(true);
            }),
            { numRuns: 30 },
        );
    });

    it("refuses a file the library would print differently, rather than reformat lines that are not the tenant's", () => {
        const padded = read("sit").replace("network: [tech-lead]", "network: [ tech-lead ]");
        expect(() => addTenant(padded, { id: "newco", slot: 9, cpu: 512, memory: 1024, domains: [] })).to.throw(
            /formatting the YAML library would rewrite/,
        );
    });

    it("writes only a file the config loader accepts, atomically: an invalid edit leaves the file as it was", () => {
        const dir = projectCopy();
        const file = path.join(dir, "Pulumi.sit.yaml");
        const before = fs.readFileSync(file, "utf8");
        const taken = addTenant(before, { id: "newco", slot: 1, cpu: 512, memory: 1024, domains: [] });
        expect(() => writeStackFile(dir, "sit", taken)).to.throw(/duplicate tenant slot '1'/);
        expect(fs.readFileSync(file, "utf8")).to.equal(before);
        const good = addTenant(before, { id: "newco", slot: 9, cpu: 512, memory: 1024, domains: [] });
        writeStackFile(dir, "sit", good);
        expect(fs.readFileSync(file, "utf8")).to.equal(good);
        expect(loadStackConfig(dir, "sit").tenants.map((t) => t.id)).to.include("newco");
        expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).to.deep.equal([]);
    });
});
