/**
 * The platform's configuration: one schema, one validation, one frozen object.
 *
 * Every per-environment value lives in Pulumi.<env>.yaml. Defaults here are the safe ones
 * (protected, multi-AZ, encrypted); cheaper environments opt out explicitly in their stack file.
 * Components never read config: they receive the slices of `PlatformConfig` they need.
 */
import { z } from "zod";
import { AWS_PROVIDER_CONFIG_KEYS } from "./aws-provider-config";
import { PHASE_NAMES } from "./phases";
import { TENANT_VPC_POOL_END, TENANT_VPC_POOL_START, tenantVpcCidr } from "./tenant-cidrs";
import { hasOwnDatabase, hasOwnVpc, TENANT_TIERS, TenantTier } from "./tiers";

/** Fargate's valid task sizes: cpu units → allowed memory (MiB). */
export function fargateMemoryOptions(cpu: number): number[] {
    const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
    switch (cpu) {
        case 256:
            return [512, 1024, 2048];
        case 512:
            return range(1024, 4096, 1024);
        case 1024:
            return range(2048, 8192, 1024);
        case 2048:
            return range(4096, 16384, 1024);
        case 4096:
            return range(8192, 30720, 1024);
        case 8192:
            return range(16384, 61440, 4096);
        case 16384:
            return range(32768, 122880, 8192);
        default:
            return [];
    }
}

/**
 * Whether `cpu` (CPU units, 1024 = 1 vCPU) and `memory` (MiB) are a task size Fargate accepts; any other
 * pair fails RegisterTaskDefinition with "Invalid 'cpu' setting for task". Source: AWS ECS developer
 * guide, "Troubleshoot Amazon ECS task definition invalid CPU or memory errors" (task-cpu-memory-error.html).
 */
export function isValidFargateSize(cpu: number, memory: number): boolean {
    return fargateMemoryOptions(cpu).includes(memory);
}

const PRIVATE_RANGES: Array<[number, number]> = [
    [ipToInt("10.0.0.0"), 8],
    [ipToInt("172.16.0.0"), 12],
    [ipToInt("192.168.0.0"), 16],
];

function ipToInt(ip: string): number {
    return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** Parses `a.b.c.d/n`; undefined when it is not a well-formed, aligned IPv4 CIDR. */
export function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const base = ipToInt(octets.join("."));
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) return undefined;
    return { base, prefix };
}

/** Whether two IPv4 CIDRs share any address; false when either is not a well-formed, aligned CIDR (see `parseCidr`). */
export function cidrsOverlap(a: string, b: string): boolean {
    const x = parseCidr(a);
    const y = parseCidr(b);
    if (!x || !y) return false;
    const xEnd = x.base + 2 ** (32 - x.prefix);
    const yEnd = y.base + 2 ** (32 - y.prefix);
    return x.base < yEnd && y.base < xEnd;
}

/** `base` (an IPv4 address as an unsigned integer) and `prefix` as `a.b.c.d/n`; the inverse of `parseCidr`. */
export function formatCidr(base: number, prefix: number): string {
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
    return `${octets.join(".")}/${prefix}`;
}

/** A VPC range we accept: private (RFC 1918), /16 to /20, aligned. */
export function isPrivateVpcCidr(cidr: string): boolean {
    const parsed = parseCidr(cidr);
    if (!parsed || parsed.prefix < 16 || parsed.prefix > 20) return false;
    return PRIVATE_RANGES.some(([base, prefix]) => parsed.base >= base && parsed.base < base + 2 ** (32 - prefix));
}

const dnsLabel = z
    .string()
    .regex(
        /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/,
        "a DNS label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
    );
const hostname = z
    .string()
    .regex(/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a lowercase DNS hostname such as www.example.com");
const positiveInt = z.number().int().positive();
/** A tenant's slot: its listener rule priority (1–50000 allowed by ELB) kept to four digits, and its POSIX id offset. */
const tenantSlot = z.number().int().min(1).max(9999);
const percent = z.number().positive().max(100);

const NAT_STRATEGIES = ["single", "onePerAz"] as const;
const CAPACITY_PROVIDERS = ["FARGATE", "FARGATE_SPOT"] as const;

const networkSchema = z
    .object({
        /** The VPC's range: private, /16–/20, not overlapping another environment. */
        vpcCidr: z
            .string()
            .refine(
                isPrivateVpcCidr,
                "a private (RFC 1918) IPv4 CIDR from /16 to /20, aligned to its prefix (10.20.0.0/16, not 10.20.1.0/16)",
            ),
        /** Availability zones used by every subnet tier. */
        azCount: z.number().int().min(2, "2 or 3").max(3, "2 or 3").default(3),
        /** `single`: one shared NAT gateway; `onePerAz`: one per AZ (survives an AZ outage). */
        natStrategy: z.enum(NAT_STRATEGIES).default("onePerAz"),
        flowLogRetentionDays: positiveInt.default(90),
        /** Interface endpoints (ECR, logs, Secrets Manager, SSM) cost money per AZ-hour; dev turns them off. */
        interfaceEndpoints: z.boolean().default(true),
    })
    .strict();

const protectionSchema = z
    .object({
        /** Pulumi `protect` on every stateful resource: a delete or replace then needs an explicit unprotect. */
        protect: z.boolean().default(true),
        /** `retainOnDelete` on buckets and the data key: removing them from the program leaves them in AWS. */
        retainOnDelete: z.boolean().default(true),
        /**
         * Days a deleted Secrets Manager secret stays recoverable; 0 deletes it at once, so a destroyed
         * stack can be rebuilt under the same secret names.
         */
        secretRecoveryDays: z
            .number()
            .int()
            .refine((d) => d === 0 || (d >= 7 && d <= 30), "0 (delete at once) or 7–30")
            .default(30),
    })
    .strict();

const databaseSchema = z
    .object({
        engineVersion: z.string().min(1).default("8.0.mysql_aurora.3.08.2"),
        instanceClass: z
            .string()
            .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "an RDS instance class such as db.r6g.large")
            .default("db.r6g.large"),
        /** Writer plus readers; two or more are spread over different AZs. */
        instances: z.number().int().min(1).max(15).default(2),
        backupRetentionDays: z.number().int().min(1).max(35).default(7),
        backupWindow: z
            .string()
            .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, "hh:mm-hh:mm (UTC)")
            .default("01:00-02:00"),
        maintenanceWindow: z
            .string()
            .regex(/^[a-z]{3}:\d{2}:\d{2}-[a-z]{3}:\d{2}:\d{2}$/, "ddd:hh:mm-ddd:hh:mm (UTC)")
            .default("sun:03:00-sun:04:00"),
        deletionProtection: z.boolean().default(true),
        /** Take a final snapshot when the cluster is deleted. */
        finalSnapshot: z.boolean().default(true),
        performanceInsights: z.boolean().default(true),
        /** Enhanced monitoring interval; 0 turns it off. */
        monitoringIntervalSeconds: z
            .union(
                [0, 1, 5, 10, 15, 30, 60].map((n) => z.literal(n)) as unknown as [
                    z.ZodLiteral<number>,
                    z.ZodLiteral<number>,
                    ...z.ZodLiteral<number>[],
                ],
            )
            .default(60),
        /** The engine's connection limit, which the connections alarm is measured against. */
        maxConnections: positiveInt.default(1000),
        /** Retention of the audit, error and slow-query log groups the cluster exports to. */
        logRetentionDays: positiveInt.default(90),
        /**
         * Days between rotations of each tenant's database password (Secrets Manager
         * `AutomaticallyAfterDays`, 1–1000); at least 3, so every service can be redeployed between two
         * rotations (components/secret-rotation.ts `recycleEveryDays`).
         */
        rotationDays: z.number().int().min(3).max(1000).default(30),
    })
    .strict();

const cacheSchema = z
    .object({
        engineVersion: z.string().min(1).default("7.1"),
        nodeType: z
            .string()
            .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "an ElastiCache node type such as cache.t4g.small")
            .default("cache.t4g.small"),
        /** Primary plus replicas; two or more turn on automatic failover and multi-AZ. */
        nodes: z.number().int().min(1).max(6).default(2),
        snapshotRetentionDays: z.number().int().min(0).max(35).default(7),
        /** Retention of the slow-log group the replication group delivers to. */
        slowLogRetentionDays: positiveInt.default(30),
    })
    .strict();

