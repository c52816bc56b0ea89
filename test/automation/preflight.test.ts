import { expect } from "chai";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { checkBackend, checkCliVersion, checkGit, MIN_CLI_VERSION, pendingRecovery, preflight, readGit } from "../../automation/preflight";
import { LedgerError } from "../../automation/ledger";
import { FakeEngine } from "../support/fake-engine";
import { COMMIT, configOf, PROJECT_DIR } from "../support/rollout";

const ENVIRONMENTS = ["dev", "sit", "prod"] as const;

describe("preflight", () => {
    const sts = mockClient(STSClient);
    beforeEach(() => sts.reset());

    const writable = { location: "/srv/ledger", checkWritable: async () => undefined };
    const run = (env: string, engine = new FakeEngine({ stack: env }), git = { commit: COMMIT, dirty: false }, ledger = writable) => {
        const regions: string[] = [];
        const lines: string[] = [];
        const result = preflight(
            configOf(env),
            {
                engine,
                git: async () => git,
                sts: async (region) => {
                    regions.push(region);
                    return new STSClient({ region });
                },
                ledger,
            },
            (l) => lines.push(l),
        );
        return { result, regions, lines };
    };

    for (const env of ENVIRONMENTS) {
        describe(`in ${env}`, () => {
            const cfg = configOf(env);

            it(`passes with ${env}'s account (asked in ${cfg.region}), a shared backend and a clean commit`, async () => {
                sts.on(GetCallerIdentityCommand).resolves({
                    Account: cfg.accountId,
                    Arn: `arn:aws:sts::${cfg.accountId}:assumed-role/deployer/alice`,
                });
                const { result, regions, lines } = run(env);
                expect((await result).caller.account).to.equal(cfg.accountId);
                expect(regions).to.deep.equal([cfg.region]);
                expect(lines[2]).to.equal(
                    `AWS account ${cfg.accountId} as arn:aws:sts::${cfg.accountId}:assumed-role/deployer/alice, region ${cfg.region}`,
                );
            });

            it("refuses credentials for another account, naming both accounts (exit 2)", async () => {
                sts.on(GetCallerIdentityCommand).resolves({ Account: "999999999999", Arn: "arn:aws:iam::999999999999:user/bob" });
                const err = await run(env).result.catch((e) => e);
                expect(err).to.include({ code: "wrong-account", exitCode: 2 });
                expect(err.message).to.include("999999999999").and.include(cfg.accountId);
            });
        });
    }

    it("reports missing credentials as a preflight error with what to set", async () => {
        sts.on(GetCallerIdentityCommand).rejects(
            Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
        );
        const err = await run("sit").result.catch((e) => e);
        expect(err).to.include({ code: "aws-credentials", exitCode: 2 });
        expect(err.fix).to.include("AWS_PROFILE");
    });

    it("stops (exit 2) on pending operations left by a killed CLI, naming each and how to recover, before asking AWS anything", async () => {
        const urn = "urn:pulumi:sit::bbws-platform::bbws:data:DataLayer$aws:rds/cluster:Cluster::data-aurora";
        const { result, regions } = run("sit", new FakeEngine({ stack: "sit", pendingOperations: [{ type: "updating", urn }] }));
        const err = await result.catch((e) => e);
        expect(err).to.include({ code: "pending-operations", exitCode: 2 });
        expect(err.message).to.include(`${urn}, interrupted while updating`);
        expect(err.fix).to.include("`pulumi refresh --stack sit` reads the real state of the interrupted updates");
        expect(err.fix).not.to.match(/stack import|pending-creates/);
        expect(regions).to.deep.equal([]);
    });

    it("gives a pending create the CLI's own choices: import it by id if it exists, else clear it; never a hand-edited state", () => {
        const create = "urn:pulumi:sit::bbws-platform::bbws:network:NetworkLayer$aws:ec2/flowLog:FlowLog::network-flow-log";
        const update = "urn:pulumi:sit::bbws-platform::bbws:data:DataLayer$aws:rds/cluster:Cluster::data-aurora";
        const fix = pendingRecovery(
            [
                { type: "creating", urn: create },
                { type: "updating", urn: update },
            ],
            "sit",
        );
        // pulumi/pulumi refresh.go: a StringArray of alternating URN and id ("each URN must be followed by an ID").
        expect(fix).to.include(`pulumi refresh --stack sit --import-pending-creates '${create}' --import-pending-creates '<id>'`);
        expect(fix).to.include("add `--yes` where no terminal can confirm");
        expect(fix).to.include("pulumi refresh --stack sit --clear-pending-creates");
        expect(fix).to.include("the command above does it too");
        expect(fix).not.to.include("stack import");
        expect(pendingRecovery([{ type: "deleting", urn: update }], "sit")).not.to.include("pending-creates");
    });

    it("stops (exit 2) on a ledger it cannot write, and logs the ledger only once it is proven writable", async () => {
        const cfg = configOf("dev");
        sts.on(GetCallerIdentityCommand).resolves({
            Account: cfg.accountId,
            Arn: `arn:aws:sts::${cfg.accountId}:assumed-role/deployer/alice`,
        });
        const unwritable = {
            location: "/srv/ledger",
            checkWritable: async () => {
                throw new LedgerError("ledger-unwritable", "read-only", "fix it");
            },
        };
        const { result, lines } = run("dev", undefined, undefined, unwritable);
        expect(await result.catch((e) => e)).to.include({ code: "ledger-unwritable", exitCode: 2 });
        expect(lines.join("\n")).not.to.include("ledger");
        const ok = run("dev");
        await ok.result;
        expect(ok.lines.slice(-1)).to.deep.equal(["ledger /srv/ledger"]);
    });

    it("turns a missing CLI into exit 2 with install instructions", async () => {
        const err = await run("dev", new FakeEngine({ stack: "dev", cliMissing: true })).result.catch((e) => e);
        expect(err).to.include({ code: "cli-missing", exitCode: 2 });
        expect(err.fix).to.include("get.pulumi.com");
    });

    it(`refuses a CLI older than ${MIN_CLI_VERSION}, which cannot apply saved plans`, () => {
        expect(() => checkCliVersion("3.150.1")).to.throw(/older than/);
        expect(() => checkCliVersion("v3.190.0")).not.to.throw();
        expect(() => checkCliVersion("3.248.0+dirty")).not.to.throw();
    });

    it("refuses a local file:// backend where config demands a shared one (sit, prod) and allows it in dev", () => {
        const local = { user: "alice", url: "file:///home/alice/.pulumi" };
        expect(() => checkBackend(local, configOf("sit").rollout, "sit")).to.throw(/local/);
        expect(() => checkBackend(local, configOf("prod").rollout, "prod")).to.throw(/local/);
        expect(() => checkBackend(local, configOf("dev").rollout, "dev")).not.to.throw();
        expect(() => checkBackend({ user: "alice" }, configOf("dev").rollout, "dev")).to.throw(/no state backend/);
    });

    it("refuses uncommitted changes where config demands a clean commit (sit, prod) and allows them in dev", () => {
        const dirty = { commit: COMMIT, dirty: true };
        expect(() => checkGit(dirty, configOf("sit").rollout, "sit")).to.throw(/uncommitted/);
        expect(() => checkGit(dirty, configOf("prod").rollout, "prod")).to.throw(/uncommitted/);
        expect(() => checkGit({ dirty: false }, configOf("prod").rollout, "prod")).to.throw(/not a git checkout/);
        expect(() => checkGit(dirty, configOf("dev").rollout, "dev")).not.to.throw();
    });

    it("reports, not refuses, uncommitted changes in a preview-only run: nothing will be applied from that tree", async () => {
        const cfg = configOf("prod");
        sts.on(GetCallerIdentityCommand).resolves({
            Account: cfg.accountId,
            Arn: `arn:aws:sts::${cfg.accountId}:assumed-role/readonly/pr`,
        });
        const lines: string[] = [];
        // A pull request's read-only role cannot write the ledger, and a preview does not need to.
        const readOnly = {
            location: "s3://bbws-ledger/prod",
            checkWritable: async () => {
                throw new LedgerError("ledger-unwritable", "read-only", "fix it");
            },
        };
        const deps = {
            engine: new FakeEngine({ stack: "prod" }),
            git: async () => ({ commit: COMMIT, dirty: true }),
            sts: async () => new STSClient({}),
            ledger: readOnly,
        };
        expect((await preflight(cfg, deps, (l) => lines.push(l), { previewOnly: true })).git.dirty).to.equal(true);
        expect(lines.slice(-2)).to.deep.equal([
            `commit ${COMMIT} with uncommitted changes (previewed as it is: ` +
                "a rollout from this tree would be refused where a clean commit is required)",
            "ledger s3://bbws-ledger/prod (read only: a preview records nothing)",
        ]);
        const refused = await preflight(cfg, deps, () => undefined).then(
            () => undefined,
            (err: Error) => err,
        );
        expect(refused?.message).to.match(/uncommitted/);
    });

    it("reads HEAD and the tree's state from git", async () => {
        const git = await readGit(PROJECT_DIR);
        expect(git.commit).to.match(/^[0-9a-f]{40}$/);
        expect(await readGit("/")).to.deep.equal({ dirty: false });
    });
});
