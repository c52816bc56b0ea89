/**
 * The rotation function's environment variables that its Serverless Application Repository template
 * does not expose, set by Pulumi (`RotationFunctionSettings`, a dynamic resource) instead of by hand.
 *
 * Why: AWS's multi-user MySQL function refuses a clone user name longer than its
 * `USERNAME_CHARACTER_LIMIT` variable, default 16 (aws-samples/aws-secrets-manager-rotation-lambdas
 * `SecretsManagerRDSMySQLRotationMultiUser/lambda_function.py`, `create_secret`, read at b4b8eca),
 * and our users reach 32. The function belongs to its CloudFormation stack, so the provider reads the
 * function's configuration (Lambda `GetFunctionConfiguration`) and writes it back with the wanted
 * variables added (`UpdateFunctionConfiguration` replaces the whole `Environment.Variables` map, Lambda
 * API reference), keeping every variable the template set. A stack update rewrites the environment
 * from the template, so the stack's identity is an input: any change to it re-applies the settings.
 */
import * as pulumi from "@pulumi/pulumi";
import { functionEnvironmentProblems } from "../src/config";

/** The type token: `pulumi-nodejs:dynamic/data:RotationFunctionSettings` (module `data`, the layer it belongs to). */
export const ROTATION_FUNCTION_SETTINGS_TYPE = "pulumi-nodejs:dynamic/data:RotationFunctionSettings";

/** What the provider is given; every value is plain data, so the engine can diff it. */
export interface RotationFunctionSettingsInputs {
    /** The function the CloudFormation stack created. */
    readonly functionName: string;
    /**
     * Its region: the Lambda client is built for it (credentials from the default chain, as `npm run
     * verify`'s). Not called `region`: on an AWS resource that input moves it to another region (DR).
     */
    readonly functionRegion: string;
    /**
     * The stack's account (its `aws:allowedAccountIds`). The provider calls Lambda with the default
     * credential chain, not the stack's AWS provider, so it would otherwise act in whatever account those
     * credentials are for: it refuses a function whose ARN names another account.
     */
    readonly accountId: string;
    /** The variables to set on top of the template's, e.g. `{ USERNAME_CHARACTER_LIMIT: "32" }`. */
    readonly variables: Record<string, string>;
    /** The owning stack's identity (id, parameters, application version): its change means the template rewrote the environment. */
    readonly stack: unknown;
}

/**
 * The function's variables with `wanted` on top, and whether that differs from `current` (then an
 * update is needed). Every variable `current` has is kept: the template's endpoint and settings.
 */
export function withVariables(
    current: Readonly<Record<string, string>> | undefined,
    wanted: Readonly<Record<string, string>>,
): { variables: Record<string, string>; changed: boolean } {
    const variables = { ...(current ?? {}), ...wanted };
    const changed = Object.entries(wanted).some(([k, v]) => current?.[k] !== v);
    return { variables, changed };
}

/** The input keys whose change re-applies the settings; a new function or region is another resource. */
const REAPPLIED_BY = ["variables", "stack"] as const;
const REPLACED_BY = ["functionName", "functionRegion"] as const;

/**
 * The Lambda SDK and a client for `region` (credentials from the default chain), loaded here: the
 * provider is serialized into the state, and a `require` inside it is resolved where the engine runs it.
 */
function lambdaIn(region: string) {
    const lambda: typeof import("@aws-sdk/client-lambda") = require("@aws-sdk/client-lambda");
    return { lambda, client: new lambda.LambdaClient({ region }) };
}

/** Throws unless `functionArn` (`arn:aws:lambda:<region>:<account>:function:<name>`) is in `inputs.accountId`. */
function refuseOtherAccount(functionArn: string | undefined, inputs: RotationFunctionSettingsInputs): void {
    const account = functionArn?.split(":")[4];
    if (account !== inputs.accountId)
        throw new Error(
            `${inputs.functionName}: the credentials reach account ${account ?? "(no ARN)"}, not the stack's ${inputs.accountId}; ` +
                "nothing was changed. This resource uses the default credential chain (AWS_PROFILE, environment, SSO), not the stack's aws:profile " +
                "or aws:assumeRoles: run with credentials for the stack's account.",
        );
}

/**
 * Whether the live function lacks a wanted value: a stack update outside this program, a console
 * edit or a stack tag update can reset the environment without any input here changing, so `diff`
 * asks the function itself (Lambda `GetFunctionConfiguration`) and a preview shows the reset as an update.
 */
