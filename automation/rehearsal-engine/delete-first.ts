/**
 * Which replacements the engine runs delete-first: the program's option, else the provider's request. The scripted
 * engine's steps (steps.ts: a delete-first replacement takes its force-new dependents with it) and its name clashes
 * (replacement-clash.ts: deleting first frees the name) both ask it.
 */
import { isNameRule, NAME_RULES } from "../aws-name-rules";
import type { RegisteredOptions } from "../mock-run";

/**
 * Types whose provider asks for every replacement to delete first (pulumi-aws provider/resources.go
 * `DeleteBeforeReplace: true`): an EFS mount target ("only 1 mount target per AZ").
 */
const PROVIDER_DELETES_FIRST: ReadonlySet<string> = new Set(["aws:efs/mountTarget:MountTarget"]);

/**
 * Whether the engine replaces a resource of `type` by deleting it first. The program's `deleteBeforeReplace` where
 * it set one, true or false: it overrides the provider ("The user can override the provider's decision by setting
 * the `deleteBeforeReplace` field of `ResourceOptions` to either `true` or `false`", pulumi/pulumi
 * pkg/resource/deploy/step_generator.go). Otherwise the provider's request: its type's (`PROVIDER_DELETES_FIRST`),
 * or a name the program set on an input the provider would auto-name (pulumi-terraform-bridge
 * `nameRequiresDeleteBeforeReplace`: "an autonameable property with a value that was not populated by the
 * autonamer"; automation/aws-name-rules.ts `autoNameMax` says which inputs are auto-named: a replication group's id,
 * pulumi-aws provider/resources.go `AutoNameTransform("replicationGroupId", 40, …)`, and a Serverless Application
 * Repository stack's `name` among them; an RDS cluster instance's `identifier` is not, its resources.go entry naming no
 * AutoName, so it is create-first). Not modelled: a type whose auto-naming that table does not record is taken as
 * create-first; pulumi-aws types with
 * `DeleteBeforeReplace: true` other than those in `PROVIDER_DELETES_FIRST` were not checked against the program's;
 * a plugin-framework resource never asks on account of its name (pulumi-terraform-bridge pf provider_diff.go).
 */
export function deletesFirst(
    type: string,
    inputs: Readonly<Record<string, unknown>>,
    options: Pick<RegisteredOptions, "deleteBeforeReplace" | "deleteBeforeReplaceDefined">,
): boolean {
    if (options.deleteBeforeReplace || options.deleteBeforeReplaceDefined) return options.deleteBeforeReplace;
    if (PROVIDER_DELETES_FIRST.has(type)) return true;
    const rule = NAME_RULES[type];
    return rule !== undefined && isNameRule(rule) && rule.autoNameMax !== undefined && inputs[rule.property] !== undefined;
}
