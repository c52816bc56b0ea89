import type { Rule } from "../rule";

export const rds_27: Rule = {
    name: "rds-27-cluster-encrypted",
    control: "RDS.27",
    description: "RDS.27: RDS DB clusters should be encrypted at rest",
    explanation:
        "Encryption can only be chosen when a cluster is created; its snapshots inherit it. " +
        "Set storageEncrypted: true with the platform's data key (kmsKeyId).",
    level: "mandatory",
    types: ["aws:rds/cluster:Cluster"],
    scope: "resource",
    check(cluster) {
        return cluster.inputs.storageEncrypted === true ? [] : ["storageEncrypted is not true"];
    },
};
