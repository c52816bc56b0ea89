/**
 * `npm run tenant -- … --rehearse`: the same steps on a copy of the stack files, the rollout on the
 * scripted engine (rehearse.ts), and doubles for what only AWS can answer. The doubles say what
 * they stand for in the transcript: a one-off task prints its command and exits 0 (the archive task
 * writes its three objects, with real SHA-256 sums, to a folder that stands for the bucket, so the
 * archive check runs for real), every target is healthy, and the site of a tenant the rehearsal onboards answers
 * 302 (a WordPress without its tables sends its visitor to the installer) until the install task has run for it,
 * then 200. The tenants already in the stack file when the rehearsal folder is first used are installed, as they
 * are in the environment (a tier migration's `https` step checks one of them). Secrets Manager is a JSON file per
 * secret (`rehearsalSecretStore`), seeded as the program writes the tenant's database secret, so the repoint runs
 * the same decisions as against AWS; its fresh password is made here (secret-repoint.ts `localRandomPassword`),
 * written to the file as AWS would keep it, and never printed. After each rollout, every rotation configuration it
 * set is tested as Secrets Manager tests it (rotation-test.ts), against the MySQL users the rehearsal's create
 * steps made (`rehearsalMysqlUsers`); a failed test leaves AWSPENDING in the secret's file (`leaveFailedRotationTest`).
 *
 * A rehearsal that starts from an empty stack rolls out the whole platform (`--phase all`) at its
 * first rollout step, since a tenant rollout needs the platform under it; continue a converged
 * rehearsal with `--rehearsal-dir` to see only the tenant's steps.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { prepareRehearsal, Rehearsal } from "../rehearse";
import { loadStackConfig } from "../stack-files";
import { tenantDatabaseName } from "../../src/config";
import { hasOwnDatabase } from "../../src/tiers";
import type { Io } from "../io";
import type { Cancellation, TenantPort } from "./port";
import { engineReads, rolloutFlags, tenantRolloutArgv } from "./real-port";
import { serviceFromOutputs } from "./salts-aws";
import { archiveFiles } from "./scripts";
import {
    AWSCURRENT,
    AWSPENDING,
    localRandomPassword,
    pendingRotation,
    repointWith,
    secretPointer,
    SecretVersionStore,
} from "./secret-repoint";
import { rotationReachOf, rotationsConfigured, rotationTest } from "./rotation-test";

/** What the rehearsal prints when a rotation configuration fails Secrets Manager's test (rotation-test.ts). */
export const FAILED_ROTATION_TEST = "which fails";
/** What it prints when the test passes: the user exists on the secret's host, which the function reaches. */
export const PASSED_ROTATION_TEST = "passes (its user exists on its host, which the function reaches)";

/** CRC-64/NVME's polynomial 0xAD93D23594C93659, bit-reversed (the CRC is computed least significant bit first). */
const CRC64NVME_POLY = 0x9a6c9329ac4bc9b5n;
const MASK64 = (1n << 64n) - 1n;
const CRC64NVME_TABLE = Array.from({ length: 256 }, (_, n) => {
    let c = BigInt(n);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ CRC64NVME_POLY : c >> 1n;
    return c;
});

/**
 * The CRC64NVME S3 reports for an object (HeadObject `ChecksumCRC64NVME`): CRC-64/NVME (reflected,
 * initial value and final XOR all ones; check value of "123456789" 0xAE8B14860A799888), its 8 bytes
 * big-endian in base64. The rehearsal's bucket answers with it as S3 would.
 */
export function crc64nvme(body: Uint8Array): string {
    let crc = MASK64;
    for (const byte of body) crc = CRC64NVME_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)] ^ (crc >> 8n);
    const out = Buffer.alloc(8);
    out.writeBigUInt64BE((crc ^ MASK64) & MASK64);
    return out.toString("base64");
}

/** A rehearsal's secret: its versions' values and DescribeSecret's `VersionIdsToStages`. */
interface RehearsalSecret {
    readonly versions: Record<string, string>;
    readonly versionIdsToStages: Record<string, string[]>;
}

/** The password the rehearsal's secrets are seeded with: a stand-in, never a real one (the repoint replaces it). */
export const REHEARSAL_PASSWORD = "rehearsal-stand-in-password";

