// The scripted engine's `pulumi`, loaded by the two-line launcher `bin/pulumi` (`PulumiCommand.get({ root })` runs
// `<root>/bin/pulumi`). Its body lives here, with an extension, so the architecture check reads it: that file has none.
// The engine is TypeScript; ts-node would cost half a second on each of the ~30 calls a rollout makes,
// and even sucrase's require hook a third of one, so this shim strips the types of each .ts file once
// and keeps the JavaScript in a cache keyed by the source's hash. Sucrase, not typescript, because the
// CLIs already need it at run time (`node -r sucrase/register/ts`); type-checking is `tsc --noEmit`'s job.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");

const cacheDir = path.join(os.tmpdir(), "bbws-scripted-pulumi-js");
// In the key, so another sucrase never reuses what this one wrote; its package.json costs less to read than sucrase to load.
const transformer = `sucrase ${require("sucrase/package.json").version}`;
let sucrase;

require.extensions[".ts"] = (module, filename) => {
    const source = fs.readFileSync(filename, "utf8");
    const key = crypto.createHash("sha256").update(transformer).update("\0").update(filename).update("\0").update(source).digest("hex");
    const cached = path.join(cacheDir, `${key}.js`);
    let js;
    try {
        js = fs.readFileSync(cached, "utf8");
    } catch {
        sucrase = sucrase || require("sucrase");
        js = sucrase.transform(source, { filePath: filename, transforms: ["typescript", "imports"] }).code;
        fs.mkdirSync(cacheDir, { recursive: true });
        const temporary = `${cached}.${process.pid}`;
        fs.writeFileSync(temporary, js);
        fs.renameSync(temporary, cached);
    }
    module._compile(js, filename);
};

// A literal specifier, so the architecture check sees this edge (`require` resolves it against this file).
require("../cli.ts").run(process.argv.slice(2));
