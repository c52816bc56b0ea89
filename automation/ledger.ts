/**
 * The rollout ledger: one record per phase attempt, appended, never rewritten. The order and
 * promotion gates read it, so it is the memory of what has been rolled out where.
 *
 * Locally it is `.rollout/<env>.jsonl`, one JSON object per line, each written by a single `write`
 * call; a crash can at worst leave a line cut short, which is reported and ignored. Anything else that
 * is not a whole record is corruption, and reading refuses it: the gates must not decide on a guess.
 * In S3 (`s3://bucket/prefix`) every record is its own object, written only if absent, so a record is
 * never overwritten and two operators never race on one file.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { PHASE_NAMES, PhaseName } from "../src/phases";
import type { OpMap } from "./engine";
import { BbwsError, EXIT, ExitCode } from "./errors";
import { NAME_RULES, NameRule } from "./aws-name-rules";

/** `--approve role:name`, optionally pinned to a plan with `@<sha256 prefix>`: the gate judges it, the ledger keeps it. */
export interface Approval {
    readonly role: string;
    readonly name: string;
    /** The plan the approver reviewed (a prefix of its sha256), or the plan approved in this run. */
    readonly planHash?: string;
}

export type Outcome = "succeeded" | "failed" | "refused" | "cancelled" | "previewed";

export interface LedgerRecord {
    /** Schema version of the record. */
    readonly v: 1;
    /** When the attempt ended (ISO 8601, UTC). */
    readonly at: string;
    /** One run of the CLI; a `--phase all` run writes several records with the same id. */
    readonly runId: string;
    readonly env: string;
    readonly phase: PhaseName;
    /** `deletes`: the phase's deletes alone, applied before the phases' other changes (rollout.ts `planPasses`). */
    readonly pass?: "deletes";
    /**
     * A tenant's rollout (`--tenant <id>`): only that tenant's part of the phase was targeted, so the
     * record counts for that tenant alone (gates.ts `lastApplied`); absent for the platform's.
     */
    readonly tenant?: string;
    /** Git commit the program was built from; absent outside a git checkout. */
    readonly commit?: string;
    /** The tree had uncommitted changes (allowed only where config says so). */
    readonly dirty: boolean;
    /** The backend user who ran it. */
    readonly operator: string;
    readonly approvals: readonly Approval[];
    /** sha256 of the saved update plan. */
    readonly planHash?: string;
    /** Steps per operation in the phase's targeted preview. */
    readonly counts?: OpMap;
    readonly result: Outcome;
    /** The gate that refused, for `refused`. */
    readonly gate?: string;
    /** Flags that let a gate pass that would otherwise have refused (`--force-order`, `--allow-replace …`). */
    readonly overrides: readonly string[];
    readonly durationsMs: { readonly preview?: number; readonly up?: number; readonly verify?: number; readonly total: number };
    readonly error?: { readonly code: string; readonly message: string };
    /** Verification results for an applied phase. */
    readonly checks?: { readonly pass: number; readonly warn: number; readonly fail: number };
}

/**
 * What a record must look like to count: the gates read `result`, `phase`, `pass` and `commit`, so a
 * line missing any field is refused, not trusted, and so is one with a field the driver never writes
 * (`strict`): a misspelt `"pas": "deletes"` would otherwise pass as a phase's main pass.
 */
const RECORD = z
    .object({
        v: z.literal(1),
        at: z.string().datetime(),
        runId: z.string().min(1),
        env: z.string().min(1),
        phase: z.enum(PHASE_NAMES),
        pass: z.literal("deletes").optional(),
        tenant: z.string().min(1).optional(),
        // sha-1, or sha-256 in a repository that uses it.
        commit: z
            .string()
            .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/)
            .optional(),
        dirty: z.boolean(),
        operator: z.string(),
        approvals: z.array(z.object({ role: z.string(), name: z.string(), planHash: z.string().optional() })),
        planHash: z
            .string()
            .regex(/^[0-9a-f]{64}$/)
            .optional(),
        counts: z.record(z.number()).optional(),
        result: z.enum(["succeeded", "failed", "refused", "cancelled", "previewed"]),
        gate: z.string().optional(),
        overrides: z.array(z.string()),
        durationsMs: z.object({
            preview: z.number().optional(),
            up: z.number().optional(),
            verify: z.number().optional(),
            total: z.number(),
        }),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
        checks: z.object({ pass: z.number(), warn: z.number(), fail: z.number() }).optional(),
    })
    .strict();

