/**
 * What the one-off tasks of onboarding and offboarding run: POSIX `sh` scripts kept here as text and
 * tested by running them (test/automation/tenant-scripts.test.ts). A task gets `["sh", "-c", script]`
 * and every value as an environment override; no value is ever put into the script's text, so no
 * quoting of ours can go wrong. Each script checks its values before it uses them.
 *
 * The platform task's environment carries the master user (`DB_HOST`, `DB_PORT`, `DB_USER`,
 * `DB_PASSWORD`, `DB_SSL_MODE`, `DB_SSL_CA`) of the shared cluster, which a run for an enterprise tenant
 * replaces with its own cluster's (`USE_TENANT_CLUSTER`); the tenant task's carries the tenant's own user and
 * `DB_NAME` (contract of issue 15, `ecs.oneOffTasks`).
 */
import { ROTATION_CLONE_SUFFIX, tenantDatabaseName } from "../../src/config";
import { WP_CONTENT_PATH } from "../../src/images";

/** A one-off task's command: the container's argv and the environment overrides it needs. */
export interface TaskCommand {
    readonly argv: readonly string[];
    readonly environment: Readonly<Record<string, string>>;
}

/**
 * (Re)writes `$options` (`MYSQL_OPTIONS`' file) from `DB_HOST`, `DB_PORT`, `DB_USER`, `DB_PASSWORD`, `DB_SSL_MODE` and
 * `DB_SSL_CA` as they are now: a script that has switched clusters (`USE_TENANT_CLUSTER`) writes them again.
 */
const WRITE_MYSQL_OPTIONS = String.raw`escaped=$(printf '%s' "$DB_PASSWORD" | sed 's/\\/\\\\/g; s/"/\\"/g')
printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword="%s"\nssl-mode=%s\nssl-ca=%s\n' \
    "$DB_HOST" "$DB_PORT" "$DB_USER" "$escaped" "$DB_SSL_MODE" "$DB_SSL_CA" > "$options"
`;

/**
 * Writes the MySQL client's options to a file only this user can read, so the password is neither an
 * argument (visible in `ps`) nor `MYSQL_PWD` (deprecated: MySQL 8.0 manual, "End-User Guidelines for
 * Password Security"). Inside double quotes an option value takes `\\` for a backslash (MySQL 8.0
 * manual, "Using Option Files"); an RDS master password has no `"` (RDS API reference, CreateDBCluster
 * `MasterUserPassword`: any printable ASCII character except /, " and @), and both are escaped anyway.
 */
const MYSQL_OPTIONS = String.raw`umask 077
options=$(mktemp)
trap 'rm -f "$options"' EXIT
${WRITE_MYSQL_OPTIONS}`;

/**
 * Points the MySQL client at an enterprise tenant's own cluster when the run names it (`TENANT_CLUSTER_HOST`
 * and `TENANT_CLUSTER_MASTER_ID`, both or neither, as container-override `environment`: ECS RunTask's
 * ContainerOverride takes `environment` but no `secrets`, ECS API reference), else leaves the platform task's
 * shared-cluster settings as they are. Its master user comes from the cluster's RDS-managed master secret,
 * read at run time (JSON with `username` and `password`: Aurora user guide, "Password management with Amazon
 * Aurora and AWS Secrets Manager"); the platform task's role may read only such secrets of this environment's
 * tenant clusters (components/ecs-policies.ts `tenantClusterGrants`). Port and TLS settings stay the
 * platform's: the tenant's cluster is built from the same `bbws:database` (components/tenant-cluster.ts), and
 * the RDS CA bundle is the region's.
 */
const USE_TENANT_CLUSTER = String.raw`if [ -n "${"$"}{TENANT_CLUSTER_HOST:-}${"$"}{TENANT_CLUSTER_MASTER_ID:-}" ]; then
    if [ -z "${"$"}{TENANT_CLUSTER_HOST:-}" ] || [ -z "${"$"}{TENANT_CLUSTER_MASTER_ID:-}" ]; then
        echo "TENANT_CLUSTER_HOST and TENANT_CLUSTER_MASTER_ID go together: one names the cluster, the other its master secret" >&2
        exit 64
    fi
    master=$(aws secretsmanager get-secret-value --secret-id "$TENANT_CLUSTER_MASTER_ID" --query SecretString --output text)
    DB_USER=$(printf '%s' "$master" | jq -er .username)
    DB_PASSWORD=$(printf '%s' "$master" | jq -er .password)
    master=
    DB_HOST=$TENANT_CLUSTER_HOST
    echo "on the tenant's own cluster $DB_HOST"
fi
`;

/**
 * The tenant's schema and user are both `wp_<id>` (src/config.ts `tenantDatabaseName`): letters,
 * digits and `_` only, which MySQL takes unquoted (MySQL 8.0 manual, "Schema Object Names": unquoted
 * identifiers may hold [0-9a-zA-Z$_]). They are quoted all the same, the schema with backticks and the
 * account as 'user'@'%' (MySQL 8.0 manual, "Specifying Account Names"), after the script has checked
 * they hold nothing else, so a value can never end a quote.
 */
const CHECK_DATABASE_NAME = checkDatabaseName("TENANT_DB_NAME");

/**
 * `CHECK_DATABASE_NAME`'s rules for the value of the variable named `variable` (a fixed name of ours, never a value):
 * the tenant task's `DB_NAME` is the same `wp_<id>`, checked the same way before it reaches SQL.
 */
function checkDatabaseName(variable: "TENANT_DB_NAME" | "DB_NAME"): string {
    return String.raw`case "$${variable}" in
    wp_*) ;;
    *) echo "${variable} '$${variable}' does not start with wp_" >&2; exit 64 ;;
esac
if [ "$(printf '%s' "$${variable}" | tr -d 'a-z0-9_')" != "" ] || [ "${"$"}{#${variable}}" -gt 32 ]; then
    echo "${variable} '$${variable}' is not a MySQL user of at most 32 letters, digits and _" >&2
    exit 64
fi
`;
}

/**
 * Creates the tenant's schema and user, idempotently: the schema in WordPress's character set, the
 * user only over TLS (`REQUIRE SSL`) with the password of the tenant's secret (set again by `ALTER
 * USER`, so a re-run repairs a user whose password drifted), and privileges on its own schema only.
 * The password comes from Secrets Manager at run time; the data layer generates it without special
 * characters (components/data.ts: `special: false`), which the script checks before using it.
 *
 * In a database-level GRANT the name is a pattern: `_` and `%` are wildcards, so `wp_shop_a` would also
 * grant `wp_shopxa` (another tenant's, for id `shopxa`). Each `_` is written `\_` in the GRANT only (MySQL
 * 8.0 manual, GRANT statement, "Database Privileges": "specify it as \_ in the GRANT statement"); the
 * name holds no `%` (checked above).
 */
export const CREATE_DATABASE_SCRIPT = String.raw`set -eu
${CHECK_DATABASE_NAME}secret=$(aws secretsmanager get-secret-value --secret-id "$TENANT_SECRET_ID" --query SecretString --output text)
password=$(printf '%s' "$secret" | jq -er .password)
if [ -z "$password" ] || [ "$(printf '%s' "$password" | tr -d 'A-Za-z0-9')" != "" ]; then
    echo "the password in $TENANT_SECRET_ID is not letters and digits only; refusing to put it into SQL" >&2
    exit 65
fi
grant_pattern=$(printf '%s' "$TENANT_DB_NAME" | sed 's/_/\\_/g')
${USE_TENANT_CLUSTER}${MYSQL_OPTIONS}mysql --defaults-extra-file="$options" <<SQL
CREATE DATABASE IF NOT EXISTS \`$TENANT_DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
CREATE USER IF NOT EXISTS '$TENANT_DB_NAME'@'%' IDENTIFIED BY '$password' REQUIRE SSL;
ALTER USER '$TENANT_DB_NAME'@'%' IDENTIFIED BY '$password' REQUIRE SSL;
GRANT ALL PRIVILEGES ON \`$grant_pattern\`.* TO '$TENANT_DB_NAME'@'%';
SQL
echo "schema and user $TENANT_DB_NAME ready (TLS required)"
`;

