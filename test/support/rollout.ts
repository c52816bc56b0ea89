/**
 * Test helpers for the rollout driver: an environment's config from the real stack files, what
 * the driver printed, a throwaway ledger and plan folder, and the phase loop's dependencies wired to a
 * `FakeEngine`.
 */
import * as path from "path";
import { parseConfig, PlatformConfig } from "../../src/config";
import { PhaseName } from "../../src/phases";
import { FileLedger, LedgerRecord } from "../../automation/ledger";
import { memoryIo } from "../../automation/io";
import { ecrDouble } from "../../automation/rehearse";
import type { RolloutDeps, RolloutRequest } from "../../automation/rollout";
import { openStateArchive } from "../../automation/state-archive";
import { readStackFile } from "../../automation/stack-files";
import { FakeClock, FakeEngine, FakeEngineOptions } from "./fake-engine";
import { tempDir } from "./temp";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
export const COMMIT = "5e1f0c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f";

export function configOf(env: string, overrides: Record<string, unknown> = {}): PlatformConfig {
    return parseConfig(env, { ...readStackFile(PROJECT_DIR, env).config, ...overrides });
}

export type CapturedIo = ReturnType<typeof memoryIo>;

/** Everything the driver printed, both streams. */
export function textOf(io: CapturedIo): string {
    return [...io.stdout, ...io.stderr].join("\n");
}

export { tempDir } from "./temp";

export function request(env: string, phase: PhaseName | "all", extra: Partial<RolloutRequest> = {}): RolloutRequest {
    return {
        env,
        phase,
        approvals: [],
        yes: false,
        forceOrder: false,
        allowReplace: [],
        resume: false,
        previewOnly: false,
        format: "table",
        ...extra,
    };
}

/** A ledger record as the driver writes it, for seeding history. */
export function recordOf(env: string, phase: PhaseName, result: LedgerRecord["result"], commit = COMMIT): LedgerRecord {
    return {
        v: 1,
        at: "2026-11-20T10:00:00.000Z",
        runId: "earlier",
        env,
        phase,
        commit,
        dirty: false,
        operator: "carol",
        approvals: [],
        result,
        overrides: [],
        durationsMs: { total: 1 },
    };
}

export interface Harness {
    readonly engine: FakeEngine;
    readonly ledger: FileLedger;
    readonly io: CapturedIo;
    readonly clock: FakeClock;
    readonly deps: RolloutDeps;
    readonly dir: string;
}

export function harness(
    env: string,
    options: {
        engine?: Partial<FakeEngineOptions>;
        config?: Record<string, unknown>;
        io?: CapturedIo;
        deps?: Partial<RolloutDeps>;
    } = {},
): Harness {
    const dir = tempDir();
    const clock = new FakeClock();
    const engine = new FakeEngine({ stack: env, clock, ...options.engine });
    const io = options.io ?? memoryIo();
    const ledger = new FileLedger(path.join(dir, "ledger"), (w) => io.err(`warning: ${w}`));
    const cfg = configOf(env, options.config);
    const deps: RolloutDeps = {
        cfg,
        engine,
        ledger,
        io,
        now: clock.now,
        verify: async () => ({ checks: [] }),
        // Every image the ecs phase pulls has been pushed.
        ecr: async () => ecrDouble(cfg.accountId, () => "image"),
        git: { commit: COMMIT, dirty: false },
        operator: "alice",
        planDir: path.join(dir, "plans"),
        runId: "run-1",
        states: openStateArchive({ kind: "file", dir: path.join(dir, "ledger") }),
        ...options.deps,
    };
    return { engine, ledger, io, clock, deps, dir };
}

/** The approvals config requires for a phase in an environment, as `--approve` would give them. */
export function approvalsFor(cfg: PlatformConfig, phase: PhaseName): Array<{ role: string; name: string }> {
    return (cfg.approvals[phase] ?? []).map((role, i) => ({ role, name: `approver${i}` }));
}