export interface Ledger {
    /** Where the records live, for messages. */
    readonly location: string;
    /** Every record of `env`, oldest first; throws `LedgerError` (`ledger-corrupt`) rather than skip one it cannot trust. */
    read(env: string): Promise<LedgerRecord[]>;
    /** Throws `LedgerWriteError`, which carries the record, when it cannot be written. */
    append(record: LedgerRecord): Promise<void>;
    /** Proves a record of `env` could be written now, without writing one: preflight calls it before anything is previewed. */
    checkWritable(env: string): Promise<void>;
}

/** What the one-off tasks' records are kept apart under: `<env>.tasks.jsonl`, or `<prefix>/<env>.tasks/` in S3. */
const TASK_STREAM = ".tasks";

/** How a one-off task ended, as its `ended` record says. */
export type TaskOutcome =
    /** The container ran and exited; `exitCode` is its code. */
    | "exited"
    /** The task stopped before the container ran (image pull, ENI, secrets, capacity): `stopCode` and `stoppedReason` say why. */
    | "never-started"
    /** `--timeout` passed and the runner stopped it (StopTask). */
    | "timed-out"
    /** The operator stopped it (Ctrl-C, "stop"). */
    | "stopped"
    /** ECS refused RunTask (a 4xx answer, or `failures`): nothing ran (no `taskArn`). */
    | "not-started"
    /**
     * RunTask got no answer (timeout, lost connection, 5xx after the SDK's retries): a task may run
     * anyway; `ListTasks --started-by bbws-task/<runId>` tells.
     */
    | "start-unknown";

/**
 * One record of a one-off task (`npm run task`). Two per run, appended, never rewritten: `started`
 * as soon as RunTask answers (the task ARN, and how to attach), and `ended` with the same `runId`
 * once the task stopped. A crash, a lost connection or `--detach` leaves only `started`: the task
 * keeps running in AWS, and `attach` is the command that resumes streaming and writes `ended`.
 * A RunTask that fails writes only `ended` (`not-started` or `start-unknown`, no `taskArn`).
 */
export interface TaskRecord {
    readonly v: 1;
    readonly kind: "one-off-task";
    readonly event: "started" | "ended";
    /** When this record was written (ISO 8601, UTC). */
    readonly at: string;
    /** The run's id: the staging prefix's and `BBWS_RUN_ID`'s value, the same in both records. */
    readonly runId: string;
    readonly env: string;
    /** The tenant the task ran for; absent for a `--platform` run. */
    readonly tenant?: string;
    readonly platform: boolean;
    /** The container's command, one argv element each (no shell). */
    readonly command: readonly string[];
    /** Who ran it: the AWS caller's ARN. */
    readonly operator: string;
    readonly taskArn?: string;
    /** When RunTask was called (ISO 8601). */
    readonly startedAt: string;
    /** When the runner stops the task (`--timeout`), ISO 8601; an attach enforces it too. */
    readonly deadline: string;
    /** `s3://…/` the staged files went to (`--stage`). */
    readonly stageUri?: string;
    /** `npm run task -- --env <env> --attach <task id>`, on `started`. */
    readonly attach?: string;
    /** On `ended`: when the task was seen stopped (ISO 8601). */
    readonly endedAt?: string;
    readonly outcome?: TaskOutcome;
    /** The container's exit code, when it ran and reported one. */
    readonly exitCode?: number;
    /** ECS's `stopCode` (`TaskFailedToStart`, `EssentialContainerExited`, `UserInitiated`, …). */
    readonly stopCode?: string;
    /** ECS's `stoppedReason` (e.g. `CannotPullContainerError: …`). */
    readonly stoppedReason?: string;
    readonly error?: { readonly code: string; readonly message: string };
}

const TASK_RECORD = z
    .object({
        v: z.literal(1),
        kind: z.literal("one-off-task"),
        event: z.enum(["started", "ended"]),
        at: z.string().datetime(),
        runId: z.string().min(1),
        env: z.string().min(1),
        tenant: z.string().min(1).optional(),
        platform: z.boolean(),
        command: z.array(z.string()).min(1),
        operator: z.string(),
        taskArn: z.string().startsWith("arn:").optional(),
        startedAt: z.string().datetime(),
        deadline: z.string().datetime(),
        stageUri: z.string().startsWith("s3://").optional(),
        attach: z.string().optional(),
        endedAt: z.string().datetime().optional(),
        outcome: z.enum(["exited", "never-started", "timed-out", "stopped", "not-started", "start-unknown"]).optional(),
        exitCode: z.number().int().optional(),
        stopCode: z.string().optional(),
        stoppedReason: z.string().optional(),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
    })
    .strict()
    .refine((r) => r.platform === (r.tenant === undefined), { message: "a record names a tenant or is a platform run, not both" })
    .refine((r) => (r.event === "started" ? r.taskArn !== undefined : r.outcome !== undefined && r.endedAt !== undefined), {
        message: "`started` carries the task ARN; `ended` its outcome and end time",
    });

