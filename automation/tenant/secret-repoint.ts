/**
 * Repointing a tenant's database secret at its own cluster, after a tier migration into `enterprise`.
 *
 * The secret `bbws/<env>/tenants/<id>/db` (components/tenant-database.ts) holds the JSON AWS's
 * alternating-users MySQL rotation function expects: `{password, username, dbname, host, port, engine,
 * masterarn}`. Secrets Manager rotates it, so Pulumi ignores changes to its value
 * (`ignoreChanges: ["secretString"]`): after the migration's rollout it still names the shared cluster's
 * writer (`host`) and master secret (`masterarn`). The migration writes a new version naming the
 * tenant's own cluster with a fresh password of 40 letters and digits; the step after it creates the
 * MySQL user on the new cluster with that password. The password is never kept: the alternating-users
 * rotation function generates passwords with punctuation (its `get_random_password` leaves
 * ExcludePunctuation false unless the function's environment says otherwise: aws-samples/
 * aws-secrets-manager-rotation-lambdas, SecretsManagerRDSMySQLRotationMultiUser/lambda_function.py),
 * and the create step's script refuses any password that is not letters and digits (exit 65); a fresh
 * one also ends the old user's password being reused on a second cluster.
 *
 * Here are the decisions, without I/O: the new value (`repointedSecretValue`), the password's shape
 * (`isRepointPassword`, and `localRandomPassword` for the rehearsal), whether a rotation is half done
 * (`rotationInProgress`, `pendingRotation`), the idempotency token (`repointToken`), and the sequence
 * over a store of secret versions (`repointWith`) that the real port (Secrets Manager) and the
 * rehearsal's double (a JSON file) both run. No function here puts the password in an error or a line
 * it returns.
 *
 * Sources: Secrets Manager API reference (DescribeSecret `VersionIdsToStages`; PutSecretValue
 * `ClientRequestToken`, `VersionStages`; GetRandomPassword `PasswordLength`, `ExcludePunctuation`,
 * `IncludeSpace`, `RequireEachIncludedType`; RotateSecret; CancelRotateSecret) and user guide ("How
 * rotation works": the staging labels AWSCURRENT, AWSPENDING, AWSPREVIOUS).
 */
import { createHash, randomInt } from "crypto";
import { BbwsError, EXIT } from "../errors";
import type { RepointDatabaseSecretRequest, RepointDatabaseSecretResult } from "./port";

/**
 * The fields the alternating-users rotation function reads from the secret (the value
 * components/tenant-database.ts writes): it refuses a secret without them, and `masterarn` names the
 * secret it logs in with to create and change users.
 */
export const ROTATION_FIELDS = ["password", "username", "dbname", "host", "port", "engine", "masterarn"] as const;

/** The staging label of the version clients read (GetSecretValue without a version or stage returns it). */
export const AWSCURRENT = "AWSCURRENT";
/** The staging label a rotation puts on the version it is creating, until its last step moves AWSCURRENT to it. */
export const AWSPENDING = "AWSPENDING";

/** The length of the repoint's password (GetRandomPassword `PasswordLength`; the create step's script accepts any length of letters and digits). */
export const REPOINT_PASSWORD_LENGTH = 40;

/** The characters of the repoint's password: what GetRandomPassword uses with ExcludePunctuation and without IncludeSpace. */
const PASSWORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Whether `password` has the repoint's shape: exactly `REPOINT_PASSWORD_LENGTH` ASCII letters and digits. */
export function isRepointPassword(password: unknown): password is string {
    return typeof password === "string" && password.length === REPOINT_PASSWORD_LENGTH && /^[A-Za-z0-9]+$/.test(password);
}

/**
 * A password of the repoint's shape made here, for the rehearsal (no Secrets Manager to ask): 40
 * characters drawn with `crypto.randomInt` over [A-Za-z0-9], drawn again until it has an uppercase
 * letter, a lowercase letter and a digit, as GetRandomPassword with RequireEachIncludedType would.
 */