const storageSchema = z
    .object({
        /** Days before a non-current version in the migration-artifacts bucket expires. */
        migrationArtifactsNoncurrentDays: positiveInt.default(30),
        /** Retention of the daily AWS Backup recovery points. */
        backupRetentionDays: positiveInt.default(35),
        /**
         * Days a retired tenant's media (`tenants/<id>/` in the assets bucket) is kept after the date it
         * was retired (`bbws:retiredTenants[].date`); a lifecycle rule then expires it, and each of its
         * noncurrent versions this many days after it became noncurrent.
         */
        retainTenantMediaDays: positiveInt.default(90),
    })
    .strict();

const capacityProviderSchema = z
    .object({
        provider: z.enum(CAPACITY_PROVIDERS),
        weight: z.number().int().min(0).max(1000),
        base: z.number().int().min(0).max(100000).default(0),
    })
    .strict();

const ecsSchema = z
    .object({
        /** Tag of `bbws/wordpress` (and `bbws/migration`) every tenant runs unless it sets its own. */
        imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "an image tag"),
        /** The wildcard certificate for `*.<domain>`; looked up by domain when absent. */
        certificateArn: z
            .string()
            .regex(/^arn:aws:acm:/, "an ACM certificate ARN")
            .optional(),
        /** The public hosted zone for `<domain>`; looked up by name when absent. */
        hostedZoneId: z
            .string()
            .regex(/^Z[A-Z0-9]+$/, "a Route 53 hosted zone id")
            .optional(),
        logRetentionDays: positiveInt.default(30),
        albDeletionProtection: z.boolean().default(true),
        capacityProviders: z
            .array(capacityProviderSchema)
            .min(1)
            .default([{ provider: "FARGATE", weight: 1, base: 1 }]),
        minCapacity: z.number().int().min(0).default(2),
        maxCapacity: positiveInt.default(10),
        cpuTargetPercent: percent.default(70),
        memoryTargetPercent: percent.default(80),
        healthCheckPath: z.string().startsWith("/").default("/wp-login.php"),
        healthCheckGracePeriodSeconds: z.number().int().min(0).max(2147483647).default(120),
        /** Wait for the service to reach steady state during `up`. */
        waitForSteadyState: z.boolean().default(true),
        /** Idle and maximum Session Manager session length (ECS Exec, port forwarding). */
        sessionTimeoutMinutes: z.number().int().min(1).max(60).default(60),
    })
    .strict();

/**
 * Tenant ids the platform's own resources already use in the places a tenant's names go: a tenant
 * with one of these ids would register a second resource under the same URN (the engine refuses the
 * whole program) or ask AWS for a name the platform holds. Each reason names what it would collide with.
 */
export const RESERVED_TENANT_IDS: Readonly<Record<string, string>> = {
    migration:
        "the one-off migration task owns it (ECS layer `ecs-migration-logs`, `ecs-migration-task`, IAM roles `bbws-migration-task-<env>` and `bbws-migration-exec-<env>`)",
    sessions: "the ECS Exec session log group owns it (ECS layer `ecs-sessions-logs`)",
};

/** The MySQL user and schema of a tenant, `wp_<id>`: hyphens become underscores so neither needs quoting. */
export function tenantDatabaseName(tenantId: string): string {
    return `wp_${tenantId.replace(/-/g, "_")}`;
}

/**
 * The identifier of an enterprise tenant's own Aurora cluster, `bbws-tenant-<id>-aurora-<env>` (its
 * instances `…-<n>`, its final snapshot `…-final`): the data layer creates it, the platform task's role
 * and the tenant command name it. At most 59 characters for the longest id (23) and stack name (16),
 * within RDS's 63 (CreateDBCluster, `DBClusterIdentifier`); an id with `--` is refused for enterprise.
 */
export function tenantClusterIdentifier(env: string, tenantId: string): string {
    return `bbws-tenant-${tenantId}-aurora-${env}`;
}

/** The Secrets Manager name of a tenant's WordPress keys and salts, `bbws/<env>/tenants/<id>/wp-salts` (src/images.ts `WORDPRESS_SALT_KEYS`). */
export function tenantSaltsSecretName(env: string, tenantId: string): string {
    return `bbws/${env}/tenants/${tenantId}/wp-salts`;
}

/** Longest MySQL 8.0 user name: 32 characters (MySQL 8.0 reference manual, "User Names and Passwords"). */
export const MYSQL_USER_NAME_MAX = 32;

/**
 * What AWS's alternating-users rotation function for MySQL appends to a secret's user to name the
 * second one it creates (aws-samples/aws-secrets-manager-rotation-lambdas
 * `SecretsManagerRDSMySQLRotationMultiUser/lambda_function.py`, `get_alt_username`, read at b4b8eca).
 */
export const ROTATION_CLONE_SUFFIX = "_clone";

/**
 * The rotation function's environment variable bounding that second user's name: `create_secret`
 * refuses a clone longer than it, 16 when unset (same file). The data layer sets it to
 * {@link MYSQL_USER_NAME_MAX}; `npm run verify` reads it back.
 */
export const ROTATION_USERNAME_LIMIT_VARIABLE = "USERNAME_CHARACTER_LIMIT";

/**
 * The variable AWS's rotation functions cannot start without: `lambda_handler` builds its Secrets Manager
 * client from `os.environ['SECRETS_MANAGER_ENDPOINT']` (aws-samples/aws-secrets-manager-rotation-lambdas
 * `SecretsManagerRDSMySQLRotationMultiUser/lambda_function.py`), which the template sets from `endpoint`.
 */
export const ROTATION_ENDPOINT_VARIABLE = "SECRETS_MANAGER_ENDPOINT";

/**
 * Why a function's configuration (Lambda `GetFunctionConfiguration`'s answer) cannot be written back
 * as read, one sentence each, none when it can: `Environment.Error` means Lambda could not apply (or
 * decrypt) the variables, so `Environment.Variables` is not what the function has ("Error messages for
 * environment variables that couldn't be applied", Lambda API reference, `EnvironmentResponse`); and
 * a function without {@link ROTATION_ENDPOINT_VARIABLE} is not the template's, so the whole map
 * `UpdateFunctionConfiguration` replaces would be written from something else. Shared by the settings
 * provider (components/rotation-function-settings.ts, which throws) and `npm run verify` (which fails).
 */
export function functionEnvironmentProblems(config: {
    readonly Environment?: { readonly Variables?: Record<string, string>; readonly Error?: { ErrorCode?: string; Message?: string } };
}): string[] {
    const problems: string[] = [];
    const error = config.Environment?.Error;
    if (error)
        problems.push(
            `Lambda reports an error in its environment variables (${error.ErrorCode ?? "no code"}: ${error.Message ?? "no message"})`,
        );
    if (!config.Environment?.Variables?.[ROTATION_ENDPOINT_VARIABLE])
        problems.push(
            `its environment has no ${ROTATION_ENDPOINT_VARIABLE}, which every rotation needs (the template's \`endpoint\` parameter)`,
        );
    return problems;
}

/**
 * The longest tenant id, 23: the tenant's MySQL user `wp_<id>` ({@link tenantDatabaseName}) and the
 * second user the rotation function makes of it, `wp_<id>_clone`, must both fit MySQL 8.0's 32.
 */
export const MAX_TENANT_ID_LENGTH = MYSQL_USER_NAME_MAX - tenantDatabaseName("").length - ROTATION_CLONE_SUFFIX.length;

/** Longest host-header value a load balancer rule takes (ELB API reference, HostHeaderConditionConfig). */
const MAX_HOST_HEADER = 128;

/**
 * Most tenants one environment takes. The database, cache and file-system security groups each hold
 * one inbound rule per tenant, and a group takes 60 by default (VPC user guide, "Amazon VPC quotas":
 * inbound rules per security group); the ten left are for the platform's own rules.
 */
export const MAX_TENANTS = 50;

