/**
 * AWS's refusal of a replacement created before its predecessor is deleted: the scripted engine fails
 * the replace step with it, as the provider's Create call would fail in a real `pulumi up`. A preview
 * does not call AWS, so it shows the replacement and nothing refuses it until the update reaches it.
 *
 * Pulumi replaces a resource by creating the new one first and deleting the old one after, unless it deletes first:
 * the resource's `deleteBeforeReplace`, or where the program set none the provider's request, which the AWS provider
 * makes for a resource whose name the program set (delete-first.ts `deletesFirst`). When the new
 * one asks for the physical name the old one still holds, within the same scope (automation/aws-name-rules.ts:
 * its `uniqueWithin` inputs, else the account and region), AWS refuses the create ("already exists"; for
 * EFS, CreateFileSystem's `FileSystemAlreadyExists` for a creation token in use). automation/replacement.ts
 * says, per type, how the program avoids that (`none` where nothing can collide, as a task definition's
 * family, which takes a new revision): this is what happens when it does not.
 */
import { GLOBAL_NAME_TYPES, isNameRule, NAME_RULES, physicalName } from "../aws-name-rules";
import { REPLACEMENT_RULES } from "../replacement";
import { deletesFirst } from "./delete-first";
import type { DesiredResource } from "./desired";
import type { StateResource } from "./state";

/** What the step replaces: the resource as the state holds it and as the program wants it. */
export interface Replacement {
    readonly op: string;
    readonly type: string;
    readonly old?: Pick<StateResource, "urn" | "inputs">;
    readonly new?: Pick<DesiredResource, "urn" | "inputs" | "options">;
}

/** The name and scope AWS checks a create against; undefined when AWS names the resource (no fixed name). */
function nameKey(type: string, urn: string, inputs: Record<string, unknown>): { name: string; key: string } | undefined {
    const rule = NAME_RULES[type];
    if (!rule || !isNameRule(rule)) return undefined;
    const found = physicalName(rule, urn.split("::").slice(-1)[0], inputs);
    if (!found || found.auto) return undefined;
    const name = rule.caseInsensitive ? found.name.toLowerCase() : found.name;
    const scope = rule.uniqueWithin ?? (GLOBAL_NAME_TYPES.has(type) ? [] : ["region"]);
    return { name: found.name, key: JSON.stringify([name, ...scope.map((p) => inputs[p] ?? null)]) };
}

/**
 * AWS's refusal of `step`'s create-first replacement, as the provider would report it; undefined when the
 * step is not a replacement, deletes first (`deleteBeforeReplace`, and not `retainOnDelete`, whose delete leaves the
 * resource in AWS), or asks for another name or scope.
 */
export function replacementClash(step: Replacement): string | undefined {
    if (step.op !== "replace" || !step.old || !step.new) return undefined;
    // Deleting first frees the name, unless the delete only forgets the resource (`retainOnDelete`): AWS keeps it.
    if (deletesFirst(step.type, step.new.inputs, step.new.options) && !step.new.options.retainOnDelete) return undefined;
    // `none`: the name is not one AWS holds for the resource (a task definition's family takes a new revision).
    if (REPLACEMENT_RULES[step.type]?.clash === "none") return undefined;
    const before = nameKey(step.type, step.old.urn, step.old.inputs);
    const after = nameKey(step.type, step.new.urn, step.new.inputs);
    if (!before || !after || before.key !== after.key) return undefined;
    const rule = NAME_RULES[step.type];
    const property = rule && isNameRule(rule) ? rule.property : "name";
    return (
        `AlreadyExists: ${property} '${after.name}' is still held by the resource this one replaces: Pulumi creates the ` +
        "replacement before deleting the old one unless the resource has deleteBeforeReplace"
    );
}
