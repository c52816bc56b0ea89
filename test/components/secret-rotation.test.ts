/**
 * Secrets rotation: the tenants' database secrets rotate with AWS's alternating-users function
 * (aws-samples/aws-secrets-manager-rotation-lambdas SecretsManagerRDSMySQLRotationMultiUser, read at
 * b4b8eca), and every running WordPress task is replaced before the credentials it holds stop working.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as fc from "fast-check";
import {
    recycleEveryDays,
    ROTATION_FUNCTION_DEFAULT_USERNAME_LIMIT,
    ROTATION_USERNAME_LIMIT,
    rotatedUserNames,
    usernamesTooLongToRotate,
    UPDATE_SERVICE_TARGET_ARN,
} from "../../components/secret-rotation";
import {
    rotationFunctionSettingsProvider,
    RotationFunctionSettingsInputs,
    ROTATION_FUNCTION_SETTINGS_TYPE,
    withVariables,
} from "../../components/rotation-function-settings";
import { mockClient } from "aws-sdk-client-mock";
import {
    GetFunctionCommand,
    GetFunctionConfigurationCommand,
    LambdaClient,
    UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { createAwsModel } from "../../automation/aws-model";
import { acceptedTenantId, schemaAccepts } from "../support/tenant-ids";
import {
    databaseRotationPaused,
    isStackName,
    MAX_TENANT_ID_LENGTH,
    ROTATION_PAUSED_TAG,
    MYSQL_USER_NAME_MAX,
    ROTATION_USERNAME_LIMIT_VARIABLE,
    tenantDatabaseName,
} from "../../src/config";
import { bbwsName } from "../../components/shared";
import { buildData } from "./data-fixtures";
import { configFor, construct, named, ofType } from "../support/pulumi";
import { RecordedOptions, unwrapSecret } from "../support/options";

const DAY = 24;

/**
 * Hours after the first rotation at which rotation k happens: Secrets Manager rotates some time within
 * the day a rotation is due, so each rotation lands `rotationDays - 1` to `rotationDays` days after the previous.
 */
function rotationTimes(rotationDays: number, jitters: readonly number[]): number[] {
    const times = [0];
    for (const j of jitters) times.push(times[times.length - 1] + (rotationDays - 1) * DAY + j);
    return times;
}

/**
 * The simulation: the service is redeployed every `recycleEveryDays` days from `phase` hours, each
 * deployment taking up to `deployHours` to replace every task; a task holds the credentials current
 * when it started. It breaks if it is still running at the second rotation after its start (the
 * scheme changes the other user's password first). Returns the first broken task, if any.
 */
function firstBrokenTask(
    rotationDays: number,
    jitters: readonly number[],
    phase: number,
    deployHours: number,
    period = recycleEveryDays(rotationDays) * DAY,
): string | undefined {
    const rotations = rotationTimes(rotationDays, jitters);
    const end = rotations[rotations.length - 1];
    // Starts of task generations: before the first rotation, then at each redeployment.
    const starts = [-1];
    for (let t = phase; t <= end; t += period) starts.push(t);
    for (let i = 0; i < starts.length; i++) {
        const start = starts[i];
        // The generation is gone once the next deployment has replaced it.
        const replacedBy = i + 1 < starts.length ? starts[i + 1] + deployHours : Infinity;
        const after = rotations.filter((r) => r > start);
        if (after.length >= 2 && after[1] <= replacedBy) return `tasks started at ${start} h still run at ${after[1]} h`;
    }
    return undefined;
}

