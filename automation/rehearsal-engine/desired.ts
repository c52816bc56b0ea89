/**
 * The desired state of a stack: our offline synth of the program (the same URNs, types, parents,
 * inputs, dependencies and options the real engine receives), plus what AWS would answer on create
 * (ids and outputs, from the AWS model). The synth costs a second and a half, so its result is cached
 * on disk per stack file and program source.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RegisteredOptions } from "../mock-run";
import { readJson, writeJson } from "./scenario";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The synth's own code: a change to it changes the answer too. */
const SYNTH_FILES = ["synth.ts", "mock-run.ts", "aws-model.ts", "stack-files.ts"];

export interface DesiredResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    /** False for components and the root stack: the engine stores no id or outputs for them. */
    readonly custom: boolean;
    readonly inputs: Record<string, unknown>;
    /** What AWS answers on create: the id, and the inputs plus computed attributes. */
    readonly id: string;
    readonly outputs: Record<string, unknown>;
    /** URNs the program made this resource depend on (`dependsOn` and its inputs' sources), as recorded by the synth. */
    readonly dependencies: string[];
    /** Per input key, the URNs its value came from. */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    readonly options: RegisteredOptions;
    /** `<provider urn>::<provider id>`, as in the engine's state; empty for providers and components. */
    readonly provider: string;
}

export interface DesiredState {
    readonly project: string;
    readonly stack: string;
    /** The stack's AWS region (`SynthResult.region`). */
    readonly region: string;
    readonly resources: DesiredResource[];
    readonly outputs: Record<string, unknown>;
    /** The stack's config as the engine shows it in the prelude event. */
    readonly config: Record<string, string>;
}

/** The desired state of `stack` for the project in `projectDir`, from the cache when nothing changed. */
export async function desiredState(projectDir: string, stack: string): Promise<DesiredState> {
    const cache = path.join(os.tmpdir(), "bbws-scripted-pulumi-synth", `${cacheKey(projectDir, stack)}.json`);
    const cached = readJson<DesiredState>(cache);
    if (cached) return cached;
    const state = await synthesizeDesired(projectDir, stack);
    writeJson(cache, state);
    return state;
}

/** Everything the synth's answer depends on: the project and stack files and the program's source. */
function cacheKey(projectDir: string, stack: string): string {
    const hash = createHash("sha256").update(stack);
    const files = [path.join(projectDir, "Pulumi.yaml"), path.join(projectDir, `Pulumi.${stack}.yaml`)];
    for (const dir of ["src", "components"]) files.push(...sourceFiles(path.join(REPO_ROOT, dir)));
    for (const file of SYNTH_FILES) files.push(path.join(REPO_ROOT, "automation", file));
    // Names relative to their folder: the same stack file in another (temporary) project is the same answer.
    for (const file of files) {
        hash.update(path.relative(file.startsWith(REPO_ROOT) ? REPO_ROOT : projectDir, file)).update("\0");
        hash.update(fs.existsSync(file) ? fs.readFileSync(file) : "").update("\0");
    }
    return hash.digest("hex").slice(0, 24);
}

function sourceFiles(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((entry) => {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) return sourceFiles(full);
            return entry.name.endsWith(".ts") ? [full] : [];
        })
        .sort();
}

async function synthesizeDesired(projectDir: string, stack: string): Promise<DesiredState> {
    const { synthesize } = await import("../synth");
    const { loadStackConfig, readStackFile, engineConfig } = await import("../stack-files");
    const { createAwsModel } = await import("../aws-model");
    const synth = await synthesize(projectDir, stack);
    const cfg = loadStackConfig(projectDir, stack);
    const model = createAwsModel({ accountId: cfg.accountId, region: cfg.region, azCount: cfg.network.azCount });

    const providers = new Map<string, string>();
    const answered = synth.resources.map((r) => {
        if (r.type.startsWith("pulumi:providers:")) {
            const id = uuidFrom(r.urn);
            providers.set(r.type.slice("pulumi:providers:".length), `${r.urn}::${id}`);
            return { ...r, id, outputs: r.inputs };
        }
        if (!r.custom) return { ...r, id: "", outputs: {} };
        const { id, state } = model.newResource({ type: r.type, name: r.name, inputs: r.inputs, provider: "", custom: true }) as {
            id: string;
            state: Record<string, unknown>;
        };
        return { ...r, id, outputs: state };
    });
    const resources = answered.map((r): DesiredResource => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        custom: r.custom,
        inputs: r.inputs,
        id: r.id,
        outputs: r.outputs,
        dependencies: [...r.dependencies],
        propertyDependencies: r.propertyDependencies,
        options: r.options,
        provider:
            r.custom && !r.type.startsWith("pulumi:providers:") ? (r.options.provider ?? providers.get(r.type.split(":")[0]) ?? "") : "",
    }));
    return {
        project: synth.project,
        stack,
        region: synth.region,
        resources,
        outputs: synth.outputs,
        config: engineConfig(readStackFile(projectDir, stack)),
    };
}

/** A stable UUID-shaped id (providers' ids look like this). */
export function uuidFrom(text: string): string {
    const h = createHash("sha256").update(text).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