/**
 * Drops the tenant's users and schema; `IF EXISTS` makes a re-run safe. Both users: `wp_<id>` and
 * `wp_<id>_clone`, which the alternating-users rotation creates at the first rotation with the same
 * grants (components/secret-rotation.ts; src/config.ts `ROTATION_CLONE_SUFFIX`). DROP DATABASE removes
 * no account nor its privileges (MySQL 8.0 manual, DROP DATABASE: "privileges granted specifically for
 * the database are not automatically dropped"), so a clone left behind would keep a working login
 * with ALL on the schema name. The schema goes first: from MySQL 8.0.22, DROP USER fails while the
 * account is the DEFINER of a stored object (MySQL 8.0 manual, DROP USER; a plugin's trigger, view or
 * routine in the schema), and DROP DATABASE drops the schema's stored objects with it.
 */
export const DROP_DATABASE_SCRIPT = String.raw`set -eu
${CHECK_DATABASE_NAME}clone="${"$"}{TENANT_DB_NAME}${ROTATION_CLONE_SUFFIX}"
if [ "${"$"}{#clone}" -gt 32 ]; then
    echo "rotation user '$clone' would be longer than MySQL's 32 characters: refusing" >&2
    exit 64
fi
${MYSQL_OPTIONS}mysql --defaults-extra-file="$options" <<SQL
DROP DATABASE IF EXISTS \`$TENANT_DB_NAME\`;
DROP USER IF EXISTS '$TENANT_DB_NAME'@'%', '$clone'@'%';
SQL
echo "schema $TENANT_DB_NAME and users $TENANT_DB_NAME, $clone dropped"
`;

/** Where the images keep WordPress itself (the official image's document root): wp-cli's `--path`. */
export const WORDPRESS_PATH = WP_CONTENT_PATH.slice(0, -"/wp-content".length);

/** The first administrator `wp core install` creates: not `admin`, the name every password-guessing bot tries first. */
export const WORDPRESS_ADMIN_USER = "bbws-admin";

/**
 * Installs WordPress in the tenant's schema before its service starts, so the site never serves
 * `wp-admin/install.php` to the internet (whoever completes that page owns the site). Idempotent:
 * `wp core is-installed` exits 0 once the tables exist, and the script then changes nothing.
 *
 * The administrator's password is 40 random letters and digits, generated in the task and never
 * printed nor passed as an argument (visible in `ps`). It reaches wp-cli as a subcommand default in a
 * config file only this user can read (`WP_CLI_CONFIG_PATH`, removed on exit): wp-cli merges a config
 * file's `core install:` section into the command's arguments (wp-cli handbook, references/config.md,
 * "Subcommand defaults"; php/WP_CLI/Runner.php `run_command`, `extra_config[ $name ]`).
 * Not `--prompt=admin_password < file`: after prompting, wp-cli logs the whole command with the values
 * it read (php/WP_CLI/Dispatcher/Subcommand.php `invoke`, `WP_CLI::log( 'wp core install … --admin_password=…' )`,
 * in plain text up to v2.12.0; the masking added later covers only arguments marked `sensitive`, and
 * core-command does not mark `admin_password`), which would put it in the task's CloudWatch log.
 * Not without a password either: wp-cli would generate one and log it (wp-cli/core-command
 * src/Core_Command.php `do_install`: `WP_CLI::log( "Admin password: …" )`).
 * `--skip-email`: the task has no mail transport; the administrator sets a password with WordPress's
 * "Lost your password?" link to `ADMIN_EMAIL`, or `wp user reset-password` in a one-off task.
 */
export const INSTALL_WORDPRESS_SCRIPT = String.raw`set -eu
if wp --path="$WORDPRESS_PATH" core is-installed; then
    echo "WordPress at $SITE_URL is installed already; nothing changed"
    exit 0
fi
umask 077
config=$(mktemp)
trap 'rm -f "$config"' EXIT
password=$(head -c 60 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-40)
if [ "${"$"}{#password}" -ne 40 ]; then
    echo "could not generate a 40-character password" >&2
    exit 70
fi
printf 'core install:\n  admin_password: "%s"\n' "$password" > "$config"
password=
WP_CLI_CONFIG_PATH="$config" wp --path="$WORDPRESS_PATH" core install --url="$SITE_URL" --title="$SITE_TITLE" \
    --admin_user="$ADMIN_USER" --admin_email="$ADMIN_EMAIL" --skip-email
echo "WordPress installed at $SITE_URL; its administrator $ADMIN_USER sets a password by the lost-password link to $ADMIN_EMAIL"
`;

/**
 * `status_of <name> <command…>` runs the command with its exit status written to `$work/<name>.status`;
 * `check_status <name> <consequence>` fails the script (exit 65) naming the command and the consequence unless
 * that status is 0. For a command inside a pipeline: sh has no `pipefail` (POSIX, Shell Command Language,
 * "Pipelines": a pipeline's status is its last command's), and `set -e` does not reach a pipeline's other
 * commands, so a failed mysqldump piped into gzip would otherwise upload a good gzip of nothing, and a
 * failed gunzip piped into mysql would load a truncated dump as a success. Needs `$work`.
 */
const PIPELINE_STATUS = String.raw`# Runs "$@" with its status written to $work/<name>.status: sh has no pipefail, and set -e does not reach
# into a pipeline's left side, so a failed mysqldump piped into gzip would otherwise upload a good gzip of nothing.
status_of() {
    name=$1
    shift
    "$@" && code=0 || code=$?
    echo "$code" > "$work/$name.status"
}
check_status() {
    if [ "$(cat "$work/$1.status")" != 0 ]; then
        echo "$1 failed (exit $(cat "$work/$1.status")); $2" >&2
        exit 65
    fi
}
`;

/** The objects an archive holds, uploaded in this order: `SHA256SUMS` last, so its presence means the others are there. */
export const ARCHIVE_FILES = ["database.sql.gz", "wp-content.tar.gz", "SHA256SUMS"] as const;

/** One of `ARCHIVE_FILES`. */
export type ArchiveFile = (typeof ARCHIVE_FILES)[number];

/**
 * The objects an archive holds when its database is (`dumpDatabase`) or is not dumped: a tenant whose
 * onboarding failed before its `database` step has no MySQL user to dump with, and no schema to dump.
 */
export function archiveFiles(dumpDatabase: boolean): readonly ArchiveFile[] {
    return dumpDatabase ? ARCHIVE_FILES : ARCHIVE_FILES.filter((f) => f !== "database.sql.gz");
}

/** Refuses (exit 64) an `ARCHIVE_PREFIX` that is not a take of its own, `archive/<id>/<take>/` (`archivePrefix`, `migrationExportPrefix`). */
const CHECK_ARCHIVE_PREFIX = String.raw`case "$ARCHIVE_PREFIX" in
    archive/*/*/) ;;
    *) echo "ARCHIVE_PREFIX '$ARCHIVE_PREFIX' is not archive/<id>/<take>/" >&2; exit 64 ;;
esac
`;

