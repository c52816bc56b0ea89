/**
 * The tenant command's port over the real world: stack outputs and state through the `Engine`, ELB
 * target health, an HTTPS GET, S3 for the archive, Secrets Manager for the database secret's repoint,
 * git for the stack file's commit; the rollout and the one-off tasks through the commands that own them.
 */
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import * as path from "path";
import { promisify } from "util";
import { PHASES, tenantComponentName } from "../../src/phases";
import type { Engine } from "../engine";
import { BbwsError, EXIT } from "../errors";
import { deployedTiersOf } from "../rollout";
import { parseUrn } from "../targets";
import type { Io } from "../io";
import type { LedgerLocation } from "../ledger";
import { pendingRotation, REPOINT_PASSWORD_LENGTH, repointWith } from "./secret-repoint";
import type {
    ArchiveObject,
    Cancellation,
    CustomDomainReport,
    DatabaseSecretRotation,
    RepointDatabaseSecretRequest,
    RepointDatabaseSecretResult,
    TargetHealth,
    TenantPort,
    TenantClusterOutputs,
    TenantRolloutRequest,
    TenantStackOutputs,
} from "./port";

/** The outputs a tenant's steps read, from the stack's outputs (src/program.ts shapes); absent ones stay undefined. */
export function tenantOutputsOf(outputs: Readonly<Record<string, unknown>>, id: string): TenantStackOutputs {
    const get = (...keys: string[]) =>
        keys.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), outputs);
    const text = (v: unknown) => (typeof v === "string" ? v : undefined);
    return {
        migrationBucket: text(get("storage", "migrationBucketName")) ?? "",
        tenantSecretArn: text(get("database", "tenantSecretArns", id)),
        tenantCluster: tenantClusterOf(get("database", "tenantClusters", id)),
        targetGroupArn: text(get("ecs", "targetGroupArns", id)),
        deployedTier: deployedTiersOf(outputs)?.get(id),
        customDomains: ((get("ecs", "customDomains", id) as CustomDomainReport[] | undefined) ?? []).filter(
            (d) => d && typeof d.name === "string",
        ),
    };
}

/** `database.tenantClusters[id]` when it has every field as a string (a stack before its database phase has none). */
function tenantClusterOf(value: unknown): TenantClusterOutputs | undefined {
    if (!value || typeof value !== "object") return undefined;
    const c = value as Record<keyof TenantClusterOutputs, unknown>;
    const fields = ["clusterIdentifier", "writerEndpoint", "masterSecretArn", "keyArn", "rotationFunctionName"] as const;
    return fields.every((f) => typeof c[f] === "string")
        ? (Object.fromEntries(fields.map((f) => [f, c[f]])) as unknown as TenantClusterOutputs)
        : undefined;
}

/**
 * The URNs in a `pulumi stack export` document of every resource under tenant `id`'s per-phase
 * components (`<tenantType>` named `tenantComponentName(phase, id)`), the components included:
 * what removing the tenant deletes.
 */
export function tenantResourceUrns(exported: string, id: string): string[] {
    const resources: Array<{ urn: string; parent?: string }> = JSON.parse(exported)?.deployment?.resources ?? [];
    const roots = new Set(
        resources
            .map((r) => r.urn)
            .filter((urn) => {
                const { type, name } = parseUrn(urn);
                return PHASES.some((p) => p.tenantType === type && tenantComponentName(p.name, id) === name);
            }),
    );
    const parentOf = new Map(resources.map((r) => [r.urn, r.parent]));
    const under = (urn: string | undefined): boolean => urn !== undefined && (roots.has(urn) || under(parentOf.get(urn)));
    return resources.map((r) => r.urn).filter(under);
}

/** `stackOutputs` and `tenantResources` through an engine (the real one, or the rehearsal's scripted one). */
export function engineReads(createEngine: (env: string) => Promise<Engine>): Pick<TenantPort, "stackOutputs" | "tenantResources"> {
    return {
        stackOutputs: async (env, id) => tenantOutputsOf(await (await createEngine(env)).outputs(), id),
        tenantResources: async (env, id) => tenantResourceUrns(await (await createEngine(env)).exportState(), id),
    };
}

/**
 * The `npm run rollout` arguments of a tenant rollout: its scope (`rolloutScope`), then `rolloutFlags`.
 */
export function tenantRolloutArgv(req: TenantRolloutRequest, tenantUrns: readonly string[], ledger?: string): string[] {
    return ["--env", req.env, ...rolloutScope(req), ...rolloutFlags(req, tenantUrns, ledger)];
}

