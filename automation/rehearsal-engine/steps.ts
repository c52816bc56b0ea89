/**
 * From desired and current state to steps, the way the engine decides them (step_generator.go), as far
 * as a rollout can tell: create, update (with the changed keys), same, delete, or replace when a
 * changed key is one the AWS provider cannot change in place (automation/replacement.ts, the table the
 * safety gate reads too); and Pulumi's targeting rules as they are.
 */
import { replaceKeysOf } from "../replacement";
import { isTargetGlob, targetGlobPattern } from "../targets";
import { matchOlds } from "./aliases";
import { deletesFirst } from "./delete-first";
import type { DesiredResource } from "./desired";
import type { StateResource } from "./state";

export type Op = "same" | "create" | "update" | "replace" | "delete";

export interface Step {
    readonly op: Op;
    readonly urn: string;
    readonly type: string;
    /** The resource in the state the step starts from; its URN is not `urn` when the resource was found through an alias. */
    readonly old?: StateResource;
    /** The desired resource; for a `same` step of an untargeted resource, its old state stands. */
    readonly new?: DesiredResource;
    /** Top-level input keys that differ. */
    readonly diffs: readonly string[];
    /** Of `diffs`, the keys that force a replacement. */
    readonly replaceKeys: readonly string[];
}

/** An error the engine reports as a diagnostic: `Diag` 2010/2011, 2013 and 2014 of pulumi/sdk/go/common/diag/errors.go. */
export interface Diagnostic {
    readonly urn?: string;
    readonly message: string;
}

export interface TargetOptions {
    /** Literal URNs and globs (`*` within a URN segment, `**` across segments). */
    readonly targets: readonly string[];
    readonly targetDependents: boolean;
}

/** Top-level keys whose values differ (compared as JSON, so key order inside objects counts), sorted; a key on one side only differs. */
export function changedKeys(olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
    const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
    return [...keys].filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])).sort();
}

/** The engine always brings these along: the root stack and providers. */
function alwaysTargeted(type: string): boolean {
    return type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");
}

/**
 * The URNs an operation with `options` may touch; of those, the ones the target list names (literals
 * and glob matches, not the root stack and providers that always come along); and the unknown literals.
 */
function targetedUrns(
    desired: readonly DesiredResource[],
    olds: readonly StateResource[],
    options: TargetOptions,
): { urns: Set<string>; named: Set<string>; errors: Diagnostic[] } {
    const all = [
        ...desired.map((d) => ({ urn: d.urn, type: d.type, parent: d.parent ?? undefined, dependencies: d.dependencies })),
        ...olds,
    ];
    const known = new Set(all.map((r) => r.urn));
    const named = new Set<string>();
    const errors: Diagnostic[] = [];
    for (const target of options.targets) {
        if (isTargetGlob(target)) {
            const pattern = targetGlobPattern(target);
            all.filter((r) => pattern.test(r.urn)).forEach((r) => named.add(r.urn));
        } else if (known.has(target)) {
            named.add(target);
        } else {
            errors.push({
                message: target.includes("$")
                    ? `Target '${target}' could not be found in the stack.`
                    : `Target '${target}' could not be found in the stack. Did you forget to escape $ in your shell?`,
            });
        }
    }
    const urns = new Set([...all.filter((r) => alwaysTargeted(r.type)).map((r) => r.urn), ...named]);
    // Every resource whose parent or dependency is targeted comes along: children, and other layers too.
    const withDependents = options.targetDependents
        ? closure(urns, all, (r) => [...(r.parent ? [r.parent] : []), ...(r.dependencies ?? [])])
        : urns;
    return { urns: withDependents, named, errors };
}

/** `seeds` and, transitively, every old resource that is their child or depends on one of them (getTargetDependents). */
function dependentsInState(seeds: ReadonlySet<string>, olds: readonly StateResource[]): Set<string> {
    return closure(seeds, olds, (r) => [
        ...(r.parent ? [r.parent] : []),
        ...(r.provider ? [r.provider.split("::").slice(0, -1).join("::")] : []),
        ...(r.dependencies ?? []),
    ]);
}

/**
 * `seeds` and, transitively, every resource of `resources` that names one already found among its
 * `sources` (parent, provider, dependencies). A breadth-first walk over an index of who names whom:
 * linear in resources and edges, where re-scanning every resource until nothing grew took time
 * quadratic in the stack (60 s at 100 tenants).
 */
