/**
 * The Service Quotas preflight: before any phase applies, the rollout reads the account's applied value
 * of every quota the stack's growth can exhaust and refuses (exit 2, nothing changed) a plan that needs
 * more, naming the quota, its code, the need, the current value and the request that raises it. What
 * the plan needs is counted by the policy rule `quotas-1-default-service-quotas` (`quotaNeeds`): one
 * count, one table of defaults (`DEFAULT_QUOTAS`), here and in the pull request's policy check.
 */
import type {
    GetAWSDefaultServiceQuotaCommandOutput,
    GetServiceQuotaCommandOutput,
    ServiceQuotasClient,
} from "@aws-sdk/client-service-quotas";
import { DEFAULT_QUOTAS, defaultQuota, QuotaKey, QuotaNeed, quotaNeeds } from "../src/policy/rules/quotas-1-default-service-quotas";
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./errors";
import type { UsageOutsideStack } from "./quota-usage";

/** A quota as Service Quotas names it; `code` absent for one Service Quotas does not list (it cannot be raised). */
export interface QuotaSpec {
    readonly key: QuotaKey;
    /** The quota's name in Service Quotas (or, without a code, in the service's quota page). */
    readonly name: string;
    /** Service Quotas' service code (`vpc`, `elasticloadbalancing`, `iam`, `rds`, `events`). */
    readonly serviceCode?: string;
    /** Service Quotas' quota code (`L-…`). */
    readonly quotaCode?: string;
    /** IAM's quotas are global: Service Quotas answers them in us-east-1 only. */
    readonly global?: boolean;
    /** False for a quota Service Quotas lists but AWS does not raise: the preflight reads it, a refusal asks for no increase. */
    readonly adjustable?: false;
    /**
     * For a quota without a code that AWS still raises, how: a refusal says so, and that the preflight cannot read
     * the raised value (it judges `DEFAULT_QUOTAS`' value). Absent: the quota cannot be raised at all.
     */
    readonly raisedBy?: string;
}

/**
 * Every quota of `DEFAULT_QUOTAS` with its Service Quotas code. Codes: the AWS default quota listing
 * (`ListAWSDefaultServiceQuotas`) as published in gruntwork-io/terraform-aws-utilities docs/quotas.md,
 * the VPC quota page (docs.aws.amazon.com/general/latest/gr/vpc-service.html) and the Aurora user guide's
 * "Quotas in Amazon Aurora" (AmazonRDS/latest/AuroraUserGuide/CHAP_Limits.html, each quota linked to its
 * Service Quotas page, `rds` `L-952B80B8` and `L-7B6409FD`), and the EventBridge user guide's "Amazon
 * EventBridge quotas" (eventbridge/latest/userguide/eb-quota.html, "Number of rules" linked to
 * `services/events/quotas/L-244521F2`, also listed so in gruntwork's table). Not the codes the
 * issue guessed: `L-7E6692B2` is "Targets per Application Load Balancer", not rules.
 */
