/**
 * The baseline over the offline synth. The synth records inputs as resolved values, not which
 * resource each came from; CrossGuard knows that (`propertyDependencies`). We recover it by asking
 * the AWS model that answered the program for each resource's id and outputs, then matching input
 * values against them: an ingress rule whose `securityGroupId` is `sg-0ab…` depends on the group
 * the model gave that id.
 */
import type * as pulumi from "@pulumi/pulumi";
import { createAwsModel } from "./aws-model";
import { SECRET_MASK } from "./mock-run";
import { loadStackConfig } from "./stack-files";
import type { SynthResource, SynthResult } from "./synth";
import { evaluate, EvaluateOptions, Evaluation } from "../src/policy/evaluate";
import type { ResourceView } from "../src/policy/rule";

/** Values another resource would hold to refer to this one: an ARN or an AWS id such as `sg-0123abcd…`. */
const HANDLE = /^arn:|^[a-z]+-[0-9a-f]{8,}$/;

/** Every string anywhere inside a value. */
function strings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(strings);
    if (value && typeof value === "object") return Object.values(value).flatMap(strings);
    return [];
}

/** What the evaluation reads of a synth: the scripted engine's desired state has the same fields. */
export type SynthView = Pick<SynthResult, "stack"> & { readonly resources: ReadonlyArray<Pick<SynthResource, "urn" | "type" | "name" | "parent" | "inputs">> };

/** The id and the output handles the model answered for `r` (nothing for components, the stack and providers). */
async function handlesOf(r: SynthView["resources"][number], model: pulumi.runtime.Mocks): Promise<string[]> {
    if (r.type.startsWith("pulumi:") || r.type.startsWith("bbws:")) return [];
    const answer = await model.newResource({ type: r.type, name: r.name, inputs: r.inputs, provider: "", custom: true });
    const outputs = Object.entries(answer.state ?? {})
        .filter(([key]) => !(key in r.inputs))
        .flatMap(([, value]) => strings(value))
        .filter((v) => HANDLE.test(v));
    return [answer.id ?? "", ...outputs].filter((v) => v !== "" && v !== SECRET_MASK);
}

/** The synth's resources as rules see them, with property dependencies recovered. */
export async function viewsFromSynth(result: SynthView, model: pulumi.runtime.Mocks): Promise<ResourceView[]> {
    const owners = new Map<string, string[]>();
    for (const r of result.resources) {
        for (const handle of await handlesOf(r, model)) owners.set(handle, [...(owners.get(handle) ?? []), r.urn]);
    }
    return result.resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        parent: r.parent ?? undefined,
        inputs: r.inputs,
        dependencies: Object.fromEntries(Object.entries(r.inputs).map(([key, value]) => [key,
            [...new Set(strings(value).flatMap((s) => owners.get(s) ?? []))].filter((urn) => urn !== r.urn)])),
    }));
}

/** Evaluates the baseline on a synth of `projectDir`'s stack, under the model of that stack's account and region. */
export async function evaluateSynth(projectDir: string, result: SynthView, options: Omit<EvaluateOptions, "env"> = {}): Promise<Evaluation> {
    const cfg = loadStackConfig(projectDir, result.stack);
    const model = createAwsModel({ accountId: cfg.accountId, region: cfg.region, azCount: cfg.network.azCount });
    return evaluate(await viewsFromSynth(result, model), { ...options, env: result.stack });
}