async function liveDiffers(inputs: RotationFunctionSettingsInputs): Promise<boolean> {
    const { lambda, client } = lambdaIn(inputs.functionRegion);
    const config = await client.send(new lambda.GetFunctionConfigurationCommand({ FunctionName: inputs.functionName }));
    refuseOtherAccount(config.FunctionArn, inputs);
    return withVariables(config.Environment?.Variables, inputs.variables).changed;
}

/**
 * Waits until the function is `Active` (a function still `Pending` after creation refuses updates:
 * Lambda developer guide, "Lambda function states") and any update in flight is done (a stack update
 * may still be applying), reads its configuration, refuses one whose environment cannot be written
 * back as read ({@link functionEnvironmentProblems}: the update would wipe it), writes the variables if they differ, conditional on the revision read (a concurrent
 * change fails with `PreconditionFailedException` rather than being overwritten), and waits for the
 * update to finish so that the next rotation sees it.
 */
async function applySettings(inputs: RotationFunctionSettingsInputs): Promise<Record<string, unknown>> {
    const { lambda, client } = lambdaIn(inputs.functionRegion);
    const waiter = { client, maxWaitTime: 300 };
    const FunctionName = inputs.functionName;
    await lambda.waitUntilFunctionActiveV2(waiter, { FunctionName });
    await lambda.waitUntilFunctionUpdatedV2(waiter, { FunctionName });
    const config = await client.send(new lambda.GetFunctionConfigurationCommand({ FunctionName }));
    refuseOtherAccount(config.FunctionArn, inputs);
    const problems = functionEnvironmentProblems(config);
    if (problems.length > 0)
        throw new Error(
            `${FunctionName}: not updated, since writing its variables back would replace an environment that was not read whole: ` +
                `${problems.join("; ")}. Fix the function's CloudFormation stack (bbws-rotation-<env>), then roll the database phase out again.`,
        );
    const { variables, changed } = withVariables(config.Environment?.Variables, inputs.variables);
    if (changed) {
        await client.send(
            new lambda.UpdateFunctionConfigurationCommand({
                FunctionName,
                Environment: { Variables: variables },
                RevisionId: config.RevisionId,
            }),
        );
        await lambda.waitUntilFunctionUpdatedV2(waiter, { FunctionName });
    }
    return { ...inputs, functionArn: config.FunctionArn };
}

/**
 * The provider the engine runs (serialized into the state with the resource): create and update apply
 * the settings; a new `functionName` or `functionRegion` replaces; with the same inputs, `diff` reads the
 * live function and shows an update when a wanted value is gone; delete leaves the function as it is.
 */
export const rotationFunctionSettingsProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: RotationFunctionSettingsInputs) {
        return { id: inputs.functionName, outs: await applySettings(inputs) };
    },
    async diff(_id: string, olds: RotationFunctionSettingsInputs, news: RotationFunctionSettingsInputs) {
        const differs = (k: keyof RotationFunctionSettingsInputs) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]);
        const replaces = REPLACED_BY.filter(differs);
        if (replaces.length > 0 || REAPPLIED_BY.some(differs)) return { changes: true, replaces: [...replaces] };
        return { changes: await liveDiffers(news), replaces: [] };
    },
    async update(_id: string, _olds: RotationFunctionSettingsInputs, news: RotationFunctionSettingsInputs) {
        return { outs: await applySettings(news) };
    },
    // Nothing to undo: the function belongs to its stack, and a higher limit than the default refuses less.
    async delete() {},
};

/** The arguments of {@link RotationFunctionSettings}: the same as its provider's inputs, as Pulumi inputs. */
export type RotationFunctionSettingsArgs = {
    readonly [K in keyof RotationFunctionSettingsInputs]: pulumi.Input<RotationFunctionSettingsInputs[K]>;
};

/**
 * `variables` set on the Lambda function `functionName`, every other variable kept; re-applied whenever
 * `stack` changes. Id: the function's name. Output `functionArn`: the function it configured.
 */
export class RotationFunctionSettings extends pulumi.dynamic.Resource {
    /** The function's ARN, read when the settings were applied: depending on it waits for them. */
    declare readonly functionArn: pulumi.Output<string>;

    constructor(name: string, args: RotationFunctionSettingsArgs, opts: pulumi.CustomResourceOptions = {}) {
        super(rotationFunctionSettingsProvider, name, { ...args, functionArn: undefined }, opts, "data", "RotationFunctionSettings");
    }
}
