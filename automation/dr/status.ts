/**
 * `npm run dr -- status`: replication lag per store, the standby's readiness (its cluster's available
 * instances, its services) and which region serves,
 * read (never changed) through the port. A region that does not answer is reported as such, not as
 * an error: in an outage this is the first command an operator runs.
 */
import { renderTable } from "../table";
import type { DrConfig, DrSettings } from "./config";
import type { DrOutputs } from "./contract";
import { lagEstimate } from "./lag";
import type { DrPort } from "./port";
import { duration } from "./report";
import { dnsTargetOf, sidesOf } from "./sides";

/** One line of the status. */
export interface StatusLine {
    readonly item: string;
    readonly state: string;
    /** `ok`, `warn` (look at it) or `bad` (a takeover would fail or lose more than the RPO). */
    readonly verdict: "ok" | "warn" | "bad";
}

/** The status of an environment. */
export interface DrStatus {
    readonly env: string;
    readonly primaryRegion: string;
    readonly standbyRegion: string;
    /** `bbws:dr.serving` and `.globalDatabase` as the stack file says. */
    readonly config: { readonly serving: string; readonly globalDatabase: string };
    readonly lines: readonly StatusLine[];
}

/** Runs `read`; an error (a region that does not answer, a denied call) becomes its text. */
async function attempt<T>(read: () => Promise<T>): Promise<T | Error> {
    try {
        return await read();
    } catch (err) {
        return err as Error;
    }
}

const unreachable = (err: Error): StatusLine["state"] => `not read: ${err.name}: ${err.message}`;

/**
 * Where the stack's secrets are decrypted: the stack file's `secretsprovider`. Every read of the stack's
 * outputs (`pulumi stack output --show-secrets`, which this command and the rollout make) decrypts with
 * it, so an AWS KMS key in the primary region makes a failover depend on the region that is down. A
 * multi-Region key with a replica in the standby region decrypts the same ciphertext there (AWS KMS
 * developer guide, "Multi-Region keys in AWS KMS"), once the provider names the replica
 * (`pulumi stack change-secrets-provider "awskms://<mrk id>?region=<standby>"`). `warn`, not `bad`:
 * it does not stop a switchover, which is planned while both regions answer.
 */
export function secretsProviderLine(provider: string | undefined, primaryRegion: string, standbyRegion: string): StatusLine {
    const item = "stack secrets provider";
    if (!provider?.startsWith("awskms://")) return { item, state: `${provider ?? "Pulumi's default"}: not an AWS region's`, verdict: "ok" };
    const region = new URL(provider).searchParams.get("region");
    return region === primaryRegion || region === null
        ? {
              item,
              state: `${provider}: decrypts in ${region ?? "the default region"}; a failover needs the state read from ${standbyRegion} (multi-Region key, README "What a failover needs outside the primary region")`,
              verdict: "warn",
          }
        : { item, state: `${provider}: decrypts in ${region}`, verdict: "ok" };
}

