/**
 * `--rehearse`: the same driver, the same `LocalWorkspace` adapter, but the `pulumi` it runs is the
 * scripted engine (automation/rehearsal-engine) over a throw-away folder, and preflight's AWS and git
 * questions, the image check's ECR and verification are answered by doubles. Operators practise gates and approvals with it; the README's
 * rollout transcript is one. Nothing in it talks to AWS or to a real state backend.
 *
 * The throw-away folder holds a copy of the project's stack files (so the ledger and saved plans land
 * there too, not in the project's `.rollout`), the engine's state, and its log of CLI calls.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createHash } from "crypto";
import type {
    BatchGetImageCommand,
    BatchGetImageCommandOutput,
    DescribeImagesCommand,
    DescribeImagesCommandOutput,
} from "@aws-sdk/client-ecr";
import type { STSClient } from "@aws-sdk/client-sts";
import { ENGINE_HOME_VAR, readScenario, stateFile, writeJson, writeScenario } from "./rehearsal-engine/scenario";
import { emptyState, readState } from "./rehearsal-engine/state";
import { reusedEngines } from "./engine";
import type { EcrClient } from "./images";
import type { Io } from "./io";
import type { CliDeps } from "./rollout-deps";
import type { TaskCliDeps, TaskRehearsalOptions } from "./task/deps";
import type { TaskAws } from "./task/aws";
import { loadStackConfig } from "./stack-files";

/** The scripted engine's install root: `PulumiCommand.get({ root })` runs `<root>/bin/pulumi`. */
export const ENGINE_ROOT = path.join(__dirname, "rehearsal-engine");

/** The commit the rehearsal's git double reports: no real commit is ever recorded as rehearsed. */
export const REHEARSAL_COMMIT = "0".repeat(40);

export interface Rehearsal {
    /** The throw-away folder. */
    readonly dir: string;
    /** The engine's folder (state, history, argv log, scenario). */
    readonly engineHome: string;
    /** The rehearsal's Pulumi "install root": `<pulumiRoot>/bin/pulumi` is the scripted engine over `engineHome`. */
    readonly pulumiRoot: string;
    /** The copy of the project the driver runs on. */
    readonly projectDir: string;
    /** What `main` uses instead of Pulumi, AWS and git. */
    readonly deps: Pick<CliDeps, "projectDir" | "createEngine" | "sts" | "ecr" | "git" | "verify" | "quotas">;
    readonly banner: string;
}

export interface RehearsalOptions {
    /** Where the throw-away folder goes; default a new folder under the OS's temp directory. */
    readonly dir?: string;
    /** Stack files to use instead of the project's, by environment (a what-if config). */
    readonly stackFiles?: Readonly<Record<string, string>>;
    /** The stacks exist in the engine (empty) before the driver selects them; default: the environment's. */
    readonly stacks?: readonly string[];
}

/** `--rehearse`: shows the banner, and gives `main` the scripted engine and the doubles instead of Pulumi, AWS and git. */
export function rehearse(projectDir: string, env: string, io: Pick<Io, "err">): Partial<CliDeps> {
    const rehearsal = prepareRehearsal(projectDir, env);
    io.err(rehearsal.banner);
    return rehearsal.deps;
}

/**
 * Makes the throw-away folder. The stack file is validated where the operator wrote it, before the
 * folder exists, so an error names their file; any failure after that removes a folder this call made.
 */
export function prepareRehearsal(sourceProjectDir: string, env: string, options: RehearsalOptions = {}): Rehearsal {
    if (options.stackFiles?.[env] === undefined) loadStackConfig(sourceProjectDir, env);
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `bbws-rehearsal-${env}-`));
    try {
        return populate(sourceProjectDir, env, dir, options);
    } catch (err) {
        if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    }
}

