import type { Rule } from "../rule";

export const efs_1: Rule = {
    name: "efs-1-encrypted",
    control: "EFS.1",
    description: "EFS.1: Elastic File System should be configured to encrypt file data at-rest using AWS KMS",
    explanation:
        "Tenants' uploads live on EFS. Set encrypted: true with the platform's data key " +
        "(kmsKeyId); it can only be chosen at creation.",
    level: "mandatory",
    types: ["aws:efs/fileSystem:FileSystem"],
    scope: "resource",
    check(fs) {
        return fs.inputs.encrypted === true ? [] : ["encrypted is not true"];
    },
};
