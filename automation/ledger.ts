/**
 * The rollout ledger: one record per phase attempt, appended, never rewritten. The order and
 * promotion gates read it, so it is the memory of what has been rolled out where.
 *
 * Locally it is `.rollout/<env>.jsonl`, one JSON object per line, each written by a single `write`
 * call; a crash can at worst leave the last line incomplete, and such a line is reported and ignored.
 * In S3 (`s3://bucket/prefix`) every record is its own object, written only if absent, so a record is
 * never overwritten and two operators never race on one file.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { PhaseName } from "../src/phases";
import type { OpMap } from "./engine";
import type { Approval } from "./gates";

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

export interface Ledger {
    /** Where the records live, for messages. */
    readonly location: string;
    /** Every readable record of `env`, oldest first. */
    read(env: string): Promise<LedgerRecord[]>;
    append(record: LedgerRecord): Promise<void>;
}

/** `--ledger`: a directory, or `s3://bucket/prefix`. */
export function openLedger(location: string, warn: (message: string) => void, s3: S3Factory = defaultS3): Ledger {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
    if (!m) return new FileLedger(location, warn);
    return new S3Ledger(m[1], m[2].replace(/\/+$/, ""), warn, s3);
}

export type S3Factory = () => Promise<Pick<S3Client, "send">>;

export class FileLedger implements Ledger {
    constructor(readonly location: string, private readonly warn: (message: string) => void) {}

    file(env: string): string {
        return path.join(this.location, `${env}.jsonl`);
    }

    async read(env: string): Promise<LedgerRecord[]> {
        const file = this.file(env);
        let text: string;
        try {
            text = await fs.promises.readFile(file, "utf8");
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
            throw err;
        }
        const records: LedgerRecord[] = [];
        text.split("\n").forEach((line, i) => {
            if (line.trim() === "") return;
            const record = parseRecord(line);
            if (record) records.push(record);
            else this.warn(`${file}:${i + 1}: ignored an incomplete record (an interrupted write?)`);
        });
        return records;
    }

    async append(record: LedgerRecord): Promise<void> {
        const file = this.file(record.env);
        await fs.promises.mkdir(this.location, { recursive: true });
        const handle = await fs.promises.open(file, "a+");
        try {
            // After a crash mid-write the file ends inside a line: start on a fresh one so this record stays whole.
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
}

export class S3Ledger implements Ledger {
    readonly location: string;
    private client?: Promise<Pick<S3Client, "send">>;

    constructor(
        private readonly bucket: string,
        private readonly prefix: string,
        private readonly warn: (message: string) => void,
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
        const { ListObjectsV2Command, GetObjectCommand } = await import("@aws-sdk/client-s3");
        const s3 = await this.s3();
        const keys: string[] = [];
        let token: string | undefined;
        do {
            const page = await s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.envPrefix(env), ContinuationToken: token }));
            keys.push(...(page.Contents ?? []).map((o) => o.Key!).filter((k) => k.endsWith(".json")));
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        const records: LedgerRecord[] = [];
        // Keys start with the record's timestamp, so key order is time order.
        for (const key of keys.sort()) {
            const object = await s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
            const record = parseRecord((await object.Body?.transformToString()) ?? "");
            if (record) records.push(record);
            else this.warn(`s3://${this.bucket}/${key}: ignored an unreadable record`);
        }
        return records;
    }

    async append(record: LedgerRecord): Promise<void> {
        const { PutObjectCommand } = await import("@aws-sdk/client-s3");
        const body = JSON.stringify(record);
        const digest = createHash("sha256").update(body).digest("hex").slice(0, 12);
        await (await this.s3()).send(new PutObjectCommand({
            Bucket: this.bucket,
            Key: `${this.envPrefix(record.env)}${record.at}-${record.phase}-${digest}.json`,
            Body: body,
            ContentType: "application/json",
            IfNoneMatch: "*",
        }));
    }
}

function parseRecord(text: string): LedgerRecord | undefined {
    try {
        const value = JSON.parse(text);
        return value && typeof value === "object" && value.v === 1 && typeof value.phase === "string" ? value : undefined;
    } catch {
        return undefined;
    }
}

/** The S3 SDK is loaded only for an s3:// ledger (and the state copies kept beside it). */
export async function defaultS3(): Promise<Pick<S3Client, "send">> {
    const { S3Client: Client } = await import("@aws-sdk/client-s3");
    return new Client({});
}
