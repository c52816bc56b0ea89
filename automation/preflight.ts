/**
 * Checks made once per run, before anything is previewed: the Pulumi CLI, the state backend and the
 * stack's state in it, the AWS identity, the git tree and write access to the ledger. A failure here is a usage error (exit 2): nothing was changed and the
 * message says what to set up. What each environment demands is config (`bbws:rollout`), not code.
 */
import { execFile } from "child_process";
import { promisify } from "util";
import type { STSClient } from "@aws-sdk/client-sts";
import type { PlatformConfig, RolloutConfig } from "../src/config";
import type { BackendIdentity, Engine, PendingOperation } from "./engine";
import { INSTALL_PULUMI } from "./engine";
import { UsageError } from "./errors";
import type { Ledger } from "./ledger";
import { checkQuotas, QuotaCheck, readQuotas, ServiceQuotasFor, withUsageOutside } from "./quotas";
import {
    ACCOUNT_QUOTA_KEYS,
    ACCOUNT_RESOURCES_PERMISSIONS,
    AccountResourcesReader,
    AccountRolesReader,
    rolesOutsideStack,
    stackResourceIds,
    usageOutsideStack,
} from "./quota-usage";
import { list } from "./verify/check";
import type { QuotaKey, QuotaNeed } from "../src/policy/rules/quotas-1-default-service-quotas";

/** Update plans (`preview --save-plan`, `up --plan`) work without experimental flags from this CLI on. */
export const MIN_CLI_VERSION = "3.190.0";

export interface GitState {
    /** HEAD's commit; absent outside a git checkout. */
    readonly commit?: string;
    readonly dirty: boolean;
    /** `commit` and the ancestors with the same code (`sameCodeCommits`), for the promotion gate. */
    readonly codeCommits?: readonly string[];
}

export interface CallerIdentity {
    readonly account: string;
    readonly arn: string;
}

export interface PreflightDeps {
    readonly engine: Engine;
    /** An STS client for a region (tests pass a mock). */
    readonly sts: (region: string) => Promise<Pick<STSClient, "send">>;
    readonly git: () => Promise<GitState>;
    /** Checked for write access: an attempt that cannot be recorded must not start. */
    readonly ledger: Pick<Ledger, "location" | "checkWritable">;
    /**
     * The Service Quotas preflight (automation/quotas.ts): both given, the run reads the quotas the plan
     * needs and refuses one that needs more (`quota-too-small`, exit 2) before any phase applies.
     */
    readonly quotas?: {
        /** A Service Quotas client for a region. */
        readonly serviceQuotas: ServiceQuotasFor;
        /** What the stack needs of each quota, counted on its resources (`quotaNeeds` of the quota rule). */
        readonly needs: () => Promise<Readonly<Record<QuotaKey, QuotaNeed>>>;
        /**
         * The region's VPCs, internet gateways, NAT gateways, Elastic IPs, load balancers, DB clusters and
         * instances and EventBridge rules, the stack's own included (automation/quota-usage.ts): given,
         * what those outside the stack's state spend is added to the plan's need. Read only when a
         * regional quota is needed at all.
         */
        readonly accountResources?: AccountResourcesReader;
        /** The account's IAM role names, the stack's own included: given, the roles outside the stack's state are added to its need. */
        readonly accountRoles?: AccountRolesReader;
    };
}

export interface PreflightResult {
    readonly cliVersion: string;
    readonly backend: BackendIdentity;
    readonly caller: CallerIdentity;
    readonly git: GitState;
}

export interface PreflightOptions {
    /**
     * Nothing will be applied (`--preview-only`): the tree is previewed as it is, so uncommitted changes
     * are reported, not refused, even where `bbws:rollout.requireCleanCommit` is set.
     */
    readonly previewOnly?: boolean;
}

/**
 * The quotas the plan needs, read, with what resources outside the stack spend of the regional ones
 * and of roles per account (each where its reader is given and the plan needs it).
 */