/** Where the one-off tasks' records go: the same location as the rollout's ledger, a stream of its own. */
export interface TaskLedger {
    readonly location: string;
    /** Every task record of `env`, oldest first; refuses (`ledger-corrupt`) one it cannot trust. */
    readTasks(env: string): Promise<TaskRecord[]>;
    /** Throws `TaskLedgerWriteError`, which carries the record, when it cannot be written. */
    appendTask(record: TaskRecord): Promise<void>;
    /** Proves a task record of `env` could be written now: nothing starts that could not be recorded. */
    checkTasksWritable(env: string): Promise<void>;
}

/** What onboarding's and offboarding's step records are kept apart under: `<env>.tenant-steps.jsonl`, or `<prefix>/<env>.tenant-steps/` in S3. */
const TENANT_STEP_STREAM = ".tenant-steps";

/** What `npm run tenant` does to a tenant: onboard it, offboard it, rotate its WordPress salts, or move it to another isolation tier. */
export const TENANT_ACTIONS = ["add", "remove", "rotate-salts", "migrate-tier"] as const;

/** One of `TENANT_ACTIONS`. */
export type TenantAction = (typeof TENANT_ACTIONS)[number];

/**
 * One step of onboarding or offboarding a tenant (`npm run tenant`), in a stream of its own beside
 * the rollout's and the tasks' records. The rollout's gates read it only in a tier migration
 * (`--migrate-tier`: the tier gate asks for the migration's export, gates.ts `migrationExportOf`). The steps' own
 * rollouts and tasks write their usual records. A later run of the same action resumes at the first
 * step whose last record did not succeed (automation/tenant/steps.ts).
 */
export interface TenantStepRecord {
    readonly v: 1;
    readonly kind: "tenant-step";
    /** When the step ended (ISO 8601, UTC). */
    readonly at: string;
    /** One run of the command: its steps share it. */
    readonly runId: string;
    readonly env: string;
    readonly tenant: string;
    readonly action: TenantAction;
    /** The step's id, e.g. `config`, `database`, `archive` (automation/tenant/steps.ts). */
    readonly step: string;
    readonly result: "succeeded" | "failed" | "refused" | "cancelled";
    /** Who ran it (the backend's user, as the rollout records it). */
    readonly operator: string;
    /** What the step established that a later step or run needs (the archive's location, a task's ARN, the config commit). */
    readonly data?: Readonly<Record<string, string>>;
    readonly error?: { readonly code: string; readonly message: string };
    readonly durationMs: number;
}

const TENANT_STEP_RECORD = z
    .object({
        v: z.literal(1),
        kind: z.literal("tenant-step"),
        at: z.string().datetime(),
        runId: z.string().min(1),
        env: z.string().min(1),
        tenant: z.string().min(1),
        action: z.enum(TENANT_ACTIONS),
        step: z.string().min(1),
        result: z.enum(["succeeded", "failed", "refused", "cancelled"]),
        operator: z.string(),
        data: z.record(z.string()).optional(),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
        durationMs: z.number(),
    })
    .strict();

/** Where the tenant steps' records go: the same location as the rollout's ledger, a stream of its own. */
export interface TenantStepLedger {
    readonly location: string;
    /** Every tenant step record of `env`, oldest first; refuses (`ledger-corrupt`) one it cannot trust. */
    readTenantSteps(env: string): Promise<TenantStepRecord[]>;
    /** Throws `LedgerError` (`ledger-write-failed`, exit 1) carrying the record when it cannot be written. */
    appendTenantStep(record: TenantStepRecord): Promise<void>;
}

/** A tenant step's record could not be written; the message carries it as JSON, to add by hand. */
function tenantStepWriteError(location: string, record: TenantStepRecord, cause: string): LedgerError {
    return new LedgerError(
        "ledger-write-failed",
        `could not write the record of tenant step ${record.step} (${record.action} ${record.tenant} in ${record.env}, ${record.result}) to ${location}: ${cause}\n` +
            `  the record that was not written:\n${JSON.stringify(record)}`,
        `add that line to the ledger once it is writable (locally: append it to ${record.env}${TENANT_STEP_STREAM}.jsonl; in S3: put it under ` +
            `<prefix>/${record.env}${TENANT_STEP_STREAM}/), or the next run will not know this step's outcome`,
        EXIT.failed,
    );
}

/** What the disaster recovery steps' records are kept apart under: `<env>.dr.jsonl`, or `<prefix>/<env>.dr/` in S3. */
const DR_STREAM = ".dr";

/** What `npm run dr` does: a planned switchover, a failover in an outage, or a failback to the primary region. */
export type DrAction = "switchover" | "failover" | "failback";