/** What a tenant rollout selects: `--tenant` (and `--phase` when given), a platform phase, or the tenant's tier migration. */
function rolloutScope(req: TenantRolloutRequest): string[] {
    if (req.platformPhase !== undefined) return ["--phase", req.platformPhase];
    if (req.migrateTier !== undefined) return ["--phase", "all", "--migrate-tier", req.tenant];
    return [...(req.phase === undefined ? [] : ["--phase", req.phase]), "--tenant", req.tenant];
}

/**
 * The approvals, `--yes`, the ledger, and `--allow-replace`: when offboarding may delete the tenant's
 * stateful resources, for each of the tenant's own URNs (`tenantUrns`: only those under its components,
 * never a platform resource; the safety gate looks only at the stateful ones among them); in a tier
 * migration, for exactly the URNs it names.
 */
export function rolloutFlags(req: TenantRolloutRequest, tenantUrns: readonly string[], ledger?: string): string[] {
    const replace = [...(req.allowStatefulDeletes ? tenantUrns : []), ...(req.migrateTier?.allowReplace ?? [])];
    return [
        ...req.approvals.flatMap((a) => ["--approve", `${a.role}:${a.name}`]),
        ...(req.yes ? ["--yes"] : []),
        ...(ledger !== undefined ? ["--ledger", ledger] : []),
        ...replace.flatMap((urn) => ["--allow-replace", urn]),
    ];
}

/** Polls DescribeTargetHealth every `intervalMs` until every target is `healthy` and there is one at least. */
async function waitForHealthyTargets(
    region: string,
    targetGroupArn: string,
    timeoutMs: number,
    intervalMs = 15_000,
): Promise<TargetHealth> {
    const { ElasticLoadBalancingV2Client, DescribeTargetHealthCommand } = await import("@aws-sdk/client-elastic-load-balancing-v2");
    const elb = new ElasticLoadBalancingV2Client({ region });
    const deadline = Date.now() + timeoutMs;
    let states: string[] = [];
    for (;;) {
        const answer = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
        states = (answer.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State ?? "unknown");
        const healthy = states.filter((s) => s === "healthy").length;
        if (states.length > 0 && healthy === states.length) return { healthy, total: states.length };
        if (Date.now() + intervalMs > deadline) {
            throw new BbwsError(
                "targets-not-healthy",
                `the targets of ${targetGroupArn} are not all healthy after ${Math.round(timeoutMs / 60_000)} min: ${states.join(", ") || "no target registered"}`,
                EXIT.failed,
                "look at the service's events and the tenant's log group, then run the same command again",
            );
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}

/** One GET, no redirect followed: its status code. */
async function httpGet(url: string): Promise<number> {
    const https = await import("https");
    return new Promise((resolve, reject) => {
        const request = https.get(url, { timeout: 30_000 }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
        });
        request.on("timeout", () => request.destroy(new Error(`no answer from ${url} in 30 s`)));
        request.on("error", (err) =>
            reject(
                new BbwsError(
                    "https-unreachable",
                    `${url}: ${err.message}`,
                    EXIT.failed,
                    "check its DNS record and the load balancer's listener",
                ),
            ),
        );
    });
}

async function listArchive(region: string, bucket: string, prefix: string): Promise<ArchiveObject[]> {
    const { S3Client, ListObjectsV2Command, HeadObjectCommand } = await import("@aws-sdk/client-s3");
    const s3 = new S3Client({ region });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const objects: ArchiveObject[] = [];
    for (const o of listed.Contents ?? []) {
        // The checksum is only returned with ChecksumMode ENABLED (S3 API reference, HeadObject).
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: o.Key!, ChecksumMode: "ENABLED" }));
        objects.push({
            key: o.Key!,
            size: head.ContentLength ?? o.Size ?? 0,
            checksumCrc64nvme: head.ChecksumCRC64NVME,
            checksumType: head.ChecksumType,
        });
    }
    return objects;
}

async function readText(region: string, bucket: string, key: string): Promise<string> {
    const { S3Client, GetObjectCommand } = await import("@aws-sdk/client-s3");
    const object = await new S3Client({ region }).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await object.Body?.transformToString()) ?? "";
}

/**
 * GetRandomPassword's parameters for the repoint's password: 40 characters of letters and digits, at
 * least one of each (Secrets Manager API reference, GetRandomPassword: `ExcludePunctuation` drops
 * ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``, the default set's punctuation; `IncludeSpace` defaults to no
 * space; `RequireEachIncludedType` puts at least one of each included type in it;
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html).
 */
