/**
 * Secrets rotation: tenants' database passwords rotated by Secrets Manager with AWS's alternating-users
 * function for MySQL, and the arithmetic that keeps WordPress connected while they rotate.
 *
 * How the alternating-users scheme works (aws-samples/aws-secrets-manager-rotation-lambdas
 * `SecretsManagerRDSMySQLRotationMultiUser/lambda_function.py`, read at b4b8eca): each rotation makes
 * the *other* user (`wp_<id>` ↔ `wp_<id>_clone`, created on the first rotation with the first user's
 * grants and TLS requirement, logged in as the master secret named by `masterarn`) current with a new
 * password; the previous user keeps its password until the rotation after. A task holds the
 * credentials it was started with (ECS injects secrets at task start), so it keeps working through one
 * rotation and fails at the second: {@link recycleEveryDays}.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { MYSQL_USER_NAME_MAX, ROTATION_CLONE_SUFFIX, ROTATION_USERNAME_LIMIT_VARIABLE } from "../src/config";
import { bbwsName, jsonOf } from "./shared";
import { admitToBackends } from "./tenant-network";
import { RotationFunctionSettings } from "./rotation-function-settings";

/** The `engine` the rotation function requires in the secret (it accepts `mysql` and `aurora-mysql`). */
export const ROTATION_ENGINE = "mysql";

/** AWS's alternating-users rotation function for MySQL, from the Serverless Application Repository. */
export const ROTATION_APPLICATION_ID = "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSMySQLRotationMultiUser";

/**
 * The function refuses to create `<user>_clone` longer than its `USERNAME_CHARACTER_LIMIT`
 * environment variable (default 16; MySQL 8.0 takes 32) before changing anything, so the rotation
 * fails and the old credentials stay current.
 */
export const ROTATION_FUNCTION_DEFAULT_USERNAME_LIMIT = 16;

/** The limit this platform sets ({@link RotationFunctionSettings}): MySQL 8.0's own, 32. */
export const ROTATION_USERNAME_LIMIT = MYSQL_USER_NAME_MAX;

/** The users a rotated secret alternates between: `[<user>, <user>_clone]`. */
export function rotatedUserNames(username: string): [string, string] {
    return [username, `${username}${ROTATION_CLONE_SUFFIX}`];
}

/** The usernames among `usernames` whose clone would exceed `limit` characters (the rotation function refuses them). */
export function usernamesTooLongToRotate(usernames: readonly string[], limit: number): string[] {
    return usernames.filter((u) => rotatedUserNames(u)[1].length > limit);
}

/**
 * Days between forced redeployments of a tenant's service, given the rotation schedule in days (at
 * least 3). Secrets Manager rotates within the day a rotation is due, so consecutive rotations are at
 * least `rotationDays - 1` days apart; a task started just before one rotation fails at the next, so
 * it must be replaced within `rotationDays - 1` days. A redeployment every `rotationDays - 2` days,
 * which ECS finishes within hours, replaces every task in time (test/components/secret-rotation.test.ts
 * simulates it over every schedule the config accepts). Throws `Error` below 3 days.
 */
export function recycleEveryDays(rotationDays: number): number {
    if (!Number.isInteger(rotationDays) || rotationDays < 3) {
        throw new Error(`\`rotationDays\` ${rotationDays}: at least 3, so tasks can be replaced between two rotations`);
    }
    return rotationDays - 2;
}

export interface RotationFunctionArgs {
    readonly env: string;
    readonly region: string;
    /** The stack's account: the function's settings are refused in any other (components/rotation-function-settings.ts). */
    readonly accountId: string;
    readonly vpcId: pulumi.Input<string>;
    /** Where the function runs: the private subnets (NAT for the RDS and KMS APIs, the endpoint for Secrets Manager). */
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /** The database group, which admits the function on 3306. */
    readonly databaseSecurityGroupId: pulumi.Input<string>;
    /** The RDS-managed master secret and the key it and the tenants' secrets are encrypted with. */
    readonly masterSecretArn: pulumi.Input<string>;
    readonly keyArn: pulumi.Input<string>;
    /** The master secret's key where it is not `keyArn` (an enterprise tenant's cluster: its own key). */
    readonly masterSecretKeyArn?: pulumi.Input<string>;
    /**
     * The names' part: `rotation` (default) for the environment's function `bbws-rotation-<env>`,
     * `tenant-<id>-rotation` for an enterprise tenant's own, beside its cluster in its VPC.
     */
    readonly part?: string;
}

/**
 * The rotation function (`bbws:data:RotationFunction`): its security group `bbws-rotation-sg-<env>`
 * (HTTPS out to the Secrets Manager endpoint and, through NAT, the RDS and KMS APIs; MySQL out to the
 * database group, which admits it on 3306; nothing in) and AWS's template deployed as the
 * CloudFormation stack `serverlessrepo-bbws-rotation-<env>`, which creates the function
 * `bbws-rotation-<env>`, its role and Secrets Manager's permission to invoke it; then
 * `<name>-settings` sets the function's `USERNAME_CHARACTER_LIMIT` to {@link ROTATION_USERNAME_LIMIT}
 * after every change of the stack (components/rotation-function-settings.ts). `lambdaArn` is the
 * stack's `RotationLambdaARN` output; a tenant's `SecretRotation` also `dependsOn` {@link settings},
 * so no secret is handed to the function before it can rotate it. Not the settings' own output: a
 * dynamic resource's outputs are unknown in a preview whenever it has an update, which would show
 * every tenant's `SecretRotation` as changing with it.
 */
