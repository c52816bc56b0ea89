/**
 * `npm run synth -- --env <env> [--phase <name>] [--json]`: what the program would create, offline.
 */
import { PHASE_NAMES } from "../src/phases";
import { commandLine, parseCommandLine, phaseOption, PROJECT_DIR, runCommand } from "./cli";
import { EXIT, UsageError } from "./errors";
import { Io, processIo } from "./io";
import { loadStackConfig } from "./stack-files";
import type { SynthResult } from "./synth";

type Synthesize = (projectDir: string, env: string) => Promise<SynthResult>;

/** `synth` is injectable so the tests can share one synth per stack across files. */
export async function main(argv: string[], io: Io = processIo(), projectDir = PROJECT_DIR, synth?: Synthesize): Promise<number> {
    return runCommand(io, async () => {
        const args = await parseCommandLine(
            commandLine(
                argv,
                "npm run synth --",
                "$0 --env <env> [--phase <name>] [--json] [--policies [--format markdown]]\n\nRuns the program for one stack under a model of AWS and lists every resource it would create. Needs no AWS account and no Pulumi CLI.",
            )
                .option("env", { type: "string", demandOption: true, describe: "environment (stack): dev, sit or prod" })
                .option("phase", { type: "string", describe: `only this phase: ${PHASE_NAMES.join(", ")}` })
                .option("json", {
                    type: "boolean",
                    default: false,
                    describe: "print one JSON document: project, stack, resources, outputs",
                })
                .option("policies", {
                    type: "boolean",
                    default: false,
                    describe: "evaluate the security baseline (src/policy) instead; exit 3 on a mandatory violation without a waiver",
                })
                .option("format", {
                    choices: ["table", "markdown"] as const,
                    default: "table" as const,
                    describe: "with --policies: a terminal table or Markdown for a pull request",
                }),
            argv,
            io,
        );
        if (args === undefined) return EXIT.ok;
        const phase = phaseOption(args.phase);
        if (!args.policies && argv.some((a) => a === "--format" || a.startsWith("--format="))) {
            throw new UsageError(
                "incompatible-flags",
                "--format only applies to --policies",
                "add --policies, or use --json for the resource list",
            );
        }
        if (args.policies && (args.json || phase !== undefined)) {
            throw new UsageError(
                "incompatible-flags",
                "--policies cannot be combined with --json or --phase",
                "run --policies on its own: stack-level policies need every resource",
            );
        }

        const synthesize = synth ?? (await import("./synth")).synthesize;
        const started = Date.now();
        const result = await synthesize(projectDir, args.env);
        if (args.policies) {
            const { evaluateSynth } = await import("./policy-offline");
            const { renderPolicyReport } = await import("./policy-report");
            const evaluation = evaluateSynth(result);
            io.out(renderPolicyReport(evaluation, args.format));
            return evaluation.blocked ? EXIT.refused : EXIT.ok;
        }
        const shown = phase ? { ...result, resources: result.resources.filter((r) => r.phase === phase) } : result;
        if (args.json) {
            io.out(JSON.stringify(shown, null, 2));
        } else {
            const { renderSynthTables } = await import("./synth-report");
            io.out(renderSynthTables(shown));
            io.err(`synthesized ${result.resources.length} resources in ${((Date.now() - started) / 1000).toFixed(2)} s`);
            const { estimateCost, budgetWarning } = await import("./cost");
            const cfg = loadStackConfig(projectDir, args.env);
            const warning = budgetWarning(estimateCost(result, { region: cfg.region, cost: cfg.cost }));
            if (warning) io.err(`warning: ${warning}`);
        }
        return EXIT.ok;
    });
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
