/**
 * The one-off tasks' scripts, run for real by `sh` against stand-ins for `mysql`, `mysqldump` and
 * `aws` that record what they were given: the SQL a task sends, the option file it writes, what it
 * uploads, and what it refuses before touching anything. Values only ever arrive as environment
 * variables, so a hostile value must end up refused or inert, never executed.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    ARCHIVE_FILES,
    archiveCommand,
    archiveFiles,
    archivePrefix,
    compareDatabaseCommand,
    createDatabaseCommand,
    dropDatabaseCommand,
    importDatabaseCommand,
    importFilesCommand,
    installWordPressCommand,
    migrationExportPrefix,
    precheckDatabaseCommand,
    purgeCacheCommand,
    purgeCacheTaskCommandLine,
    purgeFilesCommand,
    TaskCommand,
} from "../../automation/tenant/scripts";
import { tenantDatabaseName } from "../../src/config";
import { tenantArchivePrefix } from "../../components/ecs-policies";
import { tempDir } from "../support/temp";
import { acceptedTenantId } from "../support/tenant-ids";
import fc from "fast-check";
import { createHash } from "crypto";
import * as zlib from "zlib";

/** The tenant ids the stack schema accepts (test/support/tenant-ids.ts). */
const tenantIds = acceptedTenantId;

/**
 * Which schema names a database-level GRANT's name covers: MySQL reads it as a LIKE pattern, `_` any one
 * character and `%` any run, `\_` and `\%` themselves (MySQL 8.0 manual, GRANT statement, "Database Privileges").
 */
function grantCovers(pattern: string, schema: string): boolean {
    const re = pattern.replace(/\\([_%])|([_%])|([^_%\\]+)/g, (_m, escaped: string, wild: string, text: string) =>
        escaped !== undefined ? escaped : wild === "_" ? "." : wild === "%" ? ".*" : text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    );
    return new RegExp(`^${re}$`).test(schema);
}

const PASSWORD = "Tenant0Password0Of0Letters0And0Digits00";

/** A folder of stand-in executables that log their argv and stdin under `<dir>/log`. */
function standIns(secret = JSON.stringify({ password: PASSWORD, username: "wp_newco" })) {
    const dir = tempDir("bbws-scripts-");
    const bin = path.join(dir, "bin");
    const log = path.join(dir, "log");
    fs.mkdirSync(bin);
    fs.mkdirSync(log);
    fs.writeFileSync(path.join(dir, "secret.json"), secret);
    const tool = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    // The option file is gone when the script ends (its trap), so the stand-in keeps a copy. MYSQL_FAILS: it reads all of its
    // input, then fails as a statement of it would.
    tool(
        "mysql",
        `for a in "$@"; do case "$a" in --defaults-extra-file=*) cp "\${a#*=}" '${log}/options';; esac; done\nprintf '%s\\n' "$@" > '${log}/mysql.argv'\ncat > '${log}/mysql.sql'\nif [ -n "\${MYSQL_FAILS:-}" ]; then echo 'ERROR 1146 (42S02) at line 1: Table does not exist' >&2; exit 1; fi`,
    );
    tool(
        "mysqldump",
        `for a in "$@"; do case "$a" in --defaults-extra-file=*) cp "\${a#*=}" '${log}/options';; esac; done\nprintf '%s\\n' "$@" > '${log}/mysqldump.argv'\nif [ -n "\${MYSQLDUMP_FAILS:-}" ]; then echo 'Access denied' >&2; exit 2; fi\necho 'CREATE TABLE wp_posts (ID bigint);'`,
    );
    tool(
        "aws",
        // `s3 cp <file or -> s3://…` stores the file or stdin (a byte short with CORRUPT_UPLOAD set); `s3 cp s3://… -` reads it back.
        `case "$1 $2 $4" in\n  "secretsmanager get-secret-value "*) cat '${path.join(dir, "secret.json")}';;\n  "s3 cp -") cat '${log}/s3/'"$(basename "$3")";;\n  "s3 cp "*) mkdir -p '${log}/s3'; if [ -n "\${CORRUPT_UPLOAD:-}" ]; then head -c -1 "$3" > '${log}/s3/'"$(basename "$4")"; else cat "$3" > '${log}/s3/'"$(basename "$4")"; fi; echo "$@" >> '${log}/aws.argv';;\n  *) exit 9;;\nesac`,
    );
    // wp-cli: `core is-installed` answers from a flag file. `core install` records its argv and the config file it was
    // given (WP_CLI_CONFIG_PATH, with its mode), then logs as wp-cli does: with --prompt, the command with the values it
    // read (php/WP_CLI/Dispatcher/Subcommand.php `invoke`, v2.12.0); with no admin_password, a generated one
    // (core-command Core_Command.php `do_install`). Then it sets the flag.
    tool(
        "wp",
        [
            `case "$2 $3" in`,
            `  "core is-installed") [ -f '${log}/installed' ];;`,
            `  "core install")`,
            `    printf '%s\\n' "$@" > '${log}/wp.argv'`,
            `    pw=`,
            `    if [ -n "\${WP_CLI_CONFIG_PATH:-}" ]; then cp "$WP_CLI_CONFIG_PATH" '${log}/wp-cli.yml'; stat -c %a "$WP_CLI_CONFIG_PATH" > '${log}/wp-cli.yml.mode'; echo "$WP_CLI_CONFIG_PATH" > '${log}/wp-cli.yml.path'; pw=$(sed -n 's/^  admin_password: "\\(.*\\)"$/\\1/p' "$WP_CLI_CONFIG_PATH"); fi`,
            `    for a in "$@"; do case "$a" in --prompt*) IFS= read -r pw; echo "wp core install $* --admin_password='$pw'";; esac; done`,
            `    [ -n "$pw" ] || echo "Admin password: GeneratedAndLogged0"`,
            `    touch '${log}/installed';;`,
            `  *) exit 9;;`,
            `esac`,
        ].join("\n"),
    );
    // redis-cli: --scan prints the keys of a fake keyspace matching the pattern; UNLINK records the keys and the auth it got.
    fs.writeFileSync(
        path.join(dir, "keyspace"),
        "newco:posts:1\nnewco:options:alloptions\nnewco:posts:a key with spaces\nnewco2:posts:1\nother:newco:1\n",
    );
    // It logs in as ElastiCache would: `--user bbws-platform-sit` with its password, else `AUTH <password>` is the default
    // user, which is off (redis-cli.c `cliAuth`; components/cache-users.ts). Like redis-cli it exits 0 when a command
    // gets an error answer, and prints the error instead of UNLINK's count (UNLINK_ERROR stands for a NOPERM).
    tool(
        "redis-cli",
        [
            `user=; pattern=; unlink=; while [ $# -gt 0 ]; do case "$1" in --user) user=$2; shift;; --pattern) pattern=$2; shift;; -h|-p) shift;; UNLINK) unlink=1; shift; break;; esac; shift; done`,
            `if [ "$user" != bbws-platform-sit ] || [ "\${REDISCLI_AUTH:-}" != Cache0Password ]; then echo 'Warning: AUTH failed' >&2; auth=; else auth=1; fi`,
            `if [ -n "$unlink" ]; then`,
            `  if [ -z "$auth" ]; then echo 'NOAUTH Authentication required.'; exit 0; fi`,
            `  if [ -n "\${UNLINK_ERROR:-}" ]; then echo "NOPERM this user has no permissions to access one of the keys"; exit 0; fi`,
            `  printf '%s\\n' "$@" >> '${log}/unlinked'; echo "$user $REDISCLI_AUTH" > '${log}/redis.auth'; echo $#`,
            `else`,
            `  if [ -z "$auth" ]; then echo 'Error: NOAUTH Authentication required.' >&2; exit 1; fi`,
            `  prefix=\${pattern%\\*}; grep -F "$prefix" '${path.join(dir, "keyspace")}' | while IFS= read -r k; do case "$k" in "$prefix"*) printf '%s\\n' "$k";; esac; done`,
            `fi`,
        ].join("\n"),
    );
    const run = (command: TaskCommand, env: Record<string, string> = {}) =>
        spawnSync(command.argv[0], command.argv.slice(1), {
            env: {
                PATH: `${bin}:/usr/bin:/bin`,
                DB_HOST: "bbws-aurora-sit.cluster-abc.eu-west-1.rds.amazonaws.com",
                DB_PORT: "3306",
                DB_USER: "bbws_admin",
                DB_PASSWORD: 'p\\a"ss',
                DB_SSL_MODE: "VERIFY_IDENTITY",
                DB_SSL_CA: "/opt/bbws/rds-global-bundle.pem",
                ...command.environment,
                ...env,
            },
            encoding: "utf8",
        });
    const logged = (name: string) => (fs.existsSync(path.join(log, name)) ? fs.readFileSync(path.join(log, name), "utf8") : undefined);
    return { run, logged, dir };
}

/** `perHostMysql`'s evaluator of a query's select list (the query's file first, then the information_schema table's). */
const SELECT_AWK = String.raw`BEGIN { FS = "\t"; NULL = "\\N" }
FILENAME == ARGV[1] { query = query $0; next }
FNR == 1 {
    for (i = 1; i <= NF; i++) column[$i] = i
    match(query, / FROM information_schema\./)
    n = items(substr(query, 8, RSTART - 8), item)
    next
}
{
    row = ""
    for (i = 1; i <= n; i++) { v = value(item[i]); row = row (i > 1 ? "\t" : "") (v == NULL ? "NULL" : v) }
    print row
}
# The select list's expressions: split at its commas outside parentheses and quotes.
function items(list, out,   n, depth, quoted, start, i, c) {
    n = 0; depth = 0; quoted = 0; start = 1
    for (i = 1; i <= length(list); i++) {
        c = substr(list, i, 1)
        if (c == "'") quoted = !quoted
        else if (!quoted && c == "(") depth++
        else if (!quoted && c == ")") depth--
        else if (!quoted && !depth && c == ",") { out[++n] = substr(list, start, i - start); start = i + 1 }
    }
    out[++n] = substr(list, start)
    for (i = 1; i <= n; i++) gsub(/^ +| +$/, "", out[i])
    return n
}
function value(e,   part, n, i, v, r, m) {
    if (e ~ /^QUOTE\(.*\)$/) { v = value(substr(e, 7, length(e) - 7)); return v == NULL ? "NULL" : quote(v) }
    if (e ~ /^CONCAT_WS\(' ', .*\)$/) {
        n = items(substr(e, 16, length(e) - 16), part); r = ""; m = 0
        for (i = 1; i <= n; i++) { v = value(part[i]); if (v != NULL) r = r (m++ ? " " : "") v }
        return r
    }
    if (e in column) return $column[e]
    print "ERROR 1054 (42S22): unknown column, or an expression the stand-in does not evaluate: " e > "/dev/stderr"; exit 1
}
# QUOTE of a value as --batch writes it (\\ a backslash, \t a tab, \n a newline), written as --batch writes the result:
# a backslash or a quote gets QUOTE's backslash, which --batch writes \\; a tab and a newline stay as they were.
function quote(v,   r, i, c) {
    r = ""
    for (i = 1; i <= length(v); i++) {
        c = substr(v, i, 1)
        if (c == "\\") { c = substr(v, ++i, 1); r = r (c == "\\" ? "\\\\\\\\" : "\\" c) }
        else if (c == "'") r = r "\\\\'"
        else r = r c
    }
    return "'" r "'"
}
`;

/**
 * A `mysql` stand-in in `<dir>/bin` with one MySQL server per host (`<dir>/db/<host>/`, the host read from the option
 * file), each answering a query on information_schema.VIEWS, TRIGGERS, ROUTINES or EVENTS with its file of that name
 * (`views`, …: rows as `mysql --batch` prints them). A query on information_schema.TABLES, COLUMNS or STATISTICS is
 * evaluated (`SELECT_AWK`) on that table's rows (file `information_schema.TABLES`, …: a header of column names, then
 * rows as `mysql --batch` prints them, `\N` for NULL): its select list, of columns, `QUOTE(…)` and `CONCAT_WS(' ', …)`,
 * as MySQL evaluates them (MySQL 8.0 manual, "String Functions and Operators": QUOTE gives NULL the bare word NULL and a
 * string single quotes with `\` and `'` escaped; CONCAT_WS skips NULL arguments), and any other expression an error. Its
 * WHERE is not evaluated: each file holds the tenant schema's base tables only. A host with a file `tables` answers any
 * TABLES query with it instead (the precheck's size, an aggregate the evaluator does not compute). CHECKSUM TABLE is
 * answered per statement from `checksums`, its identifier parsed as MySQL would (a lone backtick inside is a syntax error), with NULL for a table
 * that is not there. Each host logs its option file (`options.<host>`), argv (`mysql.argv.<host>`) and the SQL it got
 * (`sql.<host>`) under `<dir>/log`.
 */