/**
 * One step of a disaster recovery operation (`npm run dr`, automation/dr/steps.ts), in a stream of its
 * own so the rollout's gates never read one. `operationId` ties the steps of one operation across
 * reruns: a rerun after a failed or cancelled step continues the same operation from that step.
 */
export interface DrStepRecord {
    readonly v: 1;
    readonly kind: "dr-step";
    /** When the step ended (ISO 8601, UTC). */
    readonly at: string;
    /** When the step started (ISO 8601, UTC): with `at`, the step's place on the timeline. */
    readonly startedAt: string;
    /** One operation (its first run's id); every rerun that continues it records the same. */
    readonly operationId: string;
    /** One run of the command. */
    readonly runId: string;
    readonly env: string;
    readonly action: DrAction;
    /** The region the operation moves serving to. */
    readonly to: string;
    /** The step's id, e.g. `database`, `scale`, `dns` (automation/dr/steps.ts). */
    readonly step: string;
    readonly result: "succeeded" | "failed" | "refused" | "cancelled";
    readonly operator: string;
    /** The approvals the step's gate accepted (role:name). */
    readonly approvals?: readonly string[];
    /** What the step established or measured (the lag accepted, the AWS calls sent before a cancel). */
    readonly data?: Readonly<Record<string, string>>;
    readonly error?: { readonly code: string; readonly message: string };
    readonly durationMs: number;
}

const DR_STEP_RECORD = z
    .object({
        v: z.literal(1),
        kind: z.literal("dr-step"),
        at: z.string().datetime(),
        startedAt: z.string().datetime(),
        operationId: z.string().min(1),
        runId: z.string().min(1),
        env: z.string().min(1),
        action: z.enum(["switchover", "failover", "failback"]),
        to: z.string().min(1),
        step: z.string().min(1),
        result: z.enum(["succeeded", "failed", "refused", "cancelled"]),
        operator: z.string(),
        approvals: z.array(z.string()).optional(),
        data: z.record(z.string()).optional(),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
        durationMs: z.number(),
    })
    .strict();

/** Where the DR steps' records go: the same location as the rollout's ledger, a stream of its own. */
export interface DrStepLedger {
    readonly location: string;
    /** Every DR step record of `env`, oldest first; refuses (`ledger-corrupt`) one it cannot trust. */
    readDrSteps(env: string): Promise<DrStepRecord[]>;
    /** Throws `LedgerError` (`ledger-write-failed`, exit 1) carrying the record when it cannot be written. */
    appendDrStep(record: DrStepRecord): Promise<void>;
}

/** A DR step's record could not be written; the message carries it as JSON, to add by hand. */
function drStepWriteError(location: string, record: DrStepRecord, cause: string): LedgerError {
    return new LedgerError(
        "ledger-write-failed",
        `could not write the record of DR step ${record.step} (${record.action} to ${record.to} in ${record.env}, ${record.result}) to ${location}: ${cause}\n` +
            `  the record that was not written:\n${JSON.stringify(record)}`,
        `add that line to the ledger once it is writable (locally: append it to ${record.env}${DR_STREAM}.jsonl; in S3: put it under ` +
            `<prefix>/${record.env}${DR_STREAM}/), or the next run will not know this step's outcome`,
        EXIT.failed,
    );
}

/** Where `--ledger` points, parsed once. */
export type LedgerLocation =
    { readonly kind: "file"; readonly dir: string } | { readonly kind: "s3"; readonly bucket: string; readonly prefix: string };

const LEDGER_FORMS = "a directory or s3://bucket/prefix";

/**
 * The one parser of `--ledger`: `s3://bucket/prefix` with the scheme in lower case, else a local path
 * resolved against `cwd`. Anything else that starts with `scheme:` is refused: `S3://b` or `gs://b`
 * taken as a path would quietly create a local folder named `S3:` and record the rollout there.
 */
export function parseLedgerLocation(text: string, cwd: string): LedgerLocation {
    if (text.trim() === "") throw new LedgerError("ledger-location", "--ledger is empty", `give ${LEDGER_FORMS}`);
    const s3 = /^s3:\/\/([^/]*)\/?(.*)$/.exec(text);
    if (s3) {
        // The program's own rule for bucket names (S3's naming rules): no '..', no IP address, no reserved prefix or suffix.
        const bucket = NAME_RULES["aws:s3/bucket:Bucket"] as NameRule;
        if (s3[1].length < bucket.min || s3[1].length > bucket.max || !bucket.pattern.test(s3[1])) {
            throw new LedgerError(
                "ledger-location",
                `--ledger ${text}: '${s3[1]}' is not an S3 bucket name`,
                `bucket names are ${bucket.min}–${bucket.max} characters: ${bucket.allowed}, and not an IP address: s3://bucket/prefix`,
            );
        }
        return { kind: "s3", bucket: s3[1], prefix: s3[2].replace(/^\/+|\/+$/g, "") };
    }
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text);
    if (scheme) {
        throw new LedgerError(
            "ledger-location",
            `--ledger ${text}: the scheme '${scheme[1]}:' is not one the ledger knows (${LEDGER_FORMS})`,
            `for S3 write the scheme in lower case (s3://…); for a local folder whose name has a colon, start it with ./`,
        );
    }
    return { kind: "file", dir: path.resolve(cwd, text) };
}

