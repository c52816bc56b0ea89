import type { Rule } from "../rule";

export const kms_4: Rule = {
    name: "kms-4-key-rotation",
    control: "KMS.4",
    description: "KMS.4: AWS KMS key rotation should be enabled",
    explanation:
        "Rotation limits how much data one key version protects; old versions keep " +
        "decrypting. Set enableKeyRotation: true on every symmetric key.",
    level: "mandatory",
    types: ["aws:kms/key:Key"],
    scope: "resource",
    check(key) {
        const spec = key.inputs.customerMasterKeySpec ?? key.inputs.keySpec ?? "SYMMETRIC_DEFAULT";
        // KMS can rotate only symmetric encryption keys.
        if (spec !== "SYMMETRIC_DEFAULT") return [];
        return key.inputs.enableKeyRotation === true ? [] : ["enableKeyRotation is not true"];
    },
};
