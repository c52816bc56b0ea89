import { expect } from "chai";
import { DescribeImagesCommand, ECRClient, ImageNotFoundException, RepositoryNotFoundException, ServerException } from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { checkImages, ImageCheckError, lookUpImages } from "../../automation/images";
import { DEFAULT_RETRY, RetryOptions } from "../../automation/verify/retry";
import { REPOSITORIES, requiredImages } from "../../src/images";
import { configFor } from "../support/pulumi";

const cfg = configFor("sit");
const registry = `${cfg.accountId}.dkr.ecr.${cfg.region}.amazonaws.com`;
const wordpressTag = cfg.tenants[0].imageTag;
const noSleep: RetryOptions = { ...DEFAULT_RETRY, sleep: async () => undefined };

/** DescribeImages' answer for one image, as ECR gives it. */
const found = (repositoryName: string, tag: string, imageStatus: "ACTIVE" | "ARCHIVED" | "ACTIVATING" = "ACTIVE") => ({
    imageDetails: [{
        registryId: cfg.accountId, repositoryName, imageTags: [tag], imageStatus,
        imageDigest: "sha256:8f2b7c0e4d6a1b3c5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d", imagePushedAt: new Date("2026-11-20T10:00:00Z"),
    }],
});
const imageNotFound = (repositoryName: string, tag: string) => new ImageNotFoundException({
    $metadata: { httpStatusCode: 400 },
    message: `The image with imageId {imageDigest:'null', imageTag:'${tag}'} does not exist within the repository with name '${repositoryName}' in the registry with id '${cfg.accountId}'`,
});
const repositoryNotFound = (repositoryName: string) => new RepositoryNotFoundException({
    $metadata: { httpStatusCode: 400 },
    message: `The repository with name '${repositoryName}' does not exist in the registry with id '${cfg.accountId}'`,
});
const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });

describe("the image check before the ecs phase", () => {
    const ecr = mockClient(ECRClient);
    const client = () => new ECRClient({ region: cfg.region });
    beforeEach(() => {
        ecr.reset();
        ecr.on(DescribeImagesCommand).callsFake((input) => found(input.repositoryName, input.imageIds[0].imageTag));
    });

    it("asks ECR once per image, by tag, in the environment's account, and passes when every image is there", async () => {
        const images = await checkImages(cfg, client(), noSleep);
        expect(images).to.deep.equal(requiredImages(cfg));
        expect(ecr.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input)).to.have.deep.members(requiredImages(cfg).map((i) => ({
            registryId: cfg.accountId, repositoryName: i.repository, imageIds: [{ imageTag: i.tag }],
        })));
    });

    it("refuses a missing tag (exit 2), naming the repository, the tag, the tenants that need it and the push commands", async () => {
        ecr.on(DescribeImagesCommand, { repositoryName: REPOSITORIES.wordpress }).rejects(imageNotFound(REPOSITORIES.wordpress, wordpressTag));
        const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
        expect(err).to.be.instanceOf(ImageCheckError).and.include({ code: "images-missing", exitCode: 2 });
        const tenants = cfg.tenants.filter((t) => t.imageTag === wordpressTag).map((t) => `tenant ${t.id}`);
        expect(err.message).to.include(`${REPOSITORIES.wordpress}:${wordpressTag}: no image with this tag; needed by ${tenants.join(", ")}`);
        expect(err.message).to.include(`account ${cfg.accountId}, ${cfg.region}`).and.not.include(REPOSITORIES.migration);
        expect(err.fix).to.include(`aws ecr get-login-password --region ${cfg.region} | docker login --username AWS --password-stdin ${registry}`);
        expect(err.fix).to.include(`docker push ${registry}/${REPOSITORIES.wordpress}:${wordpressTag}`);
    });

    it("refuses when the repository does not exist, and says the storage phase creates it", async () => {
        ecr.on(DescribeImagesCommand).callsFake((input) => { throw repositoryNotFound(input.repositoryName); });
        const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
        expect(err).to.include({ code: "images-missing", exitCode: 2 });
        expect(err.message).to.include(`repository ${REPOSITORIES.migration} does not exist; needed by`).and.include("the one-off migration task");
        expect(err.fix).to.include("roll out the storage phase first").and.not.include("docker push");
    });

    it("refuses an archived image, which ECR describes but ECS cannot pull", async () => {
        ecr.on(DescribeImagesCommand, { repositoryName: REPOSITORIES.wordpress }).resolves(found(REPOSITORIES.wordpress, wordpressTag, "ARCHIVED"));
        const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
        expect(err.message).to.include(`${REPOSITORIES.wordpress}:${wordpressTag}: image is ARCHIVED: ECS cannot pull it until it is restored`);
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
        for (const error of [new ServerException({ $metadata: { httpStatusCode: 500 }, message: "internal" }), Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })]) {
            ecr.reset();
            ecr.on(DescribeImagesCommand).rejects(error);
            const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
            expect(err, error.name).to.include({ code: "images-unchecked" });
        }
    });

    it("does not take access denied for a missing image, and names the permission", async () => {
        ecr.on(DescribeImagesCommand).rejects(Object.assign(new Error("User is not authorized to perform: ecr:DescribeImages"), {
            name: "AccessDeniedException", $metadata: { httpStatusCode: 400 },
        }));
        const err = await checkImages(cfg, client(), noSleep).catch((e) => e);
        expect(err).to.include({ code: "images-unchecked" });
        expect(err.fix).to.include("ecr:DescribeImages");
        expect(ecr.commandCalls(DescribeImagesCommand).length, "not retried").to.equal(requiredImages(cfg).length);
    });
});