async function quotaChecks(deps: PreflightDeps, region: string, accountId: string): Promise<QuotaCheck[]> {
    const quotas = deps.quotas!;
    const checks = await readQuotas(await quotas.needs(), region, quotas.serviceQuotas);
    const regions = quotas.accountResources
        ? [...new Set(checks.filter((c) => ACCOUNT_QUOTA_KEYS.has(c.spec.key)).map((c) => c.region ?? region))]
        : [];
    const readsRoles = quotas.accountRoles !== undefined && checks.some((c) => c.spec.key === "rolesPerAccount");
    if (regions.length === 0 && !readsRoles) return checks;
    const unreadable = (what: string, permissions: string) => (err: Error) => {
        throw new UsageError(
            "quota-unreadable",
            `${what} could not be read: ${err.name}: ${err.message}`,
            `the operator's role needs ${permissions} (README "The Service Quotas preflight"); nothing was previewed or applied`,
        );
    };
    const read = (where: string) =>
        quotas.accountResources!(where, accountId).catch(
            unreadable(
                `the region's VPCs, gateways, addresses, load balancers, DB clusters and instances and EventBridge rules in ${where}`,
                list(ACCOUNT_RESOURCES_PERMISSIONS),
            ),
        );
    const [accounts, roles, state] = await Promise.all([
        Promise.all(regions.map(read)),
        readsRoles ? quotas.accountRoles!().catch(unreadable("the account's IAM roles", "iam:ListRoles")) : undefined,
        deps.engine.exportState(),
    ]);
    const own = stackResourceIds(state);
    const regional = withUsageOutside(checks, new Map(regions.map((r, i) => [r, usageOutsideStack(accounts[i], own)])), region);
    return roles
        ? regional.map((c) => (c.spec.key === "rolesPerAccount" ? { ...c, outside: rolesOutsideStack(roles, own) } : c))
        : regional;
}

/** A quota as the preflight logs it: `code need/current`, `need+outside` where other resources spend it too, and a regional quota's other region. */
function quotaLog(c: QuotaCheck): string {
    const use = c.outside?.count ? `${c.need.need}+${c.outside.count}` : String(c.need.need);
    return `${c.spec.quotaCode ?? c.spec.key} ${use}/${c.current}${c.region && !c.spec.global ? ` in ${c.region}` : ""}`;
}

/**
 * The checks made once per run, in order: CLI version, backend, pending operations, AWS account,
 * the Service Quotas the plan needs (when `deps.quotas` is given), git tree, ledger write access. Logs one line per check; throws a `UsageError` (exit 2) on the first
 * that fails, naming what to set up. `previewOnly` reports a dirty tree instead and skips the write check.
 */
export async function preflight(
    cfg: PlatformConfig,
    deps: PreflightDeps,
    log: (line: string) => void,
    options: PreflightOptions = {},
): Promise<PreflightResult> {
    const cliVersion = await deps.engine.cliVersion();
    checkCliVersion(cliVersion);
    log(`pulumi CLI ${cliVersion}`);

    const backend = await deps.engine.whoAmI();
    checkBackend(backend, cfg.rollout, cfg.env);
    log(`backend ${backend.url ?? "(unknown)"} as ${backend.user}`);
    checkPendingOperations(await deps.engine.pendingOperations(), cfg.env);

    const caller = await callerIdentity(await deps.sts(cfg.region));
    checkCaller(caller, cfg);
    log(`AWS account ${caller.account} as ${caller.arn}, region ${cfg.region}`);

    if (deps.quotas) {
        const checks = await quotaChecks(deps, cfg.region, caller.account);
        checkQuotas(checks, cfg.region);
        log(`quotas: ${checks.map(quotaLog).join(", ") || "none needed"}`);
    }

    const git = await deps.git();
    if (!options.previewOnly) checkGit(git, cfg.rollout, cfg.env);
    log(
        `commit ${git.commit ?? "(not a git checkout)"}${git.dirty ? " with uncommitted changes" : ""}` +
            (options.previewOnly && git.dirty
                ? " (previewed as it is: a rollout from this tree would be refused where a clean commit is required)"
                : ""),
    );

    // A preview records nothing, so a pull request's read-only role is enough for it.
    if (!options.previewOnly) await deps.ledger.checkWritable(cfg.env);
    log(`ledger ${deps.ledger.location}${options.previewOnly ? " (read only: a preview records nothing)" : ""}`);
    return { cliVersion, backend, caller, git };
}

