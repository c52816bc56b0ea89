/**
 * The scripted engine refuses a create-first replacement that asks AWS for the name its predecessor still
 * holds (automation/rehearsal-engine/replacement-clash.ts), as AWS's create would: the checks an auditor
 * would run on the rule itself.
 */
import { expect } from "chai";
import { replacementClash, Replacement } from "../../automation/rehearsal-engine/replacement-clash";

const OPTIONS = { protect: false, ignoreChanges: [], deleteBeforeReplace: false, retainOnDelete: false, replaceOnChanges: [], aliases: [] };
const FS =
    "urn:pulumi:sit::bbws-platform::bbws:storage:StorageLayer$bbws:storage:TenantStorage$aws:efs/fileSystem:FileSystem::storage-t1-efs";
const SG = "urn:pulumi:sit::bbws-platform::bbws:network:NetworkLayer$aws:ec2/securityGroup:SecurityGroup::network-tenant-t1-sg";

const replace = (
    type: string,
    urn: string,
    before: Record<string, unknown>,
    after: Record<string, unknown>,
    deleteBeforeReplace = false,
): Replacement => ({
    op: "replace",
    type,
    old: { urn, inputs: before },
    // The program's own choice, set explicitly (true or false): it overrides the provider's request (below).
    new: { urn, inputs: after, options: { ...OPTIONS, deleteBeforeReplace, deleteBeforeReplaceDefined: true } },
});

describe("rehearsal engine: a replacement created before its predecessor is deleted, under the same name, fails as AWS's create would", () => {
    it("an EFS file system moved under another key keeps its creation token: refused (CreateFileSystem FileSystemAlreadyExists), unless it deletes first", () => {
        // Source: terraform-provider-aws efs/file_system.go (kms_key_id ForceNew); EFS API reference, CreateFileSystem
        // (CreationToken: a file system with it already exists → FileSystemAlreadyExists).
        const step = replace(
            "aws:efs/fileSystem:FileSystem",
            FS,
            { creationToken: "bbws-efs-t1-sit", kmsKeyId: "k1" },
            { creationToken: "bbws-efs-t1-sit", kmsKeyId: "k2" },
        );
        expect(replacementClash(step)).to.match(
            /^AlreadyExists: creationToken 'bbws-efs-t1-sit' is still held by the resource this one replaces/,
        );
        expect(replacementClash(replace(step.type, FS, step.old!.inputs, step.new!.inputs, true))).to.equal(undefined);
        // Source: Pulumi docs, "Resource options: retainOnDelete": the delete only removes it from the state, so AWS keeps the name.
        const retained = replace(step.type, FS, step.old!.inputs, step.new!.inputs, true);
        expect(
            replacementClash({ ...retained, new: { ...retained.new!, options: { ...retained.new!.options, retainOnDelete: true } } }),
        ).to.match(/AlreadyExists: creationToken/);
    });

    it("a security group moved into another VPC keeps its name but not its scope (names are unique per VPC): no clash", () => {
        // Source: EC2 API reference, CreateSecurityGroup: GroupName unique within the VPC (InvalidGroup.Duplicate).
        const step = replace(
            "aws:ec2/securityGroup:SecurityGroup",
            SG,
            { name: "bbws-tenant-t1-sg-sit", vpcId: "vpc-1" },
            { name: "bbws-tenant-t1-sg-sit", vpcId: "vpc-2" },
        );
        expect(replacementClash(step)).to.equal(undefined);
        expect(replacementClash(replace(step.type, SG, step.old!.inputs, { ...step.old!.inputs, description: "new" }))).to.match(
            /AlreadyExists: name 'bbws-tenant-t1-sg-sit'/,
        );
    });

    it("a task definition keeps its family: a replacement registers the family's next revision (automation/replacement.ts: clash none), no clash", () => {
        // Source: ECS API reference, RegisterTaskDefinition: a family already registered gets its next revision.
        const family = { family: "bbws-migration-t1-sit", cpu: "256" };
        expect(replacementClash(replace("aws:ecs/taskDefinition:TaskDefinition", FS, family, { ...family, cpu: "512" }))).to.equal(
            undefined,
        );
    });

    it("left unset, a replacement whose name the program set deletes first at the provider's request: no clash", () => {
        // Source: pulumi-terraform-bridge nameRequiresDeleteBeforeReplace ("an autonameable property with a value that was
        // not populated by the autonamer"); pulumi-aws resources.go auto-names creation_token; step_generator.go takes the
        // provider's DeleteBeforeReplace unless the program set the option.
        const step = replace(
            "aws:efs/fileSystem:FileSystem",
            FS,
            { creationToken: "bbws-efs-t1-sit", kmsKeyId: "k1" },
            { creationToken: "bbws-efs-t1-sit", kmsKeyId: "k2" },
        );
        expect(replacementClash({ ...step, new: { ...step.new!, options: OPTIONS } })).to.equal(undefined);
    });

    it("a new name, an auto-name, a type without a name, and every step that is not a replacement: no clash", () => {
        const fs = (token: string) => ({ creationToken: token, kmsKeyId: "k" });
        expect(replacementClash(replace("aws:efs/fileSystem:FileSystem", FS, fs("a"), fs("b")))).to.equal(undefined);
        expect(
            replacementClash(replace("aws:efs/accessPoint:AccessPoint", FS, { fileSystemId: "fs-1" }, { fileSystemId: "fs-2" })),
        ).to.equal(undefined);
        for (const op of ["create", "update", "delete", "same"]) {
            expect(replacementClash({ ...replace("aws:efs/fileSystem:FileSystem", FS, fs("a"), fs("a")), op })).to.equal(undefined);
        }
    });
});
