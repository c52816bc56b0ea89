/**
 * The baseline over the offline synth. CrossGuard tells a rule which resource each input came from
 * (`propertyDependencies`); the synth records the same map from what the program sent the engine, so
 * an ingress rule whose `securityGroupId` is the ALB group's id names that group's URN here too.
 */
import type { SynthResource, SynthResult } from "./synth";
import { evaluate, EvaluateOptions, Evaluation } from "../src/policy/evaluate";
import type { ResourceView } from "../src/policy/rule";

/** What the evaluation reads of a synth: the scripted engine's desired state has the same fields. */
export type SynthView = Pick<SynthResult, "stack" | "region"> & {
    readonly resources: ReadonlyArray<Pick<SynthResource, "urn" | "type" | "name" | "parent" | "inputs" | "propertyDependencies">>;
};

/** The synth's resources as rules see them, with the property dependencies the program declared. */
export function viewsFromSynth(result: SynthView): ResourceView[] {
    return result.resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        parent: r.parent ?? undefined,
        inputs: r.inputs,
        dependencies: r.propertyDependencies,
    }));
}

/** Evaluates the baseline on a synth of one stack; the environment is the stack's name, the region its `aws:region`. */
export function evaluateSynth(result: SynthView, options: Omit<EvaluateOptions, "env" | "region"> = {}): Evaluation {
    return evaluate(viewsFromSynth(result), { ...options, env: result.stack, region: result.region });
}
