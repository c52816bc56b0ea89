/**
 * Runs Pulumi code under `pulumi.runtime.setMocks` with the AWS model and records every registration
 * as the engine would see it: URN, type, name, parent URN, resolved inputs (secrets masked), the
 * dependencies the SDK sends and the resource options, so offline tools read them instead of guessing.
 * The offline synth runs the whole program through it; the component tests run one layer.
 */
import * as pulumi from "@pulumi/pulumi";
import { AwsModelOptions, createAwsModel } from "./aws-model";
import { OfflineRefusalError } from "./refusal";

export const SECRET_MASK = "[secret]";

export interface Registration {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** URN of the parent resource; undefined only for the root stack. */
    readonly parent?: string;
    /**
     * True for a resource a provider manages; false for a component (ours, awsx's remote `Vpc`) and the
     * root stack, for which the engine stores no id or outputs. The one answer to "is it a component".
     */
    readonly custom: boolean;
    /**
     * True for a component a provider plugin constructs (awsx's `Vpc`): the engine sends it to its
     * package's provider, as it does a custom resource. False for ours, which the SDK builds in-process.
     */
    readonly remote: boolean;
    readonly inputs: Record<string, any>;
    /**
     * URNs the engine records as this resource's dependencies: `dependsOn` and every resource an input
     * came from. The SDK has already expanded a local component into its custom (and remote) children.
     */
    readonly dependencies: string[];
    /** Per input key, the URNs that key's value came from (CrossGuard's `propertyDependencies`). */
    readonly propertyDependencies: Record<string, string[]>;
    readonly options: RegisteredOptions;
}

/** The resource options the engine acts on, as the SDK sends them. */
export interface RegisteredOptions {
    /** A delete or replace fails until the resource is unprotected. */
    readonly protect: boolean;
    /** Input paths whose changes the engine ignores once the resource exists. */
    readonly ignoreChanges: string[];
    /** A replacement deletes the old resource before creating the new one. */
    readonly deleteBeforeReplace: boolean;
    /**
     * The program set `deleteBeforeReplace`, true or false (the request's `deleteBeforeReplaceDefined`); absent, the
     * engine follows the provider's request instead (step_generator.go; automation/rehearsal-engine/delete-first.ts `deletesFirst`).
     */
    readonly deleteBeforeReplaceDefined?: true;
    /** Leaving the program removes the resource from the state but not from AWS. */
    readonly retainOnDelete: boolean;
    /** Input paths whose change forces a replacement, on top of the provider's own. */
    readonly replaceOnChanges: string[];
    /** Former identities: a URN, or a spec of the parts that changed (`parent: null` for no parent). */
    readonly aliases: Array<string | RegisteredAlias>;
    /** `<provider urn>::<provider id>` of an explicit provider; undefined for the package's default one. */
    readonly provider?: string;
}

/** A former identity given by its parts; a missing part is the resource's own. */
export interface RegisteredAlias {
    readonly name?: string;
    readonly type?: string;
    readonly stack?: string;
    readonly project?: string;
    readonly parent?: string | null;
}

export interface MockRunOptions {
    readonly project: string;
    readonly stack: string;
    readonly model: AwsModelOptions;
    /** Config as the engine passes it: `ns:key` → string (objects as JSON text). */
    readonly config?: Record<string, string>;
    readonly secretKeys?: string[];
}

export interface MockRunResult<T> {
    readonly result: T;
    readonly registrations: Registration[];
}

/** The run under way: where an unhandled rejection that is not an echo belongs. */
let activeRun: { fail(reason: unknown): void } | undefined;
/** Messages of the last failed runs: a rejection quoting one is its echo. */
const failures: string[] = [];
let listening = false;

/**
 * A refused registration also rejects every resource that takes one of its outputs ("error
 * serializing property …: <the refusal>") outside any await. The first failure is the run's answer;
 * its echoes must not crash the process after the answer is printed, nor fail the next run. Any
 * other unhandled rejection fails the run under way, or is thrown as Node would.
 */
function listenForEchoes(): void {
    if (listening) return;
    listening = true;
    process.on("unhandledRejection", (reason) => {
        const text = reason instanceof Error ? reason.message : String(reason);
        if (failures.some((message) => text.includes(message))) return;
        if (activeRun) return activeRun.fail(reason);
        throw reason;
    });
}

