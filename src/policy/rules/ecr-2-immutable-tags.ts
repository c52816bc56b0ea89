import type { Rule } from "../rule";

export const ecr_2: Rule = {
    name: "ecr-2-immutable-tags",
    control: "ECR.2",
    description: "ECR.2: ECR private repositories should have tag immutability configured",
    explanation:
        "A tag that can be pushed again means the image a task runs is not the one that was " +
        "scanned and promoted. Set imageTagMutability: IMMUTABLE.",
    level: "mandatory",
    types: ["aws:ecr/repository:Repository"],
    scope: "resource",
    check(repo) {
        const mutability = repo.inputs.imageTagMutability ?? "MUTABLE";
        return mutability.startsWith("IMMUTABLE") ? [] : [`imageTagMutability is ${mutability}`];
    },
};
