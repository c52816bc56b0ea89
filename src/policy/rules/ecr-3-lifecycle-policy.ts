import { referrers, Rule } from "../rule";

export const ecr_3: Rule = {
    name: "ecr-3-lifecycle-policy",
    control: "ECR.3",
    description: "ECR.3: ECR repositories should have at least one lifecycle policy configured",
    explanation:
        "Without expiry, every image ever pushed is stored (and billed) forever. Attach an " + "aws.ecr.LifecyclePolicy to the repository.",
    // Cost and hygiene rather than exposure: reported, never blocking.
    level: "advisory",
    types: ["aws:ecr/repository:Repository"],
    scope: "stack",
    check(repo, context) {
        return referrers(context, ["aws:ecr/lifecyclePolicy:LifecyclePolicy"], "repository", repo).length > 0
            ? []
            : ["no lifecycle policy expires this repository's images"];
    },
};