export function localRandomPassword(): string {
    for (;;) {
        const password = Array.from({ length: REPOINT_PASSWORD_LENGTH }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]).join(
            "",
        );
        if (/[A-Z]/.test(password) && /[a-z]/.test(password) && /[0-9]/.test(password)) return password;
    }
}

/** What the repointed secret names: the tenant's own cluster and the canonical MySQL user, with its fresh password. */
export interface RepointTarget {
    /** The tenant's own cluster's writer endpoint (stack output `database.tenantClusters[id].writerEndpoint`). */
    readonly host: string;
    /** Its RDS-managed master secret (`database.tenantClusters[id].masterSecretArn`): the rotation function's `masterarn`. */
    readonly masterSecretArn: string;
    /** The canonical user `wp_<id>` (src/config.ts `tenantDatabaseName`), never the rotation's `wp_<id>_clone`. */
    readonly username: string;
    /** The fresh password (`isRepointPassword`: 40 letters and digits), from GetRandomPassword or `localRandomPassword`. */
    readonly password: string;
}

/** What a secret value says about where it points, read without its password. */
export interface SecretPointer {
    readonly host: string;
    readonly masterarn: string;
    readonly username: string;
}

const INVALID_VALUE_FIX =
    "read the secret's AWSCURRENT version in the Secrets Manager console (its keys; do not copy its password anywhere), " +
    "restore the fields the rotation function needs (components/tenant-database.ts), then run the same command again";

/**
 * The secret's JSON as an object with every rotation field: a `BbwsError` `secret-value-invalid`
 * (EXIT.failed) when it is not JSON, not an object, or lacks a field (a missing, null or empty one;
 * a `port` that is not a number or a string of digits). The error names the fields, never a value:
 * not even the parser's message, which quotes the text it could not read.
 */
export function parseRotationSecret(current: string): Record<string, unknown> {
    let parsed: unknown;
    try {
        parsed = JSON.parse(current);
    } catch {
        throw new BbwsError(
            "secret-value-invalid",
            "the database secret's current value is not JSON (its text is not shown)",
            EXIT.failed,
            INVALID_VALUE_FIX,
        );
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new BbwsError(
            "secret-value-invalid",
            "the database secret's current value is not a JSON object",
            EXIT.failed,
            INVALID_VALUE_FIX,
        );
    }
    const value = parsed as Record<string, unknown>;
    const missing = ROTATION_FIELDS.filter((field) => {
        const v = value[field];
        if (field === "port")
            return !(typeof v === "number" && Number.isInteger(v) && v > 0) && !(typeof v === "string" && /^\d+$/.test(v));
        return typeof v !== "string" || v === "";
    });
    if (missing.length > 0) {
        throw new BbwsError(
            "secret-value-invalid",
            `the database secret's current value lacks ${missing.join(", ")} (the rotation function needs ${ROTATION_FIELDS.join(", ")})`,
            EXIT.failed,
            INVALID_VALUE_FIX,
        );
    }
    return value;
}

/** Where a secret value points (host, masterarn, username), checked as `parseRotationSecret` does. */
export function secretPointer(current: string): SecretPointer {
    const v = parseRotationSecret(current);
    return { host: v.host as string, masterarn: v.masterarn as string, username: v.username as string };
}

/**
 * The secret's next value: `current` (its AWSCURRENT SecretString) with `host` and `masterarn`
 * replaced by the target cluster's, `username` set to the canonical `wp_<id>` (alternating-users
 * rotation may have left `wp_<id>_clone` current) and `password` set to the target's fresh one (the
 * next step creates `wp_<id>` on the new cluster with it). Every other field is kept as it is, in its
 * place: `dbname`, `port`, `engine`, and any field the program or AWS added. Throws
 * `secret-value-invalid` (`parseRotationSecret`) for a value without the rotation fields,
 * `repoint-target-invalid` (EXIT.failed) for an empty target field, and `repoint-password-invalid`
 * (EXIT.failed) for a password that is not 40 letters and digits or is the current one; no error
 * quotes either password.
 */