function populate(sourceProjectDir: string, env: string, dir: string, options: RehearsalOptions): Rehearsal {
    const projectDir = path.join(dir, "project");
    const engineHome = path.join(dir, "engine");
    const pulumiRoot = path.join(dir, "pulumi");
    fs.mkdirSync(projectDir, { recursive: true });
    for (const file of fs.readdirSync(sourceProjectDir).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f))) {
        fs.copyFileSync(path.join(sourceProjectDir, file), path.join(projectDir, file));
    }
    for (const [stack, text] of Object.entries(options.stackFiles ?? {}))
        fs.writeFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), text);
    // The synth reads provider versions from node_modules: the project's own.
    const modules = path.join(projectDir, "node_modules");
    if (!fs.existsSync(modules)) fs.symlinkSync(path.join(sourceProjectDir, "node_modules"), modules, "dir");

    // What `pulumi stack init` leaves: a stack with no resources.
    for (const stack of options.stacks ?? [env]) {
        if (!fs.existsSync(stateFile(engineHome, stack))) writeJson(stateFile(engineHome, stack), emptyState());
    }
    // Not `file://`: a rehearsal of an environment that demands a shared backend must get past that check. A
    // continued rehearsal keeps the rest of its scenario (a fault a test injected stays for the next command).
    writeScenario(engineHome, { ...readScenario(engineHome), backendUrl: `rehearsal://${engineHome}` });

    // The SDK runs `<root>/bin/pulumi version` with no extra environment, so the folder is written into the executable.
    fs.mkdirSync(path.join(pulumiRoot, "bin"), { recursive: true });
    fs.writeFileSync(
        path.join(pulumiRoot, "bin", "pulumi"),
        `#!/bin/sh\n${ENGINE_HOME_VAR}='${engineHome}' exec '${path.join(ENGINE_ROOT, "bin", "pulumi")}' "$@"\n`,
        { mode: 0o755 },
    );

    const cfg = loadStackConfig(projectDir, env);
    return {
        dir,
        engineHome,
        pulumiRoot,
        projectDir,
        deps: {
            projectDir,
            createEngine: reusedEngines(async (stack) =>
                (await import("./local-engine")).createLocalEngine({ projectDir, stack, pulumiRoot }),
            ),
            sts: async () => stsDouble(cfg.accountId),
            ecr: async () =>
                ecrDouble(cfg.accountId, (repository, tag) => {
                    const created = readState(engineHome, env)?.deployment.resources.some(
                        (r) => r.type === "aws:ecr/repository:Repository" && r.inputs.name === repository,
                    );
                    if (!created) return "no-repository";
                    return (readScenario(engineHome).missingImages ?? []).includes(`${repository}:${tag}`) ? "no-tag" : "image";
                }),
            git: async () => ({ commit: REHEARSAL_COMMIT, dirty: false }),
            // A new account's Service Quotas (AWS's defaults), unless the scenario applied others; the needs are the copy's own synth.
            quotas: {
                serviceQuotas: async (region) =>
                    (await import("./quotas")).serviceQuotasDouble(readScenario(engineHome).appliedQuotas)(region),
                needs: async (stack) => (await import("./quotas")).programQuotaNeeds(projectDir, stack),
                // A new account's default VPC and internet gateway, the scenario's other resources and the stack's own.
                accountResources: async (region, accountId) =>
                    (await import("./quota-usage")).accountResourcesDouble(
                        readScenario(engineHome).otherResources ?? {},
                        readState(engineHome, env)?.deployment.resources ?? [],
                    )(region, accountId),
                // The scenario's other roles (a new account's service-linked roles are not modelled) and the stack's own.
                accountRoles: async () =>
                    (await import("./quota-usage")).accountRolesDouble(
                        readScenario(engineHome).otherResources?.rolesPerAccount ?? 0,
                        readState(engineHome, env)?.deployment.resources ?? [],
                    )(),
            },
            // There is nothing in AWS to check: say so, as a warning that does not fail the phase.
            verify: async () => async (phase) => ({
                checks: [{ id: `${phase}-rehearsal`, phase, status: "warn", detail: "not verified: a rehearsal changes nothing in AWS" }],
            }),
        },
        banner: [
            "REHEARSAL — nothing in AWS changes.",
            "  Pulumi is the scripted test engine (automation/rehearsal-engine); AWS (STS, ECR, Service Quotas, the account's VPCs, load balancers and databases), git and verification answers are doubles;",
            `  state, plans and the ledger go to the temporary folder ${dir}, not to the project or a state backend.`,
        ].join("\n"),
    };
}

/** STS as the rehearsal answers it: the environment's own account, under a role that says what it is. */
function stsDouble(accountId: string): Pick<STSClient, "send"> {
    const send = async () => ({
        Account: accountId,
        Arn: `arn:aws:sts::${accountId}:assumed-role/rehearsal-no-aws/rehearsal`,
        UserId: "REHEARSAL",
    });
    return { send } as unknown as Pick<STSClient, "send">;
}

/** What a registry holds of one `repository:tag`. */
export type RegistryAnswer = "image" | "no-tag" | "no-repository";

/**
 * ECR as `DescribeImages` and `BatchGetImage` answer for one `imageIds: [{ imageTag }]`: the image's
 * details and, as `docker buildx build --platform linux/amd64,linux/arm64 --push` leaves it, an OCI
 * index with an image for both platforms; or the service's own exception and message for a missing
 * tag or repository. The rehearsal's registry has a repository once the engine's state has it (the
 * storage phase created it), and then every tag, as if the push step had been done, except the
 * scenario's `missingImages`.
 */