/**
 * Sets `object` to `s3://$MIGRATION_BUCKET/$ARCHIVE_PREFIX<file>` and `expected` to its SHA-256 as `SHA256SUMS` lists
 * it, after reading the object once and comparing: exit 65 when `SHA256SUMS` lists no `file` (`notListed` says why),
 * exit 66 when the object reads otherwise (`nothingDone` says what was spared). Needs `$work`; `file` is one of
 * `ARCHIVE_FILES` (letters, digits, `-` and `.`, the dots escaped for sed here).
 */
function checkedArchiveObject(file: ArchiveFile, notListed: string, nothingDone: string): string {
    const pattern = file.replace(/\./g, "\\.");
    return String.raw`object="s3://$MIGRATION_BUCKET/$ARCHIVE_PREFIX""${file}"
aws s3 cp "s3://$MIGRATION_BUCKET/$ARCHIVE_PREFIX""SHA256SUMS" - --no-progress > "$work/SHA256SUMS"
expected=$(sed -n 's/^\([0-9a-f]\{64\}\)  ${pattern}$/\1/p' "$work/SHA256SUMS")
if [ -z "$expected" ]; then
    echo "s3://$MIGRATION_BUCKET/$ARCHIVE_PREFIX""SHA256SUMS lists no ${file}: ${notListed}" >&2
    exit 65
fi
actual=$(aws s3 cp "$object" - --no-progress | sha256sum | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
    echo "$object reads as SHA-256 $actual, not the $expected of SHA256SUMS: ${nothingDone}" >&2
    exit 66
fi
`;
}

/**
 * Archives the tenant: a `mysqldump` of its schema in one transaction (`--single-transaction`: a
 * consistent InnoDB snapshot without locking the site; `--no-tablespaces`: since MySQL 8.0.21
 * dumping tablespaces needs the PROCESS privilege, which a tenant's user lacks; `--set-gtid-purged=OFF`:
 * the dump restores into another cluster), a tar of its wp-content, and their SHA-256 sums, uploaded
 * to `s3://$MIGRATION_BUCKET/$ARCHIVE_PREFIX`. `DUMP_DATABASE=no` leaves the dump out (`archiveFiles`).
 * Each file is streamed (`… | aws s3 cp - s3://…`), its SHA-256 taken on the way: nothing is staged
 * on the task's ephemeral storage (Fargate's default is 20 GiB: ECS developer guide, "Fargate task
 * ephemeral storage"). A stream without `--expected-size` may be at most 50 GB (AWS CLI reference, `s3 cp`).
 *
 * Integrity, end to end: each object is uploaded with a CRC64NVME checksum, which S3 checks on receipt
 * and keeps as a checksum of the whole object even for a multipart upload (`aws s3 cp` goes multipart
 * from 8 MiB; a multipart SHA-256 is only a checksum of the parts' checksums: S3 user guide, "Checking
 * object integrity", full object checksums are CRC-based only). Then each object is read back from S3
 * and its SHA-256 compared with `SHA256SUMS`; `SHA256SUMS` is uploaded last, only when every object
 * matched, so its presence means the archive was verified.
 */
export const ARCHIVE_SCRIPT = String.raw`set -eu
${CHECK_ARCHIVE_PREFIX}case "$DUMP_DATABASE" in
    yes) files="database.sql.gz wp-content.tar.gz" ;;
    no) files="wp-content.tar.gz" ;;
    *) echo "DUMP_DATABASE '$DUMP_DATABASE' is not yes or no" >&2; exit 64 ;;
esac
${MYSQL_OPTIONS}work=$(mktemp -d)
trap 'rm -f "$options"; rm -rf "$work"' EXIT
${PIPELINE_STATUS}# Streams a file of the archive to S3, its SHA-256 taken on the way: nothing is staged on the task's
# ephemeral storage (20 GiB on Fargate by default), whatever the site's size.
upload() {
    name=$1
    shift
    rm -f "$work/fifo"
    mkfifo "$work/fifo"
    sha256sum < "$work/fifo" > "$work/$name.sum" &
    summer=$!
    status_of "$name" "$@" | tee "$work/fifo" | aws s3 cp - "s3://$MIGRATION_BUCKET/$ARCHIVE_PREFIX$name" --checksum-algorithm CRC64NVME --no-progress
    wait "$summer"
    check_status "$name" "the archive is not complete"
    printf '%s  %s\n' "$(cut -d' ' -f1 "$work/$name.sum")" "$name" >> "$work/SHA256SUMS"
}
dump_database() {
    status_of mysqldump mysqldump --defaults-extra-file="$options" --single-transaction --quick --no-tablespaces \
        --set-gtid-purged=OFF "$DB_NAME" | gzip -c
    check_status mysqldump "the archive is not complete"
}
if [ "$DUMP_DATABASE" = yes ]; then
    upload database.sql.gz dump_database
else
    echo "no database dump: the tenant's onboarding never created its MySQL user and schema"
fi
upload wp-content.tar.gz tar -C "$WP_CONTENT_DIR" -czf - .
for file in $files; do
    expected=$(grep "  $file${"$"}" "$work/SHA256SUMS" | cut -d' ' -f1)
    actual=$(aws s3 cp "s3://$MIGRATION_BUCKET/$ARCHIVE_PREFIX$file" - --no-progress | sha256sum | cut -d' ' -f1)
    if [ "$actual" != "$expected" ]; then
        echo "s3://$MIGRATION_BUCKET/$ARCHIVE_PREFIX$file read back as SHA-256 $actual, not the $expected taken before the upload" >&2
        exit 66
    fi
done
aws s3 cp "$work/SHA256SUMS" "s3://$MIGRATION_BUCKET/$ARCHIVE_PREFIX""SHA256SUMS" --checksum-algorithm CRC64NVME --no-progress
cat "$work/SHA256SUMS"
`;

/** Empties the tenant's wp-content directory on EFS (the mount point itself stays: it is the access point's root). */
export const PURGE_FILES_SCRIPT = String.raw`set -eu
if [ "$WP_CONTENT_DIR" != "${WP_CONTENT_PATH}" ]; then
    echo "WP_CONTENT_DIR '$WP_CONTENT_DIR' is not ${WP_CONTENT_PATH}; refusing to delete anything" >&2
    exit 64
fi
find "$WP_CONTENT_DIR" -mindepth 1 -delete
echo "emptied $WP_CONTENT_DIR"
`;

const sh = (script: string, environment: Record<string, string>): TaskCommand => ({ argv: ["sh", "-c", script], environment });

/**
 * An enterprise tenant's own cluster as the platform task reaches it (the stack output
 * `database.tenantClusters[id]`): its writer's DNS name and its RDS-managed master secret's ARN.
 */
export interface OwnCluster {
    readonly writerEndpoint: string;
    readonly masterSecretArn: string;
}

/**
 * The platform task's command that creates tenant `id`'s schema and user from its secret (`tenantSecretArn`, a
 * stack output), on the shared cluster, or on `cluster`, an enterprise tenant's own.
 */
export function createDatabaseCommand(id: string, tenantSecretArn: string, cluster?: OwnCluster): TaskCommand {
    return sh(CREATE_DATABASE_SCRIPT, {
        TENANT_DB_NAME: tenantDatabaseName(id),
        TENANT_SECRET_ID: tenantSecretArn,
        // None for the shared cluster: the task definition's own settings.
        ...(cluster ? { TENANT_CLUSTER_HOST: cluster.writerEndpoint, TENANT_CLUSTER_MASTER_ID: cluster.masterSecretArn } : {}),
    });
}

