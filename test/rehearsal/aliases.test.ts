/**
 * The alias proof (issue 16, "A tenant is one unit in the program"): sit and prod converged by the
 * program as it was before tenant components (commit `BEFORE`, taken out of git with its own scripted
 * engine and its own stack files), then previewed and updated by this program. Every AWS resource must
 * be `same`, found through its alias; only the new per-tenant components are created, and they own no
 * AWS resource. The README quotes the table this renders (`<!-- generated:alias-proof -->`).
 *
 * One later change is counted apart, since it is not the move: custom-domain certificates
 * (components/tenant-domains.ts, tested in test/components/tenant-domains.test.ts) request a certificate
 * for each of the stack files' custom domains and take those still pending out of the listener rule,
 * and add the stack output `ecs.customDomains`.
 *
 * A second later change is counted apart too: hardened containers (issue 18, components/ecs-tasks.ts
 * `hardenedContainer`, tested in test/components/ecs.test.ts). Every task definition is replaced (its
 * containers and scratch volumes changed; containerDefinitions and volumes force a new revision), and
 * WordPress moves to port 8080, which replaces each target group (port forces a new group:
 * terraform-provider-aws internal/service/elbv2/target_group.go) and updates what names the port or the
 * group. Neither hides a broken alias: a resource not found through its alias is a delete plus a create,
 * never an update or replace.
 *
 * A third: offboarding fixes (issue 16's review): each tenant task role may write its own archive
 * prefix (`archive/<id>/*`, its `policy` updated), and the tenant-assets bucket's lifecycle
 * configuration always exists, so retiring a tenant is an update of it (one create).
 *
 * A fourth: cache isolation and secrets rotation (issue 18, components/cache-users.ts and
 * components/secret-rotation.ts, tested in test/components/cache-users.test.ts and
 * secret-rotation.test.ts). It creates the RBAC users, their passwords, secrets and user group
 * memberships, the rotation function and its security group rules, each tenant database secret's
 * rotation, the recycler role and each tenant's recycle schedule; it moves the replication group from
 * its AUTH token to the user group (an in-place update of `authToken`/`userGroupIds`), so the AUTH
 * token's password, secret and secret version are deleted; and the execution roles read the cache
 * users' secrets instead of the token's (`policy` updated). Those deletes are the only ones, by name.
 * The rotation function's settings (components/rotation-function-settings.ts, a dynamic resource) are
 * created with it, and with them the language host's provider of dynamic resources
 * (`pulumi:providers:pulumi-nodejs::default`) and the stack output `database.rotationFunctionName`.
 *
 * A fifth: the enterprise tier (issue 21, components/ecs-policies.ts `platformTaskPolicy`): the platform
 * task's role may read the enterprise tenants' clusters' master secrets and decrypt them with their
 * keys (its `policy` updated), whatever the tenants, so that a tenant's onboarding needs no platform
 * rollout first.
 *
 * A sixth: the rotation-failure alert (issue 21, components/events.ts, tested in
 * test/components/monitoring-signals.test.ts): one EventBridge rule and its target created.
 */
import { expect } from "chai";
import { execFileSync, execSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PHASES } from "../../src/phases";
import { desiredState } from "../../automation/rehearsal-engine/desired";
import { computeSteps, Step } from "../../automation/rehearsal-engine/steps";
import { ENGINE_HOME_VAR } from "../../automation/rehearsal-engine/scenario";
import type { StateResource } from "../../automation/rehearsal-engine/state";
import { PROJECT_DIR, Stage, stage } from "../support/rehearsal";

/** main before tenant components: the program today's stacks were last updated with. */
const BEFORE = "49508eb6cbba4651cc8b453fff0c87098e12c3d4";
const ENVS = ["sit", "prod"] as const;
const TENANT_TYPES = new Set(PHASES.map((p) => p.tenantType));
const CUSTOM_DOMAIN_TYPES = new Set([
    "aws:acm/certificate:Certificate",
    "aws:acm/certificateValidation:CertificateValidation",
    "aws:lb/listenerCertificate:ListenerCertificate",
]);

const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";

/**
 * The hardened-containers change, by type: the step it makes and the inputs it changes. A listener rule
 * may change its host-header values (`conditions`, the custom-domain change) in the same update.
 */
