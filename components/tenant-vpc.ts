/**
 * A premium tenant's own network (README "Scale: hundreds of tenants", "Isolation tiers").
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * What the network layer hands the later layers about one premium tenant's own VPC. The tenant's task
 * security group stays `TenantNetwork.securityGroupId` (for a premium tenant it lies in this VPC).
 */
export interface TenantVpcOutputs {
    /** The tenant's own VPC. */
    readonly vpcId: pulumi.Output<string>;
    /** Its IPv4 CIDR: `tenantVpcCidr(slot)` (src/tenant-cidrs.ts), a /22 from the tenant pool. */
    readonly cidrBlock: string;
    /** Public subnets, one per AZ in AZ order: the tenant's load balancer and NAT gateway. */
    readonly publicSubnetIds: pulumi.Output<string[]>;
    /** Private subnets, one per AZ in AZ order: the tenant's tasks (service and one-off) and its EFS mount targets. */
    readonly privateSubnetIds: pulumi.Output<string[]>;
    /** The tenant load balancer's group: 443 and 80 from the internet, the container port to the tenant's tasks. */
    readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
    /** The group of the tenant file system's mount targets: NFS 2049 from the tenant's tasks only. */
    readonly fileSystemSecurityGroupId: pulumi.Output<string>;
}