/**
 * The platform task's command that drops tenant `id`'s user and schema on the shared cluster. An enterprise
 * tenant's schema and users go with its own cluster, which offboarding's rollout deletes (steps.ts `REMOVE_STEPS`).
 */
export function dropDatabaseCommand(id: string): TaskCommand {
    return sh(DROP_DATABASE_SCRIPT, { TENANT_DB_NAME: tenantDatabaseName(id) });
}

/**
 * `archive/<id>/<take>/`: where one take of tenant `id`'s archive goes in the migration bucket, `<take>`
 * the UTC time the take started to the millisecond (`20261201T090000.000Z`). Every take has a prefix of its
 * own, so a retake (offboarding takes the archive again on each run until its files are deleted) never
 * overwrites an earlier take's objects or mixes with them, and `SHA256SUMS` names the files of one take.
 * Under `archive/<id>/`, all the task role may write (components/ecs-policies.ts `tenantArchivePrefix`;
 * test/components/ecs-policies.test.ts checks every take's prefix is under it).
 */
export function archivePrefix(id: string, takenAt: number): string {
    return `archive/${id}/${takeName(takenAt)}/`;
}

/**
 * `archive/<id>/tier-migration-<take>/`: one take of a tier migration's export (automation/tenant/steps.ts
 * `MIGRATE_TIER_STEPS`), apart from offboarding's takes by its name and still under `archive/<id>/`, where
 * the tenant's task role may write and read (components/ecs-policies.ts `tenantArchivePrefix`).
 */
export function migrationExportPrefix(id: string, takenAt: number): string {
    return `archive/${id}/tier-migration-${takeName(takenAt)}/`;
}

/** A take's name: the UTC time it started, to the millisecond, without `-` and `:` (`20261201T090000.000Z`). */
function takeName(takenAt: number): string {
    return new Date(takenAt).toISOString().replace(/[-:]/g, "");
}

/** The tenant task's command that archives it to `prefix` (see `archivePrefix`), its database too unless `dumpDatabase` is false. */
export function archiveCommand(prefix: string, dumpDatabase = true): TaskCommand {
    return sh(ARCHIVE_SCRIPT, { ARCHIVE_PREFIX: prefix, WP_CONTENT_DIR: WP_CONTENT_PATH, DUMP_DATABASE: dumpDatabase ? "yes" : "no" });
}

/**
 * Imports an export's files (`wp-content.tar.gz` of `s3://$MIGRATION_BUCKET/$ARCHIVE_PREFIX`, as
 * `ARCHIVE_SCRIPT` wrote it) into the tenant's wp-content: a tier migration's `import` step, run on the
 * tenant's new file system. The object is read twice, streamed, never staged on the task's ephemeral
 * storage (20 GiB on Fargate by default: ECS developer guide, "Fargate task ephemeral storage"): first
 * its SHA-256 is compared with `SHA256SUMS`, so nothing of an object that does not match is unpacked
 * (exit 66); then it is unpacked with its SHA-256 taken again on the way, so the bytes unpacked are the
 * ones checked (exit 66 otherwise; the tenant stays stopped and a re-run unpacks over it). `tar`
 * extracts over what is there and deletes nothing, so a re-run is safe. `--no-same-owner`: EFS
 * replaces the client's user and group with the access point's for every operation and gives new
 * files its owner (EFS user guide, "Enforcing a user identity using an access point"), so a chown to
 * the archived owners could only fail.
 */
export const IMPORT_FILES_SCRIPT = String.raw`set -eu
${CHECK_ARCHIVE_PREFIX}work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
${checkedArchiveObject("wp-content.tar.gz", "not an export of this command", "nothing unpacked")}mkfifo "$work/fifo"
sha256sum < "$work/fifo" > "$work/unpacked.sum" &
summer=$!
aws s3 cp "$object" - --no-progress | tee "$work/fifo" | tar --no-same-owner -xzf - -C "$WP_CONTENT_DIR"
wait "$summer"
unpacked=$(cut -d' ' -f1 "$work/unpacked.sum")
if [ "$unpacked" != "$expected" ]; then
    echo "$object changed while it was unpacked (SHA-256 $unpacked, not $expected): run the import again" >&2
    exit 66
fi
echo "imported $object (SHA-256 $expected) into $WP_CONTENT_DIR"
`;

/** The tenant task's command that imports the files of the export at `prefix` (see `migrationExportPrefix`) into its wp-content. */
export function importFilesCommand(prefix: string): TaskCommand {
    return sh(IMPORT_FILES_SCRIPT, { ARCHIVE_PREFIX: prefix, WP_CONTENT_DIR: WP_CONTENT_PATH });
}

/**
 * Loads an export's database (`database.sql.gz` of `s3://$MIGRATION_BUCKET/$ARCHIVE_PREFIX`, as `ARCHIVE_SCRIPT`
 * wrote it) into the tenant's schema `$DB_NAME` on its own cluster: a tier migration's move into `enterprise`, run
 * in the tenant's one-off task after the rollout has pointed its task definition's `DB_HOST` at its own cluster's
 * writer and its secret at that cluster, and after `CREATE_DATABASE_SCRIPT` made the schema and user there.
 *
 * Where: the script refuses (exit 64) unless `$DB_HOST` is `EXPECTED_DB_HOST`, the own cluster's writer, before it
 * reads anything, so a dump is never loaded into the shared cluster (where the schema it would replace is the
 * tenant's live one). `DB_NAME` passes `CHECK_DATABASE_NAME`'s rules. The dump names no schema: mysqldump of one
 * database without `--databases` writes no `CREATE DATABASE` nor `USE` (MySQL 8.0 manual, "mysqldump", `--databases`),
 * so it goes into the schema named on mysql's command line.
 *
 * What: the object is read twice, streamed, never staged on the task's ephemeral storage (20 GiB on Fargate by default:
 * ECS developer guide, "Fargate task ephemeral storage"). First its SHA-256 is compared with `SHA256SUMS`: nothing of
 * an object that does not match is loaded (exit 66), nor anything when `SHA256SUMS` lists no `database.sql.gz` (exit
 * 65: an archive taken with `DUMP_DATABASE=no`, or not one of `ARCHIVE_SCRIPT`'s). Then it is loaded with its SHA-256
 * taken again on the way, so the bytes loaded are the ones checked (exit 66 otherwise). A failed gunzip or mysql
 * fails the task (exit 65, `PIPELINE_STATUS`): in a pipeline sh would otherwise report only mysql's status, and a
 * truncated stream would load as a success.
 *
 * A re-run is safe, and is what to do after any failure (the tenant stays stopped): mysqldump writes `DROP TABLE IF
 * EXISTS` before each `CREATE TABLE` by default (`--add-drop-table`, part of `--opt`, which is on by default: MySQL
 * 8.0 manual, "mysqldump", `--add-drop-table` and `--opt`), so each table is replaced, never loaded twice, and its
 * triggers go with it (MySQL 8.0 manual, DROP TABLE: dropping a table drops its triggers), and `--set-gtid-purged=OFF`
 * left out the `GTID_PURGED` statement a tenant's user could not run (MySQL 8.0 manual, "mysqldump", `--set-gtid-purged`).
 *
 * DEFINERs: the dump loads as the tenant's own user `wp_<id>`, but WordPress runs as whichever user the rotated secret
 * names, `wp_<id>` or `wp_<id>_clone` (the alternating-users rotation: src/config.ts `ROTATION_CLONE_SUFFIX`), so a
 * plugin's view or trigger may carry `DEFINER=`wp_<id>_clone`@`%``. Without `SET_USER_ID` (or `SUPER`) "the only
 * permitted account is your own, specified either literally or as CURRENT_USER" (MySQL 8.0 manual, "Stored Object
 * Access Control"), so that statement would fail with ERROR 1227. The stream is therefore rewritten between gunzip and
 * mysql (the SHA-256 is taken on the compressed bytes, so both checks stay valid): `sed` turns `DEFINER=`wp_<id>`@`%``
 * and `DEFINER=`wp_<id>_clone`@`%``, exactly those two accounts, built from `$DB_NAME` and `ROTATION_CLONE_SUFFIX`,
 * where mysqldump writes a definer, at the start of a line: a view's `/*!50013 DEFINER=… SQL SECURITY … *\/` and a
 * trigger's `/*!50003 CREATE*\/ /*!50017 DEFINER=…*\/` (mysqldump's `cover_definer_clause` with versions 50013 and
 * 50017), into `DEFINER=CURRENT_USER`, which CREATE VIEW, CREATE TRIGGER, CREATE PROCEDURE/FUNCTION and CREATE EVENT all take
 * (MySQL 8.0 manual, CREATE VIEW and CREATE TRIGGER: `DEFINER = user`, where user may be CURRENT_USER; "Stored Object
 * Access Control"). Any other definer (another account, another host) is left as it is: the migration's precheck
 * (`PRECHECK_DATABASE_SCRIPT`) refuses such a schema before the tenant is stopped, as it refuses routines and events.
 * A data row starts with `INSERT INTO`, so a post holding the same text is never rewritten. A failed sed fails the task
 * as gunzip's and mysql's do (exit 65, `PIPELINE_STATUS`).
 */