/**
 * Longest custom domain: its certificate names it as the common name, which ACM takes up to 64 octets
 * (ACM API reference, RequestCertificate `DomainName`: "cannot exceed 64 octets (characters), including
 * periods", RFC 5280's upper bound); a load balancer host-header value would take 128 (HostHeaderConditionConfig).
 */
export const MAX_CUSTOM_DOMAIN_LENGTH = 64;

/**
 * Most custom domains one environment takes: each has its own certificate on the HTTPS listener, and
 * an Application Load Balancer takes 25 certificates besides its default one (ELB user guide, "Quotas
 * for your Application Load Balancers": Certificates per Application Load Balancer, excluding default
 * certificates). The quota is adjustable; raise this only with the account's raised quota.
 */
export const MAX_LISTENER_CERTIFICATES = 25;

/** Where a custom domain's certificate stands while its zone is its owner's (see {@link customDomainSchema}). */
export const CERTIFICATE_STATES = ["pending", "issued"] as const;

const customDomainName = hostname.refine(
    (h) => h.length <= MAX_CUSTOM_DOMAIN_LENGTH,
    `at most ${MAX_CUSTOM_DOMAIN_LENGTH} characters: its certificate's common name (ACM RequestCertificate DomainName)`,
);

/**
 * One custom domain of a tenant. The program requests an ACM certificate for `name` (DNS validation)
 * and attaches it to the HTTPS listener (SNI) once it is issued; only then does the tenant's listener
 * rule name it. A plain string `shop.example.com` means `{ name: shop.example.com, certificate: pending }`.
 */
const customDomainSchema = z.union(
    [
        customDomainName,
        z
            .object({
                /** The hostname, lowercase, at most 64 characters, no wildcard. */
                name: customDomainName,
                /**
                 * Our public Route 53 zone that holds `name` (the zone of `name` or of a parent domain). The
                 * program then writes the validation records and an alias to the load balancer in it, and
                 * waits for the certificate in the same rollout. Absent: the zone is the owner's, and the
                 * validation records are printed for them (stack output `ecs.customDomains`).
                 */
                hostedZoneId: z
                    .string()
                    .regex(/^Z[A-Z0-9]+$/, "a Route 53 hosted zone id")
                    .optional(),
                /**
                 * Only without `hostedZoneId`: `pending` (default) requests the certificate and leaves the domain
                 * out of the listener; `issued`, set once ACM reports the certificate ISSUED, attaches it and
                 * routes the domain. The program checks ISSUED before attaching, and fails within minutes if not.
                 */
                certificate: z.enum(CERTIFICATE_STATES).optional(),
            })
            .strict()
            .refine((d) => d.hostedZoneId === undefined || d.certificate === undefined, {
                message: "only for a domain in its owner's zone; with hostedZoneId the program validates the certificate itself",
                path: ["certificate"],
            }),
    ],
    {
        errorMap: (issue, ctx) => ({
            message:
                issue.code === "invalid_union"
                    ? "a hostname, { name, hostedZoneId } (our Route 53 zone) or { name, certificate: pending | issued } (its owner's zone)"
                    : ctx.defaultError,
        }),
    },
);

/**
 * A tenant's custom domain as the components take it: `hostedZoneId` set when the zone is ours,
 * `certificate` set (`pending` or `issued`) when it is the owner's.
 */
export type CustomDomain = Readonly<
    | { name: string; hostedZoneId: string; certificate?: undefined }
    | { name: string; hostedZoneId?: undefined; certificate: (typeof CERTIFICATE_STATES)[number] }
>;

/** The normalised form of a `domains` entry: a plain string is a domain in its owner's zone, certificate pending. */
export function customDomain(entry: z.infer<typeof customDomainSchema>): CustomDomain {
    if (typeof entry === "string") return { name: entry, certificate: "pending" };
    return entry.hostedZoneId !== undefined
        ? { name: entry.name, hostedZoneId: entry.hostedZoneId }
        : { name: entry.name, certificate: entry.certificate ?? "pending" };
}

export { TENANT_TIERS, TenantTier };

const tenantSchema = z
    .object({
        /**
         * DNS label, 3–`MAX_TENANT_ID_LENGTH` (23) characters, not reserved: the second MySQL user the
         * password rotation alternates with, `wp_<id>_clone`, must fit MySQL's 32 (both sources at
         * {@link MAX_TENANT_ID_LENGTH}); not ending in `-clone` (its user would be another tenant's
         * rotation clone); no `--` in the third and fourth place,
         * which IDNA keeps for encoded labels (RFC 5891 §4.2.3.1).
         */
        id: dnsLabel
            .refine(
                (id) => tenantDatabaseName(id).length + ROTATION_CLONE_SUFFIX.length <= MYSQL_USER_NAME_MAX,
                `at most ${MAX_TENANT_ID_LENGTH} characters: AWS's MySQL rotation function (SecretsManagerRDSMySQLRotationMultiUser) ` +
                    `alternates the tenant's user wp_<id> with wp_<id>${ROTATION_CLONE_SUFFIX}, and MySQL 8.0 user names ` +
                    `hold at most ${MYSQL_USER_NAME_MAX} characters (MySQL reference manual, "User Names and Passwords")`,
            )
            .refine(
                (id) => !tenantDatabaseName(id).endsWith(ROTATION_CLONE_SUFFIX),
                `must not end in '-clone': the tenant's MySQL user would be another tenant's rotation clone ` +
                    `(wp_<id>${ROTATION_CLONE_SUFFIX}), and AWS's rotation function takes a user ending in ` +
                    `${ROTATION_CLONE_SUFFIX} for the clone of the one without it (SecretsManagerRDSMySQLRotationMultiUser, get_alt_username)`,
            )
            .refine(
                (id) => id.slice(2, 4) !== "--",
                "no '--' in the third and fourth characters: IDNA reserves them for encoded labels (RFC 5891 §4.2.3.1)",
            )
            .superRefine((id, ctx) => {
                if (id in RESERVED_TENANT_IDS)
                    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `'${id}' is reserved: ${RESERVED_TENANT_IDS[id]}` });
            }),
        /**
         * The tenant's permanent number, never reused: its POSIX uid/gid (20000 + slot) and its listener
         * rule priority (slot) derive from it, so adding or removing a tenant changes no other tenant.
         */
        slot: tenantSlot,
        /**
         * Custom hostnames served besides `<id>.<domain>`, at most two: each a plain hostname (a domain in
         * its owner's zone whose certificate is still pending) or a {@link customDomainSchema} entry. With
         * `<id>.<domain>` they fill the tenant's listener rule's one host-header condition, which takes at
         * most three values (ELB user guide, "Condition types for listener rules").
         */
        domains: z
            .array(customDomainSchema)
            .max(2, "at most 2: with <id>.<domain> they fill the listener rule's host-header condition, which takes 3 values")
            .default([]),
        /** Fargate task cpu units. */
        cpu: positiveInt.refine(
            (cpu) => fargateMemoryOptions(cpu).length > 0,
            "one of 256, 512, 1024, 2048, 4096, 8192, 16384 (Fargate task cpu units)",
        ),
        /** Task memory (MiB): a valid Fargate size for the cpu. */
        memory: positiveInt,
        architecture: z.enum(["X86_64", "ARM64"]).default("X86_64"),
        /**
         * The port WordPress listens on, the target group's and its security group rule's port. At least
         * 1024: the containers run as a non-root user with every capability dropped, and binding a lower
         * port takes `CAP_NET_BIND_SERVICE` (capabilities(7)), which Fargate cannot add back (it adds only
         * `SYS_PTRACE`: ECS API reference, KernelCapabilities). 8080 is what the image contract asks for.
         */
        containerPort: z
            .number()
            .int()
            .min(1024, "at least 1024: a non-root container without capabilities cannot bind a lower port (README, image contract)")
            .max(65535)
            .default(8080),
        imageTag: z
            .string()
            .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "an image tag")
            .optional(),
        minCapacity: z.number().int().min(0).optional(),
        maxCapacity: positiveInt.optional(),
        /**
         * Holds an exclusive lock on EFS: one task at most. Deploys with minimum healthy 0 %, maximum
         * 100 %, and auto-scales 0–1 or 1–1 (`minCapacity` defaults to 1, `maxCapacity` to 1; more is refused).
         */
        singleton: z.boolean().default(false),
        execEnabled: z.boolean().default(false),
        /** A non-essential `migration` container beside WordPress for long-running migration work. */
        migrationSidecar: z.boolean().default(false),
        /**
         * The tenant's service exists but runs no tasks, its alarms notify no one (components/monitoring.ts
         * `MonitoringTenant.stopped`) and its database secret has no rotation configured
         * (`databaseRotationPaused`): desired count 0 and an auto-scaling range of 0–0
         * (ECS services may scale to 0: Application Auto Scaling API reference, RegisterScalableTarget
         * `MinCapacity`). Onboarding rolls a tenant out stopped, creates its database user, then removes
         * this key; raising the range moves the running count into it (RegisterScalableTarget: "it changes
         * the resource's current capacity to a value that is inside of this range"), so starting is a
         * config change like any other, which the next rollout and drift detection agree with.
         * Cannot be combined with `minCapacity` or `maxCapacity`.
         */
        stopped: z.boolean().default(false),
        /**
         * The tenant is being removed (`npm run tenant -- remove` writes it with `stopped` in its first
         * step): a premium tenant's own load balancer drops its deletion protection, which ELB would
         * otherwise refuse the delete of ("Delete an Application Load Balancer", ELB user guide), and is
         * tagged `Offboarding: true` so the policy pack's ELB.6 accepts it. Only with `stopped: true`: a
         * stop that is not a removal keeps the protection.
         */
        offboarding: z.boolean().default(false),
        /**
         * Isolation tier (README "Scale: hundreds of tenants", "Isolation tiers"): `basic` shares the
         * environment's VPC and Aurora cluster with its own security group; `premium` gets its own VPC
         * (`tenantVpcCidr(slot)`, src/tenant-cidrs.ts) peered with the platform's; `enterprise` also its
         * own Aurora cluster, key and backups. Changing it on an existing tenant is a migration: a
         * rollout refuses the edit (the `tier` gate, automation/gates.ts) unless run as that migration.
         */
        tier: z.enum(TENANT_TIERS).default("basic"),
    })
    .strict();

