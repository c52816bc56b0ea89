import { expect } from "chai";
import {
    BatchGetImageCommand,
    DescribeImagesCommand,
    ECRClient,
    ImageFailureCode,
    ImageNotFoundException,
    RepositoryNotFoundException,
    ServerException,
} from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { checkImages, ImageCheckError, lookUpImages, MANIFEST_MEDIA_TYPES } from "../../automation/images";
import { DEFAULT_RETRY, RetryOptions } from "../../automation/verify/retry";
import { REPOSITORIES, requiredImages } from "../../src/images";
import { configFor } from "../support/pulumi";

const cfg = configFor("sit");
const registry = `${cfg.accountId}.dkr.ecr.${cfg.region}.amazonaws.com`;
const wordpressTag = cfg.tenants[0].imageTag;
const noSleep: RetryOptions = { ...DEFAULT_RETRY, sleep: async () => undefined };

/** DescribeImages' answer for one image, as ECR gives it. */
const found = (repositoryName: string, tag: string, imageStatus: "ACTIVE" | "ARCHIVED" | "ACTIVATING" = "ACTIVE") => ({
    imageDetails: [
        {
            registryId: cfg.accountId,
            repositoryName,
            imageTags: [tag],
            imageStatus,
            imageDigest: "sha256:8f2b7c0e4d6a1b3c5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d",
            imagePushedAt: new Date("2026-11-20T10:00:00Z"),
        },
    ],
});
const imageNotFound = (repositoryName: string, tag: string) =>
    new ImageNotFoundException({
        $metadata: { httpStatusCode: 400 },
        message: `The image with imageId {imageDigest:'null', imageTag:'${tag}'} does not exist within the repository with name '${repositoryName}' in the registry with id '${cfg.accountId}'`,
    });
const repositoryNotFound = (repositoryName: string) =>
    new RepositoryNotFoundException({
        $metadata: { httpStatusCode: 400 },
        message: `The repository with name '${repositoryName}' does not exist in the registry with id '${cfg.accountId}'`,
    });
/** BatchGetImage's answer for a tag holding `manifest` (stored as `mediaType`), as ECR gives it. */
const manifestOf = (repositoryName: string, tag: string, mediaType: string, manifest: object) => ({
    images: [
        {
            registryId: cfg.accountId,
            repositoryName,
            imageId: { imageTag: tag, imageDigest: "sha256:1f0e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0" },
            imageManifestMediaType: mediaType,
            imageManifest: JSON.stringify({ schemaVersion: 2, mediaType, ...manifest }),
        },
    ],
    failures: [],
});
/** What `docker buildx build --platform <platforms> --push` stores: an OCI index with one image per platform and buildx's attestation manifest. */
const index = (repositoryName: string, tag: string, architectures: string[] = ["amd64", "arm64"]) =>
    manifestOf(repositoryName, tag, MANIFEST_MEDIA_TYPES.ociIndex, {
        manifests: [
            ...architectures.map((architecture, i) => ({
                mediaType: MANIFEST_MEDIA_TYPES.ociManifest,
                size: 1200 + i,
                digest: `sha256:${String(i).repeat(64)}`,
                platform: { os: "linux", architecture },
            })),
            {
                mediaType: MANIFEST_MEDIA_TYPES.ociManifest,
                size: 566,
                digest: `sha256:${"a".repeat(64)}`,
                platform: { os: "unknown", architecture: "unknown" },
                annotations: { "vnd.docker.reference.type": "attestation-manifest" },
            },
        ],
    });
/** What `docker build && docker push` stores: one image, for the host's architecture, named only in its config blob. */
const single = (repositoryName: string, tag: string) =>
    manifestOf(repositoryName, tag, MANIFEST_MEDIA_TYPES.dockerManifest, {
        config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 7023, digest: `sha256:${"c".repeat(64)}` },
        layers: [],
    });
const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });

