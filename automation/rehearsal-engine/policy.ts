/**
 * `--policy-pack <dir>` in the scripted engine. The real CLI starts the pack as an analyzer plugin and
 * asks it about each resource; this engine cannot run CrossGuard, so it runs the same pure rules, waivers
 * and environment scopes offline (automation/policy-offline.ts) over its desired state, and reports what they
 * find as the CLI does: one `policyEvent` per violation, worded as @pulumi/policy words it.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { DesiredState } from "./desired";
import { REPO_ROOT } from "./desired";
import { readJson, writeJson } from "./scenario";

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
export async function runPolicyPacks(dirs: readonly string[], desired: DesiredState, projectDir: string, fail: (message: string) => never):
    Promise<PolicyFinding[]> {
    const findings: PolicyFinding[] = [];
    for (const dir of dirs) {
        const absolute = path.resolve(dir);
        if (!fs.existsSync(path.join(absolute, "PulumiPolicy.yaml"))) {
            fail(`failed to load Pulumi policy project located at "${dir}": no PulumiPolicy.yaml`);
        }
        if (fs.realpathSync(absolute) !== fs.realpathSync(BASELINE_PACK_DIR)) {
            fail(`the scripted engine runs only the security baseline (${BASELINE_PACK_DIR}), not the policy pack at '${dir}'`);
        }
        findings.push(...await evaluateBaseline(absolute, desired, projectDir));
    }
    return findings;
}

/** The offline evaluation lives beside the driver, not in the pack's folder: a change to it changes the answer too. */
const OFFLINE_EVALUATION = path.join(REPO_ROOT, "automation", "policy-offline.ts");

/**
 * Loading the evaluation (the AWS model, the config schema, the SDK) costs seconds on every CLI call, so
 * its answer is cached like the desired state: keyed by that state, the pack's sources, the offline
 * evaluation's and today's date (waivers expire).
 */
async function evaluateBaseline(dir: string, desired: DesiredState, projectDir: string): Promise<PolicyFinding[]> {
    const key = createHash("sha256").update(JSON.stringify(desired)).update(new Date().toISOString().slice(0, 10));
    key.update(fs.readFileSync(OFFLINE_EVALUATION)).update("\0");
    for (const file of fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
        const full = path.join(dir, file);
        if (fs.statSync(full).isFile()) key.update(file).update("\0").update(fs.readFileSync(full)).update("\0");
    }
    const cache = path.join(os.tmpdir(), "bbws-scripted-pulumi-policy", `${key.digest("hex").slice(0, 24)}.json`);
    const cached = readJson<PolicyFinding[]>(cache);
    if (cached) return cached;
    const findings = await evaluateUncached(dir, desired, projectDir);
    writeJson(cache, findings);
    return findings;
}

async function evaluateUncached(dir: string, desired: DesiredState, projectDir: string): Promise<PolicyFinding[]> {
    const { evaluateSynth } = await import("../policy-offline");
    // The pack's name is PACK_NAME (pack.ts, which loads @pulumi/policy); package.json carries the same
    // name and the version @pulumi/policy reports, so this engine reads both there.
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name: string; version: string };
    const evaluation = await evaluateSynth(projectDir, desired);
    return evaluation.outcomes.flatMap((outcome) => outcome.violations.map((v): PolicyFinding => ({
        urn: v.urn,
        policyName: v.policy,
        enforcementLevel: v.level,
        stackPolicy: outcome.rule.scope === "stack",
        message: `${outcome.rule.description}\n${v.message}`,
        policyPackName: manifest.name,
        policyPackVersion: manifest.version,
    })));
}