/**
 * A tenant that was offboarded: its id and slot are never given to another tenant, because its
 * archive (`archive/<id>/…`), its media prefix, its logs and its POSIX id (20000 + slot) on the file
 * system's backups still name it.
 */
const retiredTenantSchema = z
    .object({
        /** The retired tenant's id. */
        id: dnsLabel,
        /** The retired tenant's slot. */
        slot: tenantSlot,
        /** The day it was retired (YYYY-MM-DD, UTC): its media expires `storage.retainTenantMediaDays` after it. */
        date: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD")
            .refine(
                (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
                "a calendar date",
            ),
    })
    .strict();

const thresholdsSchema = z
    .object({
        ecsCpuPercent: percent.default(80),
        ecsMemoryPercent: percent.default(80),
        auroraCpuPercent: percent.default(80),
        /** Absolute connections; default 90 % of `database.maxConnections`. */
        auroraConnections: positiveInt.optional(),
        replicaLagSeconds: positiveInt.default(900),
        redisCpuPercent: percent.default(80),
        redisMemoryPercent: percent.default(80),
        efsThroughputPercent: percent.default(80),
        alb5xxPercent: percent.default(1),
        healthyTargetsPercent: percent.default(50),
        albP95Seconds: z.number().positive().default(3),
    })
    .strict();

const monitoringSchema = z
    .object({
        alertEmails: z.array(z.string().email()).default([]),
        criticalEmails: z.array(z.string().email()).default([]),
        thresholds: thresholdsSchema.default({}),
        periodSeconds: z.union([z.literal(60), z.literal(300), z.literal(900), z.literal(3600)]).default(300),
        evaluationPeriods: z.number().int().min(1).max(100).default(3),
        budgetMonthlyUsd: z.number().positive(),
        /** A cross-region Aurora replica exists (DR): adds the replication-lag alarm. */
        drReplica: z.boolean().default(false),
        /**
         * Whether `npm run verify` fails (true) or only warns (false) when the account lacks a logging
         * multi-region CloudTrail trail, Security Hub or an enabled GuardDuty detector in the stack's
         * region, or when the credentials may not read them. The platform does not own these services;
         * an environment that goes live must not run without them. Default true; dev opts out.
         */
        requireAccountSecurityServices: z.boolean().default(true),
    })
    .strict();

/**
 * What the cost estimate (`npm run cost`) assumes about usage the program cannot know. Per
 * environment and per month; each estimate line names the key it used. The defaults describe a
 * small WordPress estate: change them in the stack file when traffic or data grow.
 */
const costSchema = z
    .object({
        /** GB a month served to the internet through the load balancer (its processed bytes and the data transfer out). */
        internetGbPerMonth: z.number().min(0).default(50),
        /** New connections a second at the load balancer, averaged over the month (its LCU count, with the bytes). */
        newConnectionsPerSecond: z.number().min(0).default(5),
        /** GB a month through the NAT gateways (image pulls and outbound calls the endpoints do not carry). */
        natGbPerMonth: z.number().min(0).default(20),
        /** GB a month through the interface endpoints, spread over them evenly. */
        endpointGbPerMonth: z.number().min(0).default(10),
        /** GB stored in Aurora (the cluster volume) and I/O requests a month, in millions. */
        auroraStorageGb: z.number().min(0).default(20),
        auroraIoMillionsPerMonth: z.number().min(0).default(20),
        /** GB on EFS and the share (percent) in Infrequent Access after the 30-day lifecycle transition. */
        efsStorageGb: z.number().min(0).default(20),
        efsInfrequentPercent: z.number().min(0).max(100).default(50),
        /** GB a month read from and written to EFS (elastic throughput charges per GB). */
        efsReadGbPerMonth: z.number().min(0).default(10),
        efsWriteGbPerMonth: z.number().min(0).default(5),
        /** GB in each environment's S3 buckets together, and in its ECR repositories together. */
        s3StorageGb: z.number().min(0).default(50),
        ecrStorageGb: z.number().min(0).default(5),
        /** Share (percent) of EFS and Aurora data changing each day: the backup vault holds one full copy plus each day's change for the retention. */
        backupDailyChangePercent: z.number().min(0).max(100).default(2),
        /** GB a month each log group ingests: the VPC flow log, each tenant's container logs, and every other group. */
        flowLogGbPerMonth: z.number().min(0).default(5),
        tenantLogGbPerMonth: z.number().min(0).default(2),
        otherLogGbPerMonth: z.number().min(0).default(0.5),
        /** Where the DR replica runs when `monitoring.drReplica` is set: it is priced at this region's rates. */
        drRegion: z
            .string()
            .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1")
            .default("eu-west-1"),
    })
    .strict();

const phaseName = z.enum(PHASE_NAMES);
const approvalsSchema = z.record(phaseName, z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, "a role such as tech-lead"))).default({});

/** What the rollout driver demands of an environment before it changes it. */
const rolloutSchema = z
    .object({
        /** Refuse a local `file://` state backend: a shared environment's state and lock must be where every operator sees them. */
        requireRemoteBackend: z.boolean().default(true),
        /** Refuse uncommitted changes, so the commit in the ledger is exactly what was applied. */
        requireCleanCommit: z.boolean().default(true),
        /** The environment in which a commit must have completed every phase before it may roll out here. */
        promoteFrom: z.string().optional(),
    })
    .strict();

/**
 * Regions the platform runs in. Each needs facts the program and its model take from AWS's tables:
 * the load balancer's hosted zone for alias records and the account that writes ALB access logs
 * (ELB user guide, "Enable access logs": the regional Elastic Load Balancing account). Adding one is
 * adding those rows (automation/aws-model.ts) and this entry.
 */
export const SUPPORTED_REGIONS = ["eu-west-1", "af-south-1"] as const;

/**
 * The `aws:` keys this program requires; every other key the AWS provider defines is passed
 * through to it, and a key it does not define is refused (see `AWS_PROVIDER_CONFIG_KEYS`).
 */
