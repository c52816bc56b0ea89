/**
 * Reads Pulumi.yaml and Pulumi.<env>.yaml the way the engine does, without the engine: the project
 * name, and the stack's config as the flat `ns:key` map the program sees.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { cidrsOverlap, ConfigError, parseConfig, PlatformConfig } from "../src/config";
import { UsageError } from "./errors";

export interface StackFile {
    readonly project: string;
    readonly env: string;
    readonly path: string;
    readonly secretsProvider?: string;
    /** `ns:key` → value as written in YAML (objects stay objects). Secure values are `[secret]`. */
    readonly config: Record<string, unknown>;
    /** Keys whose value is `secure:` (encrypted) in the stack file. */
    readonly secretKeys: string[];
}

/** Environments with a stack file, in the order dev, sit, prod, then any others alphabetically. */
export function listEnvironments(projectDir: string): string[] {
    const order = ["dev", "sit", "prod"];
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((e): e is string => e !== undefined)
        .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
}

/** The `name` in `<projectDir>/Pulumi.yaml`. Throws `UsageError` (`unreadable-config`, `invalid-config`, `invalid-project`) when the file is missing, not YAML or has no name. */
export function readProjectName(projectDir: string): string {
    const file = path.join(projectDir, "Pulumi.yaml");
    const doc = readYaml(file);
    if (typeof doc?.name !== "string") throw new UsageError("invalid-project", `${file}: no project \`name\``);
    return doc.name;
}

/**
 * `Pulumi.<env>.yaml` as written, secure values masked as `[secret]` and listed in `secretKeys`; not
 * validated (see `loadStackConfig`). Throws `UsageError`: `unknown-env` when there is no such file,
 * `unreadable-config` or `invalid-config` when it cannot be read, is not YAML, or `config` is not a map.
 */
export function readStackFile(projectDir: string, env: string): StackFile {
    const known = listEnvironments(projectDir);
    if (!known.includes(env)) {
        throw new UsageError(
            "unknown-env",
            `unknown environment '${env}'`,
            `use one of: ${known.join(", ")} (each has a Pulumi.<env>.yaml in ${projectDir})`,
        );
    }
    const file = path.join(projectDir, `Pulumi.${env}.yaml`);
    return stackFileOf(projectDir, env, file, readYaml(file));
}

/** A stack file from its parsed YAML `doc`; throws `UsageError` `invalid-config` when `config` is not a map. */
function stackFileOf(projectDir: string, env: string, file: string, parsed: any): StackFile {
    const doc = parsed ?? {};
    const rawConfig = doc.config ?? {};
    if (typeof rawConfig !== "object" || Array.isArray(rawConfig)) {
        throw new UsageError("invalid-config", `${file}: \`config\` must be a map of keys to values`);
    }
    const config: Record<string, unknown> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(rawConfig as Record<string, unknown>)) {
        const isSecure = value !== null && typeof value === "object" && "secure" in (value as object);
        if (isSecure) secretKeys.push(key);
        config[key] = isSecure ? "[secret]" : value;
    }
    return { project: readProjectName(projectDir), env, path: file, secretsProvider: doc.secretsprovider, config, secretKeys };
}

/**
 * The stack's validated config; a config problem becomes a usage error listing every problem. Also
 * checks what one stack file cannot know: `bbws:rollout.promoteFrom` names another environment that
 * has a stack file, and no other environment's VPC range overlaps this one's (peering and the DR
 * region need distinct ranges; the VPC user guide refuses peering overlapping CIDRs).
 */
export function loadStackConfig(projectDir: string, env: string, stackFile = readStackFile(projectDir, env)): PlatformConfig {
    let cfg: PlatformConfig;
    try {
        cfg = parseConfig(env, stackFile.config);
    } catch (err) {
        if (err instanceof ConfigError) {
            throw new UsageError("invalid-config", `${stackFile.path}: ${err.message}`, "correct the keys listed above");
        }
        throw err;
    }
    const problems: string[] = [];
    const others = listEnvironments(projectDir).filter((e) => e !== env);
    const { promoteFrom } = cfg.rollout;
    if (promoteFrom !== undefined && !others.includes(promoteFrom)) {
        problems.push(
            `bbws:rollout.promoteFrom: '${promoteFrom}' is ${promoteFrom === env ? "this environment itself" : "not an environment with a stack file"}; ` +
                `expected one of: ${others.join(", ")}`,
        );
    }
    for (const other of others) {
        const network = readStackFile(projectDir, other).config["bbws:network"] as { vpcCidr?: unknown } | undefined;
        if (typeof network?.vpcCidr === "string" && cidrsOverlap(network.vpcCidr, cfg.network.vpcCidr)) {
            problems.push(
                `bbws:network.vpcCidr: ${cfg.network.vpcCidr} overlaps ${other}'s ${network.vpcCidr}; every environment needs a range of its own`,
            );
        }
    }
    if (problems.length > 0) {
        throw new UsageError(
            "invalid-config",
            `${stackFile.path}: invalid configuration for stack '${env}':\n${problems.map((p) => `  - ${p}`).join("\n")}`,
            "correct the keys listed above",
        );
    }
    return cfg;
}

/** The config map as the engine hands it to the program: objects as JSON text, scalars as strings. */
export function engineConfig(stackFile: StackFile): Record<string, string> {
    return Object.fromEntries(Object.entries(stackFile.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/**
 * Replaces `Pulumi.<env>.yaml` with `text`, only if the text is a stack file `loadStackConfig` accepts
 * (the same loader every command uses): otherwise throws its `UsageError` and the file is untouched.
 * Written to a temporary file in the same folder and renamed over the original (rename replaces it
 * atomically: POSIX rename(2)), so a crash leaves the old file or the new one, never half of one.
 */
export function writeStackFile(projectDir: string, env: string, text: string): PlatformConfig {
    const file = path.join(projectDir, `Pulumi.${env}.yaml`);
    const cfg = checkStackText(projectDir, env, text);
    const temporary = path.join(projectDir, `.Pulumi.${env}.yaml.${process.pid}.tmp`);
    try {
        const fd = fs.openSync(temporary, "w", fs.statSync(file).mode);
        try {
            fs.writeFileSync(fd, text);
            // On disk before the rename: otherwise a crash could leave the new name pointing at an empty file.
            fs.fsyncSync(fd);
        } finally {
            fs.closeSync(fd);
        }
        fs.renameSync(temporary, file);
    } catch (err) {
        fs.rmSync(temporary, { force: true });
        throw new UsageError(
            "unwritable-config",
            `could not write ${file}: ${(err as Error).message}`,
            "make the file and its folder writable",
        );
    }
    return cfg;
}

/** The config `text` would give as `Pulumi.<env>.yaml`, validated by `loadStackConfig`, whose `UsageError` it throws; nothing is written. */
export function checkStackText(projectDir: string, env: string, text: string): PlatformConfig {
    const file = path.join(projectDir, `Pulumi.${env}.yaml`);
    let parsed: unknown;
    try {
        parsed = parseYaml(text);
    } catch (err) {
        throw new UsageError("invalid-config", `the edited ${file} would not be valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    return loadStackConfig(projectDir, env, stackFileOf(projectDir, env, file, parsed));
}

function readYaml(file: string): any {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new UsageError("unreadable-config", `cannot read ${file}: ${(err as Error).message}`);
    }
    try {
        return parseYaml(text);
    } catch (err) {
        throw new UsageError("invalid-config", `${file} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
}
