/**
 * One synth per stack for the whole test run: several test files read the same result, and each
 * synth runs the full program (about a second and a half).
 */
import { synthesize, SynthResult } from "../../automation/synth";

const cache = new Map<string, Promise<SynthResult>>();

export function cachedSynthesize(projectDir: string, env: string): Promise<SynthResult> {
    const key = `${projectDir}\0${env}`;
    if (!cache.has(key)) cache.set(key, synthesize(projectDir, env));
    return cache.get(key)!;
}
