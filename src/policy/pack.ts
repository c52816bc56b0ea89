/**
 * The baseline as CrossGuard policies: thin adapters from `validateResource` / `validateStack` to
 * the rules' pure `check`, with the same waivers and environment scopes as the offline report. The
 * environment is the stack name in each URN, so the pack needs no configuration.
 */
import type {
    Policies,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { judge } from "./evaluate";
import { appliesIn, isUnknownValue, ResourceView, Rule, stackOfUrn } from "./rule";
import { RULES } from "./rules";
import { utcToday, Waiver, WAIVERS } from "./waivers";

export const PACK_NAME = "bbws-security-baseline";

/**
 * One CrossGuard policy per rule (`validateStack` for stack-scoped rules, `validateResource` for the
 * rest), carrying the rule's level, explanation as remediation, and control as the framework
 * reference (AWS Foundational Security Best Practices). Waivers expire against `today` (UTC `YYYY-MM-DD`).
 */
export function crossGuardPolicies(rules: readonly Rule[] = RULES, waivers: readonly Waiver[] = WAIVERS, today = utcToday()): Policies {
    return rules.map((rule) => {
        const common = {
            name: rule.name,
            description: rule.description,
            enforcementLevel: rule.level,
            remediationSteps: rule.explanation,
            framework: {
                name: "AWS Foundational Security Best Practices",
                version: "1.0.0",
                reference: rule.control,
                specification: rule.description,
            },
        };
        return rule.scope === "stack"
            ? ({ ...common, validateStack: validateStack(rule, waivers, today) } satisfies StackValidationPolicy)
            : ({ ...common, validateResource: validateResource(rule, waivers, today) } satisfies ResourceValidationPolicy);
    });
}

function validateResource(rule: Rule, waivers: readonly Waiver[], today: string) {
    return (args: ResourceValidationArgs, report: ReportViolation): void => {
        const env = stackOfUrn(args.urn);
        if (!rule.types.includes(args.type) || !appliesIn(rule, env)) return;
        // Props stay behind CrossGuard's proxy: reading a value unknown during preview skips the rule for that resource.
        const view: ResourceView = {
            type: args.type,
            name: args.name,
            urn: args.urn,
            parent: args.opts.parent,
            inputs: args.props,
            dependencies: {},
        };
        for (const message of judge(rule, view, { env, resources: [view] }, waivers, today).violations) report(message);
    };
}

function validateStack(rule: Rule, waivers: readonly Waiver[], today: string) {
    return (args: StackValidationArgs, report: ReportViolation): void => {
        if (args.resources.length === 0) return;
        const env = stackOfUrn(args.resources[0].urn);
        if (!appliesIn(rule, env)) return;
        const resources = args.resources.map(toView);
        const region = stackRegion(args.resources);
        const context = { env, resources, ...(region ? { region } : {}) };
        // One resource with a value still unknown must not hide the others' violations: judge them all,
        // then let the SDK note that the rule could not finish during the preview.
        let unknown: Error | undefined;
        for (const resource of resources.filter((r) => rule.types.includes(r.type))) {
            try {
                for (const message of judge(rule, resource, context, waivers, today).violations) report(message, resource.urn);
            } catch (err) {
                if (!isUnknownValue(err)) throw err;
                unknown ??= err;
            }
        }
        if (unknown) throw unknown;
    };
}

/**
 * The stack's own region: the `region` of the default aws provider its resources use, which the engine configures from
 * the stack's `aws:` config (pulumi/pulumi docs/architecture/providers/default.md), each resource's provider and its
 * properties given by CrossGuard (`PolicyResource.provider`, pulumi/pulumi-policy #184); undefined when none says.
 */
export function stackRegion(resources: readonly Pick<PolicyResource, "provider">[]): string | undefined {
    for (const { provider } of resources) {
        if (provider?.type !== "pulumi:providers:aws" || !provider.name.startsWith("default")) continue;
        const region = provider.props.region;
        if (typeof region === "string" && region !== "") return region;
    }
    return undefined;
}

function toView(r: PolicyResource): ResourceView {
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        parent: r.parent?.urn,
        inputs: r.props,
        dependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([key, deps]) => [key, deps.map((d) => d.urn)])),
    };
}