export const REPOINT_PASSWORD_REQUEST = {
    PasswordLength: REPOINT_PASSWORD_LENGTH,
    ExcludePunctuation: true,
    IncludeSpace: false,
    RequireEachIncludedType: true,
} as const;

/**
 * `TenantPort.repointDatabaseSecret` against Secrets Manager in `region` (secret-repoint.ts `repointWith`
 * over DescribeSecret, GetSecretValue of AWSCURRENT, GetRandomPassword with `REPOINT_PASSWORD_REQUEST`
 * and PutSecretValue with VersionStages ["AWSCURRENT"]). The SDK loads when it runs. PutSecretValue
 * refuses a token that already names a version with another value (ResourceExistsException): that is
 * `repoint-token-used`, not a second version. Nothing here logs, and no error carries a SecretString
 * or the password.
 */
export async function repointDatabaseSecretInAws(
    region: string,
    request: RepointDatabaseSecretRequest,
    signal?: AbortSignal,
): Promise<RepointDatabaseSecretResult> {
    const { SecretsManagerClient, DescribeSecretCommand, GetRandomPasswordCommand, GetSecretValueCommand, PutSecretValueCommand } =
        await import("@aws-sdk/client-secrets-manager");
    const sm = new SecretsManagerClient({ region });
    const id = request.secretArn;
    return repointWith(
        {
            stages: async () =>
                (await sm.send(new DescribeSecretCommand({ SecretId: id }), { abortSignal: signal })).VersionIdsToStages ?? {},
            current: async () => {
                const answer = await sm.send(new GetSecretValueCommand({ SecretId: id, VersionStage: "AWSCURRENT" }), {
                    abortSignal: signal,
                });
                if (answer.SecretString === undefined || answer.VersionId === undefined) {
                    throw new BbwsError(
                        "secret-value-invalid",
                        `${id}: GetSecretValue of AWSCURRENT answered without a SecretString or a VersionId`,
                        EXIT.failed,
                        "the secret must hold the JSON components/tenant-database.ts writes; look at it in the Secrets Manager console",
                    );
                }
                return { versionId: answer.VersionId, secretString: answer.SecretString };
            },
            put: async (secretString, token) => {
                try {
                    const answer = await sm.send(
                        new PutSecretValueCommand({
                            SecretId: id,
                            ClientRequestToken: token,
                            SecretString: secretString,
                            VersionStages: ["AWSCURRENT"],
                        }),
                        { abortSignal: signal },
                    );
                    return answer.VersionId ?? token;
                } catch (err) {
                    if ((err as Error).name !== "ResourceExistsException") throw err;
                    throw new BbwsError(
                        "repoint-token-used",
                        `${id}: version ${token} exists already with another value (PutSecretValue refuses to change a version)`,
                        EXIT.failed,
                        "run `aws secretsmanager describe-secret` on it and see which version is AWSCURRENT and what it names " +
                            "(host, masterarn: not the password); the secret changed between two runs of this step. The repoint " +
                            `may have succeeded (version ${token}) and a rotation or another write moved AWSCURRENT since: when ` +
                            "AWSCURRENT's host is the tenant's own cluster's writer, the secret is repointed; otherwise look at " +
                            "what wrote the version after it before running the same command again",
                    );
                }
            },
            randomPassword: async () =>
                (await sm.send(new GetRandomPasswordCommand({ ...REPOINT_PASSWORD_REQUEST }), { abortSignal: signal })).RandomPassword ??
                "",
        },
        request,
    );
}

/**
 * `TenantPort.databaseSecretRotation` against Secrets Manager in `region`: DescribeSecret's
 * `VersionIdsToStages` through secret-repoint.ts `pendingRotation`. Reads only; the SDK loads when it runs.
 */
export async function databaseSecretRotationInAws(
    region: string,
    secretArn: string,
    signal?: AbortSignal,
): Promise<DatabaseSecretRotation> {
    const { SecretsManagerClient, DescribeSecretCommand } = await import("@aws-sdk/client-secrets-manager");
    const answer = await new SecretsManagerClient({ region }).send(new DescribeSecretCommand({ SecretId: secretArn }), {
        abortSignal: signal,
    });
    return pendingRotation(answer.VersionIdsToStages ?? {});
}