const HARDENING_CHANGES: Readonly<Record<string, { op: Step["op"]; diffs: readonly string[] }>> = {
    "aws:ecs/taskDefinition:TaskDefinition": { op: "replace", diffs: ["containerDefinitions", "volumes"] },
    "aws:lb/targetGroup:TargetGroup": { op: "replace", diffs: ["port", "name"] },
    // The tenant group's ingress from the load balancer and the load balancer's egress to it: the port and its description.
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": { op: "update", diffs: ["fromPort", "toPort", "description"] },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": { op: "update", diffs: ["fromPort", "toPort", "description"] },
    "aws:ecs/service:Service": { op: "update", diffs: ["loadBalancers", "taskDefinition"] },
    [LISTENER_RULE]: { op: "update", diffs: ["actions"] },
    // The target group's ARN suffix is a dimension of the healthy-targets alarm and of the dashboard.
    "aws:cloudwatch/metricAlarm:MetricAlarm": { op: "update", diffs: ["metricQueries", "dimensions"] },
    "aws:cloudwatch/dashboard:Dashboard": { op: "update", diffs: ["dashboardBody"] },
};

/** A step of the custom-domain change: a certificate's create, or a listener rule whose host-header values changed. */
function isCustomDomainStep(s: Step): boolean {
    if (s.op === "create") return CUSTOM_DOMAIN_TYPES.has(s.type);
    return (
        s.op === "update" &&
        s.type === LISTENER_RULE &&
        s.diffs.includes("conditions") &&
        s.diffs.every((d) => d === "conditions" || d === "actions")
    );
}

/** A step of the hardened-containers change (see HARDENING_CHANGES). */
function isHardeningStep(s: Step): boolean {
    const change = HARDENING_CHANGES[s.type];
    if (!change || s.op !== change.op) return false;
    const own = s.diffs.filter((d) => !(s.type === LISTENER_RULE && d === "conditions"));
    return own.length > 0 && own.every((d) => change.diffs.includes(d));
}

/** A step of the offboarding fixes: the assets bucket's lifecycle configuration created, a tenant task role's policy updated. */
function isOffboardingStep(s: Step): boolean {
    if (s.op === "create") return s.type === LIFECYCLE;
    return (
        s.op === "update" &&
        s.type === ROLE_POLICY &&
        s.urn.endsWith("-task-role-policy") &&
        !isEnterpriseStep(s) &&
        s.diffs.join() === "policy"
    );
}

/** The platform task role's policy the enterprise tier updates. */
const PLATFORM_TASK_ROLE_POLICY = "::ecs-migration-task-role-policy";

/** A step of the enterprise tier: the platform task role's `policy` updated. */
function isEnterpriseStep(s: Step): boolean {
    return s.op === "update" && s.type === ROLE_POLICY && s.urn.endsWith(PLATFORM_TASK_ROLE_POLICY) && s.diffs.join() === "policy";
}

const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";

/** The logical names issue 18 adds (a tenant's under `data-tenant-<id>-` and `ecs-<id>-`), and the AUTH token's three it deletes. */
const CACHE_ROTATION_CREATES =
    /^(data-redis-(default|platform)-user(-password|-secret|-secret-value)?|data-redis-users|data-tenant-[a-z0-9-]+-(cache-user(-password|-secret|-secret-value|-membership)?|db-rotation|db-rotatable-value)|data-rotation(-sg|-stack|-settings|-rotation-https-out|-rotation-to-database|-database-from-rotation)?|ecs-recycler-role(-policy)?|ecs-[a-z0-9-]+-recycle)$/;
const CACHE_ROTATION_DELETES = new Set(["data-redis-auth-token", "data-redis-auth", "data-redis-auth-value"]);
/** The replication group's inputs the move from the AUTH token to RBAC changes. */
const RBAC_DIFFS = ["authToken", "authTokenUpdateStrategy", "userGroupIds", "applyImmediately"];

/** The provider the language host serves dynamic resources with: the rotation function's settings are the first. */
const DYNAMIC_PROVIDER = "pulumi:providers:pulumi-nodejs";