export function repointedSecretValue(current: string, target: RepointTarget): string {
    const empty = (["host", "masterSecretArn", "username"] as const).filter((k) => typeof target[k] !== "string" || target[k] === "");
    if (empty.length > 0) {
        throw new BbwsError(
            "repoint-target-invalid",
            `the secret cannot be repointed at an empty ${empty.join(", ")}`,
            EXIT.failed,
            "check the stack output database.tenantClusters.<id> (roll out the tenant's database phase first)",
        );
    }
    if (!isRepointPassword(target.password)) {
        throw new BbwsError(
            "repoint-password-invalid",
            `the new password is not ${REPOINT_PASSWORD_LENGTH} letters and digits (it is not shown); nothing was written`,
            EXIT.failed,
            "run the same command again: it asks for another (Secrets Manager GetRandomPassword)",
        );
    }
    const value = parseRotationSecret(current);
    if (value.password === target.password) {
        throw new BbwsError(
            "repoint-password-invalid",
            "the new password is the secret's current one (neither is shown); nothing was written",
            EXIT.failed,
            "run the same command again: it asks for another (Secrets Manager GetRandomPassword)",
        );
    }
    return JSON.stringify({
        ...value,
        host: target.host,
        masterarn: target.masterSecretArn,
        username: target.username,
        password: target.password,
    });
}

/**
 * Whether a rotation is half done, from DescribeSecret's `VersionIdsToStages` (version id → its
 * staging labels): a version labelled AWSPENDING that is not also AWSCURRENT. A rotation puts
 * AWSPENDING on the version it creates and its last step moves AWSCURRENT there; after a success
 * AWSPENDING is on the AWSCURRENT version or on none (RotateSecret: "If the AWSPENDING staging label
 * is present but not attached to the same version as AWSCURRENT, then any later invocation of
 * RotateSecret assumes that a previous rotation request is still in progress"; a failed rotation
 * leaves it on its version too; user guide, "How rotation works"). A repoint then would be undone
 * when the rotation's last step moves AWSCURRENT to its version, made from the value before. Returns
 * a sentence naming the version, or undefined when no rotation is in progress (each label is on one
 * version at most).
 */
export function rotationInProgress(versionIdsToStages: Readonly<Record<string, readonly string[]>>): string | undefined {
    const version = pendingVersion(versionIdsToStages);
    if (version === undefined) return undefined;
    return `version ${version} is labelled AWSPENDING but not AWSCURRENT: a rotation started and has not finished (or it failed)`;
}

/**
 * `TenantPort.databaseSecretRotation`'s answer from DescribeSecret's `VersionIdsToStages`:
 * `rotationInProgress`'s sentence as `pending`, or no `pending` when no rotation is half done.
 */
export function pendingRotation(versionIdsToStages: Readonly<Record<string, readonly string[]>>): { pending?: string } {
    const pending = rotationInProgress(versionIdsToStages);
    return pending === undefined ? {} : { pending };
}

