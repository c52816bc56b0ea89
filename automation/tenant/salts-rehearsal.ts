/**
 * `npm run tenant -- rotate-salts … --rehearse`: the rotation's steps and records in a throw-away
 * folder (or a rehearsal being continued), with doubles for Secrets Manager and ECS that say in the
 * transcript what they stand for. The service's names come from the rehearsal's stack outputs when
 * it has been rolled out, else stand-ins naming the outputs the real run reads.
 */
import type { Io } from "../io";
import { prepareRehearsal, Rehearsal } from "../rehearse";
import type { SaltsPort } from "./rotate-salts";
import { serviceFromOutputs } from "./salts-aws";

/** The rehearsal folder and the doubles over it. */
export interface SaltsRehearsal {
    readonly rehearsal: Rehearsal;
    readonly port: SaltsPort;
}

/** Prepares the folder (or reuses `dir`) and the doubles. Nothing leaves the process. */
export function saltsRehearsal(sourceProjectDir: string, env: string, io: Io, dir?: string): SaltsRehearsal {
    const rehearsal = prepareRehearsal(sourceProjectDir, env, { dir });
    const port: SaltsPort = {
        serviceOf: async (stack, id) =>
            serviceFromOutputs(await (await rehearsal.deps.createEngine(stack)).outputs(), id) ?? {
                cluster: "<ecs.clusterName>",
                service: `<ecs.serviceNames.${id}>`,
            },
        putSalts: async (secretId, values) => {
            io.err(
                `  rehearsal: PutSecretValue ${secretId} (${Object.keys(values).length} new values, not shown) stands in for Secrets Manager`,
            );
            return "rehearsal-version";
        },
        redeploy: async (ref) => {
            io.err(`  rehearsal: UpdateService ${ref.service} --force-new-deployment stands in for ECS`);
            return "ecs-svc/rehearsal";
        },
        waitSteady: async () => ({ rolloutState: "COMPLETED", runningCount: 1, desiredCount: 1 }),
    };
    return { rehearsal, port };
}
