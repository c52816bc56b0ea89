/**
 * The offline synth: runs the real program for one stack under the AWS model and lists every
 * resource the engine would see, with the phase it belongs to. No AWS account, no Pulumi CLI.
 */
import * as fs from "fs";
import * as path from "path";
import { PHASES, PhaseName } from "../src/phases";
import type { Registration, RegisteredOptions } from "./mock-run";
import { UsageError } from "./errors";
import { engineConfig, loadStackConfig, readStackFile, StackFile } from "./stack-files";
import { OfflineRefusalError } from "./refusal";
import type { PlatformConfig } from "../src/config";

export interface SynthResource {
    readonly urn: string;
    /** Pulumi type token, e.g. `aws:ec2/securityGroup:SecurityGroup`. */
    readonly type: string;
    readonly name: string;
    /** The layer the resource lives under, or `stack` for the root stack and providers. */
    readonly phase: PhaseName | "stack";
    /** Parent URN; null for the root stack. */
    readonly parent: string | null;
    /** False for components and the root stack: the engine stores no id or outputs for them. */
    readonly custom: boolean;
    /** Inputs as resolved values, secrets replaced by `[secret]`. */
    readonly inputs: Record<string, unknown>;
    /** URNs the engine records as dependencies: `dependsOn` and every resource an input came from. */
    readonly dependencies: readonly string[];
    /** Per input key, the URNs its value came from. */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    /** The resource options the program set, as the engine receives them. */
    readonly options: RegisteredOptions;
}

export interface SynthResult {
    readonly project: string;
    readonly stack: string;
    /** The stack's AWS region (`aws:region`): where its resources without a `region` input are. */
    readonly region: string;
    readonly resources: SynthResource[];
    readonly outputs: Record<string, unknown>;
}

export interface SynthOptions {
    /** Replaces the stack file's config keys (raw values, as in YAML): used for what-if runs. */
    readonly configOverrides?: Record<string, unknown>;
}

/** Runs the program of `env`'s stack under mocks. Config errors surface before Pulumi is loaded. */
export async function synthesize(projectDir: string, env: string, options: SynthOptions = {}): Promise<SynthResult> {
    const file = readStackFile(projectDir, env);
    const stackFile: StackFile = { ...file, config: { ...file.config, ...options.configOverrides } };
    const cfg = loadStackConfig(projectDir, env, stackFile);
    // The program reads and validates its config itself, as under `pulumi up`.
    return runSynth(projectDir, stackFile, cfg, ({ createPlatform, loadConfig }) => createPlatform(loadConfig()));
}

/**
 * Runs the program on `cfg`, a configuration the caller has already validated, instead of letting the
 * program read the stack's config map: the benchmark's door to environments larger than the schema
 * accepts (`MAX_TENANTS`), whose tenants it validates with `parseConfig` a schema's worth at a time
 * (automation/bench.ts). `stackFile` still supplies the project and the config the engine would pass
 * (the AWS provider's keys). Nothing an operator runs goes through here.
 */
export async function synthesizeValidated(projectDir: string, stackFile: StackFile, cfg: PlatformConfig): Promise<SynthResult> {
    return runSynth(projectDir, stackFile, cfg, ({ createPlatform }) => createPlatform(cfg));
}

type Program = typeof import("../src/program");
type LoadConfig = typeof import("../src/load-config");

async function runSynth(
    projectDir: string,
    stackFile: StackFile,
    cfg: PlatformConfig,
    program: (modules: Program & LoadConfig) => unknown,
): Promise<SynthResult> {
    const env = stackFile.env;
    // Loaded only now: importing Pulumi costs about a second, which `--help` and bad input should not pay.
    const pulumi = await import("@pulumi/pulumi");
    const { runUnderMocks, maskSecrets } = await import("./mock-run");
    const modules = { ...(await import("../src/program")), ...(await import("../src/load-config")) };

    const { result: outputs, registrations } = await runUnderMocks(
        {
            project: stackFile.project,
            stack: env,
            model: { accountId: cfg.accountId, region: cfg.region, azCount: cfg.network.azCount },
            config: engineConfig(stackFile),
            secretKeys: stackFile.secretKeys,
        },
        () => pulumi.runtime.runInPulumiStack(async () => program(modules)),
    ).catch((err: unknown) => {
        // What AWS or the engine would refuse for this config is bad input, reported without a stack trace.
        if (err instanceof OfflineRefusalError) {
            throw new UsageError(
                "refused-by-aws-rules",
                `${stackFile.path}: ${err.message}`,
                'change the config value that produces this name; README "Names and AWS\'s limits" lists each rule',
            );
        }
        throw err;
    });

    const phases = phasesByUrn(registrations);
    const resources = [
        ...registrations.map((r) => toSynthResource(r, phases.get(r.urn) ?? "stack")),
        ...defaultProviders(stackFile.project, env, registrations, projectDir),
    ];
    return { project: stackFile.project, stack: env, region: cfg.region, resources, outputs: maskSecrets(outputs ?? {}) };
}

