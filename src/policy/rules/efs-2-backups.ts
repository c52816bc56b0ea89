import { asList, referrers, Rule } from "../rule";

export const efs_2: Rule = {
    name: "efs-2-backups",
    control: "EFS.2",
    description: "EFS.2: Amazon EFS volumes should be in backup plans",
    explanation:
        "Select the file system in an AWS Backup plan (aws.backup.Selection listing its ARN in " +
        "`resources`) or turn on its automatic backups (aws.efs.BackupPolicy with status ENABLED).",
    level: "mandatory",
    types: ["aws:efs/fileSystem:FileSystem"],
    scope: "stack",
    check(fs, context) {
        const policies = referrers(context, ["aws:efs/backupPolicy:BackupPolicy"], "fileSystemId", fs).filter(
            (p) => p.inputs.backupPolicy?.status === "ENABLED",
        );
        const selections = referrers(context, ["aws:backup/selection:Selection"], "resources", fs).filter(
            (s) => asList(s.inputs.resources).length > 0,
        );
        return policies.length + selections.length > 0 ? [] : ["no backup plan selects this file system and its automatic backups are off"];
    },
};