/** The ledger at a parsed location: the rollout's records, the one-off tasks' and the tenant steps'; the S3 SDK is loaded only for an S3 one. */
export function openLedger(
    location: LedgerLocation,
    warn: (message: string) => void,
    s3: S3Factory = defaultS3,
): Ledger & TaskLedger & TenantStepLedger & DrStepLedger {
    return location.kind === "file" ? new FileLedger(location.dir, warn) : new S3Ledger(location.bucket, location.prefix, s3);
}

/** The ledger cannot be read, trusted or written. Nothing was applied unless it is a `LedgerWriteError`. */
export class LedgerError extends BbwsError {
    constructor(
        code: "ledger-location" | "ledger-unreadable" | "ledger-corrupt" | "ledger-unwritable" | "ledger-write-failed",
        message: string,
        fix: string,
        exitCode: ExitCode = EXIT.usage,
    ) {
        super(code, message, exitCode, fix);
        this.name = "LedgerError";
    }
}

/**
 * A record could not be written, after the attempt it records: the message carries the record as
 * JSON, so the operator can add it by hand and the gates still see what happened.
 */
export class LedgerWriteError extends LedgerError {
    constructor(
        location: string,
        readonly record: LedgerRecord,
        cause: string,
    ) {
        super(
            "ledger-write-failed",
            `could not write the ledger record of ${record.phase} in ${record.env} (${record.result}) to ${location}: ${cause}\n` +
                `  the record that was not written:\n${JSON.stringify(record)}`,
            `add that line to the ledger once it is writable (locally: append it to ${record.env}.jsonl; in S3: put it as ` +
                `<prefix>/${record.env}/${record.at}-${record.phase}.json), or the order gate will not know this attempt happened`,
            EXIT.failed,
        );
        this.name = "LedgerWriteError";
    }
}

/** A one-off task's record could not be written; the message carries it as JSON, to add by hand. */
export class TaskLedgerWriteError extends LedgerError {
    constructor(
        location: string,
        readonly record: TaskRecord,
        cause: string,
    ) {
        super(
            "ledger-write-failed",
            `could not write the ${record.event} record of task run ${record.runId} in ${record.env} to ${location}: ${cause}\n` +
                `  the record that was not written:\n${JSON.stringify(record)}`,
            `add that line to the ledger once it is writable (locally: append it to ${record.env}${TASK_STREAM}.jsonl; in S3: put it as ` +
                `<prefix>/${record.env}${TASK_STREAM}/${record.at}-${record.event}.json)`,
            EXIT.failed,
        );
        this.name = "TaskLedgerWriteError";
    }
}

/** Why a system call failed, in a few words (no stack); Node's message starts with the code already ("ENOTDIR: not a directory, …"). */
function reason(err: unknown): string {
    const e = err as NodeJS.ErrnoException & { name?: string };
    if (e.code) return e.message?.startsWith(`${e.code}:`) ? e.message : `${e.code}: ${e.message}`;
    return `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
}

export type S3Factory = () => Promise<Pick<S3Client, "send">>;

/**
 * Writes `body` to `s3://<bucket>/<key>` only if no object is there (`If-None-Match: *`, S3 user
 * guide "conditional writes"): a ledger record or a kept state is never overwritten. A key that is
 * taken fails with HTTP 412; the caller decides what that means.
 */
export async function putIfAbsent(
    s3: Pick<S3Client, "send">,
    bucket: string,
    key: string,
    body: string,
    contentType?: string,
): Promise<void> {
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: "*" }));
}

/**
 * The ledger as one JSON-lines file per environment (`<dir>/<env>.jsonl`), each record appended in one
 * write. Reading refuses a corrupt or foreign record (`LedgerError` ledger-corrupt, with file:line) and
 * skips only a last line cut short by a crash.
 */
export class FileLedger implements Ledger, TaskLedger, TenantStepLedger, DrStepLedger {
    constructor(
        readonly location: string,
        private readonly warn: (message: string) => void,
    ) {}

