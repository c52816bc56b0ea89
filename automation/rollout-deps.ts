/**
 * What the rollout CLI's `main` reaches outside the process through. Its own module so that
 * `--rehearse` (rehearse.ts), which supplies a rehearsal's set, and the CLI, which loads it, do not
 * import each other.
 */
import type { STSClient } from "@aws-sdk/client-sts";
import type { Engine } from "./engine";
import type { EcrClient } from "./images";
import type { S3Factory } from "./ledger";
import type { GitState, PreflightDeps } from "./preflight";
import type { VerifyHook } from "./rollout";

/** What `main` reaches outside the process through; tests replace any of it. */
export interface CliDeps {
    /** Directory with Pulumi.yaml and the stack files. */
    readonly projectDir: string;
    /** Directory relative paths on the command line are resolved against. */
    readonly cwd: string;
    readonly createEngine: (env: string) => Promise<Engine>;
    readonly sts: (region: string) => Promise<Pick<STSClient, "send">>;
    /** ECR for a region, where the ecs phase's images are looked up. */
    readonly ecr: (region: string) => Promise<EcrClient>;
    readonly s3?: S3Factory;
    readonly git: () => Promise<GitState>;
    readonly verify: () => Promise<VerifyHook>;
    readonly now: () => number;
    readonly signal?: AbortSignal;
    /** What a second signal prints before it exits (rollout.ts `RolloutDeps.inFlight`). */
    readonly inFlight?: { lastWords?: () => string };
    /**
     * The Service Quotas preflight (automation/quotas.ts), read before any phase applies: a client per
     * region and what an environment's whole program needs. Absent, no quota is read (the policy pack
     * still checks AWS's defaults on every preview).
     */
    readonly quotas?: {
        readonly serviceQuotas: NonNullable<PreflightDeps["quotas"]>["serviceQuotas"];
        readonly needs: (env: string) => ReturnType<NonNullable<PreflightDeps["quotas"]>["needs"]>;
        /** The region's resources that spend the regional quotas, the stack's own included (automation/quota-usage.ts). */
        readonly accountResources?: NonNullable<PreflightDeps["quotas"]>["accountResources"];
        /** The account's IAM role names, the stack's own included (automation/quota-usage.ts). */
        readonly accountRoles?: NonNullable<PreflightDeps["quotas"]>["accountRoles"];
    };
}