describe("the image check before the ecs phase", () => {
    const ecr = mockClient(ECRClient);
    const client = () => new ECRClient({ region: cfg.region });
    beforeEach(() => {
        ecr.reset();
        ecr.on(DescribeImagesCommand).callsFake((input) => found(input.repositoryName, input.imageIds[0].imageTag));
        ecr.on(BatchGetImageCommand).callsFake((input) => index(input.repositoryName, input.imageIds[0].imageTag));
    });

    it("asks ECR once per image, by tag, in the environment's account, and passes when every image is there", async () => {
        const { images, warnings } = await checkImages(cfg, client(), noSleep);
        expect(images).to.deep.equal(requiredImages(cfg));
        expect(warnings).to.deep.equal([]);
        expect(ecr.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input)).to.have.deep.members(
            requiredImages(cfg).map((i) => ({
                registryId: cfg.accountId,
                repositoryName: i.repository,
                imageIds: [{ imageTag: i.tag }],
            })),
        );
    });

    it("refuses a missing tag (exit 2), naming the repository, the tag, the tenants that need it and the push commands", async () => {
        ecr.on(DescribeImagesCommand, { repositoryName: REPOSITORIES.wordpress }).rejects(
            imageNotFound(REPOSITORIES.wordpress, wordpressTag),
        );
        const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
        expect(err).to.be.instanceOf(ImageCheckError).and.include({ code: "images-missing", exitCode: 2 });
        const tenants = cfg.tenants.filter((t) => t.imageTag === wordpressTag).map((t) => `tenant ${t.id}`);
        expect(err.message).to.include(
            `${REPOSITORIES.wordpress}:${wordpressTag}: no image with this tag; needed by ${tenants.join(", ")}`,
        );
        expect(err.message).to.include(`account ${cfg.accountId}, ${cfg.region}`).and.not.include(REPOSITORIES.migration);
        expect(err.fix).to.include(
            `aws ecr get-login-password --region ${cfg.region} | docker login --username AWS --password-stdin ${registry}`,
        );
        expect(err.fix).to.include(
            `docker buildx build --platform linux/amd64,linux/arm64 --push -t ${registry}/${REPOSITORIES.wordpress}:${wordpressTag} <build context>`,
        );
    });

    it("refuses when the repository does not exist, and says the storage phase creates it", async () => {
        ecr.on(DescribeImagesCommand).callsFake((input) => {
            throw repositoryNotFound(input.repositoryName);
        });
        const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
        expect(err).to.include({ code: "images-missing", exitCode: 2 });
        expect(err.message)
            .to.include(`repository ${REPOSITORIES.migration} does not exist; needed by`)
            .and.include("the one-off migration task");
        expect(err.fix).to.include("roll out the storage phase first").and.not.include("--push");
    });

    it("refuses an archived image, which ECR describes but ECS cannot pull", async () => {
        ecr.on(DescribeImagesCommand, { repositoryName: REPOSITORIES.wordpress }).resolves(
            found(REPOSITORIES.wordpress, wordpressTag, "ARCHIVED"),
        );
        const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
        expect(err.message).to.include(
            `${REPOSITORIES.wordpress}:${wordpressTag}: image is ARCHIVED: ECS cannot pull it until it is restored`,
        );
    });

    it("asks again when throttled, and then counts the image that is there as there", async () => {
        ecr.on(DescribeImagesCommand, { repositoryName: REPOSITORIES.wordpress })
            .rejectsOnce(throttled())
            .callsFake((input) => found(input.repositoryName, input.imageIds[0].imageTag));
        const lookups = await lookUpImages(client(), cfg.accountId, requiredImages(cfg), noSleep);
        expect(lookups.map((l) => l.problem)).to.deep.equal(lookups.map(() => undefined));
        const wordpressImages = requiredImages(cfg).filter((i) => i.repository === REPOSITORIES.wordpress).length;
        expect(ecr.commandCalls(DescribeImagesCommand, { repositoryName: REPOSITORIES.wordpress })).to.have.length(wordpressImages + 1);
    });

    it("never reports throttling that persists as a missing image: images-unchecked, and run again", async () => {
        ecr.on(DescribeImagesCommand, { repositoryName: REPOSITORIES.wordpress }).rejects(throttled());
        const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
        expect(err).to.include({ code: "images-unchecked", exitCode: 2 });
        expect(err.message).to.include("ThrottlingException: Rate exceeded").and.not.include("no image with this tag");
        expect(err.fix).to.include("says nothing about whether the image exists");
        expect(ecr.commandCalls(DescribeImagesCommand, { repositoryName: REPOSITORIES.wordpress })).to.have.length(noSleep.attempts);
    });

    it("retries a server error and a dropped connection, and reports neither as missing", async () => {
        for (const error of [
            new ServerException({ $metadata: { httpStatusCode: 500 }, message: "internal" }),
            Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
        ]) {
            ecr.reset();
            ecr.on(DescribeImagesCommand).rejects(error);
            const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
            expect(err, error.name).to.include({ code: "images-unchecked" });
        }
    });

    it("does not take access denied for a missing image, and names the permission", async () => {
        ecr.on(DescribeImagesCommand).rejects(
            Object.assign(new Error("User is not authorized to perform: ecr:DescribeImages"), {
                name: "AccessDeniedException",
                $metadata: { httpStatusCode: 400 },
            }),
        );
        const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
        expect(err).to.include({ code: "images-unchecked" });
        expect(err.fix).to.include("ecr:DescribeImages").and.include("ecr:BatchGetImage");
        expect(ecr.commandCalls(DescribeImagesCommand).length, "not retried").to.equal(requiredImages(cfg).length);
    });
    describe('the platforms each image is pulled on (ECS developer guide, "Working with 64-bit ARM workloads on Amazon ECS")', () => {
        const arm = cfg.tenants.filter((t) => t.architecture === "ARM64" && t.imageTag === wordpressTag).map((t) => `tenant ${t.id}`);
        const x86 = cfg.tenants.filter((t) => t.architecture === "X86_64" && t.imageTag === wordpressTag).map((t) => `tenant ${t.id}`);
        const migrationTag = cfg.ecs.imageTag;

        it(`${cfg.env} pulls ${REPOSITORIES.wordpress}:${wordpressTag} on both architectures, the case these rules are for`, () => {
            expect(arm).to.not.be.empty;
            expect(x86).to.not.be.empty;
        });

        it("reads each image's manifest with BatchGetImage, accepting the OCI index and Docker manifest list as well as single manifests", async () => {
            await checkImages(cfg, client(), noSleep);
            const asked = ecr.commandCalls(BatchGetImageCommand).map((c) => c.args[0].input);
            expect(asked.map((i) => `${i.repositoryName}:${i.imageIds![0].imageTag}`).sort()).to.deep.equal(
                requiredImages(cfg)
                    .map((i) => `${i.repository}:${i.tag}`)
                    .sort(),
            );
            for (const input of asked) {
                expect(input.registryId).to.equal(cfg.accountId);
                expect(input.acceptedMediaTypes).to.include.members([
                    "application/vnd.oci.image.index.v1+json",
                    "application/vnd.docker.distribution.manifest.list.v2+json",
                    "application/vnd.oci.image.manifest.v1+json",
                    "application/vnd.docker.distribution.manifest.v2+json",
                ]);
            }
        });

        it("refuses (exit 2) a manifest list without linux/arm64, naming the repository, the tag, the missing platform and the tenants on it", async () => {
            ecr.on(BatchGetImageCommand, { repositoryName: REPOSITORIES.wordpress }).resolves(
                index(REPOSITORIES.wordpress, wordpressTag, ["amd64"]),
            );
            const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
            expect(err).to.be.instanceOf(ImageCheckError).and.include({ code: "images-missing", exitCode: 2 });
            expect(err.message).to.include(
                `${REPOSITORIES.wordpress}:${wordpressTag}: its manifest list holds linux/amd64 but not linux/arm64 (${arm.join(", ")})`,
            );
            expect(err.message, "attestation manifests are not platforms").to.not.include("unknown");
            expect(err.fix)
                .to.include("tags are immutable")
                .and.include(
                    `docker buildx build --platform linux/amd64,linux/arm64 --push -t ${registry}/${REPOSITORIES.wordpress}:<new tag> <build context>`,
                );
        });

        it("refuses a single-platform image pulled on two architectures: one of them cannot run it", async () => {
            ecr.on(BatchGetImageCommand, { repositoryName: REPOSITORIES.wordpress }).resolves(single(REPOSITORIES.wordpress, wordpressTag));
            const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
            expect(err).to.include({ code: "images-missing", exitCode: 2 });
            expect(err.message).to.include(
                `${REPOSITORIES.wordpress}:${wordpressTag}: a single-platform image (${MANIFEST_MEDIA_TYPES.dockerManifest}), ` +
                    `but it is pulled on linux/amd64 (${x86.join(", ")}), linux/arm64 (${arm.join(", ")})`,
            );
        });

        it("passes a single-platform image pulled on one architecture, with a warning that its architecture was not verified", async () => {
            ecr.on(BatchGetImageCommand, { repositoryName: REPOSITORIES.migration }).resolves(single(REPOSITORIES.migration, migrationTag));
            const { warnings } = await checkImages(cfg, client(), noSleep);
            expect(warnings).to.have.length(1);
            expect(warnings[0])
                .to.include(`${REPOSITORIES.migration}:${migrationTag} is a single-platform image`)
                .and.include("config blob")
                .and.include("not verified to be linux/amd64")
                .and.include("the one-off migration task")
                .and.include(
                    `docker image inspect --format '{{.Os}}/{{.Architecture}}' ${registry}/${REPOSITORIES.migration}:${migrationTag}`,
                );
        });

        it("takes BatchGetImage's ImageNotFound failure for a missing tag, and any other failure for unchecked, never missing", async () => {
            const failure = (failureCode: ImageFailureCode) => ({
                images: [],
                failures: [{ imageId: { imageTag: wordpressTag }, failureCode, failureReason: `${failureCode} reason` }],
            });
            ecr.on(BatchGetImageCommand, { repositoryName: REPOSITORIES.wordpress }).resolves(failure("ImageNotFound"));
            expect((await checkImages(cfg, client(), noSleep).catch((e) => e)).message).to.include(
                `${REPOSITORIES.wordpress}:${wordpressTag}: no image with this tag`,
            );
            ecr.on(BatchGetImageCommand, { repositoryName: REPOSITORIES.wordpress }).resolves(failure("KmsError"));
            const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
            expect(err).to.include({ code: "images-unchecked" });
            expect(err.message).to.include("BatchGetImage: KmsError: KmsError reason");
        });

        it("does not read the manifest of an image that is missing or archived: nothing to verify", async () => {
            ecr.on(DescribeImagesCommand, { repositoryName: REPOSITORIES.wordpress }).resolves(
                found(REPOSITORIES.wordpress, wordpressTag, "ARCHIVED"),
            );
            await checkImages(cfg, client(), noSleep).catch((e) => e);
            expect(ecr.commandCalls(BatchGetImageCommand, { repositoryName: REPOSITORIES.wordpress })).to.deep.equal([]);
        });
    });
});