    file(env: string): string {
        return path.join(this.location, `${env}.jsonl`);
    }

    async read(env: string): Promise<LedgerRecord[]> {
        return this.readLines(this.file(env), (line) => parseRecord(line, env));
    }

    async append(record: LedgerRecord): Promise<void> {
        const file = this.file(record.env);
        await this.appendLine(file, JSON.stringify(record)).catch((err) => {
            throw new LedgerWriteError(file, record, reason(err));
        });
    }

    /** `<dir>/<env>.tasks.jsonl`: the one-off tasks' records, apart from the rollout's, which older drivers read strictly. */
    taskFile(env: string): string {
        return path.join(this.location, `${env}${TASK_STREAM}.jsonl`);
    }

    async readTasks(env: string): Promise<TaskRecord[]> {
        return this.readLines(this.taskFile(env), (line) => parseTaskRecord(line, env));
    }

    async appendTask(record: TaskRecord): Promise<void> {
        const file = this.taskFile(record.env);
        await this.appendLine(file, JSON.stringify(record)).catch((err) => {
            throw new TaskLedgerWriteError(file, record, reason(err));
        });
    }

    async checkTasksWritable(env: string): Promise<void> {
        await this.checkFileWritable(this.taskFile(env));
    }

    /** `<dir>/<env>.tenant-steps.jsonl`: onboarding's and offboarding's step records. */
    tenantStepFile(env: string): string {
        return path.join(this.location, `${env}${TENANT_STEP_STREAM}.jsonl`);
    }

    async readTenantSteps(env: string): Promise<TenantStepRecord[]> {
        return this.readLines(this.tenantStepFile(env), (line) => parseWith(TENANT_STEP_RECORD, line, env) as Parsed<TenantStepRecord>);
    }

    async appendTenantStep(record: TenantStepRecord): Promise<void> {
        const file = this.tenantStepFile(record.env);
        await this.appendLine(file, JSON.stringify(record)).catch((err) => {
            throw tenantStepWriteError(file, record, reason(err));
        });
    }

    /** `<dir>/<env>.dr.jsonl`: the disaster recovery steps' records. */
    drStepFile(env: string): string {
        return path.join(this.location, `${env}${DR_STREAM}.jsonl`);
    }

    async readDrSteps(env: string): Promise<DrStepRecord[]> {
        return this.readLines(this.drStepFile(env), (line) => parseWith(DR_STEP_RECORD, line, env) as Parsed<DrStepRecord>);
    }

    async appendDrStep(record: DrStepRecord): Promise<void> {
        const file = this.drStepFile(record.env);
        await this.appendLine(file, JSON.stringify(record)).catch((err) => {
            throw drStepWriteError(file, record, reason(err));
        });
    }

    private async readLines<T>(file: string, parse: (line: string) => Parsed<T>): Promise<T[]> {
        let text: string;
        try {
            text = await fs.promises.readFile(file, "utf8");
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
            throw new LedgerError(
                "ledger-unreadable",
                `cannot read the ledger ${file}: ${reason(err)}`,
                "make the file readable by this user, or point --ledger at the ledger you mean",
            );
        }
        const records: T[] = [];
        text.split("\n").forEach((line, i) => {
            if (line.trim() === "") return;
            const where = `${file}:${i + 1}`;
            const parsed = parse(line);
            if (parsed.problem === undefined) records.push(parsed.record);
            // A crash mid-write cuts a record short; the next append starts on a fresh line, so such a line can be followed by records.
            else if (parsed.truncated) this.warn(`${where}: ignored a record cut short (an interrupted write?)`);
            else throw corrupt(where, parsed.problem);
        });
        return records;
    }

    /** Appends one line in one write, after a newline when a crash left the file ending inside a line; rejects with the system error. */
    private async appendLine(file: string, json: string): Promise<void> {
        await fs.promises.mkdir(this.location, { recursive: true });
        const handle = await fs.promises.open(file, "a+");
        try {
            // After a crash mid-write the file ends inside a line: start on a fresh one so this record stays whole.
            const { size } = await handle.stat();
            const last = Buffer.alloc(1);
            if (size > 0) await handle.read(last, 0, 1, size - 1);
            const text = (size > 0 && last.toString() !== "\n" ? "\n" : "") + json + "\n";
            await handle.write(text);
            await handle.datasync();
        } finally {
            await handle.close();
        }
    }

    async checkWritable(env: string): Promise<void> {
        await this.checkFileWritable(this.file(env));
    }

