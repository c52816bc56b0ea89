/**
 * The alias proof (issue 16, "A tenant is one unit in the program"): sit and prod converged by the
 * program as it was before tenant components (commit `BEFORE`, taken out of git with its own scripted
 * engine and its own stack files), then previewed and updated by this program. Every AWS resource must
 * be `same`, found through its alias; only the new per-tenant components are created, and they own no
 * AWS resource. The README quotes the table this renders (`<!-- generated:alias-proof -->`).
 *
 * One later change is counted apart, since it is not the move: custom-domain certificates
 * (components/tenant-domains.ts, tested in test/components/tenant-domains.test.ts) request a certificate
 * for each of the stack files' custom domains and take those still pending out of the listener rule,
 * and add the stack output `ecs.customDomains`.
 */
import { expect } from "chai";
import { execFileSync, execSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PHASES } from "../../src/phases";
import { desiredState } from "../../automation/rehearsal-engine/desired";
import { computeSteps, Step } from "../../automation/rehearsal-engine/steps";
import { ENGINE_HOME_VAR } from "../../automation/rehearsal-engine/scenario";
import type { StateResource } from "../../automation/rehearsal-engine/state";
import { PROJECT_DIR, Stage, stage } from "../support/rehearsal";

/** main before tenant components: the program today's stacks were last updated with. */
const BEFORE = "49508eb6cbba4651cc8b453fff0c87098e12c3d4";
const ENVS = ["sit", "prod"] as const;
const TENANT_TYPES = new Set(PHASES.map((p) => p.tenantType));
const CUSTOM_DOMAIN_TYPES = new Set([
    "aws:acm/certificate:Certificate",
    "aws:acm/certificateValidation:CertificateValidation",
    "aws:lb/listenerCertificate:ListenerCertificate",
]);

/** A step of the custom-domain change: a certificate's create, or a listener rule whose host-header values changed. */
function isCustomDomainStep(s: Step): boolean {
    if (s.op === "create") return CUSTOM_DOMAIN_TYPES.has(s.type);
    return s.op === "update" && s.type === "aws:lb/listenerRule:ListenerRule" && s.diffs.join() === "conditions";
}

/** Outputs without the stack output the custom-domain change added. */
function withoutCustomDomains(outputs: any): any {
    if (!outputs?.ecs?.customDomains) return outputs;
    const { customDomains: _, ...ecs } = outputs.ecs;
    return { ...outputs, ecs };
}

