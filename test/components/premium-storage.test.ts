/**
 * A premium tenant's storage (README "Storage layer", "Isolation tiers"): its own EFS file system in its
 * own VPC, built as the shared one is, covered by the platform's backup plan, and what stays apart
 * between tenants of every pair of tiers. The network layer's `TenantVpcOutputs` is faked, one VPC per
 * premium tenant, as test/components/storage.test.ts fakes the platform's subnets.
 */
import { expect } from "chai";
import { createAwsModel, MOUNT_TARGET_SOURCE } from "../../automation/aws-model";
import { NAME_RULES, nameProblems, NameRule } from "../../automation/aws-name-rules";
import { backupPlanTag } from "../../components/file-system";
import { StorageLayer } from "../../components/storage";
import { MAX_TENANT_ID_LENGTH, PlatformConfig } from "../../src/config";
import type { RecordedOptions } from "../support/options";
import { backupArnMatches, buildStorage, expectRejected, fakeVpc, SHARED_EFS_GROUP, SHARED_PRIVATE } from "./storage-fixtures";
import { configFor, named, ofType, promiseOf, Registration, stackFileConfig } from "../support/pulumi";

const FILE_SYSTEM = "aws:efs/fileSystem:FileSystem";
const MOUNT_TARGET = "aws:efs/mountTarget:MountTarget";
const ACCESS_POINT = "aws:efs/accessPoint:AccessPoint";
const SELECTION = "aws:backup/selection:Selection";

/** dev's tenants with `tutorhub` premium, plus a second premium tenant: every pair of tiers exists. */
function premiumConfig(): PlatformConfig {
    const raw = stackFileConfig("dev")["bbws:tenants"] as Array<Record<string, unknown>>;
    return configFor("dev", {
        "bbws:tenants": [
            ...raw.map((t) => (t.id === "tutorhub" ? { ...t, tier: "premium" } : t)),
            { id: "shopfront", slot: 3, cpu: 256, memory: 512, tier: "premium" },
        ],
    });
}

const premiumVpcs = (cfg: PlatformConfig) =>
    Object.fromEntries(cfg.tenants.filter((t) => t.tier === "premium").map((t) => [t.id, fakeVpc(t.id, t.slot, cfg.network.azCount)]));

/** The resources registered under `urn`'s subtree (its children, their children...). */
function subtree(resources: readonly Registration[], urn: string): Registration[] {
    const children = resources.filter((r) => r.parent === urn);
    return children.flatMap((c) => [c, ...subtree(resources, c.urn)]);
}

