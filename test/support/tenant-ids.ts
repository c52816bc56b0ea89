/**
 * Tenant ids for property tests: every id the config schema accepts (src/config.ts), generated up
 * to `MAX_TENANT_ID_LENGTH` and kept only when the schema itself takes it in dev's stack file, so
 * a test over "any tenant id" is over exactly the range the platform can meet.
 */
import * as fc from "fast-check";
import { MAX_TENANT_ID_LENGTH, parseConfig } from "../../src/config";
import { stackFileConfig } from "./pulumi";

const dev = stackFileConfig("dev") as Record<string, unknown>;

/** Whether dev's stack file with this one tenant loads. */
export function schemaAccepts(id: string): boolean {
    try {
        parseConfig("dev", { ...dev, "bbws:tenants": [{ id, slot: 1, cpu: 512, memory: 1024 }] });
        return true;
    } catch {
        return false;
    }
}

/** A DNS label of 3 to `MAX_TENANT_ID_LENGTH` characters that the schema accepts (not reserved, no `--` at 3–4). */
export const acceptedTenantId: fc.Arbitrary<string> = fc
    .tuple(
        fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"),
        fc.stringMatching(new RegExp(`^[a-z0-9-]{1,${MAX_TENANT_ID_LENGTH - 2}}$`)),
        fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
    )
    .map(([a, b, c]) => `${a}${b}${c}`)
    .filter(schemaAccepts);
