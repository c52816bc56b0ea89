/**
 * The scripted engine's world, all of it in one folder (`BBWS_ENGINE_HOME`): the stacks' state, their
 * history, a lock, the log of every argv the SDK issued, and the scenario (faults to inject). Tests
 * and the rehearsal set it up with these helpers; the engine reads it on every call, so a test can
 * change the scenario between two calls.
 */
import * as fs from "fs";
import * as path from "path";

/** Environment variable naming the engine's folder; the SDK passes it on to every CLI call. */
export const ENGINE_HOME_VAR = "BBWS_ENGINE_HOME";

/** What the scripted `pulumi` should do differently this time. Every field is optional. */
export interface Scenario {
    /** What `pulumi version` prints; default `v3.248.0` (above 3.205: events over gRPC). */
    readonly version?: string;
    /** What `pulumi whoami` reports as the backend; default `file://<engine home>`. */
    readonly backendUrl?: string;
    /** The update fails at the first resource whose URN ends with `::<name>` (or is this URN). */
    readonly failOn?: { readonly resource: string; readonly message?: string };
    /** This resource takes this long (ms), so the driver's heartbeat has something to report. */
    readonly slow?: { readonly resource: string; readonly ms: number };
    /** After this many resource operations of an `up`, the CLI gets SIGINT, as from Ctrl-C. */
    readonly interruptAfter?: number;
    /** The CLI is killed (SIGKILL) while this resource is being created or updated, leaving a pending operation. */
    readonly crashOn?: string;
    /** Before an `up` applies a plan, someone else changes this resource's input in state. */
    readonly changeStateBeforeUp?: { readonly resource: string; readonly key: string; readonly value: unknown };
    /** Changes made outside Pulumi ("the cloud"), seen by `refresh`: resource → output key → value. */
    readonly drift?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
    /**
     * Not the engine's: images (`bbws/wordpress:<tag>`) the rehearsal's ECR does not have although
     * their repository exists. Every other tag of a created repository is there.
     */
    readonly missingImages?: readonly string[];
    /**
     * Not the engine's: Service Quotas values applied to the rehearsal's account, by quota code
     * (`L-0EA8095F`); every other quota has AWS's default (automation/quotas.ts `serviceQuotasDouble`).
     */
    readonly appliedQuotas?: Readonly<Record<string, number>>;
    /**
     * Not the engine's: how many resources the rehearsal's account holds outside the stack, by the
     * quota they spend (`vpcsPerRegion`, `natGatewaysPerAz`, `dbClustersPerRegion`, … of automation/quota-usage.ts
     * `accountResourcesDouble`, besides a new account's default VPC and internet gateway; and
     * `rolesPerAccount`, `accountRolesDouble`).
     */
    readonly otherResources?: Readonly<Record<string, number>>;
}

/** Who holds the stack's lock, and how the backend words it. */
export interface Lock {
    readonly backend: "service" | "self-managed";
    readonly holder: string;
}

/** One CLI call, as logged by the engine. */
export interface ArgvRecord {
    readonly argv: string[];
    readonly cwd: string;
    /** The CLI process, so a test can tell whether a killed driver left it running. */
    readonly pid: number;
}

/** `<home>/scenario.json`: the faults to inject, re-read on every CLI call. */
export function scenarioFile(home: string): string {
    return path.join(home, "scenario.json");
}

/** `<home>/stacks/<stack>.json`: the stack's state as `pulumi stack export` prints it. */
export function stateFile(home: string, stack: string): string {
    return path.join(home, "stacks", `${stack}.json`);
}

/** `<home>/history/<stack>.json`: the stack's updates, newest first. */
export function historyFile(home: string, stack: string): string {
    return path.join(home, "history", `${stack}.json`);
}

/** `<home>/locks/<stack>.json`: present while an update holds the stack (a `Lock`); `pulumi cancel` removes it. */
export function lockFile(home: string, stack: string): string {
    return path.join(home, "locks", `${stack}.json`);
}

/** `<home>/argv.jsonl`: one `ArgvRecord` per line, appended by every CLI call. */
export function argvLogFile(home: string): string {
    return path.join(home, "argv.jsonl");
}

/** Replaces the scenario (atomically, see `writeJson`); takes effect from the next CLI call. */
export function writeScenario(home: string, scenario: Scenario): void {
    writeJson(scenarioFile(home), scenario);
}

/** The current scenario; `{}` (no faults) when none was written. Throws on a file that is not JSON. */
export function readScenario(home: string): Scenario {
    return readJson<Scenario>(scenarioFile(home)) ?? {};
}

/** Marks the stack as locked by `lock.holder`, as if another update were running: the next update is refused. */
export function writeLock(home: string, stack: string, lock: Lock): void {
    writeJson(lockFile(home, stack), lock);
}

/** Every argv logged so far, in order. */
export function readArgvLog(home: string): ArgvRecord[] {
    if (!fs.existsSync(argvLogFile(home))) return [];
    return fs
        .readFileSync(argvLogFile(home), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
}

/** The parsed file, unchecked against `T`; undefined when it does not exist. Other read errors and invalid JSON (`SyntaxError`) propagate. */
export function readJson<T>(file: string): T | undefined {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as T;
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
    }
}

/** Written whole, then renamed: a reader never sees half a file. */
export function writeJson(file: string, value: unknown): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
    fs.renameSync(temporary, file);
}