/** Refuses (`cli-too-old`, exit 2) a CLI older than `MIN_CLI_VERSION`, which cannot apply a saved plan. */
export function checkCliVersion(version: string): void {
    if (compareVersions(version, MIN_CLI_VERSION) < 0) {
        throw new UsageError(
            "cli-too-old",
            `Pulumi CLI ${version} is older than ${MIN_CLI_VERSION}, the first that applies saved plans without experimental flags`,
            INSTALL_PULUMI,
        );
    }
}

/** Refuses a missing backend, and a local `file://` one where `bbws:rollout.requireRemoteBackend` asks for shared state (exit 2). */
export function checkBackend(backend: BackendIdentity, rollout: RolloutConfig, env: string): void {
    if (!backend.url) {
        throw new UsageError(
            "no-backend",
            "no state backend is configured",
            "log in to the environment's backend with `pulumi login <url>`",
        );
    }
    if (rollout.requireRemoteBackend && backend.url.startsWith("file://")) {
        throw new UsageError(
            "local-backend",
            `${env} needs a shared state backend, but this one is local (${backend.url})`,
            `\`pulumi login\` to ${env}'s backend (set bbws:rollout.requireRemoteBackend: false only for a disposable environment)`,
        );
    }
}

/**
 * A CLI killed mid-update leaves operations whose outcome nobody knows; the engine would only warn at
 * preview and refuse at `up`, after reviews and approvals. Recovery is a person's job (Pulumi's
 * "Interrupted updates" guide), so the run stops here, having changed nothing, and names the CLI's own
 * commands: a refresh drops pending updates, deletes and reads (the engine carries only pending
 * creates into the next state), while a pending create needs a decision per resource, given with
 * `--import-pending-creates` or `--clear-pending-creates` (pulumi/pulumi#10394); without either a
 * non-interactive refresh skips them and they stay.
 */
export function checkPendingOperations(pending: readonly PendingOperation[], stack: string): void {
    if (pending.length === 0) return;
    throw new UsageError(
        "pending-operations",
        `stack '${stack}' has ${pending.length} pending operation(s) from an update that was interrupted:\n` +
            pending.map((p) => `    ${p.urn}, interrupted while ${p.type}`).join("\n"),
        pendingRecovery(pending, stack),
    );
}

/**
 * The recovery as numbered steps in the CLI's own commands; only a person can look up a created
 * resource's id. `--import-pending-creates` is a string array of alternating URNs and ids, one value
 * per flag (pulumi/pulumi pkg/cmd/pulumi/operations/refresh.go, `pendingCreatesToImports`: "each URN
 * must be followed by an ID"), and a refresh without a terminal refuses to run without `--yes`.
 */
export function pendingRecovery(pending: readonly PendingOperation[], stack: string): string {
    const creates = pending.filter((p) => p.type === "creating");
    const steps = ["check in AWS how each operation ended"];
    if (creates.length > 0) {
        steps.push(
            "for each pending create whose resource exists, its URN and then its id in AWS (e.g. a VPC's vpc-…, a role's name), " +
                "each as its own `--import-pending-creates`, so Pulumi adopts it; `--clear-pending-creates` drops the rest " +
                "(the next rollout creates them); add `--yes` where no terminal can confirm (CI):\n" +
                `    pulumi refresh --stack ${stack} ${creates.map((p) => `--import-pending-creates '${p.urn}' --import-pending-creates '<id>'`).join(" ")}\n` +
                `    pulumi refresh --stack ${stack} --clear-pending-creates    # if none of them exists`,
        );
    }
    if (creates.length < pending.length) {
        steps.push(
            `\`pulumi refresh --stack ${stack}\` reads the real state of the interrupted updates, deletes and reads and drops those ` +
                "pending operations" +
                (creates.length > 0 ? " (the command above does it too)" : ""),
        );
    }
    steps.push(`roll out again; \`pulumi stack export --stack ${stack}\` shows what is still pending`);
    return steps.map((s, i) => `${i + 1}. ${s}`).join("\n  ");
}