export const IMPORT_DATABASE_SCRIPT = String.raw`set -eu
${CHECK_ARCHIVE_PREFIX}${checkDatabaseName("DB_NAME")}if [ -z "${"$"}{EXPECTED_DB_HOST:-}" ] || [ "$DB_HOST" != "$EXPECTED_DB_HOST" ]; then
    echo "DB_HOST '$DB_HOST' is not EXPECTED_DB_HOST '${"$"}{EXPECTED_DB_HOST:-}' (the tenant's own cluster): refusing to load a dump anywhere else" >&2
    exit 64
fi
backtick=$(printf '\140')
clone="${"$"}{DB_NAME}${ROTATION_CLONE_SUFFIX}"
# The two accounts WordPress runs as (letters, digits and _ only: nothing in them is special to sed), as mysqldump quotes
# them, in the two clauses it writes at the start of a line: a view's and a trigger's. A data row starts with INSERT.
definers=""
for account in "$DB_NAME" "$clone"; do
    quoted="$backtick$account$backtick@$backtick%$backtick"
    definers="$definers
s/^\/\*!50013 DEFINER=$quoted /\/*!50013 DEFINER=CURRENT_USER /
s/^\/\*!50003 CREATE\*\/ \/\*!50017 DEFINER=$quoted\*\//\/*!50003 CREATE*\/ \/*!50017 DEFINER=CURRENT_USER*\//"
done
${MYSQL_OPTIONS}work=$(mktemp -d)
trap 'rm -f "$options"; rm -rf "$work"' EXIT
${PIPELINE_STATUS}${checkedArchiveObject("database.sql.gz", "an archive without the database, or not an export of this command; nothing loaded", "nothing loaded")}mkfifo "$work/fifo"
sha256sum < "$work/fifo" > "$work/loaded.sum" &
summer=$!
aws s3 cp "$object" - --no-progress | tee "$work/fifo" | status_of gunzip gunzip -c | status_of sed sed "$definers" |
    status_of mysql mysql --defaults-extra-file="$options" "$DB_NAME"
wait "$summer"
check_status mysql "$DB_NAME is not completely loaded: run the import again (each table is dropped and loaded anew)"
check_status sed "$DB_NAME is not completely loaded: run the import again (each table is dropped and loaded anew)"
check_status gunzip "$DB_NAME is not completely loaded: run the import again (each table is dropped and loaded anew)"
loaded=$(cut -d' ' -f1 "$work/loaded.sum")
if [ "$loaded" != "$expected" ]; then
    echo "$object changed while it was loaded (SHA-256 $loaded, not $expected): run the import again" >&2
    exit 66
fi
echo "loaded $object (SHA-256 $expected) into $DB_NAME on $DB_HOST"
`;

/**
 * The tenant task's command that loads the database of the export at `prefix` (see `migrationExportPrefix`) into its
 * schema on its own cluster, whose writer is `expectedHost` (`OwnCluster.writerEndpoint`): the task refuses to load it
 * anywhere else.
 */
export function importDatabaseCommand(prefix: string, expectedHost: string): TaskCommand {
    return sh(IMPORT_DATABASE_SCRIPT, { ARCHIVE_PREFIX: prefix, EXPECTED_DB_HOST: expectedHost });
}

/**
 * Compares tenant schema `$TENANT_DB_NAME` on the shared cluster (the platform task's own master user) with the same
 * schema on the tenant's own cluster (`TENANT_CLUSTER_HOST`, its master user read from `TENANT_CLUSTER_MASTER_ID` by
 * `USE_TENANT_CLUSTER`; both required, and the host must not be the shared one: a schema compared with itself proves
 * nothing): a tier migration's check, after the import and before the shared schema is dropped. It only reads.
 *
 * Each side's inventory: every base table with its `CHECKSUM TABLE` (MySQL 8.0 manual, CHECKSUM TABLE: it can verify
 * that a table's contents are the same before and after a backup, rollback or other operation meant to put the data
 * back to a known state; the value depends on the table's row format, so it compares only tables of one format: both
 * clusters are built from one `bbws:database`, and a row-format difference would show as a difference, a false alarm,
 * never a false pass); every base table's options, `ENGINE`, `ROW_FORMAT` (the format it has), `CREATE_OPTIONS` (the
 * one its CREATE TABLE asked for, and `partitioned`) and `TABLE_COLLATION`, not its statistics (`AUTO_INCREMENT`,
 * `TABLE_ROWS`, sizes, times: cached, and not the same after a load; MySQL 8.0 manual, "The INFORMATION_SCHEMA TABLES
 * Table"); every column of a base table with `ORDINAL_POSITION`, `COLUMN_TYPE`, `IS_NULLABLE`, `COLUMN_DEFAULT`,
 * `CHARACTER_SET_NAME`, `COLLATION_NAME`, `EXTRA` and `GENERATION_EXPRESSION` (MySQL 8.0 manual, "The INFORMATION_SCHEMA
 * COLUMNS Table": `COLUMN_DEFAULT` is NULL for an explicit `DEFAULT NULL` and for no DEFAULT clause); every index with,
 * for each key part in `SEQ_IN_INDEX` order, its `COLUMN_NAME`, or its `EXPRESSION` for a functional key part (then
 * `COLUMN_NAME` is NULL), `SUB_PART` (the prefix length, NULL for the whole column) and `COLLATION` (A, D, or NULL: not
 * sorted), with the index's `NON_UNIQUE`, `INDEX_TYPE` and `IS_VISIBLE`, not its `CARDINALITY` (an estimate; MySQL 8.0
 * manual, "The INFORMATION_SCHEMA STATISTICS Table"). Each value of these three is `QUOTE`d (MySQL 8.0 manual, "String
 * Functions and Operators", QUOTE: the string in single quotes with `\` and `'` escaped, and the word NULL, unquoted, for NULL), so NULL, `''`
 * and `'NULL'` are three values, and `CONCAT_WS`, which skips a NULL (same section), never meets one. An index's key
 * parts are read one a row and joined by the script, not by `GROUP_CONCAT`, whose result is cut at
 * `group_concat_max_len` (1024 bytes by default) without an error (MySQL 8.0 manual, "Aggregate Function Descriptions",
 * GROUP_CONCAT), so two long indexes differing only at the end never compare equal. Every view with a SHA-256 of its
 * definition; every trigger with its table, timing, event and a SHA-256 of its statement; every stored procedure and function (keyed
 * by type and name: the two have separate namespaces) with a SHA-256 of its `ROUTINE_DEFINITION`, and every event with
 * a SHA-256 of its `EVENT_DEFINITION` (information_schema ROUTINES and EVENTS; a routine's parameter list and an
 * event's schedule are not compared). No `DEFINER` is compared: the import rewrites the tenant's two accounts to
 * `CURRENT_USER` (`IMPORT_DATABASE_SCRIPT`). mysqldump dumps no routine nor event by default (MySQL 8.0 manual,
 * "mysqldump": `--routines` and `--events` are off unless given, and `ARCHIVE_SCRIPT` gives neither), so one on the
 * shared side only is a difference named as such (not in the dump: recreate it on the tenant's own cluster, then run
 * again); identical sets on both sides pass, so that recovery ends. CHECKSUM TABLE gives NULL for a table that does not
 * exist or cannot be read (MySQL 8.0 manual, CHECKSUM TABLE), so NULL on either side is a difference, never equal to
 * the other side's NULL. A shared schema with no base table fails it too (exit 65: nothing to compare; a WordPress
 * schema has its tables). CHECKSUM TABLE reads each table in full: the migration runs it with the site stopped, so
 * nothing changes under it.
 *
 * Table names are a plugin's choice and may hold any character but NUL (MySQL 8.0 manual, "Schema Object Names"):
 * each is read from `mysql --batch`, which writes newline, tab and backslash as `\n`, `\t` and `\\` so a row is one
 * line (MySQL 8.0 manual, "mysql Client Options", `--batch` and `--raw`; not `--raw`, whose unescaped newline would
 * split a name into two rows), decoded (`printf %b`) and quoted with backticks, each backtick in it doubled (MySQL 8.0
 * manual, "Schema Object Names": an identifier's quote character inside it is written twice). The schema name passes
 * `CHECK_DATABASE_NAME` and is quoted as `CREATE_DATABASE_SCRIPT` quotes it.
 *
 * A column or an index is named by its table and its own name, each in backticks with a backtick in it doubled as
 * above, `` `<table>`.`<name>` ``: table `a.b`'s column `c` and table `a`'s column `b.c` are two names, never one.
 *
 * Prints the differences, one a line (`<kind> <name>: shared <value>, own <value>`, `-` for absent, `<kind>` one of
 * table, table-options, column, index, view, trigger, procedure, function, event; a column's, an index's and a table's
 * options' value is the definition read, so the line shows what differs; a NULL, or a routine or event not in the
 * dump, says so after it), and exits 0 only when there are none, else 66.
 */