const awsSchema = z
    .object({
        /** One of `SUPPORTED_REGIONS`. */
        region: z.enum(SUPPORTED_REGIONS, {
            errorMap: () => ({
                message: `one of ${SUPPORTED_REGIONS.join(", ")}: the regions whose load balancer zone and log-delivery account the platform knows`,
            }),
        }),
        allowedAccountIds: z
            .array(z.string().regex(/^\d{12}$/, "a 12-digit AWS account id"))
            .length(1, "exactly one account: the environment's own"),
        defaultTags: z
            .object({
                tags: z
                    .record(z.string())
                    .refine(
                        (t) => ["Project", "Environment", "ManagedBy"].every((k) => k in t),
                        "tags including Project, Environment and ManagedBy",
                    ),
            })
            .strict(),
    })
    .passthrough();

/**
 * Instance classes an Aurora MySQL global database runs on: the memory-optimised R families (AWS
 * Aurora user guide, "Limitations of Amazon Aurora global databases": global databases need "memory
 * optimized" db.r instance classes; burstable db.t and Serverless v1 are not supported).
 */
export const GLOBAL_DATABASE_INSTANCE_CLASS = /^db\.(r5|r6g|r6gd|r6i|r7g|r7i|r8g|x2g)\.[a-z0-9]+$/;

/**
 * Aurora MySQL versions that can be a global database's primary or secondary: 3.x (MySQL 8.0) from
 * 3.01 (Aurora user guide, "Aurora global databases": supported Regions and engine versions; every
 * Aurora MySQL 3 release supports it). The secondary runs the primary's exact version.
 */
export const GLOBAL_DATABASE_ENGINE_VERSION = /^8\.0\.mysql_aurora\.3\.\d{2}\.\d+$/;

/**
 * The global database's replication lag as CloudWatch has it, read by the DR alarm
 * (components/dr-alarms.ts), `npm run dr -- status` and the dr steps (automation/dr/aws.ts) and verify
 * (automation/verify/dr.ts): `AuroraGlobalDBReplicationLag`, milliseconds, in `AWS/RDS` under the
 * `DBClusterIdentifier` of the SECONDARY cluster, in the secondary's region (Aurora user guide,
 * "Metrics reference for Amazon Aurora", cluster-level metrics: "For an Aurora global database, the
 * amount of lag when replicating updates from the primary AWS Region"; the global-database metrics are
 * available only in the secondary Region). The primary publishes none, so `where` is the standby.
 * `AuroraGlobalDBRPOLag` is Aurora PostgreSQL's (same page): this MySQL platform does not read it.
 */
export const GLOBAL_DB_LAG_METRIC = {
    namespace: "AWS/RDS",
    metricName: "AuroraGlobalDBReplicationLag",
    dimension: "DBClusterIdentifier",
    statistic: "Maximum",
    publishedBy: "secondary",
} as const;

/** Which region serves traffic (see `drSchema.serving`). */
export const DR_SERVING = ["primary", "standby"] as const;
/** Whether the DR cluster is a member of the global database (see `drSchema.globalDatabase`). */
export const DR_GLOBAL_DATABASE = ["attached", "detached"] as const;

/**
 * `bbws:dr`: the standby region of a production environment, or `none` (dev, sit). The program builds
 * the DR side of each layer in `region` (components/global-database.ts, dr-storage.ts, standby-*.ts,
 * failover-dns.ts, dr-alarms.ts); the `npm run dr` command writes `serving` and `globalDatabase`
 * after a switchover, failover or failback so the next rollout agrees with AWS.
 */
const drSchema = z
    .object({
        /** The standby region: one of `SUPPORTED_REGIONS`, and not `aws:region` (checked across keys). */
        region: z.enum(SUPPORTED_REGIONS, {
            errorMap: () => ({
                message: `one of ${SUPPORTED_REGIONS.join(", ")}: the regions whose load balancer zone the platform knows`,
            }),
        }),
        /**
         * `primary` (default): `aws:region` serves; the standby's Route 53 failover records are SECONDARY
         * and its services run 0 tasks. `standby`: the DR region's records are PRIMARY and its services
         * run the primary's desired counts.
         */
        serving: z.enum(DR_SERVING).default("primary"),
        /**
         * `attached` (default): the DR cluster is a secondary of the global database `bbws-aurora-<env>-global`.
         * A switchover or managed failover (`FailoverGlobalCluster`) keeps it `attached`. `detached`: only after
         * `npm run dr -- failover --detach-and-promote`; the program then declares no global cluster (it is
         * `retainOnDelete`, so the rollout forgets it and leaves it in AWS for the manual failback to delete), and
         * the DR cluster keeps its URN and data (its `globalClusterIdentifier` is ignored, never replaced).
         */
        globalDatabase: z.enum(DR_GLOBAL_DATABASE).default("attached"),
        /** The standby VPC: another private range than `bbws:network.vpcCidr` (checked), so the two can be peered. */
        network: z
            .object({
                vpcCidr: z.string().refine(isPrivateVpcCidr, "a private (RFC 1918) IPv4 CIDR from /16 to /20, aligned to its prefix"),
                /** AZs of the standby VPC; the standby's subnets follow the primary's layout (components/network.ts `subnetCidrs`). */
                azCount: z.number().int().min(2, "2 or 3").max(3, "2 or 3").default(2),
            })
            .strict(),
        /** The standby's size while it does not serve. */
        standby: z
            .object({
                /**
                 * Instances of the DR Aurora cluster, at least 1: a headless secondary (no instance) keeps only
                 * storage in sync, and promotion makes an instance of the secondary its writer (RDS API
                 * reference, FailoverGlobalCluster; Aurora user guide, "Creating a headless Aurora DB cluster
                 * in a secondary Region"), so a headless one would first need an instance created and
                 * available during the outage, which the RTO does not budget for.
                 */
                auroraInstances: z
                    .number()
                    .int()
                    .min(
                        1,
                        "at least 1: a headless secondary has no instance to promote to a writer, so it cannot take over within the RTO",
                    )
                    .max(15)
                    .default(1),
                /** Their class: one that supports global databases (`GLOBAL_DATABASE_INSTANCE_CLASS`). */
                auroraInstanceClass: z
                    .string()
                    .regex(
                        GLOBAL_DATABASE_INSTANCE_CLASS,
                        "a memory-optimised class that supports Aurora global databases, such as db.r6g.large",
                    )
                    .default("db.r6g.large"),
                /**
                 * Node type of the standby region's Redis (components/standby-cache.ts); absent: `bbws:cache.nodeType`.
                 * The cache starts cold whatever its size (nothing is replicated into it), so a smaller type only
                 * costs evictions while the standby serves; a rollout with a larger one resizes it online
                 * (ElastiCache user guide, "Scaling node types").
                 */
                cacheNodeType: z
                    .string()
                    .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "an ElastiCache node type such as cache.r7g.large")
                    .optional(),
                /**
                 * Nodes of the standby's Redis, 1 to 6 (default 1): while the standby does not serve nothing reads
                 * it, so replicas (and with two or more, automatic failover and multi-AZ) wait until it does; a
                 * rollout with more adds replicas online (ElastiCache API reference, IncreaseReplicaCount).
                 */
                cacheNodes: z.number().int().min(1).max(6).default(1),
            })
            .strict()
            .default({}),
        /** Targets the alarms and `npm run dr -- status` measure against. */
        replication: z
            .object({
                /** Most data (minutes of writes) a failover may lose: the replica-lag alarms fire at this lag. */
                rpoMinutes: z.number().int().min(1).max(1440).default(15),
                /** Longest a failover may take, in minutes: the rehearsal's measured timeline is compared with it. */
                rtoMinutes: z.number().int().min(1).max(1440).default(60),
            })
            .strict()
            .default({}),
    })
    .strict();