/** Keeps `err`'s message among the last 20 failures, whose later rejections are echoes. */
function remember(err: unknown): void {
    failures.splice(0, Math.max(0, failures.length - 19), err instanceof Error ? err.message : String(err));
}

/**
 * Calls `program` under mocks and waits until every registration it caused has been answered.
 * A resource the model cannot answer fails the run with the model's message instead of hanging it.
 */
export async function runUnderMocks<T>(options: MockRunOptions, program: () => T | Promise<T>): Promise<MockRunResult<T>> {
    const model = createAwsModel(options.model);
    let fail: (err: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
        fail = reject;
    });
    failed.catch(() => undefined);
    const run = { fail: (reason: unknown) => fail(reason) };
    // Every refusal of the model is this run's: the first is its answer, and each one's rejection, which
    // may come after the answer (two routes refused in two tables), is an echo, not a crash.
    const refuse = (err: unknown) => {
        remember(err);
        fail(err);
    };
    activeRun = run;
    listenForEchoes();
    const restoreSdk = lightenSdkForMocks();

    pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                try {
                    return model.newResource(args);
                } catch (err) {
                    refuse(err);
                    throw err;
                }
            },
            call(args) {
                try {
                    return model.call(args);
                } catch (err) {
                    refuse(err);
                    throw err;
                }
            },
        },
        options.project,
        options.stack,
        false,
    );

    const registrations: Registration[] = [];
    const urns = new Set<string>();
    const monitor = pulumi.runtime.getMonitor() as any;
    // The SDK's mock monitor (runtime/mocks.js `MockMonitor.newUrn`) prefixes only the parent's own type,
    // so a grandchild's URN would drop its grandparent's (`TenantNetwork$…` for
    // `NetworkLayer$TenantNetwork$…`): the engine uses the parent's whole type chain.
    if (typeof monitor.newUrn !== "function") throw new Error("@pulumi/pulumi's mock monitor has no newUrn to correct: check mock-run.ts");
    monitor.newUrn = (parent: string, type: string, name: string) => engineUrnOf(options.project, options.stack, parent, type, name);
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
        register(req, (err: any, resp: any) => {
            if (!err) {
                const urn = engineUrn(resp.getUrn());
                // The mock monitor answers a second registration of a URN; the engine refuses the program.
                if (urns.has(urn)) fail(new DuplicateUrnError(urn));
                urns.add(urn);
                registrations.push({
                    urn,
                    type: req.getType(),
                    name: req.getName(),
                    parent: req.getParent() ? engineUrn(req.getParent()) : undefined,
                    custom: req.getCustom(),
                    remote: req.getRemote() === true,
                    inputs: maskSecrets(pulumi.runtime.deserializeProperties(req.getObject())),
                    ...declaredBy(req),
                });
            }
            callback(err, resp);
        });
    };

    try {
        const result = await Promise.race([Promise.resolve().then(program), failed]);
        await Promise.race([pulumi.runtime.disconnect(), failed]);
        return { result, registrations };
    } catch (err) {
        remember(err);
        // The refused resource's outputs never resolve, so Pulumi's exit hook would call them leaked
        // promises and turn a finished process's exit code 0 into 1: the run has already answered.
        pulumi.runtime.resetOptions(options.project, options.stack, 1, "", "", false, "");
        throw err;
    } finally {
        restoreSdk();
        if (activeRun === run) activeRun = undefined;
    }
}

/**
 * Work the SDK does for a deployment that a mocked run never reads, left out for the run's duration
 * (it was most of the offline synth's time and memory, and what made 500 tenants run out of memory;
 * README "Scale"). Each is undone by the returned function. With `PULUMI_DEBUG_PROMISE_LEAKS` set the
 * SDK is left as it is, so its leak report keeps every detail.
 */
function lightenSdkForMocks(): () => void {
    const fixed = fixedDynamicProviderText();
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return fixed;
    const undo = [fixed, skipPromiseTraces(), lazyOutputProperties(), skipSourcePositions()];
    return () => undo.forEach((restore) => restore());
}

/** What a dynamic resource's `__provider` input holds in a mock run: the code itself goes to the engine only. */
export const DYNAMIC_PROVIDER_TEXT = "[dynamic provider: serialized by the SDK for the engine]";