export const COMPARE_DATABASE_SCRIPT = String.raw`set -eu
${CHECK_DATABASE_NAME}if [ -z "${"$"}{TENANT_CLUSTER_HOST:-}" ] || [ -z "${"$"}{TENANT_CLUSTER_MASTER_ID:-}" ]; then
    echo "TENANT_CLUSTER_HOST and TENANT_CLUSTER_MASTER_ID must name the tenant's own cluster and its master secret: nothing to compare the shared schema with" >&2
    exit 64
fi
if [ "$TENANT_CLUSTER_HOST" = "$DB_HOST" ]; then
    echo "TENANT_CLUSTER_HOST '$TENANT_CLUSTER_HOST' is the shared cluster itself: a schema compared with itself proves nothing" >&2
    exit 64
fi
${MYSQL_OPTIONS}work=$(mktemp -d)
trap 'rm -f "$options"; rm -rf "$work"' EXIT
backtick=$(printf '\140')
query() {
    mysql --defaults-extra-file="$options" --batch --skip-column-names "$@"
}
# Appends each row of the query on stdin to $work/$side as "<kind><tab><row>".
rows() {
    query > "$work/rows"
    awk -v kind="$1" '{ print kind "\t" $0 }' "$work/rows" >> "$work/$side"
}
# The same for a table's columns ("<table><tab><column><tab><definition>") and its indexes' key parts ("<table><tab><index>
# <tab><SEQ_IN_INDEX><tab><part>"), each named by both names in backticks, a backtick in them doubled, so table a.b's column c
# and table a's column b.c stay two; an index's parts are joined in SEQ_IN_INDEX order here, whatever their number and length.
table_rows() {
    query > "$work/rows"
    awk -F '\t' -v kind="$1" -v q="$backtick" '
        function quoted(name) { gsub(q, q q, name); return q name q }
        { name = quoted($1) "." quoted($2) }
        NF == 3 { definition[name] = $3 }
        NF == 4 { part[name, $3] = $4; if ($3 + 0 > parts[name]) parts[name] = $3 + 0 }
        END {
            for (name in parts) {
                definition[name] = part[name, 1]
                for (i = 2; i <= parts[name]; i++) definition[name] = definition[name] ", " part[name, i]
            }
            for (name in definition) print kind "\t" name "\t" definition[name]
        }' "$work/rows" >> "$work/$side"
}
inventory() {
    side=$1
    : > "$work/$side"
    query > "$work/$side.tables" <<SQL
SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$TENANT_DB_NAME' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME;
SQL
    : > "$work/$side.checksum.sql"
    while IFS= read -r row; do
        # Decoded from --batch's escapes; the '.' keeps a trailing newline of the name from command substitution.
        quoted=$(printf '%b.' "$row" | sed "s/$backtick/$backtick$backtick/g")
        printf 'CHECKSUM TABLE \140%s\140.\140%s\140;\n' "$TENANT_DB_NAME" "${"$"}{quoted%.}" >> "$work/$side.checksum.sql"
    done < "$work/$side.tables"
    if [ -s "$work/$side.checksum.sql" ]; then
        query < "$work/$side.checksum.sql" > "$work/$side.checksums"
        awk -F '\t' -v schema="$TENANT_DB_NAME." '{ print "table\t" substr($1, length(schema) + 1) "\t" $2 }' "$work/$side.checksums" >> "$work/$side"
    fi
    # QUOTE makes each value one unambiguous word: 'text', or NULL bare for NULL, so NULL, '' and 'NULL' stay three, and
    # CONCAT_WS, which skips a NULL, never gets one.
    rows table-options <<SQL
SELECT TABLE_NAME, CONCAT_WS(' ', QUOTE(ENGINE), QUOTE(ROW_FORMAT), QUOTE(CREATE_OPTIONS), QUOTE(TABLE_COLLATION)) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$TENANT_DB_NAME' AND TABLE_TYPE = 'BASE TABLE';
SQL
    table_rows column <<SQL
SELECT TABLE_NAME, COLUMN_NAME, CONCAT_WS(' ', ORDINAL_POSITION, QUOTE(COLUMN_TYPE), QUOTE(IS_NULLABLE), QUOTE(COLUMN_DEFAULT), QUOTE(CHARACTER_SET_NAME), QUOTE(COLLATION_NAME), QUOTE(EXTRA), QUOTE(GENERATION_EXPRESSION)) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$TENANT_DB_NAME' AND TABLE_NAME IN (SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$TENANT_DB_NAME' AND TABLE_TYPE = 'BASE TABLE');
SQL
    # One row per key part, no GROUP_CONCAT: it would cut a long index at group_concat_max_len without a word.
    table_rows index <<SQL
SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, CONCAT_WS(' ', QUOTE(COLUMN_NAME), QUOTE(EXPRESSION), QUOTE(SUB_PART), QUOTE(COLLATION), NON_UNIQUE, QUOTE(INDEX_TYPE), QUOTE(IS_VISIBLE)) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '$TENANT_DB_NAME';
SQL
    rows view <<SQL
SELECT TABLE_NAME, SHA2(VIEW_DEFINITION, 256) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '$TENANT_DB_NAME';
SQL
    rows trigger <<SQL
SELECT TRIGGER_NAME, CONCAT_WS(' ', EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, SHA2(ACTION_STATEMENT, 256)) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '$TENANT_DB_NAME';
SQL
    # Its kind is its type (procedure or function), so a procedure and a function of one name are two rows.
    query >> "$work/$side" <<SQL
SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME, SHA2(ROUTINE_DEFINITION, 256) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '$TENANT_DB_NAME';
SQL
    rows event <<SQL
SELECT EVENT_NAME, SHA2(EVENT_DEFINITION, 256) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$TENANT_DB_NAME';
SQL
    LC_ALL=C sort -o "$work/$side" "$work/$side"
}
echo "schema $TENANT_DB_NAME on the shared cluster $DB_HOST"
inventory shared
if [ ! -s "$work/shared.tables" ]; then
    echo "schema $TENANT_DB_NAME has no table on the shared cluster $DB_HOST: nothing to compare" >&2
    exit 65
fi
${USE_TENANT_CLUSTER}${WRITE_MYSQL_OPTIONS}inventory own
awk -F '\t' '
    FILENAME == ARGV[1] { key = $1 "\t" $2; shared[key] = ($3 == "") ? "present" : $3; keys[key] = 1; next }
    { key = $1 "\t" $2; own[key] = ($3 == "") ? "present" : $3; keys[key] = 1 }
    END {
        for (key in keys) {
            s = (key in shared) ? shared[key] : "-"
            o = (key in own) ? own[key] : "-"
            split(key, k, "\t")
            if (s != o || s == "NULL" || o == "NULL") {
                why = ""
                if (s == "NULL" || o == "NULL") why = " (NULL: not there, or not readable)"
                else if (o == "-" && (k[1] == "procedure" || k[1] == "function" || k[1] == "event"))
                    why = " (not in the dump: mysqldump leaves routines and events out by default — recreate it on the tenant'"'"'s own cluster, then run again)"
                print k[1] " " k[2] ": shared " s ", own " o why
            }
        }
    }' "$work/shared" "$work/own" | LC_ALL=C sort > "$work/differences"
if [ -s "$work/differences" ]; then
    echo "schema $TENANT_DB_NAME differs between the shared cluster and $TENANT_CLUSTER_HOST ($(wc -l < "$work/differences") differences; nothing changed):" >&2
    sed 's/^/    /' "$work/differences" >&2
    exit 66
fi
count() {
    awk -F '\t' -v kinds=" $* " 'index(kinds, " " $1 " ")' "$work/own" | wc -l
}
echo "schema $TENANT_DB_NAME is identical on the shared cluster and on $TENANT_CLUSTER_HOST: $(count table) tables (CHECKSUM TABLE and table options), $(count column) columns, $(count index) indexes, $(count view) views, $(count trigger) triggers, $(count procedure function) routines, $(count event) events"
`;

