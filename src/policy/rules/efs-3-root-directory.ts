import type { Rule } from "../rule";

export const efs_3: Rule = {
    name: "efs-3-root-directory",
    control: "EFS.3",
    description: "EFS.3: EFS access points should enforce a root directory",
    explanation:
        "An access point rooted at `/` shows a tenant every other tenant's files. Give each " +
        "access point its own rootDirectory.path (with creationInfo so EFS creates it).",
    level: "mandatory",
    types: ["aws:efs/accessPoint:AccessPoint"],
    scope: "resource",
    check(ap) {
        const path = ap.inputs.rootDirectory?.path;
        return typeof path === "string" && path !== "" && path !== "/"
            ? []
            : ["the access point does not confine clients below the file system's root"];
    },
};
