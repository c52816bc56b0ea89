/**
 * `--policy-pack <dir>` in the scripted engine. The real CLI starts the pack as an analyzer plugin and
 * asks it about each resource; this engine cannot run CrossGuard, so it runs the same pure rules, waivers
 * and environment scopes offline (automation/policy-offline.ts) over its desired state, and reports what they
 * find as the CLI does: one `policyEvent` per violation, worded as @pulumi/policy words it.
 */
import * as fs from "fs";
import * as path from "path";
import type { DesiredState } from "./desired";
import { REPO_ROOT } from "./desired";

/** The only pack this engine can run: ours. */
export const BASELINE_PACK_DIR = path.join(REPO_ROOT, "src", "policy");

export interface PolicyFinding {
    readonly urn: string;
    readonly policyName: string;
    readonly enforcementLevel: "mandatory" | "advisory";
    /** `validateStack` policies: the real engine asks about them once, after every resource. */
    readonly stackPolicy: boolean;
    /** The policy's description, a newline and what it found: @pulumi/policy's `reportViolation` text. */
    readonly message: string;
    readonly policyPackName: string;
    readonly policyPackVersion: string;
}

/**
 * Checks each `--policy-pack` as the CLI loads it (a PulumiPolicy.yaml in the folder), then evaluates
 * ours. `fail` is how the engine reports an error; anything but our pack fails loudly.
 */
export async function runPolicyPacks(
    dirs: readonly string[],
    desired: DesiredState,
    fail: (message: string) => never,
): Promise<PolicyFinding[]> {
    const findings: PolicyFinding[] = [];
    for (const dir of dirs) {
        const absolute = path.resolve(dir);
        if (!fs.existsSync(path.join(absolute, "PulumiPolicy.yaml"))) {
            fail(`failed to load Pulumi policy project located at "${dir}": no PulumiPolicy.yaml`);
        }
        if (fs.realpathSync(absolute) !== fs.realpathSync(BASELINE_PACK_DIR)) {
            fail(`the scripted engine runs only the security baseline (${BASELINE_PACK_DIR}), not the policy pack at '${dir}'`);
        }
        findings.push(...(await evaluateBaseline(absolute, desired)));
    }
    return findings;
}

/** Our rules over the desired state: about a tenth of a second, so nothing is cached. */
async function evaluateBaseline(dir: string, desired: DesiredState): Promise<PolicyFinding[]> {
    const { evaluateSynth } = await import("../policy-offline");
    // The pack's name is PACK_NAME (pack.ts, which loads @pulumi/policy); package.json carries the same
    // name and the version @pulumi/policy reports, so this engine reads both there.
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name: string; version: string };
    const evaluation = evaluateSynth(desired);
    return evaluation.outcomes.flatMap((outcome) =>
        outcome.violations.map((v): PolicyFinding => ({
            urn: v.urn,
            policyName: v.policy,
            enforcementLevel: v.level,
            stackPolicy: outcome.rule.scope === "stack",
            message: `${outcome.rule.description}\n${v.message}`,
            policyPackName: manifest.name,
            policyPackVersion: manifest.version,
        })),
    );
}
