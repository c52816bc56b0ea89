/**
 * Shapes every layer shares: physical names, protection of stateful resources, and the policy
 * statements and rules that would otherwise be copied between layers.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ProtectionConfig } from "../src/config";

/** Physical name `bbws-<part>-<env>`: runbooks and dashboards look resources up by it. */
export function bbwsName(env: string, part: string): string {
    return `bbws-${part}-${env}`;
}

/**
 * Options for a resource that holds data. `protect` makes a delete or replace fail until someone
 * unprotects it on purpose; `retainOnDelete` (buckets, keys) leaves it in AWS if it leaves the program.
 */
export function statefulOptions(
    parent: pulumi.Resource,
    protection: ProtectionConfig,
    kind: { retain?: boolean } = {},
): pulumi.CustomResourceOptions {
    return {
        parent,
        protect: protection.protect,
        retainOnDelete: kind.retain === true && protection.retainOnDelete,
    };
}

/** The statement every resource policy carries: refuse any request not made over TLS. */
export function denyInsecureTransport(action: string, resources: pulumi.Input<string>[]): object {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: action,
        Resource: resources,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/** The trust policy of a role that one AWS service assumes on the platform's behalf. */
export function serviceAssumeRolePolicy(service: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });
}

/**
 * Base of the per-tenant components (`TenantNetwork`, `TenantDatabase`, …): one tenant's resources of
 * one layer, so the tenant is one subtree per phase. It must be constructed with `parent` set to its
 * layer: before tenant components existed, its children were that layer's own children, and `moved()`
 * gives each the alias that keeps its identity (no replacement, see there). Throws `Error` when
 * `opts.parent` is missing.
 */
export abstract class TenantComponent extends pulumi.ComponentResource {
    /** The layer the tenant's resources were direct children of before this component existed. */
    private readonly layer: pulumi.Resource;

    constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        if (!opts.parent) throw new Error(`tenant component \`${name}\` needs \`parent\`: its layer, which its resources' aliases name`);
        this.layer = opts.parent;
    }

    /**
     * Options of a child that used to be the layer's own child under the same name: parented by this
     * component, with the alias `{ parent: <layer> }`. The engine computes the old URN from the alias
     * (same name and type, the layer's type chain) and, finding it in the state, diffs against that
     * resource and rewrites its URN instead of creating one and deleting the other (pulumi/pulumi
     * `pkg/resource/deploy/step_generator.go`: `collapseAliasToUrn`, `getOldResource`; `Alias` in
     * `sdk/nodejs/resource.ts`). The name stays: a logical name is identity, and the offline model
     * mints ids from it, so only an unchanged name can be proven offline to keep every id
     * (test/rehearsal/aliases.test.ts).
     *
     * The alias names the layer by its URN, not the layer object: the SDK resolves each alias with
     * `output(alias)`, which walks the whole value looking for unknowns (`containsUnknowns` in
     * sdk/nodejs/output.ts), and a layer object reaches every tenant's outputs, so one walk per child
     * made synthesis quadratic in tenants (100 tenants: 35 s, against 9 s for 50).
     */
    protected moved(extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
        return { ...extra, parent: this, aliases: [{ parent: this.layer.urn }] };
    }
}

/**
 * Where a secret is replicated with `bbws:dr`: the DR region, under that region's data key. Secrets
 * Manager keeps the replica's ARN equal to the primary's but for the region (Secrets Manager user
 * guide, "Replicate AWS Secrets Manager secrets across Regions"), which is the ARN the standby's task
 * definitions name (`standbyContainerDefinitions`); the replica follows every new value, rotations too.
 */
export interface SecretReplica {
    readonly region: string;
    readonly kmsKeyId: pulumi.Input<string>;
}

/** The `replicas` input of a secret: one in `replica`'s region, or none (no input: no diff without DR). */
export function secretReplicas(replica: SecretReplica | undefined): Pick<aws.secretsmanager.SecretArgs, "replicas"> {
    return replica ? { replicas: [{ region: replica.region, kmsKeyId: replica.kmsKeyId }] } : {};
}

/**
 * A Secrets Manager secret (`logicalName`) and its current value (`<logicalName>-value`), both
 * returned. `options` gives each child's resource options by its suffix (`""` for the secret,
 * `"-value"` for the value).
 */
export function secretWithValue(
    logicalName: string,
    args: aws.secretsmanager.SecretArgs,
    value: pulumi.Input<string>,
    options: (suffix: "" | "-value") => pulumi.CustomResourceOptions,
): { secret: aws.secretsmanager.Secret; version: aws.secretsmanager.SecretVersion } {
    const secret = new aws.secretsmanager.Secret(logicalName, args, options(""));
    const version = new aws.secretsmanager.SecretVersion(
        `${logicalName}-value`,
        { secretId: secret.id, secretString: value },
        options("-value"),
    );
    return { secret, version };
}