    private async checkFileWritable(file: string): Promise<void> {
        try {
            await fs.promises.mkdir(this.location, { recursive: true });
            // Opening for append is the test: it needs exactly what `append` needs, and writes nothing.
            await (await fs.promises.open(file, "a")).close();
        } catch (err) {
            throw new LedgerError(
                "ledger-unwritable",
                `the ledger ${file} cannot be written: ${reason(err)}`,
                "every attempt is recorded, so nothing is previewed until it can be: make the folder writable by this user, " +
                    "or point --ledger at a directory that is (or s3://bucket/prefix)",
            );
        }
    }
}

/**
 * The ledger as one S3 object per record under `<prefix>/<env>/`, written with `If-None-Match: *` so no
 * record is ever overwritten (S3 user guide, "conditional writes"). Every object must be a whole record.
 */
export class S3Ledger implements Ledger, TaskLedger, TenantStepLedger, DrStepLedger {
    readonly location: string;
    private client?: Promise<Pick<S3Client, "send">>;

    constructor(
        private readonly bucket: string,
        private readonly prefix: string,
        private readonly createClient: S3Factory,
    ) {
        this.location = `s3://${bucket}/${prefix}`;
    }

    private envPrefix(env: string): string {
        return `${this.prefix ? `${this.prefix}/` : ""}${env}/`;
    }

    private s3(): Promise<Pick<S3Client, "send">> {
        this.client ??= this.createClient();
        return this.client;
    }

    async read(env: string): Promise<LedgerRecord[]> {
        return this.readObjects(this.envPrefix(env), (text) => parseRecord(text, env));
    }

    async append(record: LedgerRecord): Promise<void> {
        await this.putRecord(this.envPrefix(record.env), `${record.at}-${record.phase}`, record).catch((err) => {
            throw new LedgerWriteError(this.location, record, reason(err));
        });
    }

    /** `<prefix>/<env>.tasks/`: not under `<prefix>/<env>/`, which older drivers list and read strictly as rollout records. */
    taskPrefix(env: string): string {
        return `${this.prefix ? `${this.prefix}/` : ""}${env}${TASK_STREAM}/`;
    }

    async readTasks(env: string): Promise<TaskRecord[]> {
        return this.readObjects(this.taskPrefix(env), (text) => parseTaskRecord(text, env));
    }

    async appendTask(record: TaskRecord): Promise<void> {
        await this.putRecord(this.taskPrefix(record.env), `${record.at}-${record.event}`, record).catch((err) => {
            throw new TaskLedgerWriteError(this.location, record, reason(err));
        });
    }

    async checkTasksWritable(env: string): Promise<void> {
        await this.checkPrefixWritable(this.taskPrefix(env));
    }

    /** `<prefix>/<env>.tenant-steps/`: beside, not under, `<prefix>/<env>/`, which the rollout reads strictly. */
    tenantStepPrefix(env: string): string {
        return `${this.prefix ? `${this.prefix}/` : ""}${env}${TENANT_STEP_STREAM}/`;
    }

    async readTenantSteps(env: string): Promise<TenantStepRecord[]> {
        return this.readObjects(this.tenantStepPrefix(env), (text) => parseWith(TENANT_STEP_RECORD, text, env) as Parsed<TenantStepRecord>);
    }

    async appendTenantStep(record: TenantStepRecord): Promise<void> {
        const name = `${record.at}-${record.tenant}-${record.step}`;
        await this.putRecord(this.tenantStepPrefix(record.env), name, record).catch((err) => {
            throw tenantStepWriteError(this.location, record, reason(err));
        });
    }

    /** `<prefix>/<env>.dr/`: beside, not under, `<prefix>/<env>/`, which the rollout reads strictly. */
    drStepPrefix(env: string): string {
        return `${this.prefix ? `${this.prefix}/` : ""}${env}${DR_STREAM}/`;
    }

    async readDrSteps(env: string): Promise<DrStepRecord[]> {
        return this.readObjects(this.drStepPrefix(env), (text) => parseWith(DR_STEP_RECORD, text, env) as Parsed<DrStepRecord>);
    }

    async appendDrStep(record: DrStepRecord): Promise<void> {
        await this.putRecord(this.drStepPrefix(record.env), `${record.at}-${record.action}-${record.step}`, record).catch((err) => {
            throw drStepWriteError(this.location, record, reason(err));
        });
    }