/**
 * A dynamic resource's `__provider` input is its provider's code, which the SDK serializes through the
 * inspector (@pulumi/pulumi 3.248.0 dynamic/index.js `serializeFunctionMaybeSecret`, calling
 * runtime/closure/serializeClosure.js `serializeFunction` through its module's exports) and caches per
 * provider. The first run of a process waits for that and later runs do not, so the resource's
 * registration moved between runs, and the synth was not the same twice; the text is also a few KB
 * of noise in every report. Here it is a fixed text, answered at once. That the provider does
 * serialize is tested on its own (test/components/secret-rotation.test.ts).
 */
function fixedDynamicProviderText(): () => void {
    type Serialize = (func: unknown, args?: unknown) => Promise<{ text: string; exportName: string; containsSecrets: boolean }>;
    return replaceExport<Serialize>(
        require("@pulumi/pulumi/runtime/closure/serializeClosure"),
        "serializeFunction",
        () => () => Promise.resolve({ text: DYNAMIC_PROVIDER_TEXT, exportName: "handler", containsSecrets: false }),
    );
}

/** `module[key]` replaced by `replacement(original)` until the returned undo. */
function replaceExport<T>(module: Record<string, T>, key: string, replacement: (original: T) => T): () => void {
    const original = module[key];
    module[key] = replacement(original);
    return () => {
        module[key] = original;
    };
}

/**
 * The SDK wraps every promise it tracks for its leak report in `debuggablePromise`, which stores
 * `new Error().stack` on it whatever the settings (@pulumi/pulumi 3.248.0 runtime/debuggable.js,
 * `debuggablePromise`: the `_debugStackTrace` property), and a context label built per property
 * (`transferProperty(<resource>, <key>, <value>)`, runtime/rpc.js `transferProperties`); only printing
 * them at exit is opt-in, with `PULUMI_DEBUG_PROMISE_LEAKS`. Formatting the traces was a fifth of a
 * synth's CPU (profiled at 50 tenants: 10 of 46 s). Here the wrapped call captures no frames
 * (`Error.stackTraceLimit` 0 for its duration) and keeps no label; the leak tracking itself, and every
 * other error's stack, are unchanged. The SDK calls it through its module's exports
 * (`debuggable_1.debuggablePromise(…)`), so replacing the export reaches every caller.
 */
function skipPromiseTraces(): () => void {
    type Debuggable = <T>(p: Promise<T>, ctx?: unknown) => Promise<T>;
    return replaceExport<Debuggable>(require("@pulumi/pulumi/runtime/debuggable"), "debuggablePromise", (traced) => (p) => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return traced(p);
        } finally {
            Error.stackTraceLimit = limit;
        }
    });
}

/** A property's resolver as `transferProperties` returns it (value, known, secret, dependencies, error). */
type Resolver = (...args: unknown[]) => void;
type TransferProperties = (onto: object, label: string, props: Record<string, unknown>) => Record<string, Resolver>;

/**
 * Every output property of a custom resource becomes an `Output` at construction, whether or not the
 * program ever reads it: four tracked promises and an `OutputImpl` of about a dozen more promises and
 * closures per property (runtime/rpc.js `transferProperties`, output.js `OutputImpl`), some 150 KB
 * per resource until the run ends, at 20,000 resources more memory than the machine gives a synth.
 * Here a property becomes that same `Output`, made by the SDK's own `transferProperties`, when it is
 * first read; a value the engine (the mock) answered before then is handed to it at once. A property
 * never read costs a getter and, once answered, the answer. What the program sees is unchanged: the
 * same own, enumerable property holding the same kind of `Output`.
 */
function lazyOutputProperties(): () => void {
    return replaceExport<TransferProperties>(
        require("@pulumi/pulumi/runtime/rpc"),
        "transferProperties",
        (eager) => (onto, label, props) => {
            const resolvers: Record<string, Resolver> = {};
            for (const key of Object.keys(props)) {
                if (key === "id" || key === "urn") continue;
                if (Object.prototype.hasOwnProperty.call(onto, key)) {
                    throw new Error(`Property '${key}' is already initialized on target '${label}`);
                }
                let answered: unknown[] | undefined;
                let resolve: Resolver | undefined;
                const settle = (value: unknown) =>
                    Object.defineProperty(onto, key, { value, writable: true, enumerable: true, configurable: true });
                Object.defineProperty(onto, key, {
                    enumerable: true,
                    configurable: true,
                    get() {
                        // The SDK reads a property's input only to label its promises, which this run drops.
                        delete (onto as Record<string, unknown>)[key];
                        resolve = eager(onto, label, { [key]: undefined })[key];
                        if (answered) resolve(...answered);
                        return (onto as Record<string, unknown>)[key];
                    },
                    set: settle,
                });
                resolvers[key] = (...args) => (resolve ? resolve(...args) : (answered = args));
            }
            return resolvers;
        },
    );
}

