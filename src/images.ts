/**
 * The container images the platform runs: the two ECR repositories (created by the storage layer)
 * and, for a config, every `repository:tag` a task definition of the ECS layer names. The rollout
 * driver checks these exist before the ECS layer is applied; nothing here loads Pulumi or the AWS SDK.
 */
import type { PlatformConfig, TenantConfig } from "./config";

/** The repositories, by the image they hold. Their names are identity: renaming one replaces it, images and all. */
export const REPOSITORIES = { wordpress: "bbws/wordpress", migration: "bbws/migration" } as const;

export type ImageKind = keyof typeof REPOSITORIES;

/**
 * Where the images keep WordPress's wp-content (the official image's `/var/www/html`): the tenant's EFS
 * access point is mounted there in its WordPress and migration containers and in its one-off tasks.
 */
export const WP_CONTENT_PATH = "/var/www/html/wp-content";

/**
 * The WordPress keys and salts, one per constant wp-config.php defines; the image reads each from
 * `WORDPRESS_<key>` (the official image's `wp-config-docker.php`). The program generates them once
 * (components/tenant-service.ts) and `npm run tenant -- rotate-salts` replaces them: both in this shape.
 */
export const WORDPRESS_SALT_KEYS = [
    "AUTH_KEY",
    "SECURE_AUTH_KEY",
    "LOGGED_IN_KEY",
    "NONCE_KEY",
    "AUTH_SALT",
    "SECURE_AUTH_SALT",
    "LOGGED_IN_SALT",
    "NONCE_SALT",
] as const;

/**
 * Characters in each key and salt: 64, as WordPress makes its own (`wp_salt()` falls back to
 * `wp_generate_password( 64, true, true )`, wp-includes/pluggable.php) and the wordpress.org
 * secret-key service hands them out.
 */
export const WORDPRESS_SALT_LENGTH = 64;

/**
 * The special characters a key or salt may hold besides letters and digits: those of
 * `wp_generate_password` with both special sets (`!@#$%^&*()` and `` -_ []{}<>~`+=,.;:/?| ``,
 * wp-includes/pluggable.php), the secret-key service's alphabet, without `$`, backtick, `/` and
 * space, because the values pass through PHP and shell unescaped.
 */
export const WORDPRESS_SALT_SPECIALS = "!#%&()*+,-.:;<=>?@[]^_{|}~";

/** A task definition's `runtimePlatform.cpuArchitecture`. */
export type CpuArchitecture = TenantConfig["architecture"];

/** An image platform as manifest lists and OCI indexes name it (`os/architecture`). */
export type Platform = "linux/amd64" | "linux/arm64";

/**
 * The platform a task of each ECS architecture pulls: a Graviton (ARM64) task needs a linux/arm64
 * image, or a manifest list / OCI index holding one, or its pull fails with "no matching manifest for
 * linux/arm64" (ECS developer guide, "Working with 64-bit ARM workloads on Amazon ECS").
 */
export const PLATFORM_OF: Readonly<Record<CpuArchitecture, Platform>> = { X86_64: "linux/amd64", ARM64: "linux/arm64" };

/**
 * The one-off tasks' architecture, the platform's and every tenant's (components/ecs.ts uses this
 * constant): X86_64, so the operators' tools run on the architecture they are built and tested on,
 * whatever the tenants run.
 */
export const MIGRATION_TASK_ARCHITECTURE: CpuArchitecture = "X86_64";

/** Who pulls an image for one platform. */
export interface PlatformNeed {
    readonly platform: Platform;
    /** E.g. `tenant tutorhub`, `tenant tutorhub (migration sidecar)`, `tenant tutorhub (one-off task)`, `the one-off migration task`. */
    readonly neededBy: readonly string[];
}

export interface RequiredImage {
    /** The repository's name, e.g. `bbws/wordpress`. */
    readonly repository: string;
    readonly tag: string;
    /** Who pulls it, e.g. `tenant tutorhub`, `tenant tutorhub (migration sidecar)`, `the one-off migration task`. */
    readonly neededBy: readonly string[];
    /** The platforms the image must hold, each with who pulls it there; sorted by platform. */
    readonly platforms: readonly PlatformNeed[];
}

/** Where an image is pushed: `<account>.dkr.ecr.<region>.amazonaws.com/<repository>` (the repository's `repositoryUrl`). */
export function repositoryUrl(accountId: string, region: string, repository: string): string {
    return `${accountId}.dkr.ecr.${region}.amazonaws.com/${repository}`;
}

/**
 * Every image a config's ECS layer pulls, once each, in a stable order (repository, then tag), with
 * the platforms it is pulled for: each tenant's `bbws/wordpress:<tenant.imageTag>` for the tenant's
 * `architecture`, `bbws/migration:<tenant.imageTag>` for a tenant with `migrationSidecar` (a sidecar
 * runs in its tenant's task, so on its architecture), each tenant's `bbws/migration:<tenant.imageTag>`
 * for its one-off task, and `bbws/migration:<ecs.imageTag>` for the platform's one-off migration task
 * (both one-off tasks on {@link MIGRATION_TASK_ARCHITECTURE}).
 */
export function requiredImages(cfg: Pick<PlatformConfig, "ecs" | "tenants">): RequiredImage[] {
    const needs = new Map<string, { repository: string; tag: string; neededBy: string[]; platforms: Map<Platform, string[]> }>();
    const need = (kind: ImageKind, tag: string, architecture: CpuArchitecture, who: string) => {
        const repository = REPOSITORIES[kind];
        const key = `${repository}:${tag}`;
        if (!needs.has(key)) needs.set(key, { repository, tag, neededBy: [], platforms: new Map() });
        const image = needs.get(key)!;
        image.neededBy.push(who);
        const platform = PLATFORM_OF[architecture];
        image.platforms.set(platform, [...(image.platforms.get(platform) ?? []), who]);
    };
    for (const tenant of cfg.tenants) {
        need("wordpress", tenant.imageTag, tenant.architecture, `tenant ${tenant.id}`);
        if (tenant.migrationSidecar) need("migration", tenant.imageTag, tenant.architecture, `tenant ${tenant.id} (migration sidecar)`);
        need("migration", tenant.imageTag, MIGRATION_TASK_ARCHITECTURE, `tenant ${tenant.id} (one-off task)`);
    }
    need("migration", cfg.ecs.imageTag, MIGRATION_TASK_ARCHITECTURE, "the one-off migration task");
    return [...needs.values()]
        .map(({ platforms, ...image }) => ({
            ...image,
            platforms: [...platforms].sort(([a], [b]) => a.localeCompare(b)).map(([platform, neededBy]) => ({ platform, neededBy })),
        }))
        .sort((a, b) => a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag));
}