/** Commits `file` alone when it has changes; the commit (HEAD) either way; undefined outside a git checkout. */
export async function commitStackFile(file: string, message: string): Promise<string | undefined> {
    const run = promisify(execFile);
    const cwd = path.dirname(file);
    const git = (...args: string[]) => run("git", args, { cwd }).then((r) => r.stdout.trim());
    try {
        await git("rev-parse", "--git-dir");
    } catch {
        return undefined;
    }
    if ((await git("status", "--porcelain", "--", file)) !== "") await git("commit", "--quiet", "-m", message, "--", file);
    return git("rev-parse", "HEAD");
}

/** How long a lifecycle task may run before the runner stops it: a large site's dump and tar. */
const TASK_TIMEOUT_MS = 2 * 3600_000;

/**
 * The port for a real environment in `region`: rollouts through `npm run rollout` itself and tasks
 * through the one-off task runner, both writing to the ledger at `ledgerLocation` (`ledger`, its text).
 */
export function realTenantPort(
    region: string,
    createEngine: (env: string) => Promise<Engine>,
    io: Io,
    ledgerLocation: LedgerLocation,
    ledger: string | undefined,
    cancellation: Cancellation,
): TenantPort {
    const reads = engineReads(createEngine);
    return {
        ...reads,
        rolloutTenant: async (req) => {
            const urns = req.allowStatefulDeletes ? await reads.tenantResources(req.env, req.tenant) : [];
            return (await import("../rollout-cli")).main(tenantRolloutArgv(req, urns, ledger), io, cancellation);
        },
        runTask: async (req) => {
            const [{ createTaskAws }, { readTaskOutputs }, { runOneOffTask }, { abortableSleep }, { askStopOrDetach }, { openLedger }] =
                await Promise.all([
                    import("../task/aws"),
                    import("../task/contract"),
                    import("../task/runner"),
                    import("../task/follow"),
                    import("../task-cli"),
                    import("../ledger"),
                ]);
            const aws = await createTaskAws(region);
            const engine = await createEngine(req.env);
            const result = await runOneOffTask(
                {
                    aws,
                    ledger: openLedger(ledgerLocation, (warning) => io.err(`warning: ${warning}`)),
                    now: Date.now,
                    sleep: abortableSleep,
                    randomId: () => randomBytes(3).toString("hex"),
                    line: (text) => io.err(`  | ${text}`),
                    progress: (text) => io.err(`  ${text}`),
                    signal: cancellation.signal,
                    interrupted: () => askStopOrDetach(io),
                    onStarted: (record: { attach?: string }) => {
                        if (cancellation.inFlight) cancellation.inFlight.lastWords = () => `follow the task with: ${record.attach}`;
                    },
                },
                {
                    env: req.env,
                    target: req.scope,
                    command: req.command.argv,
                    environment: req.command.environment,
                    outputs: readTaskOutputs(await engine.outputs(), req.env),
                    operator: (await engine.whoAmI()).user,
                    timeoutMs: TASK_TIMEOUT_MS,
                },
            );
            return { exitCode: result.containerExitCode, taskArn: result.taskArn, stoppedReason: result.stoppedReason };
        },
        waitForHealthyTargets: (targetGroupArn, timeoutMs) => waitForHealthyTargets(region, targetGroupArn, timeoutMs),
        waitForServiceStopped: async (env, tenant, timeoutMs) => {
            const [{ serviceFromOutputs }, { oneOffFamilyFromOutputs, readStopStateFromEcs, waitUntilStopped }, { abortableSleep }] =
                await Promise.all([import("./salts-aws"), import("./service-stop"), import("../task/follow")]);
            const outputs = await (await createEngine(env)).outputs();
            const ref = serviceFromOutputs(outputs, tenant);
            // No service in the outputs: its ecs phase never ran, so nothing of it can run.
            if (!ref) return { service: "none", waitedForTasks: 0 };
            const family = oneOffFamilyFromOutputs(outputs, tenant);
            return waitUntilStopped(
                ref.service,
                () => readStopStateFromEcs(region, ref.cluster, ref.service, family),
                timeoutMs,
                { now: Date.now, sleep: abortableSleep },
                { signal: cancellation.signal, progress: (line) => io.err(`  ${line}`) },
            );
        },
        httpGet,
        listArchive: (bucket, prefix) => listArchive(region, bucket, prefix),
        readText: (bucket, key) => readText(region, bucket, key),
        commitStackFile,
        repointDatabaseSecret: (req) => repointDatabaseSecretInAws(region, req, cancellation.signal),
        databaseSecretRotation: (secretArn) => databaseSecretRotationInAws(region, secretArn, cancellation.signal),
    };
}
