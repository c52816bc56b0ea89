/**
 * The scale benchmark's measurements (`npm run bench`, automation/bench-cli.ts): a prod-like stack with
 * N tenants, synthesized offline in a fresh process, and optionally rolled out through the scripted
 * engine; each child reports its own wall time and peak resident memory.
 *
 * Past `MAX_TENANTS` the schema refuses the environment, on purpose: the benchmark measures where the
 * design breaks, not a product that accepts it. So the config is validated by the product's own
 * `loadStackConfig` a schema's worth of tenants at a time (every tenant, and every other key, passes
 * exactly the checks a stack file would), the ids, slots and hostnames are checked unique across
 * all of them, and the program runs on that config through `synthesizeValidated`, which takes a
 * validated config instead of reading the stack's. A rehearsed rollout needs the whole driver and the
 * scripted engine to read the stack file, so above the cap it is not run.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { MAX_LISTENER_CERTIFICATES, MAX_TENANTS, PlatformConfig, TenantConfig } from "../src/config";
import { PROJECT_DIR } from "./cli";
import { UsageError } from "./errors";
import { loadStackConfig, readStackFile, StackFile } from "./stack-files";
import { compactTargets } from "./targets";

/** The tenant counts `npm run bench` measures unless `--tenants` says otherwise. */
export const DEFAULT_TENANT_COUNTS: readonly number[] = [2, 100, 500];

/** The stack the benchmark copies: prod's sizes, protections, domains and approvals. */
export const BENCH_ENV = "prod";

/** One tenant as written in a stack file (`bbws:tenants[]`). */
type RawTenant = Record<string, unknown> & { id: string; slot: number; domains?: unknown[] };

/**
 * `count` tenants shaped like the stack file's own, cycled (their cpu, memory, architecture, sidecar,
 * number of custom domains), with ids `t0001`, `t0002`, …, slots 1…count and custom domains made
 * unique by the id (`t0001-aupairhive.com`): what a grown prod would hold, for any count. Custom
 * domains are given only while the HTTPS listener's `MAX_LISTENER_CERTIFICATES` last (each has its
 * own certificate); later tenants are served on their platform hostname alone, as they would be.
 */
export function benchTenants(templates: readonly RawTenant[], count: number): RawTenant[] {
    if (templates.length === 0) throw new Error("the stack file has no tenants to copy");
    let certificatesLeft = MAX_LISTENER_CERTIFICATES;
    return Array.from({ length: count }, (_, i) => {
        const { domains, ...template } = templates[i % templates.length];
        const id = `t${String(i + 1).padStart(4, "0")}`;
        const tenant: RawTenant = { ...template, id, slot: i + 1 };
        if (domains && domains.length <= certificatesLeft) {
            certificatesLeft -= domains.length;
            tenant.domains = domains.map((d) => uniqueDomain(id, d));
        }
        return tenant;
    });
}

/** A stack file's custom domain (a hostname, or `{ name, … }`) with its name prefixed by `id`. */
function uniqueDomain(id: string, domain: unknown): unknown {
    if (typeof domain === "string") return `${id}-${domain}`;
    const d = domain as { name: string };
    return { ...d, name: `${id}-${d.name}` };
}

/** `env`'s stack file with its tenants replaced by `count` generated ones (see `benchTenants`). */
export function benchStackFile(projectDir: string, env: string, count: number): StackFile {
    const file = readStackFile(projectDir, env);
    const templates = file.config["bbws:tenants"] as RawTenant[];
    return { ...file, config: { ...file.config, "bbws:tenants": benchTenants(templates, count) } };
}

/**
 * The validated config of a benchmark stack file of any size: `loadStackConfig` on each slice of at
 * most `MAX_TENANTS` tenants, the slices' tenants joined, and the checks that span slices (unique id,
 * slot, hostname and the listener's certificate count) made here. Throws what `loadStackConfig` throws for an invalid slice.
 */