export class RotationFunction extends pulumi.ComponentResource {
    /** What each tenant's `SecretRotation` invokes. */
    readonly lambdaArn: pulumi.Output<string>;
    /** The function's name, `bbws-rotation-<env>` (`npm run verify` reads its settings). */
    readonly functionName: string;
    /** The function's settings: what uses the function waits for them (`dependsOn`). */
    readonly settings: RotationFunctionSettings;

    constructor(name: string, args: RotationFunctionArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("bbws:data:RotationFunction", name, {}, opts);
        const { env } = args;
        const part = args.part ?? "rotation";
        const group = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                name: bbwsName(env, `${part}-sg`),
                description: "BBWS secret rotation function: MySQL and HTTPS out, nothing in",
                vpcId: args.vpcId,
                tags: { Name: bbwsName(env, `${part}-sg`) },
            },
            { parent: this },
        );
        admitToBackends(
            { layerName: name, source: "rotation", securityGroupId: group.id, from: "the secret rotation function" },
            [{ role: "database", securityGroupId: args.databaseSecurityGroupId, port: 3306, protocol: "MySQL" }],
            { parent: this },
        );
        const functionName = bbwsName(env, part);
        const stack = new aws.serverlessrepository.CloudFormationStack(
            `${name}-stack`,
            {
                // The repository names the stack `serverlessrepo-<name>`.
                name: functionName,
                applicationId: ROTATION_APPLICATION_ID,
                // The template creates an IAM role and a resource policy on the function.
                capabilities: ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"],
                parameters: {
                    functionName,
                    endpoint: `https://secretsmanager.${args.region}.amazonaws.com`,
                    vpcSubnetIds: pulumi.output(args.privateSubnetIds).apply((ids) => ids.join(",")),
                    vpcSecurityGroupIds: group.id,
                    masterSecretArn: args.masterSecretArn,
                    masterSecretKmsKeyArn: args.masterSecretKeyArn ?? args.keyArn,
                    kmsKeyArn: args.keyArn,
                },
            },
            { parent: this },
        );
        this.settings = new RotationFunctionSettings(
            `${name}-settings`,
            {
                functionName,
                functionRegion: args.region,
                accountId: args.accountId,
                variables: { [ROTATION_USERNAME_LIMIT_VARIABLE]: String(ROTATION_USERNAME_LIMIT) },
                // A stack update rewrites the function's environment from the template: a new template
                // version or parameter value must set the variable again.
                stack: { id: stack.id, parameters: stack.parameters, semanticVersion: stack.semanticVersion },
            },
            { parent: this },
        );
        this.functionName = functionName;
        this.lambdaArn = stack.outputs.apply((o) => o.RotationLambdaARN);
        this.registerOutputs({ lambdaArn: this.lambdaArn, functionName });
    }
}

/**
 * The role EventBridge Scheduler assumes to redeploy the cluster's services,
 * `bbws-service-recycler-<env>`: `ecs:UpdateService` on the cluster's services only, trusted by
 * `scheduler.amazonaws.com` for this account (Scheduler user guide, "Setting up the execution role").
 * One for the environment, so IAM's 1,000 roles are not spent per tenant.
 */
export function createRecyclerRole(
    name: string,
    args: { readonly env: string; readonly region: string; readonly accountId: string; readonly clusterName: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): aws.iam.Role {
    const role = new aws.iam.Role(
        name,
        {
            name: bbwsName(args.env, "service-recycler"),
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "scheduler.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
                    },
                ],
            }),
        },
        opts,
    );
    new aws.iam.RolePolicy(
        `${name}-policy`,
        {
            role: role.id,
            policy: jsonOf({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "RedeployTheClustersServices",
                        Effect: "Allow",
                        Action: ["ecs:UpdateService"],
                        Resource: pulumi.interpolate`arn:aws:ecs:${args.region}:${args.accountId}:service/${args.clusterName}/*`,
                    },
                ],
            }),
        },
        opts,
    );
    return role;
}

/** The Scheduler target that calls ECS `UpdateService` (EventBridge Scheduler user guide, "Using universal targets"). */
export const UPDATE_SERVICE_TARGET_ARN = "arn:aws:scheduler:::aws-sdk:ecs:updateService";

/**
 * The schedule `bbws-<id>-recycle-<env>` that forces a new deployment of a tenant's service every
 * `everyDays` days ({@link recycleEveryDays}), so its tasks read the secret's current version before
 * the user they hold is rotated again. `roleArn` is a role Scheduler assumes that may `ecs:UpdateService`.
 */
export function createServiceRecycling(
    name: string,
    args: {
        readonly env: string;
        readonly tenantId: string;
        readonly clusterArn: pulumi.Input<string>;
        readonly serviceName: pulumi.Input<string>;
        readonly everyDays: number;
        readonly roleArn: pulumi.Input<string>;
    },
    opts: pulumi.CustomResourceOptions,
): aws.scheduler.Schedule {
    return new aws.scheduler.Schedule(
        name,
        {
            name: bbwsName(args.env, `${args.tenantId}-recycle`),
            description: `Force a new deployment of ${args.tenantId}'s service: its tasks read the rotated database secret`,
            // Scheduler's rate expressions take a singular unit for 1 ("rate(1 day)").
            scheduleExpression: `rate(${args.everyDays} ${args.everyDays === 1 ? "day" : "days"})`,
            flexibleTimeWindow: { mode: "OFF" },
            target: {
                arn: UPDATE_SERVICE_TARGET_ARN,
                roleArn: args.roleArn,
                input: jsonOf({ Cluster: args.clusterArn, Service: args.serviceName, ForceNewDeployment: true }),
            },
        },
        opts,
    );
}
