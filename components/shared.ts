/**
 * Shapes every layer shares: physical names, protection of stateful resources, and the policy
 * statements and rules that would otherwise be copied between layers.
 */
import * as pulumi from "@pulumi/pulumi";
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
