/**
 * `npm run dr -- … --rehearse`: the same steps on a copy of the stack file, with the AWS doubles of
 * doubles.ts and a ledger in a throw-away folder (`--rehearsal-dir` continues one: a failback after a
 * failover, a rerun after a failed step). The stack outputs are `PlatformOutputs`' DR keys
 * (automation/dr/contract.ts) built from the stack file's config (tenants, regions, account, domain)
 * with the program's names, not a converged stack: a DR rehearsal runs no engine, so it takes seconds. A failover rehearses an outage of the primary region (it stops answering; the standby's last
 * lag datapoint is `OUTAGE_LAG_MS`); a failback rehearses its return.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Io } from "../io";
import type { DrAction } from "../ledger";
import { listEnvironments } from "../stack-files";
import type { TenantConfig } from "../../src/config";
import type { DrConfig, DrSettings } from "./config";
import type { DrOutputs } from "./contract";
import { initialWorld, rehearsalPort, SCRIPTED_MS } from "./doubles";
import type { DrPort } from "./port";

/** The standby's last `AuroraGlobalDBReplicationLag` datapoint when the rehearsed outage begins, ms. */
export const OUTAGE_LAG_MS = 42_000;

/** How long before the failover command the rehearsed outage began, ms (Route 53's health check has declared it by then). */
export const OUTAGE_LEAD_MS = 4 * 60_000;

/** The tenants' keys the rehearsed outputs need. */
export type RehearsedTenant = Pick<TenantConfig, "id" | "minCapacity">;

/**
 * `PlatformOutputs`' DR keys (automation/dr/contract.ts) for `settings`' regions and account and the
 * given tenants, with the program's names (test/rehearsal/dr.test.ts compares them with prod's synth;
 * ids such as the file systems' and the load balancers' suffixes are made up); `ecs.dr.desiredCounts` are
 * the tenants' `minCapacity`, as src/program.ts exports them.
 */
