/**
 * The architecture, checked: which part of the code may import which (README, "Architecture").
 * `npm run check:architecture` runs it and `npm test` runs that first, so CI fails on a boundary
 * crossed, a cycle, or a package the product loads that `npm ci --omit=dev` would not install.
 *
 * Type-only imports count (`tsPreCompilationDeps`): a cycle through types is still two modules that
 * cannot be understood apart, and a layer that needs another's types depends on it. They are exempt
 * only where what matters is what loads at run time (packages, the engine SDK, I/O in the gates).
 */

/** The product: what operators run. Everything under `test/` is the only other code. */
const PRODUCT = "^(src|components|automation)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
    forbidden: [
        {
            name: "no-cycle",
            severity: "error",
            comment: "Modules in a cycle cannot be read, tested or loaded apart. Move what both need into a module of its own.",
            from: {},
            to: { circular: true },
        },
        {
            name: "phases-import-nothing",
            severity: "error",
            comment: "The phase registry is the bottom of the program: config, the program and the driver all read it.",
            from: { path: "^src/phases\\.ts$" },
            to: { dependencyTypes: ["local"] },
        },
        {
            name: "config-below-program",
            severity: "error",
            comment: "Config (schema, loader, image names) knows the phase registry and nothing built from it.",
            from: { path: "^src/(config|aws-provider-config|images|load-config)\\.ts$" },
            to: { path: "^(components|automation|test)/|^src/(program|index)\\.ts$|^src/policy/" },
        },
        {
            name: "layers-see-only-config",
            severity: "error",
            comment:
                "A layer (components/) receives what it consumes as arguments: it may use config types and helpers " +
                "(src/config.ts, src/images.ts, src/tenant-cidrs.ts, src/tiers.ts) and other layers' shapes, never the loader, the program, the driver or tests.",
            from: { path: "^components/" },
            to: { path: "^(src|automation|test)/", pathNot: "^src/(config|images|tenant-cidrs|tiers)\\.ts$" },
        },
        {
            name: "program-imports-config-phases-layers",
            severity: "error",
            comment:
                "The program (src/program.ts, src/index.ts) composes config, the phase registry and the layers; " +
                "not the policy pack (the real CLI loads that alone), not the driver, not anything else of ours.",
            from: { path: "^src/(program|index)\\.ts$" },
            to: {
                dependencyTypes: ["local"],
                pathNot: "^src/(phases|config|aws-provider-config|images|load-config|program)\\.ts$|^components/",
            },
        },
        {
            name: "layers-only-through-program",
            severity: "error",
            comment:
                "src/program.ts is the one door to the layers: another module of src/ importing components/ " +
                "(a src/layers.ts re-exporting one) would hand them to the driver past driver-not-layers.",
            from: { path: "^src/", pathNot: "^src/program\\.ts$" },
            to: { path: "^components/" },
        },
        {
            name: "program-not-driver",
            severity: "error",
            comment: "The program (src/) is what `pulumi preview` runs; the driver (automation/) runs it, not the other way round.",
            from: { path: "^src/" },
            to: { path: "^(automation|test)/" },
        },
        {
            name: "policy-pack-self-contained",
            severity: "error",
            comment:
                "The CrossGuard pack (src/policy/) is pure rules over resource views; the real CLI loads it on its own, " +
                "so it must not reach into the program or the layers.",
            from: { path: "^src/policy/" },
            to: { path: "^(src|components)/", pathNot: "^src/policy/" },
        },
        {
            name: "driver-not-layers",
            severity: "error",
            comment: "The driver reaches the layers only through the program (src/program.ts and its output types).",
            from: { path: "^automation/" },
            to: { path: "^components/" },
        },
        {
            name: "product-not-tests",
            severity: "error",
            comment: "What operators run must not load test code (issue #14.9: --rehearse loaded the scripted engine from test/).",
            from: { path: PRODUCT },
            to: { path: "^test/" },
        },
        {
            name: "scripted-engine-only-for-rehearsal",
            severity: "error",
            comment: "The scripted `pulumi` stands in for the real CLI only in a rehearsal: automation/rehearse.ts is its one door.",
            from: { path: "^automation/", pathNot: "^automation/(rehearse\\.ts$|rehearsal-engine/)" },
            to: { path: "^automation/rehearsal-engine/" },
        },
        {
            name: "gates-are-pure",
            severity: "error",
            comment:
                "Gates are data plus pure checks (STYLE.md 6): no I/O, no SDK, no engine. They read facts others gathered. " +
                "What gates.ts may import at run time (targets, plan-steps, replacement) is held to the same rule, so purity " +
                "is checked all the way down, not one import deep.",
            from: { path: "^automation/(gates|targets|plan-steps|replacement)\\.ts$" },
            to: {
                dependencyTypesNot: ["type-only"],
                pathNot: "^src/(phases|tiers)\\.ts$|^automation/(plan-steps|replacement|targets)\\.ts$",
            },
        },
        {
            name: "one-engine-adapter",
            severity: "error",
            comment:
                "Only automation/local-engine.ts loads the Automation API; everything else uses the Engine interface " +
                "(automation/engine.ts), so it can be tested against a fake. The root @pulumi/pulumi also exports it as " +
                "`automation`, a property access this check cannot see: test/architecture.test.ts scans for that.",
            from: { path: "^automation/", pathNot: "^automation/local-engine\\.ts$" },
            to: { path: "@pulumi/pulumi/automation", dependencyTypesNot: ["type-only"] },
        },
        {
            name: "product-not-to-dev-dependency",
            severity: "error",
            comment: "`npm ci --omit=dev` does not install devDependencies: what the product loads at run time belongs in `dependencies`.",
            from: { path: PRODUCT },
            to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
        },
        {
            name: "no-undeclared-package",
            severity: "error",
            comment: "A package that is only there because another one needs it can vanish with that one's next release: declare it.",
            from: {},
            to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
        },
        {
            name: "no-unresolvable",
            severity: "error",
            comment: "An import that resolves to nothing fails at run time.",
            from: {},
            to: { couldNotResolve: true },
        },
    ],
    options: {
        tsPreCompilationDeps: true,
        tsConfig: { fileName: "tsconfig.json" },
        // src/policy/package.json is the pack's manifest only; dependencies resolve from the root's.
        combinedDependencies: true,
        doNotFollow: { path: "node_modules" },
        enhancedResolveOptions: { extensions: [".ts", ".js", ".json"] },
        cache: false,
    },
};
