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
