/**
 * The architecture check (`npm run check:architecture`, `.dependency-cruiser.cjs`) must find what it
 * exists to find. A small tree written for the purpose breaks each rule exactly once, as the real tree
 * once did (issue #20's list); the real tree must break none. The rules are read from the config, so
 * a rule added there without a fixture edge here fails this test.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { PROJECT_DIR } from "./support/pulumi";
import { tempDir } from "./support/temp";

const CONFIG = path.join(PROJECT_DIR, ".dependency-cruiser.cjs");
const DEPCRUISE = path.join(PROJECT_DIR, "node_modules", ".bin", "depcruise");
/** The rule names, in the config's order. */
const RULES: readonly string[] = (require(CONFIG) as { forbidden: Array<{ name: string }> }).forbidden.map((r) => r.name);

interface Violation {
    readonly from: string;
    readonly to: string;
    readonly rule: { readonly name: string };
    /** For a cycle: the modules in it, as `{ name }`. */
    readonly cycle?: ReadonlyArray<{ readonly name: string }>;
}

/** What the check finds with the project's rules over `dirs` of `cwd`. */
function violations(cwd: string, dirs: readonly string[]): Violation[] {
    // Its JSON describes every module and dependency: over 1 MiB, spawnSync's default maxBuffer, which would cut it.
    const run = spawnSync(DEPCRUISE, ["--config", CONFIG, "--output-type", "json", ...dirs], {
        cwd,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
    });
    if (!run.stdout) throw new Error(`depcruise printed nothing (exit ${run.status}): ${run.stderr}`);
    return JSON.parse(run.stdout).summary.violations;
}

/** The exit code of the check run as CI runs it (only the text reporter sets one). */
function exitCode(cwd: string, dirs: readonly string[]): number | null {
    return spawnSync(DEPCRUISE, ["--config", CONFIG, ...dirs], { cwd, encoding: "utf8" }).status;
}

/**
 * For each rule, the one edge of the fixture tree that breaks it, as `from → to` (a package as
 * `node_modules/<package>/<file>`, wherever node_modules really is).
 */
const BROKEN: Readonly<Record<string, string>> = {
    // Through types only: still two modules that cannot be read apart.
    "no-cycle": "automation/gates.ts → automation/ledger.ts",
    "phases-import-nothing": "src/phases.ts → src/config.ts",
    "config-below-program": "src/aws-provider-config.ts → src/policy/rule.ts",
    "layers-see-only-config": "components/network.ts → src/load-config.ts",
    "program-imports-config-phases-layers": "src/index.ts → src/policy/rule.ts",
    "layers-only-through-program": "src/layers.ts → components/network.ts",
    "program-not-driver": "src/policy/report.ts → automation/table.ts",
    "policy-pack-self-contained": "src/policy/waivers.ts → src/config.ts",
    "driver-not-layers": "automation/verify/ecs.ts → components/network.ts",
    "product-not-tests": "automation/rehearse.ts → test/support/engine.ts",
    "scripted-engine-only-for-rehearsal": "automation/rollout.ts → automation/rehearsal-engine/scenario.ts",
    "gates-are-pure": "automation/targets.ts → fs",
    "one-engine-adapter": "automation/drift.ts → node_modules/@pulumi/pulumi/automation/index.js",
    "product-not-to-dev-dependency": "automation/cli.ts → node_modules/chai/index.js",
    "no-undeclared-package": "test/support/parse.ts → node_modules/yaml/dist/index.js",
    "no-unresolvable": "test/support/missing.ts → ./nowhere",
};

/**
 * A tree that breaks each rule once (the comment on each file says which); `ok.ts` files and the
 * allowed imports beside each break show what the same rules let through.
 */
