/**
 * The architecture check (`npm run check:architecture`, `.dependency-cruiser.cjs`) must find what it
 * exists to find. A small tree written for the purpose breaks one rule of each kind, as the real tree
 * once did (issue #20's list); the real tree must break none.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./support/pulumi";
import { tempDir } from "./support/temp";

const CONFIG = path.join(PROJECT_DIR, ".dependency-cruiser.cjs");
const DEPCRUISE = path.join(PROJECT_DIR, "node_modules", ".bin", "depcruise");

interface Violation {
    readonly from: string;
    readonly to: string;
    readonly rule: { readonly name: string };
    /** For a cycle: the modules in it, as `{ name }`. */
    readonly cycle?: ReadonlyArray<{ readonly name: string }>;
}

/** What the check finds with the project's rules over `dirs` of `cwd`. */
function violations(cwd: string, dirs: readonly string[]): Violation[] {
    const run = spawnSync(DEPCRUISE, ["--config", CONFIG, "--output-type", "json", ...dirs], { cwd, encoding: "utf8" });
    if (!run.stdout) throw new Error(`depcruise printed nothing (exit ${run.status}): ${run.stderr}`);
    return JSON.parse(run.stdout).summary.violations;
}

/** The exit code of the check run as CI runs it (only the text reporter sets one). */
function exitCode(cwd: string, dirs: readonly string[]): number | null {
    return spawnSync(DEPCRUISE, ["--config", CONFIG, ...dirs], { cwd, encoding: "utf8" }).status;
}

/** A tree with one violation of each kind; `ok.ts` files show what the same rules allow. */
function violatingTree(): string {
    const dir = tempDir("bbws-architecture-");
    const files: Record<string, string> = {
        "package.json": JSON.stringify({ name: "fixture", dependencies: {}, devDependencies: { chai: "*" } }),
        "tsconfig.json": JSON.stringify({ compilerOptions: { module: "commonjs", strict: true } }),
        "src/config.ts": "export interface PlatformConfig { readonly env: string }\n",
        "src/load-config.ts":
            "import type { PlatformConfig } from './config';\nexport const loadConfig = (): PlatformConfig => ({ env: 'dev' });\n",
        "src/policy/report.ts": "import { renderTable } from '../../automation/table';\nexport const report = renderTable;\n",
        "components/network.ts": "import { loadConfig } from '../src/load-config';\nexport const vpc = loadConfig;\n",
        "components/ok.ts": "import type { PlatformConfig } from '../src/config';\nexport type Args = PlatformConfig;\n",
        "automation/table.ts": "export const renderTable = (): string => '';\n",
        "automation/gates.ts":
            "import type { LedgerRecord } from './ledger';\nexport interface Approval { readonly record?: LedgerRecord }\n",
        "automation/ledger.ts":
            "import type { Approval } from './gates';\nexport interface LedgerRecord { readonly approvals: Approval[] }\n",
        "automation/rehearse.ts": "import { scenario } from '../test/support/engine';\nexport const rehearse = scenario;\n",
        "automation/cli.ts": "import { expect } from 'chai';\nexport const check = expect;\n",
        "automation/ok.ts": "import type { PlatformConfig } from '../src/config';\nexport type Env = PlatformConfig['env'];\n",
        "test/support/engine.ts": "export const scenario = 1;\n",
    };
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    }
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

describe("architecture: the import rules are enforced", function () {
    this.timeout(60_000);

    describe("on a tree that breaks them", () => {
        const dirs = ["src", "components", "automation", "test"];
        let tree: string;
        let found: Violation[];
        const broken = (rule: string) => found.filter((v) => v.rule.name === rule).map((v) => `${v.from} → ${v.to}`);
        before(() => {
            tree = violatingTree();
            found = violations(tree, dirs);
        });

        it("fails, so CI fails", () => {
            expect(exitCode(tree, dirs)).to.not.equal(0);
        });

        it("must report a cycle, even one through types only (gates ↔ ledger)", () => {
            const cycles = found.filter((v) => v.rule.name === "no-cycle");
            expect(cycles).to.have.lengthOf(1);
            expect([cycles[0].from, ...(cycles[0].cycle ?? []).map((m) => m.name)]).to.have.members([
                "automation/gates.ts",
                "automation/ledger.ts",
                "automation/gates.ts",
            ]);
        });

        it("must report the program importing the driver (src/policy → automation/)", () => {
            expect(broken("program-not-driver")).to.deep.equal(["src/policy/report.ts → automation/table.ts"]);
        });

        it("must report a layer importing the config loader instead of receiving its arguments", () => {
            expect(broken("layers-see-only-config")).to.deep.equal(["components/network.ts → src/load-config.ts"]);
        });

        it("must report product code importing test code", () => {
            expect(broken("product-not-tests")).to.deep.equal(["automation/rehearse.ts → test/support/engine.ts"]);
        });

        it("must report product code loading a devDependency, which npm ci --omit=dev leaves out", () => {
            expect(broken("product-not-to-dev-dependency")).to.have.lengthOf(1);
            expect(broken("product-not-to-dev-dependency")[0]).to.match(/^automation\/cli\.ts → .*chai/);
        });

        it("must report nothing else: config types are open to layers and the driver", () => {
            expect(found.filter((v) => v.from.endsWith("/ok.ts"))).to.deep.equal([]);
            expect(found).to.have.lengthOf(5);
        });
    });

    it("the project's own tree breaks none of them", () => {
        const found = violations(PROJECT_DIR, ["src", "components", "automation", "test"]);
        expect(found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).to.deep.equal([]);
    });
});