/** Reads the DR side of the environment. */
export async function drStatus(settings: DrSettings, dr: DrConfig, outputs: DrOutputs, port: DrPort): Promise<DrStatus> {
    const { primary, standby } = sidesOf(settings, dr, outputs);
    const serving = dr.serving === "standby" ? standby : primary;
    const replica = dr.serving === "standby" ? primary : standby;
    const rpoMs = dr.replication.rpoMinutes * 60_000;
    const lines: StatusLine[] = [];

    // Asked in the serving region: after a failover the replica's region may be the one that is down,
    // and any member's region describes the global database (RDS API reference, DescribeGlobalClusters).
    const gc = await attempt(() => port.globalCluster(serving.region, outputs.database.globalClusterIdentifier));
    if (gc instanceof Error) lines.push({ item: "global database", state: unreachable(gc), verdict: "bad" });
    else if (!gc)
        lines.push({
            item: "global database",
            state: `${outputs.database.globalClusterIdentifier} absent`,
            verdict: dr.globalDatabase === "detached" ? "warn" : "bad",
        });
    else {
        const writer = gc.members.find((m) => m.isWriter);
        lines.push({
            item: "global database",
            state: `${gc.status}; writer in ${writer?.region ?? "none"}; members ${gc.members.map((m) => m.region).join(", ")}`,
            verdict: gc.status === "available" && gc.members.length >= 2 ? "ok" : "warn",
        });
    }
    const datapoint = await attempt(() => port.replicaLag(replica.region, replica.clusterIdentifier));
    const lag = datapoint instanceof Error ? datapoint : lagEstimate(datapoint, port.now());
    lines.push(
        lag instanceof Error
            ? { item: "database lag", state: unreachable(lag), verdict: "bad" }
            : !lag.known
              ? { item: "database lag", state: `${replica.clusterIdentifier} in ${replica.region}: ${lag.text}`, verdict: "warn" }
              : {
                    item: "database lag",
                    state: `${lag.text} (RPO ${dr.replication.rpoMinutes} min)`,
                    verdict: lag.atLeastMs! <= rpoMs ? "ok" : "bad",
                },
    );
    const drCluster = outputs.database.standbyClusterIdentifier;
    const needed = dr.standby.auroraInstances;
    const instances = await attempt(() => port.instances(standby.region, drCluster));
    if (instances instanceof Error) lines.push({ item: "standby instances", state: unreachable(instances), verdict: "bad" });
    else {
        const available = instances.filter((i) => i.status === "available").length;
        const others = instances.filter((i) => i.status !== "available").map((i) => `${i.identifier} ${i.status}`);
        lines.push({
            item: "standby instances",
            state: `${drCluster} in ${standby.region}: instances ${available}/${needed} available${others.length > 0 ? ` (${others.join(", ")})` : ""}`,
            // A cluster without an available instance has nothing to promote or switch the writer to (src/config.ts, standby.auroraInstances).
            verdict: available >= needed ? "ok" : "bad",
        });
    }
    const efs = await attempt(() => port.efsReplication(replica.region, replica.fileSystemId));
    if (efs instanceof Error) lines.push({ item: "file replication", state: unreachable(efs), verdict: "bad" });
    else if (!efs)
        lines.push({ item: "file replication", state: `no replication into ${replica.fileSystemId} (${replica.region})`, verdict: "bad" });
    else {
        const age = efs.lastReplicated ? port.now() - efs.lastReplicated.getTime() : undefined;
        lines.push({
            item: "file replication",
            state: `${efs.status}; last sync ${age === undefined ? "never" : `${duration(age)} ago`}`,
            verdict: efs.status === "ENABLED" && age !== undefined && age <= rpoMs ? "ok" : "bad",
        });
    }
    const services = await attempt(() => port.services(replica.region, replica.ecsCluster, Object.values(replica.serviceNames)));
    if (services instanceof Error) lines.push({ item: `services in ${replica.region}`, state: unreachable(services), verdict: "bad" });
    else {
        const expected = Object.values(replica.serviceNames);
        const present = services.filter((s) => s.status === "ACTIVE");
        lines.push({
            item: `services in ${replica.region}`,
            state: `${present.length}/${expected.length} present, ${present.reduce((n, s) => n + s.desired, 0)} task(s) desired`,
            verdict: present.length === expected.length ? "ok" : "bad",
        });
    }
    const dns = await attempt(() => port.dns(dnsTargetOf(outputs, primary, standby)));
    if (dns instanceof Error) lines.push({ item: "serving (DNS)", state: unreachable(dns), verdict: "bad" });
    else {
        const regions = [...new Set(Object.values(dns.primaryRegionOf))];
        lines.push({
            item: "serving (DNS)",
            state: `PRIMARY records point at ${regions.map((r) => r ?? "nothing").join(", ")}; stack file says ${serving.region}`,
            verdict: regions.length === 1 && regions[0] === serving.region ? "ok" : "bad",
        });
        lines.push({
            item: "primary health check",
            state: dns.primaryHealthy === undefined ? "no observations" : dns.primaryHealthy ? "healthy" : "unhealthy",
            verdict: dns.primaryHealthy === false && dr.serving === "primary" ? "bad" : "ok",
        });
    }
    lines.push(secretsProviderLine(settings.secretsProvider, primary.region, standby.region));
    return {
        env: settings.env,
        primaryRegion: primary.region,
        standbyRegion: standby.region,
        config: { serving: dr.serving, globalDatabase: dr.globalDatabase },
        lines,
    };
}

/** The status as a heading and a table. */
export function renderDrStatus(status: DrStatus): string {
    return [
        `${status.env}: primary ${status.primaryRegion}, standby ${status.standbyRegion}; bbws:dr.serving ${status.config.serving}, globalDatabase ${status.config.globalDatabase}`,
        renderTable(
            ["item", "state", "verdict"],
            status.lines.map((l) => [l.item, l.state, l.verdict]),
        ),
    ].join("\n");
}