export function benchConfig(projectDir: string, stackFile: StackFile): PlatformConfig {
    const tenants = stackFile.config["bbws:tenants"] as RawTenant[];
    const slices: PlatformConfig[] = [];
    for (let i = 0; i < tenants.length; i += MAX_TENANTS) {
        const slice = { ...stackFile, config: { ...stackFile.config, "bbws:tenants": tenants.slice(i, i + MAX_TENANTS) } };
        slices.push(loadStackConfig(projectDir, stackFile.env, slice));
    }
    const all: TenantConfig[] = slices.flatMap((s) => s.tenants);
    const customDomains = all.reduce((n, t) => n + t.customDomains.length, 0);
    if (customDomains > MAX_LISTENER_CERTIFICATES)
        throw new Error(
            `benchmark config: ${customDomains} custom domains, more than the listener's ${MAX_LISTENER_CERTIFICATES} certificates`,
        );
    for (const [what, values] of [
        ["tenant id", all.map((t) => t.id)],
        ["tenant slot", all.map((t) => t.slot)],
        ["hostname", all.flatMap((t) => t.hostnames)],
    ] as const) {
        const seen = new Set<string | number>();
        for (const v of values) {
            if (seen.has(v)) throw new Error(`benchmark config: duplicate ${what} '${v}'`);
            seen.add(v);
        }
    }
    return Object.freeze({ ...slices[0], tenants: Object.freeze(all) });
}

/** What a child process reports of itself. */
export interface ChildUsage {
    /** Milliseconds from the child's start to its report, Node's own start-up excluded. */
    readonly wallMs: number;
    /**
     * Milliseconds of CPU (user and system) the child used: on a shared, loaded machine this moves less
     * than the wall time, which waits for the cores too.
     */
    readonly cpuMs: number;
    /** Peak resident set size in bytes (`process.resourceUsage().maxRSS`, which Node gives in KiB). */
    readonly peakRssBytes: number;
}

/** The synth of one benchmark stack. */
export interface SynthMeasurement extends ChildUsage {
    readonly tenants: number;
    readonly resources: number;
    /** Resources of the ecs phase, which its targeted preview and `up` select. */
    readonly ecsTargets: number;
    /** The `--target` values the driver passes for them (`compactTargets`: the layer component and one glob). */
    readonly ecsTargetFlags: number;
    /** Bytes those flags take in the CLI's argument strings, each string's terminating NUL counted. */
    readonly ecsTargetArgvBytes: number;
    /** Bytes one `--target` per URN would take, as the driver passed them before `compactTargets` (E2BIG from about 545 tenants). */
    readonly ecsLiteralArgvBytes: number;
}

/**
 * A rehearsed `--phase all` rollout of one benchmark stack (`wallMs`, `cpuMs` and `peakRssBytes` are
 * the driver's own; each scripted-engine call is a process of its own, counted in the wall time only).
 */
export interface RehearsalMeasurement extends ChildUsage {
    readonly tenants: number;
    /** The rollout's exit code: 0 when every phase succeeded and the stack converged. */
    readonly exitCode: number;
}

/** Bytes `args` take in a new process's argument area: each string and its terminating NUL (fs/exec.c, `copy_strings`). */
export function argvBytes(args: readonly string[]): number {
    return args.reduce((sum, a) => sum + Buffer.byteLength(a) + 1, 0);
}

/** The target flags a targeted preview of `targets` passes: `--target <urn or glob>` each (automation/local-engine.ts, the SDK's `preview`). */
export function targetFlags(targets: readonly string[]): string[] {
    return targets.flatMap((target) => ["--target", target]);
}

/** In a fresh process: synthesize the benchmark stack with `tenants` tenants and report the figures (stdout, JSON). */
async function synthChild(tenants: number): Promise<SynthMeasurement> {
    const started = performance.now();
    const { synthesizeValidated } = await import("./synth");
    const stackFile = benchStackFile(PROJECT_DIR, BENCH_ENV, tenants);
    const result = await synthesizeValidated(PROJECT_DIR, stackFile, benchConfig(PROJECT_DIR, stackFile));
    const ecs = result.resources.filter((r) => r.phase === "ecs").map((r) => r.urn);
    const flags = compactTargets(
        ecs,
        result.resources.map((r) => r.urn),
    );
    return {
        tenants,
        resources: result.resources.length,
        ecsTargets: ecs.length,
        ecsTargetFlags: flags.length,
        ecsTargetArgvBytes: argvBytes(targetFlags(flags)),
        ecsLiteralArgvBytes: argvBytes(targetFlags(ecs)),
        ...usage(started),
    };
}

/**
 * The benchmark stack file as YAML for a rehearsal: `benchStackFile`'s tenants, and no
 * `bbws:rollout.promoteFrom`, since a rehearsal starts with an empty ledger in which the environment
 * it is promoted from has completed nothing.
 */