export const QUOTA_SPECS: readonly QuotaSpec[] = [
    { key: "rulesPerSecurityGroup", name: "Inbound or outbound rules per security group", serviceCode: "vpc", quotaCode: "L-0EA8095F" },
    {
        key: "rulesPerLoadBalancer",
        name: "Rules per Application Load Balancer",
        serviceCode: "elasticloadbalancing",
        quotaCode: "L-7EED9B64",
    },
    {
        key: "certificatesPerLoadBalancer",
        name: "Certificates per Application Load Balancer",
        serviceCode: "elasticloadbalancing",
        quotaCode: "L-9365A611",
    },
    { key: "rolesPerAccount", name: "Roles per account", serviceCode: "iam", quotaCode: "L-FE177D64", global: true },
    // What a premium tenant spends (its own VPC, NAT gateways, peering connection and load balancer): codes as
    // Service Quotas lists them, defaults on each key of DEFAULT_QUOTAS.
    { key: "vpcsPerRegion", name: "VPCs per Region", serviceCode: "vpc", quotaCode: "L-F678F1CE" },
    { key: "internetGatewaysPerRegion", name: "Internet gateways per Region", serviceCode: "vpc", quotaCode: "L-A4707A72" },
    { key: "natGatewaysPerAz", name: "NAT gateways per Availability Zone", serviceCode: "vpc", quotaCode: "L-FE5A380F" },
    { key: "elasticIpsPerRegion", name: "EC2-VPC Elastic IPs", serviceCode: "ec2", quotaCode: "L-0263D0A3" },
    {
        key: "peeringConnectionsPerVpc",
        name: "Active VPC peering connections per VPC",
        serviceCode: "vpc",
        quotaCode: "L-7E9ECCDB",
    },
    // Per route table, the need is the fullest table's (a premium tenant adds a route to each platform isolated table).
    {
        key: "routesPerRouteTable",
        name: "Routes per route table (non-propagated routes)",
        serviceCode: "vpc",
        quotaCode: "L-93826ACB",
    },
    {
        key: "loadBalancersPerRegion",
        name: "Application Load Balancers per Region",
        serviceCode: "elasticloadbalancing",
        quotaCode: "L-53DA6B97",
    },
    // What an enterprise tenant spends besides a premium tenant's (its own Aurora cluster and its instances): codes and
    // defaults from the Aurora user guide's "Quotas in Amazon Aurora", each on its key of DEFAULT_QUOTAS.
    { key: "dbClustersPerRegion", name: "DB clusters", serviceCode: "rds", quotaCode: "L-952B80B8" },
    { key: "dbInstancesPerRegion", name: "DB instances", serviceCode: "rds", quotaCode: "L-7B6409FD" },
    // Per event bus, in each Region the stack puts rules in (us-east-1's forwarders included); an enterprise tenant
    // adds 3 rules to its Region's default bus. The value is per Region: 300, 100 in af-south-1 and eu-south-1.
    { key: "eventRulesPerBus", name: "Number of rules", serviceCode: "events", quotaCode: "L-244521F2" },
    // Listed, not adjustable ("Target Groups per Application Load Balancer", `L-822D1B1B`, in the published listing).
    {
        key: "targetGroupsPerLoadBalancer",
        name: "Target groups per Application Load Balancer (not adjustable)",
        serviceCode: "elasticloadbalancing",
        quotaCode: "L-822D1B1B",
        adjustable: false,
    },
    // Not in Service Quotas: fixed, so the default is the value (CloudWatch and IAM quota pages).
    { key: "widgetsPerDashboard", name: "Widgets per CloudWatch dashboard (not in Service Quotas)" },
    { key: "inlinePolicyCharactersPerRole", name: "Role inline policy size (not adjustable)" },
    // Not among the elasticache quotas of gruntwork's listing of adjustable ones (above); the ElastiCache guide's quota page
    // sends quotas Service Quotas does not hold to the service limit increase form (DEFAULT_QUOTAS.usersPerUserGroup).
    {
        key: "usersPerUserGroup",
        name: "Users per ElastiCache user group (not in Service Quotas)",
        raisedBy: "a service limit increase case (console.aws.amazon.com/support/home#/case/create?issueType=service-limit-increase)",
    },
];

/** The region Service Quotas answers global (IAM) quotas in. */
export const GLOBAL_QUOTA_REGION = "us-east-1";

/** One quota as the preflight saw it. */
export interface QuotaCheck {
    readonly spec: QuotaSpec;
    readonly need: QuotaNeed;
    /** The applied value (`GetServiceQuota`), else AWS's default (`GetAWSDefaultServiceQuota`), else `DEFAULT_QUOTAS`. */
    readonly current: number;
    /** Where `current` came from. */
    readonly from: "applied" | "aws-default" | "fixed";
    /** What resources outside the stack already spend of it (automation/quota-usage.ts); absent when not read. */
    readonly outside?: UsageOutsideStack;
    /** Where it was read, when not the stack's region: a regional quota's other regions, or us-east-1 for IAM's. */
    readonly region?: string;
}

/** What the quota must hold: the plan's need plus what the rest of the account already spends of it. */
export function required(check: QuotaCheck): number {
    return check.need.need + (check.outside?.count ?? 0);
}

/**
 * `checks` with what resources outside the stack spend of the quotas `usage` covers, by region
 * (`stackRegion` for a check that names none).
 */
export function withUsageOutside(
    checks: readonly QuotaCheck[],
    usage: ReadonlyMap<string, Readonly<Partial<Record<QuotaKey, UsageOutsideStack>>>>,
    stackRegion: string,
): QuotaCheck[] {
    return checks.map((c) => {
        const outside = usage.get(c.region ?? stackRegion)?.[c.spec.key];
        return outside ? { ...c, outside } : c;
    });
}

/** A Service Quotas client for a region (tests and `--rehearse` pass a double). */
export type ServiceQuotasFor = (region: string) => Promise<Pick<ServiceQuotasClient, "send">>;

/**
 * The value in force of one quota: `GetServiceQuota` (the account's applied value), falling back to
 * `GetAWSDefaultServiceQuota` when the account has none applied (`NoSuchResourceException`: Service
 * Quotas API reference, GetServiceQuota, "Errors"). Other errors (a missing
 * `servicequotas:GetServiceQuota` permission included) propagate.
 */
