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

/** The ledger at a parsed location; the S3 SDK is loaded only for an S3 one. */
export function openLedger(location: LedgerLocation, warn: (message: string) => void, s3: S3Factory = defaultS3): Ledger {
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
export class FileLedger implements Ledger {
    constructor(
        readonly location: string,
        private readonly warn: (message: string) => void,
    ) {}

    file(env: string): string {
        return path.join(this.location, `${env}.jsonl`);
    }

    async read(env: string): Promise<LedgerRecord[]> {
        return readJsonLines(this.file(env), (line) => parseRecord(line, env), this.warn);
    }

    async append(record: LedgerRecord): Promise<void> {
        const file = this.file(record.env);
        try {
            await appendJsonLine(file, record);
        } catch (err) {
            throw new LedgerWriteError(file, record, reason(err));
        }
    }

    async checkWritable(env: string): Promise<void> {
        const file = this.file(env);
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
export class S3Ledger implements Ledger {
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
        return readS3Records(
            () => this.s3(),
            this.bucket,
            this.envPrefix(env),
            (text) => parseRecord(text, env),
        );
    }

    async append(record: LedgerRecord): Promise<void> {
        const body = JSON.stringify(record);
        const digest = createHash("sha256").update(body).digest("hex").slice(0, 12);
        try {
            const key = `${this.envPrefix(record.env)}${record.at}-${record.phase}-${digest}.json`;
            await putIfAbsent(await this.s3(), this.bucket, key, body, "application/json");
        } catch (err) {
            throw new LedgerWriteError(this.location, record, reason(err));
        }
    }

    /**
     * Puts one small marker object per environment, only if absent: S3 checks permission before the
     * condition, so a 412 (it exists already) proves write access as well as a 200 does, without a new
     * object per run, and without needing s3:DeleteObject, which an append-only ledger bucket denies.
     * Its key does not end in `.json`, so it is never read as a record.
     */
    async checkWritable(env: string): Promise<void> {
        try {
            const note = "written by the rollout's preflight to check write access; not a record";
            await putIfAbsent(await this.s3(), this.bucket, `${this.envPrefix(env)}.write-check`, note);
        } catch (err) {
            if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) return;
            throw new LedgerError(
                "ledger-unwritable",
                `the ledger ${this.location} cannot be written: ${reason(err)}`,
                "every attempt is recorded, so nothing is previewed until it can be: use credentials that may s3:PutObject " +
                    `under ${this.envPrefix(env)} in ${this.bucket} (and check the bucket exists), or point --ledger elsewhere`,
            );
        }
    }
}

/** What `npm run tenant` does to a tenant: onboard it or offboard it. */
export type TenantAction = "add" | "remove";

/**
 * One step of onboarding or offboarding a tenant (`npm run tenant`): a record kind of its own beside
 * the rollout's, kept in its own file or prefix so the rollout's gates never read one. The steps'
 * own rollouts write rollout records as usual. A later run of the same action resumes at the first
 * step whose last record did not succeed.
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
    readonly operator: string;
    readonly commit?: string;
    /** What the step established that a later step or run needs (the archive's prefix, a task's ARN). */
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
        action: z.enum(["add", "remove"]),
        step: z.string().min(1),
        result: z.enum(["succeeded", "failed", "refused", "cancelled"]),
        operator: z.string(),
        commit: z
            .string()
            .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/)
            .optional(),
        data: z.record(z.string()).optional(),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
        durationMs: z.number(),
    })
    .strict();

/** The tenant steps of each environment, beside the rollout ledger (same `--ledger` location). */
export interface TenantStepLog {
    readonly location: string;
    /** Every tenant step of `env`, oldest first; throws `LedgerError` (`ledger-corrupt`) rather than skip one it cannot trust. */
    read(env: string): Promise<TenantStepRecord[]>;
    /** Throws `LedgerError` (`ledger-write-failed`, exit 1) carrying the record when it cannot be written. */
    append(record: TenantStepRecord): Promise<void>;
}

/**
 * The tenant step log at a parsed `--ledger` location: `<dir>/<env>.tenant-steps.jsonl`, or one object
 * per record under `s3://bucket/<prefix>/_tenant-steps/<env>/` (an underscore, which no stack name has,
 * so it is never read as an environment's rollout records).
 */
export function openTenantStepLog(location: LedgerLocation, warn: (message: string) => void, s3: S3Factory = defaultS3): TenantStepLog {
    const parse = (env: string) => (text: string) => parseAgainst(text, env, TENANT_STEP_RECORD, '{"v":') as ParsedAs<TenantStepRecord>;
    const failed = (where: string, record: TenantStepRecord, err: unknown) =>
        new LedgerError(
            "ledger-write-failed",
            `could not write the record of tenant step ${record.step} (${record.tenant} in ${record.env}, ${record.result}) to ${where}: ${reason(err)}\n` +
                `  the record that was not written:\n${JSON.stringify(record)}`,
            `add that line to ${where} once it is writable, or the next run will not know this step's outcome`,
            EXIT.failed,
        );
    if (location.kind === "file") {
        const file = (env: string) => path.join(location.dir, `${env}.tenant-steps.jsonl`);
        return {
            location: location.dir,
            read: (env) => readJsonLines(file(env), parse(env), warn),
            append: async (record) => {
                try {
                    await appendJsonLine(file(record.env), record);
                } catch (err) {
                    throw failed(file(record.env), record, err);
                }
            },
        };
    }
    const base = `${location.prefix ? `${location.prefix}/` : ""}_tenant-steps/`;
    let client: Promise<Pick<S3Client, "send">> | undefined;
    const s3Client = () => (client ??= s3());
    return {
        location: `s3://${location.bucket}/${base}`,
        read: (env) => readS3Records(s3Client, location.bucket, `${base}${env}/`, parse(env)),
        append: async (record) => {
            const body = JSON.stringify(record);
            const digest = createHash("sha256").update(body).digest("hex").slice(0, 12);
            const key = `${base}${record.env}/${record.at}-${record.tenant}-${record.step}-${digest}.json`;
            try {
                await putIfAbsent(await s3Client(), location.bucket, key, body, "application/json");
            } catch (err) {
                throw failed(`s3://${location.bucket}/${key}`, record, err);
            }
        },
    };
}

