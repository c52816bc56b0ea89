/**
 * The images the ecs phase pulls must be in ECR before it is applied: ECS would otherwise create
 * services whose tasks can never start (sit and prod then wait for steady state until the provider
 * gives up; dev reports success with nothing running). The storage phase creates the repositories,
 * so on a first rollout the images are pushed between storage and ecs, and this check runs there:
 * before the ecs phase's preview, after the phases before it were applied in the same run.
 *
 * AWS source: ECR API Reference, DescribeImages (request `repositoryName`, `registryId`, `imageIds`
 * with `imageTag`; response `imageDetails[]` with `imageTags`, `imageStatus`; errors
 * `ImageNotFoundException`, `RepositoryNotFoundException`, `InvalidParameterException`,
 * `ServerException`), DescribeImagesFilter (`imageStatus` ACTIVE | ARCHIVED | ACTIVATING) and the user
 * guide's "Archiving an image" (an archived image is still described but cannot be pulled).
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { PlatformConfig } from "../src/config";
import { repositoryUrl, RequiredImage, requiredImages } from "../src/images";
import type { PhaseName } from "../src/phases";
import { UsageError } from "./errors";
import { DEFAULT_RETRY, RetryOptions, withRetry } from "./verify/retry";

/** The phase whose task definitions name the images. */
export const IMAGES_PHASE: PhaseName = "ecs";

/** What the check needs of an ECR client (tests pass a mock or a double). */
export type EcrClient = Pick<ECRClient, "send">;

/** Why an image cannot be pulled. */
export type ImageProblem =
    | { readonly kind: "no-repository" }
    | { readonly kind: "no-tag" }
    /** Described, but archived or still being restored: ECS cannot pull it yet. */
    | { readonly kind: "not-active"; readonly status: string };

export interface ImageLookup {
    readonly image: RequiredImage;
    /** Absent: the tag is in the repository and can be pulled. */
    readonly problem?: ImageProblem;
}

/**
 * The ecs phase was not applied: an image it pulls is not in ECR (`images-missing`), or ECR could
 * not say whether it is (`images-unchecked`, never reported as missing). Nothing in the phase changed;
 * exit 2, like a preflight error.
 */
export class ImageCheckError extends UsageError {
    constructor(code: "images-missing" | "images-unchecked", message: string, fix: string) {
        super(code, message, fix);
        this.name = "ImageCheckError";
    }
}

/**
 * Asks ECR about each image with one `DescribeImages` (`imageIds: [{ imageTag }]`) in the given
 * registry (account). `ImageNotFoundException` and `RepositoryNotFoundException` are answers; throttling,
 * server errors and dropped connections are retried (`withRetry`) and, when they persist, thrown with
 * any other error (access denied, invalid parameter) as `images-unchecked`.
 */
export async function lookUpImages(ecr: EcrClient, registryId: string, images: readonly RequiredImage[],
    retry: RetryOptions = DEFAULT_RETRY): Promise<ImageLookup[]> {
    const { DescribeImagesCommand } = await import("@aws-sdk/client-ecr");
    const lookUp = async (image: RequiredImage): Promise<ImageLookup> => {
        try {
            const answer = await withRetry(() => ecr.send(new DescribeImagesCommand({
                registryId, repositoryName: image.repository, imageIds: [{ imageTag: image.tag }],
            })), retry);
            const detail = answer.imageDetails?.[0];
            if (!detail) return { image, problem: { kind: "no-tag" } };
            return detail.imageStatus && detail.imageStatus !== "ACTIVE" ? { image, problem: { kind: "not-active", status: detail.imageStatus } } : { image };
        } catch (err) {
            const name = (err as Error).name;
            if (name === "ImageNotFoundException") return { image, problem: { kind: "no-tag" } };
            if (name === "RepositoryNotFoundException") return { image, problem: { kind: "no-repository" } };
            throw new ImageCheckError("images-unchecked",
                `could not check ${image.repository}:${image.tag} in ECR (account ${registryId}): ${name}: ${(err as Error).message}`,
                "this says nothing about whether the image exists: run again; if ECR denied the request, the credentials need " +
                `ecr:DescribeImages on ${image.repository}`);
        }
    };
    return Promise.all(images.map(lookUp));
}

/** The refusal for the images that cannot be pulled, naming each, who needs it, and how to push it; undefined when none. */
export function missingImagesError(cfg: Pick<PlatformConfig, "env" | "accountId" | "region">, lookups: readonly ImageLookup[]): ImageCheckError | undefined {
    const missing = lookups.filter((l) => l.problem);
    if (missing.length === 0) return undefined;
    const registry = `${cfg.accountId}.dkr.ecr.${cfg.region}.amazonaws.com`;
    const why = (p: ImageProblem, repository: string) => p.kind === "no-repository" ? `repository ${repository} does not exist`
        : p.kind === "no-tag" ? "no image with this tag" : `image is ${p.status}: ECS cannot pull it until it is restored`;
    const lines = missing.map(({ image, problem }) =>
        `    ${image.repository}:${image.tag}: ${why(problem!, image.repository)}; needed by ${image.neededBy.join(", ")}`);
    const noRepository = missing.some((l) => l.problem!.kind === "no-repository");
    const push = missing.filter((l) => l.problem!.kind !== "no-repository").flatMap((l) => {
        const url = `${repositoryUrl(cfg.accountId, cfg.region, l.image.repository)}:${l.image.tag}`;
        return [`docker tag <local image> ${url}`, `docker push ${url}`];
    });
    const fix = [
        ...(noRepository ? [`roll out the storage phase first (\`--phase storage\`): it creates the repositories; then push the images`] : []),
        ...(push.length > 0 ? [`push the image(s), then run again:`,
            `    aws ecr get-login-password --region ${cfg.region} | docker login --username AWS --password-stdin ${registry}`,
            ...push.map((p) => `    ${p}`)] : []),
    ].join("\n  ");
    return new ImageCheckError("images-missing",
        `${missing.length} image(s) the ${IMAGES_PHASE} phase pulls cannot be pulled from ECR in ${cfg.env} (account ${cfg.accountId}, ${cfg.region}):\n` +
        lines.join("\n"), fix);
}

/**
 * Every image `cfg` needs (`requiredImages`) is in the environment's ECR registry and can be pulled;
 * returns them. Throws `ImageCheckError`: `images-missing` listing what is not there, or
 * `images-unchecked` when ECR could not answer.
 */
export async function checkImages(cfg: PlatformConfig, ecr: EcrClient, retry: RetryOptions = DEFAULT_RETRY): Promise<RequiredImage[]> {
    const images = requiredImages(cfg);
    const refusal = missingImagesError(cfg, await lookUpImages(ecr, cfg.accountId, images, retry));
    if (refusal) throw refusal;
    return images;
}
