/**
 * Aliases, the way the engine resolves them: which old resource a desired one takes over when its
 * URN changed (a new parent, a new name), the errors when two claim one identity, and the state's URN
 * rewrite once it has. After pulumi/pulumi `pkg/resource/deploy/step_generator.go` (`generateAliases`,
 * `collapseAliasToUrn`, `inheritedChildAlias`, `getOldResource`) and `pkg/resource/deploy/snapshot.go`
 * (`NormalizeURNReferences`).
 */
import type { RegisteredAlias } from "../mock-run";
import type { DesiredResource } from "./desired";
import type { StateResource } from "./state";

/** An error the engine reports as a diagnostic against `urn` (the same shape as steps.ts's `Diagnostic`). */
export interface AliasDiagnostic {
    readonly urn?: string;
    readonly message: string;
}

export interface OldMatch {
    /** By desired URN: the old resource it takes over, under its own URN or through an alias. */
    readonly oldOf: ReadonlyMap<string, StateResource>;
    /** Old URN → the desired URN that took it over through an alias: not deleted, renamed. */
    readonly aliased: ReadonlyMap<string, string>;
    /** Diag 2008 and 2016 of pulumi/sdk/go/common/diag/errors.go. The engine fails the operation on them. */
    readonly errors: readonly AliasDiagnostic[];
}

const ROOT_STACK = "pulumi:pulumi:Stack";

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>` in parts; the qualified type is the parent's types and the resource's, joined by `$`. */
function urnParts(urn: string): { stack: string; project: string; qualifiedType: string; type: string; name: string } {
    const [head, project, qualifiedType, ...name] = urn.split("::");
    return {
        stack: head.slice("urn:pulumi:".length),
        project,
        qualifiedType,
        type: qualifiedType.split("$").slice(-1)[0],
        name: name.join("::"),
    };
}

/** resource.NewURN: the parent's qualified type prefixes the type, except the root stack's. */
function newUrn(stack: string, project: string, parentType: string, type: string, name: string): string {
    const qualified = parentType && parentType !== ROOT_STACK ? `${parentType}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * The old URN an alias names (collapseAliasToUrn): a URN as it is; a spec's missing parts are the
 * resource's own, its parent the resource's parent unless it names one (`null`: none), and a parent
 * that itself came through an alias stands for its old URN.
 */
function collapse(d: DesiredResource, alias: string | RegisteredAlias, oldOfParent: ReadonlyMap<string, string>): string {
    if (typeof alias === "string") return alias;
    const own = urnParts(d.urn);
    let parent = alias.parent === null ? "" : (alias.parent ?? d.parent ?? "");
    if (alias.parent) parent = oldOfParent.get(alias.parent) ?? parent;
    const parentType = parent ? urnParts(parent).qualifiedType : "";
    return newUrn(alias.stack ?? own.stack, alias.project ?? own.project, parentType, alias.type ?? d.type, alias.name ?? d.name);
}

/**
 * inheritedChildAlias: a child of a resource that took over an old URN is looked for under that old
 * parent too, its name's prefix renamed the way the parent's was (children named `<parent>-…`).
 */
function inherited(childUrn: string, parentName: string, parentOldUrn: string): string {
    const child = urnParts(childUrn);
    const parentOld = urnParts(parentOldUrn);
    const name = child.name.startsWith(parentName) ? parentOld.name + child.name.slice(parentName.length) : child.name;
    return newUrn(child.stack, child.project, parentOld.qualifiedType, child.type, name);
}

/** generateAliases: the resource's own aliases, then those it inherits from a parent that was aliased. */
function aliasUrns(d: DesiredResource, oldOfParent: ReadonlyMap<string, string>): string[] {
    const own = d.options.aliases.map((a) => collapse(d, a, oldOfParent));
    const parentOld = d.parent ? oldOfParent.get(d.parent) : undefined;
    const fromParent = parentOld ? [d.urn, ...own].map((urn) => inherited(urn, urnParts(d.parent!).name, parentOld)) : [];
    return [...new Set([...own, ...fromParent])];
}

/**
 * For each desired resource in registration order, the old resource it takes over (getOldResource):
 * its own URN first, then its aliases in order; the first found in `olds` wins. Refuses, as the engine
 * does: an alias naming a URN a resource registered earlier has (diag 2008), an alias another resource
 * already took over (2008), and a URN another resource's alias already took over (2016).
 */
