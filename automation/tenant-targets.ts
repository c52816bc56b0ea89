/**
 * Which URNs belong to a tenant. Each layer builds a tenant's resources under one component of the
 * phase's `tenantType` named `tenantComponentName(phase, id)` (src/phases.ts), so a tenant's part of a
 * phase is that component and its descendants. A URN names only the types of its ancestors, not their
 * names, and tenant ids can be prefixes of each other (`abc`, `abc-def`): ownership is therefore read
 * from the parent chain the engine reports with every step (`new.parent`, or `old.parent` for a
 * delete: pulumi/pulumi pkg/engine/events.go `makeStepEventStateMetadata`), never from a name prefix.
 */
import { getPhase, PHASE_NAMES, PHASES, PhaseName } from "../src/phases";
import type { PlanStep } from "./plan-steps";
import { belongsTo, isAlwaysTargeted, parseUrn, urnsByPhase } from "./targets";

/** What ownership reads of a step of a whole-program preview. */
export type TreeStep = Pick<PlanStep, "urn" | "op" | "parent">;

/**
 * The phase and tenant id of a tenant component, read from its URN: its type is a phase's
 * `tenantType` and its name `<layer component name>-<id>`. Undefined for any other resource. Throws
 * `Error` when the type is a tenant type but the name is not of that form (the program broke the contract).
 */
export function tenantComponent(urn: string): { phase: PhaseName; tenant: string } | undefined {
    const { type, name } = parseUrn(urn);
    const phase = PHASES.find((p) => p.tenantType === type);
    if (!phase) return undefined;
    const prefix = `${phase.componentName}-`;
    if (!name.startsWith(prefix) || name.length === prefix.length) {
        throw new Error(`${urn}: a ${type} must be named ${prefix}<tenant id> (src/phases.ts tenantComponentName)`);
    }
    return { phase: phase.name, tenant: name.slice(prefix.length) };
}

/**
 * Per URN of `steps` (a whole-program preview, so every resource of the program and the state has a
 * step), the id of the tenant that owns it: the nearest tenant component among itself and its
 * ancestors; undefined for the platform (the root stack, providers, layers and shared resources).
 * Throws `Error` when a URN's type chain passes through a tenant type but no tenant component is
 * among its ancestors: the steps are not a whole-program preview, and guessing would misplace it.
 */
export function tenantOwners(steps: readonly TreeStep[]): Map<string, string | undefined> {
    const parentOf = new Map(steps.map((s) => [s.urn, s.parent]));
    const owners = new Map<string, string | undefined>();
    const tenantTypes = new Set(PHASES.map((p) => p.tenantType));
    const ownerOf = (urn: string): string | undefined => {
        if (owners.has(urn)) return owners.get(urn);
        // Iterative, with a guard: a parent chain that loops would otherwise never end.
        const chain: string[] = [];
        let owner: string | undefined;
        for (let at: string | undefined = urn; at !== undefined && !chain.includes(at); at = parentOf.get(at)) {
            if (owners.has(at)) {
                owner = owners.get(at);
                break;
            }
            chain.push(at);
            const component = tenantComponent(at);
            if (component) {
                owner = component.tenant;
                break;
            }
        }
        for (const u of chain) owners.set(u, owner);
        return owner;
    };
    for (const { urn } of steps) {
        const owner = ownerOf(urn);
        if (owner === undefined && parseUrn(urn).typeChain.some((t) => tenantTypes.has(t))) {
            throw new Error(`${urn} lies under a tenant component by its type, but none is among its parents in the preview`);
        }
    }
    return owners;
}

/** The tenants that have a component in `steps`: in the program, in the state, or both (a tenant being removed has only deletes). */
export function tenantsIn(steps: readonly TreeStep[]): Set<string> {
    return new Set(steps.flatMap((s) => tenantComponent(s.urn)?.tenant ?? []));
}

/**
 * Each phase's URNs owned by `tenant`, creates, updates, replaces and deletes alike, in the order of
 * `steps`; phases where it has none are left out (the same shape as `urnsByPhase`, so `planPasses`
 * orders a tenant's passes as it does the platform's).
 */
export function tenantUrnsByPhase(steps: readonly TreeStep[], tenant: string): Map<PhaseName, string[]> {
    const owners = tenantOwners(steps);
    return urnsByPhase(steps.filter((s) => owners.get(s.urn) === tenant).map((s) => s.urn));
}

/**
 * The platform's resources (no tenant's; not the root stack or a provider, which every targeted update
 * includes) that `steps` would create in `upTo` or an earlier phase, in the order of `steps`. A
 * tenant's targeted update cannot create them, and the engine refuses one that depends on any of them.
 */
export function platformCreates(steps: readonly TreeStep[], upTo: PhaseName): Array<{ phase: PhaseName; urn: string }> {
    const owners = tenantOwners(steps);
    const phases = PHASE_NAMES.slice(0, PHASE_NAMES.indexOf(upTo) + 1).map(getPhase);
    return steps
        .filter((s) => s.op === "create" && owners.get(s.urn) === undefined && !isAlwaysTargeted(s.urn))
        .flatMap((s) => {
            const phase = phases.find((p) => belongsTo(p, s.urn));
            return phase ? [{ phase: phase.name, urn: s.urn }] : [];
        });
}
