/**
 * One tenant's part of the data layer (`bbws:data:TenantDatabase`): the generated password and the
 * Secrets Manager secret the tenant's WordPress reads its database credentials from.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { secretWithValue, TenantComponent } from "./shared";

export interface TenantDatabaseArgs {
    readonly tenantId: string;
    /** The secret's name, `bbws/<env>/tenants/<id>/db` (`tenantDbSecretName`, which the platform task reads too). */
    readonly secretName: string;
    /** The MySQL user and schema, `wp_<id>` (`tenantDatabaseName`). */
    readonly database: string;
    /** The data key: the secret is encrypted with it. */
    readonly keyArn: pulumi.Input<string>;
    /** Days a deleted secret stays recoverable (`protection.secretRecoveryDays`). */
    readonly recoveryWindowInDays: number;
    /** The cluster's writer endpoint and port, written into the secret for WordPress. */
    readonly host: pulumi.Input<string>;
    readonly port: pulumi.Input<number>;
    /** The layer's name: the children keep the names they had under it (`<layer>-tenant-<id>-db…`). */
    readonly layerName: string;
}

/**
 * The tenant's credentials: a 40-character password (`<layer>-tenant-<id>-db-password`) and the secret
 * `bbws/<env>/tenants/<id>/db` (`<layer>-tenant-<id>-db`, value `…-db-value`) holding JSON
 * `{password, username, dbname, host, port}`, tag `Tenant=<id>`. The children keep the names they had
 * as the layer's own, each with an alias naming the layer as its former parent, so moving them here
 * replaced nothing.
 */
export class TenantDatabase extends TenantComponent {
    /** The secret's ARN: the tenant's container reads it. */
    readonly secretArn: pulumi.Output<string>;

    constructor(name: string, args: TenantDatabaseArgs, opts: pulumi.ComponentResourceOptions) {
        super("bbws:data:TenantDatabase", name, opts);
        const { tenantId: t, database } = args;
        const base = `${args.layerName}-tenant-${t}-db`;
        const password = new random.RandomPassword(`${base}-password`, { length: 40, special: false }, this.moved());
        const secret = secretWithValue(
            base,
            {
                name: args.secretName,
                description: `Database credentials of tenant ${t}`,
                kmsKeyId: args.keyArn,
                recoveryWindowInDays: args.recoveryWindowInDays,
                tags: { Tenant: t },
            },
            pulumi.jsonStringify({ password: password.result, username: database, dbname: database, host: args.host, port: args.port }),
            () => this.moved(),
        );
        this.secretArn = secret.arn;
        this.registerOutputs({ secretArn: this.secretArn });
    }
}