/** Refuses (`wrong-account`, exit 2) credentials for any account but the stack's own (`aws:allowedAccountIds`). */
export function checkCaller(caller: CallerIdentity, cfg: PlatformConfig): void {
    if (caller.account !== cfg.accountId) {
        throw new UsageError(
            "wrong-account",
            `AWS credentials are for account ${caller.account} (${caller.arn}), but ${cfg.env} is account ${cfg.accountId} (aws:allowedAccountIds)`,
            `use ${cfg.env}'s credentials, e.g. AWS_PROFILE=<${cfg.env} profile>`,
        );
    }
}

/** Where `bbws:rollout.requireCleanCommit` is set, refuses a tree outside git or with uncommitted changes, so the ledger's commit is what was applied (exit 2). */
export function checkGit(git: GitState, rollout: RolloutConfig, env: string): void {
    if (!rollout.requireCleanCommit) return;
    if (!git.commit) {
        throw new UsageError(
            "no-commit",
            `${env} is rolled out from a git commit, and this is not a git checkout`,
            "run from a clone of the repository",
        );
    }
    if (git.dirty) {
        throw new UsageError(
            "dirty-tree",
            `${env} is rolled out from a commit, and the tree has uncommitted changes`,
            "commit or stash them, so the ledger's commit is exactly what is applied",
        );
    }
}

/** Who the credentials are, asked in the stack's region: a region not enabled for the account fails here, not mid-update. */
export async function callerIdentity(sts: Pick<STSClient, "send">): Promise<CallerIdentity> {
    const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
    try {
        const who = await sts.send(new GetCallerIdentityCommand({}));
        return { account: who.Account ?? "", arn: who.Arn ?? "" };
    } catch (err) {
        throw new UsageError(
            "aws-credentials",
            `AWS credentials do not work: ${(err as Error).message}`,
            "set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) for the environment's account and log in (`aws sso login`)",
        );
    }
}

/** HEAD and whether the tree has changes, from git itself. */
export async function readGit(cwd: string): Promise<GitState> {
    const git = (...args: string[]) => promisify(execFile)("git", args, { cwd }).then((r) => r.stdout.trim());
    try {
        const commit = await git("rev-parse", "HEAD");
        return { commit, dirty: (await git("status", "--porcelain")) !== "", codeCommits: await sameCodeCommits(cwd, commit) };
    } catch {
        return { dirty: false };
    }
}

/** A stack file: per-environment configuration (`Pulumi.<env>.yaml` at the project's root), not code. */
const STACK_FILE = /^Pulumi\.[^/]+\.yaml$/;

/**
 * `commit`, then each first parent for as long as the commit after it changed nothing but stack files:
 * the commits whose code `commit` runs. `npm run tenant -- add --env prod` commits Pulumi.prod.yaml, and
 * that commit promotes what its parent completed in sit (no phase of sit runs prod's stack file). At
 * most `limit` commits; stops at the root, a merge's first parent being the line followed.
 */
export async function sameCodeCommits(cwd: string, commit: string, limit = 50): Promise<string[]> {
    const git = (...args: string[]) => promisify(execFile)("git", args, { cwd }).then((r) => r.stdout.trim());
    const commits = [commit];
    while (commits.length < limit) {
        const child = commits[commits.length - 1];
        const parent = await git("rev-parse", "--verify", "--quiet", `${child}^1`).catch(() => "");
        if (parent === "") break;
        const changed = (await git("diff", "--name-only", "--no-renames", parent, child)).split("\n").filter((f) => f !== "");
        if (!changed.every((f) => STACK_FILE.test(f))) break;
        commits.push(parent);
    }
    return commits;
}

/** Negative, zero or positive as CLI version `a` is older than, the same as or newer than `b`. */
export function compareVersions(a: string, b: string): number {
    const parts = (v: string) => v.replace(/^v/, "").split(/[.+-]/).slice(0, 3).map(Number);
    const [x, y] = [parts(a), parts(b)];
    for (let i = 0; i < 3; i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
    return 0;
}
