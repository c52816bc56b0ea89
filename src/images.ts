/**
 * The container images the platform runs: the two ECR repositories (created by the storage layer)
 * and, for a config, every `repository:tag` a task definition of the ECS layer names. The rollout
 * driver checks these exist before the ECS layer is applied; nothing here loads Pulumi or the AWS SDK.
 */
import type { PlatformConfig } from "./config";

/** The repositories, by the image they hold. Their names are identity: renaming one replaces it, images and all. */
export const REPOSITORIES = { wordpress: "bbws/wordpress", migration: "bbws/migration" } as const;

export type ImageKind = keyof typeof REPOSITORIES;

export interface RequiredImage {
    /** The repository's name, e.g. `bbws/wordpress`. */
    readonly repository: string;
    readonly tag: string;
    /** Who pulls it, e.g. `tenant tutorhub`, `tenant tutorhub (migration sidecar)`, `the one-off migration task`. */
    readonly neededBy: readonly string[];
}

/** Where an image is pushed: `<account>.dkr.ecr.<region>.amazonaws.com/<repository>` (the repository's `repositoryUrl`). */
export function repositoryUrl(accountId: string, region: string, repository: string): string {
    return `${accountId}.dkr.ecr.${region}.amazonaws.com/${repository}`;
}

/**
 * Every image a config's ECS layer pulls, once each, in a stable order (repository, then tag): each
 * tenant's `bbws/wordpress:<tenant.imageTag>`, `bbws/migration:<tenant.imageTag>` for a tenant with
 * `migrationSidecar`, and `bbws/migration:<ecs.imageTag>` for the one-off migration task.
 */
export function requiredImages(cfg: Pick<PlatformConfig, "ecs" | "tenants">): RequiredImage[] {
    const needs = new Map<string, { repository: string; tag: string; neededBy: string[] }>();
    const need = (kind: ImageKind, tag: string, who: string) => {
        const repository = REPOSITORIES[kind];
        const key = `${repository}:${tag}`;
        if (!needs.has(key)) needs.set(key, { repository, tag, neededBy: [] });
        needs.get(key)!.neededBy.push(who);
    };
    for (const tenant of cfg.tenants) {
        need("wordpress", tenant.imageTag, `tenant ${tenant.id}`);
        if (tenant.migrationSidecar) need("migration", tenant.imageTag, `tenant ${tenant.id} (migration sidecar)`);
    }
    need("migration", cfg.ecs.imageTag, "the one-off migration task");
    return [...needs.values()].sort((a, b) => a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag));
}