/**
 * The platform task's command that compares tenant `id`'s schema on the shared cluster with the same schema on
 * `cluster`, its own (see `COMPARE_DATABASE_SCRIPT`): exit 0 when identical, 66 with the differences listed.
 */
export function compareDatabaseCommand(id: string, cluster: OwnCluster): TaskCommand {
    return sh(COMPARE_DATABASE_SCRIPT, {
        TENANT_DB_NAME: tenantDatabaseName(id),
        TENANT_CLUSTER_HOST: cluster.writerEndpoint,
        TENANT_CLUSTER_MASTER_ID: cluster.masterSecretArn,
    });
}

/**
 * A tier migration's first step, run before the tenant is stopped: reads tenant schema `$TENANT_DB_NAME` on the shared
 * cluster (the platform task's own master user; `TENANT_CLUSTER_HOST` and `TENANT_CLUSTER_MASTER_ID` are refused, exit
 * 64: there is no other cluster to read) from information_schema only, and refuses the move (exit 66) when it finds
 * what the move cannot carry:
 *
 * - stored procedures, functions and events: mysqldump leaves them out by default (MySQL 8.0 manual, "mysqldump":
 *   `--routines` and `--events`; `ARCHIVE_SCRIPT` gives neither), so each must be dropped first, or recreated by hand
 *   on the tenant's own cluster after the import (the compare, `COMPARE_DATABASE_SCRIPT`, fails until it is);
 * - views, triggers, procedures, functions and events whose `DEFINER` is neither `wp_<id>@%` nor `wp_<id>_clone@%`
 *   (the two accounts of the alternating-users rotation, src/config.ts `ROTATION_CLONE_SUFFIX`): the import runs as the
 *   tenant's own user, which without `SET_USER_ID` may name only its own account as definer (MySQL 8.0 manual, "Stored
 *   Object Access Control"), and rewrites only those two (`IMPORT_DATABASE_SCRIPT`), so any other would fail the load
 *   with ERROR 1227. information_schema shows a definer as `user@host` (MySQL 8.0 manual, the INFORMATION_SCHEMA VIEWS,
 *   TRIGGERS, ROUTINES and EVENTS tables); each is compared exactly, as text.
 *
 * Each is named on its own line (`<kind> <name>`, with `definer <user@host>` for the second), as `mysql --batch` writes
 * it (newline, tab and backslash escaped: one line each). It also prints, without failing on it, the schema's base
 * tables and their size in MB (the sum of `DATA_LENGTH + INDEX_LENGTH` in information_schema.TABLES), for the operator
 * to estimate the downtime: an estimate, since those statistics are cached up to `information_schema_stats_expiry`
 * (24 hours by default; MySQL 8.0 manual, "The INFORMATION_SCHEMA TABLES Table"). It changes nothing. The schema name
 * passes `CHECK_DATABASE_NAME`; exit 0 when nothing is found.
 */