function closure<R extends { readonly urn: string }>(
    seeds: Iterable<string>,
    resources: readonly R[],
    sources: (r: R) => readonly string[],
): Set<string> {
    const namedBy = new Map<string, string[]>();
    for (const r of resources) {
        for (const source of sources(r)) {
            const dependents = namedBy.get(source);
            if (dependents) dependents.push(r.urn);
            else namedBy.set(source, [r.urn]);
        }
    }
    const found = new Set(seeds);
    const queue = [...found];
    for (let urn = queue.pop(); urn !== undefined; urn = queue.pop()) {
        for (const dependent of namedBy.get(urn) ?? []) {
            if (!found.has(dependent)) {
                found.add(dependent);
                queue.push(dependent);
            }
        }
    }
    return found;
}

/**
 * A replacement that deletes first (`deleteBeforeReplace`) deletes, before itself, every dependent whose inputs from
 * it cannot change in place, and recreates it after: targeted or not (step_generator.go `calculateDependentReplacements`,
 * which asks whether a dependent's diff with the replaced resource's outputs unknown replaces it, and checks no target
 * list; pulumi/pulumi tests/integration/delete_before_create: "causes the deletion of b and e eagerly"). Each such
 * dependent's step becomes a replacement on those keys (added to its own, if it was replaced already), and its own
 * dependents are asked the same: it is deleted first too. Delete-first is the program's option or, where it set
 * none, the provider's request (delete-first.ts `deletesFirst`). As the engine, it walks the last state's graph: each
 * dependent's property dependencies as the state records them (the program's for a state that has none recorded),
 * under the old URNs, and not a dependent the program registers before the replaced resource ("dependents can only
 * have been _removed_ from the base dependency graph", step_generator.go `impossibleDependents`).
 */
function replaceDependentsOfDeletesFirst(steps: Step[]): void {
    // A state written before property dependencies were kept: the program's stand in, under the old URNs.
    const oldUrnOf = new Map(steps.filter((s) => s.old).map((s) => [s.urn, s.old!.urn]));
    const dependentsOf = new Map<string, { index: number; keys: string[] }[]>();
    steps.forEach((s, index) => {
        if (!s.new || !s.old) return;
        const recorded =
            s.old.propertyDependencies ??
            Object.fromEntries(Object.entries(s.new.propertyDependencies).map(([k, l]) => [k, l.map((u) => oldUrnOf.get(u) ?? u)]));
        for (const [key, sources] of Object.entries(recorded)) {
            for (const source of sources) {
                const list = dependentsOf.get(source) ?? [];
                const known = list.find((d) => d.index === index);
                if (known) known.keys.push(key);
                else list.push({ index, keys: [key] });
                dependentsOf.set(source, list);
            }
        }
    });
    // Each root's closure on its own, as the engine computes it when it reaches that root: what the program
    // registered before the root cannot depend on it, however it is reached.
    steps.forEach((root, rootIndex) => {
        if (root.op !== "replace" || !root.old || !root.new || !deletesFirst(root.type, root.new.inputs, root.new.options)) return;
        const queue = [root.old.urn];
        const visited = new Set(queue);
        for (let urn = queue.pop(); urn !== undefined; urn = queue.pop()) {
            for (const { index, keys } of dependentsOf.get(urn) ?? []) {
                if (index < rootIndex) continue;
                const step = steps[index];
                const forced = replaceKeysOf(step.type, keys);
                if (forced.length === 0) continue;
                steps[index] = {
                    ...step,
                    op: "replace",
                    diffs: [...new Set([...step.diffs, ...forced])].sort(),
                    replaceKeys: [...new Set([...step.replaceKeys, ...forced])].sort(),
                };
                if (!visited.has(step.old!.urn)) {
                    visited.add(step.old!.urn);
                    queue.push(step.old!.urn);
                }
            }
        }
    });
}

export interface StepsResult {
    /** In execution order: the program's resources in registration order, then deletes in reverse. */
    readonly steps: Step[];
    readonly errors: Diagnostic[];
}

/**
 * What an update of `desired` over the state `olds` would do, and the diagnostics the engine would
 * raise for the `--target` options (untargeted deletes, dependencies on skipped creates), after
 * pulumi/pulumi pkg/resource/deploy/step_generator.go. Errors are returned, not thrown.
 */
