/**
 * The images the ecs phase pulls must be in ECR before it is applied, for every platform a task pulls
 * them on: ECS would otherwise create services whose tasks can never start (sit and prod then wait for
 * steady state until the provider gives up; dev reports success with nothing running). The storage
 * phase creates the repositories, so on a first rollout the images are pushed between storage and
 * ecs, and this check runs there: before the ecs phase's preview, after the phases before it were
 * applied in the same run.
 *
 * AWS sources: ECR API Reference, DescribeImages (request `repositoryName`, `registryId`, `imageIds`
 * with `imageTag`; response `imageDetails[]` with `imageTags`, `imageStatus`; errors
 * `ImageNotFoundException`, `RepositoryNotFoundException`, `InvalidParameterException`,
 * `ServerException`), DescribeImagesFilter (`imageStatus` ACTIVE | ARCHIVED | ACTIVATING) and the user
 * guide's "Archiving an image" (an archived image is still described but cannot be pulled);
 * BatchGetImage (request `acceptedMediaTypes`; response `images[]` with `imageManifest` and
 * `imageManifestMediaType`, `failures[]` with `failureCode` such as `ImageNotFound`); the user guide's
 * "Container image manifest format support in Amazon ECR" (pulled by tag, ECR returns the stored
 * format when the client accepts it) and "Pushing a multi-architecture image"; the ECS developer
 * guide's "Working with 64-bit ARM workloads on Amazon ECS".
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { PlatformConfig } from "../src/config";
import { Platform, PLATFORM_OF, PlatformNeed, repositoryUrl, RequiredImage, requiredImages } from "../src/images";
import type { PhaseName } from "../src/phases";
import { UsageError } from "./errors";
import { DEFAULT_RETRY, RetryOptions, withRetry } from "./verify/retry";

/** The phase whose task definitions name the images. */
export const IMAGES_PHASE: PhaseName = "ecs";

/** What the check needs of an ECR client (tests pass a mock or a double). */
export type EcrClient = Pick<ECRClient, "send">;

/**
 * The manifest media types the check accepts from BatchGetImage. The API reference lists only the
 * three single-manifest types, but ECR stores manifest lists and OCI indexes and, pulled by tag,
 * returns the stored format only when the caller accepts it; without the two index types a
 * multi-platform image could not be read as one.
 */
export const MANIFEST_MEDIA_TYPES = {
    ociIndex: "application/vnd.oci.image.index.v1+json",
    dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
    ociManifest: "application/vnd.oci.image.manifest.v1+json",
    dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
    dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
} as const;

const INDEX_MEDIA_TYPES: readonly string[] = [MANIFEST_MEDIA_TYPES.ociIndex, MANIFEST_MEDIA_TYPES.dockerManifestList];

/** Why an image cannot be pulled by every task that needs it. */
export type ImageProblem =
    | { readonly kind: "no-repository" }
    | { readonly kind: "no-tag" }
    /** Described, but archived or still being restored: ECS cannot pull it yet. */
    | { readonly kind: "not-active"; readonly status: string }
    /** A manifest list / OCI index without an image for a platform a task pulls it on. */
    | { readonly kind: "platform-missing"; readonly present: readonly string[]; readonly missing: readonly PlatformNeed[] }
    /** One image for one platform, pulled on more than one: at least one task cannot run it. */
    | { readonly kind: "single-platform"; readonly mediaType: string };

