/**
 * Where the single stack meets each quota, measured on the program: the quota rule's needs
 * (`quotaNeeds`) on prod-like synths of N generated tenants (automation/bench.ts), and from two counts
 * the first tenant count each quota fails at. Needs grow linearly in tenants (each tenant adds the same
 * subtree), so two synths fix the line; the README's table "Where the single stack breaks" is this
 * module's rendering, checked by test/policy/quotas-scale.test.ts.
 */
import { benchConfig, benchStackFile } from "./bench";
import { viewsFromSynth } from "./policy-offline";
import { synthesizeValidated } from "./synth";
import { QUOTA_SPECS } from "./quotas";
import { DEFAULT_QUOTAS, QuotaKey, QuotaNeed, quotaNeeds } from "../src/policy/rules/quotas-1-default-service-quotas";
import type { ResourceView } from "../src/policy/rule";

/** The needs of a prod-like stack of `tenants` generated tenants. */
export interface QuotaSample {
    readonly tenants: number;
    /** The synth's resources, as the policy rules see them. */
    readonly resources: readonly ResourceView[];
    readonly needs: Readonly<Record<QuotaKey, QuotaNeed>>;
}

/** Synthesizes prod with `tenants` generated tenants and counts its needs (a minute and ~3 GiB at 500 tenants). */
export async function quotaSample(projectDir: string, tenants: number): Promise<QuotaSample> {
    const stackFile = benchStackFile(projectDir, "prod", tenants);
    const synth = await synthesizeValidated(projectDir, stackFile, benchConfig(projectDir, stackFile));
    const resources = viewsFromSynth(synth);
    return { tenants, resources, needs: quotaNeeds({ env: "prod", resources }) };
}

/**
 * The first tenant count whose need exceeds `limit`, on the line through two samples' needs;
 * undefined when the need does not grow with tenants (or shrinks). Throws unless `a.tenants < b.tenants`.
 */
export function firstFailingCount(
    a: { tenants: number; need: number },
    b: { tenants: number; need: number },
    limit: number,
): number | undefined {
    if (!(a.tenants < b.tenants)) throw new Error(`samples must be in increasing tenant counts, got ${a.tenants} and ${b.tenants}`);
    const perTenant = (b.need - a.need) / (b.tenants - a.tenants);
    if (perTenant <= 0) return a.need > limit ? 1 : undefined;
    const base = a.need - perTenant * a.tenants;
    return Math.max(1, Math.floor((limit - base) / perTenant) + 1);
}

/** The README's table: one row per quota, its code, default, need at each sample and the first failing tenant count. */
export function renderQuotaScaleTable(low: QuotaSample, high: QuotaSample): string {
    const fmt = (n: number) => n.toLocaleString("en-US");
    const rows = QUOTA_SPECS.map((spec) => {
        const limit = DEFAULT_QUOTAS[spec.key];
        const [a, b] = [low.needs[spec.key].need, high.needs[spec.key].need];
        const first = firstFailingCount({ tenants: low.tenants, need: a }, { tenants: high.tenants, need: b }, limit);
        const code = spec.quotaCode ? `\`${spec.serviceCode}\` \`${spec.quotaCode}\`` : "not in Service Quotas";
        return `| ${spec.name} | ${code} | ${fmt(limit)} | ${fmt(a)} | ${fmt(b)} | ${first === undefined ? "does not grow" : fmt(first)} |`;
    });
    return [
        `| quota | code | default | need at ${fmt(low.tenants)} tenants | need at ${fmt(high.tenants)} tenants | first failing tenant count |`,
        "|---|---|---:|---:|---:|---:|",
        ...rows,
    ].join("\n");
}