function violatingTree(): string {
    const dir = tempDir("bbws-architecture-");
    const files: Record<string, string> = {
        "package.json": JSON.stringify({
            name: "fixture",
            dependencies: { "@pulumi/pulumi": "*" },
            devDependencies: { chai: "*" },
        }),
        "tsconfig.json": JSON.stringify({ compilerOptions: { module: "commonjs", strict: true } }),
        // phases-import-nothing
        "src/phases.ts": "import { ENVS } from './config';\nexport const PHASES = ENVS;\n",
        "src/config.ts": "export interface PlatformConfig { readonly env: string }\nexport const ENVS = ['dev'];\n",
        "src/load-config.ts":
            "import type { PlatformConfig } from './config';\nexport const loadConfig = (): PlatformConfig => ({ env: 'dev' });\n",
        // config-below-program
        "src/aws-provider-config.ts": "import { RULES } from './policy/rule';\nexport const provider = RULES;\n",
        "src/program.ts":
            "import { vpc } from '../components/network';\nimport { PHASES } from './phases';\nexport const createPlatform = () => [vpc, PHASES];\n",
        // program-imports-config-phases-layers; the program itself is open to it
        "src/index.ts":
            "import { createPlatform } from './program';\nimport { RULES } from './policy/rule';\nexport const stack = [createPlatform, RULES];\n",
        // layers-only-through-program: a second door to the layers, past src/program.ts
        "src/layers.ts": "export { vpc } from '../components/network';\n",
        "src/policy/rule.ts": "export const RULES: string[] = [];\n",
        // program-not-driver
        "src/policy/report.ts": "import { renderTable } from '../../automation/table';\nexport const report = renderTable;\n",
        // policy-pack-self-contained (a type is enough)
        "src/policy/waivers.ts": "import type { PlatformConfig } from '../config';\nexport type Waiver = PlatformConfig;\n",
        // layers-see-only-config
        "components/network.ts": "import { loadConfig } from '../src/load-config';\nexport const vpc = loadConfig;\n",
        "components/ok.ts": "import type { PlatformConfig } from '../src/config';\nexport type Args = PlatformConfig;\n",
        "automation/table.ts": "export const renderTable = (): string => '';\n",
        // no-cycle (with ledger.ts, types only); the phase registry and targets.ts are open to the gates
        "automation/gates.ts":
            "import type { LedgerRecord } from './ledger';\nimport { PHASES } from '../src/phases';\n" +
            "import { isAlwaysTargeted } from './targets';\n" +
            "export interface Approval { readonly record?: LedgerRecord }\nexport const gate = () => [PHASES, isAlwaysTargeted];\n",
        // gates-are-pure, one import below gates.ts
        "automation/targets.ts": "import * as fs from 'fs';\nexport const isAlwaysTargeted = (): boolean => fs.existsSync('x');\n",
        "automation/ledger.ts":
            "import type { Approval } from './gates';\nexport interface LedgerRecord { readonly approvals: Approval[] }\n",
        // product-not-tests; the scripted engine is open to rehearse.ts
        "automation/rehearse.ts":
            "import { scenario } from '../test/support/engine';\nimport { script } from './rehearsal-engine/scenario';\n" +
            "export const rehearse = [scenario, script];\n",
        "automation/rehearsal-engine/scenario.ts": "export const script = {};\n",
        // scripted-engine-only-for-rehearsal
        "automation/rollout.ts": "import { script } from './rehearsal-engine/scenario';\nexport const rollout = script;\n",
        // driver-not-layers
        "automation/verify/ecs.ts": "import { vpc } from '../../components/network';\nexport const check = vpc;\n",
        // one-engine-adapter; local-engine.ts is the one module allowed to
        "automation/drift.ts": "import { LocalWorkspace } from '@pulumi/pulumi/automation';\nexport const drift = LocalWorkspace;\n",
        "automation/local-engine.ts":
            "import { LocalWorkspace } from '@pulumi/pulumi/automation';\nexport const engine = LocalWorkspace;\n",
        // product-not-to-dev-dependency
        "automation/cli.ts": "import { expect } from 'chai';\nexport const check = expect;\n",
        // the driver reaches the layers through the program, and config types are open to it
        "automation/ok.ts":
            "import type { PlatformConfig } from '../src/config';\nimport { createPlatform } from '../src/program';\n" +
            "export type Env = PlatformConfig['env'];\nexport const platform = createPlatform;\n",
        "test/support/engine.ts": "export const scenario = 1;\n",
        // no-undeclared-package: in node_modules, not in this package.json
        "test/support/parse.ts": "import { parse } from 'yaml';\nexport const read = parse;\n",
        // no-unresolvable
        "test/support/missing.ts": "import { nothing } from './nowhere';\nexport const missing = nothing;\n",
    };
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    }
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

