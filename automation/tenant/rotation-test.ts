/**
 * What Secrets Manager does when an update creates or changes a secret's rotation configuration, for the
 * tenant command's rehearsal (rehearsal-port.ts). RotateSecret without `RotateImmediately` "tests the rotation
 * configuration by running the testSecret step of the Lambda rotation function" (Secrets Manager API
 * reference, RotateSecret). For AWS's alternating-users MySQL function that step logs in with the pending
 * version's `username` and `host` (aws-samples/aws-secrets-manager-rotation-lambdas,
 * SecretsManagerRDSMySQLRotationMultiUser `test_secret`), from the function's VPC; we take the configuration
 * test's version to hold the current user and host (what it holds is not documented). It fails when the user
 * does not exist there, or the function cannot reach the host. "When rotation is unsuccessful, the
 * AWSPENDING staging label might be attached to an empty secret version", and "if the AWSPENDING staging label
 * is present but not attached to the same version as AWSCURRENT, then any later invocation of RotateSecret
 * assumes that a previous rotation request is still in progress and returns an error". The rehearsal takes the
 * worst case: it leaves that label.
 */

/** One `SecretRotation` an update created or changed: its secret and the function it names. */
export interface RotationConfigured {
    readonly urn: string;
    /** `secretId`: the secret's ARN. */
    readonly secretArn: string;
    /** The function's name, the last part of `rotationLambdaArn` (`arn:aws:lambda:<region>:<account>:function:<name>`). */
    readonly functionName: string;
}

/** A resource of an exported state (`pulumi stack export`): the fields read here. */
interface ExportedResource {
    readonly urn: string;
    readonly type: string;
    readonly inputs?: Record<string, unknown>;
}

/** The type whose create or update is a RotateSecret with the configuration. */
const SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation";

/**
 * The `SecretRotation`s in `after` that are not in `before`, or whose inputs differ from it: each is a
 * RotateSecret with the configuration, so a test of it. Both are exported states' resources.
 */
export function rotationsConfigured(before: readonly ExportedResource[], after: readonly ExportedResource[]): RotationConfigured[] {
    const was = new Map(before.filter((r) => r.type === SECRET_ROTATION).map((r) => [r.urn, JSON.stringify(r.inputs ?? {})]));
    return after
        .filter((r) => r.type === SECRET_ROTATION && was.get(r.urn) !== JSON.stringify(r.inputs ?? {}))
        .map((r) => ({
            urn: r.urn,
            secretArn: String(r.inputs?.secretId ?? ""),
            functionName: String(r.inputs?.rotationLambdaArn ?? "").replace(/^.*:function:/, ""),
        }));
}

/** Where each rotation function runs, from the stack's `database` outputs: the host it can reach. */
export interface RotationReach {
    /** `database.rotationFunctionName` → `database.writerEndpoint`: the environment's function, in the platform VPC. */
    readonly shared: { readonly functionName?: string; readonly host?: string };
    /** `database.tenantClusters.<id>`: an enterprise tenant's own function, whose group reaches only its own cluster. */
    readonly own: ReadonlyArray<{ readonly functionName: string; readonly host: string }>;
}

/** `RotationReach` from a stack's outputs (`pulumi stack output --json`); absent values stay absent. */
export function rotationReachOf(outputs: Readonly<Record<string, unknown>>): RotationReach {
    const database = (outputs.database ?? {}) as Record<string, any>;
    const clusters = (database.tenantClusters ?? {}) as Record<string, { rotationFunctionName?: string; writerEndpoint?: string }>;
    return {
        shared: { functionName: database.rotationFunctionName, host: database.writerEndpoint },
        own: Object.values(clusters)
            .filter((c) => typeof c.rotationFunctionName === "string" && typeof c.writerEndpoint === "string")
            .map((c) => ({ functionName: c.rotationFunctionName!, host: c.writerEndpoint! })),
    };
}

/** Secrets Manager's test of one configuration: passes, fails (and why), or not judged (a function the outputs do not name). */
export type RotationTestVerdict =
    | { readonly verdict: "passes" }
    | { readonly verdict: "fails"; readonly problem: string }
    | { readonly verdict: "not judged"; readonly why: string };

/**
 * Whether the function's testSecret can pass on the secret's current value (`secret`: its `username` and
 * `host`): the function reaches only its own host (`reach`), and the user must exist there (`userExists`).
 * We read the test as logging in with the secret's user and host (the MySQL function's `test_secret` logs
 * in with the AWSPENDING version; what the configuration test puts there is not documented).
 */
export function rotationTest(
    secret: { readonly username: string; readonly host: string },
    functionName: string,
    reach: RotationReach,
    userExists: (username: string, host: string) => boolean,
): RotationTestVerdict {
    const reaches =
        reach.shared.functionName === functionName ? reach.shared.host : reach.own.find((o) => o.functionName === functionName)?.host;
    if (reaches === undefined) return { verdict: "not judged", why: `${functionName} is no rotation function the stack's outputs name` };
    if (reaches !== secret.host) {
        return { verdict: "fails", problem: `${functionName} cannot reach ${secret.host}, the secret's host (it reaches ${reaches} only)` };
    }
    if (!userExists(secret.username, secret.host)) {
        return { verdict: "fails", problem: `MySQL user ${secret.username} does not exist on ${secret.host}` };
    }
    return { verdict: "passes" };
}