describe("secrets rotation", () => {
    describe("keeping WordPress connected while its password rotates", () => {
        it(
            "replaces every task before the user it holds is rotated again, for every rotation period the config accepts (3–1000 days), " +
                "rotations anywhere within their due day, any schedule phase and deployments up to 12 hours",
            () => {
                fc.assert(
                    fc.property(
                        fc.integer({ min: 3, max: 1000 }),
                        fc.array(fc.integer({ min: 0, max: DAY }), { minLength: 2, maxLength: 6 }),
                        fc.integer({ min: 0, max: 3 * DAY }),
                        fc.integer({ min: 0, max: 12 }),
                        (rotationDays, jitters, phase, deployHours) => {
                            fc.pre(phase < recycleEveryDays(rotationDays) * DAY);
                            expect(firstBrokenTask(rotationDays, jitters, phase, deployHours)).to.equal(undefined);
                        },
                    ),
                    { numRuns: 500 },
                );
            },
        );
        it("finds the outage when services are redeployed less often than rotations: the simulation can fail", () => {
            expect(firstBrokenTask(30, [0, 0, 0, 0], 0, 1, 60 * DAY)).to.match(/still run/);
        });
        it("refuses a rotation period under 3 days: there would be no room to redeploy between two rotations", () => {
            expect(() => recycleEveryDays(2)).to.throw(/at least 3/);
            expect(recycleEveryDays(3)).to.equal(1);
            expect(recycleEveryDays(30)).to.equal(28);
        });
    });

    describe("the users the function alternates between", () => {
        it("fits wp_<id>_clone in MySQL 8.0's 32 characters for every id the config accepts, and the config refuses every longer id", () => {
            fc.assert(
                fc.property(acceptedTenantId, (id) => {
                    const [first, clone] = rotatedUserNames(tenantDatabaseName(id));
                    expect(first).to.equal(tenantDatabaseName(id));
                    expect(clone).to.equal(`${first}_clone`);
                    expect(clone.length).to.be.at.most(32);
                }),
            );
            // Sources: MySQL 8.0 reference manual "User Names and Passwords" (32); the rotation function's get_alt_username (`_clone`).
            expect(MAX_TENANT_ID_LENGTH).to.equal(23);
            expect(schemaAccepts("a".repeat(MAX_TENANT_ID_LENGTH))).to.equal(true);
            expect(schemaAccepts("a".repeat(MAX_TENANT_ID_LENGTH + 1))).to.equal(false);
            expect(
                usernamesTooLongToRotate([tenantDatabaseName("a".repeat(MAX_TENANT_ID_LENGTH + 1))], MYSQL_USER_NAME_MAX),
            ).to.have.length(1);
            // get_alt_username: a user ending in _clone alternates with the one without it, so no tenant's user may end so.
            expect(schemaAccepts("shop-clone")).to.equal(false);
            expect(schemaAccepts("shop-clones")).to.equal(true);
            for (const id of ["a-clone", "shop-clone", `${"a".repeat(MAX_TENANT_ID_LENGTH - 6)}-clone`]) {
                expect(schemaAccepts(id), id).to.equal(false);
            }
            // The function's own default (USERNAME_CHARACTER_LIMIT unset) is 16: wp_aupairhive_clone (19) would not rotate.
            expect(usernamesTooLongToRotate(["wp_aupairhive"], ROTATION_FUNCTION_DEFAULT_USERNAME_LIMIT)).to.deep.equal(["wp_aupairhive"]);
        });
    });

    describe("in the data and ECS layers", () => {
        for (const env of ["dev", "prod"] as const) {
            describe(`in ${env}`, () => {
                const cfg = configFor(env);
                let resources: Awaited<ReturnType<typeof construct>>["resources"];
                let options = new Map<string, RecordedOptions>();
                before(async () => {
                    ({ resources, options } = await buildData(cfg));
                });

                it("rotates every tenant's database secret on the configured schedule with the function, not at creation (its MySQL user does not exist yet)", () => {
                    const rotations = ofType(resources, "aws:secretsmanager/secretRotation:SecretRotation");
                    expect(rotations).to.have.length(cfg.tenants.length);
                    const fn = named(resources, "data-rotation-stack");
                    for (const tenant of cfg.tenants) {
                        const rotation = named(resources, `data-tenant-${tenant.id}-db-rotation`);
                        expect(rotation.inputs.secretId).to.contain(`secret:bbws/${env}/tenants/${tenant.id}/db-`);
                        expect(rotation.inputs.rotationRules).to.deep.equal({ automaticallyAfterDays: cfg.database.rotationDays });
                        expect(rotation.inputs.rotateImmediately).to.equal(false);
                        expect(rotation.inputs.rotationLambdaArn).to.equal(
                            `arn:aws:lambda:${cfg.region}:${cfg.accountId}:function:${fn.inputs.parameters.functionName}`,
                        );
                        // Once rotated, the rotation owns the value: the program's first value must not be written again.
                        expect(options.get(`data-tenant-${tenant.id}-db-value`)?.ignoreChanges).to.deep.equal(["secretString"]);
                    }
                });

                it(
                    "sets the function's USERNAME_CHARACTER_LIMIT to 32 after its stack, again after every change of the stack, " +
                        "and hands the function to no secret before (create_secret in lambda_function.py at b4b8eca refuses a clone over the limit, default 16)",
                    () => {
                        const stack = named(resources, "data-rotation-stack");
                        const settings = named(resources, "data-rotation-settings");
                        expect(settings.type).to.equal(ROTATION_FUNCTION_SETTINGS_TYPE);
                        expect(settings.inputs.functionName).to.equal(stack.inputs.parameters.functionName);
                        expect(settings.inputs.functionRegion).to.equal(cfg.region);
                        expect(settings.inputs.variables).to.deep.equal({ [ROTATION_USERNAME_LIMIT_VARIABLE]: "32" });
                        // The stack's id and parameters are inputs: an update of the stack rewrites the environment, and re-applies this.
                        expect(settings.propertyDependencies.stack).to.deep.equal([stack.urn]);
                        expect(settings.inputs.stack.parameters).to.deep.equal(stack.inputs.parameters);
                        // Ordered by dependsOn, the ARN from the stack's outputs: a dynamic resource's outputs are unknown in a
                        // preview while it has an update, and every tenant's rotation would show a change with it.
                        for (const rotation of ofType(resources, "aws:secretsmanager/secretRotation:SecretRotation")) {
                            expect(options.get(rotation.name)?.dependencies, rotation.name).to.include(settings.urn);
                            expect(rotation.propertyDependencies.rotationLambdaArn, rotation.name).to.deep.equal([stack.urn]);
                        }
                        expect(ROTATION_USERNAME_LIMIT).to.equal(MYSQL_USER_NAME_MAX);
                        expect(
                            usernamesTooLongToRotate(
                                cfg.tenants.map((t) => tenantDatabaseName(t.id)),
                                ROTATION_USERNAME_LIMIT,
                            ),
                        ).to.deep.equal([]);
                    },
                );

                it(
                    "gives every tenant's secret, including one created before rotation, the fields the function reads before its rotation is set " +
                        "(get_secret_dict: host, username, password, engine; set_secret: masterarn; get_connection: port, dbname)",
                    () => {
                        for (const tenant of cfg.tenants) {
                            const base = `data-tenant-${tenant.id}-db`;
                            const rotatable = named(resources, `${base}-rotatable-value`);
                            const value = JSON.parse(unwrapSecret(options.get(`${base}-rotatable-value`)!.rawInputs.secretString));
                            expect(value).to.include.all.keys("host", "username", "password", "engine", "masterarn", "port", "dbname");
                            expect(value).to.include({ engine: "mysql", username: `wp_${tenant.id}`, dbname: `wp_${tenant.id}` });
                            // The same first user and password as `-value`: no rotation can have run on a secret without `engine`.
                            expect(value).to.deep.equal(JSON.parse(unwrapSecret(options.get(`${base}-value`)!.rawInputs.secretString)));
                            // A new name, so an existing tenant gets it once; then ignored like `-value`; after `-value`, so it is AWSCURRENT.
                            expect(options.get(`${base}-rotatable-value`)?.ignoreChanges).to.deep.equal(["secretString"]);
                            expect(rotatable.dependencies).to.include(named(resources, `${base}-value`).urn);
                            expect(named(resources, `${base}-rotation`).dependencies).to.include(rotatable.urn);
                        }
                    },
                );

                it("deploys AWS's alternating-users function for MySQL in the private subnets, with the master secret and the data key", () => {
                    const fn = named(resources, "data-rotation-stack");
                    expect(fn.inputs.applicationId).to.match(/applications\/SecretsManagerRDSMySQLRotationMultiUser$/);
                    expect(fn.inputs.capabilities).to.have.members(["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"]);
                    expect(fn.inputs.parameters).to.include({
                        functionName: `bbws-rotation-${env}`,
                        endpoint: `https://secretsmanager.${cfg.region}.amazonaws.com`,
                        vpcSubnetIds: "subnet-b0aaaaaaaaaaaaaaa,subnet-b1bbbbbbbbbbbbbbb",
                    });
                    expect(fn.inputs.parameters.vpcSecurityGroupIds).to.match(/^sg-/);
                });

                it("admits the function to the database on 3306 only, and lets it out on 3306 to the database and 443 (Secrets Manager endpoint; RDS and KMS APIs)", () => {
                    const ingress = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
                    expect(
                        ingress.map((r) => ({ sg: r.inputs.securityGroupId, from: r.inputs.fromPort, to: r.inputs.toPort })),
                    ).to.deep.equal([{ sg: "sg-0database000000000", from: 3306, to: 3306 }]);
                    const egress = ofType(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
                    expect(egress.map((r) => r.inputs.fromPort).sort()).to.deep.equal([3306, 443]);
                    expect(named(resources, "data-rotation-sg").inputs.name).to.equal(`bbws-rotation-sg-${env}`);
                });
            });
        }

        const expectRejection = async (promise: Promise<unknown>, message: RegExp) => {
            const caught = await promise.then(
                () => undefined,
                (e: unknown) => e,
            );
            expect(caught, "rejected").to.be.instanceOf(Error);
            expect((caught as Error).message).to.match(message);
        };
        describe("the function's settings provider (Lambda GetFunctionConfiguration / UpdateFunctionConfiguration)", () => {
            const lambda = mockClient(LambdaClient);
            const inputs: RotationFunctionSettingsInputs = {
                functionName: "bbws-rotation-dev",
                functionRegion: "eu-west-1",
                accountId: "536580886816",
                variables: { USERNAME_CHARACTER_LIMIT: "32" },
                stack: { id: "stack-1", parameters: { functionName: "bbws-rotation-dev" } },
            };
            const template = { SECRETS_MANAGER_ENDPOINT: "https://secretsmanager.eu-west-1.amazonaws.com", EXCLUDE_CHARACTERS: "/@\"'\\" };
            const configured = (variables: Record<string, string>) => ({
                FunctionArn: "arn:aws:lambda:eu-west-1:536580886816:function:bbws-rotation-dev",
                RevisionId: "rev-1",
                Environment: { Variables: variables },
            });
            beforeEach(() => {
                lambda.reset();
                // waitUntilFunctionUpdatedV2 polls GetFunction until LastUpdateStatus is Successful.
                lambda.on(GetFunctionCommand).resolves({ Configuration: { LastUpdateStatus: "Successful", State: "Active" } });
            });
            after(() => lambda.restore());

            it("adds USERNAME_CHARACTER_LIMIT and keeps every variable the template set, conditional on the revision it read", async () => {
                lambda.on(GetFunctionConfigurationCommand).resolves(configured(template));
                lambda.on(UpdateFunctionConfigurationCommand).resolves({});
                const { id, outs } = await rotationFunctionSettingsProvider.create!(inputs);
                expect(id).to.equal("bbws-rotation-dev");
                expect(outs.functionArn).to.equal("arn:aws:lambda:eu-west-1:536580886816:function:bbws-rotation-dev");
                const updates = lambda.commandCalls(UpdateFunctionConfigurationCommand);
                expect(updates).to.have.length(1);
                expect(updates[0].args[0].input).to.deep.equal({
                    FunctionName: "bbws-rotation-dev",
                    Environment: { Variables: { ...template, USERNAME_CHARACTER_LIMIT: "32" } },
                    RevisionId: "rev-1",
                });
            });

            it("refuses, writing nothing, a function whose environment Lambda reports an error for or that lacks SECRETS_MANAGER_ENDPOINT (the update would replace the whole map with what was not read)", async () => {
                // Lambda API reference, EnvironmentResponse.Error: "Error messages for environment variables that couldn't be
                // applied"; lambda_function.py: boto3.client('secretsmanager', endpoint_url=os.environ['SECRETS_MANAGER_ENDPOINT']).
                lambda.on(UpdateFunctionConfigurationCommand).resolves({});
                lambda.on(GetFunctionConfigurationCommand).resolves({
                    ...configured(template),
                    Environment: { Variables: template, Error: { ErrorCode: "KMSAccessDeniedException", Message: "denied" } },
                });
                await expectRejection(rotationFunctionSettingsProvider.create!(inputs), /KMSAccessDeniedException: denied/);
                lambda.on(GetFunctionConfigurationCommand).resolves(configured({ EXCLUDE_CHARACTERS: "/" }));
                await expectRejection(
                    rotationFunctionSettingsProvider.update!("bbws-rotation-dev", inputs, inputs),
                    /no SECRETS_MANAGER_ENDPOINT/,
                );
                expect(lambda.commandCalls(UpdateFunctionConfigurationCommand)).to.have.length(0);
            });

            it("waits for the function to be Active before anything else (Lambda developer guide, 'Lambda function states': a Pending function refuses updates)", async () => {
                let state = "Pending";
                lambda.on(GetFunctionCommand).callsFake(async () => {
                    const answer = { Configuration: { LastUpdateStatus: "Successful", State: state } };
                    state = "Active";
                    return answer;
                });
                lambda.on(GetFunctionConfigurationCommand).resolves(configured(template));
                lambda.on(UpdateFunctionConfigurationCommand).resolves({});
                await rotationFunctionSettingsProvider.create!(inputs);
                expect(lambda.commandCalls(GetFunctionCommand).length).to.be.at.least(2);
                expect(lambda.commandCalls(UpdateFunctionConfigurationCommand)).to.have.length(1);
            });

            it("writes nothing when the function already has the value", async () => {
                lambda.on(GetFunctionConfigurationCommand).resolves(configured({ ...template, USERNAME_CHARACTER_LIMIT: "32" }));
                await rotationFunctionSettingsProvider.update!("bbws-rotation-dev", inputs, inputs);
                expect(lambda.commandCalls(UpdateFunctionConfigurationCommand)).to.have.length(0);
            });

            it("re-applies when the stack changes (a stack update resets the environment), replaces for another function, and is quiet otherwise", async () => {
                const diff = rotationFunctionSettingsProvider.diff!;
                lambda.on(GetFunctionConfigurationCommand).resolves(configured({ ...template, USERNAME_CHARACTER_LIMIT: "32" }));
                expect(await diff("x", inputs, inputs)).to.deep.equal({ changes: false, replaces: [] });
                expect(
                    await diff("x", inputs, {
                        ...inputs,
                        stack: { id: "stack-1", parameters: { functionName: "bbws-rotation-dev", vpcSubnetIds: "b" } },
                    }),
                ).to.deep.equal({
                    changes: true,
                    replaces: [],
                });
                expect(await diff("x", inputs, { ...inputs, functionName: "other" })).to.deep.equal({
                    changes: true,
                    replaces: ["functionName"],
                });
            });

            it("refuses, writing nothing, a function in another account than the stack's (the default credential chain, not aws:allowedAccountIds, chose the account)", async () => {
                lambda.on(GetFunctionConfigurationCommand).resolves({
                    ...configured(template),
                    FunctionArn: "arn:aws:lambda:eu-west-1:111111111111:function:bbws-rotation-dev",
                });
                lambda.on(UpdateFunctionConfigurationCommand).resolves({});
                await expectRejection(
                    rotationFunctionSettingsProvider.create!(inputs),
                    /account 111111111111, not the stack's 536580886816/,
                );
                await expectRejection(rotationFunctionSettingsProvider.diff!("x", inputs, inputs), /not the stack's/);
                expect(lambda.commandCalls(UpdateFunctionConfigurationCommand)).to.have.length(0);
            });

            it("shows an update in preview when the live function lost the value with no input changed (a console edit, a stack tag update)", async () => {
                // UpdateFunctionConfiguration from anywhere replaces the whole map (Lambda API reference), so the value can go
                // without this program's inputs changing; diff reads GetFunctionConfiguration.
                lambda.on(GetFunctionConfigurationCommand).resolves(configured(template));
                expect(await rotationFunctionSettingsProvider.diff!("x", inputs, inputs)).to.deep.equal({ changes: true, replaces: [] });
                expect(lambda.commandCalls(GetFunctionConfigurationCommand)[0].args[0].input).to.deep.equal({
                    FunctionName: "bbws-rotation-dev",
                });
                expect(lambda.commandCalls(UpdateFunctionConfigurationCommand), "diff writes nothing").to.have.length(0);
            });

            it("serializes, as the SDK does for the engine (mock runs put a fixed text in its place), loading the Lambda client where it runs", async () => {
                // @pulumi/pulumi dynamic/index.js serializeFunctionMaybeSecret: serializeFunction(() => provider, { allowSecrets: true }).
                const { text } = await pulumi.runtime.serializeFunction(() => rotationFunctionSettingsProvider, { allowSecrets: true });
                expect(text).to.include('require("@aws-sdk/client-lambda")').and.include("UpdateFunctionConfigurationCommand");
                expect(text.length).to.be.below(20_000);
            });

            it("withVariables: the wanted values on top, every other kept; unchanged when already set", () => {
                expect(withVariables(undefined, { A: "1" })).to.deep.equal({ variables: { A: "1" }, changed: true });
                expect(withVariables({ A: "2", B: "x" }, { A: "1" })).to.deep.equal({ variables: { A: "1", B: "x" }, changed: true });
                expect(withVariables({ A: "1", B: "x" }, { A: "1" })).to.deep.equal({ variables: { A: "1", B: "x" }, changed: false });
            });
        });

        it("the offline model refuses settings for a function no rotation stack creates, and a limit that is not a whole number (int() in create_secret)", () => {
            const model = createAwsModel({ accountId: "536580886816", region: "eu-west-1", azCount: 2 });
            const settings = (variables: Record<string, string>, accountId = "536580886816") => ({
                type: ROTATION_FUNCTION_SETTINGS_TYPE,
                name: "data-rotation-settings",
                inputs: { functionName: "bbws-rotation-dev", functionRegion: "eu-west-1", accountId, variables, stack: {} },
                custom: true,
            });
            expect(() => model.newResource(settings({ USERNAME_CHARACTER_LIMIT: "32" }))).to.throw(/created by no rotation stack/);
            model.newResource({
                type: "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
                name: "data-rotation-stack",
                inputs: { name: "bbws-rotation-dev", parameters: { functionName: "bbws-rotation-dev" } },
                custom: true,
            });
            expect(() => model.newResource(settings({ USERNAME_CHARACTER_LIMIT: "thirty-two" }))).to.throw(/not a whole number/);
            expect(() => model.newResource(settings({ USERNAME_CHARACTER_LIMIT: "32" }, "111111111111"))).to.throw(/not the account/);
            expect(model.newResource(settings({ USERNAME_CHARACTER_LIMIT: "32" }))).to.have.property("id", "bbws-rotation-dev");
        });

        it(`redeploys each tenant's service through Scheduler's ECS UpdateService target (${UPDATE_SERVICE_TARGET_ARN})`, () => {
            expect(UPDATE_SERVICE_TARGET_ARN).to.equal("arn:aws:scheduler:::aws-sdk:ecs:updateService");
        });
    });

    describe("a stopped tenant's rotation is paused (src/config.ts databaseRotationPaused)", () => {
        // Source: Secrets Manager API reference, RotateSecret: without RotateImmediately it "tests the rotation configuration
        // by running the testSecret step" of the function, which logs in as the secret's user; "when rotation is unsuccessful,
        // the AWSPENDING staging label might be attached to an empty secret version", and then "any later invocation of
        // RotateSecret ... returns an error". A stopped tenant's user may not exist yet (onboarding) or its secret may name a
        // cluster the function cannot reach (a move into enterprise): its rotation is configured by the start.
        const cfg = configFor("dev");
        const flags = [
            { id: "running", stopped: false, offboarding: false, paused: false },
            { id: "stopped", stopped: true, offboarding: false, paused: true },
            // Being removed: a tenant whose onboarding never made its user, or whose move stopped half-way, may be removed too.
            { id: "leaving", stopped: true, offboarding: true, paused: true },
        ];
        let resources: Awaited<ReturnType<typeof construct>>["resources"];
        let options = new Map<string, RecordedOptions>();
        before(async () => {
            const tenants = flags.map((f, i) => ({ ...cfg.tenants[0], ...f, slot: 90 + i }));
            ({ resources, options } = await buildData({ ...cfg, tenants }));
        });

        it("is decided by stopped alone: paused while stopped, whether or not the tenant is being removed", () => {
            expect(databaseRotationPaused({ stopped: true })).to.equal(true);
            expect(databaseRotationPaused({ stopped: false })).to.equal(false);
            expect(databaseRotationPaused({})).to.equal(false);
        });

        for (const f of flags) {
            it(`${f.id} (stopped ${f.stopped}, offboarding ${f.offboarding}): ${f.paused ? "no SecretRotation, its secret tagged RotationPaused: true" : "a SecretRotation, no RotationPaused tag"}; its values still ignored once rotation owns them`, () => {
                const rotation = resources.find((r) => r.name === `data-tenant-${f.id}-db-rotation`);
                expect(rotation === undefined).to.equal(f.paused);
                const secret = named(resources, `data-tenant-${f.id}-db`);
                expect(secret.inputs.tags).to.deep.equal({ Tenant: f.id, ...(f.paused ? { [ROTATION_PAUSED_TAG]: "true" } : {}) });
                // The value may already be a rotation's: pausing must not write the first one back.
                expect(options.get(`data-tenant-${f.id}-db-value`)?.ignoreChanges).to.deep.equal(["secretString"]);
                expect(options.get(`data-tenant-${f.id}-db-rotatable-value`)?.ignoreChanges).to.deep.equal(["secretString"]);
            });
        }
    });
});

describe("an enterprise tenant's own rotation function", () => {
    // The function is created by AWS's template from the `functionName` parameter, so the offline model
    // never sees it as a resource: its name is checked here. Lambda CreateFunction, FunctionName:
    // "The length constraint applies only to the full ARN. If you specify only the function name, it is
    // limited to 64 characters in length", pattern letters, digits, hyphens and underscores.
    it("is named bbws-tenant-<id>-rotation-<env>, at most 64 characters of Lambda's alphabet, for every id and stack name the schema accepts", () => {
        const stackName = fc.stringMatching(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/).filter(isStackName);
        fc.assert(
            fc.property(acceptedTenantId, stackName, (id, env) => {
                const name = bbwsName(env, `tenant-${id}-rotation`);
                expect(name.length, name).to.be.at.most(64);
                expect(name).to.match(/^[a-zA-Z0-9-_]+$/);
            }),
        );
        expect(bbwsName("abcdefgh-abcdefg", `tenant-${"t".repeat(MAX_TENANT_ID_LENGTH)}-rotation`)).to.have.length(61);
    });
});
