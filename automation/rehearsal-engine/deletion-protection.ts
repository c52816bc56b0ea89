/**
 * AWS's own refusals to delete a resource whose deletion protection is on: the scripted engine fails
 * the delete step with them, as the provider's Delete call would fail in a real `pulumi up`. A preview
 * does not call AWS, so it shows the delete and nothing refuses it until the update reaches it.
 */
import type { StateResource } from "./state";

interface Protection {
    /** The input that turns the protection on, as the state records it. */
    readonly input: string;
    /** AWS's error code and message for the delete, `<name>` standing for what `named` gives. */
    readonly error: string;
    /** What AWS names the resource by in the message: a load balancer's ARN, a cluster's identifier. */
    readonly named: (resource: Pick<StateResource, "id" | "inputs" | "outputs">) => string;
    readonly source: string;
}

/** By type token: the resources the program can create with deletion protection on. */
export const DELETION_PROTECTION: Readonly<Record<string, Protection>> = {
    "aws:lb/loadBalancer:LoadBalancer": {
        input: "enableDeletionProtection",
        error: "OperationNotPermitted: Load balancer '<name>' cannot be deleted because deletion protection is enabled",
        named: (r) => String(r.outputs.arn ?? r.id ?? ""),
        source:
            'ELB user guide, "Delete an Application Load Balancer": "If deletion protection is enabled, you can\'t delete the load balancer" ("Deletion protection", edit-load-balancer-attributes); ' +
            "the message names the load balancer's ARN (as reported in aws-cloudformation/rain#187, rebuy-de/aws-nuke#1240)",
    },
    "aws:rds/cluster:Cluster": {
        input: "deletionProtection",
        error: "InvalidParameterCombination: Cannot delete protected Cluster, please disable deletion protection and try again.",
        named: (r) => String(r.outputs.clusterIdentifier ?? r.inputs.clusterIdentifier ?? r.id ?? ""),
        source: 'Aurora user guide, "Deletion protection for Aurora clusters": a cluster with it on cannot be deleted until it is modified off',
    },
};

/** AWS's refusal to delete `resource` as the state holds it; undefined when AWS deletes it. */
export function deletionRefusal(resource: Pick<StateResource, "type" | "id" | "inputs" | "outputs">): string | undefined {
    const protection = DELETION_PROTECTION[resource.type];
    if (!protection || resource.inputs[protection.input] !== true) return undefined;
    return protection.error.replace("<name>", protection.named(resource));
}
