/**
 * Which URNs belong to a phase. The driver runs one whole-program preview and lists every step whose
 * URN lies under the phase's layer component, then targets exactly those URNs: as literals, or, where
 * a subtree of the program is wholly targeted, as one glob that the whole-program preview shows
 * matches nothing else (`compactTargets`). Globs reach new resources too (the engine matches them
 * since pulumi/pulumi#11150; #8883 first expanded them against the state only), so a resource that
 * appears under a glob after the whole-program preview shows up in the targeted preview as a change
 * outside the phase's URNs, which the scope gate refuses before anything is approved.
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

/** A `--target` the engine treats as a glob: any containing `*`; every other one is a literal URN (deployment.go `NewUrnTargets`). */
export function isTargetGlob(target: string): boolean {
    return target.includes("*");
}

/**
 * The engine's matcher for a `--target` glob (pulumi/pulumi pkg/resource/deploy/deployment.go,
 * `UrnTargets.getMatcher`): split on `**`, which matches anything; within the parts each `*` matches
 * any run of characters without a colon (`[^:]*`), so it never crosses a type token
 * (`aws:ec2/securityGroup:SecurityGroup`), let alone a `::` segment; anchored at both ends.
 */
export function targetGlobPattern(glob: string): RegExp {
    const body = glob
        .split("**")
        .map((part) => part.split("*").map(escapeRegExp).join("[^:]*"))
        .join(".*");
    return new RegExp(`^${body}$`);
}

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The `--target` list that selects exactly `targets` among `universe` (the URNs of a whole-program
 * preview: every resource of the program and of the state): each subtree glob
 * `urn:pulumi:<stack>::<project>::<type chain>$**` (every descendant of the resources with that type
 * chain) that matches at least two URNs of `universe`, all of them in `targets`, stands for them, the
 * widest such glob first; the other targets stay literal, in their order, then the globs, sorted.
 * A phase's targets become two (its layer component and `<layer type>$**`), where one flag per URN
 * overflowed the argument area of the `pulumi` process (E2BIG) from about 545 tenants (README "Scale").
 * A tenant's targets stay literal, as every tenant's resources share their type chains.
 *
 * `targets` with a `*` are returned as they are: the engine reads such a target as a glob already.
 */
export function compactTargets(targets: readonly string[], universe: Iterable<string>): string[] {
    if (targets.some(isTargetGlob)) return [...targets];
    const targeted = new Set(targets);
    const matches = new Map<string, { all: number; targeted: number }>();
    for (const urn of new Set([...universe, ...targets])) {
        for (const prefix of subtreePrefixes(urn)) {
            const m = matches.get(prefix) ?? { all: 0, targeted: 0 };
            m.all++;
            if (targeted.has(urn)) m.targeted++;
            matches.set(prefix, m);
        }
    }
    const chosen: string[] = [];
    const widestFirst = [...matches].filter(([, m]) => m.all >= 2 && m.all === m.targeted).sort(([a], [b]) => a.length - b.length);
    for (const [prefix] of widestFirst) if (!chosen.some((c) => prefix.startsWith(c))) chosen.push(prefix);
    const literals = targets.filter((urn) => !chosen.some((prefix) => urn.startsWith(prefix)));
    return [...literals, ...chosen.sort().map((prefix) => `${prefix}**`)];
}

/**
 * For each ancestor type chain in `urn`, the start every descendant URN of a resource with that chain
 * has: `urn:pulumi:<stack>::<project>::<T1>$…$<Tj>$`. A glob of one of these followed by `**` matches
 * exactly the URNs that start with it, as the start holds no `*`.
 */
function subtreePrefixes(urn: string): string[] {
    const parts = urn.split("::");
    if (parts.length < 4) return [];
    const head = `${parts[0]}::${parts[1]}::`;
    const types = parts[2].split("$");
    return types.slice(0, -1).map((_, j) => `${head}${types.slice(0, j + 1).join("$")}$`);
}