function perHostMysql(dir: string): void {
    const log = path.join(dir, "log");
    const BT = "`";
    const checksum = [
        `NR == FNR { split($0, f, "\\t"); sum[f[1]] = f[2]; next }`,
        `{ line = $0`,
        `  if (!sub(/^CHECKSUM TABLE ${BT}wp_newco${BT}\\.${BT}/, "", line) || !sub(/${BT};$/, "", line)) { print "ERROR 1064: " $0 > "/dev/stderr"; exit 1 }`,
        `  if (line ~ /^([^${BT}]|${BT}${BT})*$/) { gsub(/${BT}${BT}/, "${BT}", line) } else { print "ERROR 1064 (42000): You have an error in your SQL syntax near " $0 > "/dev/stderr"; exit 1 }`,
        `  print "wp_newco." line "\\t" ((line in sum) ? sum[line] : "NULL") }`,
    ].join("\n");
    fs.writeFileSync(path.join(dir, "checksum.awk"), checksum);
    fs.writeFileSync(path.join(dir, "select.awk"), SELECT_AWK);
    fs.writeFileSync(
        path.join(dir, "bin", "mysql"),
        [
            `#!/bin/sh`,
            `for a in "$@"; do case "$a" in --defaults-extra-file=*) options=\${a#*=};; esac; done`,
            `host=$(sed -n 's/^host=//p' "$options")`,
            `db='${path.join(dir, "db")}'/"$host"`,
            `[ -d "$db" ] || { echo "ERROR 2005 (HY000): Unknown MySQL server host '$host'" >&2; exit 1; }`,
            `cp "$options" '${log}'/"options.$host"`,
            `printf '%s\\n' "$@" > '${log}'/"mysql.argv.$host"`,
            `cat > '${log}/query'`,
            `cat '${log}/query' >> '${log}'/"sql.$host"`,
            `case "$(cat '${log}/query')" in`,
            `  "CHECKSUM TABLE "*) awk -f '${path.join(dir, "checksum.awk")}' "$db/checksums" '${log}/query';;`,
            `  *"FROM information_schema.COLUMNS "*) awk -f '${path.join(dir, "select.awk")}' '${log}/query' "$db/information_schema.COLUMNS";;`,
            `  *"FROM information_schema.STATISTICS "*) awk -f '${path.join(dir, "select.awk")}' '${log}/query' "$db/information_schema.STATISTICS";;`,
            `  *"FROM information_schema.TABLES "*) if [ -f "$db/tables" ]; then cat "$db/tables"; else awk -f '${path.join(dir, "select.awk")}' '${log}/query' "$db/information_schema.TABLES"; fi;;`,
            `  *information_schema.VIEWS*) cat "$db/views";;`,
            `  *information_schema.TRIGGERS*) cat "$db/triggers";;`,
            `  *information_schema.ROUTINES*) cat "$db/routines";;`,
            `  *information_schema.EVENTS*) cat "$db/events";;`,
            `  *) echo "ERROR: unexpected query" >&2; exit 1;;`,
            `esac`,
        ].join("\n") + "\n",
        { mode: 0o755 },
    );
}

