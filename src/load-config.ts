import * as pulumi from "@pulumi/pulumi";
import { decodeConfigValue, parseConfig, PlatformConfig } from "./config";

/**
 * Reads this stack's whole config map and validates it once. Every key is read (not key by key with
 * `new pulumi.Config("bbws").get`) so that a misspelt key or namespace is reported, not ignored.
 */
export function loadConfig(): PlatformConfig {
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) raw[key] = decodeConfigValue(value);
    return parseConfig(pulumi.getStack(), raw);
}