const bbwsSchema = z
    .object({
        domain: hostname,
        network: networkSchema,
        protection: protectionSchema.default({}),
        database: databaseSchema.default({}),
        cache: cacheSchema.default({}),
        storage: storageSchema.default({}),
        ecs: ecsSchema,
        monitoring: monitoringSchema,
        approvals: approvalsSchema,
        rollout: rolloutSchema.default({}),
        tenants: z
            .array(tenantSchema)
            .min(1, "at least one tenant")
            .max(
                MAX_TENANTS,
                `at most ${MAX_TENANTS} per stack, whatever the quotas: the database, cache and file-system security groups take one inbound ` +
                    "rule per tenant (60 by default, VPC quotas), and past 100 tenants target groups per load balancer cannot be raised; " +
                    'more tenants need the stack split into shards of 50, decided but not built (README "Scale: hundreds of tenants")',
            ),
        cost: costSchema.default({}),
        /** Offboarded tenants (`npm run tenant -- remove` adds them): no tenant may take one's id or slot. */
        retiredTenants: z.array(retiredTenantSchema).default([]),
        /** The standby region (`drSchema`), or `none`: no DR resource at all. */
        dr: z
            .union([z.literal("none"), drSchema], {
                errorMap: (issue, ctx) => ({
                    message:
                        issue.code === "invalid_union"
                            ? "`none`, or { region, network, serving, globalDatabase, standby, replication }"
                            : ctx.defaultError,
                }),
            })
            .default("none"),
    })
    .strict();

/** The schemas themselves, for tooling that lists every key (the README's reference is checked against them). */
export const CONFIG_SCHEMAS = { aws: awsSchema, bbws: bbwsSchema } as const;

export type NetworkConfig = z.infer<typeof networkSchema>;
export type ProtectionConfig = z.infer<typeof protectionSchema>;
export type DatabaseConfig = z.infer<typeof databaseSchema>;
export type CacheConfig = z.infer<typeof cacheSchema>;
export type StorageConfig = z.infer<typeof storageSchema>;
export type EcsConfig = z.infer<typeof ecsSchema>;
export type CapacityProvider = z.infer<typeof capacityProviderSchema>;
export type RolloutConfig = z.infer<typeof rolloutSchema>;
export type CostConfig = z.infer<typeof costSchema>;
/** `bbws:dr` when it is not `none`: region, standby network, serving side, global database state, standby size, targets. */
export type DrConfig = z.infer<typeof drSchema>;

/**
 * Who keeps the Aurora master user's password: `rds` (RDS manages it in Secrets Manager, rotating it
 * weekly) unless the cluster is, or will be, a member of an Aurora global database, which RDS refuses
 * to combine with a managed password (Aurora user guide, "Password management with Amazon Aurora and
 * AWS Secrets Manager", Limitations: "DB clusters that are part of an Aurora global database"). Then
 * `platform`: a random password the program sets and keeps in its own secret, replicated to the DR
 * region (components/data.ts).
 */
export function masterPasswordKeeper(dr: DrConfig | undefined): "rds" | "platform" {
    return dr ? "platform" : "rds";
}
export type RetiredTenant = Readonly<z.infer<typeof retiredTenantSchema>>;
export type TenantConfig = Readonly<Omit<z.infer<typeof tenantSchema>, "domains">> & {
    /** The custom domains' hostnames, in config order. */
    readonly domains: readonly string[];
    /** The custom domains with where their zone is and where their certificate stands. */
    readonly customDomains: readonly CustomDomain[];
    /** POSIX uid and gid of the tenant's files on EFS. */
    readonly posixId: number;
    /** `<id>.<domain>` followed by the custom domains (served or not: the listener rule names only the served). */
    readonly hostnames: readonly string[];
    readonly imageTag: string;
    readonly minCapacity: number;
    readonly maxCapacity: number;
};
export type MonitoringConfig = z.infer<typeof monitoringSchema> & {
    thresholds: z.infer<typeof thresholdsSchema> & { auroraConnections: number };
};

export interface PlatformConfig {
    /** The stack name: dev, sit or prod. Every resource name ends with it. */
    readonly env: string;
    readonly accountId: string;
    readonly region: string;
    readonly domain: string;
    /** `aws:defaultTags`: the provider adds them to every taggable resource. */
    readonly tags: Readonly<Record<string, string>>;
    readonly network: Readonly<NetworkConfig>;
    readonly protection: Readonly<ProtectionConfig>;
    readonly database: Readonly<DatabaseConfig>;
    readonly cache: Readonly<CacheConfig>;
    readonly storage: Readonly<StorageConfig>;
    readonly ecs: Readonly<EcsConfig>;
    readonly monitoring: Readonly<MonitoringConfig>;
    readonly approvals: Readonly<Partial<Record<(typeof PHASE_NAMES)[number], readonly string[]>>>;
    readonly rollout: Readonly<RolloutConfig>;
    readonly tenants: readonly TenantConfig[];
    /** Usage assumptions of the cost estimate; no component reads them. */
    readonly cost: Readonly<CostConfig>;
    /** The standby region and its settings; undefined for `bbws:dr: none`. */
    readonly dr: Readonly<DrConfig> | undefined;
    /** Offboarded tenants, whose ids and slots are never reused. */
    readonly retiredTenants: readonly RetiredTenant[];
}

/** First POSIX id handed to tenants; below it are system and image users (www-data is 33). */
export const TENANT_POSIX_ID_BASE = 20000;

/**
 * The uid and gid the platform's one-off task runs as: the base itself, which no tenant holds (slots
 * start at 1), so the platform task never owns a tenant's files.
 */
export const PLATFORM_TASK_POSIX_ID = TENANT_POSIX_ID_BASE;

/**
 * Thrown by `parseConfig` when a stack's config is invalid: `stack` is the stack name and `problems`
 * holds every problem found, each starting with what it concerns: a key path (`bbws:network.vpcCidr: …`)
 * or the stack name. The message lists them all, one per line.
 */
export class ConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: string[],
    ) {
        super(`invalid configuration for stack '${stack}':\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/**
 * Validates a stack's raw config map (keys as in Pulumi.<env>.yaml: `aws:region`, `bbws:network`, …)
 * and returns the frozen, typed configuration. Every problem is reported at once, with its key path.
 */
export function parseConfig(stack: string, raw: Readonly<Record<string, unknown>>): PlatformConfig {
    const problems: string[] = [];
    const aws: Record<string, unknown> = {};
    const bbws: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
        const separator = key.indexOf(":");
        const ns = separator < 0 ? "" : key.slice(0, separator);
        const name = key.slice(separator + 1);
        if (ns === "aws") {
            aws[name] = value;
            if (!AWS_PROVIDER_CONFIG_KEYS.includes(name)) {
                problems.push(
                    `${key}: the AWS provider defines no such key, so it would be ignored${didYouMean(name, AWS_PROVIDER_CONFIG_KEYS, "aws:")}`,
                );
            }
        } else if (ns === "bbws") {
            bbws[name] = value;
        } else if (ns === "") {
            problems.push(
                `${key}: no namespace, so Pulumi reads it as the project's own key ('<project>:${name}'), which nothing reads; ` +
                    `did you mean 'bbws:${name}'?`,
            );
        } else if (ns !== ENGINE_NAMESPACE) {
            problems.push(
                `${key}: namespace '${ns}' is read by nothing, so the value would be ignored; ` +
                    `this program reads 'bbws:' and 'aws:' keys${ns.startsWith("bbws") ? `; did you mean 'bbws:${name}'?` : didYouMean(ns, ["bbws", "aws"], "", `:${name}`)}`,
            );
        }
    }
    const awsResult = awsSchema.safeParse(aws);
    const bbwsResult = bbwsSchema.safeParse(bbws);
    if (!awsResult.success) problems.push(...formatIssues("aws", awsResult.error, awsSchema));
    if (!bbwsResult.success) problems.push(...formatIssues("bbws", bbwsResult.error, bbwsSchema));
    if (!isStackName(stack)) {
        problems.push(
            `stack name '${stack}': expected a short lowercase environment name such as dev, sit or prod ` +
                "(2–16 letters, digits and single inner hyphens: it ends S3 bucket, RDS and load balancer names, which refuse the rest)",
        );
    }
    if (!awsResult.success || !bbwsResult.success) throw new ConfigError(stack, problems);

    const a = awsResult.data;
    const b = bbwsResult.data;
    problems.push(...crossChecks(stack, a.defaultTags.tags, a.region, b));
    if (problems.length > 0) throw new ConfigError(stack, problems);

    const thresholds = {
        ...b.monitoring.thresholds,
        auroraConnections: b.monitoring.thresholds.auroraConnections ?? Math.floor(b.database.maxConnections * 0.9),
    };
    const tenants: TenantConfig[] = b.tenants.map((t) => ({
        ...t,
        domains: t.domains.map((d) => customDomain(d).name),
        customDomains: t.domains.map(customDomain),
        posixId: TENANT_POSIX_ID_BASE + t.slot,
        hostnames: [`${t.id}.${b.domain}`, ...t.domains.map((d) => customDomain(d).name)],
        imageTag: t.imageTag ?? b.ecs.imageTag,
        ...tenantCapacity(t, b.ecs),
    }));
    return deepFreeze({
        env: stack,
        accountId: a.allowedAccountIds[0],
        region: a.region,
        domain: b.domain,
        tags: a.defaultTags.tags,
        network: b.network,
        protection: b.protection,
        database: b.database,
        cache: b.cache,
        storage: b.storage,
        ecs: b.ecs,
        monitoring: { ...b.monitoring, thresholds },
        approvals: b.approvals,
        rollout: b.rollout,
        tenants,
        cost: b.cost,
        retiredTenants: b.retiredTenants,
        dr: b.dr === "none" ? undefined : b.dr,
    });
}