/**
 * The JSON text of `value`, a plain document (policy, container definitions, event pattern) whose
 * leaves may be `Input`s at any depth: the same `Output<string>` as `pulumi.jsonStringify(value)`,
 * for a fraction of its allocations.
 *
 * `pulumi.jsonStringify` is `output(obj).apply(JSON.stringify)` (@pulumi/pulumi 3.248.0 `output.js`
 * lines 668-672), and `output`'s `outputRec` (lines 367-461) wraps every `Output` leaf in two new
 * `Output`s (lines 389-402) and every object or array that holds one in another (lines 418-461), each
 * `Output` a dozen promises and closures. Here the leaves that `outputRec` would lift are collected in
 * one walk and lifted by one `pulumi.all` over just them (line 505: `output` of the array, so each
 * leaf is lifted exactly as there), and the document is filled in and stringified once they resolve.
 * What the SDK preserves is preserved because the leaves go through the same code:
 * - secret: any secret leaf makes the result secret (`getResourcesAndDetails`, lines 547-548; `apply`
 *   keeps it, line 330);
 * - unknown (preview): any unknown leaf, or `pulumi.unknown` anywhere, makes the result unknown and
 *   `JSON.stringify` is not run (lines 89, 311-319), as there;
 * - dependencies: the union of the leaves' resources (lines 523-544), so the resource that receives
 *   the document depends on the same resources.
 *
 * Leaves: `Output`s, promises and `pulumi.unknown`; a `Resource` is kept as it is (lines 374-378).
 * Objects and arrays are copied as `outputRec` copies them (own enumerable keys into a plain
 * object), so `toJSON` of a class instance is lost there and here alike. Throws, as `outputRec` does
 * (lines 407-415), on a structure that contains itself.
 */
export function jsonOf(value: unknown): pulumi.Output<string> {
    // A leaf used in several places (a secret's ARN in two containers) is lifted once.
    const leaves = new Map<unknown, number>();
    const slots: { holder: Record<string, unknown> | unknown[]; key: string | number; leaf: number }[] = [];
    const path = new Set<object>();
    const copy = (v: unknown, holder: Record<string, unknown> | unknown[], key: string | number): unknown => {
        if (v === null || typeof v !== "object" || pulumi.Resource.isInstance(v)) return v;
        if (pulumi.Output.isInstance(v) || v instanceof Promise || pulumi.isUnknown(v)) {
            if (!leaves.has(v)) leaves.set(v, leaves.size);
            slots.push({ holder, key, leaf: leaves.get(v)! });
            return undefined;
        }
        if (path.has(v)) throw new Error("Cannot create an Output from a circular structure");
        path.add(v);
        let result: Record<string, unknown> | unknown[];
        if (Array.isArray(v)) {
            const array: unknown[] = new Array(v.length);
            for (let i = 0; i < v.length; i++) array[i] = copy(v[i], array, i);
            result = array;
        } else {
            const object: Record<string, unknown> = {};
            for (const k of Object.keys(v)) object[k] = copy((v as Record<string, unknown>)[k], object, k);
            result = object;
        }
        path.delete(v);
        return result;
    };
    const root: unknown[] = [undefined];
    root[0] = copy(value, root, 0);
    if (leaves.size === 0) return pulumi.output(JSON.stringify(root[0]));
    return pulumi.all([...leaves.keys()]).apply((resolved) => {
        for (const { holder, key, leaf } of slots) (holder as Record<string | number, unknown>)[key] = resolved[leaf];
        return JSON.stringify(root[0]);
    });
}

/**
 * The policy of every data key (the environment's, an enterprise tenant's): the account's IAM policies
 * decide who may use the key; the services encrypting with it (RDS, ElastiCache, EFS, S3, Secrets
 * Manager, Backup) act through grants on a caller's behalf. CloudWatch Logs uses no grants: it must be
 * named, and only for this account's log groups (CloudWatch Logs user guide, "Encrypt log data in
 * CloudWatch Logs using AWS KMS", key policy with `kms:EncryptionContext:aws:logs:arn`).
 */
export function dataKeyPolicy(accountId: string, region: string): pulumi.Output<string> {
    return jsonOf({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountIamPoliciesGovernTheKey",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            {
                Sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
                Effect: "Allow",
                Principal: { Service: `logs.${region}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${accountId}:log-group:*` } },
            },
        ],
    });
}

/** What `createDataKey` builds one data key from. */
export interface DataKeySpec {
    /** The key's region when not the stack's (the DR region); its policy names this region's CloudWatch Logs. */
    readonly region?: string;
    /** The stack's region: the policy's region when `region` is absent. */
    readonly stackRegion: string;
    readonly accountId: string;
    readonly description: string;
    /** `alias/…`. */
    readonly alias: string;
    readonly tags: Record<string, string>;
    /** The key's resource options (protected and retained as the caller's data requires). */
    readonly options: pulumi.CustomResourceOptions;
}

/**
 * A customer-managed data key `<name>-key` (yearly rotation, 30-day deletion window, `dataKeyPolicy`)
 * and its alias `<name>-key-alias`, children of `parent`: the environment's, its DR region's and each
 * enterprise tenant's are made alike.
 */
export function createDataKey(parent: pulumi.Resource, name: string, spec: DataKeySpec): aws.kms.Key {
    const placement = spec.region ? { region: spec.region } : {};
    const key = new aws.kms.Key(
        `${name}-key`,
        {
            ...placement,
            description: spec.description,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: dataKeyPolicy(spec.accountId, spec.region ?? spec.stackRegion),
            tags: spec.tags,
        },
        { ...spec.options, parent },
    );
    new aws.kms.Alias(`${name}-key-alias`, { ...placement, name: spec.alias, targetKeyId: key.keyId }, { parent });
    return key;
}
