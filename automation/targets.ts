/**
 * Which URNs belong to a phase. The driver runs one whole-program preview and lists every step whose
 * URN lies under the phase's layer component, then targets those literal URNs. Globs would reach new
 * resources too (the engine matches them since pulumi/pulumi#11150; #8883 first expanded them against
 * the state only), but a glob that matches nothing passes silently, and the reviewed preview and the
 * `up` that applies its plan must name the same resources.
 *
 * A URN is `urn:pulumi:<stack>::<project>::<type chain>::<name>`, where the type chain lists the
 * types of the resource's ancestors and its own, joined by `$`:
 * `urn:pulumi:sit::bbws-platform::bbws:data:DataLayer$aws:rds/cluster:Cluster::data-aurora`.
 */
import type { Phase, PhaseName } from "../src/phases";
import { PHASES } from "../src/phases";

export interface ParsedUrn {
    /** The types of the ancestors, outermost first, then the resource's own type. */
    readonly typeChain: readonly string[];
    readonly type: string;
    readonly name: string;
}

/**
 * Splits a URN into its type chain, own type and name; the name keeps any `::` it contains, as the
 * engine's own parser does (pulumi/pulumi sdk/go/common/resource/urn.go, `URN.Name`). Throws `Error`
 * when the string does not start with `urn:pulumi:` or has fewer than four `::`-separated parts.
 */
export function parseUrn(urn: string): ParsedUrn {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) throw new Error(`not a Pulumi URN: ${urn}`);
    const typeChain = parts[2].split("$");
    return { typeChain, type: typeChain[typeChain.length - 1], name: parts.slice(3).join("::") };
}

/** The root stack and providers: the engine includes them in every targeted operation. */
export function isAlwaysTargeted(urn: string): boolean {
    const { type } = parseUrn(urn);
    return type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");
}

/** The layer component itself, or anything whose ancestry passes through it. */
export function belongsTo(phase: Phase, urn: string): boolean {
    return parseUrn(urn).typeChain.includes(phase.type);
}

/** The URNs of each phase among `urns` (a whole-program preview's steps); phases with none are left out. */
export function urnsByPhase(urns: Iterable<string>): Map<PhaseName, string[]> {
    const byPhase = new Map<PhaseName, string[]>();
    for (const urn of new Set(urns)) {
        const phase = PHASES.find((p) => belongsTo(p, urn));
        if (!phase) continue;
        // Appended in place: copying the list per URN was quadratic (12,500 ecs URNs at 500 tenants).
        const list = byPhase.get(phase.name);
        if (list) list.push(urn);
        else byPhase.set(phase.name, [urn]);
    }
    return byPhase;
}