type ParsedAs<R> =
    | { readonly record: R; readonly truncated?: undefined; readonly problem?: undefined }
    | { readonly record?: undefined; readonly truncated: boolean; readonly problem: string };
type Parsed = ParsedAs<LedgerRecord>;

/**
 * A record of `env`, or why the text is not one. `truncated`: the text is the start of a record cut short
 * (every record starts `{"v":`, and JSON.parse ran out of text rather than meeting a wrong character).
 * The driver writes each record into its own environment's file or prefix, so one of another
 * environment was copied there, and would let this environment's gates count another's rollout.
 */
function parseRecord(text: string, env: string): Parsed {
    return parseAgainst(text, env, RECORD, '{"v":') as Parsed;
}

/** `parseRecord` for any record schema whose records carry `env` and start with `start` when written. */
function parseAgainst(text: string, env: string, schema: z.ZodTypeAny, start: string): ParsedAs<{ env: string }> {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (err) {
        const at = /position (\d+)/.exec((err as Error).message);
        const truncated = text.startsWith(start) && (!at || Number(at[1]) >= text.length);
        return { truncated, problem: `not JSON (${(err as Error).message})` };
    }
    const checked = schema.safeParse(value);
    if (checked.success && checked.data.env !== env) {
        return { truncated: false, problem: `a record of ${checked.data.env} in the ledger of ${env}` };
    }
    if (checked.success) return { record: value as { env: string } };
    return {
        truncated: false,
        problem: `not a ledger record: ${checked.error.issues.map((i) => `${i.path.join(".") || "(the record)"}: ${i.message}`).join("; ")}`,
    };
}

/**
 * The records of a JSON-lines file, oldest first (none when it does not exist). A corrupt or foreign
 * line is refused (`LedgerError` ledger-corrupt, with file:line); only a line cut short by a crash is
 * skipped, with a warning.
 */
async function readJsonLines<R>(file: string, parse: (line: string) => ParsedAs<R>, warn: (message: string) => void): Promise<R[]> {
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
    const records: R[] = [];
    text.split("\n").forEach((line, i) => {
        if (line.trim() === "") return;
        const where = `${file}:${i + 1}`;
        const parsed = parse(line);
        if (parsed.problem === undefined) records.push(parsed.record);
        // A crash mid-write cuts a record short; the next append starts on a fresh line, so such a line can be followed by records.
        else if (parsed.truncated) warn(`${where}: ignored a record cut short (an interrupted write?)`);
        else throw corrupt(where, parsed.problem);
    });
    return records;
}

/** Appends `record` as one line in one write, synced; after a crash mid-write it starts on a fresh line so this record stays whole. */
async function appendJsonLine(file: string, record: object): Promise<void> {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const handle = await fs.promises.open(file, "a+");
    try {
        const { size } = await handle.stat();
        const last = Buffer.alloc(1);
        if (size > 0) await handle.read(last, 0, 1, size - 1);
        const text = (size > 0 && last.toString() !== "\n" ? "\n" : "") + JSON.stringify(record) + "\n";
        await handle.write(text);
        await handle.datasync();
    } finally {
        await handle.close();
    }
}

/** Every `.json` object under `prefix`, parsed, in key order (keys start with the record's time); a PUT is whole or absent, so any bad object is corruption. */
async function readS3Records<R>(
    client: () => Promise<Pick<S3Client, "send">>,
    bucket: string,
    prefix: string,
    parse: (text: string) => ParsedAs<R>,
): Promise<R[]> {
    const { ListObjectsV2Command, GetObjectCommand } = await import("@aws-sdk/client-s3");
    try {
        const s3 = await client();
        const keys: string[] = [];
        let token: string | undefined;
        do {
            const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
            keys.push(...(page.Contents ?? []).map((o) => o.Key!).filter((k) => k.endsWith(".json")));
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        const records: R[] = [];
        for (const key of keys.sort()) {
            const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
            const parsed = parse((await object.Body?.transformToString()) ?? "");
            if (parsed.problem !== undefined) throw corrupt(`s3://${bucket}/${key}`, parsed.problem);
            records.push(parsed.record);
        }
        return records;
    } catch (err) {
        if (err instanceof LedgerError) throw err;
        throw new LedgerError(
            "ledger-unreadable",
            `cannot read the ledger s3://${bucket}/${prefix}: ${reason(err)}`,
            "use credentials that may s3:ListBucket and s3:GetObject on the ledger bucket, or point --ledger at the ledger you mean",
        );
    }
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
