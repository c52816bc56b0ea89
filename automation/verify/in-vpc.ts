/**
 * `npm run verify -- --in-vpc`: the runbook's connectivity check (test 9, Aurora; test 11, Redis)
 * from inside the VPC, as one platform one-off task through the task runner: the mysql client over
 * TLS verifying the server's name against the CA bundle, and redis-cli over TLS with AUTH. Each
 * answers one line `BBWS-CHECK <name> pass|fail …` in the task's log, read back as two checks.
 */
import type { CheckResult } from "./check";
import type { OneOffTaskResult } from "../task/runner";

/**
 * The task's command: a fixed script (no operator input reaches it) that reads only the platform
 * task's own environment (contract 15: DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_SSL_CA, REDIS_HOST,
 * REDIS_PORT, REDIS_USERNAME, REDIS_PASSWORD: the platform's own cache user, `AUTH <user> <password>`;
 * a password alone would be the `default` user, which can do nothing). Passwords go through MYSQL_PWD and REDISCLI_AUTH, not argv, so they
 * never show in a process list. `--ssl-mode=VERIFY_IDENTITY` refuses a connection without TLS, with
 * a certificate the CA bundle does not sign, or for another host name (MySQL 8.0 client options).
 */
export const IN_VPC_COMMAND: readonly string[] = [
    "sh",
    "-c",
    [
        'if out=$(MYSQL_PWD="$DB_PASSWORD" mysql --host="$DB_HOST" --port="$DB_PORT" --user="$DB_USER" --ssl-mode=VERIFY_IDENTITY --ssl-ca="$DB_SSL_CA" ' +
            "--connect-timeout=10 --batch --skip-column-names -e \"SHOW SESSION STATUS LIKE 'Ssl_version'\" 2>&1); " +
            'then echo "BBWS-CHECK aurora pass $out"; else echo "BBWS-CHECK aurora fail $out"; fi',
        'if out=$(REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --tls --user "$REDIS_USERNAME" -h "$REDIS_HOST" -p "$REDIS_PORT" PING 2>&1) && [ "$out" = PONG ]; ' +
            'then echo "BBWS-CHECK redis pass $out"; else echo "BBWS-CHECK redis fail $out"; fi',
    ].join("\n"),
];

/** The two checks `--in-vpc` reports, in the verify report's terms. */
export const IN_VPC_CHECKS = [
    {
        id: "database-aurora-tls-from-vpc",
        name: "aurora",
        info: "A task in the private subnets connects to Aurora over TLS, verifying the server's certificate and name.",
    },
    {
        id: "database-redis-auth-from-vpc",
        name: "redis",
        info: "A task in the private subnets connects to Redis over TLS as the platform's cache user and gets PONG.",
    },
] as const;

/**
 * The two check results from the task's log (`lines`) and how it ended. A task that never started,
 * timed out or printed no verdict fails both checks with the reason.
 */
export function inVpcResults(
    result: Pick<OneOffTaskResult, "outcome" | "stopCode" | "stoppedReason" | "taskId">,
    lines: readonly string[],
): CheckResult[] {
    return IN_VPC_CHECKS.map(({ id, name }) => {
        const verdict = lines.map((l) => new RegExp(`^BBWS-CHECK ${name} (pass|fail) ?(.*)$`).exec(l)).find(Boolean);
        if (verdict)
            return {
                id,
                phase: "database",
                status: verdict[1] as "pass" | "fail",
                detail: `${verdict[2] || "(no output)"} (task ${result.taskId})`,
            };
        const why =
            result.outcome === "never-started"
                ? `the check's task never started: ${[result.stopCode, result.stoppedReason].filter(Boolean).join(": ")}`
                : `the check's task printed no verdict (${result.outcome})`;
        return { id, phase: "database", status: "fail", detail: why };
    });
}