/** The file standing for secret `secretArn`: `<dir>/secretsmanager/<the ARN, every character but letters, digits, . _ - as _>.json`. */
export function rehearsalSecretFile(dir: string, secretArn: string): string {
    return path.join(dir, "secretsmanager", `${secretArn.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);
}

/**
 * Secrets Manager for one secret of a rehearsal, kept in `file`: seeded on first read with one
 * AWSCURRENT version `seed()` gives; `put` adds a version (its id the token, as ClientRequestToken
 * becomes VersionId), moves AWSCURRENT to it and AWSPREVIOUS to the version it left, as PutSecretValue
 * with VersionStages ["AWSCURRENT"] does, and ignores a token already holding the same value;
 * `randomPassword` is `localRandomPassword` (GetRandomPassword's shape: 40 letters and digits).
 */
export function rehearsalSecretStore(file: string, seed: () => Promise<string>): SecretVersionStore {
    const read = async (): Promise<RehearsalSecret> => {
        if (!fs.existsSync(file)) {
            const first: RehearsalSecret = {
                versions: { "rehearsal-initial": await seed() },
                versionIdsToStages: { "rehearsal-initial": [AWSCURRENT] },
            };
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, JSON.stringify(first, null, 2));
        }
        return JSON.parse(fs.readFileSync(file, "utf8")) as RehearsalSecret;
    };
    return {
        stages: async () => (await read()).versionIdsToStages,
        current: async () => {
            const secret = await read();
            const versionId = Object.keys(secret.versionIdsToStages).find((v) => secret.versionIdsToStages[v].includes(AWSCURRENT));
            if (versionId === undefined) throw new Error(`${file} has no AWSCURRENT version`);
            return { versionId, secretString: secret.versions[versionId] };
        },
        put: async (secretString, token) => {
            const secret = await read();
            if (secret.versions[token] !== undefined) {
                if (secret.versions[token] === secretString) return token;
                throw new Error(`${file}: version ${token} exists with another value (PutSecretValue: ResourceExistsException)`);
            }
            const stages: Record<string, string[]> = {};
            for (const [v, labels] of Object.entries(secret.versionIdsToStages)) {
                const kept = labels.filter((l) => l !== "AWSPREVIOUS" && l !== AWSCURRENT);
                const next = labels.includes(AWSCURRENT) ? [...kept, "AWSPREVIOUS"] : kept;
                if (next.length > 0) stages[v] = next;
            }
            stages[token] = [AWSCURRENT];
            fs.writeFileSync(
                file,
                JSON.stringify({ versions: { ...secret.versions, [token]: secretString }, versionIdsToStages: stages }, null, 2),
            );
            return token;
        },
        randomPassword: async () => localRandomPassword(),
    };
}

/**
 * DescribeSecret's answer on a rehearsal's secret file for `TenantPort.databaseSecretRotation`: the
 * pending rotation its stage map shows (secret-repoint.ts `pendingRotation`). A file not written yet
 * stands for the secret as the program creates it, one AWSCURRENT version: nothing pending. Reads only.
 */
export function rehearsalSecretRotation(file: string): { pending?: string } {
    if (!fs.existsSync(file)) return {};
    return pendingRotation((JSON.parse(fs.readFileSync(file, "utf8")) as RehearsalSecret).versionIdsToStages ?? {});
}

/** The tenant id in a database secret's ARN (`…:secret:bbws/<env>/tenants/<id>/db-<6 characters>`), if it has one. */
function tenantOfSecret(secretArn: string): string | undefined {
    return /tenants\/([^/]+)\/db(?:-[A-Za-z0-9]{6})?$/.exec(secretArn)?.[1];
}

/**
 * The value the program writes into tenant `<id>`'s database secret (components/tenant-database.ts) when
 * it creates it, from a rehearsal's stack outputs, with the stand-in password: on the shared cluster
 * (`database.writerEndpoint`, `.port`, `.masterSecretArn`), or with `ownCluster` on the tenant's own
 * (`database.tenantClusters.<id>.writerEndpoint`, `.masterSecretArn`), as for a tenant that was enterprise
 * when its secret was created; a stand-in naming the output when the stack has none. The tenant is read
 * from the secret's name `bbws/<env>/tenants/<id>/db`; `fallbackUser` when the ARN does not have it.
 */
export function rehearsalSecretSeed(
    outputs: Readonly<Record<string, unknown>>,
    secretArn: string,
    fallbackUser: string,
    ownCluster = false,
): string {
    const database = (outputs.database ?? {}) as Record<string, any>;
    const id = tenantOfSecret(secretArn);
    const user = id === undefined ? fallbackUser : tenantDatabaseName(id);
    const where = ownCluster && id !== undefined ? (database.tenantClusters?.[id] ?? {}) : database;
    const named = ownCluster ? `database.tenantClusters.${id}` : "database";
    return JSON.stringify({
        password: REHEARSAL_PASSWORD,
        username: user,
        dbname: user,
        host: typeof where.writerEndpoint === "string" ? where.writerEndpoint : `<${named}.writerEndpoint>`,
        port: typeof database.port === "number" ? database.port : 3306,
        engine: "mysql",
        masterarn: typeof where.masterSecretArn === "string" ? where.masterSecretArn : `<${named}.masterSecretArn>`,
    });
}

/** A rehearsal's MySQL users (`rehearsalMysqlUsers`). */
export interface RehearsalMysqlUsers {
    /** Records `user` on `host`: the create step's task. */
    add(user: string, host: string): void;
    /** Whether `user` exists on `host`, `sharedHost` being the shared cluster's writer (where the seeded users are). */
    exists(user: string, host: string, sharedHost: string | undefined): boolean;
}

/** How a seeded user's host is written: the shared cluster's writer, whatever its endpoint turns out to be. */
const SHARED_CLUSTER = "shared-cluster";

/**
 * The MySQL users of a rehearsal's clusters, one empty file per `<user>@<host>` in `dir`. Seeded, when
 * `dir` is first made, with `seed()`'s users on the shared cluster: the tenants in the stack file then are
 * deployed, and a secret created before the rehearsal is taken to name the shared cluster (`tenantRehearsal`).
 * A drop is not recorded (a dropped user's rotation goes with its tenant or its move).
 */
export function rehearsalMysqlUsers(dir: string, seed: () => readonly string[]): RehearsalMysqlUsers {
    const file = (user: string, host: string) => path.join(dir, encodeURIComponent(`${user}@${host}`));
    if (!fs.existsSync(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        for (const user of seed()) fs.writeFileSync(file(user, SHARED_CLUSTER), "");
    }
    return {
        add: (user, host) => fs.writeFileSync(file(user, host), ""),
        exists: (user, host, sharedHost) =>
            fs.existsSync(file(user, host)) || (host === sharedHost && fs.existsSync(file(user, SHARED_CLUSTER))),
    };
}

/**
 * Leaves AWSPENDING on a new, empty version of the rehearsal secret in `file`, as a failed test of a
 * rotation configuration may (rotation-test.ts); returns the version's id. The file exists: the test read
 * the secret's current value first.
 */
export function leaveFailedRotationTest(file: string): string {
    const secret = JSON.parse(fs.readFileSync(file, "utf8")) as RehearsalSecret;
    const versionId = `rehearsal-failed-rotation-test-${Object.keys(secret.versions).length}`;
    const next: RehearsalSecret = {
        versions: { ...secret.versions, [versionId]: "" },
        versionIdsToStages: { ...secret.versionIdsToStages, [versionId]: [AWSPENDING] },
    };
    fs.writeFileSync(file, JSON.stringify(next, null, 2));
    return versionId;
}

/** A rehearsal's port and the folder it works in. */
export interface TenantRehearsal {
    readonly rehearsal: Rehearsal;
    readonly port: TenantPort;
}

/** Prepares the throw-away folder (or reuses `dir`, to rehearse `remove` after `add`) and the port over it. */
export function tenantRehearsal(
    sourceProjectDir: string,
    env: string,
    io: Io,
    dir?: string,
    cancellation: Cancellation = {},
): TenantRehearsal {
    // A folder being continued keeps its edited stack file: the rehearsal would otherwise copy the project's over it.
    const kept = dir === undefined ? undefined : path.join(dir, "project", `Pulumi.${env}.yaml`);
    const stackFiles = kept && fs.existsSync(kept) ? { [env]: fs.readFileSync(kept, "utf8") } : undefined;
    const rehearsal = prepareRehearsal(sourceProjectDir, env, { dir, stackFiles });
    const bucketDir = path.join(rehearsal.dir, "s3");
    // One empty file per site whose install task ran: the rehearsal's WordPress stops redirecting to its installer.
    const installedDir = path.join(rehearsal.dir, "wordpress-installed");
    if (!fs.existsSync(installedDir)) {
        fs.mkdirSync(installedDir, { recursive: true });
        const { domain, tenants } = loadStackConfig(rehearsal.projectDir, env);
        for (const t of tenants) fs.writeFileSync(path.join(installedDir, `${t.id}.${domain}`), "");
    }
    const users = rehearsalMysqlUsers(path.join(rehearsal.dir, "mysql-users"), () =>
        loadStackConfig(rehearsal.projectDir, env).tenants.map((t) => tenantDatabaseName(t.id)),
    );
    // A secret created before the rehearsal is taken to name the shared cluster; one created in it, as the program wrote it.
    const secretStore = (env: string, secretArn: string, username: string, ownCluster = false) =>
        rehearsalSecretStore(rehearsalSecretFile(rehearsal.dir, secretArn), async () =>
            rehearsalSecretSeed(await (await rehearsal.deps.createEngine(env)).outputs(), secretArn, username, ownCluster),
        );
    /** The resources of `env`'s state, as `pulumi stack export` gives them. */
    const resourcesOf = async (env: string) =>
        JSON.parse(await (await rehearsal.deps.createEngine(env)).exportState())?.deployment?.resources ?? [];
    /** The tenant's rollout through the rollout CLI, the whole platform's first when the stack is empty. */
    const rollout = async (req: Parameters<TenantPort["rolloutTenant"]>[0]): Promise<number> => {
        const { main } = await import("../rollout-cli");
        const deps = { ...rehearsal.deps, cwd: rehearsal.projectDir, ...cancellation };
        if ((await resourcesOf(req.env)).length === 0) {
            // A tenant rollout needs the platform under it (the rollout's platform gate refuses otherwise).
            io.err("  rehearsal: the stack is empty, so the whole platform is rolled out first, as the environment has it");
            const code = await main(["--env", req.env, "--phase", "all", ...rolloutFlags(req, [])], io, deps);
            if (code !== 0) return code;
        }
        return main(tenantRolloutArgv(req, req.allowStatefulDeletes ? await port.tenantResources(req.env, req.tenant) : []), io, deps);
    };
    const port: TenantPort = {
        ...engineReads(rehearsal.deps.createEngine),
        rolloutTenant: async (req) => {
            const before = await resourcesOf(req.env);
            const code = await rollout(req);
            const after = await resourcesOf(req.env);
            const { tenants } = loadStackConfig(rehearsal.projectDir, req.env);
            // Secrets Manager tests every rotation configuration the rollout set, applied or half applied (rotation-test.ts).
            const reach = rotationReachOf(await (await rehearsal.deps.createEngine(req.env)).outputs());
            for (const configured of rotationsConfigured(before, after)) {
                // A secret with no file yet holds what the program wrote for the tenant's tier (none was repointed).
                const id = tenantOfSecret(configured.secretArn) ?? req.tenant;
                const own = hasOwnDatabase(tenants.find((t) => t.id === id)?.tier ?? "basic");
                const store = secretStore(req.env, configured.secretArn, tenantDatabaseName(id), own);
                const test = rotationTest(
                    secretPointer((await store.current()).secretString),
                    configured.functionName,
                    reach,
                    (user, host) => users.exists(user, host, reach.shared.host),
                );
                const tested = `  rehearsal: Secrets Manager tested the rotation configuration of ${configured.secretArn} with ${configured.functionName}'s testSecret`;
                if (test.verdict === "passes") io.err(`${tested}: ${PASSED_ROTATION_TEST}`);
                else if (test.verdict === "not judged") io.err(`${tested}: not judged, ${test.why}`);
                else {
                    const versionId = leaveFailedRotationTest(rehearsalSecretFile(rehearsal.dir, configured.secretArn));
                    io.err(
                        `${tested}, ${FAILED_ROTATION_TEST}: ${test.problem}; AWSPENDING left on an empty version ${versionId} (the worst case RotateSecret allows)`,
                    );
                }
            }
            return code;
        },
        runTask: async (req) => {
            const scope = req.scope.kind === "platform" ? "platform" : `tenant ${req.scope.tenant}`;
            io.err(
                `  rehearsal: one-off ${scope} task (${req.purpose}): ${Object.entries(req.command.environment)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(" ")}`,
            );
            // Only the create step's command names the tenant's secret (scripts.ts createDatabaseCommand): its user, on the
            // tenant's own cluster when the run names it, else on the shared one.
            const { TENANT_SECRET_ID, TENANT_DB_NAME, TENANT_CLUSTER_HOST } = req.command.environment;
            if (TENANT_SECRET_ID !== undefined && TENANT_DB_NAME !== undefined) {
                const outputs = (await (await rehearsal.deps.createEngine(req.env)).outputs()) as Record<string, any>;
                users.add(TENANT_DB_NAME, TENANT_CLUSTER_HOST ?? String(outputs.database?.writerEndpoint));
            }
            const site = req.command.environment.SITE_URL;
            if (site !== undefined) {
                fs.mkdirSync(installedDir, { recursive: true });
                fs.writeFileSync(path.join(installedDir, new URL(site).host), "");
            }
            const prefix = req.command.environment.ARCHIVE_PREFIX;
            if (prefix !== undefined) {
                const outputs = await port.stackOutputs(req.env, req.scope.kind === "tenant" ? req.scope.tenant : "");
                const dir = path.join(bucketDir, outputs.migrationBucket, prefix);
                fs.mkdirSync(dir, { recursive: true });
                const sums: string[] = [];
                for (const file of archiveFiles(req.command.environment.DUMP_DATABASE !== "no").filter((f) => f !== "SHA256SUMS")) {
                    const body = `rehearsal stand-in for ${file}\n`;
                    fs.writeFileSync(path.join(dir, file), body);
                    sums.push(`${createHash("sha256").update(body).digest("hex")}  ${file}`);
                }
                fs.writeFileSync(path.join(dir, "SHA256SUMS"), `${sums.join("\n")}\n`);
            }
            return { exitCode: 0, taskArn: `arn:aws:ecs:rehearsal:000000000000:task/rehearsal/${req.scope.kind}` };
        },
        waitForHealthyTargets: async () => ({ healthy: 1, total: 1 }),
        // ECS's answers once its tasks are gone: the rehearsal runs no task, so the wait's judgement
        // (service-stop.ts `serviceStopProblems`) is tested on recorded states, not here. The service is
        // found as the real port finds it: by the stack output `ecs.serviceNames`, the program's own name.
        waitForServiceStopped: async (env, tenant) => {
            const ref = serviceFromOutputs(await (await rehearsal.deps.createEngine(env)).outputs(), tenant);
            if (!ref) return { service: "none", waitedForTasks: 0 };
            io.err(
                `  rehearsal: ECS answers that ${ref.service} in ${env} runs no task (desired, running and pending 0, every task STOPPED)`,
            );
            return { service: ref.service, waitedForTasks: 0 };
        },
        httpGet: async (url) => (fs.existsSync(path.join(installedDir, new URL(url).host)) ? 200 : 302),
        listArchive: async (bucket, prefix) => {
            const dir = path.join(bucketDir, bucket, prefix);
            if (!fs.existsSync(dir)) return [];
            return fs.readdirSync(dir).map((name) => {
                const body = fs.readFileSync(path.join(dir, name));
                return { key: `${prefix}${name}`, size: body.length, checksumCrc64nvme: crc64nvme(body), checksumType: "FULL_OBJECT" };
            });
        },
        readText: async (bucket, key) => fs.readFileSync(path.join(bucketDir, bucket, key), "utf8"),
        commitStackFile: async () => undefined,
        repointDatabaseSecret: async (req) => {
            const store = secretStore(req.env, req.secretArn, req.username);
            const result = await repointWith(store, req);
            if (result.alreadyRepointed) {
                io.err(
                    `  rehearsal: Secrets Manager: ${req.secretArn} already names ${req.host} and its master secret (version ${result.versionId})`,
                );
            } else {
                const now = secretPointer((await store.current()).secretString);
                io.err(
                    `  rehearsal: Secrets Manager PutSecretValue ${req.secretArn}: host ${result.previousHost} → ${now.host}, ` +
                        `masterarn → ${now.masterarn}, username ${now.username}, password replaced (40 letters and digits, not shown), ` +
                        `version ${result.versionId} AWSCURRENT`,
                );
            }
            return result;
        },
        databaseSecretRotation: async (secretArn) => {
            const rotation = rehearsalSecretRotation(rehearsalSecretFile(rehearsal.dir, secretArn));
            io.err(
                `  rehearsal: Secrets Manager DescribeSecret ${secretArn}: ${rotation.pending ?? "no rotation pending (no version AWSPENDING without AWSCURRENT)"}`,
            );
            return rotation;
        },
    };
    return { rehearsal, port };
}