export const PRECHECK_DATABASE_SCRIPT = String.raw`set -eu
${CHECK_DATABASE_NAME}if [ -n "${"$"}{TENANT_CLUSTER_HOST+set}${"$"}{TENANT_CLUSTER_MASTER_ID+set}" ]; then
    echo "TENANT_CLUSTER_HOST or TENANT_CLUSTER_MASTER_ID is set: the precheck reads the shared cluster only, as the platform task's own master user" >&2
    exit 64
fi
clone="${"$"}{TENANT_DB_NAME}${ROTATION_CLONE_SUFFIX}"
${MYSQL_OPTIONS}work=$(mktemp -d)
trap 'rm -f "$options"; rm -rf "$work"' EXIT
query() {
    mysql --defaults-extra-file="$options" --batch --skip-column-names "$@"
}
query > "$work/size" <<SQL
SELECT COUNT(*), ROUND(COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) / 1048576, 1) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$TENANT_DB_NAME' AND TABLE_TYPE = 'BASE TABLE';
SQL
# Each stored object as "<kind><tab><name><tab><definer>".
: > "$work/objects"
query >> "$work/objects" <<SQL
SELECT 'view', TABLE_NAME, DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '$TENANT_DB_NAME';
SQL
query >> "$work/objects" <<SQL
SELECT 'trigger', TRIGGER_NAME, DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '$TENANT_DB_NAME';
SQL
query >> "$work/objects" <<SQL
SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME, DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '$TENANT_DB_NAME';
SQL
query >> "$work/objects" <<SQL
SELECT 'event', EVENT_NAME, DEFINER FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$TENANT_DB_NAME';
SQL
IFS="$(printf '\t')" read -r tables megabytes < "$work/size" || true
echo "schema $TENANT_DB_NAME on the shared cluster $DB_HOST: ${"$"}{tables:-0} tables, ${"$"}{megabytes:-0} MB of data and indexes (information_schema.TABLES, an estimate: its statistics are cached)"
awk -F '\t' '$1 == "procedure" || $1 == "function" || $1 == "event" { print $1 " " $2 }' "$work/objects" | LC_ALL=C sort > "$work/programs"
awk -F '\t' -v own="$TENANT_DB_NAME@%" -v clone="$clone@%" '$3 != own && $3 != clone { print $1 " " $2 ": definer " $3 }' "$work/objects" |
    LC_ALL=C sort > "$work/definers"
if [ -s "$work/programs" ]; then
    echo "schema $TENANT_DB_NAME has stored routines or events, which mysqldump leaves out by default (--routines, --events): the move needs each recreated by hand on the tenant's own cluster after the import, or dropped first:" >&2
    sed 's/^/    /' "$work/programs" >&2
fi
if [ -s "$work/definers" ]; then
    echo "schema $TENANT_DB_NAME has stored objects whose DEFINER is neither $TENANT_DB_NAME@% nor $clone@%: the tenant's import (as $TENANT_DB_NAME, without SET_USER_ID) cannot recreate them:" >&2
    sed 's/^/    /' "$work/definers" >&2
fi
if [ -s "$work/programs" ] || [ -s "$work/definers" ]; then
    echo "the precheck changed nothing. Routines and events: drop them from the shared schema, then run the migration again, and recreate them on the tenant's own cluster once it has finished (its export cannot carry them). Objects defined by another account: recreate them as the tenant (npm run task -- … wp db query), or drop them, then run it again" >&2
    exit 66
fi
echo "schema $TENANT_DB_NAME can move: no stored routine nor event, and every view's and trigger's DEFINER (the only stored objects left) is $TENANT_DB_NAME@% or $clone@%"
`;

/**
 * The platform task's command that prechecks tenant `id`'s schema on the shared cluster before a move to its own (see
 * `PRECHECK_DATABASE_SCRIPT`): exit 0 when it can move, 66 naming its routines, events and foreign definers.
 */
export function precheckDatabaseCommand(id: string): TaskCommand {
    return sh(PRECHECK_DATABASE_SCRIPT, { TENANT_DB_NAME: tenantDatabaseName(id) });
}

/** The tenant task's command that empties its wp-content. */
export function purgeFilesCommand(): TaskCommand {
    return sh(PURGE_FILES_SCRIPT, { WP_CONTENT_DIR: WP_CONTENT_PATH });
}

/** The tenant task's command that installs WordPress at `siteUrl` (`https://<id>.<domain>`), its administrator reached at `adminEmail`. */
export function installWordPressCommand(id: string, siteUrl: string, adminEmail: string): TaskCommand {
    return sh(INSTALL_WORDPRESS_SCRIPT, {
        WORDPRESS_PATH,
        SITE_URL: siteUrl,
        SITE_TITLE: id,
        ADMIN_USER: WORDPRESS_ADMIN_USER,
        ADMIN_EMAIL: adminEmail,
    });
}

/**
 * Deletes the tenant's object-cache keys: every key under its prefix (`REDIS_PREFIX`, `<id>:`, which
 * its WordPress's Redis Object Cache puts before each key: `WP_REDIS_PREFIX`). It runs in the platform
 * task, as the platform's cache user: a tenant's own user may not run SCAN (components/cache-users.ts,
 * key patterns do not filter SCAN's answer), and with RBAC `redis-cli` must name its user
 * (`--user "$REDIS_USERNAME"`; a password alone is the `default` user, which is off). `SCAN` walks the keyspace
 * without blocking the shared cache as `KEYS` would, and `UNLINK` frees memory in the background (Redis
 * commands reference, SCAN and UNLINK). Ids hold no `:` nor glob character (src/config.ts), so
 * `<id>:*` matches no other tenant's keys. The password travels as `REDISCLI_AUTH`, not `-a` (visible
 * in `ps`: redis-cli's usage text; redis src/redis-cli.c `cliAuth`: `AUTH %s %s` with `--user`). Keys
 * are passed one a line (`xargs -d '\n'`), so a key with a space or a quote is deleted whole.
 *
 * redis-cli exits 0 when the server answers a command with an error (only the `-e` of newer redis-cli
 * changes that), and older ones go on after a failed AUTH with a warning (`cliAuth`), so each UNLINK's
 * answer is read: it must be a count (the keys it removed), or the task fails (exit 65) naming the error.
 */
export const PURGE_CACHE_SCRIPT = String.raw`set -eu
id=${"$"}{REDIS_PREFIX%:}
if [ "$id:" != "$REDIS_PREFIX" ] || [ -z "$id" ] || [ "$(printf '%s' "$id" | tr -d 'a-z0-9-')" != "" ]; then
    echo "REDIS_PREFIX '$REDIS_PREFIX' is not <id>: (letters, digits and - then :)" >&2
    exit 64
fi
if [ -z "${"$"}{REDIS_USERNAME:-}" ]; then
    echo "REDIS_USERNAME is not set: the task has no cache user (the default user cannot log in)" >&2
    exit 64
fi
REDISCLI_AUTH="$REDIS_PASSWORD"
export REDISCLI_AUTH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
redis-cli --tls --user "$REDIS_USERNAME" -h "$REDIS_HOST" -p "$REDIS_PORT" --scan --pattern "$REDIS_PREFIX*" > "$work/keys"
xargs -r -d '\n' -n 500 redis-cli --tls --user "$REDIS_USERNAME" -h "$REDIS_HOST" -p "$REDIS_PORT" UNLINK < "$work/keys" > "$work/replies"
if grep -qv '^[0-9][0-9]*$' "$work/replies"; then
    echo "UNLINK failed: $(grep -v '^[0-9][0-9]*$' "$work/replies" | head -n 1)" >&2
    exit 65
fi
echo "unlinked $(awk '{ n += $1 } END { print n + 0 }' "$work/replies") of $(wc -l < "$work/keys") cache keys under $REDIS_PREFIX"
`;

/** The platform task's command that deletes tenant `id`'s object-cache keys (`REDIS_PREFIX` `<id>:`, as its WordPress sets `WP_REDIS_PREFIX`). */
export function purgeCacheCommand(id: string): TaskCommand {
    return sh(PURGE_CACHE_SCRIPT, { REDIS_PREFIX: `${id}:` });
}

/** `s` as one POSIX shell word: single-quoted, each `'` closed, escaped and reopened (POSIX, Shell Command Language, "Quoting"). */
function shellWord(s: string): string {
    return /^[A-Za-z0-9_./:=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `npm run task` command line that flushes one tenant's object cache, as an operator types it
 * (README "Cache isolation" and the migration runbook): {@link purgeCacheCommand}'s argv as the
 * platform task's command, its `REDIS_PREFIX` set by `env`, since `npm run task` takes no environment
 * overrides. The script
 * itself refuses a prefix that is not `<id>:` (exit 64).
 */
export function purgeCacheTaskCommandLine(env: string, id: string): string {
    const { argv, environment } = purgeCacheCommand(id);
    const assignments = Object.entries(environment).map(([k, v]) => `${k}=${v}`);
    return ["npm", "run", "task", "--", "--env", env, "--platform", "--", "env", ...assignments, ...argv].map(shellWord).join(" ");
}