describe("the one-off tasks' scripts (run by sh against stand-ins)", function () {
    this.timeout(30000);

    it("every command is argv [sh, -c, script] with its values as environment overrides, never in the script's text", () => {
        const commands = [
            createDatabaseCommand("new-co", "arn:aws:secretsmanager:eu-west-1:1:secret:x"),
            dropDatabaseCommand("new-co"),
            archiveCommand(archivePrefix("new-co", Date.parse("2026-12-01T09:00:00Z"))),
            archiveCommand(archivePrefix("new-co", Date.parse("2026-12-01T09:00:00Z")), false),
            purgeFilesCommand(),
            installWordPressCommand("new-co", "https://new-co.sit.bbws.io", "platform-sit@bbws.io"),
            importDatabaseCommand(
                migrationExportPrefix("new-co", Date.parse("2026-12-01T09:00:00Z")),
                "bbws-tenant-new-co-aurora-sit.cluster-xyz.eu-west-1.rds.amazonaws.com",
            ),
            compareDatabaseCommand("new-co", {
                writerEndpoint: "bbws-tenant-new-co-aurora-sit.cluster-xyz.eu-west-1.rds.amazonaws.com",
                masterSecretArn: "arn:aws:secretsmanager:eu-west-1:815856636111:secret:rds!cluster-0a1b-AbC123",
            }),
            precheckDatabaseCommand("new-co"),
        ];
        // Constants the scripts check their values against (the mount path, DUMP_DATABASE's yes/no) are in their text by design.
        const checkedAgainst = ["/var/www/html/wp-content", "yes", "no"];
        for (const c of commands) {
            expect(c.argv.slice(0, 2)).to.deep.equal(["sh", "-c"]);
            for (const value of Object.values(c.environment)) if (!checkedAgainst.includes(value)) expect(c.argv[2]).to.not.include(value);
        }
        expect(createDatabaseCommand("new-co", "arn:x").environment).to.deep.equal({
            TENANT_DB_NAME: "wp_new_co",
            TENANT_SECRET_ID: "arn:x",
        });
    });

    it("create: an idempotent schema in WordPress's character set, a TLS-only user with the secret's password, privileges on its own schema only", () => {
        const s = standIns();
        const result = s.run(
            createDatabaseCommand("new-co", "arn:aws:secretsmanager:eu-west-1:815856636111:secret:bbws/sit/tenants/new-co/db"),
        );
        expect(result.status, result.stderr).to.equal(0);
        expect(s.logged("mysql.sql")).to.equal(
            [
                "CREATE DATABASE IF NOT EXISTS `wp_new_co` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;",
                `CREATE USER IF NOT EXISTS 'wp_new_co'@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE SSL;`,
                `ALTER USER 'wp_new_co'@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE SSL;`,
                "GRANT ALL PRIVILEGES ON `wp\\_new\\_co`.* TO 'wp_new_co'@'%';",
                "",
            ].join("\n"),
        );
        expect(result.stdout).to.include("schema and user wp_new_co ready (TLS required)");
    });

    describe("create on an enterprise tenant's own cluster (TENANT_CLUSTER_HOST, TENANT_CLUSTER_MASTER_ID as container-override environment)", () => {
        // Sources: ECS API reference, ContainerOverride (environment, no secrets: the master secret is read at run time);
        // Aurora user guide, "Password management with Amazon Aurora and AWS Secrets Manager" (the secret is JSON with
        // username and password); components/ecs-policies.ts tenantClusterGrants (the role that may read it).
        const OWN = {
            writerEndpoint: "bbws-tenant-bigco-aurora-sit.cluster-xyz.eu-west-1.rds.amazonaws.com",
            masterSecretArn: "arn:aws:secretsmanager:eu-west-1:815856636111:secret:rds!cluster-0a1b-AbC123",
        };
        const TENANT_SECRET = "arn:aws:secretsmanager:eu-west-1:815856636111:secret:bbws/sit/tenants/bigco/db";
        /** Stand-ins whose `aws` answers each secret id with its own JSON, recording the ids asked for. */
        const withSecrets = () => {
            const s = standIns();
            fs.writeFileSync(path.join(s.dir, "master.json"), JSON.stringify({ username: "bbws_admin_bigco", password: 'M@ster"Pw\\' }));
            fs.writeFileSync(
                path.join(s.dir, "bin", "aws"),
                `#!/bin/sh\necho "$4" >> '${path.join(s.dir, "log", "secret-ids")}'\ncase "$4" in\n  "${OWN.masterSecretArn}") cat '${path.join(s.dir, "master.json")}';;\n  *) cat '${path.join(s.dir, "secret.json")}';;\nesac\n`,
                { mode: 0o755 },
            );
            return s;
        };

        it("names the cluster and its master secret as environment overrides; none for the shared cluster", () => {
            expect(createDatabaseCommand("bigco", TENANT_SECRET, OWN).environment).to.deep.equal({
                TENANT_DB_NAME: "wp_bigco",
                TENANT_SECRET_ID: TENANT_SECRET,
                TENANT_CLUSTER_HOST: OWN.writerEndpoint,
                TENANT_CLUSTER_MASTER_ID: OWN.masterSecretArn,
            });
            expect(createDatabaseCommand("bigco", TENANT_SECRET).environment).to.not.have.any.keys(
                "TENANT_CLUSTER_HOST",
                "TENANT_CLUSTER_MASTER_ID",
            );
            expect(createDatabaseCommand("bigco", TENANT_SECRET, OWN).argv[2]).to.not.include(OWN.writerEndpoint);
        });

        it("logs in to the tenant's own cluster as its master user (read from its RDS-managed secret), never to the shared one as the shared master", () => {
            const s = withSecrets();
            const result = s.run(createDatabaseCommand("bigco", TENANT_SECRET, OWN));
            expect(result.status, result.stderr).to.equal(0);
            expect(s.logged("options")).to.equal(
                `[client]\nhost=${OWN.writerEndpoint}\nport=3306\nuser=bbws_admin_bigco\n` +
                    'password="M@ster\\"Pw\\\\"\nssl-mode=VERIFY_IDENTITY\nssl-ca=/opt/bbws/rds-global-bundle.pem\n',
            );
            expect(s.logged("secret-ids")).to.equal(`${TENANT_SECRET}\n${OWN.masterSecretArn}\n`);
            expect(s.logged("mysql.sql")).to.include(`CREATE USER IF NOT EXISTS 'wp_bigco'@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE SSL;`);
            expect(result.stdout).to.include(`on the tenant's own cluster ${OWN.writerEndpoint}`);
            expect(result.stdout + result.stderr).to.not.include("M@ster");
        });

        it("without the overrides, logs in to the shared cluster with the task definition's master user, and reads no master secret", () => {
            const s = withSecrets();
            expect(s.run(createDatabaseCommand("bigco", TENANT_SECRET)).status).to.equal(0);
            expect(s.logged("options")).to.match(
                /^\[client\]\nhost=bbws-aurora-sit\.cluster-abc\.eu-west-1\.rds\.amazonaws\.com\nport=3306\nuser=bbws_admin\n/,
            );
            expect(s.logged("secret-ids")).to.equal(`${TENANT_SECRET}\n`);
        });

        it("refuses one override without the other (exit 64) and a master secret without a username (jq -e), before any SQL", () => {
            for (const [name, value] of [
                ["TENANT_CLUSTER_HOST", ""],
                ["TENANT_CLUSTER_MASTER_ID", ""],
            ]) {
                const s = withSecrets();
                const result = s.run(createDatabaseCommand("bigco", TENANT_SECRET, OWN), { [name]: value });
                expect(result.status, name).to.equal(64);
                expect(s.logged("mysql.sql"), name).to.equal(undefined);
            }
            const s = withSecrets();
            fs.writeFileSync(path.join(s.dir, "master.json"), JSON.stringify({ password: "x" }));
            const result = s.run(createDatabaseCommand("bigco", TENANT_SECRET, OWN));
            expect(result.status).to.not.equal(0);
            expect(s.logged("mysql.sql")).to.equal(undefined);
        });
    });

    it("create: the GRANT covers the tenant's own schema and no other tenant's, for any two ids the schema accepts (`_` is a GRANT wildcard)", () => {
        expect(grantCovers("wp_shop_a", "wp_shopxa"), "the unescaped pattern's leak this guards against").to.equal(true);
        const granted = (id: string) => {
            const s = standIns();
            const result = s.run(createDatabaseCommand(id, "arn:x"));
            expect(result.status, result.stderr).to.equal(0);
            return /^GRANT ALL PRIVILEGES ON `(.*)`\.\* TO/m.exec(s.logged("mysql.sql")!)![1];
        };
        fc.assert(
            fc.property(tenantIds, tenantIds, (a, b) => {
                const pattern = granted(a);
                expect(grantCovers(pattern, tenantDatabaseName(a)), a).to.equal(true);
                // The twin whose `_` is another character: the name a wildcard `_` would also have covered.
                expect(grantCovers(pattern, tenantDatabaseName(a).replace(/_/g, "x")), `${a}'s twin`).to.equal(false);
                if (tenantDatabaseName(a) !== tenantDatabaseName(b))
                    expect(grantCovers(pattern, tenantDatabaseName(b)), `${a} vs ${b}`).to.equal(false);
            }),
            { numRuns: 40 },
        );
    });

    it("passes the master password in an option file (escaped), with TLS verification of the server's name, never as an argument", () => {
        const s = standIns();
        expect(s.run(dropDatabaseCommand("newco")).status).to.equal(0);
        expect(s.logged("options")).to.equal(
            "[client]\nhost=bbws-aurora-sit.cluster-abc.eu-west-1.rds.amazonaws.com\nport=3306\nuser=bbws_admin\n" +
                'password="p\\\\a\\"ss"\nssl-mode=VERIFY_IDENTITY\nssl-ca=/opt/bbws/rds-global-bundle.pem\n',
        );
        expect(s.logged("mysql.argv")).to.not.include("ss");
        expect(s.logged("mysql.sql")).to.equal(
            "DROP DATABASE IF EXISTS `wp_newco`;\nDROP USER IF EXISTS 'wp_newco'@'%', 'wp_newco_clone'@'%';\n",
        );
    });

    it("drop: the schema goes before its users, so a trigger, view or routine the tenant's user defined does not make DROP USER fail", () => {
        // Source: MySQL 8.0 manual, DROP USER: "As of MySQL 8.0.22, DROP USER fails with an error if any account to
        // be dropped is named as the DEFINER attribute for any stored object"; DROP DATABASE drops the schema's
        // stored routines, events, views and triggers with its tables (MySQL 8.0 manual, DROP DATABASE).
        const s = standIns();
        expect(s.run(dropDatabaseCommand("newco")).status).to.equal(0);
        const sql = s.logged("mysql.sql") ?? "";
        expect(sql.indexOf("DROP DATABASE")).to.be.greaterThan(-1);
        expect(sql.indexOf("DROP DATABASE")).to.be.lessThan(sql.indexOf("DROP USER"));
    });

    it("drop: both users of the alternating-users rotation go, wp_<id> and wp_<id>_clone, for every id the schema accepts", () => {
        // Source: aws-samples rotation lambda `get_alt_username` (src/config.ts ROTATION_CLONE_SUFFIX) creates <user>_clone with
        // the same grants; MySQL 8.0 manual, DROP DATABASE: privileges granted for the database are not dropped with it.
        const s = standIns();
        for (const id of ["abc", "tutor-hub-2", "z".repeat(23)]) {
            expect(s.run(dropDatabaseCommand(id)).status, id).to.equal(0);
            const name = tenantDatabaseName(id);
            expect(s.logged("mysql.sql"), id).to.include(`DROP USER IF EXISTS '${name}'@'%', '${name}_clone'@'%';`);
        }
        expect(s.run(dropDatabaseCommand("z".repeat(23)), { TENANT_DB_NAME: `wp_${"z".repeat(24)}` }).status).to.equal(64);
    });

    it("refuses a database name that could end a quote, and a password that is not letters and digits, before running any SQL", () => {
        for (const name of ["wp_x`; DROP DATABASE mysql; --", "wp_x'@'%", "root", `wp_${"a".repeat(30)}`]) {
            const s = standIns();
            const result = s.run(createDatabaseCommand("newco", "arn:x"), { TENANT_DB_NAME: name });
            expect(result.status, name).to.equal(64);
            expect(s.logged("mysql.sql")).to.equal(undefined);
        }
        const s = standIns(JSON.stringify({ password: "a'; DROP USER root; --" }));
        const result = s.run(createDatabaseCommand("newco", "arn:x"));
        expect(result.status).to.equal(65);
        expect(s.logged("mysql.sql")).to.equal(undefined);
    });

    it("the tenant's MySQL name passes the scripts' own check for every id the schema accepts (wp_ + letters, digits, _; at most 32)", () => {
        for (const id of ["abc", "a-b-c", "z".repeat(29), "tutor-hub-2"]) expect(tenantDatabaseName(id)).to.match(/^wp_[a-z0-9_]{1,29}$/);
    });

    it("install: wp core install with a generated 40-character password that never reaches the task's log, its argv or its stdin; a re-run changes nothing", () => {
        // Sources: wp-cli/wp-cli php/WP_CLI/Dispatcher/Subcommand.php `invoke` logs a prompted command with its values
        // (--prompt=admin_password would print the password); core-command Core_Command.php `do_install` logs a generated
        // one; handbook references/config.md "Subcommand defaults" and Runner.php `run_command` (`extra_config[ $name ]`)
        // give a config file's `core install:` values to the command as arguments.
        const s = standIns();
        const first = s.run(installWordPressCommand("newco", "https://newco.sit.bbws.io", "platform-sit@bbws.io"));
        expect(first.status, first.stderr).to.equal(0);
        const argv = s.logged("wp.argv")!.split("\n");
        expect(argv).to.include.members([
            "--path=/var/www/html",
            "core",
            "install",
            "--url=https://newco.sit.bbws.io",
            "--admin_user=bbws-admin",
            "--admin_email=platform-sit@bbws.io",
            "--skip-email",
        ]);
        expect(argv.some((a) => a.startsWith("--admin_password") || a.startsWith("--prompt"))).to.equal(false);
        const config = s.logged("wp-cli.yml")!;
        const password = /^core install:\n {2}admin_password: "([A-Za-z0-9]{40})"\n$/.exec(config)?.[1];
        expect(password, config).to.be.a("string");
        expect(s.logged("wp-cli.yml.mode")).to.equal("600\n");
        const output = first.stdout + first.stderr;
        expect(output).to.not.include(password!);
        expect(output).to.not.include("Admin password");
        // The config file goes with the task's shell (its trap): nothing of the password stays on the task's disk.
        expect(fs.existsSync(s.logged("wp-cli.yml.path")!.trim())).to.equal(false);

        fs.rmSync(path.join(s.dir, "log", "wp.argv"));
        const again = s.run(installWordPressCommand("newco", "https://newco.sit.bbws.io", "platform-sit@bbws.io"));
        expect(again.status).to.equal(0);
        expect(again.stdout).to.include("installed already; nothing changed");
        expect(s.logged("wp.argv")).to.equal(undefined);
    });

    it("the wp stand-in leaks as wp-cli does: a password given by --prompt is logged, so the install must not use it", () => {
        const s = standIns();
        const leaked = spawnSync(path.join(s.dir, "bin", "wp"), ["--path=/x", "core", "install", "--prompt=admin_password"], {
            env: { PATH: `${path.join(s.dir, "bin")}:/usr/bin:/bin` },
            input: "Secret0From0Stdin\n",
            encoding: "utf8",
        });
        expect(leaked.stdout).to.include("--admin_password='Secret0From0Stdin'");
    });

    it("archive: a single-transaction dump without tablespaces, a tar of wp-content and their SHA-256 sums, uploaded with S3 checksums, SHA256SUMS last", () => {
        const s = standIns();
        const content = path.join(s.dir, "wp-content");
        fs.mkdirSync(path.join(content, "uploads"), { recursive: true });
        fs.writeFileSync(path.join(content, "uploads", "photo.jpg"), "jpeg");
        const prefix = archivePrefix("newco", Date.parse("2026-12-01T09:00:00Z"));
        const result = s.run(archiveCommand(prefix), {
            DB_USER: "wp_newco",
            DB_NAME: "wp_newco",
            MIGRATION_BUCKET: "bbws-migration-artifacts-sit-815856636111",
            WP_CONTENT_DIR: content,
        });
        expect(result.status, result.stderr).to.equal(0);
        const dump = s.logged("mysqldump.argv")!.split("\n");
        expect(dump).to.include.members(["--single-transaction", "--no-tablespaces", "--set-gtid-purged=OFF", "wp_newco"]);
        const uploads = s.logged("aws.argv")!.trim().split("\n");
        expect(uploads.map((l) => l.split(" ")[3])).to.deep.equal(
            ARCHIVE_FILES.map((f) => `s3://bbws-migration-artifacts-sit-815856636111/${prefix}${f}`),
        );
        // Source: S3 user guide, "Checking object integrity": `aws s3 cp` uploads from 8 MiB in parts, and only a CRC-based
        // checksum (CRC64NVME) is then a checksum of the whole object; a SHA-256 would be one of the parts' checksums.
        expect(uploads.every((l) => l.includes("--checksum-algorithm CRC64NVME"))).to.equal(true);
        const sums = s.logged("s3/SHA256SUMS")!;
        expect(sums).to.match(/^[0-9a-f]{64} {2}database\.sql\.gz\n[0-9a-f]{64} {2}wp-content\.tar\.gz\n$/);
        const tar = spawnSync("tar", ["-tzf", path.join(s.dir, "log", "s3", "wp-content.tar.gz")], { encoding: "utf8" }).stdout;
        expect(tar).to.include("./uploads/photo.jpg");
    });

    it("archive: an object S3 holds that differs from what was archived (read back, SHA-256 checked) fails the task (exit 66) before SHA256SUMS is uploaded", () => {
        const s = standIns();
        const content = path.join(s.dir, "wp-content");
        fs.mkdirSync(content);
        fs.writeFileSync(path.join(content, "index.php"), "<?php");
        const prefix = archivePrefix("newco", Date.parse("2026-12-01T09:00:00Z"));
        const result = s.run(archiveCommand(prefix), {
            DB_NAME: "wp_newco",
            MIGRATION_BUCKET: "b",
            WP_CONTENT_DIR: content,
            CORRUPT_UPLOAD: "1",
        });
        expect(result.status).to.equal(66);
        expect(result.stderr).to.match(
            /s3:\/\/b\/archive\/newco\/20261201T090000\.000Z\/database\.sql\.gz read back as SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64}/,
        );
        expect(s.logged("s3/SHA256SUMS")).to.equal(undefined);
    });

    it("archive: streamed (nothing staged on the task's 20 GiB ephemeral storage), sums taken on the way match what S3 holds, and a failed mysqldump fails it (exit 65) before SHA256SUMS goes up", () => {
        // Source: ECS developer guide, "Fargate task ephemeral storage" (20 GiB by default); sh has no pipefail, so a
        // failed mysqldump piped into gzip would upload a valid gzip of nothing unless its status is checked.
        const s = standIns();
        const content = path.join(s.dir, "wp-content");
        fs.mkdirSync(content);
        fs.writeFileSync(path.join(content, "index.php"), "<?php");
        const prefix = archivePrefix("newco", Date.parse("2026-12-01T09:00:00Z"));
        const env = { DB_NAME: "wp_newco", MIGRATION_BUCKET: "b", WP_CONTENT_DIR: content };
        const ok = s.run(archiveCommand(prefix), env);
        expect(ok.status, ok.stderr).to.equal(0);
        expect(
            s
                .logged("aws.argv")!
                .trim()
                .split("\n")
                .slice(0, 2)
                .every((l) => l.startsWith("s3 cp - s3://b/")),
        ).to.equal(true);
        expect(s.logged("mysqldump.argv")).to.not.include("--result-file");
        const stored = path.join(s.dir, "log", "s3");
        expect(zlib.gunzipSync(fs.readFileSync(path.join(stored, "database.sql.gz"))).toString()).to.equal(
            "CREATE TABLE wp_posts (ID bigint);\n",
        );
        for (const line of s.logged("s3/SHA256SUMS")!.trim().split("\n")) {
            const [sum, file] = line.split("  ");
            expect(
                createHash("sha256")
                    .update(fs.readFileSync(path.join(stored, file)))
                    .digest("hex"),
                file,
            ).to.equal(sum);
        }

        const failing = standIns();
        const failed = failing.run(archiveCommand(prefix), { ...env, MYSQLDUMP_FAILS: "1" });
        expect(failed.status).to.equal(65);
        expect(failed.stderr).to.include("mysqldump failed (exit 2)");
        expect(failing.logged("s3/SHA256SUMS")).to.equal(undefined);
    });

    it("archive with DUMP_DATABASE=no (an add that never created the MySQL user): no mysqldump, SHA256SUMS lists wp-content only", () => {
        const s = standIns();
        const content = path.join(s.dir, "wp-content");
        fs.mkdirSync(content);
        fs.writeFileSync(path.join(content, "index.php"), "<?php");
        const prefix = archivePrefix("newco", Date.parse("2026-12-01T09:00:00Z"));
        const result = s.run(archiveCommand(prefix, false), { MIGRATION_BUCKET: "b", WP_CONTENT_DIR: content });
        expect(result.status, result.stderr).to.equal(0);
        expect(s.logged("mysqldump.argv")).to.equal(undefined);
        const uploads = s.logged("aws.argv")!.trim().split("\n");
        expect(uploads.map((l) => l.split(" ")[3])).to.deep.equal(archiveFiles(false).map((f) => `s3://b/${prefix}${f}`));
        expect(s.logged("s3/SHA256SUMS")).to.match(/^[0-9a-f]{64} {2}wp-content\.tar\.gz\n$/);
        expect(s.run(archiveCommand(prefix), { DUMP_DATABASE: "maybe", MIGRATION_BUCKET: "b" }).status).to.equal(64);
    });

    it("cache purge: as the named (platform) cache user, UNLINKs every key under <id>: and none of another tenant's (for any two ids the schema accepts), the password never an argument", () => {
        // Source: WordPress's Redis Object Cache prefixes each key with WP_REDIS_PREFIX (<id>:, components/tenant-service.ts);
        // Redis commands reference: SCAN MATCH is a glob, UNLINK deletes in the background. Ids hold no ':' nor glob character.
        // redis src/redis-cli.c `cliAuth`: without --user the password alone logs in as `default`, which is off (issue 18).
        const s = standIns();
        const cache = { REDIS_PREFIX: "newco:", REDIS_PASSWORD: "Cache0Password", REDIS_HOST: "cache", REDIS_PORT: "6379" };
        const result = s.run(purgeCacheCommand("newco"), { ...cache, REDIS_USERNAME: "bbws-platform-sit" });
        expect(result.status, result.stderr).to.equal(0);
        expect(s.logged("unlinked")!.trim().split("\n").sort()).to.deep.equal([
            "newco:options:alloptions",
            "newco:posts:1",
            "newco:posts:a key with spaces",
        ]);
        expect(s.logged("redis.auth")).to.equal("bbws-platform-sit Cache0Password\n");
        expect(result.stdout).to.include("unlinked 3 of 3 cache keys under newco:");
        for (const bad of ["", "newco", "new*:", "a:b:", ":"])
            expect(s.run(purgeCacheCommand("newco"), { REDIS_PREFIX: bad }).status, bad).to.equal(64);
        fc.assert(
            fc.property(tenantIds, tenantIds, (a, b) => {
                fc.pre(a !== b);
                // The SCAN pattern `<a>:*` as a glob: a key of tenant b (`<b>:…`) never matches it.
                expect(`${b}:posts:1`.startsWith(`${a}:`)).to.equal(false);
            }),
        );
    });

    it("cache flush by hand: the documented `npm run task` line hands the platform task exactly the purge's argv with REDIS_PREFIX set, and that argv purges the tenant's keys", () => {
        // npm run task takes no environment overrides, so the line sets REDIS_PREFIX with env(1); the shell words are
        // read here by sh itself (POSIX, "Quoting"), with npm standing in as a function printing its arguments.
        const line = purgeCacheTaskCommandLine("sit", "newco");
        const parsed = spawnSync("sh", ["-c", `npm() { printf '%s\\0' "$@"; }\n${line}`], { encoding: "utf8" });
        expect(parsed.status, parsed.stderr).to.equal(0);
        const words = parsed.stdout.split("\0").slice(0, -1);
        const command = purgeCacheCommand("newco");
        expect(words).to.deep.equal([
            "run",
            "task",
            "--",
            "--env",
            "sit",
            "--platform",
            "--",
            "env",
            "REDIS_PREFIX=newco:",
            ...command.argv,
        ]);
        const s = standIns();
        const cache = { REDIS_PASSWORD: "Cache0Password", REDIS_HOST: "cache", REDIS_PORT: "6379", REDIS_USERNAME: "bbws-platform-sit" };
        const result = s.run({ argv: words.slice(words.indexOf("env")), environment: {} }, cache);
        expect(result.status, result.stderr).to.equal(0);
        expect(result.stdout).to.include("unlinked 3 of 3 cache keys under newco:");
    });

    it("cache purge fails, never 'succeeds' having deleted nothing: no cache user (the default one is off), or an UNLINK answered with an error (redis-cli exits 0)", () => {
        const s = standIns();
        const cache = { REDIS_PREFIX: "newco:", REDIS_PASSWORD: "Cache0Password", REDIS_HOST: "cache", REDIS_PORT: "6379" };
        const noUser = s.run(purgeCacheCommand("newco"), cache);
        expect(noUser.status).to.equal(64);
        expect(noUser.stderr).to.include("REDIS_USERNAME is not set");
        const refused = s.run(purgeCacheCommand("newco"), { ...cache, REDIS_USERNAME: "bbws-platform-sit", UNLINK_ERROR: "1" });
        expect(refused.status).to.equal(65);
        expect(refused.stderr).to.include("UNLINK failed: NOPERM");
        const wrongUser = s.run(purgeCacheCommand("newco"), { ...cache, REDIS_USERNAME: "default" });
        expect(wrongUser.status).to.not.equal(0);
        expect(s.logged("unlinked")).to.equal(undefined);
    });

    it("a tier migration's export goes under archive/<id>/, the only prefix the tenant's task role may write and read, in a take of its own", () => {
        // Source: components/ecs-policies.ts `tenantArchivePrefix` (ListOwnArchive, WriteOwnArchive): the export runs as the tenant's task role.
        fc.assert(
            fc.property(tenantIds, fc.integer({ min: 0, max: 4102444800000 }), (id, at) => {
                const prefix = migrationExportPrefix(id, at);
                return (
                    prefix.startsWith(tenantArchivePrefix(id)) &&
                    prefix !== archivePrefix(id, at) &&
                    /^archive\/[^/]+\/[^/]+\/$/.test(prefix)
                );
            }),
        );
    });

    it("import: the export's wp-content.tar.gz, checked against SHA256SUMS, unpacked into wp-content without chown (the access point owns every file)", () => {
        const s = standIns();
        const content = path.join(s.dir, "wp-content");
        fs.mkdirSync(path.join(content, "uploads"), { recursive: true });
        fs.writeFileSync(path.join(content, "uploads", "photo.jpg"), "jpeg");
        const prefix = migrationExportPrefix("newco", Date.parse("2026-12-01T09:00:00Z"));
        const exported = s.run(archiveCommand(prefix), { DB_NAME: "wp_newco", MIGRATION_BUCKET: "b", WP_CONTENT_DIR: content });
        expect(exported.status, exported.stderr).to.equal(0);
        const fresh = path.join(s.dir, "new-file-system");
        fs.mkdirSync(fresh);
        const imported = s.run(importFilesCommand(prefix), { MIGRATION_BUCKET: "b", WP_CONTENT_DIR: fresh });
        expect(imported.status, imported.stderr).to.equal(0);
        expect(fs.readFileSync(path.join(fresh, "uploads", "photo.jpg"), "utf8")).to.equal("jpeg");
        expect(imported.stdout).to.match(new RegExp(`imported s3://b/${prefix}wp-content\\.tar\\.gz \\(SHA-256 [0-9a-f]{64}\\)`));
        expect(importFilesCommand(prefix).argv[2]).to.include("tar --no-same-owner -xzf -");
        // A re-run unpacks over what is there and deletes nothing.
        fs.writeFileSync(path.join(fresh, "written-since"), "x");
        expect(s.run(importFilesCommand(prefix), { MIGRATION_BUCKET: "b", WP_CONTENT_DIR: fresh }).status).to.equal(0);
        expect(fs.existsSync(path.join(fresh, "written-since"))).to.equal(true);
    });

    it("import: an object that does not match SHA256SUMS is not unpacked (exit 66); a SHA256SUMS without it (exit 65) and a prefix outside archive/<id>/<take>/ (exit 64) neither", () => {
        const s = standIns();
        const content = path.join(s.dir, "wp-content");
        fs.mkdirSync(content);
        fs.writeFileSync(path.join(content, "index.php"), "<?php");
        const prefix = migrationExportPrefix("newco", Date.parse("2026-12-01T09:00:00Z"));
        expect(s.run(archiveCommand(prefix), { DB_NAME: "wp_newco", MIGRATION_BUCKET: "b", WP_CONTENT_DIR: content }).status).to.equal(0);
        const stored = path.join(s.dir, "log", "s3");
        const good = fs.readFileSync(path.join(stored, "wp-content.tar.gz"));
        const fresh = path.join(s.dir, "new-file-system");
        fs.mkdirSync(fresh);

        // Another tar than the one summed: a valid archive, so only the check stops it.
        fs.writeFileSync(path.join(stored, "wp-content.tar.gz"), zlib.gzipSync(Buffer.alloc(10240)));
        const mismatch = s.run(importFilesCommand(prefix), { MIGRATION_BUCKET: "b", WP_CONTENT_DIR: fresh });
        expect(mismatch.status).to.equal(66);
        expect(mismatch.stderr).to.match(/reads as SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} of SHA256SUMS: nothing unpacked/);
        expect(fs.readdirSync(fresh)).to.deep.equal([]);

        fs.writeFileSync(path.join(stored, "wp-content.tar.gz"), good);
        fs.writeFileSync(
            path.join(stored, "SHA256SUMS"),
            fs.readFileSync(path.join(stored, "SHA256SUMS"), "utf8").replace(/.*wp-content.*\n/, ""),
        );
        expect(s.run(importFilesCommand(prefix), { MIGRATION_BUCKET: "b", WP_CONTENT_DIR: fresh }).status).to.equal(65);
        expect(s.run(importFilesCommand("tenants/other/"), { MIGRATION_BUCKET: "b", WP_CONTENT_DIR: fresh }).status).to.equal(64);
        expect(fs.readdirSync(fresh)).to.deep.equal([]);
    });

    it("archive refuses a prefix outside archive/<id>/<take>/; purge refuses any directory but wp-content's mount", () => {
        const s = standIns();
        expect(s.run(archiveCommand("tenants/other/"), { MIGRATION_BUCKET: "b", DB_NAME: "wp_x" }).status).to.equal(64);
        expect(s.logged("mysqldump.argv")).to.equal(undefined);
        const victim = path.join(s.dir, "victim");
        fs.mkdirSync(victim);
        fs.writeFileSync(path.join(victim, "keep"), "x");
        expect(s.run(purgeFilesCommand(), { WP_CONTENT_DIR: victim }).status).to.equal(64);
        expect(fs.existsSync(path.join(victim, "keep"))).to.equal(true);
    });
    describe("import of the database into an enterprise tenant's own cluster (the tenant's task, after the rollout repointed DB_HOST)", () => {
        // Sources: MySQL 8.0 manual, "mysqldump": one database without --databases writes no CREATE DATABASE nor USE, and
        // --add-drop-table (in --opt, on by default) writes DROP TABLE IF EXISTS before each table: a re-run replaces them.
        const OWN_HOST = "bbws-tenant-newco-aurora-sit.cluster-xyz.eu-west-1.rds.amazonaws.com";
        const DUMP = "CREATE TABLE wp_posts (ID bigint);\n";
        const prefix = migrationExportPrefix("newco", Date.parse("2026-12-01T09:00:00Z"));
        /** Stand-ins holding an export at `prefix` (ARCHIVE_SCRIPT's, as the shared cluster's mysqldump stand-in wrote it), the bucket's objects in `stored`. */
        const exported = () => {
            const s = standIns();
            const content = path.join(s.dir, "wp-content");
            fs.mkdirSync(content);
            fs.writeFileSync(path.join(content, "index.php"), "<?php");
            const archived = s.run(archiveCommand(prefix), { DB_NAME: "wp_newco", MIGRATION_BUCKET: "b", WP_CONTENT_DIR: content });
            expect(archived.status, archived.stderr).to.equal(0);
            for (const left of ["mysql.sql", "options", "aws.argv"]) fs.rmSync(path.join(s.dir, "log", left), { force: true });
            // From here on, aws logs every call (reads too) to aws.calls.
            fs.renameSync(path.join(s.dir, "bin", "aws"), path.join(s.dir, "bin", "aws-bucket"));
            fs.writeFileSync(
                path.join(s.dir, "bin", "aws"),
                `#!/bin/sh\necho "$@" >> '${path.join(s.dir, "log", "aws.calls")}'\nexec '${path.join(s.dir, "bin", "aws-bucket")}' "$@"\n`,
                { mode: 0o755 },
            );
            return { ...s, stored: path.join(s.dir, "log", "s3") };
        };
        /** The tenant task's environment on its own cluster. */
        const tenantTask = { DB_HOST: OWN_HOST, DB_USER: "wp_newco", DB_NAME: "wp_newco", MIGRATION_BUCKET: "b" };
        /** Rewrites SHA256SUMS' line for database.sql.gz to the SHA-256 of what the bucket holds now. */
        const resum = (stored: string) => {
            const sum = createHash("sha256")
                .update(fs.readFileSync(path.join(stored, "database.sql.gz")))
                .digest("hex");
            const sums = fs.readFileSync(path.join(stored, "SHA256SUMS"), "utf8");
            fs.writeFileSync(path.join(stored, "SHA256SUMS"), sums.replace(/^[0-9a-f]{64}( {2}database\.sql\.gz)$/m, `${sum}$1`));
        };

        it("names the export and the own cluster's writer as environment overrides, nothing else", () => {
            expect(importDatabaseCommand(prefix, OWN_HOST).environment).to.deep.equal({
                ARCHIVE_PREFIX: prefix,
                EXPECTED_DB_HOST: OWN_HOST,
            });
        });

        it("loads exactly the checked bytes of database.sql.gz into $DB_NAME, on the own cluster as the tenant's user, streamed; a re-run loads it again", () => {
            const s = exported();
            const result = s.run(importDatabaseCommand(prefix, OWN_HOST), tenantTask);
            expect(result.status, result.stderr).to.equal(0);
            expect(s.logged("mysql.sql")).to.equal(DUMP);
            // SHA256SUMS, the object checked, the object loaded; nothing written to the bucket.
            expect(s.logged("aws.calls")!.trim().split("\n")).to.deep.equal([
                `s3 cp s3://b/${prefix}SHA256SUMS - --no-progress`,
                `s3 cp s3://b/${prefix}database.sql.gz - --no-progress`,
                `s3 cp s3://b/${prefix}database.sql.gz - --no-progress`,
            ]);
            const argv = s.logged("mysql.argv")!.trim().split("\n");
            expect(argv[argv.length - 1]).to.equal("wp_newco");
            expect(argv.filter((a) => a.startsWith("--defaults-extra-file="))).to.have.length(1);
            expect(s.logged("options")).to.match(
                new RegExp(`^\\[client\\]\\nhost=${OWN_HOST.replace(/\./g, "\\.")}\\nport=3306\\nuser=wp_newco\\n`),
            );
            expect(result.stdout).to.match(
                new RegExp(`loaded s3://b/${prefix}database\\.sql\\.gz \\(SHA-256 [0-9a-f]{64}\\) into wp_newco on ${OWN_HOST}`),
            );
            // Streamed: the dump reaches mysql through a pipe, never as a file on the task's ephemeral storage.
            expect(importDatabaseCommand(prefix, OWN_HOST).argv[2]).to.match(
                /aws s3 cp "\$object" - --no-progress \| tee "\$work\/fifo" \| status_of gunzip gunzip -c \| status_of sed sed "\$definers" \|\s+status_of mysql mysql /,
            );
            fs.rmSync(path.join(s.dir, "log", "mysql.sql"));
            expect(s.run(importDatabaseCommand(prefix, OWN_HOST), tenantTask).status).to.equal(0);
            expect(s.logged("mysql.sql")).to.equal(DUMP);
        });

        it("rewrites exactly the tenant's two accounts' DEFINERs (wp_<id>, wp_<id>_clone @ %) to CURRENT_USER on the way to mysql, every other definer left as it is", () => {
            // Source: MySQL 8.0 manual, "Stored Object Access Control": without SET_USER_ID "the only permitted account is your
            // own, specified either literally or as CURRENT_USER"; WordPress may run as wp_<id>_clone (alternating-users rotation).
            const s = exported();
            const dump = [
                "/*!50001 CREATE ALGORITHM=UNDEFINED */",
                "/*!50013 DEFINER=`wp_newco`@`%` SQL SECURITY DEFINER */",
                "/*!50001 VIEW `wp_recent` AS select 1 AS `1` */;",
                "/*!50003 CREATE*/ /*!50017 DEFINER=`wp_newco_clone`@`%`*/ /*!50003 TRIGGER `wp_posts_touch` BEFORE UPDATE ON `wp_posts` FOR EACH ROW SET NEW.ID = NEW.ID */;;",
                "CREATE DEFINER=`other`@`%` PROCEDURE `p`() SELECT 1;",
                "/*!50013 DEFINER=`wp_newco2`@`%` SQL SECURITY DEFINER */",
                "/*!50013 DEFINER=`wp_newco`@`localhost` SQL SECURITY DEFINER */",
                "/*!50013 DEFINER=`wp_newco_clone2`@`%` SQL SECURITY DEFINER */",
                "",
            ].join("\n");
            fs.writeFileSync(path.join(s.stored, "database.sql.gz"), zlib.gzipSync(dump));
            resum(s.stored);
            const result = s.run(importDatabaseCommand(prefix, OWN_HOST), tenantTask);
            expect(result.status, result.stderr).to.equal(0);
            expect(s.logged("mysql.sql")).to.equal(
                dump
                    .replace("DEFINER=`wp_newco`@`%` SQL", "DEFINER=CURRENT_USER SQL")
                    .replace("DEFINER=`wp_newco_clone`@`%`*/", "DEFINER=CURRENT_USER*/"),
            );
            expect(s.logged("mysql.sql")).to.include("CREATE DEFINER=`other`@`%` PROCEDURE");
            // The SHA-256 is of the compressed bytes, so it still matches: the rewrite is after gunzip.
            expect(result.stdout).to.match(/loaded s3:\/\/b\/.*database\.sql\.gz \(SHA-256 [0-9a-f]{64}\)/);
            // Only where mysqldump writes a definer, at the start of a line: a data row holding the same text is left as it is.
            const row =
                "INSERT INTO `wp_posts` VALUES (1,'/*!50013 DEFINER=`wp_newco`@`%` SQL SECURITY DEFINER */ and DEFINER=`wp_newco`@`%`');\n";
            fs.writeFileSync(path.join(s.stored, "database.sql.gz"), zlib.gzipSync(row));
            resum(s.stored);
            expect(s.run(importDatabaseCommand(prefix, OWN_HOST), tenantTask).status).to.equal(0);
            expect(s.logged("mysql.sql")).to.equal(row);
        });

        it("refuses a DB_HOST other than EXPECTED_DB_HOST (the shared cluster's, or none expected) with exit 64, before reading anything", () => {
            for (const env of <Record<string, string>[]>[
                { DB_HOST: "bbws-aurora-sit.cluster-abc.eu-west-1.rds.amazonaws.com" },
                { EXPECTED_DB_HOST: "" },
                { DB_HOST: `${OWN_HOST}.evil` },
            ]) {
                const s = exported();
                const result = s.run(importDatabaseCommand(prefix, OWN_HOST), { ...tenantTask, ...env });
                expect(result.status, JSON.stringify(env)).to.equal(64);
                expect(result.stderr).to.include("refusing to load a dump anywhere else");
                expect(s.logged("mysql.sql"), JSON.stringify(env)).to.equal(undefined);
                expect(s.logged("aws.calls"), "nothing read from the bucket").to.equal(undefined);
                expect(s.logged("options"), "no option file written").to.equal(undefined);
            }
        });

        it("refuses a DB_NAME that fails the schema-name rules, and a prefix outside archive/<id>/<take>/ (exit 64), before loading anything", () => {
            for (const env of <Record<string, string>[]>[
                { DB_NAME: "wp_x`; DROP DATABASE mysql; --" },
                { DB_NAME: "mysql" },
                { ARCHIVE_PREFIX: "tenants/other/" },
            ]) {
                const s = exported();
                expect(s.run(importDatabaseCommand(prefix, OWN_HOST), { ...tenantTask, ...env }).status, JSON.stringify(env)).to.equal(64);
                expect(s.logged("mysql.sql")).to.equal(undefined);
            }
        });

        it("an object that does not match SHA256SUMS is not loaded (exit 66); a SHA256SUMS without database.sql.gz (DUMP_DATABASE=no) neither (exit 65)", () => {
            const s = exported();
            // Another valid gzip than the one summed: only the check stops it.
            fs.writeFileSync(path.join(s.stored, "database.sql.gz"), zlib.gzipSync("DROP TABLE wp_users;\n"));
            const mismatch = s.run(importDatabaseCommand(prefix, OWN_HOST), tenantTask);
            expect(mismatch.status).to.equal(66);
            expect(mismatch.stderr).to.match(/reads as SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} of SHA256SUMS: nothing loaded/);
            expect(s.logged("mysql.sql")).to.equal(undefined);

            const sums = path.join(s.stored, "SHA256SUMS");
            fs.writeFileSync(sums, fs.readFileSync(sums, "utf8").replace(/.*database\.sql\.gz\n/, ""));
            const missing = s.run(importDatabaseCommand(prefix, OWN_HOST), tenantTask);
            expect(missing.status).to.equal(65);
            expect(missing.stderr).to.include("SHA256SUMS lists no database.sql.gz");
            expect(s.logged("mysql.sql")).to.equal(undefined);
        });

        it("bytes that change between the check and the load fail it (exit 66: the SHA-256 taken on the way differs)", () => {
            const s = exported();
            // An aws whose second read of database.sql.gz serves another object (overwritten between the two reads).
            const reads = path.join(s.dir, "reads");
            const other = path.join(s.dir, "other.sql.gz");
            fs.writeFileSync(other, zlib.gzipSync("CREATE TABLE wp_other (ID bigint);\n"));
            fs.renameSync(path.join(s.dir, "bin", "aws"), path.join(s.dir, "bin", "aws-real"));
            fs.writeFileSync(
                path.join(s.dir, "bin", "aws"),
                `#!/bin/sh\ncase "$3" in *database.sql.gz) echo x >> '${reads}'; if [ "$(wc -l < '${reads}')" -gt 1 ]; then cat '${other}'; exit 0; fi;; esac\nexec '${path.join(s.dir, "bin", "aws-real")}' "$@"\n`,
                { mode: 0o755 },
            );
            const result = s.run(importDatabaseCommand(prefix, OWN_HOST), tenantTask);
            expect(result.status).to.equal(66);
            expect(result.stderr).to.match(/changed while it was loaded \(SHA-256 [0-9a-f]{64}, not [0-9a-f]{64}\): run the import again/);
        });

        it("a failed mysql, sed or gunzip fails the task (exit 65), though the pipeline's last command is what sh reports", () => {
            const s = exported();
            const failed = s.run(importDatabaseCommand(prefix, OWN_HOST), { ...tenantTask, MYSQL_FAILS: "1" });
            expect(failed.status).to.equal(65);
            expect(failed.stderr).to.include("mysql failed (exit 1); wp_newco is not completely loaded: run the import again");
            expect(failed.stdout).to.not.include("loaded s3://");

            // Not gzip, summed as it is: the checks pass, gunzip fails, and mysql gets nothing (exit 0 for an empty input).
            fs.writeFileSync(path.join(s.stored, "database.sql.gz"), DUMP);
            resum(s.stored);
            const notGzip = s.run(importDatabaseCommand(prefix, OWN_HOST), tenantTask);
            expect(notGzip.status).to.equal(65);
            expect(notGzip.stderr).to.match(/gunzip failed \(exit \d+\); wp_newco is not completely loaded/);

            // The DEFINER rewrite's sed failing (a write error, say) fails it too.
            const sedFails = exported();
            fs.writeFileSync(
                path.join(sedFails.dir, "bin", "sed"),
                `#!/bin/sh\ncase "$1" in *DEFINER=CURRENT_USER*) cat > /dev/null; echo 'sed: couldn'"'"'t write' >&2; exit 4;; esac\nexec /bin/sed "$@"\n`,
                { mode: 0o755 },
            );
            const noRewrite = sedFails.run(importDatabaseCommand(prefix, OWN_HOST), tenantTask);
            expect(noRewrite.status).to.equal(65);
            expect(noRewrite.stderr).to.include("sed failed (exit 4); wp_newco is not completely loaded");
        });
    });

    describe("compare of the tenant's schema, shared cluster against its own (the platform task, before the shared schema is dropped)", () => {
        // Sources: MySQL 8.0 manual, CHECKSUM TABLE (for "verifying that the contents of a table are the same before and
        // after a backup, rollback, or other operation"; the value depends on the row format); "mysqldump" (--routines and
        // --events are off by default: a dump carries no stored routine nor event); "Schema Object Names" (a backtick in a
        // quoted identifier is doubled); "mysql Client Options" (--batch escapes newline, tab and backslash).
        const SHARED_HOST = "bbws-aurora-sit.cluster-abc.eu-west-1.rds.amazonaws.com";
        const OWN = {
            writerEndpoint: "bbws-tenant-newco-aurora-sit.cluster-xyz.eu-west-1.rds.amazonaws.com",
            masterSecretArn: "arn:aws:secretsmanager:eu-west-1:815856636111:secret:rds!cluster-0a1b-AbC123",
        };
        /** A row of an information_schema table as `mysql --batch` prints it, by column name; null is NULL. */
        type Row = Readonly<Record<string, string | null>>;
        /** One side's schema as information_schema and CHECKSUM TABLE answer for it: rows as `mysql --batch` prints them. */
        interface Schema {
            /** Each base table and its CHECKSUM TABLE, null for NULL (not readable). */
            readonly tables: Readonly<Record<string, string | null>>;
            /** information_schema.TABLES' options of a table, where not `TABLE_OPTIONS`. */
            readonly options?: Readonly<Record<string, Row>>;
            /** information_schema.COLUMNS and STATISTICS rows (`column`, `index`). */
            readonly columns?: readonly Row[];
            readonly indexes?: readonly Row[];
            readonly views?: readonly string[];
            readonly triggers?: readonly string[];
            readonly routines?: readonly string[];
            readonly events?: readonly string[];
        }
        /** A WordPress table's options in information_schema.TABLES (MySQL 8.0 manual, "The INFORMATION_SCHEMA TABLES Table"). */
        const TABLE_OPTIONS: Row = {
            ENGINE: "InnoDB",
            ROW_FORMAT: "Dynamic",
            CREATE_OPTIONS: "",
            TABLE_COLLATION: "utf8mb4_unicode_520_ci",
        };
        /**
         * A row of information_schema.COLUMNS (MySQL 8.0 manual, "The INFORMATION_SCHEMA COLUMNS Table"): NOT NULL without a
         * DEFAULT clause (COLUMN_DEFAULT NULL) unless `more` says otherwise; a string type in the schema's utf8mb4 collation,
         * any other with no character set nor collation (NULL); EXTRA and GENERATION_EXPRESSION empty for a plain column.
         */
        const column = (table: string, name: string, position: number, type: string, more: Row = {}): Row => {
            const text = /char|text|enum/.test(type);
            return {
                TABLE_NAME: table,
                COLUMN_NAME: name,
                ORDINAL_POSITION: String(position),
                COLUMN_TYPE: type,
                IS_NULLABLE: "NO",
                COLUMN_DEFAULT: null,
                CHARACTER_SET_NAME: text ? "utf8mb4" : null,
                COLLATION_NAME: text ? "utf8mb4_unicode_520_ci" : null,
                EXTRA: "",
                GENERATION_EXPRESSION: "",
                ...more,
            };
        };
        /**
         * information_schema.STATISTICS' rows of an index, one per key part in SEQ_IN_INDEX order (MySQL 8.0 manual, "The
         * INFORMATION_SCHEMA STATISTICS Table"): a column name, or `name(n)` for a prefix of n characters (SUB_PART), sorted
         * ascending (COLLATION A), no EXPRESSION; a BTREE, visible, unique for PRIMARY only, unless `more` says otherwise.
         */
        const index = (table: string, name: string, parts: readonly string[], more: Row = {}): Row[] =>
            parts.map((part, i) => ({
                TABLE_NAME: table,
                INDEX_NAME: name,
                SEQ_IN_INDEX: String(i + 1),
                COLUMN_NAME: part.replace(/\(\d+\)$/, ""),
                EXPRESSION: null,
                SUB_PART: /\((\d+)\)$/.exec(part)?.[1] ?? null,
                COLLATION: "A",
                NON_UNIQUE: name === "PRIMARY" ? "0" : "1",
                INDEX_TYPE: "BTREE",
                IS_VISIBLE: "YES",
                ...more,
            }));
        const WORDPRESS: Schema = {
            tables: { wp_options: "1111", wp_posts: "2222", "wp_we`ird": "3333" },
            columns: [
                column("wp_options", "option_id", 1, "bigint unsigned", { EXTRA: "auto_increment" }),
                column("wp_options", "option_name", 2, "varchar(191)", { COLUMN_DEFAULT: "" }),
                column("wp_options", "option_value", 3, "longtext"),
                column("wp_options", "autoload", 4, "varchar(20)", { COLUMN_DEFAULT: "yes" }),
                column("wp_posts", "ID", 1, "bigint unsigned", { EXTRA: "auto_increment" }),
                column("wp_posts", "post_date", 2, "datetime", { COLUMN_DEFAULT: "0000-00-00 00:00:00" }),
                column("wp_posts", "post_status", 3, "varchar(20)", { COLUMN_DEFAULT: "publish" }),
                column("wp_posts", "post_name", 4, "varchar(200)", { COLUMN_DEFAULT: "" }),
                column("wp_posts", "post_type", 5, "varchar(20)", { COLUMN_DEFAULT: "post" }),
                column("wp_we`ird", "id", 1, "int"),
            ],
            indexes: [
                ...index("wp_options", "PRIMARY", ["option_id"]),
                ...index("wp_options", "option_name", ["option_name"], { NON_UNIQUE: "0" }),
                ...index("wp_options", "autoload", ["autoload"]),
                ...index("wp_posts", "PRIMARY", ["ID"]),
                ...index("wp_posts", "post_name", ["post_name(191)"]),
                ...index("wp_posts", "type_status_date", ["post_type", "post_status", "post_date", "ID"]),
            ],
            views: ["wp_recent\tabc123"],
            triggers: ["wp_posts_touch\twp_posts BEFORE UPDATE def456"],
        };
        /** Stand-ins with one MySQL server per host (`perHostMysql`), each answering the script's queries from its schema. */
        const clusters = (shared: Schema, own: Schema) => {
            const s = standIns();
            const log = path.join(s.dir, "log");
            for (const [host, schema] of [
                [SHARED_HOST, shared],
                [OWN.writerEndpoint, own],
            ] as const) {
                const db = path.join(s.dir, "db", host);
                fs.mkdirSync(db, { recursive: true });
                const lines = (rows: readonly string[] = []) => rows.map((r) => `${r}\n`).join("");
                // An information_schema table: its header (every column its rows name), then its rows, \N for NULL (SELECT_AWK reads it).
                const table = (rows: readonly Row[]) => {
                    const header = [...new Set(rows.flatMap((r) => Object.keys(r)))];
                    return lines([header.join("\t"), ...rows.map((r) => header.map((h) => r[h] ?? "\\N").join("\t"))]);
                };
                const tables = Object.keys(schema.tables).sort();
                fs.writeFileSync(
                    path.join(db, "checksums"),
                    lines(tables.filter((name) => schema.tables[name] !== null).map((name) => `${name}\t${schema.tables[name]}`)),
                );
                fs.writeFileSync(
                    path.join(db, "information_schema.TABLES"),
                    table(tables.map((name) => ({ TABLE_NAME: name, ...(schema.options?.[name] ?? TABLE_OPTIONS) }))),
                );
                fs.writeFileSync(path.join(db, "information_schema.COLUMNS"), table(schema.columns ?? []));
                fs.writeFileSync(path.join(db, "information_schema.STATISTICS"), table(schema.indexes ?? []));
                fs.writeFileSync(path.join(db, "views"), lines(schema.views));
                fs.writeFileSync(path.join(db, "triggers"), lines(schema.triggers));
                fs.writeFileSync(path.join(db, "routines"), lines(schema.routines));
                fs.writeFileSync(path.join(db, "events"), lines(schema.events));
            }
            fs.writeFileSync(path.join(s.dir, "master.json"), JSON.stringify({ username: "bbws_admin_newco", password: "Own0Master0Pw" }));
            fs.writeFileSync(
                path.join(s.dir, "bin", "aws"),
                `#!/bin/sh\necho "$4" >> '${path.join(log, "secret-ids")}'\ncase "$4" in\n  "${OWN.masterSecretArn}") cat '${path.join(s.dir, "master.json")}';;\n  *) exit 9;;\nesac\n`,
                { mode: 0o755 },
            );
            perHostMysql(s.dir);
            return { ...s, run: (env: Record<string, string> = {}) => s.run(compareDatabaseCommand("newco", OWN), env) };
        };

        it("names the schema, the own cluster and its master secret as environment overrides", () => {
            expect(compareDatabaseCommand("newco", OWN).environment).to.deep.equal({
                TENANT_DB_NAME: "wp_newco",
                TENANT_CLUSTER_HOST: OWN.writerEndpoint,
                TENANT_CLUSTER_MASTER_ID: OWN.masterSecretArn,
            });
        });

        it("passes (exit 0) on identical schemas: the same tables with the same CHECKSUM TABLE and options, columns, indexes, views and triggers, counting each", () => {
            // information_schema's rows come in no set order (MySQL 8.0 manual, "The INFORMATION_SCHEMA COLUMNS Table":
            // SELECT from COLUMNS "does not have automatic ordering"): an index's key parts are put in SEQ_IN_INDEX order.
            const reversed: Schema = {
                ...WORDPRESS,
                columns: [...WORDPRESS.columns!].reverse(),
                indexes: [...WORDPRESS.indexes!].reverse(),
            };
            const result = clusters(WORDPRESS, reversed).run();
            expect(result.status, result.stderr).to.equal(0);
            expect(result.stdout).to.include(
                `schema wp_newco is identical on the shared cluster and on ${OWN.writerEndpoint}: 3 tables (CHECKSUM TABLE and table options), 10 columns, 6 indexes, 1 views, 1 triggers, 0 routines, 0 events`,
            );
        });

        it("reads the shared cluster with the task's own master user, then the own cluster with its master secret's user (never the shared master there)", () => {
            const s = clusters(WORDPRESS, WORDPRESS);
            expect(s.run().status).to.equal(0);
            expect(s.logged(`options.${SHARED_HOST}`)).to.equal(
                `[client]\nhost=${SHARED_HOST}\nport=3306\nuser=bbws_admin\npassword="p\\\\a\\"ss"\nssl-mode=VERIFY_IDENTITY\nssl-ca=/opt/bbws/rds-global-bundle.pem\n`,
            );
            expect(s.logged(`options.${OWN.writerEndpoint}`)).to.equal(
                `[client]\nhost=${OWN.writerEndpoint}\nport=3306\nuser=bbws_admin_newco\npassword="Own0Master0Pw"\nssl-mode=VERIFY_IDENTITY\nssl-ca=/opt/bbws/rds-global-bundle.pem\n`,
            );
            expect(s.logged("secret-ids")).to.equal(`${OWN.masterSecretArn}\n`);
            for (const host of [SHARED_HOST, OWN.writerEndpoint])
                expect(s.logged(`mysql.argv.${host}`)!.split("\n"), host).to.include.members(["--batch", "--skip-column-names"]);
            // It only reads: every statement either side got is a SELECT or a CHECKSUM TABLE.
            for (const host of [SHARED_HOST, OWN.writerEndpoint])
                for (const statement of s.logged(`sql.${host}`)!.trim().split("\n"))
                    expect(statement, host).to.match(/^(SELECT .* FROM information_schema\.[A-Z]+ WHERE .*|CHECKSUM TABLE .*);$/);
        });

        it("quotes every table name with backticks, a backtick in it doubled (a plugin's table name can be anything)", () => {
            const s = clusters(WORDPRESS, WORDPRESS);
            expect(s.run().status).to.equal(0);
            const sql = s.logged(`sql.${SHARED_HOST}`)!;
            expect(sql).to.include("CHECKSUM TABLE `wp_newco`.`wp_we``ird`;\n");
            expect(sql).to.include("CHECKSUM TABLE `wp_newco`.`wp_options`;\n");
            // A name that would end the quote undoubled, and one with --batch's escapes (\\ for a backslash, \t for a tab).
            const odd = clusters({ tables: { "x`; DROP TABLE wp_users; --": "1", "a\\\\b\\tc": "2" } }, { tables: {} });
            // Quoted right, MySQL (the stand-in parses as it would) takes both; the own side has no table, so the compare fails.
            const oddResult = odd.run();
            expect(oddResult.status).to.equal(66);
            expect(oddResult.stderr).to.not.include("ERROR 1064");
            // The stand-in is strict as MySQL is: the same name with its backtick not doubled is a syntax error.
            const strict = spawnSync(
                path.join(odd.dir, "bin", "mysql"),
                [`--defaults-extra-file=${path.join(odd.dir, "log", `options.${SHARED_HOST}`)}`],
                {
                    input: "CHECKSUM TABLE `wp_newco`.`x`; DROP TABLE wp_users; --`;\n",
                    encoding: "utf8",
                },
            );
            expect(strict.status).to.equal(1);
            expect(strict.stderr).to.include("ERROR 1064");
            const oddSql = odd.logged(`sql.${SHARED_HOST}`)!;
            expect(oddSql).to.include("CHECKSUM TABLE `wp_newco`.`x``; DROP TABLE wp_users; --`;\n");
            expect(oddSql).to.include("CHECKSUM TABLE `wp_newco`.`a\\b\tc`;\n");
        });

        it("fails (exit 66) on a differing checksum and on a table on one side only, naming each, having changed nothing", () => {
            const s = clusters(
                { ...WORDPRESS, tables: { ...WORDPRESS.tables, wc_orders: "5555" } },
                { ...WORDPRESS, tables: { ...WORDPRESS.tables, wp_posts: "9999", wp_stray: "4444" } },
            );
            const result = s.run();
            expect(result.status).to.equal(66);
            // A table on one side only is missing with its options too.
            expect(result.stderr).to.include(
                `schema wp_newco differs between the shared cluster and ${OWN.writerEndpoint} (5 differences; nothing changed):`,
            );
            expect(result.stderr).to.include("    table wc_orders: shared 5555, own -\n");
            expect(result.stderr).to.include("    table-options wc_orders: shared 'InnoDB' 'Dynamic' '' 'utf8mb4_unicode_520_ci', own -\n");
            expect(result.stderr).to.include("    table wp_posts: shared 2222, own 9999\n");
            expect(result.stderr).to.include("    table wp_stray: shared -, own 4444\n");
            expect(result.stderr).to.include("    table-options wp_stray: shared -, own 'InnoDB' 'Dynamic' '' 'utf8mb4_unicode_520_ci'\n");
            expect(result.stderr).to.not.include("wp_options");
        });

        it("fails (exit 66) on views or triggers that differ or are missing", () => {
            const s = clusters(WORDPRESS, { ...WORDPRESS, views: [], triggers: ["wp_posts_touch\twp_posts BEFORE UPDATE 000000"] });
            const result = s.run();
            expect(result.status).to.equal(66);
            expect(result.stderr).to.include("    view wp_recent: shared abc123, own -\n");
            expect(result.stderr).to.include(
                "    trigger wp_posts_touch: shared wp_posts BEFORE UPDATE def456, own wp_posts BEFORE UPDATE 000000\n",
            );
        });

        /** `schema` with `more` set on its rows of `rows` (columns or indexes) that `match`. */
        const changed = (schema: Schema, rows: "columns" | "indexes", match: Row, more: Row): Schema => ({
            ...schema,
            [rows]: schema[rows]!.map((r) => (Object.entries(match).every(([k, v]) => r[k] === v) ? { ...r, ...more } : r)),
        });
        /** WORDPRESS's wp_posts.post_type as the script reads it: ORDINAL_POSITION, then each string QUOTEd. */
        const POST_TYPE = "5 'varchar(20)' 'NO' 'post' 'utf8mb4' 'utf8mb4_unicode_520_ci' '' ''";

        it('columns (MySQL 8.0 manual, "The INFORMATION_SCHEMA COLUMNS Table"): each of ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, CHARACTER_SET_NAME, COLLATION_NAME, EXTRA and GENERATION_EXPRESSION that differs fails it (exit 66), naming the column with both definitions', () => {
            const post_type = { TABLE_NAME: "wp_posts", COLUMN_NAME: "post_type" };
            for (const [more, own] of <[Row, string][]>[
                [{ ORDINAL_POSITION: "6" }, "6 'varchar(20)' 'NO' 'post' 'utf8mb4' 'utf8mb4_unicode_520_ci' '' ''"],
                [{ COLUMN_TYPE: "varchar(40)" }, "5 'varchar(40)' 'NO' 'post' 'utf8mb4' 'utf8mb4_unicode_520_ci' '' ''"],
                [{ IS_NULLABLE: "YES" }, "5 'varchar(20)' 'YES' 'post' 'utf8mb4' 'utf8mb4_unicode_520_ci' '' ''"],
                [{ COLUMN_DEFAULT: "page" }, "5 'varchar(20)' 'NO' 'page' 'utf8mb4' 'utf8mb4_unicode_520_ci' '' ''"],
                [{ CHARACTER_SET_NAME: "utf8mb3" }, "5 'varchar(20)' 'NO' 'post' 'utf8mb3' 'utf8mb4_unicode_520_ci' '' ''"],
                [{ COLLATION_NAME: "utf8mb4_general_ci" }, "5 'varchar(20)' 'NO' 'post' 'utf8mb4' 'utf8mb4_general_ci' '' ''"],
                [{ EXTRA: "INVISIBLE" }, "5 'varchar(20)' 'NO' 'post' 'utf8mb4' 'utf8mb4_unicode_520_ci' 'INVISIBLE' ''"],
                [
                    { GENERATION_EXPRESSION: "lower(`post_status`)", EXTRA: "VIRTUAL GENERATED" },
                    "5 'varchar(20)' 'NO' 'post' 'utf8mb4' 'utf8mb4_unicode_520_ci' 'VIRTUAL GENERATED' 'lower(`post_status`)'",
                ],
            ]) {
                const result = clusters(WORDPRESS, changed(WORDPRESS, "columns", post_type, more)).run();
                expect(result.status, JSON.stringify(more)).to.equal(66);
                expect(result.stderr).to.include("(1 differences; nothing changed)");
                expect(result.stderr).to.include(`    column \`wp_posts\`.\`post_type\`: shared ${POST_TYPE}, own ${own}\n`);
            }
        });

        it("a column's COLUMN_DEFAULT NULL (no DEFAULT clause, or DEFAULT NULL), '' and the string 'NULL' are three definitions: each value QUOTEd (MySQL 8.0 manual, \"String Functions and Operators\", QUOTE: NULL is the bare word NULL; CONCAT_WS skips a NULL)", () => {
            const option_value = { TABLE_NAME: "wp_options", COLUMN_NAME: "option_value" };
            const text = (shown: string) => `3 'longtext' 'NO' ${shown} 'utf8mb4' 'utf8mb4_unicode_520_ci' '' ''`;
            const defaults: [string | null, string][] = [
                [null, "NULL"],
                ["", "''"],
                ["NULL", "'NULL'"],
            ];
            for (const [shared, sharedShown] of defaults)
                for (const [own, ownShown] of defaults) {
                    if (shared === own) continue;
                    const result = clusters(
                        changed(WORDPRESS, "columns", option_value, { COLUMN_DEFAULT: shared }),
                        changed(WORDPRESS, "columns", option_value, { COLUMN_DEFAULT: own }),
                    ).run();
                    expect(result.status, `${shared} against ${own}`).to.equal(66);
                    expect(result.stderr).to.include(
                        `    column \`wp_options\`.\`option_value\`: shared ${text(sharedShown)}, own ${text(ownShown)}\n`,
                    );
                }
            // So are a NULL CHARACTER_SET_NAME (a non-string column's) and an empty one.
            const id = { TABLE_NAME: "wp_we`ird", COLUMN_NAME: "id" };
            const charset = clusters(WORDPRESS, changed(WORDPRESS, "columns", id, { CHARACTER_SET_NAME: "" })).run();
            expect(charset.status).to.equal(66);
            expect(charset.stderr).to.include(
                "    column `wp_we``ird`.`id`: shared 1 'int' 'NO' NULL NULL NULL '' '', own 1 'int' 'NO' NULL '' NULL '' ''\n",
            );
            // A quote and a backslash in a default come escaped by QUOTE, each backslash then written \\ by --batch.
            const quoted = clusters(WORDPRESS, changed(WORDPRESS, "columns", option_value, { COLUMN_DEFAULT: "it's a \\\\" })).run();
            expect(quoted.status).to.equal(66);
            expect(quoted.stderr).to.include(`own ${text("'it\\\\'s a \\\\\\\\'")}\n`);
        });

        it('indexes (MySQL 8.0 manual, "The INFORMATION_SCHEMA STATISTICS Table"): a missing one, and one whose key parts (COLUMN_NAME or EXPRESSION, SUB_PART, COLLATION, in SEQ_IN_INDEX order), NON_UNIQUE, INDEX_TYPE or IS_VISIBLE differ, fails it (exit 66), naming the index', () => {
            const missing = clusters(WORDPRESS, {
                ...WORDPRESS,
                indexes: WORDPRESS.indexes!.filter((r) => r.INDEX_NAME !== "autoload"),
            }).run();
            expect(missing.status).to.equal(66);
            expect(missing.stderr).to.include("(1 differences; nothing changed)");
            expect(missing.stderr).to.include(
                "    index `wp_options`.`autoload`: shared 'autoload' NULL NULL 'A' 1 'BTREE' 'YES', own -\n",
            );

            const part = (column: string) => `'${column}' NULL NULL 'A' 1 'BTREE' 'YES'`;
            const reordered = clusters(WORDPRESS, {
                ...WORDPRESS,
                indexes: [
                    ...WORDPRESS.indexes!.filter((r) => r.INDEX_NAME !== "type_status_date"),
                    ...index("wp_posts", "type_status_date", ["post_status", "post_type", "post_date", "ID"]),
                ],
            }).run();
            expect(reordered.status).to.equal(66);
            expect(reordered.stderr).to.include(
                `    index \`wp_posts\`.\`type_status_date\`: shared ${["post_type", "post_status", "post_date", "ID"].map(part).join(", ")}, own ${["post_status", "post_type", "post_date", "ID"].map(part).join(", ")}\n`,
            );

            const post_name = { TABLE_NAME: "wp_posts", INDEX_NAME: "post_name" };
            for (const [more, own] of <[Row, string][]>[
                [{ SUB_PART: "190" }, "'post_name' NULL '190' 'A' 1 'BTREE' 'YES'"],
                [{ SUB_PART: null }, "'post_name' NULL NULL 'A' 1 'BTREE' 'YES'"],
                [{ COLLATION: "D" }, "'post_name' NULL '191' 'D' 1 'BTREE' 'YES'"],
                [{ NON_UNIQUE: "0" }, "'post_name' NULL '191' 'A' 0 'BTREE' 'YES'"],
                [{ INDEX_TYPE: "HASH" }, "'post_name' NULL '191' 'A' 1 'HASH' 'YES'"],
                [{ IS_VISIBLE: "NO" }, "'post_name' NULL '191' 'A' 1 'BTREE' 'NO'"],
                // A functional key part: no COLUMN_NAME, its EXPRESSION instead.
                [
                    { COLUMN_NAME: null, EXPRESSION: "left(`post_name`,191)", SUB_PART: null },
                    "NULL 'left(`post_name`,191)' NULL 'A' 1 'BTREE' 'YES'",
                ],
            ]) {
                const result = clusters(WORDPRESS, changed(WORDPRESS, "indexes", post_name, more)).run();
                expect(result.status, JSON.stringify(more)).to.equal(66);
                expect(result.stderr).to.include(
                    `    index \`wp_posts\`.\`post_name\`: shared 'post_name' NULL '191' 'A' 1 'BTREE' 'YES', own ${own}\n`,
                );
            }
        });

        it('table options (MySQL 8.0 manual, "The INFORMATION_SCHEMA TABLES Table"): a differing ENGINE, ROW_FORMAT, CREATE_OPTIONS or TABLE_COLLATION fails it (exit 66); statistics (AUTO_INCREMENT, TABLE_ROWS, sizes, times, an index\'s CARDINALITY), which differ after any load, do not', () => {
            for (const [more, own] of <[Row, string][]>[
                [{ ENGINE: "MyISAM" }, "'MyISAM' 'Dynamic' '' 'utf8mb4_unicode_520_ci'"],
                [{ ROW_FORMAT: "Compact" }, "'InnoDB' 'Compact' '' 'utf8mb4_unicode_520_ci'"],
                [{ CREATE_OPTIONS: "row_format=COMPRESSED" }, "'InnoDB' 'Dynamic' 'row_format=COMPRESSED' 'utf8mb4_unicode_520_ci'"],
                [{ TABLE_COLLATION: "utf8mb4_general_ci" }, "'InnoDB' 'Dynamic' '' 'utf8mb4_general_ci'"],
            ]) {
                const result = clusters(WORDPRESS, { ...WORDPRESS, options: { wp_posts: { ...TABLE_OPTIONS, ...more } } }).run();
                expect(result.status, JSON.stringify(more)).to.equal(66);
                expect(result.stderr).to.include("(1 differences; nothing changed)");
                expect(result.stderr).to.include(
                    `    table-options wp_posts: shared 'InnoDB' 'Dynamic' '' 'utf8mb4_unicode_520_ci', own ${own}\n`,
                );
            }
            const statistics = (n: string): Schema => ({
                ...WORDPRESS,
                options: Object.fromEntries(
                    Object.keys(WORDPRESS.tables).map((t) => [
                        t,
                        {
                            ...TABLE_OPTIONS,
                            AUTO_INCREMENT: n,
                            TABLE_ROWS: n,
                            DATA_LENGTH: n,
                            INDEX_LENGTH: n,
                            CREATE_TIME: n,
                            UPDATE_TIME: n,
                        },
                    ]),
                ),
                indexes: WORDPRESS.indexes!.map((r) => ({ ...r, CARDINALITY: n })),
            });
            const result = clusters(statistics("8812"), statistics("1")).run();
            expect(result.status, result.stderr).to.equal(0);
        });

        it("names a column or an index by its table's name and its own, each in backticks with a backtick doubled (MySQL 8.0 manual, \"Schema Object Names\"): table a.b's column c and table a's column b.c are two, never one", () => {
            const tables = { a: "1", "a.b": "2" };
            const result = clusters(
                { tables, columns: [column("a.b", "c", 1, "int")], indexes: index("a.b", "c", ["c"]) },
                { tables, columns: [column("a", "b.c", 1, "int")], indexes: index("a", "b.c", ["b.c"]) },
            ).run();
            expect(result.status).to.equal(66);
            expect(result.stderr).to.include("(4 differences; nothing changed)");
            expect(result.stderr).to.include("    column `a.b`.`c`: shared 1 'int' 'NO' NULL NULL NULL '' '', own -\n");
            expect(result.stderr).to.include("    column `a`.`b.c`: shared -, own 1 'int' 'NO' NULL NULL NULL '' ''\n");
            expect(result.stderr).to.include("    index `a.b`.`c`: shared 'c' NULL NULL 'A' 1 'BTREE' 'YES', own -\n");
            expect(result.stderr).to.include("    index `a`.`b.c`: shared -, own 'b.c' NULL NULL 'A' 1 'BTREE' 'YES'\n");
            // A backtick in a name is doubled, so `a``.``b` (table a`.`b) is not `a`.`b`; tab and newline stay --batch's \t and \n.
            const odd = { "a`.`b": "1", "t\\tab": "2" };
            const quoted = clusters(
                { tables: odd, columns: [column("a`.`b", "c", 1, "int"), column("t\\tab", "new\\nline", 1, "int")] },
                { tables: odd },
            ).run();
            expect(quoted.status).to.equal(66);
            expect(quoted.stderr).to.include("    column `a``.``b`.`c`: shared 1 'int'");
            expect(quoted.stderr).to.include("    column `t\\tab`.`new\\nline`: shared 1 'int'");
        });

        it('an index of many key parts, and a column type, longer than GROUP_CONCAT\'s default group_concat_max_len (1024 bytes: MySQL 8.0 manual, "Aggregate Function Descriptions") that differ only at their end, differ', () => {
            const parts = Array.from({ length: 40 }, (_, i) => `meta_column_with_a_long_descriptive_name_${String(i).padStart(2, "0")}`);
            const values = Array.from({ length: 120 }, (_, i) => `'status_${i}'`);
            const wide = (last: string, lastValue: string): Schema => ({
                tables: { wp_wide: "1" },
                columns: [column("wp_wide", "status", 1, `enum(${[...values.slice(0, -1), lastValue].join(",")})`)],
                indexes: index("wp_wide", "everything", [...parts.slice(0, -1), last]),
            });
            const result = clusters(wide(parts[39], "'status_119'"), wide(`${parts[39]}(10)`, "'status_120'")).run();
            expect(result.status).to.equal(66);
            expect(result.stderr).to.include("(2 differences; nothing changed)");
            const line = (kind: string) => result.stderr.split("\n").find((l) => l.startsWith(`    ${kind} `))!;
            const [shared, own] = line("index `wp_wide`.`everything`:").split(", own ");
            expect(shared.length).to.be.greaterThan(2048);
            expect(own).to.match(/, 'meta_column_with_a_long_descriptive_name_39' NULL '10' 'A' 1 'BTREE' 'YES'$/);
            expect(shared).to.match(/, 'meta_column_with_a_long_descriptive_name_39' NULL NULL 'A' 1 'BTREE' 'YES'$/);
            const [sharedType, ownType] = line("column `wp_wide`.`status`:").split(", own ");
            expect(sharedType.length).to.be.greaterThan(1024);
            // Each quote of the enum escaped by QUOTE, its backslash written \\ by --batch.
            expect(sharedType).to.match(/,\\\\'status_119\\\\'\)' /);
            expect(ownType).to.match(/,\\\\'status_120\\\\'\)' /);
        });

        it("passes (exit 0) when the stored routines and events are identical on both sides (recreated by hand on the own cluster)", () => {
            // Rows as information_schema answers the script: type, name and SHA2 of ROUTINE_DEFINITION; name and SHA2 of EVENT_DEFINITION.
            const withPrograms: Schema = {
                ...WORDPRESS,
                routines: ["procedure\twc_cleanup\taaa111", "function\twc_price\tbbb222"],
                events: ["wp_nightly\tccc333"],
            };
            const result = clusters(withPrograms, withPrograms).run();
            expect(result.status, result.stderr).to.equal(0);
            expect(result.stdout).to.include(
                "3 tables (CHECKSUM TABLE and table options), 10 columns, 6 indexes, 1 views, 1 triggers, 2 routines, 1 events",
            );
        });

        it("fails (exit 66) naming a routine or event on the shared side only (not in the dump), and one whose definition differs; a procedure and a function of one name are two", () => {
            const shared: Schema = {
                ...WORDPRESS,
                routines: ["procedure\twc_cleanup\taaa111", "function\twc_price\tbbb222", "procedure\twc_price\tddd444"],
                events: ["wp_nightly\tccc333"],
            };
            const own: Schema = { ...WORDPRESS, routines: ["procedure\twc_price\tddd444", "function\twc_price\teee555"] };
            const result = clusters(shared, own).run();
            expect(result.status).to.equal(66);
            const lost =
                " (not in the dump: mysqldump leaves routines and events out by default — recreate it on the tenant's own cluster, then run again)";
            expect(result.stderr).to.include(`    procedure wc_cleanup: shared aaa111, own -${lost}\n`);
            expect(result.stderr).to.include(`    event wp_nightly: shared ccc333, own -${lost}\n`);
            expect(result.stderr).to.include("    function wc_price: shared bbb222, own eee555\n");
            expect(result.stderr).to.not.include("procedure wc_price");
            // Only on the own side is a difference too, but not "not in the dump".
            const extra = clusters(WORDPRESS, { ...WORDPRESS, events: ["wp_stray\tfff666"] }).run();
            expect(extra.status).to.equal(66);
            expect(extra.stderr).to.include("    event wp_stray: shared -, own fff666\n");
        });

        it("a NULL checksum (CHECKSUM TABLE's answer for a table not there or not readable) is a difference, even on both sides", () => {
            // Source: MySQL 8.0 manual, CHECKSUM TABLE: "For a nonexistent table, CHECKSUM TABLE returns NULL and generates a warning."
            const withGone: Schema = { ...WORDPRESS, tables: { ...WORDPRESS.tables, wp_gone: null } };
            const result = clusters(withGone, withGone).run();
            expect(result.status).to.equal(66);
            expect(result.stderr).to.include("    table wp_gone: shared NULL, own NULL (NULL: not there, or not readable)\n");
            expect(result.stderr).to.include("(1 differences; nothing changed)");
        });

        it("refuses (exit 64) without the own cluster, or with the shared cluster named as the own; (exit 65) a shared schema with no table", () => {
            for (const env of <Record<string, string>[]>[
                { TENANT_CLUSTER_HOST: "" },
                { TENANT_CLUSTER_MASTER_ID: "" },
                { TENANT_CLUSTER_HOST: SHARED_HOST },
                { TENANT_DB_NAME: "mysql" },
            ]) {
                const s = clusters(WORDPRESS, WORDPRESS);
                expect(s.run(env).status, JSON.stringify(env)).to.equal(64);
                expect(s.logged(`sql.${SHARED_HOST}`), JSON.stringify(env)).to.equal(undefined);
            }
            const empty = clusters({ tables: {} }, { tables: {} });
            const result = empty.run();
            expect(result.status).to.equal(65);
            expect(result.stderr).to.include("has no table on the shared cluster");
            expect(empty.logged("secret-ids")).to.equal(undefined);
        });
    });

    describe("precheck of the tenant's schema on the shared cluster (the platform task, the migration's first step: before the tenant is stopped)", () => {
        // Sources: MySQL 8.0 manual, "mysqldump" (--routines and --events are off by default); "Stored Object Access Control"
        // (without SET_USER_ID the only permitted DEFINER is your own account); "The INFORMATION_SCHEMA TABLES Table"
        // (DATA_LENGTH, INDEX_LENGTH; statistics cached up to information_schema_stats_expiry).
        const SHARED_HOST = "bbws-aurora-sit.cluster-abc.eu-west-1.rds.amazonaws.com";
        /** The shared schema as information_schema answers the precheck: `<kind>\t<name>\t<definer>` rows, `mysql --batch` style. */
        interface Objects {
            readonly views?: readonly string[];
            readonly triggers?: readonly string[];
            readonly routines?: readonly string[];
            readonly events?: readonly string[];
        }
        const FINE: Objects = {
            views: ["view\twp_recent\twp_newco@%"],
            triggers: ["trigger\twp_posts_touch\twp_newco_clone@%"],
        };
        /** Stand-ins with the shared cluster (`perHostMysql`) holding `objects` and 12 base tables of 34.5 MB; aws logs and fails. */
        const shared = (objects: Objects) => {
            const s = standIns();
            const db = path.join(s.dir, "db", SHARED_HOST);
            fs.mkdirSync(db, { recursive: true });
            const lines = (rows: readonly string[] = []) => rows.map((r) => `${r}\n`).join("");
            fs.writeFileSync(path.join(db, "tables"), "12\t34.5\n");
            fs.writeFileSync(path.join(db, "views"), lines(objects.views));
            fs.writeFileSync(path.join(db, "triggers"), lines(objects.triggers));
            fs.writeFileSync(path.join(db, "routines"), lines(objects.routines));
            fs.writeFileSync(path.join(db, "events"), lines(objects.events));
            fs.writeFileSync(
                path.join(s.dir, "bin", "aws"),
                `#!/bin/sh\necho "$@" >> '${path.join(s.dir, "log", "aws.calls")}'\nexit 9\n`,
                {
                    mode: 0o755,
                },
            );
            perHostMysql(s.dir);
            return { ...s, run: (env: Record<string, string> = {}) => s.run(precheckDatabaseCommand("newco"), env) };
        };

        it("names the schema only, as an environment override", () => {
            expect(precheckDatabaseCommand("newco").environment).to.deep.equal({ TENANT_DB_NAME: "wp_newco" });
        });

        it("passes (exit 0) with the size line when nothing is found: the tenant's views and triggers defined by wp_<id>@% or wp_<id>_clone@%, no routine nor event", () => {
            const s = shared(FINE);
            const result = s.run();
            expect(result.status, result.stderr).to.equal(0);
            expect(result.stdout).to.include(
                `schema wp_newco on the shared cluster ${SHARED_HOST}: 12 tables, 34.5 MB of data and indexes`,
            );
            expect(result.stdout).to.include("schema wp_newco can move");
            expect(result.stderr).to.equal("");
            // Only reads, on the shared cluster, as the platform task's own master user; no secret read.
            expect(s.logged(`options.${SHARED_HOST}`)).to.match(
                /^\[client\]\nhost=bbws-aurora-sit\.cluster-abc\.eu-west-1\.rds\.amazonaws\.com\nport=3306\nuser=bbws_admin\n/,
            );
            expect(s.logged("aws.calls")).to.equal(undefined);
            expect(s.logged(`mysql.argv.${SHARED_HOST}`)!.split("\n")).to.include.members(["--batch", "--skip-column-names"]);
            const statements = s.logged(`sql.${SHARED_HOST}`)!.trim().split("\n");
            expect(statements).to.have.length(5);
            for (const statement of statements)
                expect(statement).to.match(/^SELECT .* FROM information_schema\.[A-Z]+ WHERE .*'wp_newco'.*;$/);
            expect(statements[0]).to.include("SUM(DATA_LENGTH + INDEX_LENGTH)");
            // An empty schema passes too, its size line saying so.
            const empty = shared({});
            fs.writeFileSync(path.join(empty.dir, "db", SHARED_HOST, "tables"), "0\t0.0\n");
            const none = empty.run();
            expect(none.status, none.stderr).to.equal(0);
            expect(none.stdout).to.include("0 tables, 0.0 MB");
        });

        it("fails (exit 66) naming each stored routine and event: mysqldump will not carry them", () => {
            const s = shared({
                ...FINE,
                routines: ["procedure\twc_cleanup\twp_newco@%", "function\twc_price\twp_newco_clone@%"],
                events: ["event\twp_nightly\twp_newco@%"],
            });
            const result = s.run();
            expect(result.status).to.equal(66);
            expect(result.stdout).to.include("12 tables, 34.5 MB");
            expect(result.stderr).to.include(
                "which mysqldump leaves out by default (--routines, --events): the move needs each recreated by hand on the tenant's own cluster after the import, or dropped first:\n",
            );
            for (const name of ["procedure wc_cleanup", "function wc_price", "event wp_nightly"])
                expect(result.stderr, name).to.include(`    ${name}\n`);
            expect(result.stderr).to.not.include("DEFINER is neither");
        });

        it("fails (exit 66) naming each view, trigger, routine or event whose definer is neither wp_<id>@% nor wp_<id>_clone@%, with its definer", () => {
            const s = shared({
                views: ["view\twp_recent\tadmin@%", "view\twp_mine\twp_newco@%"],
                triggers: [
                    "trigger\twp_posts_touch\twp_newco@localhost",
                    "trigger\twp_other\twp_newco2@%",
                    "trigger\twp_clone\twp_newco_clone@%",
                ],
            });
            const result = s.run();
            expect(result.status).to.equal(66);
            expect(result.stderr).to.include("whose DEFINER is neither wp_newco@% nor wp_newco_clone@%");
            expect(result.stderr).to.include("    view wp_recent: definer admin@%\n");
            expect(result.stderr).to.include("    trigger wp_posts_touch: definer wp_newco@localhost\n");
            expect(result.stderr).to.include("    trigger wp_other: definer wp_newco2@%\n");
            expect(result.stderr).to.not.include("wp_mine");
            expect(result.stderr).to.not.include("wp_clone:");
        });

        it("refuses (exit 64) TENANT_CLUSTER_HOST or TENANT_CLUSTER_MASTER_ID set (it reads the shared cluster only) and a bad schema name, before any SQL", () => {
            for (const env of <Record<string, string>[]>[
                { TENANT_CLUSTER_HOST: "bbws-tenant-newco-aurora-sit.cluster-xyz.eu-west-1.rds.amazonaws.com" },
                { TENANT_CLUSTER_HOST: "" },
                { TENANT_CLUSTER_MASTER_ID: "arn:aws:secretsmanager:eu-west-1:815856636111:secret:rds!cluster-0a1b-AbC123" },
                { TENANT_DB_NAME: "wp_x`; DROP DATABASE mysql; --" },
                { TENANT_DB_NAME: "mysql" },
            ]) {
                const s = shared(FINE);
                const result = s.run(env);
                expect(result.status, JSON.stringify(env)).to.equal(64);
                expect(s.logged(`sql.${SHARED_HOST}`), JSON.stringify(env)).to.equal(undefined);
                expect(s.logged("aws.calls"), JSON.stringify(env)).to.equal(undefined);
            }
            expect(shared(FINE).run({ TENANT_CLUSTER_HOST: "x" }).stderr).to.include("the precheck reads the shared cluster only");
        });
    });
});
