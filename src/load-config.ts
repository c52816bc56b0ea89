import * as pulumi from "@pulumi/pulumi";
import { decodeConfigValue, parseConfig, PlatformConfig } from "./config";

/**
 * Reads this stack's `bbws:*` and `aws:*` config and validates it once. The whole config map is read
 * (not key by key with `new pulumi.Config("bbws").get`) so that a misspelt key is reported, not ignored.
 */
export function loadConfig(): PlatformConfig {
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith("bbws:") || key.startsWith("aws:")) raw[key] = decodeConfigValue(value);
    }
    return parseConfig(pulumi.getStack(), raw);
}