/** Rules that span several keys; zod checks each key on its own. */
function crossChecks(stack: string, tags: Record<string, string>, region: string, b: z.infer<typeof bbwsSchema>): string[] {
    const problems: string[] = [];
    if (tags.Environment !== stack) {
        problems.push(`aws:defaultTags.tags.Environment: expected '${stack}' (the stack name), got '${tags.Environment}'`);
    }
    const seen = (what: string, values: Array<[string, string | number]>) => {
        const first = new Map<string | number, string>();
        for (const [path, value] of values) {
            const earlier = first.get(value);
            if (earlier) problems.push(`${path}: duplicate ${what} '${value}' (also at ${earlier})`);
            else first.set(value, path);
        }
    };
    seen(
        "tenant id",
        b.tenants.map((t, i) => [`bbws:tenants[${i}].id`, t.id]),
    );
    seen(
        "tenant slot",
        b.tenants.map((t, i) => [`bbws:tenants[${i}].slot`, t.slot]),
    );
    seen(
        "domain",
        b.tenants.flatMap((t, i) => [
            [`bbws:tenants[${i}].id`, `${t.id}.${b.domain}`] as [string, string],
            ...t.domains.map((d, j) => [`bbws:tenants[${i}].domains[${j}]`, customDomain(d).name] as [string, string]),
        ]),
    );
    b.tenants.forEach((t, i) => {
        if (!hasOwnVpc(t.tier) || b.dr === "none") return;
        problems.push(
            `bbws:tenants[${i}].tier: ${t.tier} is not yet built for an environment with bbws:dr: its standby would run in the ` +
                `shared standby VPC, not its own network (README "Isolation tiers"); keep the tenant basic here, or ${t.tier} where bbws:dr is none`,
        );
    });
    b.tenants.forEach((t, i) => {
        if (!hasOwnDatabase(t.tier) || !t.id.includes("--")) return;
        problems.push(
            `bbws:tenants[${i}].tier: an enterprise tenant's Aurora cluster is named after its id (${tenantClusterIdentifier(stack, t.id)}), ` +
                `and an RDS identifier cannot contain two consecutive hyphens (RDS API reference, CreateDBCluster, DBClusterIdentifier): ` +
                `'${t.id}' can be basic or premium only`,
        );
    });
    b.tenants.forEach((t, i) => {
        if (t.tier === "basic" || !cidrsOverlap(tenantVpcCidr(t.slot), b.network.vpcCidr)) return;
        problems.push(
            `bbws:tenants[${i}].tier: a ${t.tier} tenant's own VPC (${tenantVpcCidr(t.slot)}, from its slot) overlaps bbws:network.vpcCidr ` +
                `(${b.network.vpcCidr}); VPC peering refuses overlapping ranges: give the environment a VPC outside the tenant pool ` +
                `${TENANT_VPC_POOL_START}–${TENANT_VPC_POOL_END}`,
        );
    });
    const customDomains = b.tenants.reduce((n, t) => n + t.domains.length, 0);
    if (customDomains > MAX_LISTENER_CERTIFICATES) {
        problems.push(
            `bbws:tenants: ${customDomains} custom domains; each needs its own certificate on the HTTPS listener, which takes at most ` +
                `${MAX_LISTENER_CERTIFICATES} besides its default (ELB quota "Certificates per Application Load Balancer")`,
        );
    }
    seen(
        "retired tenant id",
        b.retiredTenants.map((r, i) => [`bbws:retiredTenants[${i}].id`, r.id]),
    );
    seen(
        "retired tenant slot",
        b.retiredTenants.map((r, i) => [`bbws:retiredTenants[${i}].slot`, r.slot]),
    );
    b.tenants.forEach((t, i) => {
        for (const key of ["id", "slot"] as const) {
            const j = b.retiredTenants.findIndex((r) => r[key] === t[key]);
            if (j < 0) continue;
            const r = b.retiredTenants[j];
            problems.push(
                `bbws:tenants[${i}].${key}: ${key} ${key === "id" ? `'${t.id}'` : t.slot} is retired (bbws:retiredTenants[${j}]: ` +
                    `id ${r.id}, slot ${r.slot}, retired ${r.date}) and is never reused: its archive, media prefix, logs and file ownership still name it`,
            );
        }
    });
    seen(
        "alert email",
        b.monitoring.alertEmails.map((e, i) => [`bbws:monitoring.alertEmails[${i}]`, e]),
    );
    seen(
        "critical email",
        b.monitoring.criticalEmails.map((e, i) => [`bbws:monitoring.criticalEmails[${i}]`, e]),
    );
    b.tenants.forEach((t, i) => {
        const host = `${t.id}.${b.domain}`;
        if (host.length > MAX_HOST_HEADER) {
            problems.push(
                `bbws:tenants[${i}].id: its hostname ${host} is ${host.length} characters; a load balancer host-header value takes at most ${MAX_HOST_HEADER} ` +
                    "(shorten the id or bbws:domain)",
            );
        }
        if (!isValidFargateSize(t.cpu, t.memory)) {
            problems.push(
                `bbws:tenants[${i}].memory: ${t.memory} MiB is not a Fargate size for cpu ${t.cpu}; ` +
                    `expected one of ${fargateMemoryOptions(t.cpu).join(", ")}`,
            );
        }
        const { minCapacity: min, maxCapacity: max } = tenantCapacity(t, b.ecs);
        if (t.offboarding && !t.stopped) {
            problems.push(
                `bbws:tenants[${i}].offboarding: written by \`npm run tenant -- remove\` with stopped: true; ` +
                    "a tenant still serving keeps its load balancer's deletion protection: add stopped, or drop offboarding",
            );
        }
        if (t.stopped && (t.minCapacity !== undefined || t.maxCapacity !== undefined)) {
            problems.push(
                `bbws:tenants[${i}].stopped: a stopped service runs no tasks (auto-scaling range 0–0), so minCapacity and maxCapacity ` +
                    "would be ignored; drop them, or drop stopped",
            );
        } else if (t.singleton && max > 1) {
            problems.push(
                `bbws:tenants[${i}].maxCapacity: ${max} tasks, but a singleton holds an exclusive lock on EFS: ` +
                    "a second task would wait on the first one's lock; use 1 (the default for a singleton) or drop singleton",
            );
        } else if (min > max) {
            problems.push(`bbws:tenants[${i}]: minCapacity ${min} is greater than maxCapacity ${max}`);
        }
    });
    if (b.ecs.minCapacity > b.ecs.maxCapacity) {
        problems.push(`bbws:ecs: minCapacity ${b.ecs.minCapacity} is greater than maxCapacity ${b.ecs.maxCapacity}`);
    }
    seen(
        "capacity provider",
        b.ecs.capacityProviders.map((p, i) => [`bbws:ecs.capacityProviders[${i}].provider`, p.provider]),
    );
    if (b.ecs.capacityProviders.filter((p) => p.base > 0).length > 1) {
        problems.push("bbws:ecs.capacityProviders: only one provider may have a base");
    }
    if (b.ecs.capacityProviders.every((p) => p.weight === 0)) {
        problems.push("bbws:ecs.capacityProviders: at least one provider needs a weight above 0");
    }
    if (b.protection.retainOnDelete && !b.protection.protect) {
        problems.push("bbws:protection.retainOnDelete: requires protect: true (retained resources must also be protected)");
    }
    problems.push(...drProblems(region, b));
    if (b.database.deletionProtection === false && b.protection.protect) {
        problems.push("bbws:database.deletionProtection: must be true when bbws:protection.protect is true");
    }
    return problems;
}