export function ecrDouble(accountId: string, holds: (repository: string, tag: string) => RegistryAnswer): EcrClient {
    const send = async (
        command: DescribeImagesCommand | BatchGetImageCommand,
    ): Promise<Partial<DescribeImagesCommandOutput | BatchGetImageCommandOutput>> => {
        const sdk = await import("@aws-sdk/client-ecr");
        const { ImageNotFoundException, RepositoryNotFoundException } = sdk;
        const { repositoryName = "", registryId = accountId, imageIds = [] } = command.input;
        const tag = imageIds[0]?.imageTag ?? "";
        const $metadata = { httpStatusCode: 400 };
        const digest = (of: string) => `sha256:${createHash("sha256").update(of).digest("hex")}`;
        switch (holds(repositoryName, tag)) {
            case "no-repository":
                throw new RepositoryNotFoundException({
                    $metadata,
                    message: `The repository with name '${repositoryName}' does not exist in the registry with id '${registryId}'`,
                });
            case "no-tag":
                throw new ImageNotFoundException({
                    $metadata,
                    message: `The image with imageId {imageDigest:'null', imageTag:'${tag}'} does not exist within the repository with name '${repositoryName}' in the registry with id '${registryId}'`,
                });
            case "image": {
                const imageDigest = digest(`${repositoryName}:${tag}`);
                if (!(command instanceof sdk.BatchGetImageCommand)) {
                    return { imageDetails: [{ registryId, repositoryName, imageTags: [tag], imageStatus: "ACTIVE", imageDigest }] };
                }
                const mediaType = "application/vnd.oci.image.index.v1+json";
                const manifests = (["amd64", "arm64"] as const).map((architecture) => ({
                    mediaType: "application/vnd.oci.image.manifest.v1+json",
                    size: 1024,
                    digest: digest(`${repositoryName}:${tag}:${architecture}`),
                    platform: { os: "linux", architecture },
                }));
                return {
                    images: [
                        {
                            registryId,
                            repositoryName,
                            imageId: { imageTag: tag, imageDigest },
                            imageManifestMediaType: mediaType,
                            imageManifest: JSON.stringify({ schemaVersion: 2, mediaType, manifests }),
                        },
                    ],
                    failures: [],
                };
            }
        }
    };
    return { send } as unknown as EcrClient;
}

/**
 * `npm run task -- --rehearse`: a fresh rehearsal has no stack, so the environment is first converged
 * in the throw-away folder (one untargeted preview and `up` of the whole program through the same
 * `LocalWorkspace` adapter and scripted engine a rehearsed rollout uses, no gates: nothing is
 * reviewed because nothing reaches AWS). The command then reads the stack's outputs as it does
 * against a real stack (`pulumi stack output`), and ECS, CloudWatch Logs, S3 and STS are the task
 * doubles (automation/task/doubles.ts) built over those outputs.
 */
export async function rehearseTask(
    projectDir: string,
    env: string,
    io: Pick<Io, "err">,
    options: TaskRehearsalOptions = {},
): Promise<Partial<TaskCliDeps>> {
    const rehearsal = prepareRehearsal(projectDir, env, { dir: options.dir });
    io.err(
        [
            "REHEARSAL — nothing in AWS runs.",
            "  Pulumi is the scripted test engine (automation/rehearsal-engine); ECS, CloudWatch Logs, S3 and STS are doubles (automation/task/doubles.ts);",
            `  the stack is converged, and the ledger kept, in the temporary folder ${rehearsal.dir}.`,
        ].join("\n"),
    );
    const cfg = loadStackConfig(rehearsal.projectDir, env);
    let outputs: Promise<Record<string, unknown>> | undefined;
    const readOutputs = () =>
        (outputs ??= (async () => {
            const engine = await rehearsal.deps.createEngine(env);
            if (Object.keys(await engine.outputs()).length === 0) {
                io.err(`converging ${env} in the rehearsal (a whole-program preview and up against the scripted engine)…`);
                const plan = path.join(rehearsal.dir, "converge.plan.json");
                await engine.preview({ plan });
                await engine.up({ target: [], plan, message: "rehearsal: converge before a one-off task" });
            }
            return engine.outputs();
        })());
    return {
        projectDir: rehearsal.projectDir,
        readOutputs: () => readOutputs(),
        aws: async (region) => {
            const { readTaskOutputs } = await import("./task/contract");
            const { taskDoubles } = await import("./task/doubles");
            const { S3Client } = await import("@aws-sdk/client-s3");
            const { oneOffTasks, migrationBucket } = readTaskOutputs(await readOutputs(), env);
            const doubles = taskDoubles(region, cfg.accountId, oneOffTasks, migrationBucket, options.scenario);
            const s3 = doubles.s3(new S3Client({ region, credentials: { accessKeyId: "REHEARSAL", secretAccessKey: "REHEARSAL" } }));
            return { ecs: doubles.ecs, logs: doubles.logs, s3, sts: stsDouble(cfg.accountId) } as unknown as TaskAws;
        },
        // The doubles answer at once: poll quickly, so a rehearsal takes seconds.
        pollMs: 50,
    };
}