export async function readQuota(
    client: Pick<ServiceQuotasClient, "send">,
    serviceCode: string,
    quotaCode: string,
): Promise<{ value: number; from: "applied" | "aws-default" }> {
    // Commands load the SDK; imported here so that `--help` and the pure checks never do.
    const { GetServiceQuotaCommand, GetAWSDefaultServiceQuotaCommand } = await import("@aws-sdk/client-service-quotas");
    try {
        const out = (await client.send(
            new GetServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode }),
        )) as GetServiceQuotaCommandOutput;
        if (out.Quota?.Value !== undefined) return { value: out.Quota.Value, from: "applied" };
    } catch (err) {
        if ((err as { name?: string }).name !== "NoSuchResourceException") throw err;
    }
    const out = (await client.send(
        new GetAWSDefaultServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode }),
    )) as GetAWSDefaultServiceQuotaCommandOutput;
    if (out.Quota?.Value === undefined) throw new Error(`Service Quotas returned no value for ${serviceCode} ${quotaCode}`);
    return { value: out.Quota.Value, from: "aws-default" };
}

/**
 * Reads every quota in `QUOTA_SPECS` that the plan needs at all, in `region` (IAM's in
 * `GLOBAL_QUOTA_REGION`; a regional quota in each region its need's `byRegion` names, `""` being
 * `region`), one check per quota and region. A quota that cannot be read (a missing permission,
 * throttling, no network) is a preflight failure: `UsageError` `quota-unreadable` (exit 2), naming the
 * quota, region and cause.
 */
export async function readQuotas(
    needs: Readonly<Record<QuotaKey, QuotaNeed>>,
    region: string,
    serviceQuotas: ServiceQuotasFor,
): Promise<QuotaCheck[]> {
    const clients = new Map<string, Promise<Pick<ServiceQuotasClient, "send">>>();
    const clientFor = (r: string) => clients.get(r) ?? clients.set(r, serviceQuotas(r)).get(r)!;
    const checks: QuotaCheck[] = [];
    for (const spec of QUOTA_SPECS) {
        const need = needs[spec.key];
        if (need.need === 0) continue;
        if (!spec.serviceCode || !spec.quotaCode) {
            checks.push({ spec, need, current: DEFAULT_QUOTAS[spec.key], from: "fixed" });
            continue;
        }
        const places: [string, QuotaNeed][] = spec.global
            ? [[GLOBAL_QUOTA_REGION, need]]
            : need.byRegion
              ? Object.entries(need.byRegion).map(([r, n]) => [r || region, n])
              : [[region, need]];
        for (const [where, needHere] of places) {
            const { value, from } = await readQuota(await clientFor(where), spec.serviceCode, spec.quotaCode).catch((err: Error) => {
                throw new UsageError(
                    "quota-unreadable",
                    `Service Quotas could not be read: ${spec.name} (${spec.serviceCode} ${spec.quotaCode}) in ${where}: ${err.name}: ${err.message}`,
                    "the operator's role needs servicequotas:GetServiceQuota and servicequotas:GetAWSDefaultServiceQuota " +
                        '(README "The Service Quotas preflight"); nothing was previewed or applied',
                );
            });
            checks.push({ spec, need: needHere, current: value, from, ...(where !== region ? { region: where } : {}) });
        }
    }
    return checks;
}

/** The CLI request that raises `check`'s quota to its need; undefined for a quota that cannot be raised. */
export function increaseCommand(check: QuotaCheck, region: string): string | undefined {
    const { serviceCode, quotaCode, global, adjustable } = check.spec;
    if (!serviceCode || !quotaCode || adjustable === false) return undefined;
    return (
        `aws service-quotas request-service-quota-increase --service-code ${serviceCode} --quota-code ${quotaCode} ` +
        `--desired-value ${required(check)} --region ${global ? GLOBAL_QUOTA_REGION : (check.region ?? region)}`
    );
}

/**
 * Refuses (`UsageError` `quota-too-small`, exit 2) when any check's need, plus what resources outside
 * the stack already spend of it, exceeds its current value: one line per quota with its name, code,
 * need (and the resource that needs it), current value and what the rest of the account uses (with up
 * to three ids), and as the fix the `request-service-quota-increase` commands for the sum, or for a
 * quota not in Service Quotas, to split what grows (and, for one AWS raises by a support case, that its raised
 * value is not read here).
 */
