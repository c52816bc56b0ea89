/**
 * Runs Pulumi code under `pulumi.runtime.setMocks` with the AWS model and records every registration
 * as the engine would see it: URN, type, name, parent URN and resolved inputs (secrets masked).
 * The offline synth runs the whole program through it; the component tests run one layer.
 */
import * as pulumi from "@pulumi/pulumi";
import { AwsModelOptions, createAwsModel } from "./aws-model";

export const SECRET_MASK = "[secret]";

export interface Registration {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** URN of the parent resource; undefined only for the root stack. */
    readonly parent?: string;
    readonly custom: boolean;
    readonly inputs: Record<string, any>;
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

/**
 * Calls `program` under mocks and waits until every registration it caused has been answered.
 * A resource the model cannot answer fails the run with the model's message instead of hanging it.
 */
export async function runUnderMocks<T>(options: MockRunOptions, program: () => T | Promise<T>): Promise<MockRunResult<T>> {
    const model = createAwsModel(options.model);
    let fail: (err: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => { fail = reject; });
    failed.catch(() => undefined);
    const run = { fail: (reason: unknown) => fail(reason) };
    activeRun = run;
    listenForEchoes();

    pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);
    await pulumi.runtime.setMocks({
        newResource(args) {
            try {
                return model.newResource(args);
            } catch (err) {
                fail(err);
                throw err;
            }
        },
        call(args) {
            try {
                return model.call(args);
            } catch (err) {
                fail(err);
                throw err;
            }
        },
    }, options.project, options.stack, false);

    const registrations: Registration[] = [];
    const urns = new Set<string>();
    const monitor = pulumi.runtime.getMonitor() as any;
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
                    inputs: maskSecrets(pulumi.runtime.deserializeProperties(req.getObject())),
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
        failures.splice(0, Math.max(0, failures.length - 19), err instanceof Error ? err.message : String(err));
        // The refused resource's outputs never resolve, so Pulumi's exit hook would call them leaked
        // promises and turn a finished process's exit code 0 into 1: the run has already answered.
        pulumi.runtime.resetOptions(options.project, options.stack, 1, "", "", false, "");
        throw err;
    } finally {
        if (activeRun === run) activeRun = undefined;
    }
}

/**
 * Two resources registered under one URN (same type and name): the engine fails the whole program
 * with "Duplicate resource URN '<urn>'; try giving it a unique name" (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go).
 */
export class DuplicateUrnError extends Error {
    constructor(readonly urn: string) {
        super(`Duplicate resource URN '${urn}': two resources of the same type share a name, which the engine refuses`);
        this.name = "DuplicateUrnError";
    }
}

/**
 * The URN the engine gives a resource. The mock monitor prefixes the root stack's type to the type
 * chain of the stack's children; the engine leaves it out (NewURN skips a RootStackType parent), and
 * targets must match the engine's URNs exactly.
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