describe("a premium tenant's storage", () => {
    const cfg = premiumConfig();
    const premium = cfg.tenants.filter((t) => t.tier === "premium");
    const basic = cfg.tenants.filter((t) => t.tier === "basic");
    let layer: StorageLayer;
    let resources: Registration[];
    let options: Map<string, RecordedOptions>;
    let shared: Registration;

    before(async () => {
        ({ layer, resources, options } = await buildStorage(cfg, premiumVpcs(cfg)));
        shared = named(resources, "storage-efs");
        expect(premium.map((t) => t.id)).to.have.members(["tutorhub", "shopfront"]);
        expect(basic.map((t) => t.id)).to.deep.equal(["aupairhive"]);
    });

    const ownOf = (id: string) => named(resources, `storage-${id}-efs`);

    describe("its own file system", () => {
        it(
            "is the tenant's own, in its TenantStorage: Fargate mounts only a file system of the task's VPC (AWS knowledge center " +
                "ecs-fargate-mount-efs-containers-tasks), mount-target DNS names do not resolve from another VPC (EFS user guide, " +
                "mount-fs-different-vpc), and a file system's mount targets are in one VPC (CreateMountTarget: MountTargetConflict)",
            () => {
                expect(ofType(resources, FILE_SYSTEM)).to.have.length(1 + premium.length);
                for (const tenant of premium) {
                    const tenantStorage = named(resources, `storage-${tenant.id}`);
                    expect(ownOf(tenant.id).parent, tenant.id).to.equal(tenantStorage.urn);
                }
                for (const tenant of basic) {
                    const own = subtree(resources, named(resources, `storage-${tenant.id}`).urn);
                    expect(
                        own.map((r) => r.type),
                        tenant.id,
                    ).to.deep.equal([ACCESS_POINT]);
                }
            },
        );
        it("has the shared file system's settings (encryption with the data key, general purpose, elastic, IA after 30 days)", () => {
            const settings = ({ creationToken, tags, ...rest }: Record<string, any>) => rest;
            for (const tenant of premium) expect(settings(ownOf(tenant.id).inputs), tenant.id).to.deep.equal(settings(shared.inputs));
            expect(shared.inputs.encrypted).to.equal(true);
        });
        it("is named bbws-efs-<id>-<env> (creation token and Name tag), tagged with the tenant and the backup plan", () => {
            for (const tenant of premium) {
                const own = ownOf(tenant.id).inputs;
                expect(own.creationToken).to.equal(`bbws-efs-${tenant.id}-dev`);
                expect(own.tags).to.deep.equal({
                    Name: `bbws-efs-${tenant.id}-dev`,
                    Tenant: tenant.id,
                    "bbws:backup-plan": "bbws-backup-plan-dev",
                });
            }
        });
        it("fits EFS's creation token (1–64 ASCII, CreateFileSystem) with the longest tenant id and stack name the loader accepts", () => {
            const rule = NAME_RULES[FILE_SYSTEM] as NameRule;
            const longest = `bbws-efs-${"t".repeat(MAX_TENANT_ID_LENGTH)}-${"e".repeat(16)}`;
            expect(nameProblems(rule, "storage-t-efs", { creationToken: longest })).to.deep.equal([]);
        });
        it("is retained in AWS where bbws:protection retains, not protected: offboarding deletes it with the tenant, after archiving its files", () => {
            for (const tenant of premium) {
                expect(options.get(`storage-${tenant.id}-efs`), tenant.id).to.deep.include({
                    protect: false,
                    retainOnDelete: cfg.protection.retainOnDelete,
                });
            }
            expect(options.get("storage-efs")!.protect).to.equal(cfg.protection.protect);
        });
        it("has automatic backups on, as the shared one", () => {
            for (const tenant of premium) {
                expect(named(resources, `storage-${tenant.id}-efs-backup-policy`).inputs.backupPolicy).to.deep.equal({ status: "ENABLED" });
            }
        });
        it("has the shared file system's policy, naming its own ARN: mount and write through a mount target, no root access, TLS only", async () => {
            const sharedPolicy = named(resources, "storage-efs-policy").inputs.policy as string;
            const sharedArn = await promiseOf(layer.fileSystemArn);
            for (const tenant of premium) {
                const arn = await promiseOf(layer.accessPoints[tenant.id].fileSystemArn);
                const policy = named(resources, `storage-${tenant.id}-efs-policy`).inputs.policy as string;
                expect(JSON.parse(policy), tenant.id).to.deep.equal(JSON.parse(sharedPolicy.split(sharedArn).join(arn)));
                expect(policy).to.not.contain(sharedArn);
            }
        });
    });

    describe("its mount targets", () => {
        it(
            "are one per private subnet of the tenant's own VPC (one per AZ: CreateMountTarget, MountTargetConflict), in its file-system " +
                "group, replaced by deleting first",
            () => {
                for (const tenant of premium) {
                    const targets = ofType(resources, MOUNT_TARGET).filter((t) => t.name.startsWith(`storage-${tenant.id}-efs-mount-`));
                    expect(
                        targets.map((t) => t.inputs.subnetId),
                        tenant.id,
                    ).to.have.members(Array.from({ length: cfg.network.azCount }, (_, i) => `subnet-private-${tenant.id}-${i}`));
                    for (const target of targets) {
                        expect(target.inputs.securityGroups, target.name).to.deep.equal([`sg-efs-${tenant.id}`]);
                        expect(options.get(target.name)?.deleteBeforeReplace, target.name).to.equal(true);
                    }
                }
            },
        );
        it("leave the shared file system's mount targets where they were: the platform's private subnets, the shared efs group", () => {
            const targets = ofType(resources, MOUNT_TARGET).filter((t) => t.name.startsWith("storage-efs-mount-"));
            expect(targets.map((t) => t.inputs.subnetId)).to.have.members(SHARED_PRIVATE.slice(0, cfg.network.azCount));
            for (const target of targets) expect(target.inputs.securityGroups).to.deep.equal([SHARED_EFS_GROUP]);
        });
    });

    describe("its access point", () => {
        it("is on its own file system, with a basic tenant's POSIX user and root directory rules", async () => {
            for (const tenant of premium) {
                const point = named(resources, `storage-efs-${tenant.id}`).inputs;
                expect(point.fileSystemId, tenant.id).to.equal(await promiseOf(layer.accessPoints[tenant.id].fileSystemId));
                expect(point.posixUser).to.deep.equal({ uid: tenant.posixId, gid: tenant.posixId });
                expect(point.rootDirectory).to.deep.equal({
                    path: `/tenants/${tenant.id}`,
                    creationInfo: { ownerUid: tenant.posixId, ownerGid: tenant.posixId, permissions: "750" },
                });
            }
        });
        it("hands later layers, through accessPoints[id], the file system each access point is on: the shared one for basic, its own for premium", async () => {
            const sharedId = await promiseOf(layer.fileSystemId);
            for (const tenant of cfg.tenants) {
                const ref = layer.accessPoints[tenant.id];
                const [id, arn] = [await promiseOf(ref.fileSystemId), await promiseOf(ref.fileSystemArn)];
                expect(id === sharedId, tenant.id).to.equal(tenant.tier === "basic");
                expect(arn, tenant.id).to.equal(`arn:aws:elasticfilesystem:${cfg.region}:${cfg.accountId}:file-system/${id}`);
                expect(named(resources, `storage-efs-${tenant.id}`).inputs.fileSystemId, tenant.id).to.equal(id);
            }
        });
    });

    describe("AWS Backup", () => {
        it(
            "selects every premium file system, and nothing else, through one tag-based assignment: a plan takes at most 10 " +
                'assignments, not adjustable (AWS Backup quotas); "Resources" and "Conditions" combine with AND (AWS Backup ' +
                'developer guide, "Assign resources with AWS CLI")',
            async () => {
                const selections = ofType(resources, SELECTION);
                expect(selections).to.have.length(2);
                const byTag = named(resources, "storage-backup-selection-tenant-efs").inputs;
                const platform = named(resources, "storage-backup-selection").inputs;
                expect(byTag.planId).to.equal(platform.planId);
                expect(byTag.iamRoleArn).to.equal(platform.iamRoleArn);
                expect(byTag.name).to.equal("bbws-backup-tenant-efs-dev");
                const tag = backupPlanTag("dev");
                expect(byTag.conditions).to.deep.equal([{ stringEquals: [{ key: `aws:ResourceTag/${tag.key}`, value: tag.value }] }]);
                const selects = (r: Registration, arn: string) =>
                    (byTag.resources as string[]).some((p) => backupArnMatches(p, arn)) &&
                    byTag.conditions[0].stringEquals.every((c: any) => r.inputs.tags?.[c.key.replace("aws:ResourceTag/", "")] === c.value);
                for (const tenant of premium) {
                    const arn = await promiseOf(layer.accessPoints[tenant.id].fileSystemArn);
                    expect(selects(ownOf(tenant.id), arn), tenant.id).to.equal(true);
                }
                expect(selects(shared, await promiseOf(layer.fileSystemArn)), "the shared one is the platform selection's").to.equal(false);
                expect(platform.resources).to.include(await promiseOf(layer.fileSystemArn));
            },
        );
        it("has no tenant assignment while no tenant is premium, so basic environments are unchanged", async () => {
            const { resources: basicOnly } = await buildStorage(configFor("dev"));
            expect(ofType(basicOnly, SELECTION).map((s) => s.name)).to.deep.equal(["storage-backup-selection"]);
        });
    });

    describe("isolation between tenants, for every pair of tiers (basic/basic, basic/premium, premium/premium)", () => {
        const pairs = () => cfg.tenants.flatMap((a) => cfg.tenants.filter((b) => b.id !== a.id).map((b) => [a, b] as const));

        it("covers every pair of tiers", () => {
            const kinds = new Set(pairs().map(([a, b]) => [a.tier, b.tier].sort().join("/")));
            expect([...kinds]).to.have.members(["basic/premium", "premium/premium"]);
            // basic/basic: dev's own two basic tenants, in test/components/storage.test.ts and below.
        });
        it("gives no tenant another's POSIX user or root directory, and mounts no premium file system from another tenant's group or subnet", async () => {
            for (const [a, b] of pairs()) {
                const pointA = named(resources, `storage-efs-${a.id}`).inputs;
                const pointB = named(resources, `storage-efs-${b.id}`).inputs;
                expect(pointA.posixUser.uid, `${a.id}/${b.id}`).to.not.equal(pointB.posixUser.uid);
                expect(pointA.rootDirectory.path, `${a.id}/${b.id}`).to.not.equal(pointB.rootDirectory.path);
                if (a.tier !== "premium") continue;
                const idA = await promiseOf(layer.accessPoints[a.id].fileSystemId);
                expect(await promiseOf(layer.accessPoints[b.id].fileSystemId), `${a.id}/${b.id}`).to.not.equal(idA);
                const targetsA = ofType(resources, MOUNT_TARGET).filter((t) => t.inputs.fileSystemId === idA);
                expect(targetsA).to.have.length(cfg.network.azCount);
                for (const target of targetsA) {
                    expect(target.inputs.securityGroups, `${a.id}/${b.id}`).to.deep.equal([`sg-efs-${a.id}`]);
                    expect(target.inputs.subnetId, `${a.id}/${b.id}`).to.match(new RegExp(`^subnet-private-${a.id}-`));
                }
            }
        });
        it("basic/basic: two basic tenants share the file system but not a POSIX user or root directory", async () => {
            const { layer: basicLayer, resources: basicOnly } = await buildStorage(configFor("dev"));
            const [a, b] = configFor("dev").tenants;
            expect(await promiseOf(basicLayer.accessPoints[a.id].fileSystemId)).to.equal(
                await promiseOf(basicLayer.accessPoints[b.id].fileSystemId),
            );
            const [pointA, pointB] = [a, b].map((t) => named(basicOnly, `storage-efs-${t.id}`).inputs);
            expect(pointA.posixUser).to.not.deep.equal(pointB.posixUser);
            expect(pointA.rootDirectory.path).to.not.equal(pointB.rootDirectory.path);
        });
    });

    describe("refuses arguments that cannot be combined", () => {
        it("a premium tenant without its VPC: its file system would have nowhere to be mounted", async () => {
            await expectRejected(buildStorage(cfg, {}), /tenant `tutorhub` is premium and has no `vpc`/);
        });
        it("a VPC for a basic tenant, or for no tenant at all", async () => {
            await expectRejected(
                buildStorage(cfg, { ...premiumVpcs(cfg), aupairhive: fakeVpc("aupairhive", 1, 2) }),
                /tenant `aupairhive` is basic and has `vpc`/,
            );
            await expectRejected(buildStorage(cfg, { ...premiumVpcs(cfg), ghost: fakeVpc("ghost", 9, 2) }), /`tenantVpcs` names ghost/);
        });
    });
});

