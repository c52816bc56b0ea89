// Entry point of the Pulumi program (`pulumi preview --stack sit` runs this).
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config";
import { loadConfig } from "./load-config";
import { createPlatform } from "./program";

function main() {
    try {
        return createPlatform(loadConfig());
    } catch (err) {
        // A config problem is the user's to fix: show the list of problems, not a stack trace.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}

export = main();
