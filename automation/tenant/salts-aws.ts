/**
 * Rotating salts over the real world: the service's names from the stack outputs (never an AWS
 * search), Secrets Manager for the new values, ECS for the deployment. The SDKs load when a method runs.
 */
import type { Engine } from "../engine";
import { BbwsError, EXIT } from "../errors";
import type { SaltsPort, SteadyService, TenantServiceRef } from "./rotate-salts";

/** The tenant's service from a stack's outputs (`ecs.clusterName`, `ecs.serviceNames.<id>`, src/program.ts); undefined when either is absent. */
export function serviceFromOutputs(outputs: Readonly<Record<string, unknown>>, id: string): TenantServiceRef | undefined {
    const ecs = outputs.ecs as { clusterName?: unknown; serviceNames?: Record<string, unknown> } | undefined;
    const cluster = ecs?.clusterName;
    const service = ecs?.serviceNames?.[id];
    return typeof cluster === "string" && typeof service === "string" ? { cluster, service } : undefined;
}

/**
 * How deployment `deploymentId` of a steady service ended, from DescribeServices' answer: ECS keeps
 * the PRIMARY deployment and its `rolloutState`; when the circuit breaker rolled it back, the PRIMARY
 * is the rollback's and ours is gone, which counts as `FAILED`.
 */
export function deploymentOutcome(
    described: {
        deployments?: Array<{ id?: string; status?: string; rolloutState?: string }>;
        runningCount?: number;
        desiredCount?: number;
    },
    deploymentId: string,
): SteadyService {
    const ours = described.deployments?.find((d) => d.id === deploymentId);
    return {
        rolloutState: ours?.status === "PRIMARY" ? (ours.rolloutState ?? "COMPLETED") : "FAILED",
        runningCount: described.runningCount ?? 0,
        desiredCount: described.desiredCount ?? 0,
    };
}

/** The waiter's failure as a sentence: it timed out, was interrupted, or found the service gone (MISSING, DRAINING, INACTIVE). */
export function waiterError(err: Error, ref: TenantServiceRef, deploymentId: string, timeoutMs: number): BbwsError {
    const resume = "run the same command again: it resumes at redeploy (the secret already holds the new values)";
    if (err.name === "TimeoutError")
        return new BbwsError(
            "service-not-steady",
            `${ref.service} is not steady after ${Math.round(timeoutMs / 60_000)} min (deployment ${deploymentId} goes on in ECS)`,
            EXIT.failed,
            `read the service's events; ${resume}`,
        );
    if (err.name === "AbortError")
        return new BbwsError("interrupted", `stopped waiting for deployment ${deploymentId} (it goes on in ECS)`, EXIT.failed, resume);
    return new BbwsError(
        "service-gone",
        `${ref.service} in ${ref.cluster} is missing, draining or inactive`,
        EXIT.failed,
        "roll the tenant out again, then run the same command again",
    );
}

/** The port for a real environment in `region`; the stack's outputs through `createEngine`. */
export function realSaltsPort(region: string, createEngine: (env: string) => Promise<Engine>): SaltsPort {
    const ecs = async () => {
        const sdk = await import("@aws-sdk/client-ecs");
        return { sdk, client: new sdk.ECSClient({ region }) };
    };
    return {
        serviceOf: async (env, id) => serviceFromOutputs(await (await createEngine(env)).outputs(), id),
        putSalts: async (secretId, values, token, signal) => {
            const { SecretsManagerClient, PutSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
            const answer = await new SecretsManagerClient({ region }).send(
                new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: JSON.stringify(values) }),
                { abortSignal: signal },
            );
            return answer.VersionId ?? token;
        },
        redeploy: async (ref, signal) => {
            const { sdk, client } = await ecs();
            const answer = await client.send(
                new sdk.UpdateServiceCommand({ cluster: ref.cluster, service: ref.service, forceNewDeployment: true }),
                { abortSignal: signal },
            );
            const primary = answer.service?.deployments?.find((d) => d.status === "PRIMARY");
            if (!primary?.id) {
                throw new BbwsError(
                    "no-deployment",
                    `UpdateService on ${ref.service} answered without a PRIMARY deployment`,
                    EXIT.failed,
                    "look at the service in the ECS console, then run the same command again",
                );
            }
            return primary.id;
        },
        waitSteady: async (ref, deploymentId, timeoutMs, signal) => {
            const { sdk, client } = await ecs();
            // The SDK's services-stable waiter: one deployment left and the desired count running. Its errors carry
            // the whole last answer as JSON; the operator gets a sentence instead.
            await sdk
                .waitUntilServicesStable(
                    { client, maxWaitTime: Math.ceil(timeoutMs / 1000), minDelay: 15, abortSignal: signal },
                    { cluster: ref.cluster, services: [ref.service] },
                )
                .catch((err: Error) => {
                    throw waiterError(err, ref, deploymentId, timeoutMs);
                });
            const described = await client.send(new sdk.DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] }));
            return deploymentOutcome(described.services?.[0] ?? {}, deploymentId);
        },
    };
}