export function computeSteps(desired: readonly DesiredResource[], olds: readonly StateResource[], target?: TargetOptions): StepsResult {
    // A desired resource takes over its old self by URN or through an alias (aliases.ts); an aliased old URN is renamed, not deleted.
    const matched = matchOlds(desired, olds);
    const wanted = new Set([...desired.map((d) => d.urn), ...matched.aliased.keys()]);
    const scope = target && target.targets.length > 0 ? targetedUrns(desired, olds, target) : undefined;
    const inScope = (urn: string) => !scope || scope.urns.has(urn);
    const errors: Diagnostic[] = [...(scope?.errors ?? []), ...matched.errors];
    const skippedCreates = new Set<string>();
    const steps: Step[] = [];

    for (const d of desired) {
        const old = matched.oldOf.get(d.urn);
        if (!old) {
            if (inScope(d.urn)) steps.push({ op: "create", urn: d.urn, type: d.type, new: d, diffs: [], replaceKeys: [] });
            else skippedCreates.add(d.urn);
            continue;
        }
        const diffs = changedKeys(old.inputs, d.inputs);
        const replaceKeys = replaceKeysOf(d.type, diffs);
        const op: Op = !inScope(d.urn) || diffs.length === 0 ? "same" : replaceKeys.length ? "replace" : "update";
        steps.push({
            op,
            urn: d.urn,
            type: d.type,
            old,
            new: d,
            diffs: op === "same" ? [] : diffs,
            replaceKeys: op === "same" ? [] : replaceKeys,
        });
    }
    replaceDependentsOfDeletesFirst(steps);
    // GenerateDeletes (step_generator.go): a targeted update deletes only what the named targets take
    // with them (themselves and their dependents in the old state), and refuses to delete any of those
    // the list does not name (diag 2014) unless --target-dependents. Removing a security group with
    // `--target` on it alone fails while the removed service that uses it is not targeted too.
    const deletable = scope && dependentsInState(scope.named, olds);
    for (const old of [...olds].reverse()) {
        if (wanted.has(old.urn) || (deletable && !deletable.has(old.urn))) continue;
        if (scope && !scope.named.has(old.urn) && !target!.targetDependents) {
            errors.push({
                urn: old.urn,
                message:
                    `Resource '${old.urn}' will be destroyed but was not specified in --target list.\n` +
                    "Either include resource in --target list or pass --target-dependents to proceed.",
            });
        }
        steps.push({ op: "delete", urn: old.urn, type: old.type, old, diffs: [], replaceKeys: [] });
    }

    // A targeted resource may not depend on (or be the child of) a create the target list leaves out.
    for (const step of steps) {
        if (!step.new || step.op === "same" || step.op === "delete") continue;
        const needs = [
            ...step.new.dependencies,
            ...(step.new.parent ? [step.new.parent] : []),
            ...(step.new.provider ? [step.new.provider.split("::").slice(0, -1).join("::")] : []),
        ];
        for (const urn of needs.filter((u) => skippedCreates.has(u))) {
            errors.push({
                urn: step.urn,
                message: `Resource '${step.urn}' depends on '${urn}' which was was not specified in --target list.`,
            });
        }
    }
    return { steps, errors };
}

/** A saved plan: per URN, the operation the preview showed. `up --plan` may do that or less, nothing else. */
export interface Plan {
    readonly manifest: { readonly time: string; readonly version: string };
    readonly resourcePlans: Record<string, { readonly steps: Op[] }>;
}

/** The plan `preview --save-plan` writes: each step's URN constrained to its op, stamped now with the CLI `version`. */
export function planOf(steps: readonly Step[], version: string): Plan {
    return {
        manifest: { time: new Date().toISOString(), version },
        resourcePlans: Object.fromEntries(steps.map((s) => [s.urn, { steps: [s.op] }])),
    };
}

/** ConstrainedTo (pkg/resource/deploy/plan.go): an update may fall short of the plan, never go beyond it. */
function constrainedTo(op: Op, constraint: Op): boolean {
    switch (constraint) {
        case "create":
            return op === "same" || op === "create";
        case "update":
            return op === "same" || op === "update";
        case "replace":
            return op === "same" || op === "update" || op === "replace";
        default:
            return op === constraint;
    }
}

/** Why `step` violates `plan`, in the engine's words; undefined when it does not. */
export function planViolation(plan: Plan, step: Step): string | undefined {
    const constraint = plan.resourcePlans[step.urn]?.steps[0];
    if (constraint === undefined) {
        return step.op === "same" ? undefined : `${step.op} is not allowed by the plan: no steps were expected for this resource`;
    }
    return constrainedTo(step.op, constraint)
        ? undefined
        : `${step.op} is not allowed by the plan: this resource is constrained to ${constraint}`;
}

/** The resources the plan expected to change that the update never reached. */
export function unmetPlan(plan: Plan, steps: readonly Step[]): string[] {
    const seen = new Set(steps.map((s) => s.urn));
    return Object.entries(plan.resourcePlans)
        .filter(([urn, p]) => p.steps[0] !== "same" && !seen.has(urn))
        .map(([urn]) => urn);
}
