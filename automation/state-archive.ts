/**
 * Copies of the stack's state taken right before each `up`, kept next to the ledger, so a bad apply
 * can be undone from a known state with `pulumi stack import --file <copy>`. Each copy is exactly what
 * `pulumi stack export` prints without `--show-secrets`: secret values stay encrypted by the stack's
 * secrets provider, so a copy is no more sensitive than the backend's own checkpoint.
 *
 * Locally: `<ledger dir>/state/<env>/<timestamp>-<phase>.json`. With an S3 ledger
 * (`s3://bucket/prefix`): the object `<prefix>/state/<env>/<timestamp>-<phase>.json`, outside the
 * `<prefix>/<env>/` folders the ledger reads its records from. A copy is never overwritten.
 */
import * as fs from "fs";
import * as path from "path";
import type { PhaseName } from "../src/phases";
import { defaultS3, LedgerLocation, putIfAbsent, S3Factory } from "./ledger";

export interface StateArchive {
    /** Where copies go, for messages: a directory or `s3://bucket/prefix/state`. */
    readonly location: string;
    /** Keeps `state` (the export's text) as taken at `at` before `phase`'s `up`; returns where it went. */
    keep(env: string, phase: PhaseName, at: Date, state: string): Promise<string>;
}

/** The archive beside the ledger at `ledger` (the parsed `--ledger`: a directory or `s3://bucket/prefix`). */
export function openStateArchive(ledger: LedgerLocation, s3: S3Factory = defaultS3): StateArchive {
    if (ledger.kind === "file") return fileArchive(path.join(ledger.dir, "state"));
    const prefix = ledger.prefix.replace(/\/+$/, "");
    return s3Archive(ledger.bucket, `${prefix ? `${prefix}/` : ""}state`, s3);
}

/** ISO 8601 without colons (not allowed in Windows file names), so names still sort by time. */
function fileName(phase: PhaseName, at: Date): string {
    return `${at.toISOString().replace(/:/g, "-")}-${phase}.json`;
}

function fileArchive(dir: string): StateArchive {
    return {
        location: dir,
        async keep(env, phase, at, state) {
            const file = path.join(dir, env, fileName(phase, at));
            await fs.promises.mkdir(path.dirname(file), { recursive: true });
            // `wx`: a copy that exists is someone's known state; never replace it.
            await fs.promises.writeFile(file, state, { flag: "wx", mode: 0o600 });
            return file;
        },
    };
}

function s3Archive(bucket: string, prefix: string, createClient: S3Factory): StateArchive {
    return {
        location: `s3://${bucket}/${prefix}`,
        async keep(env, phase, at, state) {
            const key = `${prefix}/${env}/${fileName(phase, at)}`;
            await putIfAbsent(await createClient(), bucket, key, state, "application/json");
            return `s3://${bucket}/${key}`;
        },
    };
}
