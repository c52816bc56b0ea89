import { asList, containersOf, Rule, UNREADABLE_CONTAINERS } from "../rule";

/**
 * Variable names that carry credentials: the control's own three, and the words our images use for
 * secrets (WordPress's keys and salts, database and cache passwords, tokens).
 */
export const SECRET_NAME =
    /^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|ECS_ENGINE_AUTH_DATA)$|PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY|AUTH_KEY|LOGGED_IN_KEY|NONCE_KEY|SALT/i;
/** A variable holding a secret's ARN names where the secret is, which is not itself secret. */
const REFERENCE = /_ARN$/i;

export const ecs_8: Rule = {
    name: "ecs-8-no-secrets-in-env",
    control: "ECS.8",
    description: "ECS.8: Secrets should not be passed as container environment variables",
    explanation:
        "Environment values are stored in the task definition, in state and in the console. " +
        "Pass credentials as `secrets` (Secrets Manager references) instead.",
    level: "mandatory",
    types: ["aws:ecs/taskDefinition:TaskDefinition"],
    scope: "resource",
    check(task) {
        const containers = containersOf(task);
        if (!containers) return [UNREADABLE_CONTAINERS];
        return containers.flatMap((c) =>
            asList<any>(c.environment)
                .filter((v) => SECRET_NAME.test(String(v.name)) && !REFERENCE.test(String(v.name)))
                .map((v) => `container '${c.name}' passes ${v.name} in its environment; use secrets`),
        );
    },
};