export interface ImageLookup {
    readonly image: RequiredImage;
    /** Absent: the tag is in the repository and can be pulled. */
    readonly problem?: ImageProblem;
    /**
     * The tag is a single-platform image needed on this one platform: its architecture is recorded only
     * in its config blob, which the check does not read, so it is not verified.
     */
    readonly unverified?: PlatformNeed;
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
 * registry (account) and, for an active image, reads its manifest with one `BatchGetImage`
 * ({@link MANIFEST_MEDIA_TYPES}): a manifest list or OCI index must hold every platform the image is
 * pulled on; a single manifest is refused when more than one platform needs it, and otherwise marked
 * `unverified`. `ImageNotFoundException` and `RepositoryNotFoundException` (or BatchGetImage's
 * `ImageNotFound` failure) are answers; throttling, server errors and dropped connections are retried
 * (`withRetry`) and, when they persist, thrown with any other error (access denied, invalid parameter,
 * another failure code, a manifest that is not JSON) as `images-unchecked`.
 */
export async function lookUpImages(
    ecr: EcrClient,
    registryId: string,
    images: readonly RequiredImage[],
    retry: RetryOptions = DEFAULT_RETRY,
): Promise<ImageLookup[]> {
    const { BatchGetImageCommand, DescribeImagesCommand } = await import("@aws-sdk/client-ecr");
    const unchecked = (image: RequiredImage, why: string) =>
        new ImageCheckError(
            "images-unchecked",
            `could not check ${image.repository}:${image.tag} in ECR (account ${registryId}): ${why}`,
            "this says nothing about whether the image exists: run again; if ECR denied the request, the credentials need " +
                `ecr:DescribeImages and ecr:BatchGetImage on ${image.repository}`,
        );
    const lookUp = async (image: RequiredImage): Promise<ImageLookup> => {
        const request = { registryId, repositoryName: image.repository, imageIds: [{ imageTag: image.tag }] };
        try {
            const described = await withRetry(() => ecr.send(new DescribeImagesCommand(request)), retry);
            const detail = described.imageDetails?.[0];
            if (!detail) return { image, problem: { kind: "no-tag" } };
            if (detail.imageStatus && detail.imageStatus !== "ACTIVE")
                return { image, problem: { kind: "not-active", status: detail.imageStatus } };
            const got = await withRetry(
                () => ecr.send(new BatchGetImageCommand({ ...request, acceptedMediaTypes: Object.values(MANIFEST_MEDIA_TYPES) })),
                retry,
            );
            const manifest = got.images?.[0];
            if (!manifest) {
                const failure = got.failures?.[0];
                if (failure?.failureCode === "ImageNotFound") return { image, problem: { kind: "no-tag" } };
                throw unchecked(
                    image,
                    `BatchGetImage: ${failure?.failureCode ?? "no image and no failure"}: ${failure?.failureReason ?? ""}`,
                );
            }
            return platformsOf(image, manifest.imageManifestMediaType, manifest.imageManifest ?? "", unchecked);
        } catch (err) {
            if (err instanceof ImageCheckError) throw err;
            const name = (err as Error).name;
            if (name === "ImageNotFoundException") return { image, problem: { kind: "no-tag" } };
            if (name === "RepositoryNotFoundException") return { image, problem: { kind: "no-repository" } };
            throw unchecked(image, `${name}: ${(err as Error).message}`);
        }
    };
    return Promise.all(images.map(lookUp));
}

/** The verdict on one image's manifest: which of the platforms it is pulled on it can serve. */
function platformsOf(
    image: RequiredImage,
    storedMediaType: string | undefined,
    text: string,
    unchecked: (image: RequiredImage, why: string) => ImageCheckError,
): ImageLookup {
    let manifest: { mediaType?: string; manifests?: { platform?: { os?: string; architecture?: string } }[] };
    try {
        manifest = JSON.parse(text);
    } catch {
        throw unchecked(image, "BatchGetImage returned a manifest that is not JSON");
    }
    const mediaType = storedMediaType ?? manifest.mediaType ?? "unknown media type";
    if (INDEX_MEDIA_TYPES.includes(mediaType)) {
        // buildx adds attestation manifests with the platform unknown/unknown: no task pulls those.
        const present = [
            ...new Set(
                (manifest.manifests ?? [])
                    .map((m) => `${m.platform?.os}/${m.platform?.architecture}`)
                    .filter((p) => !p.includes("unknown") && !p.includes("undefined")),
            ),
        ].sort();
        const missing = image.platforms.filter((need) => !present.includes(need.platform));
        return missing.length > 0 ? { image, problem: { kind: "platform-missing", present, missing } } : { image };
    }
    if (image.platforms.length > 1) return { image, problem: { kind: "single-platform", mediaType } };
    return { image, unverified: image.platforms[0] };
}

/** Every platform a task here can run on (X86_64, ARM64): what the README's push builds, so a tag serves any tenant. */
const ALL_PLATFORMS: readonly Platform[] = Object.values(PLATFORM_OF).sort();

/** `linux/arm64 (tenant tutorhub), linux/amd64 (tenant aupairhive)`. */
const needsOf = (needs: readonly PlatformNeed[]) => needs.map((n) => `${n.platform} (${n.neededBy.join(", ")})`).join(", ");

/**
 * The refusal for the images that cannot be pulled by every task that needs them, naming each, the
 * platforms missing and who needs them, and how to push it; undefined when none.
 */
export function missingImagesError(
    cfg: Pick<PlatformConfig, "env" | "accountId" | "region">,
    lookups: readonly ImageLookup[],
): ImageCheckError | undefined {
    const missing = lookups.filter((l) => l.problem);
    if (missing.length === 0) return undefined;
    const registry = `${cfg.accountId}.dkr.ecr.${cfg.region}.amazonaws.com`;
    const line = ({ image, problem }: ImageLookup) => {
        const p = problem!;
        const name = `${image.repository}:${image.tag}`;
        switch (p.kind) {
            case "no-repository":
                return `${name}: repository ${image.repository} does not exist; needed by ${image.neededBy.join(", ")}`;
            case "no-tag":
                return `${name}: no image with this tag; needed by ${image.neededBy.join(", ")}`;
            case "not-active":
                return `${name}: image is ${p.status}: ECS cannot pull it until it is restored; needed by ${image.neededBy.join(", ")}`;
            case "platform-missing":
                return `${name}: its manifest list holds ${p.present.join(", ") || "no platform"} but not ${needsOf(p.missing)}`;
            case "single-platform":
                return (
                    `${name}: a single-platform image (${p.mediaType}), but it is pulled on ${needsOf(image.platforms)}: ` +
                    "at least one of them cannot run it"
                );
        }
    };
    const build = (url: string) => `docker buildx build --platform ${ALL_PLATFORMS.join(",")} --push -t ${url} <build context>`;
    const urlOf = (image: RequiredImage, tag = image.tag) => `${repositoryUrl(cfg.accountId, cfg.region, image.repository)}:${tag}`;
    const noRepository = missing.some((l) => l.problem!.kind === "no-repository");
    const push = missing.filter((l) => ["no-tag", "not-active"].includes(l.problem!.kind)).map((l) => build(urlOf(l.image)));
    // Tags are immutable (the storage layer's repositories), so a wrong image is replaced under a new tag.
    const retag = missing
        .filter((l) => ["platform-missing", "single-platform"].includes(l.problem!.kind))
        .map((l) => build(urlOf(l.image, "<new tag>")));
    const login = `    aws ecr get-login-password --region ${cfg.region} | docker login --username AWS --password-stdin ${registry}`;
    const fix = [
        ...(noRepository
            ? [`roll out the storage phase first (\`--phase storage\`): it creates the repositories; then push the images`]
            : []),
        ...(push.length > 0 ? [`push the image(s), then run again:`, login, ...push.map((p) => `    ${p}`)] : []),
        ...(retag.length > 0
            ? [
                  `tags are immutable: push a multi-platform image under a new tag, set it as \`imageTag\` (\`bbws:ecs\` or the tenant's), then run again:`,
                  ...(push.length > 0 ? [] : [login]),
                  ...retag.map((p) => `    ${p}`),
              ]
            : []),
    ].join("\n  ");
    return new ImageCheckError(
        "images-missing",
        `${missing.length} image(s) the ${IMAGES_PHASE} phase pulls cannot be pulled from ECR in ${cfg.env} (account ${cfg.accountId}, ${cfg.region}):\n` +
            missing.map((l) => `    ${line(l)}`).join("\n"),
        fix,
    );
}

/**
 * A warning for each single-platform image: the check read its manifest, not its config blob, so its
 * architecture is unverified. A warning, not a refusal: only one platform needs it, and an image built
 * on a host of that architecture (what `docker build` does) is right; refusing would block a correct
 * rollout on what cannot be told. A wrong one fails when its task starts, and a service's deployment
 * circuit breaker then rolls it back.
 */
export function unverifiedWarnings(cfg: Pick<PlatformConfig, "accountId" | "region">, lookups: readonly ImageLookup[]): string[] {
    return lookups
        .filter((l) => l.unverified)
        .map(({ image, unverified }) => {
            const url = `${repositoryUrl(cfg.accountId, cfg.region, image.repository)}:${image.tag}`;
            return (
                `${image.repository}:${image.tag} is a single-platform image: its architecture is in its config blob, which this check ` +
                `does not read, so it is not verified to be ${unverified!.platform} (needed by ${unverified!.neededBy.join(", ")}). ` +
                `Check it with \`docker pull ${url} && docker image inspect --format '{{.Os}}/{{.Architecture}}' ${url}\`, ` +
                'or push multi-platform images (README, "First rollout: pushing the images").'
            );
        });
}

/** What {@link checkImages} found. */
export interface ImageCheckResult {
    /** Every image the ecs phase pulls, each in ECR for the platforms it is pulled on (or unverified, see `warnings`). */
    readonly images: RequiredImage[];
    /** One sentence per single-platform image whose architecture could not be verified; print them, they do not refuse. */
    readonly warnings: string[];
}

/**
 * Every image `cfg` needs (`requiredImages`) is in the environment's ECR registry and can be pulled on
 * every platform a task pulls it on; returns them with the warnings to print. Throws `ImageCheckError`:
 * `images-missing` listing what is not there, or `images-unchecked` when ECR could not answer.
 */
export async function checkImages(cfg: PlatformConfig, ecr: EcrClient, retry: RetryOptions = DEFAULT_RETRY): Promise<ImageCheckResult> {
    const images = requiredImages(cfg);
    const lookups = await lookUpImages(ecr, cfg.accountId, images, retry);
    const refusal = missingImagesError(cfg, lookups);
    if (refusal) throw refusal;
    return { images, warnings: unverifiedWarnings(cfg, lookups) };
}