    private async readObjects<T>(prefix: string, parse: (text: string) => Parsed<T>): Promise<T[]> {
        const { ListObjectsV2Command, GetObjectCommand } = await import("@aws-sdk/client-s3");
        try {
            const s3 = await this.s3();
            const keys: string[] = [];
            let token: string | undefined;
            do {
                const page = await s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
                keys.push(...(page.Contents ?? []).map((o) => o.Key!).filter((k) => k.endsWith(".json")));
                token = page.IsTruncated ? page.NextContinuationToken : undefined;
            } while (token);
            const records: T[] = [];
            // Keys start with the record's timestamp, so key order is time order.
            for (const key of keys.sort()) {
                const object = await s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
                const parsed = parse((await object.Body?.transformToString()) ?? "");
                // A PUT is whole or absent: here even a cut-short record is corruption.
                if (parsed.problem !== undefined) throw corrupt(`s3://${this.bucket}/${key}`, parsed.problem);
                records.push(parsed.record);
            }
            return records;
        } catch (err) {
            if (err instanceof LedgerError) throw err;
            throw new LedgerError(
                "ledger-unreadable",
                `cannot read the ledger s3://${this.bucket}/${prefix}: ${reason(err)}`,
                "use credentials that may s3:ListBucket and s3:GetObject on the ledger bucket, or point --ledger at the ledger you mean",
            );
        }
    }

    /** One object per record, `<prefix><name>-<digest of the body>.json`, never overwriting one. */
    private async putRecord(prefix: string, name: string, record: object): Promise<void> {
        const body = JSON.stringify(record);
        const digest = createHash("sha256").update(body).digest("hex").slice(0, 12);
        await putIfAbsent(await this.s3(), this.bucket, `${prefix}${name}-${digest}.json`, body, "application/json");
    }

    /**
     * Puts one small marker object per environment, only if absent: S3 checks permission before the
     * condition, so a 412 (it exists already) proves write access as well as a 200 does, without a new
     * object per run, and without needing s3:DeleteObject, which an append-only ledger bucket denies.
     * Its key does not end in `.json`, so it is never read as a record.
     */
    async checkWritable(env: string): Promise<void> {
        await this.checkPrefixWritable(this.envPrefix(env));
    }

    private async checkPrefixWritable(prefix: string): Promise<void> {
        try {
            const note = "written by the rollout's preflight to check write access; not a record";
            await putIfAbsent(await this.s3(), this.bucket, `${prefix}.write-check`, note);
        } catch (err) {
            if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) return;
            throw new LedgerError(
                "ledger-unwritable",
                `the ledger ${this.location} cannot be written: ${reason(err)}`,
                "every attempt is recorded, so nothing is previewed until it can be: use credentials that may s3:PutObject " +
                    `under ${prefix} in ${this.bucket} (and check the bucket exists), or point --ledger elsewhere`,
            );
        }
    }
}

type Parsed<T = LedgerRecord> =
    | { readonly record: T; readonly truncated?: undefined; readonly problem?: undefined }
    | { readonly record?: undefined; readonly truncated: boolean; readonly problem: string };

/**
 * A record of `env`, or why the text is not one. `truncated`: the text is the start of a record cut short
 * (every record starts `{"v":`, and JSON.parse ran out of text rather than meeting a wrong character).
 * The driver writes each record into its own environment's file or prefix, so one of another
 * environment was copied there, and would let this environment's gates count another's rollout.
 */
function parseRecord(text: string, env: string): Parsed {
    return parseWith(RECORD, text, env) as Parsed;
}

/** A one-off task's record of `env`, or why the text is not one (see `parseRecord`). */
function parseTaskRecord(text: string, env: string): Parsed<TaskRecord> {
    return parseWith(TASK_RECORD, text, env) as Parsed<TaskRecord>;
}

function parseWith(schema: z.ZodType<{ env: string }>, text: string, env: string): Parsed<unknown> {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (err) {
        const at = /position (\d+)/.exec((err as Error).message);
        const truncated = text.startsWith('{"v":') && (!at || Number(at[1]) >= text.length);
        return { truncated, problem: `not JSON (${(err as Error).message})` };
    }
    const checked = schema.safeParse(value);
    if (checked.success && checked.data.env !== env) {
        return { truncated: false, problem: `a record of ${checked.data.env} in the ledger of ${env}` };
    }
    if (checked.success) return { record: value };
    return {
        truncated: false,
        problem: `not a ledger record: ${checked.error.issues.map((i) => `${i.path.join(".") || "(the record)"}: ${i.message}`).join("; ")}`,
    };
}

function corrupt(where: string, problem: string): LedgerError {
    return new LedgerError(
        "ledger-corrupt",
        `the ledger is corrupt at ${where}: ${problem}`,
        "the driver only ever appends whole records, so this was written by hand or by another tool, and the order and promotion gates " +
            "cannot trust the ledger until it is fixed: restore it from a copy, or remove what was added by hand",
    );
}

/** The S3 SDK is loaded only for an s3:// ledger (and the state copies kept beside it). */
export async function defaultS3(): Promise<Pick<S3Client, "send">> {
    const { S3Client: Client } = await import("@aws-sdk/client-s3");
    return new Client({});
}
