/** The baseline: every rule, in the order the report and the README list them. */
import type { Rule } from "../rule";
import { ec2_2 } from "./ec2-2-default-sg-closed";
import { ec2_6 } from "./ec2-6-vpc-flow-logs";
import { ec2_18 } from "./ec2-18-internet-ingress";
import { rds_2 } from "./rds-2-not-public";
import { rds_7 } from "./rds-7-cluster-deletion-protection";
import { rds_11 } from "./rds-11-backups";
import { rds_12 } from "./rds-12-iam-auth";
import { rds_13 } from "./rds-13-minor-upgrades";
import { rds_27 } from "./rds-27-cluster-encrypted";
import { rds_34 } from "./rds-34-audit-logs";
import { elasticache_1 } from "./elasticache-1-backups";
import { elasticache_3 } from "./elasticache-3-failover";
import { elasticache_4 } from "./elasticache-4-at-rest";
import { elasticache_5 } from "./elasticache-5-in-transit";
import { elasticache_6 } from "./elasticache-6-auth";
import { cache_1 } from "./cache-1-no-shared-credentials";
import { efs_1 } from "./efs-1-encrypted";
import { efs_2 } from "./efs-2-backups";
import { efs_3 } from "./efs-3-root-directory";
import { efs_4 } from "./efs-4-posix-user";
import { ecs_2 } from "./ecs-2-no-public-ip";
import { ecs_4 } from "./ecs-4-not-privileged";
import { ecs_5 } from "./ecs-5-read-only-root";
import { ecs_8 } from "./ecs-8-no-secrets-in-env";
import { ecs_9 } from "./ecs-9-logging";
import { ecs_12 } from "./ecs-12-container-insights";
import { ecs_20 } from "./ecs-20-non-root-user";
import { containers_1 } from "./containers-1-capabilities-dropped";
import { elb_1 } from "./elb-1-https-redirect";
import { elb_4 } from "./elb-4-drop-invalid-headers";
import { elb_5 } from "./elb-5-access-logs";
import { elb_6 } from "./elb-6-deletion-protection";
import { elb_17 } from "./elb-17-tls-policy";
import { s3_5 } from "./s3-5-tls-only";
import { s3_8 } from "./s3-8-block-public-access";
import { s3_14 } from "./s3-14-versioning";
import { s3_17 } from "./s3-17-kms-encryption";
import { ecr_1 } from "./ecr-1-scan-on-push";
import { ecr_2 } from "./ecr-2-immutable-tags";
import { ecr_3 } from "./ecr-3-lifecycle-policy";
import { ecr_1_findings } from "./ecr-1-scan-findings-paged";
import { kms_4 } from "./kms-4-key-rotation";
import { secretsmanager_1 } from "./secretsmanager-1-rotation";
import { sns_1 } from "./sns-1-encrypted";
import { cloudwatch_16 } from "./cloudwatch-16-log-retention";
import { cloudwatch_1 } from "./cloudwatch-1-root-use-paged";
import { cloudwatch_4 } from "./cloudwatch-4-iam-changes-paged";
import { quotas_1 } from "./quotas-1-default-service-quotas";

export const RULES: readonly Rule[] = Object.freeze([
    ec2_2,
    ec2_6,
    ec2_18,
    rds_2,
    rds_7,
    rds_11,
    rds_12,
    rds_13,
    rds_27,
    rds_34,
    elasticache_1,
    elasticache_3,
    elasticache_4,
    elasticache_5,
    elasticache_6,
    cache_1,
    efs_1,
    efs_2,
    efs_3,
    efs_4,
    ecs_2,
    ecs_4,
    ecs_5,
    ecs_8,
    ecs_9,
    ecs_12,
    ecs_20,
    containers_1,
    elb_1,
    elb_4,
    elb_5,
    elb_6,
    elb_17,
    s3_5,
    s3_8,
    s3_14,
    s3_17,
    ecr_1,
    ecr_2,
    ecr_3,
    ecr_1_findings,
    kms_4,
    secretsmanager_1,
    sns_1,
    cloudwatch_16,
    cloudwatch_1,
    cloudwatch_4,
    quotas_1,
]);