/** `from → to`, with a package's path from its `node_modules/` on, wherever the symlink leads. */
const edge = (v: Violation): string => `${v.from} → ${v.to.replace(/^.*?node_modules\//, "node_modules/")}`;

/** The one module that may use the Automation API (rule one-engine-adapter). */
const ENGINE_ADAPTER = "automation/local-engine.ts";
/** The Automation API's entry points, by the names code would reach them with. */
const ENGINE_ENTRY_POINTS = new Set(["LocalWorkspace", "RemoteWorkspace", "PulumiCommand"]);

/**
 * Where `text` reaches the Automation API past what dependency-cruiser sees: the root `@pulumi/pulumi`
 * exports it as `automation` too, so `import * as p from "@pulumi/pulumi"; p.automation.LocalWorkspace`
 * is an import of an allowed package followed by a property access. Flags, as `file:line: what`, any
 * `.automation` or `["automation"]`, any `automation` imported or destructured by name, and any
 * LocalWorkspace, RemoteWorkspace or PulumiCommand named in code; comments, strings and types are
 * skipped (types load nothing, as the rule's `type-only` exemption says).
 */
function automationApiUses(file: string, text: string): string[] {
    const kind = /\.tsx?$/.test(file) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
    const found: string[] = [];
    const flag = (node: ts.Node, what: string): void => {
        found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${what}`);
    };
    const named = (name: ts.Node | undefined): boolean =>
        !!name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) && name.text === "automation";
    const visit = (node: ts.Node): void => {
        // A class's `extends` clause is a value, although the compiler files it with the types.
        if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
        if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
        if (ts.isImportDeclaration(node) && node.importClause?.isTypeOnly) return;
        if ((ts.isImportSpecifier(node) || ts.isExportSpecifier(node)) && node.isTypeOnly) return;
        if (ts.isPropertyAccessExpression(node) && node.name.text === "automation") flag(node, ".automation");
        else if (ts.isElementAccessExpression(node) && named(node.argumentExpression)) flag(node, '["automation"]');
        else if (
            (ts.isImportSpecifier(node) || ts.isExportSpecifier(node) || ts.isBindingElement(node)) &&
            named(node.propertyName ?? node.name)
        )
            flag(node, "automation by name");
        else if (ts.isIdentifier(node) && ENGINE_ENTRY_POINTS.has(node.text)) flag(node, node.text);
        ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
}

/** The product's code files under `dir` (relative to the project): by extension, or a `node` shebang. */
function productCode(dir: string): string[] {
    return fs.readdirSync(path.join(PROJECT_DIR, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) return productCode(rel);
        if (/\.(ts|js|cjs|mjs)$/.test(e.name)) return [rel];
        return path.extname(e.name) === "" && /^#!.*\bnode\b/.test(fs.readFileSync(path.join(PROJECT_DIR, rel), "utf8")) ? [rel] : [];
    });
}

describe("architecture: the import rules are enforced", function () {
    this.timeout(60_000);

    describe("on a tree that breaks each rule once", () => {
        const dirs = ["src", "components", "automation", "test"];
        let tree: string;
        let found: Violation[];
        before(() => {
            tree = violatingTree();
            found = violations(tree, dirs);
        });

        it("fails, so CI fails", () => {
            expect(exitCode(tree, dirs)).to.not.equal(0);
        });

        for (const rule of RULES) {
            it(`must report ${rule}: ${BROKEN[rule] ?? "(no fixture edge: add one to BROKEN and violatingTree)"}`, () => {
                expect(BROKEN, `rule ${rule} has no fixture edge that breaks it`).to.have.property(rule);
                expect(found.filter((v) => v.rule.name === rule).map(edge)).to.deep.equal([BROKEN[rule]]);
            });
        }

        it("must report the whole cycle, even one through types only (gates ↔ ledger)", () => {
            const cycle = found.find((v) => v.rule.name === "no-cycle");
            expect([cycle?.from, ...(cycle?.cycle ?? []).map((m) => m.name)]).to.have.members([
                "automation/gates.ts",
                "automation/ledger.ts",
                "automation/gates.ts",
            ]);
        });

        it("has a fixture edge only for rules that exist", () => {
            expect(Object.keys(BROKEN)).to.have.members([...RULES]);
        });

        it("must report nothing else: what the rules allow (ok.ts, the allowed imports beside each break) passes", () => {
            expect(found.filter((v) => v.from.endsWith("/ok.ts"))).to.deep.equal([]);
            expect(found.map(edge)).to.have.lengthOf(RULES.length);
        });
    });

    describe("one engine adapter, past imports: the Automation API through the root @pulumi/pulumi (a syntax scan)", () => {
        it("finds p.automation.LocalWorkspace, and `automation` imported, required or destructured by name", () => {
            const text = [
                'import * as p from "@pulumi/pulumi";',
                "const w = p.automation.LocalWorkspace.create({});",
                'import { automation } from "@pulumi/pulumi";',
                'const { automation: a } = require("@pulumi/pulumi");',
                'const b = (await import("@pulumi/pulumi"))["automation"];',
                "class Mine extends p.automation.LocalWorkspace {}",
            ].join("\n");
            expect(automationApiUses("automation/rollout.ts", text)).to.deep.equal([
                "automation/rollout.ts:2: .automation",
                "automation/rollout.ts:2: LocalWorkspace",
                "automation/rollout.ts:3: automation by name",
                "automation/rollout.ts:4: automation by name",
                'automation/rollout.ts:5: ["automation"]',
                "automation/rollout.ts:6: .automation",
                "automation/rollout.ts:6: LocalWorkspace",
            ]);
            expect(
                automationApiUses("automation/rehearsal-engine/bin/pulumi.cjs", 'require("@pulumi/pulumi").automation;'),
            ).to.have.lengthOf(1);
        });

        it("lets through comments, strings, types and an `automation` key of our own", () => {
            const text = [
                "/** Through the real `LocalWorkspace` adapter; `p.automation` is local-engine.ts's. */",
                'import type { PulumiCommand } from "@pulumi/pulumi/automation";',
                'import type * as p from "@pulumi/pulumi";',
                "type W = typeof p.automation.LocalWorkspace;",
                "export interface E { readonly cmd: PulumiCommand }",
                'const says = "PulumiCommand.get({ root }) runs <root>/bin/pulumi";',
                'const owner = { automation: "driver" };',
            ].join("\n");
            expect(automationApiUses("automation/engine.ts", text)).to.deep.equal([]);
        });

        it(`the project's product code uses none outside ${ENGINE_ADAPTER}, which does`, () => {
            const uses = (file: string) => automationApiUses(file, fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"));
            const files = ["src", "components", "automation"].flatMap(productCode);
            expect(files).to.include.members([
                ENGINE_ADAPTER,
                "automation/rehearsal-engine/bin/pulumi.cjs",
                "automation/rehearsal-engine/bin/pulumi",
            ]);
            expect(files.filter((f) => f !== ENGINE_ADAPTER).flatMap(uses)).to.deep.equal([]);
            expect(uses(ENGINE_ADAPTER)).to.not.deep.equal([]);
        });
    });

    it("the project's own tree breaks none of them", () => {
        const found = violations(PROJECT_DIR, ["src", "components", "automation", "test"]);
        expect(found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).to.deep.equal([]);
    });
});
