/**
 * An enterprise tenant's storage (README "Isolation tiers": "own KMS key, own AWS Backup plan"), as an
 * auditor would check it: its file system under its own key; its backups in its own vault under its
 * own key, and nowhere else (not in the environment's vault, not in EFS's automatic-backup vault); the
 * environment's plan never selecting its file system or cluster; the environment's schedule,
 * retention and one backup role; its vault outliving it; names AWS Backup accepts for every tenant id
 * and stack name the loader accepts. The data layer's `TenantCluster` (key, cluster ARN) and the network
 * layer's tenant VPCs are faked, as test/components/premium-storage.test.ts fakes the VPCs.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { NAME_RULES, nameProblems, NameRule } from "../../automation/aws-name-rules";
import { BACKUP_SCHEDULE, tenantBackupName } from "../../components/backup-plan";
import { backupPlanTag } from "../../components/file-system";
import { bbwsName } from "../../components/shared";
import { tenantFileSystemPart } from "../../components/tenant-storage";
import type { StorageLayer } from "../../components/storage";
import { isStackName, PlatformConfig } from "../../src/config";
import type { RecordedOptions } from "../support/options";
import { acceptedTenantId } from "../support/tenant-ids";
import { backupArnMatches, buildStorage, expectRejected, fakeInputs, fakeVpc } from "./storage-fixtures";
import { configFor, named, ofType, promiseOf, Registration, stackFileConfig } from "../support/pulumi";

const VAULT = "aws:backup/vault:Vault";
const PLAN = "aws:backup/plan:Plan";
const SELECTION = "aws:backup/selection:Selection";
const ROLE = "aws:iam/role:Role";

/** dev's tenants with `aupairhive` enterprise and `tutorhub` premium: the environment's tag selection exists beside the tenant's plan. */
function enterpriseConfig(): PlatformConfig {
    const raw = stackFileConfig("dev")["bbws:tenants"] as Array<Record<string, unknown>>;
    const tiers: Record<string, string> = { aupairhive: "enterprise", tutorhub: "premium" };
    return configFor("dev", { "bbws:tenants": raw.map((t) => ({ ...t, tier: tiers[t.id as string] })) });
}

/** The tenant's own key and cluster as `TenantCluster` hands them over (`bbws-tenant-<id>-aurora-<env>`). */
function ownData(cfg: PlatformConfig, id: string) {
    return {
        keyArn: `arn:aws:kms:${cfg.region}:${cfg.accountId}:key/99999999-8888-7777-6666-${id.padEnd(12, "0").slice(0, 12)}`,
        clusterArn: `arn:aws:rds:${cfg.region}:${cfg.accountId}:cluster:bbws-tenant-${id}-aurora-${cfg.env}`,
    };
}

/** Stack names the loader accepts (`isStackName`: 2–16 characters). */
const stackName = fc.stringMatching(/^[a-z][a-z0-9]{0,7}(-[a-z0-9]{1,3}){0,2}$/).filter(isStackName);