/** The commit's program, scripted engine and stack files in a folder of their own, sharing our node_modules. */
function checkOut(commit: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbws-before-"));
    execSync(`git archive --format=tar ${commit} | tar -x -C '${dir}'`, { cwd: PROJECT_DIR });
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

interface Proof {
    readonly env: string;
    readonly before: StateResource[];
    readonly steps: Step[];
    readonly errors: readonly unknown[];
    readonly preview: string;
    readonly after: StateResource[];
    readonly again: Step[];
}

/** The README's table: per stack, what the preview of this program over the old program's state does. */
function renderAliasProof(proofs: readonly Proof[]): string {
    const rows = proofs.map((p) => {
        const count = (op: Step["op"]) => p.steps.filter((s) => s.op === op && !isCustomDomainStep(s)).length;
        const domainSteps = p.steps.filter(isCustomDomainStep);
        const aliased = p.steps.filter((s) => s.old && s.old.urn !== s.urn).length;
        const created = [...TENANT_TYPES]
            .map((type) => [type, p.steps.filter((s) => s.op === "create" && s.type === type).length] as const)
            .map(([type, n]) => `${n} \`${type.split(":").pop()}\``)
            .join(", ");
        const domains = `${domainSteps.filter((s) => s.op === "create").length} certificate create, ${domainSteps.filter((s) => s.op === "update").length} rule update`;
        return `| ${p.env} | ${p.before.length} | ${count("same")} (${aliased} through an alias) | ${count("create")}: ${created} | ${count("update")} | ${count("replace")} | ${count("delete")} | ${domains} |`;
    });
    return [
        "| stack | resources the old program left | same | create (components only) | update | replace | delete | custom domains (a later change) |",
        "|---|---|---|---|---|---|---|---|",
        ...rows,
    ].join("\n");
}

describe("rehearsal: moving tenant resources under tenant components keeps every resource (aliases)", function () {
    this.timeout(300_000);
    let old: string;
    const stages: Stage[] = [];
    const proofs: Proof[] = [];

    before(async () => {
        old = checkOut(BEFORE);
        for (const env of ENVS) {
            const stackFile = fs.readFileSync(path.join(old, `Pulumi.${env}.yaml`), "utf8");
            const s = stage(env, { stackFiles: { [env]: stackFile } });
            stages.push(s);
            // Converged by the old program: its own scripted engine synthesizes its own components/.
            execFileSync(
                path.join(old, "automation", "rehearsal-engine", "bin", "pulumi"),
                ["up", "--yes", "--skip-preview", "--stack", env],
                {
                    cwd: s.projectDir,
                    env: { ...process.env, [ENGINE_HOME_VAR]: s.engineHome },
                },
            );
            const before = s.state().deployment.resources;
            const desired = await desiredState(s.projectDir, env);
            const { steps, errors } = computeSteps(desired.resources, before);
            const pulumi = path.join(s.pulumiRoot, "bin", "pulumi");
            const preview = execFileSync(pulumi, ["preview", "--stack", env], { cwd: s.projectDir, encoding: "utf8" });
            execFileSync(pulumi, ["up", "--yes", "--skip-preview", "--stack", env], { cwd: s.projectDir });
            const after = s.state().deployment.resources;
            proofs.push({ env, before, steps, errors, preview, after, again: computeSteps(desired.resources, after).steps });
        }
    });
    after(() => {
        stages.forEach((s) => s.dispose());
        if (old) fs.rmSync(old, { recursive: true, force: true });
    });

    for (const [i, env] of ENVS.entries()) {
        describe(`${env}, converged by the program of ${BEFORE.slice(0, 7)}, previewed by this one`, () => {
            const proof = () => proofs[i];

            it("raises no engine error (no alias claimed twice)", () => {
                expect(proof().errors).to.deep.equal([]);
            });
            it("creates, updates, replaces and deletes no AWS resource: every one the old program left is `same`", () => {
                const changed = proof().steps.filter(
                    (s) => s.op !== "same" && !(s.op === "create" && TENANT_TYPES.has(s.type)) && !isCustomDomainStep(s),
                );
                expect(changed.map((s) => `${s.op} ${s.urn}`)).to.deep.equal([]);
                const ruleUpdates = proof().steps.filter((s) => s.op === "update" && isCustomDomainStep(s)).length;
                expect(proof().steps.filter((s) => s.op === "same")).to.have.length(proof().before.length - ruleUpdates);
            });
            it("creates only the per-tenant components, which are components (no provider, no id, no AWS resource)", () => {
                const creates = proof().steps.filter((s) => s.op === "create" && !isCustomDomainStep(s));
                expect(creates).to.not.be.empty;
                for (const c of creates) {
                    expect(TENANT_TYPES.has(c.type), c.urn).to.equal(true);
                    expect(c.new!.custom, c.urn).to.equal(false);
                }
            });
            it("finds every moved resource through its alias: now under a tenant component whose parent is its old parent, the layer", () => {
                const moved = proof().steps.filter((s) => s.old && s.old.urn !== s.urn);
                expect(moved).to.not.be.empty;
                for (const s of moved) {
                    const parentType = s.new!.parent!.split("::")[2].split("$").pop()!;
                    expect(TENANT_TYPES.has(parentType), s.urn).to.equal(true);
                    expect(s.old!.parent, s.urn).to.equal(proof().steps.find((p) => p.urn === s.new!.parent)!.new!.parent);
                }
            });
            it("shows the creates and the unchanged count in the scripted preview's own words", () => {
                const creates = proof().steps.filter((s) => s.op === "create").length;
                const updates = proof().steps.filter((s) => s.op === "update").length;
                expect(proof().preview).to.include(`    create ${creates}\n`);
                expect(proof().preview).to.include(`${proof().before.length - updates} unchanged`);
                // Only the custom-domain change's rule updates; nothing replaced or deleted.
                expect(proof().preview).to.not.match(/^ (\+-|-) /m);
                for (const line of proof()
                    .preview.split("\n")
                    .filter((l) => l.startsWith(" ~ ")))
                    expect(line).to.include("ListenerRule");
            });
            it("after the update, the state holds every resource under its new URN with its old id and outputs, and nothing changes again", () => {
                const { before, after, steps } = proof();
                const byOldUrn = new Map(before.map((r) => [r.urn, r]));
                for (const s of steps.filter((x) => x.old)) {
                    const now = after.find((r) => r.urn === s.urn)!;
                    const was = byOldUrn.get(s.old!.urn)!;
                    expect(now, s.urn).to.not.equal(undefined);
                    expect(now.id, s.urn).to.equal(was.id);
                    // The custom-domain change's rule update changes its host-header values and nothing else.
                    const kept = (o: any) => (isCustomDomainStep(s) ? { ...o, conditions: undefined } : withoutCustomDomains(o));
                    expect(kept(now.outputs), s.urn).to.deep.equal(kept(was.outputs));
                }
                const urns = new Set(after.map((r) => r.urn));
                for (const r of after) {
                    if (r.parent) expect(urns.has(r.parent), `${r.urn}'s parent`).to.equal(true);
                    for (const d of r.dependencies ?? []) expect(urns.has(d), `${r.urn} depends on ${d}`).to.equal(true);
                }
                expect(after).to.have.length(before.length + steps.filter((x) => x.op === "create").length);
                expect(
                    proof()
                        .again.filter((x) => x.op !== "same")
                        .map((x) => `${x.op} ${x.urn}`),
                ).to.deep.equal([]);
            });
        });
    }

    it("is the table the README quotes (<!-- generated:alias-proof -->)", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const block = /<!-- generated:alias-proof -->\n([\s\S]*?)\n<!-- \/generated:alias-proof -->/.exec(readme)?.[1];
        expect(block, `README block; rendered:\n${renderAliasProof(proofs)}`).to.equal(renderAliasProof(proofs));
    });
});