/** A step of cache isolation and secrets rotation (issue 18): its creates and deletes by name, its updates by type and input. */
function isCacheRotationStep(s: Step): boolean {
    const name = s.urn.split("::").pop()!;
    if (s.op === "create") return CACHE_ROTATION_CREATES.test(name) || s.type === DYNAMIC_PROVIDER;
    if (s.op === "delete") return CACHE_ROTATION_DELETES.has(name);
    if (s.op !== "update") return false;
    if (s.type === REPLICATION_GROUP) return s.diffs.length > 0 && s.diffs.every((d) => RBAC_DIFFS.includes(d));
    return s.type === ROLE_POLICY && name.endsWith("-execution-role-policy") && s.diffs.join() === "policy";
}

/** The rotation-failure alert's rule and target, by logical name. */
const ROTATION_ALERT_CREATES = new Set(["monitoring-secret-rotation-failed", "monitoring-secret-rotation-failed-target"]);

/** A step of the rotation-failure alert: its rule and target created. */
function isRotationAlertStep(s: Step): boolean {
    return s.op === "create" && ROTATION_ALERT_CREATES.has(s.urn.split("::").pop()!);
}

/** A step of any later change: not the move, counted apart. */
function isLaterChange(s: Step): boolean {
    return (
        isCustomDomainStep(s) ||
        isHardeningStep(s) ||
        isOffboardingStep(s) ||
        isCacheRotationStep(s) ||
        isEnterpriseStep(s) ||
        isRotationAlertStep(s)
    );
}

/**
 * Outputs without what the later changes changed: the stack outputs `ecs.customDomains` and
 * `database.rotationFunctionName`, and the replaced target groups' ARNs.
 */
function withoutLaterChanges(outputs: any): any {
    if (!outputs?.ecs) return outputs;
    const { customDomains: _d, targetGroupArns: _a, targetGroupArnSuffixes: _s, ...ecs } = outputs.ecs;
    const { rotationFunctionName: _r, ...database } = outputs.database ?? {};
    // Issue 21's premium tier: each tenant's deployed tier (the tier gate reads it) and the premium tenants' VPCs.
    const { tenantTiers: _t, tenantVpcs: _v, ...network } = outputs.network ?? {};
    return { ...outputs, ecs, ...(outputs.database ? { database } : {}), ...(outputs.network ? { network } : {}) };
}

