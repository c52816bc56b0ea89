/**
 * What the registrations in `construct` do not carry: the resource options (`protect`,
 * `retainOnDelete`, `ignoreChanges`, `deleteBeforeReplace`, explicit dependencies) and the raw inputs with secrets still wrapped, so a test
 * can read a secret's content on purpose. Call `recordOptions()` inside `construct`'s callback, before
 * building the component.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedOptions {
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    /** Input properties whose changes the engine ignores after creation. */
    readonly ignoreChanges: readonly string[];
    /** Whether a replacement deletes the old resource before creating the new one. */
    readonly deleteBeforeReplace: boolean;
    /** URNs this resource waits for: `dependsOn` and the resources its inputs come from. */
    readonly dependencies: readonly string[];
    /** Inputs as the engine receives them; a secret is `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value }`. */
    readonly rawInputs: Record<string, any>;
}

/** Records, by logical name, the options of every resource registered from now until the run ends. */
export function recordOptions(): Map<string, RecordedOptions> {
    const recorded = new Map<string, RecordedOptions>();
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
        recorded.set(req.getName(), {
            protect: req.getProtect() === true,
            retainOnDelete: req.getRetainondelete() === true,
            ignoreChanges: req.getIgnorechangesList(),
            deleteBeforeReplace: req.getDeletebeforereplace() === true,
            dependencies: req.getDependenciesList(),
            rawInputs: pulumi.runtime.deserializeProperties(req.getObject()),
        });
        register(req, callback);
    };
    return recorded;
}

/** The plain value of a raw input, whether or not it was marked secret. */
export function unwrapSecret(value: any): any {
    return pulumi.runtime.isRpcSecret(value) ? value.value : value;
}

/** Every string found in a value, at any depth. */
export function stringsIn(value: any): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(stringsIn);
    if (value && typeof value === "object") return Object.values(value).flatMap(stringsIn);
    return [];
}
