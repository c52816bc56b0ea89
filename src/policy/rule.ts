/**
 * The shape of a baseline rule and the few readers rules share. A rule is data plus one pure
 * function over a resource as both CrossGuard and the offline synth can describe it, so the same
 * rule blocks a preview and fails `npm run synth -- --policies`.
 */

export type Level = "mandatory" | "advisory";

/** A resource as a rule sees it: type, names, property values, and which resources each value came from. */
export interface ResourceView {
    /** Pulumi type token, e.g. `aws:rds/cluster:Cluster`. */
    readonly type: string;
    /** Logical name. */
    readonly name: string;
    readonly urn: string;
    /** Parent URN; undefined for the root stack. */
    readonly parent?: string;
    /**
     * Inputs (per-resource checks) or outputs (stack checks). In a preview CrossGuard throws on reading
     * a value AWS has not assigned yet; the rule then runs again during the update.
     */
    readonly inputs: Readonly<Record<string, any>>;
    /**
     * For each property, the URNs of the resources its value came from. CrossGuard supplies them
     * (`propertyDependencies`); offline they are recovered from the ids the AWS model handed out.
     */
    readonly dependencies: Readonly<Record<string, readonly string[]>>;
}

export interface RuleContext {
    /** The stack name: dev, sit or prod. Only rules whose control is scoped by environment read it. */
    readonly env: string;
    /** Every resource in the stack, for rules that judge a resource by what else exists. */
    readonly resources: readonly ResourceView[];
    /**
     * The stack's own AWS region (`aws:region`, which the engine gives the default aws provider: pulumi/pulumi
     * docs/architecture/providers/default.md), where a resource with no `region` input lives; absent when unknown, and
     * a regional default is then judged by its most common value.
     */
    readonly region?: string;
}

export interface Rule {
    /** `<service>-<control number>-<what>`, e.g. `ec2-6-vpc-flow-logs`; also the CrossGuard policy name. */
    readonly name: string;
    /** The AWS Foundational Security Best Practices control id, e.g. `EC2.6`. */
    readonly control: string;
    /** `<control>: <the control's title>`. */
    readonly description: string;
    /** Why it matters and how to comply. */
    readonly explanation: string;
    readonly level: Level;
    /** Resource types the rule judges; the report counts them as checked. */
    readonly types: readonly string[];
    /**
     * `stack` rules look at other resources (`context.resources`) and run in CrossGuard's
     * validateStack, after the engine knows every resource; `resource` rules run per resource.
     */
    readonly scope: "resource" | "stack";
    /** The environments the control covers on this platform; absent means every environment. */
    readonly environments?: readonly string[];
    /** One message per way the resource breaks the control; empty when it complies. */
    check(resource: ResourceView, context: RuleContext): string[];
}

/** The stack name a URN was minted in: `urn:pulumi:<stack>::<project>::…`. */
export function stackOfUrn(urn: string): string {
    return urn.slice("urn:pulumi:".length).split("::")[0];
}

/** Whether `rule` covers environment `env`. */
export function appliesIn(rule: Rule, env: string): boolean {
    return rule.environments === undefined || rule.environments.includes(env);
}

/** Resources of any of `types`. */
export function ofTypes(resources: readonly ResourceView[], types: readonly string[]): ResourceView[] {
    return resources.filter((r) => types.includes(r.type));
}

/**
 * Whether `source`'s `property` was computed from `target`. A wrapping component and the resource it
 * wraps under the same name (awsx's VPC and its `aws:ec2/vpc:Vpc`) count as one: a dependency may
 * name either.
 */
export function refersTo(source: ResourceView, property: string, target: ResourceView, all: readonly ResourceView[]): boolean {
    const urns = source.dependencies[property] ?? [];
    const byUrn = indexOf(all);
    // Looks up the few URNs the value came from instead of scanning `all` per call: rules call this per
    // pair of resources (a rule and each security group, say), which scanning made quadratic in tenants.
    return urns.some((urn) => {
        if (urn === target.urn) return true;
        const r = byUrn.get(urn);
        return r !== undefined && r.name === target.name && (r.urn === target.parent || r.parent === target.urn);
    });
}

const indexes = new WeakMap<readonly ResourceView[], ReadonlyMap<string, ResourceView>>();

/** `all` by URN, built once per list of resources (a stack's resources do not change while its rules run). */
function indexOf(all: readonly ResourceView[]): ReadonlyMap<string, ResourceView> {
    let index = indexes.get(all);
    if (!index) {
        index = new Map(all.map((r) => [r.urn, r]));
        indexes.set(all, index);
    }
    return index;
}

/** Resources of `types` in the stack whose `property` refers to `target`. */
export function referrers(context: RuleContext, types: readonly string[], property: string, target: ResourceView): ResourceView[] {
    return ofTypes(context.resources, types).filter((r) => refersTo(r, property, target, context.resources));
}

/**
 * CrossGuard's error for reading a value AWS assigns only during the update (its proxy over a
 * preview's inputs). Not in the package's typings, but it is what the SDK turns into "can't run
 * policy … during preview".
 */
const { UnknownValueError } = require("@pulumi/policy/proxy") as { UnknownValueError: new (...args: never[]) => Error };

/** Whether `err` is CrossGuard's `UnknownValueError`: an input read in a preview before AWS assigned it. */
export function isUnknownValue(err: unknown): err is Error {
    return err instanceof UnknownValueError;
}

/** A JSON document given as text (container definitions, policies) or already parsed. */
export function parseJson(value: unknown): any {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value);
    } catch {
        return undefined;
    }
}

/** An input that AWS accepts as a single item or a list. */
export function asList<T>(value: T | readonly T[] | undefined): T[] {
    if (value === undefined || value === null) return [];
    return Array.isArray(value) ? [...value] : [value as T];
}

/**
 * The containers of a task definition, or undefined when its definitions cannot be read (a masked
 * secret offline, or not JSON): rules then say so instead of passing a task they could not see.
 */
export function containersOf(taskDefinition: ResourceView): any[] | undefined {
    const parsed = parseJson(taskDefinition.inputs.containerDefinitions);
    return Array.isArray(parsed) ? parsed : undefined;
}

export const UNREADABLE_CONTAINERS = "the container definitions cannot be read (secret or not JSON), so they cannot be checked";

/**
 * A per-container rule's check: `container '<name>' <problem>` for each container `problemOf` finds a
 * problem in (undefined: none), or `UNREADABLE_CONTAINERS` when the definitions cannot be read.
 */
export function containerProblems(taskDefinition: ResourceView, problemOf: (container: any) => string | undefined): string[] {
    const containers = containersOf(taskDefinition);
    if (!containers) return [UNREADABLE_CONTAINERS];
    return containers.flatMap((c) => {
        const problem = problemOf(c);
        return problem ? [`container '${c.name}' ${problem}`] : [];
    });
}

/** Both names the provider has had for a general purpose bucket. */
export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"] as const;
