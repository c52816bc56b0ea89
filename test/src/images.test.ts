import { expect } from "chai";
import { MIGRATION_TASK_ARCHITECTURE, PLATFORM_OF, REPOSITORIES, repositoryUrl, requiredImages } from "../../src/images";
import { configFor, ENVIRONMENTS } from "../support/pulumi";

describe("the images a config needs", () => {
    for (const env of ENVIRONMENTS) {
        it(`${env}: lists each tenant's wordpress tag, the sidecars' and the one-off tasks' migration tags, once each`, () => {
            const cfg = configFor(env);
            const images = requiredImages(cfg);
            const keys = images.map((i) => `${i.repository}:${i.tag}`);
            expect(new Set(keys).size, "no image twice").to.equal(keys.length);
            for (const t of cfg.tenants) {
                expect(keys).to.include(`${REPOSITORIES.wordpress}:${t.imageTag}`);
                // Its one-off task runs wp-cli on the WordPress core of the tenant's own tag.
                expect(keys).to.include(`${REPOSITORIES.migration}:${t.imageTag}`);
            }
            expect(keys).to.include(`${REPOSITORIES.migration}:${cfg.ecs.imageTag}`);
        });
    }

    const cfg = configFor("dev");
    const [first] = cfg.tenants;
    const withTags = (tags: Record<string, string>, sidecars: string[] = [], platformTag = "7.0.0") => ({
        ecs: { ...cfg.ecs, imageTag: platformTag },
        tenants: cfg.tenants.map((t) => ({ ...t, imageTag: tags[t.id] ?? platformTag, migrationSidecar: sidecars.includes(t.id) })),
    });

    const tenantIds = (of: typeof cfg.tenants) => of.map((t) => `tenant ${t.id}`);
    const arm = cfg.tenants.filter((t) => t.architecture === "ARM64");
    const x86 = cfg.tenants.filter((t) => t.architecture === "X86_64");
    const byPlatform = (tenants: typeof cfg.tenants, suffix = "") => [
        ...(tenants.some((t) => t.architecture === "X86_64")
            ? [{ platform: "linux/amd64", neededBy: tenantIds(tenants.filter((t) => t.architecture === "X86_64")).map((w) => w + suffix) }]
            : []),
        ...(tenants.some((t) => t.architecture === "ARM64")
            ? [{ platform: "linux/arm64", neededBy: tenantIds(tenants.filter((t) => t.architecture === "ARM64")).map((w) => w + suffix) }]
            : []),
    ];
    const oneOffs = (tenants: typeof cfg.tenants) => [...tenants.map((t) => `tenant ${t.id} (one-off task)`), "the one-off migration task"];
    const oneOff = { platform: "linux/amd64", neededBy: oneOffs(cfg.tenants) };

    it("dev runs tenants on both architectures on one tag, the case a host-architecture push gets wrong", () => {
        expect(arm, "an ARM64 tenant").to.not.be.empty;
        expect(x86, "an X86_64 tenant").to.not.be.empty;
    });

    it("names every tenant that pulls an image, and the platform each pulls it on, so a refusal can say who is waiting for what", () => {
        expect(requiredImages(withTags({}))).to.deep.equal([
            { repository: REPOSITORIES.migration, tag: "7.0.0", neededBy: oneOffs(cfg.tenants), platforms: [oneOff] },
            { repository: REPOSITORIES.wordpress, tag: "7.0.0", neededBy: tenantIds(cfg.tenants), platforms: byPlatform(cfg.tenants) },
        ]);
    });

    // ECS developer guide, "Working with 64-bit ARM workloads on Amazon ECS": a task with
    // runtimePlatform.cpuArchitecture ARM64 pulls a linux/arm64 image (or that entry of a manifest list).
    it("asks for linux/arm64 for an ARM64 tenant and linux/amd64 for an X86_64 one (the task definition's cpuArchitecture)", () => {
        expect(PLATFORM_OF).to.deep.equal({ X86_64: "linux/amd64", ARM64: "linux/arm64" });
        for (const tenant of cfg.tenants) {
            const wordpress = requiredImages(withTags({ [tenant.id]: "solo" })).find(
                (i) => i.repository === REPOSITORIES.wordpress && i.tag === "solo",
            )!;
            expect(wordpress.platforms, tenant.id).to.deep.equal([
                { platform: PLATFORM_OF[tenant.architecture], neededBy: [`tenant ${tenant.id}`] },
            ]);
        }
    });

    it("keeps a tenant's own tag apart, and its sidecar pulls the migration image of that tag on the tenant's architecture", () => {
        const images = requiredImages(withTags({ [first.id]: "7.1.0-rc1" }, [first.id]));
        const platform = PLATFORM_OF[first.architecture];
        expect(images).to.deep.include({
            repository: REPOSITORIES.wordpress,
            tag: "7.1.0-rc1",
            neededBy: [`tenant ${first.id}`],
            platforms: [{ platform, neededBy: [`tenant ${first.id}`] }],
        });
        const sidecar = `tenant ${first.id} (migration sidecar)`;
        const oneOffTask = `tenant ${first.id} (one-off task)`;
        expect(images).to.deep.include({
            repository: REPOSITORIES.migration,
            tag: "7.1.0-rc1",
            neededBy: [sidecar, oneOffTask],
            platforms:
                platform === "linux/amd64"
                    ? [{ platform, neededBy: [sidecar, oneOffTask] }]
                    : [
                          { platform: "linux/amd64", neededBy: [oneOffTask] },
                          { platform, neededBy: [sidecar] },
                      ],
        });
        expect(images).to.deep.include({
            repository: REPOSITORIES.wordpress,
            tag: "7.0.0",
            neededBy: tenantIds(cfg.tenants.slice(1)),
            platforms: byPlatform(cfg.tenants.slice(1)),
        });
    });

    it("merges the one-off tasks' needs (X86_64, components/ecs.ts) with a sidecar's when they pull the same tag, per platform", () => {
        expect(MIGRATION_TASK_ARCHITECTURE).to.equal("X86_64");
        const sidecar = arm[0];
        const migration = requiredImages(withTags({}, [sidecar.id])).filter((i) => i.repository === REPOSITORIES.migration);
        const sidecarNeed = `tenant ${sidecar.id} (migration sidecar)`;
        expect(migration).to.deep.equal([
            {
                repository: REPOSITORIES.migration,
                tag: "7.0.0",
                neededBy: cfg.tenants
                    .flatMap((t) => [...(t.id === sidecar.id ? [sidecarNeed] : []), `tenant ${t.id} (one-off task)`])
                    .concat("the one-off migration task"),
                platforms: [oneOff, { platform: "linux/arm64", neededBy: [sidecarNeed] }],
            },
        ]);
    });

    it("pushes to <account>.dkr.ecr.<region>.amazonaws.com/<repository>, the repository's URL", () => {
        expect(repositoryUrl("123456789012", "eu-west-1", REPOSITORIES.wordpress)).to.equal(
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/bbws/wordpress",
        );
    });
});