/**
 * `bbws:dr` against the rest: a standby in the primary's own region survives nothing; overlapping VPC
 * ranges could never be peered; the secondary cluster runs the primary's engine version, which must be
 * one a global database supports (`GLOBAL_DATABASE_ENGINE_VERSION`).
 */
function drProblems(region: string, b: z.infer<typeof bbwsSchema>): string[] {
    if (b.dr === "none") return [];
    const problems: string[] = [];
    if (b.dr.region === region) {
        problems.push(
            `bbws:dr.region: '${b.dr.region}' is aws:region itself; a standby must be in another region to survive the primary's outage`,
        );
    }
    if (cidrsOverlap(b.dr.network.vpcCidr, b.network.vpcCidr)) {
        problems.push(
            `bbws:dr.network.vpcCidr: ${b.dr.network.vpcCidr} overlaps bbws:network.vpcCidr ${b.network.vpcCidr}; the two VPCs could never be peered`,
        );
    }
    if (b.monitoring.drReplica) {
        problems.push(
            "bbws:monitoring.drReplica: its alarm reads AuroraGlobalDBReplicationLag of the primary cluster in aws:region, but the " +
                "secondary publishes it in its own region; with bbws:dr the DR alarms watch it there: drop drReplica",
        );
    }
    if (!GLOBAL_DATABASE_ENGINE_VERSION.test(b.database.engineVersion)) {
        problems.push(
            `bbws:database.engineVersion: '${b.database.engineVersion}' is not an Aurora MySQL 3 version (8.0.mysql_aurora.3.xx.y), ` +
                "which bbws:dr's global database needs",
        );
    }
    return problems;
}

/** Config keys in this namespace are the engine's own settings (`pulumi:autonaming`, …), not the program's. */
const ENGINE_NAMESPACE = "pulumi";

/** A stack name that fits every physical name it ends: no trailing or doubled hyphen (S3, RDS, ELB names refuse them). */
export function isStackName(stack: string): boolean {
    return stack.length >= 2 && stack.length <= 16 && /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(stack);
}

/**
 * The tag a premium tenant's own load balancer carries while the tenant is `offboarding`, its deletion
 * protection off on purpose. The policy pack (self-contained) names it again in ELB.6's rule;
 * test/policy/rules.test.ts keeps the two equal.
 */
export const OFFBOARDING_TAG = "Offboarding";

/**
 * The tag a tenant's database secret carries while its rotation is paused (`databaseRotationPaused`),
 * value `"true"`: the policy pack's SecretsManager.1 rule (self-contained) names it again and accepts such
 * a secret without a `SecretRotation`; test/policy/rules.test.ts keeps the two equal. In AWS it says why
 * Security Hub's SecretsManager.1 finds the secret not rotating.
 */
export const ROTATION_PAUSED_TAG = "RotationPaused";

/**
 * Whether a tenant's database secret has no rotation configured: while it is `stopped`. A stopped tenant
 * is one being onboarded, whose MySQL user does not exist until the `database` step; one in a tier
 * migration, whose secret names the shared cluster until the `repoint-secret` step while an enterprise
 * tenant's rotation function reaches only its own cluster; or one being removed, which may be either.
 * Configuring rotation then fails: RotateSecret without `RotateImmediately` "tests the rotation
 * configuration by running the testSecret step" of the function (Secrets Manager API reference,
 * RotateSecret), whose test logs in with the pending version's user and host (our reading of the MySQL
 * function's `test_secret`; what the configuration test's version holds is not documented), and "when
 * rotation is unsuccessful, the AWSPENDING staging label might be attached to an empty secret version";
 * "if the AWSPENDING staging label is present but not attached to the same version as AWSCURRENT, then any
 * later invocation of RotateSecret assumes that a previous rotation request is still in progress and
 * returns an error". So the start's database rollout configures it, once the user exists where the
 * secret points. A removal's stop leaves the database phase to the removal's own rollouts (an enterprise
 * tenant's `unprotect`, everyone's `rollout`, which deletes the rotation with the secret).
 */
export function databaseRotationPaused(t: { readonly stopped?: boolean }): boolean {
    return t.stopped === true;
}

/** The tenant's auto-scaling range: none for a stopped service, a singleton defaults to one task, everyone else to the environment's range. */
function tenantCapacity(t: z.infer<typeof tenantSchema>, ecs: z.infer<typeof ecsSchema>): { minCapacity: number; maxCapacity: number } {
    if (t.stopped) return { minCapacity: 0, maxCapacity: 0 };
    return {
        minCapacity: t.minCapacity ?? (t.singleton ? Math.min(1, ecs.minCapacity) : ecs.minCapacity),
        maxCapacity: t.maxCapacity ?? (t.singleton ? 1 : ecs.maxCapacity),
    };
}

function formatIssues(namespace: string, error: z.ZodError, schema: z.ZodTypeAny): string[] {
    return error.issues.flatMap((issue) => {
        if (issue.code === "unrecognized_keys" && issue.path.length === 0) {
            const known = objectKeysAt(schema, []);
            return issue.keys.map(
                (k) => `${namespace}:${k}: unknown key, so the value would be ignored${didYouMean(k, known, `${namespace}:`)}`,
            );
        }
        const [head, ...rest] = issue.path;
        const key = head === undefined ? namespace : `${namespace}:${String(head)}`;
        const path = rest.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[${part}]` : `${acc}.${part}`), key);
        const message =
            issue.code === "invalid_type" && issue.received === "undefined"
                ? `required, expected ${issue.expected}`
                : issue.code === "unrecognized_keys"
                  ? issue.keys.map((k) => `unknown key '${k}'${didYouMean(k, objectKeysAt(schema, issue.path))}`).join("; ")
                  : issue.message;
        return [`${path}: ${message}`];
    });
}

/** The keys an object schema at `path` accepts (arrays and wrappers stepped through); [] when there is none. */
function objectKeysAt(schema: z.ZodTypeAny, path: ReadonlyArray<string | number>): string[] {
    let node: z.ZodTypeAny | undefined = schema;
    const unwrap = (s: z.ZodTypeAny): z.ZodTypeAny =>
        s instanceof z.ZodDefault
            ? unwrap(s._def.innerType)
            : s instanceof z.ZodOptional
              ? unwrap(s.unwrap())
              : s instanceof z.ZodEffects
                ? unwrap(s.innerType())
                : s instanceof z.ZodArray
                  ? unwrap(s.element)
                  : s;
    for (const part of path) {
        if (typeof part === "number") continue;
        const current: z.ZodTypeAny | undefined = node === undefined ? undefined : unwrap(node);
        node = current instanceof z.ZodObject ? (current.shape as Record<string, z.ZodTypeAny>)[part] : undefined;
    }
    const target = node === undefined ? undefined : unwrap(node);
    return target instanceof z.ZodObject ? Object.keys(target.shape) : [];
}

/** `; did you mean 'x'?` for the closest candidate within a few typos, else "". */
export function didYouMean(word: string, candidates: readonly string[], prefix = "", suffix = ""): string {
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of candidates) {
        const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
        if (!best || distance < best.distance) best = { candidate, distance };
    }
    const tolerance = Math.max(2, Math.floor(word.length / 3));
    return best && best.distance <= tolerance ? `; did you mean '${prefix}${best.candidate}${suffix}'?` : "";
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const child of Object.values(value as object)) deepFreeze(child);
    }
    return value;
}

/** Pulumi stores object config as JSON text and scalars as plain strings; this undoes that. */
export function decodeConfigValue(text: string): unknown {
    const trimmed = text.trim();
    if (/^[[{]/.test(trimmed) || /^(true|false|-?\d+(\.\d+)?)$/.test(trimmed)) {
        try {
            return JSON.parse(trimmed);
        } catch {
            return text;
        }
    }
    return text;
}