/** The version labelled AWSPENDING and not AWSCURRENT, if any. */
function pendingVersion(versionIdsToStages: Readonly<Record<string, readonly string[]>>): string | undefined {
    return Object.entries(versionIdsToStages).find(([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT))?.[0];
}

/**
 * The refusal when `rotationInProgress` finds a rotation half done: `rotation-in-progress`,
 * EXIT.failed, with how to let it finish or cancel it (CancelRotateSecret turns automatic rotation
 * off and may leave AWSPENDING on the partly created version; RotateSecret turns it on again).
 */
export function rotationInProgressError(secretArn: string, versionIdsToStages: Readonly<Record<string, readonly string[]>>): BbwsError {
    const version = pendingVersion(versionIdsToStages) ?? "<the AWSPENDING version>";
    return new BbwsError(
        "rotation-in-progress",
        `${secretArn}: ${rotationInProgress(versionIdsToStages) ?? "a rotation is in progress"}; repointing it now would be undone when the rotation finishes`,
        EXIT.failed,
        `read the rotation function's log (CloudWatch /aws/lambda/<its function>) for the version's four steps. A rotation still running: wait for it ` +
            `and run the same command again. One that failed: \`aws secretsmanager cancel-rotate-secret --secret-id ${secretArn}\`, then ` +
            `\`aws secretsmanager update-secret-version-stage --secret-id ${secretArn} --version-stage AWSPENDING --remove-from-version-id ${version}\`; ` +
            `check that AWSCURRENT is still the version that works (\`aws secretsmanager describe-secret\`, VersionIdsToStages) and that the ` +
            `MySQL user it names still logs in, then run the same command again. Cancelling turns automatic rotation off: turn it on again ` +
            `once the migration is done (\`aws secretsmanager rotate-secret --secret-id ${secretArn}\`, which also starts a rotation)`,
    );
}

/**
 * The ClientRequestToken of the repoint's PutSecretValue: `repoint-` and 56 hex digits of a SHA-256
 * over the secret, the target host and `take` (the migration's run), 64 characters (the API
 * reference: ClientRequestToken, length 32 to 64; it becomes the new version's id). The same three
 * give the same token, so a re-run after a lost connection sends the same token with the same value,
 * which PutSecretValue ignores instead of creating a second version ("If a version with this value
 * already exists and that version's SecretString … values are the same as those in the request then
 * the request is ignored"); another host or take gives another token.
 */
export function repointToken(secretArn: string, host: string, take: string): string {
    const digest = createHash("sha256")
        .update(JSON.stringify(["bbws-secret-repoint", secretArn, host, take]))
        .digest("hex");
    return `repoint-${digest.slice(0, 56)}`;
}

/** A secret's versions as `repointWith` needs them: the real port's Secrets Manager calls, or the rehearsal's file. */
export interface SecretVersionStore {
    /** DescribeSecret's `VersionIdsToStages`. */
    stages(): Promise<Record<string, string[]>>;
    /** GetSecretValue of AWSCURRENT: its version id and SecretString. */
    current(): Promise<{ versionId: string; secretString: string }>;
    /** PutSecretValue with `token` as ClientRequestToken and VersionStages ["AWSCURRENT"]: the new version's id. */
    put(secretString: string, token: string): Promise<string>;
    /**
     * A fresh password of 40 letters and digits: GetRandomPassword (PasswordLength 40, ExcludePunctuation,
     * no IncludeSpace, RequireEachIncludedType), or `localRandomPassword` in the rehearsal. Never logged.
     */
    randomPassword(): Promise<string>;
}

/**
 * The repoint over a store (`TenantPort.repointDatabaseSecret`'s contract): refuses a rotation in
 * progress (`rotationInProgressError`), reads AWSCURRENT, and when it already names `request.host`
 * and `request.masterSecretArn` answers `alreadyRepointed` with that version (its username and
 * password left as they are: the new cluster's rotation may have changed them since), without asking
 * for a password; otherwise asks the store for a fresh password, puts `repointedSecretValue` with
 * `request.token` and answers the new version with `passwordReplaced`. `previousHost` is the host
 * AWSCURRENT named before. A re-run after a put that succeeded but whose answer was lost finds
 * AWSCURRENT repointed already (unless something moved it since: then the put, with a new password
 * under the same token, is refused by the store as the token's reuse).
 */
export async function repointWith(store: SecretVersionStore, request: RepointDatabaseSecretRequest): Promise<RepointDatabaseSecretResult> {
    const stages = await store.stages();
    if (rotationInProgress(stages) !== undefined) throw rotationInProgressError(request.secretArn, stages);
    const current = await store.current();
    const pointer = secretPointer(current.secretString);
    if (pointer.host === request.host && pointer.masterarn === request.masterSecretArn) {
        return { versionId: current.versionId, previousHost: pointer.host, alreadyRepointed: true, passwordReplaced: false };
    }
    const password = await store.randomPassword();
    const next = repointedSecretValue(current.secretString, { ...request, password });
    const versionId = await store.put(next, request.token);
    return { versionId, previousHost: pointer.host, alreadyRepointed: false, passwordReplaced: true };
}