function rehearsalStackFile(projectDir: string, env: string, tenants: number): string {
    const doc = parseDocument(fs.readFileSync(path.join(projectDir, `Pulumi.${env}.yaml`), "utf8"));
    doc.setIn(["config", "bbws:tenants"], benchStackFile(projectDir, env, tenants).config["bbws:tenants"]);
    doc.deleteIn(["config", "bbws:rollout", "promoteFrom"]);
    return doc.toString();
}

/** In a fresh process: `rollout --phase all --yes` of the benchmark stack through the scripted engine, every role approving. */
async function rehearseChild(tenants: number): Promise<RehearsalMeasurement> {
    if (tenants > MAX_TENANTS) throw new Error(`a rehearsal reads the stack file, which takes at most ${MAX_TENANTS} tenants`);
    const started = performance.now();
    const { prepareRehearsal } = await import("./rehearse");
    const { main } = await import("./rollout-cli");
    const { memoryIo } = await import("./io");
    const rehearsal = prepareRehearsal(PROJECT_DIR, BENCH_ENV, {
        stackFiles: { [BENCH_ENV]: rehearsalStackFile(PROJECT_DIR, BENCH_ENV, tenants) },
    });
    try {
        const cfg = loadStackConfig(rehearsal.projectDir, BENCH_ENV);
        const roles = [...new Set(Object.values(cfg.approvals).flat())];
        const approvals = roles.flatMap((role) => ["--approve", `${role}:bench-${role}`]);
        const io = memoryIo();
        const exitCode = await main(["--env", BENCH_ENV, "--phase", "all", "--yes", ...approvals], io, rehearsal.deps);
        if (exitCode !== 0) process.stderr.write(`${io.stderr.join("\n")}\n`);
        return { tenants, exitCode, ...usage(started) };
    } finally {
        fs.rmSync(rehearsal.dir, { recursive: true, force: true });
    }
}

function usage(started: number): ChildUsage {
    const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage();
    return {
        wallMs: Math.round(performance.now() - started),
        cpuMs: Math.round((userCPUTime + systemCPUTime) / 1000),
        peakRssBytes: maxRSS * 1024,
    };
}

/**
 * The child's command line. `node -r sucrase/register/ts` as `npm run synth` runs, in a process of its
 * own so that each count starts cold and its peak memory is its own.
 */
function childArgs(kind: "synth" | "rehearse", tenants: number): string[] {
    return ["-r", "sucrase/register/ts", path.join(__dirname, "bench.ts"), kind, String(tenants)];
}

/** Runs one measurement in a child process; rejects with the child's stderr when it fails. */
export function measureInChild<T>(kind: "synth" | "rehearse", tenants: number): Promise<T> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, childArgs(kind, tenants), { cwd: PROJECT_DIR, stdio: ["ignore", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.on("error", reject);
        child.on("close", (code, signal) => {
            const last = Buffer.concat(out).toString().trim().split("\n").pop() ?? "";
            if (code === 0 && last.startsWith("{")) return resolve(JSON.parse(last) as T);
            const why = signal ? `killed by ${signal}` : `exit ${code}`;
            reject(new Error(`${kind} at ${tenants} tenants failed (${why}):\n${Buffer.concat(err).toString().trim()}`));
        });
    });
}

/** `--tenants 2,100,500` as counts; each a whole number from 1 to 9999 (the tenant slot's range). */
export function parseTenantCounts(text: string): number[] {
    const counts = text.split(",").map((s) => s.trim());
    const bad = counts.filter((c) => !/^\d+$/.test(c) || Number(c) < 1 || Number(c) > 9999);
    if (bad.length > 0 || counts.length === 0) {
        throw new UsageError(
            "invalid-tenants",
            `--tenants expects comma-separated counts from 1 to 9999, got '${text}'`,
            "e.g. --tenants 2,100,500",
        );
    }
    return counts.map(Number);
}

if (require.main === module) {
    const [kind, count] = process.argv.slice(2);
    const children: Record<string, (tenants: number) => Promise<unknown>> = { synth: synthChild, rehearse: rehearseChild };
    const child = children[kind] ?? (() => Promise.reject(new Error(`unknown benchmark child '${kind}'`)));
    const run = child(Number(count));
    run.then(
        (m) => process.stdout.write(`${JSON.stringify(m)}\n`),
        (e: unknown) => {
            process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
            process.exitCode = 1;
        },
    );
}
