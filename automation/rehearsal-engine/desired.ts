/**
 * The desired state of a stack: our offline synth of the program (the same URNs, types, parents and
 * inputs the real engine computes), plus what AWS would answer on create (ids and outputs, from the
 * AWS model) and the dependencies between resources. The synth costs a second and a half, so its
 * result is cached on disk per stack file and program source.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
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
    /** URNs of the resources whose id or ARN this one's inputs use. */
    readonly dependencies: string[];
    /** `<provider urn>::<provider id>`, as in the engine's state; empty for providers and components. */
    readonly provider: string;
}

export interface DesiredState {
    readonly project: string;
    readonly stack: string;
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
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return sourceFiles(full);
        return entry.name.endsWith(".ts") ? [full] : [];
    }).sort();
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
        const custom = isCustom(r.type);
        if (r.type.startsWith("pulumi:providers:")) {
            const id = uuidFrom(r.urn);
            providers.set(r.type.slice("pulumi:providers:".length), `${r.urn}::${id}`);
            return { ...r, custom, id, outputs: r.inputs };
        }
        if (!custom) return { ...r, custom, id: "", outputs: {} };
        const { id, state } = model.newResource({ type: r.type, name: r.name, inputs: r.inputs, provider: "", custom: true }) as
            { id: string; state: Record<string, unknown> };
        return { ...r, custom, id, outputs: state };
    });
    const resources = answered.map((r): DesiredResource => ({
        urn: r.urn, type: r.type, name: r.name, parent: r.parent, custom: r.custom, inputs: r.inputs, id: r.id, outputs: r.outputs,
        dependencies: dependenciesOf(r, answered),
        provider: r.custom && !r.type.startsWith("pulumi:providers:") ? providers.get(r.type.split(":")[0]) ?? "" : "",
    }));
    return { project: synth.project, stack, resources, outputs: synth.outputs, config: engineConfig(readStackFile(projectDir, stack)) };
}

/** Our layers and the root stack are components; awsx's VPC is one too, though the synth sees it as one resource. */
function isCustom(type: string): boolean {
    return !(type.startsWith("bbws:") || type === "pulumi:pulumi:Stack" || type.startsWith("awsx:"));
}

/**
 * Dependencies as the engine would record them, recovered from values: a resource depends on another
 * when one of its inputs is that resource's id or ARN (or a JSON document, e.g. a policy, quotes the
 * ARN). A resource's outputs repeat its inputs, so only an id or ARN it does not take as input is its
 * own; short ids ("none") are ignored so that a coincidence does not make a dependency.
 */
function dependenciesOf(r: { urn: string; inputs: Record<string, unknown> }, all: ReadonlyArray<{ urn: string; custom: boolean; id: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }>): string[] {
    const leaves = leafStrings(r.inputs);
    const documents = leaves.filter((s) => s.startsWith("{"));
    const exact = new Set(leaves);
    return all.filter((other) => other.urn !== r.urn && other.custom).filter((other) => {
        const own = new Set(leafStrings(other.inputs));
        const identity = [other.id, other.outputs.arn].filter((v): v is string => typeof v === "string" && v.length >= 8 && !own.has(v));
        return identity.some((id) => exact.has(id) || documents.some((d) => d.includes(`"${id}"`)));
    }).map((other) => other.urn);
}

function leafStrings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(leafStrings);
    if (value && typeof value === "object") return Object.values(value).flatMap(leafStrings);
    return [];
}

/** A stable UUID-shaped id (providers' ids look like this). */
export function uuidFrom(text: string): string {
    const h = createHash("sha256").update(text).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