describe("the AWS model refuses what EFS and AWS Backup refuse", () => {
    const model = () => createAwsModel({ accountId: "123456789012", region: "eu-west-1", azCount: 2 });
    const create = (m: ReturnType<typeof model>, type: string, name: string, inputs: Record<string, unknown>) =>
        m.newResource({ type, name, inputs, custom: type !== "awsx:ec2:Vpc" } as any) as { id: string; state: Record<string, any> };
    const vpc = (m: ReturnType<typeof model>, name: string) =>
        create(m, "awsx:ec2:Vpc", name, { cidrBlock: "10.64.0.0/22", numberOfAvailabilityZones: 2 }).state;

    it(`mount targets of one file system in two VPCs, or two in one AZ (${MOUNT_TARGET_SOURCE.split(" ")[0]})`, () => {
        const m = model();
        const [a, b] = [vpc(m, "a"), vpc(m, "b")];
        create(m, MOUNT_TARGET, "fs1-1", { fileSystemId: "fs-1", subnetId: a.privateSubnetIds[0] });
        expect(() => create(m, MOUNT_TARGET, "fs1-2", { fileSystemId: "fs-1", subnetId: b.privateSubnetIds[1] })).to.throw(
            /mount targets are all in one VPC/,
        );
        expect(() => create(m, MOUNT_TARGET, "fs1-3", { fileSystemId: "fs-1", subnetId: a.publicSubnetIds[0] })).to.throw(/one per AZ/);
        create(m, MOUNT_TARGET, "fs1-4", { fileSystemId: "fs-1", subnetId: a.privateSubnetIds[1] });
        create(m, MOUNT_TARGET, "fs2-1", { fileSystemId: "fs-2", subnetId: b.privateSubnetIds[0] });
    });
    it("more than 10 assignments in one backup plan (AWS Backup quotas: resource assignments per backup plan, not adjustable)", () => {
        const m = model();
        const selection = (i: number) => ({
            name: `s${i}`,
            planId: "plan-1",
            iamRoleArn: "arn:aws:iam::123456789012:role/r",
            resources: ["*"],
        });
        for (let i = 1; i <= 10; i++) create(m, SELECTION, `s${i}`, selection(i));
        expect(() => create(m, SELECTION, "s11", selection(11))).to.throw(/at most 10/);
        create(m, SELECTION, "other-plan", { ...selection(12), planId: "plan-2" });
    });
    it("more than 10,000 access points on one file system (EFS user guide, 'Creating access points')", () => {
        const m = model();
        const point = { fileSystemId: "fs-1", posixUser: { uid: 1, gid: 1 } };
        for (let i = 0; i < 10_000; i++) create(m, ACCESS_POINT, `ap${i}`, point);
        expect(() => create(m, ACCESS_POINT, "ap-one-more", point)).to.throw(/at most 10000/);
    });
});