export function rehearsalOutputs(
    settings: DrSettings,
    standbyRegion: DrConfig["region"],
    tenants: readonly RehearsedTenant[],
    domain: string,
): DrOutputs {
    const { env, accountId, primaryRegion } = settings;
    const byTenant = <T>(f: (t: string, i: number) => T) => Object.fromEntries(tenants.map((t, i) => [t.id, f(t.id, i)]));
    const tg = (region: string, t: string, i: number) =>
        `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${t}-${(0x1a2b3c40 + i).toString(16)}/${(0x5e6f7a8b + i).toString(16)}9c0d1e2f`;
    return {
        database: {
            region: standbyRegion,
            globalClusterIdentifier: `bbws-aurora-${env}-global`,
            primaryClusterIdentifier: `bbws-aurora-${env}`,
            standbyClusterIdentifier: `bbws-aurora-${env}-dr`,
            standbyClusterArn: `arn:aws:rds:${standbyRegion}:${accountId}:cluster:bbws-aurora-${env}-dr`,
        },
        storage: {
            region: standbyRegion,
            fileSystemId: "fs-0d4e5f6a7b8c9d0e1",
            backupVaultName: `bbws-backup-vault-dr-${env}`,
            assetsBucketName: `bbws-tenant-assets-dr-${env}-${accountId}`,
            migrationBucketName: `bbws-migration-artifacts-dr-${env}-${accountId}`,
        },
        ecs: {
            region: standbyRegion,
            clusterName: `bbws-cluster-dr-${env}`,
            serviceNames: byTenant((t) => `bbws-wordpress-${t}-dr-${env}`),
            desiredCounts: Object.fromEntries(tenants.map((t) => [t.id, t.minCapacity])),
            loadBalancerArn: `arn:aws:elasticloadbalancing:${standbyRegion}:${accountId}:loadbalancer/app/bbws-alb-dr-${env}/5e6f7a8b9c0d1e2f`,
            loadBalancerDnsName: `bbws-alb-dr-${env}-1234567890.${standbyRegion}.elb.amazonaws.com`,
            targetGroupArns: byTenant((t, i) => tg(standbyRegion, t, i)),
            hostedZoneId: "Z0123456789ABCDEFGHIJ",
            recordNames: tenants.map((t) => `${t.id}.${domain}`),
            primaryHealthCheckId: "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        },
        monitoring: {
            alarmNames: [`bbws-${env}-dr-aurora-replication-lag`, `bbws-${env}-dr-efs-replication-lag`, `bbws-${env}-dr-primary-health`],
        },
        primary: {
            database: { clusterIdentifier: `bbws-aurora-${env}` },
            storage: { fileSystemId: "fs-0a1b2c3d4e5f60718" },
            ecs: {
                clusterName: `bbws-ecs-${env}`,
                serviceNames: byTenant((t) => `bbws-wordpress-${t}-${env}`),
                loadBalancerDnsName: `bbws-alb-${env}-0987654321.${primaryRegion}.elb.amazonaws.com`,
                targetGroupArns: byTenant((t, i) => tg(primaryRegion, t, i)),
            },
        },
    };
}

/** A rehearsal's folder, port and stand-ins. */
export interface DrRehearsal {
    readonly dir: string;
    /** Holds the copied stack files: the config step writes there. */
    readonly projectDir: string;
    readonly ledgerDir: string;
    readonly port: DrPort;
    readonly outputs: DrOutputs;
    /** failback's rebuild: the program's effect on the doubles, with its scripted duration. */
    readonly rollout: (env: string, phases: readonly string[]) => Promise<number>;
    readonly banner: string;
}

/**
 * Prepares (or, with `dir` holding one, continues) a rehearsal of `action` in `env`; both clusters run
 * `engineVersion` (`bbws:database.engineVersion`). Copies Pulumi.yaml
 * and the stack files the first time only, so a continued rehearsal keeps what earlier runs wrote.
 */
export function prepareDrRehearsal(
    sourceProjectDir: string,
    settings: DrSettings,
    standbyRegion: DrConfig["region"],
    tenants: readonly RehearsedTenant[],
    domain: string,
    engineVersion: string,
    action: DrAction | "status",
    io: Pick<Io, "err">,
    now: number,
    dir?: string,
): DrRehearsal {
    const root = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `bbws-dr-rehearsal-${settings.env}-`));
    const projectDir = path.join(root, "project");
    fs.mkdirSync(projectDir, { recursive: true });
    // Every stack file, not only this one: loadStackConfig checks promoteFrom and VPC ranges against the others.
    for (const file of ["Pulumi.yaml", ...listEnvironments(sourceProjectDir).map((e) => `Pulumi.${e}.yaml`)]) {
        const target = path.join(projectDir, file);
        if (!fs.existsSync(target)) fs.copyFileSync(path.join(sourceProjectDir, file), target);
    }
    const outputs = rehearsalOutputs(settings, standbyRegion, tenants, domain);
    const worldFile = path.join(root, "aws-world.json");
    if (!fs.existsSync(worldFile))
        fs.writeFileSync(
            worldFile,
            `${JSON.stringify(initialWorld(outputs, settings.primaryRegion, settings.accountId, now, settings.dr!.standby.auroraInstances, engineVersion), null, 2)}\n`,
        );
    const port = rehearsalPort(worldFile);
    const world = port.world();
    const primary = settings.primaryRegion;
    const notes: string[] = [];
    if (action === "failover" && !world.down.includes(primary)) {
        world.down.push(primary);
        world.downSince = world.now - OUTAGE_LEAD_MS;
        world.lagMs = OUTAGE_LAG_MS;
        notes.push(
            `rehearsal: ${primary} stopped answering ${OUTAGE_LEAD_MS / 60_000} min ago (an outage); the standby's last lag datapoint is ${OUTAGE_LAG_MS / 1000} s`,
        );
    }
    if (action === "failback" && world.down.includes(primary)) {
        world.down = world.down.filter((r) => r !== primary);
        world.downSince = undefined;
        notes.push(
            `rehearsal: ${primary} answers again (after a managed failover Aurora rebuilds its old primary as a secondary: ${SCRIPTED_MS.rebuildCopy / 60_000} min here)`,
        );
    }
    fs.writeFileSync(worldFile, `${JSON.stringify(world, null, 2)}\n`);
    const banner = [
        "REHEARSAL — nothing in AWS changes.",
        "  RDS, CloudWatch, EFS, ECS, Application Auto Scaling, ELBv2 and Route 53 are doubles with scripted timings (automation/dr/doubles.ts); the stack outputs are the program's DR outputs with its names, built from the stack file (ids made up);",
        `  the stack file copy, the ledger and the doubles' world are in ${root}.`,
        ...notes,
    ].join("\n");
    return {
        dir: root,
        projectDir,
        ledgerDir: path.join(root, ".rollout"),
        port,
        outputs,
        rollout: async (env, phases) => {
            for (const phase of phases) {
                io.err(
                    `  rehearsal: npm run rollout -- --env ${env} --phase ${phase} is a double: the program's effect with ${settings.env}'s standby serving, in ${SCRIPTED_MS.rollout / 60_000} min`,
                );
                port.rollout(phase);
            }
            return 0;
        },
        banner,
    };
}
