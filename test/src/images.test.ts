import { expect } from "chai";
import { REPOSITORIES, repositoryUrl, requiredImages } from "../../src/images";
import { configFor, ENVIRONMENTS } from "../support/pulumi";

describe("the images a config needs", () => {
    for (const env of ENVIRONMENTS) {
        it(`${env}: lists each tenant's wordpress tag, the sidecars' and the one-off task's migration tags, once each`, () => {
            const cfg = configFor(env);
            const images = requiredImages(cfg);
            const keys = images.map((i) => `${i.repository}:${i.tag}`);
            expect(new Set(keys).size, "no image twice").to.equal(keys.length);
            for (const t of cfg.tenants) {
                expect(keys).to.include(`${REPOSITORIES.wordpress}:${t.imageTag}`);
                if (t.migrationSidecar) expect(keys).to.include(`${REPOSITORIES.migration}:${t.imageTag}`);
            }
            expect(keys).to.include(`${REPOSITORIES.migration}:${cfg.ecs.imageTag}`);
        });
    }

    const cfg = configFor("dev");
    const [first, second] = cfg.tenants;
    const withTags = (tags: Record<string, string>, sidecars: string[] = [], platformTag = "7.0.0") => ({
        ecs: { ...cfg.ecs, imageTag: platformTag },
        tenants: cfg.tenants.map((t) => ({ ...t, imageTag: tags[t.id] ?? platformTag, migrationSidecar: sidecars.includes(t.id) })),
    });

    it("names every tenant that pulls an image, so a refusal can say who is waiting for it", () => {
        expect(requiredImages(withTags({}))).to.deep.equal([
            { repository: REPOSITORIES.migration, tag: "7.0.0", neededBy: ["the one-off migration task"] },
            { repository: REPOSITORIES.wordpress, tag: "7.0.0", neededBy: cfg.tenants.map((t) => `tenant ${t.id}`) },
        ]);
    });

    it("keeps a tenant's own tag apart, and its sidecar pulls the migration image of that tag", () => {
        const images = requiredImages(withTags({ [first.id]: "7.1.0-rc1" }, [first.id]));
        expect(images).to.deep.include({ repository: REPOSITORIES.wordpress, tag: "7.1.0-rc1", neededBy: [`tenant ${first.id}`] });
        expect(images).to.deep.include({ repository: REPOSITORIES.migration, tag: "7.1.0-rc1", neededBy: [`tenant ${first.id} (migration sidecar)`] });
        expect(images).to.deep.include({ repository: REPOSITORIES.wordpress, tag: "7.0.0", neededBy: cfg.tenants.slice(1).map((t) => `tenant ${t.id}`) });
    });

    it("merges the one-off task's need with a sidecar's when they pull the same tag", () => {
        const migration = requiredImages(withTags({}, [second.id])).filter((i) => i.repository === REPOSITORIES.migration);
        expect(migration).to.deep.equal([{ repository: REPOSITORIES.migration, tag: "7.0.0", neededBy: [`tenant ${second.id} (migration sidecar)`, "the one-off migration task"] }]);
    });

    it("pushes to <account>.dkr.ecr.<region>.amazonaws.com/<repository>, the repository's URL", () => {
        expect(repositoryUrl("123456789012", "eu-west-1", REPOSITORIES.wordpress)).to.equal("123456789012.dkr.ecr.eu-west-1.amazonaws.com/bbws/wordpress");
    });
});
