/**
 * Test helpers: run a component under mocks (the same runner the synth uses), find what it
 * registered, and turn outputs into promises. Components never read config, so tests build a
 * `PlatformConfig` from the real stack files and pass the slices in.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { Registration, runUnderMocks } from "../../automation/mock-run";
import { parseConfig, PlatformConfig } from "../../src/config";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
export const ENVIRONMENTS = ["dev", "sit", "prod"] as const;
export type Env = (typeof ENVIRONMENTS)[number];
export type { Registration };

/** The raw `config:` map of Pulumi.<env>.yaml. */
export function stackFileConfig(env: string): Record<string, unknown> {
    const text = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${env}.yaml`), "utf8");
    return parseYaml(text).config;
}

/** The validated config of an environment, optionally with some raw keys replaced. */
export function configFor(env: string, overrides: Record<string, unknown> = {}): PlatformConfig {
    return parseConfig(env, { ...stackFileConfig(env), ...overrides });
}

/** Constructs whatever `build` creates under mocks for `cfg`'s account and region; returns it and its registrations. */
export async function construct<T>(cfg: PlatformConfig, build: () => T): Promise<{ result: T; resources: Registration[] }> {
    const { result, registrations } = await runUnderMocks(
        {
            project: "bbws-platform",
            stack: cfg.env,
            model: { accountId: cfg.accountId, region: cfg.region, azCount: cfg.network.azCount },
        },
        build,
    );
    return { result, resources: registrations };
}

/** Resolves an Output (mocks resolve everything: no unknowns). */
export function promiseOf<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) =>
        pulumi.output(output).apply((v) => {
            resolve(v as T);
            return v;
        }),
    );
}

export function ofType(resources: readonly Registration[], type: string): Registration[] {
    return resources.filter((r) => r.type === type);
}

export function named(resources: readonly Registration[], name: string): Registration {
    const found = resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named '${name}' (have: ${resources.map((r) => r.name).join(", ")})`);
    return found;
}
