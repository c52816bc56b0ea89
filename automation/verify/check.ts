/**
 * What a verification check is, what it is given and what it answers. A check is data plus one
 * function, like a cdk-nag rule: it reads AWS through `ctx.read`, compares with the typed config, and
 * says pass, fail or warn with what it saw. Errors it does not handle (a missing stack output, an AWS
 * error) are turned into a result by the runner in index.ts, so a check reads as the happy path.
 */
import type { PlatformConfig } from "../../src/config";
import type { PhaseName } from "../../src/phases";
import type { PlatformOutputs } from "../../src/program";
import type { AwsClients, HttpsProbe } from "./clients";
import type { DrConfig } from "../dr/config";
import type { DrOutputs } from "../dr/contract";

export type CheckStatus = "pass" | "fail" | "warn";

export interface CheckOutcome {
    readonly status: CheckStatus;
    /** What the check saw, in a sentence an operator can act on. */
    readonly detail: string;
}

export interface CheckResult extends CheckOutcome {
    readonly id: string;
    readonly phase: PhaseName;
}

/** What the DR checks are given besides the phase's context. */
export interface DrCheckContext {
    readonly config: DrConfig;
    /** `aws:region`. */
    readonly primaryRegion: string;
    /** The contract's dr outputs; throws `MissingOutputError` naming the first missing key. */
    readonly outputs: () => DrOutputs;
    /** Clients in the DR region. */
    readonly aws: AwsClients;
}

export interface CheckContext {
    readonly env: string;
    readonly config: PlatformConfig;
    readonly outputs: StackOutputs;
    readonly aws: AwsClients;
    readonly probe: HttpsProbe;
    /**
     * Reads AWS with back-off. Reads with the same key happen once per run: several checks of a phase
     * look at the same cluster or file system.
     */
    read<T>(key: string, call: () => Promise<T>): Promise<T>;
    /** Set where `bbws:dr` is (issue 17): the DR config, outputs and DR-region clients the DR checks (dr.ts) read. */
    readonly dr?: DrCheckContext;
}

export interface Check {
    /** Stable id, `<phase>-<what>`: reports and runbooks refer to it. */
    readonly id: string;
    readonly phase: PhaseName;
    /** One line: what must be true. */
    readonly info: string;
    /** Why it matters and where to look when it fails. */
    readonly explanation: string;
    check(ctx: CheckContext): Promise<CheckOutcome>;
}

/** A passing outcome; `detail` says what was seen, e.g. the setting found. */
export const pass = (detail: string): CheckOutcome => ({ status: "pass", detail });
/** A failing outcome: the phase's verification fails; `detail` names what is wrong and where. */
export const fail = (detail: string): CheckOutcome => ({ status: "fail", detail });
/** A warning: reported, but the verification still passes; `detail` says what to look at. */
export const warn = (detail: string): CheckOutcome => ({ status: "warn", detail });

/** Fails listing every problem found, else warns listing every finding, else passes saying what was seen. */
export function verdict(problems: readonly string[], seen: string, findings: readonly string[] = []): CheckOutcome {
    if (problems.length > 0) return fail([...problems, ...findings].join("; "));
    return findings.length > 0 ? warn(findings.join("; ")) : pass(seen);
}

/** A stack output a check needs is absent or not of the expected shape. */
export class MissingOutputError extends Error {
    constructor(
        readonly key: string,
        expected: string,
    ) {
        super(`stack output \`${key}\` is missing (expected ${expected})`);
        this.name = "MissingOutputError";
    }
}

/**
 * The dotted paths of `T` whose value is a `V`: `OutputPath<PlatformOutputs, string>` includes
 * `network.vpcId` and not `network.vpcid`. Maps keyed by tenant id (an index signature) end the path.
 */
export type OutputPath<T, V, Prefix extends string = ""> = {
    [K in keyof T & string]: T[K] extends V
        ? `${Prefix}${K}`
        : T[K] extends readonly unknown[]
          ? never
          : string extends keyof T[K]
            ? never
            : T[K] extends object
              ? OutputPath<T[K], V, `${Prefix}${K}.`>
              : never;
}[keyof T & string];

/** The dotted paths of `T` that are maps keyed by tenant id, such as `storage.accessPointIds`. */
export type TenantMapPath<T, Prefix extends string = ""> = {
    // NonNullable: a map only some environments have (a premium tenant's `ecs.tenantLoadBalancerArns`) is a path too.
    [K in keyof T & string]: NonNullable<T[K]> extends readonly unknown[]
        ? never
        : string extends keyof NonNullable<T[K]>
          ? `${Prefix}${K}`
          : NonNullable<T[K]> extends object
            ? TenantMapPath<NonNullable<T[K]>, `${Prefix}${K}.`>
            : never;
}[keyof T & string];

/** One enterprise tenant's entry of the stack output `database.tenantClusters`. */
type TenantClusterOutputs = NonNullable<PlatformOutputs["database"]["tenantClusters"]>[string];

/**
 * Typed access to the stack outputs, which are grouped by phase (`network.vpcId`): each key is checked
 * against `PlatformOutputs` (src/program.ts) at compile time. A stack rolled out by an older commit may
 * lack an output: each accessor names the exact key it could not find.
 */
export class StackOutputs {
    constructor(private readonly raw: Readonly<Record<string, unknown>>) {}

    string(key: OutputPath<PlatformOutputs, string>): string {
        return this.stringAt(key);
    }

    private stringAt(key: string): string {
        const value = this.at(key);
        if (typeof value !== "string" || value === "") throw new MissingOutputError(key, "a string");
        return value;
    }

    strings(key: OutputPath<PlatformOutputs, readonly string[]>): string[] {
        const value = this.at(key);
        if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string")) {
            throw new MissingOutputError(key, "a list of strings");
        }
        return value;
    }

    /** `<key>.<tenant>` of a per-tenant map such as `storage.accessPointIds`. */
    tenant(key: TenantMapPath<PlatformOutputs>, tenantId: string): string {
        return this.stringAt(`${key}.${tenantId}`);
    }

    /** `database.tenantClusters.<tenant>.<field>`: an enterprise tenant's own cluster, as the stack outputs give it. */
    tenantCluster(tenantId: string, field: keyof TenantClusterOutputs): string {
        return this.stringAt(`database.tenantClusters.${tenantId}.${field}`);
    }

    private at(key: string): unknown {
        return key
            .split(".")
            .reduce<unknown>(
                (node, part) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined),
                this.raw,
            );
    }
}

/** Follows a paginated AWS list to its end. */
export async function allPages<T>(page: (token: string | undefined) => Promise<{ items?: T[]; next?: string }>): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    do {
        const result = await page(token);
        items.push(...(result.items ?? []));
        token = result.next;
    } while (token);
    return items;
}

/** Resolves to undefined when AWS answers with one of `notFound` (the resource is absent: a finding, not an error). */
export async function orAbsent<T>(read: Promise<T>, ...notFound: string[]): Promise<T | undefined> {
    try {
        return await read;
    } catch (err) {
        if (notFound.includes((err as Error).name)) return undefined;
        throw err;
    }
}

/** `a, b and c` for details. */
export function list(items: readonly string[]): string {
    return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