/**
 * The SDK records each resource's source position by formatting a stack trace of unlimited depth
 * (resource.js `Resource.callsites`, `Error.stackTraceLimit = Infinity`) for the engine's diagnostics;
 * the mock monitor drops it and no registration here keeps it.
 */
function skipSourcePositions(): () => void {
    return replaceExport<() => unknown[]>(pulumi.Resource as unknown as Record<string, () => unknown[]>, "stackTrace", () => () => []);
}

/** What the request says besides the resource itself: its dependencies and options, URNs in the engine's form. */
function declaredBy(req: any): Pick<Registration, "dependencies" | "propertyDependencies" | "options"> {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
        propertyDependencies[key] = deps.getUrnsList().map(engineUrn);
    });
    const provider: string = req.getProvider();
    return {
        dependencies: req.getDependenciesList().map(engineUrn),
        propertyDependencies,
        options: {
            protect: req.getProtect() === true,
            ignoreChanges: req.getIgnorechangesList(),
            deleteBeforeReplace: req.getDeletebeforereplace() === true,
            ...(req.getDeletebeforereplacedefined() === true ? { deleteBeforeReplaceDefined: true as const } : {}),
            retainOnDelete: req.getRetainondelete() === true,
            replaceOnChanges: req.getReplaceonchangesList(),
            aliases: req.getAliasesList().map(aliasOf),
            provider: provider ? engineUrn(provider) : undefined,
        },
    };
}

/** An alias as the SDK sent it: a whole URN, or a spec holding only the parts that differ. */
function aliasOf(alias: any): string | RegisteredAlias {
    if (alias.hasUrn()) return engineUrn(alias.getUrn());
    const spec = alias.getSpec();
    const parent = spec.getNoparent() ? null : spec.getParenturn() ? engineUrn(spec.getParenturn()) : undefined;
    const parts = { name: spec.getName(), type: spec.getType(), stack: spec.getStack(), project: spec.getProject() };
    return { ...Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== "")), ...(parent !== undefined ? { parent } : {}) };
}

/**
 * Two resources registered under one URN (same type and name): the engine fails the whole program
 * with "Duplicate resource URN '<urn>'; try giving it a unique name" (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go).
 */
export class DuplicateUrnError extends OfflineRefusalError {
    constructor(readonly urn: string) {
        super(`Duplicate resource URN '${urn}': two resources of the same type share a name, which the engine refuses`);
        this.name = "DuplicateUrnError";
    }
}

/**
 * The URN the engine gives a resource registered under `parent` (a URN, or empty for none): the
 * parent's whole type chain, then `$` and the type, except that the root stack's type is left out
 * (pulumi/pulumi pkg/resource/deploy/deployment.go `generateURN`).
 */
export function engineUrnOf(project: string, stack: string, parent: string, type: string, name: string): string {
    const parentChain = parent ? parent.split("::")[2] : "";
    const chain = parentChain && parentChain !== "pulumi:pulumi:Stack" ? `${parentChain}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${chain}::${name}`;
}

/**
 * The URN the engine gives a resource, from one the SDK's own mock monitor made: that prefixes the
 * root stack's type to the type chain of the stack's children, which the engine leaves out (NewURN
 * skips a RootStackType parent), and targets must match the engine's URNs exactly. URNs made by
 * `engineUrnOf` pass unchanged.
 */
export function engineUrn(mockUrn: string): string {
    return mockUrn.replace("::pulumi:pulumi:Stack$", "::");
}

/** Replaces every secret value with `[secret]`, at any depth. */
export function maskSecrets(value: any): any {
    if (pulumi.runtime.isRpcSecret(value)) return SECRET_MASK;
    if (Array.isArray(value)) return value.map(maskSecrets);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
    }
    return value;
}