export function matchOlds(desired: readonly DesiredResource[], olds: readonly StateResource[]): OldMatch {
    const oldByUrn = new Map(olds.map((o) => [o.urn, o]));
    const oldOf = new Map<string, StateResource>();
    const aliased = new Map<string, string>();
    const oldOfParent = new Map<string, string>();
    const registered = new Set<string>();
    const errors: AliasDiagnostic[] = [];
    for (const d of desired) {
        registered.add(d.urn);
        const claimedBy = aliased.get(d.urn);
        if (claimedBy) {
            errors.push({
                urn: d.urn,
                message: `Duplicate resource URN '${d.urn}' conflicting with alias on resource with URN '${claimedBy}'`,
            });
        }
        const own = oldByUrn.get(d.urn);
        if (own) {
            oldOf.set(d.urn, own);
            continue;
        }
        for (const alias of aliasUrns(d, oldOfParent)) {
            const old = oldByUrn.get(alias);
            if (!old) continue;
            // Both checks, each its own diagnostic; the first names the resource itself twice, as the engine's does.
            const conflicting = [...(registered.has(alias) ? [d.urn] : []), ...(aliased.has(alias) ? [aliased.get(alias)!] : [])];
            for (const other of conflicting) {
                errors.push({
                    urn: d.urn,
                    message: `Duplicate resource alias '${alias}' applied to resource with URN '${d.urn}' conflicting with resource with URN '${other}'`,
                });
            }
            aliased.set(alias, d.urn);
            oldOfParent.set(d.urn, alias);
            oldOf.set(d.urn, old);
            break;
        }
    }
    return { oldOf, aliased, errors };
}

/**
 * The renames of one update, a resource taken over through an alias each: `rename` moves one record
 * to its new URN at once, and `resolve` rewrites every reference (parent, dependencies, property dependencies, provider) to a
 * renamed URN in one pass, following chains of renames, when the state is written
 * (NormalizeURNReferences in pulumi/pulumi pkg/resource/deploy). Rewriting the whole state per rename
 * would be quadratic: 20,000 renames of a 23,000-resource state when 500 tenants' resources move into
 * their tenant components. `resolve` leaves the state that rewriting one rename at a time would, but
 * for the position of a renamed record, which the written state orders by the program anyway.
 */
export class StateRenames {
    private readonly renamedTo = new Map<string, string>();

    /** `now(current)` replaces the record at `oldUrn`; references to it are rewritten by `resolve`. Throws when the state has no `oldUrn`. */
    rename(resources: Map<string, StateResource>, oldUrn: string, now: (current: StateResource) => StateResource): void {
        const current = resources.get(oldUrn);
        if (!current) throw new Error(`no resource '${oldUrn}' in the state to rename`);
        const renamed = now(current);
        resources.delete(oldUrn);
        resources.set(renamed.urn, renamed);
        if (renamed.urn !== oldUrn) this.renamedTo.set(oldUrn, renamed.urn);
    }

    /** The records of `resources` with every reference to a renamed URN pointing at its last new URN. */
    resolve(resources: Map<string, StateResource>): StateResource[] {
        if (this.renamedTo.size === 0) return [...resources.values()];
        const fix = (urn: string): string => {
            const seen = new Set<string>();
            let at = urn;
            while (this.renamedTo.has(at) && !seen.has(at)) {
                seen.add(at);
                at = this.renamedTo.get(at)!;
            }
            return at;
        };
        return [...resources.values()].map((r) => {
            const provider = r.provider?.split("::");
            return {
                ...r,
                ...(r.parent ? { parent: fix(r.parent) } : {}),
                ...(r.dependencies ? { dependencies: r.dependencies.map(fix) } : {}),
                ...(r.propertyDependencies
                    ? { propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, l]) => [k, l.map(fix)])) }
                    : {}),
                ...(provider ? { provider: [fix(provider.slice(0, -1).join("::")), provider.slice(-1)[0]].join("::") } : {}),
            };
        });
    }
}

/** What a `same` step leaves in the state: the old resource as it was, under its new URN and parent when it came through an alias. */
export function movedState(old: StateResource, step: { readonly urn: string; readonly new?: DesiredResource }): StateResource {
    if (old.urn === step.urn) return old;
    const { parent: _, ...rest } = old;
    return { ...rest, urn: step.urn, ...(step.new?.parent ? { parent: step.new.parent } : {}) };
}