export function checkQuotas(checks: readonly QuotaCheck[], region: string): void {
    const short = checks.filter((c) => required(c) > c.current);
    if (short.length === 0) return;
    const code = (c: QuotaCheck) => (c.spec.quotaCode ? ` (${c.spec.serviceCode} ${c.spec.quotaCode})` : "");
    const outside = (c: QuotaCheck) =>
        c.outside?.count
            ? `, of which ${c.outside.count} ${c.outside.count === 1 ? "is" : "are"} in use outside this stack ` +
              `(${c.outside.ids.join(", ")}${c.outside.count > c.outside.ids.length ? ", …" : ""})`
            : "";
    const lines = short.map(
        (c) =>
            `    ${c.spec.name}${code(c)}${c.region && !c.spec.global ? ` in ${c.region}` : ""}: the plan needs ${c.need.need}${c.need.urn ? ` (${c.need.urn})` : ""}, ` +
            `the account has ${c.current}${c.from === "aws-default" ? " (AWS's default)" : ""}${outside(c)}`,
    );
    const raise = short.map((c) => increaseCommand(c, region)).filter((c): c is string => c !== undefined);
    const unraisable = short.filter((c) => increaseCommand(c, region) === undefined);
    const bySupport = unraisable.filter((c) => c.spec.raisedBy);
    const fixed = unraisable.filter((c) => !c.spec.raisedBy);
    const split = '(README "Scale: hundreds of tenants": shard stacks of at most 50 tenants)';
    throw new UsageError(
        "quota-too-small",
        `the plan needs more than ${short.length === 1 ? "a quota allows" : `${short.length} quotas allow`}:\n${lines.join("\n")}`,
        [
            ...(raise.length ? [`request the increase, and roll out once it is approved:\n    ${raise.join("\n    ")}`] : []),
            ...bySupport.map(
                (c) =>
                    `${c.spec.name} is raised only through ${c.spec.raisedBy}, whose value this check cannot read: split what grows ${split}`,
            ),
            ...(fixed.length ? [`${fixed.map((c) => c.spec.name).join(", ")} cannot be raised: split what grows ${split}`] : []),
        ].join("; "),
    );
}

/**
 * What `env`'s whole program needs of each quota: its offline synth (automation/synth.ts, the program
 * under mocks, about 2 s at prod's size) counted by the quota rule. The whole program, not the phase
 * being rolled out: a quota such as roles per account is spent by every phase together. Remembered for
 * the process by the project and stack files' text (the program's code cannot change under it), so
 * rehearsals that roll out one environment phase by phase synthesize it once.
 */
export function programQuotaNeeds(projectDir: string, env: string): Promise<Record<QuotaKey, QuotaNeed>> {
    const key = ["Pulumi.yaml", `Pulumi.${env}.yaml`].map((f) => fs.readFileSync(path.join(projectDir, f), "utf8")).join("\0");
    let needs = needsBySource.get(key);
    if (!needs) {
        needs = (async () => {
            const [{ synthesize }, { viewsFromSynth }] = await Promise.all([import("./synth"), import("./policy-offline")]);
            const synth = await synthesize(projectDir, env);
            return quotaNeeds({ env, resources: viewsFromSynth(synth), region: synth.region });
        })();
        needsBySource.set(key, needs);
        needs.catch(() => needsBySource.delete(key));
    }
    return needs;
}
const needsBySource = new Map<string, Promise<Record<QuotaKey, QuotaNeed>>>();

/** Service Quotas through the AWS SDK, one client per region. */
export const serviceQuotasClients: ServiceQuotasFor = async (region) =>
    new (await import("@aws-sdk/client-service-quotas")).ServiceQuotasClient({ region });

/**
 * Service Quotas as a rehearsal answers it: an account with no applied values but `applied` (by quota
 * code), so `GetServiceQuota` fails with the service's `NoSuchResourceException` and
 * `GetAWSDefaultServiceQuota` answers AWS's default in the client's Region (`defaultQuota`: `DEFAULT_QUOTAS`,
 * but 100 rules per event bus in af-south-1 and eu-south-1), as for a new account.
 */
export function serviceQuotasDouble(applied: Readonly<Record<string, number>> = {}): ServiceQuotasFor {
    const keys = new Map(QUOTA_SPECS.filter((s) => s.quotaCode).map((s) => [s.quotaCode!, s.key]));
    const sendIn = (region: string) => async (command: { input: { ServiceCode?: string; QuotaCode?: string } }) => {
        const sdk = await import("@aws-sdk/client-service-quotas");
        const { ServiceCode = "", QuotaCode = "" } = command.input;
        const key = keys.get(QuotaCode);
        const value =
            command instanceof sdk.GetServiceQuotaCommand ? applied[QuotaCode] : key === undefined ? undefined : defaultQuota(key, region);
        if (value === undefined) {
            throw new sdk.NoSuchResourceException({
                $metadata: { httpStatusCode: 400 },
                message: `The request failed because the specified service quota ${ServiceCode} ${QuotaCode} does not exist or has no applied value.`,
            });
        }
        return { Quota: { ServiceCode, QuotaCode, Value: value } };
    };
    return async (region) => ({ send: sendIn(region) }) as unknown as Pick<ServiceQuotasClient, "send">;
}
