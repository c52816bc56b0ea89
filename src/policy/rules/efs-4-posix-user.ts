import type { Rule } from "../rule";

export const efs_4: Rule = {
    name: "efs-4-posix-user",
    control: "EFS.4",
    description: "EFS.4: EFS access points should enforce a user identity",
    explanation:
        "Without an enforced POSIX user a container acts with whatever uid it runs as, root " +
        "included. Set posixUser.uid and posixUser.gid (the tenant's POSIX id).",
    level: "mandatory",
    types: ["aws:efs/accessPoint:AccessPoint"],
    scope: "resource",
    check(ap) {
        const user = ap.inputs.posixUser;
        return typeof user?.uid === "number" && typeof user?.gid === "number" ? [] : ["posixUser with uid and gid is not set"];
    },
};
