/**
 * `--stage <dir>`: every file under the folder goes to `s3://<migration bucket>/<prefix><relative path>`
 * before the task starts, through lib-storage's `Upload` (one PutObject for a small file, a multipart
 * upload of parallel parts for a large dump, parts retried by the SDK), with a progress line per
 * file and, for a large one, at most one per 10 % of it.
 */
import * as fs from "fs";
import * as path from "path";
import type { S3Client } from "@aws-sdk/client-s3";
import { UsageError } from "../errors";
import { awsCall } from "./aws";

/** One file to stage: where it is and the key suffix it gets (`/`-separated). */
export interface StagedFile {
    readonly file: string;
    readonly relative: string;
    readonly bytes: number;
}

/**
 * Every regular file under `dir`, sorted by relative path; symbolic links are followed to files.
 * Throws `UsageError` (exit 2) when `dir` is missing (`stage-missing`), not a folder (`stage-not-dir`)
 * or empty (`stage-empty`): nothing is uploaded and nothing started.
 */
export function listStageFiles(dir: string): StagedFile[] {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(dir);
    } catch {
        throw new UsageError("stage-missing", `--stage ${dir} does not exist`, "give the folder with the files the task needs");
    }
    if (!stat.isDirectory())
        throw new UsageError("stage-not-dir", `--stage ${dir} is not a folder`, "give a folder; its files are uploaded");
    const files: StagedFile[] = [];
    const walk = (at: string) => {
        for (const entry of fs.readdirSync(at).sort()) {
            const full = path.join(at, entry);
            const s = fs.statSync(full);
            if (s.isDirectory()) walk(full);
            else if (s.isFile()) files.push({ file: full, relative: path.relative(dir, full).split(path.sep).join("/"), bytes: s.size });
        }
    };
    walk(dir);
    if (files.length === 0) throw new UsageError("stage-empty", `--stage ${dir} has no files`, "put the files the task needs in it");
    return files.sort((a, b) => a.relative.localeCompare(b.relative));
}

/** What the upload needs. */
export interface StageOptions {
    readonly s3: S3Client;
    readonly bucket: string;
    /** `tenants/<id>/<run id>/` or `platform/<run id>/`. */
    readonly prefix: string;
    readonly files: readonly StagedFile[];
    readonly progress: (line: string) => void;
    /** Part size in bytes; default lib-storage's (5 MiB, S3's minimum part size but for the last part). */
    readonly partSize?: number;
    /** Ctrl-C: aborts the upload under way (lib-storage `Upload.abort()`) and stages no further file. */
    readonly signal?: AbortSignal;
}

/**
 * Staging ended by the operator's signal: nothing was started. Files already uploaded stay under the
 * run's prefix; an aborted multipart upload's parts go with the bucket's `abortIncompleteMultipartUpload`
 * lifecycle rule (components/storage.ts) if lib-storage did not abort it itself.
 */
export class StagingInterrupted extends Error {
    constructor(readonly uploaded: number) {
        super("staging interrupted");
        this.name = "StagingInterrupted";
    }
}

/**
 * Uploads `files` one after another (each large one in parallel parts), encrypted with the bucket's
 * default key. Returns the `s3://bucket/prefix` URI. A failed upload ends the run with
 * `AwsCallError` (S3 Upload, exit 1) before the task is started; lib-storage aborts the multipart
 * upload it began, so no parts are left behind. Ctrl-C (`signal`) aborts the upload under way and
 * throws `StagingInterrupted`.
 */
export async function stageFiles(options: StageOptions): Promise<string> {
    const { Upload } = await import("@aws-sdk/lib-storage");
    const uri = `s3://${options.bucket}/${options.prefix}`;
    const total = options.files.reduce((n, f) => n + f.bytes, 0);
    options.progress(`staging ${options.files.length} file(s), ${formatBytes(total)}, to ${uri}`);
    let uploaded = 0;
    for (const f of options.files) {
        if (options.signal?.aborted) throw new StagingInterrupted(uploaded);
        const upload = new Upload({
            client: options.s3,
            params: {
                Bucket: options.bucket,
                Key: `${options.prefix}${f.relative}`,
                Body: fs.createReadStream(f.file),
                ContentLength: f.bytes,
            },
            partSize: options.partSize,
        });
        let reported = 0;
        upload.on("httpUploadProgress", ({ loaded = 0 }) => {
            if (f.bytes > 0 && loaded < f.bytes && (loaded - reported) / f.bytes >= 0.1) {
                reported = loaded;
                options.progress(
                    `  ${f.relative}: ${formatBytes(loaded)} of ${formatBytes(f.bytes)} (${Math.floor((100 * loaded) / f.bytes)}%)`,
                );
            }
        });
        const abort = () => void upload.abort();
        options.signal?.addEventListener("abort", abort, { once: true });
        try {
            await awsCall("S3", "Upload", () => upload.done(), `check that the credentials may s3:PutObject in ${options.bucket}`);
        } catch (err) {
            if (options.signal?.aborted) throw new StagingInterrupted(uploaded);
            throw err;
        } finally {
            options.signal?.removeEventListener("abort", abort);
        }
        uploaded++;
        options.progress(`  ${f.relative}: ${formatBytes(f.bytes)} uploaded`);
    }
    return uri;
}

/** Bytes as `512 B`, `3.4 KiB`, `12.0 MiB`, `1.2 GiB`. */
export function formatBytes(bytes: number): string {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
