/**
 * One tenant's part of the storage layer (`bbws:storage:TenantStorage`): the tenant's EFS access point.
 * Its media prefix in the shared assets bucket is not a resource; the bucket stays the layer's.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { bbwsName, TenantComponent } from "./shared";

export interface StorageTenant {
    readonly id: string;
    /** POSIX uid and gid of the tenant's files, unique and stable per tenant. */
    readonly posixId: number;
}

/** Every tenant's files live under this directory; no access point exposes the file system's root. */
export const TENANT_ROOT = "/tenants";

export interface AccessPointRef {
    readonly id: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
}

/**
 * A tenant's access point: its own directory, created owned by the tenant and closed to others
 * (0750), and every NFS operation performed as the tenant's uid/gid whatever the container runs as.
 */
export function accessPointSpec(tenant: StorageTenant): Pick<aws.efs.AccessPointArgs, "posixUser" | "rootDirectory"> {
    return {
        posixUser: { uid: tenant.posixId, gid: tenant.posixId },
        rootDirectory: {
            path: `${TENANT_ROOT}/${tenant.id}`,
            creationInfo: { ownerUid: tenant.posixId, ownerGid: tenant.posixId, permissions: "750" },
        },
    };
}

export interface TenantStorageArgs {
    readonly env: string;
    readonly tenant: StorageTenant;
    readonly fileSystemId: pulumi.Input<string>;
    /** The layer's name: the access point keeps the name it had under it, `<layer>-efs-<id>`. */
    readonly layerName: string;
}

/**
 * The tenant's access point (`<layer>-efs-<id>`, Name `bbws-efs-<id>-<env>`, tag `Tenant=<id>`),
 * rooted at `/tenants/<id>` as the tenant's uid and gid (`accessPointSpec`). It keeps the name it had
 * as the layer's own, with an alias naming the layer as its former parent, so moving it here replaced
 * nothing.
 */
export class TenantStorage extends TenantComponent {
    readonly accessPoint: AccessPointRef;

    constructor(name: string, args: TenantStorageArgs, opts: pulumi.ComponentResourceOptions) {
        super("bbws:storage:TenantStorage", name, opts);
        const { env, tenant } = args;
        const accessPoint = new aws.efs.AccessPoint(
            `${args.layerName}-efs-${tenant.id}`,
            {
                fileSystemId: args.fileSystemId,
                ...accessPointSpec(tenant),
                tags: { Name: bbwsName(env, `efs-${tenant.id}`), Tenant: tenant.id },
            },
            this.moved(),
        );
        this.accessPoint = { id: accessPoint.id, arn: accessPoint.arn };
        this.registerOutputs({ accessPoint: this.accessPoint });
    }
}
