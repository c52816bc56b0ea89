import { expect } from "chai";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { checkBackend, checkCliVersion, checkGit, MIN_CLI_VERSION, preflight, readGit } from "../../automation/preflight";
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
        const result = preflight(configOf(env), {
            engine, git: async () => git, sts: async (region) => { regions.push(region); return new STSClient({ region }); }, ledger,
        }, (l) => lines.push(l));
        return { result, regions, lines };
    };

    for (const env of ENVIRONMENTS) {
        describe(`in ${env}`, () => {
            const cfg = configOf(env);

            it(`passes with ${env}'s account (asked in ${cfg.region}), a shared backend and a clean commit`, async () => {
                sts.on(GetCallerIdentityCommand).resolves({ Account: cfg.accountId, Arn: `arn:aws:sts::${cfg.accountId}:assumed-role/deployer/alice` });
                const { result, regions, lines } = run(env);
                expect((await result).caller.account).to.equal(cfg.accountId);
                expect(regions).to.deep.equal([cfg.region]);
                expect(lines[2]).to.equal(`AWS account ${cfg.accountId} as arn:aws:sts::${cfg.accountId}:assumed-role/deployer/alice, region ${cfg.region}`);
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
        sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
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
        expect(err.fix).to.include("pulumi refresh --stack sit").and.include("pulumi stack import --stack sit --file state.json");
        expect(regions).to.deep.equal([]);
    });

    it("stops (exit 2) on a ledger it cannot write, and logs the ledger only once it is proven writable", async () => {
        const cfg = configOf("dev");
        sts.on(GetCallerIdentityCommand).resolves({ Account: cfg.accountId, Arn: `arn:aws:sts::${cfg.accountId}:assumed-role/deployer/alice` });
        const unwritable = { location: "/srv/ledger", checkWritable: async () => { throw new LedgerError("ledger-unwritable", "read-only", "fix it"); } };
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

    it("reads HEAD and the tree's state from git", async () => {
        const git = await readGit(PROJECT_DIR);
        expect(git.commit).to.match(/^[0-9a-f]{40}$/);
        expect(await readGit("/")).to.deep.equal({ dirty: false });
    });
});
