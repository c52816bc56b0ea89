import type { Rule } from "../rule";

export const ecr_1: Rule = {
    name: "ecr-1-scan-on-push",
    control: "ECR.1",
    description: "ECR.1: ECR private repositories should have image scanning configured",
    explanation:
        "Scanning on push reports known CVEs in the WordPress image before any tenant runs it. " +
        "Set imageScanningConfiguration.scanOnPush: true.",
    level: "mandatory",
    types: ["aws:ecr/repository:Repository"],
    scope: "resource",
    check(repo) {
        return repo.inputs.imageScanningConfiguration?.scanOnPush === true ? [] : ["scanOnPush is not true"];
    },
};