describe("an enterprise tenant's storage", () => {
    const cfg = enterpriseConfig();
    const ENTERPRISE = "aupairhive";
    const PREMIUM = "tutorhub";
    const own = ownData(cfg, ENTERPRISE);
    const environment = fakeInputs(cfg);
    const vpcs = () => Object.fromEntries([ENTERPRISE, PREMIUM].map((id, i) => [id, fakeVpc(id, i + 1, cfg.network.azCount)]));
    let layer: StorageLayer;
    let resources: Registration[];
    let options: Map<string, RecordedOptions>;
    const selections = () => ofType(resources, SELECTION);
    const tenantFileSystem = () => named(resources, `storage-${ENTERPRISE}-efs`);

    before(async () => {
        ({ layer, resources, options } = await buildStorage(cfg, vpcs(), { [ENTERPRISE]: own }));
    });

    it("encrypts its file system with its own key, not the environment's", () => {
        expect(tenantFileSystem().inputs).to.deep.include({ encrypted: true, kmsKeyId: own.keyArn });
        expect(named(resources, `storage-${PREMIUM}-efs`).inputs.kmsKeyId).to.equal(environment.keyArn);
        expect(named(resources, "storage-efs").inputs.kmsKeyId).to.equal(environment.keyArn);
    });

    it("has a vault of its own, encrypted with its own key, named and tagged for it", () => {
        const vault = named(resources, `storage-${ENTERPRISE}-backup-vault`).inputs;
        expect(vault).to.deep.include({ name: `bbws-${ENTERPRISE}-bkp-dev`, kmsKeyArn: own.keyArn });
        expect(vault.tags).to.deep.equal({ Name: `bbws-${ENTERPRISE}-bkp-dev`, Tenant: ENTERPRISE });
        expect(ofType(resources, VAULT).map((v) => v.inputs.name)).to.have.members(["bbws-backup-vault-dev", `bbws-${ENTERPRISE}-bkp-dev`]);
    });

    it("backs up its cluster and file system only into its own vault: its plan's one rule targets that vault and copies nowhere", async () => {
        const plan = named(resources, `storage-${ENTERPRISE}-backup-plan`).inputs;
        expect(plan.name).to.equal(`bbws-${ENTERPRISE}-bkp-dev`);
        expect(plan.rules).to.have.length(1);
        expect(plan.rules[0].targetVaultName).to.equal(`bbws-${ENTERPRISE}-bkp-dev`);
        expect(plan.rules[0].copyActions ?? []).to.deep.equal([]);
        const selection = named(resources, `storage-${ENTERPRISE}-backup-selection`).inputs;
        expect(selection.name).to.equal(`bbws-${ENTERPRISE}-bkp-dev`);
        expect(selection.resources).to.deep.equal([own.clusterArn, await promiseOf(layer.accessPoints[ENTERPRISE].fileSystemArn)]);
        expect(selection.conditions ?? []).to.deep.equal([]);
    });

    it("is never selected by the environment's plan: not by ARN, and its file system lacks the tag the premium file systems' selection requires", async () => {
        const tag = backupPlanTag("dev");
        const arn = await promiseOf(layer.accessPoints[ENTERPRISE].fileSystemArn);
        const platform = named(resources, "storage-backup-selection").inputs;
        expect(platform.resources).to.deep.equal([environment.clusterArn, await promiseOf(layer.fileSystemArn)]);
        const byTag = named(resources, "storage-backup-selection-tenant-efs").inputs;
        expect(byTag.conditions).to.deep.equal([{ stringEquals: [{ key: `aws:ResourceTag/${tag.key}`, value: tag.value }] }]);
        const selectedByTag = (fs: Registration, fsArn: string) =>
            (byTag.resources as string[]).some((p) => backupArnMatches(p, fsArn)) && fs.inputs.tags?.[tag.key] === tag.value;
        expect(selectedByTag(tenantFileSystem(), arn)).to.equal(false);
        expect(tenantFileSystem().inputs.tags).to.deep.equal({ Name: `bbws-efs-${ENTERPRISE}.own-key-dev`, Tenant: ENTERPRISE });
        // The premium tenant's still is: the tag selection stays for it.
        const premium = named(resources, `storage-${PREMIUM}-efs`);
        expect(selectedByTag(premium, await promiseOf(layer.accessPoints[PREMIUM].fileSystemArn))).to.equal(true);
        for (const s of selections().filter((x) => x.name !== `storage-${ENTERPRISE}-backup-selection`)) {
            expect(s.inputs.resources, s.name).not.to.include(own.clusterArn);
            expect(s.inputs.resources, s.name).not.to.include(arn);
        }
    });

    it('turns EFS automatic backups off for its file system: they would be kept in aws/efs/automatic-backup-vault, outside its vault and key (EFS user guide, "Backing up EFS file systems")', () => {
        expect(named(resources, `storage-${ENTERPRISE}-efs-backup-policy`).inputs.backupPolicy).to.deep.equal({ status: "DISABLED" });
        expect(named(resources, `storage-${PREMIUM}-efs-backup-policy`).inputs.backupPolicy).to.deep.equal({ status: "ENABLED" });
        expect(named(resources, "storage-efs-backup-policy").inputs.backupPolicy).to.deep.equal({ status: "ENABLED" });
    });

    it("keeps the environment's schedule, windows and retention (bbws:storage.backupRetentionDays)", () => {
        const rule = (name: string) => named(resources, name).inputs.rules[0];
        const mine = rule(`storage-${ENTERPRISE}-backup-plan`);
        const theirs = rule("storage-backup-plan");
        expect(mine.schedule).to.equal(BACKUP_SCHEDULE);
        expect(mine.lifecycle).to.deep.equal({ deleteAfter: cfg.storage.backupRetentionDays });
        for (const key of ["schedule", "startWindow", "completionWindow", "lifecycle", "ruleName"])
            expect(mine[key], key).to.deep.equal(theirs[key]);
    });

    it("uses the environment's one backup role, adding none: IAM roles per account are a quota", () => {
        expect(ofType(resources, ROLE).map((r) => r.inputs.name)).to.deep.equal(["bbws-backup-dev"]);
        const roleArns = new Set(selections().map((s) => JSON.stringify(s.inputs.iamRoleArn)));
        expect(roleArns.size).to.equal(1);
    });

    it("outlives offboarding with its recovery points: the vault is retained, never protected (DeleteBackupVault refuses a vault that holds recovery points); plan and selection go with the tenant", () => {
        expect(options.get(`storage-${ENTERPRISE}-backup-vault`)).to.deep.include({ protect: false, retainOnDelete: true });
        expect(options.get(`storage-${ENTERPRISE}-backup-plan`)?.retainOnDelete).not.to.equal(true);
        expect(options.get(`storage-${ENTERPRISE}-backup-selection`)).to.deep.include({ deleteBeforeReplace: true });
        expect(named(resources, `storage-${ENTERPRISE}-backup-vault`).parent).to.match(/TenantStorage::storage-aupairhive$/);
    });

    it("exposes its vault's name, by tenant id, for the stack outputs (storage.tenantBackupVaultNames); no other tenant has one", async () => {
        expect(Object.keys(layer.tenantBackupVaultNames)).to.deep.equal([ENTERPRISE]);
        expect(await promiseOf(layer.tenantBackupVaultNames[ENTERPRISE])).to.equal(`bbws-${ENTERPRISE}-bkp-dev`);
    });

    it("gives a premium or basic tenant no plan of its own", () => {
        expect(ofType(resources, PLAN).map((p) => p.name)).to.have.members(["storage-backup-plan", `storage-${ENTERPRISE}-backup-plan`]);
    });

    it("names its file system bbws-efs-<id>.own-key-<env>, which fits EFS's creation token (1–64 ASCII, CreateFileSystem) for every tenant id and stack name the schema accepts, and never equals a premium tenant's (a tenant id is a DNS label: no '.')", () => {
        const rule = NAME_RULES["aws:efs/fileSystem:FileSystem"] as NameRule;
        expect(tenantFileSystem().inputs.creationToken).to.equal(`bbws-efs-${ENTERPRISE}.own-key-dev`);
        fc.assert(
            fc.property(acceptedTenantId, acceptedTenantId, stackName, (id, other, env) => {
                const token = bbwsName(env, tenantFileSystemPart(id, true));
                expect(nameProblems(rule, "storage-t-efs", { creationToken: token }), token).to.deep.equal([]);
                expect(token).not.to.equal(bbwsName(env, tenantFileSystemPart(other, false)));
            }),
            { numRuns: 200 },
        );
        expect(bbwsName("e".repeat(16), tenantFileSystemPart("t".repeat(23), true))).to.have.length(57);
    });

    describe("names AWS Backup accepts", () => {
        const rule = (type: string) => NAME_RULES[type] as NameRule;
        it("fit the vault's ^[a-zA-Z0-9\\-\\_]{2,50}$ (CreateBackupVault), the plan's 1–50 of alphanumerics and -_. (BackupPlanInput) and the selection's ^[a-zA-Z0-9\\-\\_\\.]{1,50}$ (BackupSelection), for every tenant id the schema accepts and every stack name", () => {
            fc.assert(
                fc.property(acceptedTenantId, stackName, (id, env) => {
                    const name = tenantBackupName(env, id);
                    for (const type of [VAULT, PLAN, SELECTION])
                        expect(nameProblems(rule(type), "n", { name }), `${type} ${name}`).to.deep.equal([]);
                }),
                { numRuns: 200 },
            );
            // The longest: 23-character id, 16-character stack name.
            expect(tenantBackupName("e".repeat(16), "t".repeat(23))).to.have.length(49);
        });
        it("never equal one of the environment's, whatever the id: the environment's never end in -bkp-<env>", () => {
            const environmentNames = (env: string) =>
                ["backup-vault", "backup-plan", "backup", "backup-tenant-efs"].map((p) => `bbws-${p}-${env}`);
            fc.assert(
                fc.property(acceptedTenantId, stackName, (id, env) => {
                    const name = tenantBackupName(env, id);
                    expect(environmentNames(env)).not.to.include(name);
                    for (const n of environmentNames(env)) expect(n.endsWith(`-bkp-${env}`), n).to.equal(false);
                }),
                { numRuns: 200 },
            );
        });
    });

    describe("refuses arguments that cannot be combined", () => {
        it("an enterprise tenant without its key and cluster: its file system and backups would fall back to the environment's key", async () => {
            await expectRejected(buildStorage(cfg, vpcs()), /tenant `aupairhive` is enterprise and has no `ownData`/);
        });
        it("a key and cluster for a premium tenant, or for no tenant at all", async () => {
            await expectRejected(
                buildStorage(cfg, vpcs(), { [ENTERPRISE]: own, [PREMIUM]: ownData(cfg, PREMIUM) }),
                /tenant `tutorhub` is premium and has `ownData`/,
            );
            await expectRejected(buildStorage(cfg, vpcs(), { [ENTERPRISE]: own, ghost: own }), /`tenantClusters` names ghost/);
        });
    });
});