function toSynthResource(r: Registration, phase: PhaseName | "stack"): SynthResource {
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        phase,
        parent: r.parent ?? null,
        custom: r.custom,
        inputs: r.inputs,
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
        options: r.options,
    };
}

/**
 * The phase of every resource: the layer component among its ancestors (or itself), `stack` when
 * none is. Each resource takes its parent's answer, remembered once found: linear in resources,
 * where walking each one's ancestry through a map rebuilt per resource was quadratic (20,000
 * resources at 500 tenants).
 */
export function phasesByUrn(registrations: readonly Registration[]): Map<string, PhaseName | "stack"> {
    const layerPhase = new Map<string, PhaseName>(PHASES.map((p) => [p.type, p.name]));
    const phases = new Map<string, PhaseName | "stack">();
    const byUrn = new Map(registrations.map((r) => [r.urn, r]));
    const phaseOf = (r: Registration): PhaseName | "stack" => {
        const known = phases.get(r.urn);
        if (known) return known;
        const own = layerPhase.get(r.type);
        const parent = r.parent === undefined ? undefined : byUrn.get(r.parent);
        const phase = own ?? (parent ? phaseOf(parent) : "stack");
        phases.set(r.urn, phase);
        return phase;
    };
    for (const r of registrations) phaseOf(r);
    return phases;
}

/** The package of dynamic resources (`pulumi-nodejs:dynamic/<module>:<type>`, @pulumi/pulumi `dynamic/index.ts`). */
export const DYNAMIC_PROVIDER_PACKAGE = "pulumi-nodejs";

/**
 * The engine creates a default provider per package the program uses, outside the program: list
 * them too, with the URN the engine gives them (`default_<version>`), so the synth shows every
 * resource a first `pulumi up` creates.
 */
function defaultProviders(project: string, env: string, registrations: readonly Registration[], projectDir: string): SynthResource[] {
    const packages = new Set(defaultProviderPackages(registrations));
    const root = registrations.find((r) => r.type === "pulumi:pulumi:Stack");
    return [...packages].sort().map((pkg) => {
        // The language host serves dynamic resources itself; the SDK registers them with no provider
        // version, so the engine names that provider `default` (e.g. `pulumi:providers:pulumi-nodejs::default` in state files).
        const version = pkg === DYNAMIC_PROVIDER_PACKAGE ? undefined : packageVersion(projectDir, pkg);
        const name = version === undefined ? "default" : `default_${version.replace(/\./g, "_")}`;
        return {
            urn: `urn:pulumi:${env}::${project}::pulumi:providers:${pkg}::${name}`,
            type: `pulumi:providers:${pkg}`,
            name,
            phase: "stack",
            parent: root?.urn ?? null,
            custom: true,
            inputs: version === undefined ? {} : { version },
            dependencies: [],
            propertyDependencies: {},
            options: DEFAULT_OPTIONS,
        };
    });
}

/**
 * The packages whose default provider the engine loads: those of the resources it sends to a
 * provider (custom resources and remote components) without an explicit one. Local components and
 * the stack never reach a provider, and a provider resource is not served by one.
 */
export function defaultProviderPackages(registrations: readonly Registration[]): string[] {
    const served = registrations.filter(
        (r) => (r.custom || r.remote) && r.options.provider === undefined && !r.type.startsWith("pulumi:providers:"),
    );
    return [...new Set(served.map((r) => r.type.split(":")[0]))].sort();
}

/** What the engine assumes for a resource the program sets no options on. */
export const DEFAULT_OPTIONS: RegisteredOptions = {
    protect: false,
    ignoreChanges: [],
    deleteBeforeReplace: false,
    retainOnDelete: false,
    replaceOnChanges: [],
    aliases: [],
};

function packageVersion(projectDir: string, pkg: string): string {
    const file = path.join(projectDir, "node_modules", "@pulumi", pkg, "package.json");
    return JSON.parse(fs.readFileSync(file, "utf8")).version;
}