/** The commit's program, scripted engine and stack files in a folder of their own, sharing our node_modules. */
function checkOut(commit: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbws-before-"));
    execSync(`git archive --format=tar ${commit} | tar -x -C '${dir}'`, { cwd: PROJECT_DIR });
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

interface Proof {
    readonly env: string;
    readonly before: StateResource[];
    readonly steps: Step[];
    readonly errors: readonly unknown[];
    readonly preview: string;
    readonly after: StateResource[];
    readonly again: Step[];
}

/** The README's table: per stack, what the preview of this program over the old program's state does. */
function renderAliasProof(proofs: readonly Proof[]): string {
    const rows = proofs.map((p) => {
        const count = (op: Step["op"]) => p.steps.filter((s) => s.op === op && !isLaterChange(s)).length;
        const domainSteps = p.steps.filter(isCustomDomainStep);
        const aliased = p.steps.filter((s) => s.old && s.old.urn !== s.urn).length;
        const created = [...TENANT_TYPES]
            .map((type) => [type, p.steps.filter((s) => s.op === "create" && s.type === type).length] as const)
            .map(([type, n]) => `${n} \`${type.split(":").pop()}\``)
            .join(", ");
        const domains = `${domainSteps.filter((s) => s.op === "create").length} certificate create, ${domainSteps.filter((s) => s.op === "update").length} rule update`;
        const hardening = p.steps.filter(isHardeningStep);
        const byType = (op: Step["op"]) =>
            [...new Set(hardening.filter((s) => s.op === op).map((s) => s.type))]
                .sort()
                .map((type) => `${hardening.filter((s) => s.op === op && s.type === type).length} \`${type.split(":").pop()}\``)
                .join(", ");
        const hardened = `replace ${byType("replace")}; update ${byType("update")}`;
        const offboarding = p.steps.filter(isOffboardingStep);
        const offboard = `${offboarding.filter((s) => s.op === "create").length} lifecycle create, ${offboarding.filter((s) => s.op === "update").length} task role policy update`;
        const cacheRotation = p.steps.filter(isCacheRotationStep);
        const ofCache = (op: Step["op"]) => cacheRotation.filter((s) => s.op === op);
        const updatedTypes = [...new Set(ofCache("update").map((s) => s.type))]
            .sort()
            .map((type) => `${ofCache("update").filter((s) => s.type === type).length} \`${type.split(":").pop()}\``)
            .join(", ");
        const rbac = `${ofCache("create").length} create; update ${updatedTypes}; ${ofCache("delete").length} delete (the AUTH token's)`;
        const enterprise = `${p.steps.filter(isEnterpriseStep).length} platform task role policy update`;
        const rotationAlert = `${p.steps.filter(isRotationAlertStep).length} create (event rule and target)`;
        return `| ${p.env} | ${p.before.length} | ${count("same")} (${aliased} through an alias) | ${count("create")}: ${created} | ${count("update")} | ${count("replace")} | ${count("delete")} | ${domains} | ${hardened} | ${offboard} | ${rbac} | ${enterprise} | ${rotationAlert} |`;
    });
    return [
        "| stack | resources the old program left | same | create (components only) | update | replace | delete | custom domains (a later change) | hardened containers (a later change) | offboarding fixes (a later change) | cache isolation and secrets rotation (a later change) | enterprise tier (a later change) | rotation-failure alert (a later change) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ...rows,
    ].join("\n");
}

describe("rehearsal: moving tenant resources under tenant components keeps every resource (aliases)", function () {
    this.timeout(300_000);
    let old: string;
    const stages: Stage[] = [];
    const proofs: Proof[] = [];

    before(async () => {
        old = checkOut(BEFORE);
        for (const env of ENVS) {
            const stackFile = fs.readFileSync(path.join(old, `Pulumi.${env}.yaml`), "utf8");
            const s = stage(env, { stackFiles: { [env]: stackFile } });
            stages.push(s);
            // Converged by the old program: its own scripted engine synthesizes its own components/.
            execFileSync(
                path.join(old, "automation", "rehearsal-engine", "bin", "pulumi"),
                ["up", "--yes", "--skip-preview", "--stack", env],
                {
                    cwd: s.projectDir,
                    env: { ...process.env, [ENGINE_HOME_VAR]: s.engineHome },
                },
            );
            const before = s.state().deployment.resources;
            const desired = await desiredState(s.projectDir, env);
            const { steps, errors } = computeSteps(desired.resources, before);
            const pulumi = path.join(s.pulumiRoot, "bin", "pulumi");
            const preview = execFileSync(pulumi, ["preview", "--stack", env], { cwd: s.projectDir, encoding: "utf8" });
            execFileSync(pulumi, ["up", "--yes", "--skip-preview", "--stack", env], { cwd: s.projectDir });
            const after = s.state().deployment.resources;
            proofs.push({ env, before, steps, errors, preview, after, again: computeSteps(desired.resources, after).steps });
        }
    });
    after(() => {
        stages.forEach((s) => s.dispose());
        if (old) fs.rmSync(old, { recursive: true, force: true });
    });

    for (const [i, env] of ENVS.entries()) {
        describe(`${env}, converged by the program of ${BEFORE.slice(0, 7)}, previewed by this one`, () => {
            const proof = () => proofs[i];

            it("raises no engine error (no alias claimed twice)", () => {
                expect(proof().errors).to.deep.equal([]);
            });
            it("creates, updates, replaces and deletes no AWS resource: every one the old program left is `same`", () => {
                const changed = proof().steps.filter(
                    (s) => s.op !== "same" && !(s.op === "create" && TENANT_TYPES.has(s.type)) && !isLaterChange(s),
                );
                expect(changed.map((s) => `${s.op} ${s.urn}`)).to.deep.equal([]);
                const explained = proof().steps.filter((s) => s.op !== "create" && isLaterChange(s)).length;
                expect(proof().steps.filter((s) => s.op === "same")).to.have.length(proof().before.length - explained);
            });
            it("creates only the per-tenant components, which are components (no provider, no id, no AWS resource)", () => {
                const creates = proof().steps.filter((s) => s.op === "create" && !isLaterChange(s));
                expect(creates).to.not.be.empty;
                for (const c of creates) {
                    expect(TENANT_TYPES.has(c.type), c.urn).to.equal(true);
                    expect(c.new!.custom, c.urn).to.equal(false);
                }
            });
            it("finds every moved resource through its alias: now under a tenant component whose parent is its old parent, the layer", () => {
                const moved = proof().steps.filter((s) => s.old && s.old.urn !== s.urn);
                expect(moved).to.not.be.empty;
                for (const s of moved) {
                    const parentType = s.new!.parent!.split("::")[2].split("$").pop()!;
                    expect(TENANT_TYPES.has(parentType), s.urn).to.equal(true);
                    expect(s.old!.parent, s.urn).to.equal(proof().steps.find((p) => p.urn === s.new!.parent)!.new!.parent);
                }
            });
            it("shows the creates and the unchanged count in the scripted preview's own words", () => {
                const creates = proof().steps.filter((s) => s.op === "create").length;
                const changes = proof().steps.filter((s) => s.op === "update" || s.op === "replace" || s.op === "delete").length;
                expect(proof().preview).to.include(`    create ${creates}\n`);
                expect(proof().preview).to.include(`${proof().before.length - changes} unchanged`);
                // Only the later changes' updates and replacements; deleted only the AUTH token's three.
                const lines = proof().preview.split("\n");
                const deleted = lines.filter((l) => l.startsWith(" - "));
                expect(deleted, deleted.join("\n")).to.have.length(CACHE_ROTATION_DELETES.size);
                for (const line of deleted)
                    expect(
                        line.split(/\s+/).some((word) => CACHE_ROTATION_DELETES.has(word)),
                        line,
                    ).to.equal(true);
                for (const line of lines.filter((l) => l.startsWith(" ~ ") || l.startsWith(" +- ")))
                    expect(
                        [...Object.keys(HARDENING_CHANGES), ROLE_POLICY, REPLICATION_GROUP].some((type) =>
                            line.includes(type.split(":").pop()!),
                        ),
                        line,
                    ).to.equal(true);
            });
            it("after the update, the state holds every resource under its new URN with its old id and outputs, and nothing changes again", () => {
                const { before, after, steps } = proof();
                const byOldUrn = new Map(before.map((r) => [r.urn, r]));
                for (const s of steps.filter((x) => x.old && x.op !== "delete")) {
                    const now = after.find((r) => r.urn === s.urn)!;
                    const was = byOldUrn.get(s.old!.urn)!;
                    expect(now, s.urn).to.not.equal(undefined);
                    // A replacement may get a new id (a target group's ARN holds its name): the engine's, not an alias's, doing.
                    if (s.op === "replace") continue;
                    expect(now.id, s.urn).to.equal(was.id);
                    // The later changes' updates change the inputs they name (and what AWS derives from them) and nothing else.
                    const changed = isLaterChange(s) ? s.diffs : [];
                    const kept = (o: any) => withoutLaterChanges({ ...o, ...Object.fromEntries(changed.map((d) => [d, undefined])) });
                    expect(kept(now.outputs), s.urn).to.deep.equal(kept(was.outputs));
                }
                const urns = new Set(after.map((r) => r.urn));
                for (const r of after) {
                    if (r.parent) expect(urns.has(r.parent), `${r.urn}'s parent`).to.equal(true);
                    for (const d of r.dependencies ?? []) expect(urns.has(d), `${r.urn} depends on ${d}`).to.equal(true);
                }
                expect(after).to.have.length(
                    before.length + steps.filter((x) => x.op === "create").length - steps.filter((x) => x.op === "delete").length,
                );
                expect(
                    proof()
                        .again.filter((x) => x.op !== "same")
                        .map((x) => `${x.op} ${x.urn}`),
                ).to.deep.equal([]);
            });
        });
    }

    it("is the table the README quotes (<!-- generated:alias-proof -->)", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const block = /<!-- generated:alias-proof -->\n([\s\S]*?)\n<!-- \/generated:alias-proof -->/.exec(readme)?.[1];
        expect(block, `README block; rendered:\n${renderAliasProof(proofs)}`).to.equal(renderAliasProof(proofs));
    });
});
