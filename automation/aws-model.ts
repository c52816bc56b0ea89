/**
 * A small, realistic model of AWS for running the program under `pulumi.runtime.setMocks`: ids and
 * ARNs shaped like the real ones, the outputs other layers read (endpoints, DNS names, ARN suffixes),
 * the awsx VPC's outputs, and the look-ups the program makes. Used by the offline synth and the tests.
 *
 * It is strict: a resource type or function it does not know is an error, so a new resource cannot
 * slip into the program without someone deciding what AWS would answer for it.
 */
import { createHash } from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import {
    BUCKET_SETTING_TYPES,
    GLOBAL_NAME_TYPES,
    isNameRule,
    NAME_RULES,
    nameProblems,
    NameRuleError,
    physicalName,
    TEXT_RULES,
    textProblems,
} from "./aws-name-rules";
import { awsxVpcSubnets } from "./awsx-vpc";
import { awsxRoutesInTable, AwsxVpcQuotaInputs, LOCAL_ROUTES_PER_TABLE, routeTablesRoutedBy } from "../src/policy/awsx-vpc";
import { DEFAULT_QUOTAS } from "../src/policy/rules/quotas-1-default-service-quotas";
import { cidrsOverlap } from "../src/config";
import { AccessStringError, parseAccessString } from "../src/policy/redis-acl";
import { GLOBAL_EVENTS_REGION, GLOBAL_SERVICE_EVENTS_SOURCE, unreachableGlobalSources } from "../src/policy/event-pattern";

export interface AwsModelOptions {
    readonly accountId: string;
    readonly region: string;
    readonly azCount: number;
}

type Inputs = Record<string, any>;
interface ModelContext extends AwsModelOptions {
    readonly name: string;
    readonly inputs: Inputs;
    /** A stable hex string derived from the resource's type and name. */
    hex(length: number): string;
    arn(service: string, resource: string, opts?: { region?: string; account?: string }): string;
}
type ResourceModel = (ctx: ModelContext) => { id: string; state?: Inputs };

const logicalName = (ctx: ModelContext) => ctx.inputs.name ?? ctx.name;

/** What AWS answers when each resource type is created. Add a row for every type the program uses. */
export const RESOURCE_MODELS: Readonly<Record<string, ResourceModel>> = {
    // awsx's component decides the zones and every subnet's CIDR, refusing what awsx refuses
    // (automation/awsx-vpc.ts); `subnetLayout` is the specs as awsx resolved them.
    "awsx:ec2:Vpc": (ctx) => {
        const regionZones = CALL_MODELS["aws:index/getAvailabilityZones:getAvailabilityZones"]({}, ctx).names as string[];
        const { zones, types, subnetLayout } = awsxVpcSubnets(ctx.name, ctx.inputs, regionZones);
        const ids = (type: string, letter: string) =>
            (types.includes(type) ? zones : []).map((_, i) => `subnet-${letter}${i}${ctx.hex(12)}`.slice(0, 24));
        return {
            id: "",
            state: {
                vpcId: `vpc-${ctx.hex(17)}`,
                publicSubnetIds: ids("Public", "a"),
                privateSubnetIds: ids("Private", "b"),
                isolatedSubnetIds: ids("Isolated", "c"),
                ...(subnetLayout ? { subnetLayout } : {}),
            },
        };
    },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (ctx) => ({ id: `sg-${ctx.hex(17)}` }),
    "aws:ec2/securityGroup:SecurityGroup": (ctx) => {
        const id = `sg-${ctx.hex(17)}`;
        return { id, state: { arn: ctx.arn("ec2", `security-group/${id}`) } };
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (ctx) => ({ id: `sgr-${ctx.hex(17)}` }),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (ctx) => ({ id: `sgr-${ctx.hex(17)}` }),
    "aws:ec2/flowLog:FlowLog": (ctx) => ({ id: `fl-${ctx.hex(17)}` }),
    "aws:ec2/vpcEndpoint:VpcEndpoint": (ctx) => ({ id: `vpce-${ctx.hex(17)}` }),
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": (ctx) => ({
        id: `pcx-${ctx.hex(17)}`,
        // Same account and region with `autoAccept`: CreateVpcPeeringConnection plus the accept, at once.
        state: { acceptStatus: ctx.inputs.autoAccept ? "active" : "pending-acceptance" },
    }),
    "aws:ec2/route:Route": (ctx) => ({ id: `r-${ctx.inputs.routeTableId}${hash(String(ctx.inputs.destinationCidrBlock), 10)}` }),
    "aws:cloudwatch/logGroup:LogGroup": (ctx) => ({
        id: logicalName(ctx),
        state: { arn: ctx.arn("logs", `log-group:${logicalName(ctx)}`) },
    }),
    "aws:iam/role:Role": (ctx) => ({
        id: logicalName(ctx),
        state: { arn: ctx.arn("iam", `role/${logicalName(ctx)}`, { region: "" }), uniqueId: `AROA${ctx.hex(17).toUpperCase()}` },
    }),
    "aws:iam/rolePolicy:RolePolicy": (ctx) => ({ id: `${ctx.inputs.role}:${logicalName(ctx)}` }),
    // ECS layer: registry, cluster, tasks and services, load balancer, DNS, scaling, salts.
    "aws:ecr/repository:Repository": (ctx) => ({
        id: ctx.inputs.name,
        state: {
            arn: ctx.arn("ecr", `repository/${ctx.inputs.name}`),
            registryId: ctx.accountId,
            repositoryUrl: `${ctx.accountId}.dkr.ecr.${ctx.region}.amazonaws.com/${ctx.inputs.name}`,
        },
    }),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": (ctx) => ({ id: ctx.inputs.repository, state: { registryId: ctx.accountId } }),
    "aws:ecs/cluster:Cluster": (ctx) => {
        const arn = ctx.arn("ecs", `cluster/${ctx.inputs.name}`);
        return { id: arn, state: { arn } };
    },
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": (ctx) => ({ id: ctx.inputs.clusterName }),
    "aws:ecs/taskDefinition:TaskDefinition": (ctx) => {
        const refused = taskDefinitionProblem(ctx.inputs);
        if (refused) throw new NameRuleError("aws:ecs/taskDefinition:TaskDefinition", ctx.name, refused, ECS_CONTAINER_DEFINITION);
        const arnWithoutRevision = ctx.arn("ecs", `task-definition/${ctx.inputs.family}`);
        return { id: ctx.inputs.family, state: { arn: `${arnWithoutRevision}:1`, arnWithoutRevision, revision: 1 } };
    },
    "aws:ecs/service:Service": (ctx) => {
        const clusterName = String(ctx.inputs.cluster).split("/").pop();
        return { id: ctx.arn("ecs", `service/${clusterName}/${ctx.inputs.name}`) };
    },
    "aws:lb/loadBalancer:LoadBalancer": (ctx) => {
        // ELB writes `<prefix>/AWSLogs/<account>/…` and refuses a prefix that holds `AWSLogs` itself
        // (ELB user guide, "Access logs for your Application Load Balancer", "Access log files").
        if (String(ctx.inputs.accessLogs?.prefix ?? "").includes("AWSLogs")) {
            throw new NameRuleError(
                "aws:lb/loadBalancer:LoadBalancer",
                ctx.name,
                `access log prefix '${ctx.inputs.accessLogs.prefix}' contains "AWSLogs"`,
                "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html",
            );
        }
        const arnSuffix = `app/${ctx.inputs.name}/${ctx.hex(16)}`;
        return {
            id: ctx.arn("elasticloadbalancing", `loadbalancer/${arnSuffix}`),
            state: {
                arn: ctx.arn("elasticloadbalancing", `loadbalancer/${arnSuffix}`),
                arnSuffix,
                dnsName: `${ctx.inputs.name}-${parseInt(ctx.hex(8), 16)}.${ctx.region}.elb.amazonaws.com`,
                zoneId: albHostedZoneId(ctx.region),
            },
        };
    },
    "aws:lb/listener:Listener": (ctx) => {
        const lb = String(ctx.inputs.loadBalancerArn).split(":loadbalancer/")[1];
        const arn = ctx.arn("elasticloadbalancing", `listener/${lb}/${ctx.hex(16)}`);
        return { id: arn, state: { arn } };
    },
    "aws:lb/listenerRule:ListenerRule": (ctx) => {
        // One host-header condition per rule, three values per condition, 128 characters each (ELB
        // user guide "Condition types for listener rules"; API reference HostHeaderConditionConfig).
        const hosts: unknown[] = (ctx.inputs.conditions ?? []).flatMap((c: any) => c.hostHeader?.values ?? []);
        const refused =
            hosts.length > 3
                ? `${hosts.length} host-header values; a condition takes at most 3`
                : hosts.find((h) => typeof h === "string" && h.length > 128) !== undefined
                  ? "a host-header value over 128 characters"
                  : undefined;
        if (refused) {
            throw new NameRuleError(
                "aws:lb/listenerRule:ListenerRule",
                ctx.name,
                refused,
                "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html",
            );
        }
        const listener = String(ctx.inputs.listenerArn).split(":listener/")[1];
        const arn = ctx.arn("elasticloadbalancing", `listener-rule/${listener}/${ctx.hex(16)}`);
        return { id: arn, state: { arn } };
    },
    // Custom domains: ACM refuses a request for a name it cannot put in a certificate.
    "aws:acm/certificate:Certificate": (ctx) => {
        const domain = String(ctx.inputs.domainName);
        const names = [domain, ...((ctx.inputs.subjectAlternativeNames as string[] | undefined) ?? [])];
        const refused =
            acmDomainProblem(domain, ACM_COMMON_NAME_MAX) ?? names.map((n) => acmDomainProblem(n, ACM_DOMAIN_NAME_MAX)).find(Boolean);
        if (refused) throw new NameRuleError("aws:acm/certificate:Certificate", ctx.name, refused, ACM_REQUEST_CERTIFICATE);
        const id = uuidOf(ctx);
        const arn = ctx.arn("acm", `certificate/${id}`);
        return {
            id: arn,
            state: {
                arn,
                status: "PENDING_VALIDATION",
                // ACM's validation record: `_<32 hex>.<name>.` CNAME to `_<32 hex>.<10 letters>.acm-validations.aws.`
                domainValidationOptions: [...new Set(names)].map((name) => ({
                    domainName: name,
                    resourceRecordName: `_${hash(`${ctx.accountId}/${name}`, 32)}.${name.replace(/^\*\./, "")}.`,
                    resourceRecordType: "CNAME",
                    resourceRecordValue: `_${hash(`value/${ctx.accountId}/${name}`, 32)}.${hash(name, 10)}.acm-validations.aws.`,
                })),
            },
        };
    },
    // Not an AWS object: the provider waits until the certificate is ISSUED.
    "aws:acm/certificateValidation:CertificateValidation": (ctx) => ({
        id: new Date(0).toISOString(),
        state: { certificateArn: ctx.inputs.certificateArn },
    }),
    // The provider's id is `<listener ARN>_<certificate ARN>` (terraform-provider-aws elbv2/listener_certificate.go).
    "aws:lb/listenerCertificate:ListenerCertificate": (ctx) => ({ id: `${ctx.inputs.listenerArn}_${ctx.inputs.certificateArn}` }),
    "aws:lb/targetGroup:TargetGroup": (ctx) => {
        // Pulumi auto-names target groups: the logical name plus a random suffix, at most 32 characters.
        const name = ctx.inputs.name ?? `${ctx.name.slice(0, 24)}-${ctx.hex(7)}`;
        const arnSuffix = `targetgroup/${name}/${ctx.hex(16)}`;
        const arn = ctx.arn("elasticloadbalancing", arnSuffix);
        return { id: arn, state: { arn, arnSuffix, name } };
    },
    "aws:route53/record:Record": (ctx) => ({
        id: `${ctx.inputs.zoneId}_${ctx.inputs.name}_${ctx.inputs.type}`,
        state: { fqdn: ctx.inputs.name },
    }),
    "aws:ssm/document:Document": (ctx) => ({
        id: ctx.inputs.name,
        state: { arn: ctx.arn("ssm", `document/${ctx.inputs.name}`), latestVersion: "1", defaultVersion: "1", status: "Active" },
    }),
    "aws:appautoscaling/target:Target": (ctx) => ({
        id: ctx.inputs.resourceId,
        state: { arn: ctx.arn("application-autoscaling", `scalable-target/${ctx.hex(32)}`) },
    }),
    "aws:appautoscaling/policy:Policy": (ctx) => ({
        id: ctx.inputs.name,
        state: {
            arn: ctx.arn("autoscaling", `scalingPolicy:${uuidOf(ctx)}:resource/${ctx.inputs.resourceId}:policyName/${ctx.inputs.name}`),
        },
    }),
    "aws:secretsmanager/secret:Secret": (ctx) => {
        // Secrets Manager appends six random characters to the name.
        const arn = ctx.arn("secretsmanager", `secret:${logicalName(ctx)}-${ctx.hex(6)}`);
        return { id: arn, state: { arn } };
    },
    "aws:secretsmanager/secretVersion:SecretVersion": (ctx) => {
        const versionId = uuidOf(ctx);
        return { id: `${ctx.inputs.secretId}|${versionId}`, state: { versionId, arn: ctx.inputs.secretId } };
    },
    "random:index/randomPassword:RandomPassword": (ctx) => ({
        id: "none",
        state: { result: ctx.hex(Math.min(ctx.inputs.length ?? 32, 64)), bcryptHash: `$2a$10$${ctx.hex(53)}` },
    }),
    "aws:kms/key:Key": (ctx) => {
        const keyId = uuidOf(ctx);
        return { id: keyId, state: { keyId, arn: ctx.arn("kms", `key/${keyId}`) } };
    },
    "aws:kms/alias:Alias": (ctx) => ({
        id: ctx.inputs.name,
        state: { arn: ctx.arn("kms", ctx.inputs.name), targetKeyArn: ctx.arn("kms", `key/${ctx.inputs.targetKeyId}`) },
    }),
    "aws:sns/topic:Topic": (ctx) => {
        const arn = ctx.arn("sns", logicalName(ctx));
        return { id: arn, state: { arn, owner: ctx.accountId } };
    },
    "aws:sns/topicPolicy:TopicPolicy": (ctx) => ({ id: ctx.inputs.arn, state: { owner: ctx.accountId } }),
    "aws:sns/topicSubscription:TopicSubscription": (ctx) => {
        const arn = `${ctx.inputs.topic}:${uuidOf(ctx)}`;
        // Email subscriptions wait for the recipient to click the link in AWS's confirmation mail.
        return { id: arn, state: { arn, ownerId: ctx.accountId, pendingConfirmation: ctx.inputs.protocol === "email" } };
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": (ctx) => ({
        id: logicalName(ctx),
        state: { arn: ctx.arn("cloudwatch", `alarm:${logicalName(ctx)}`) },
    }),
    // Dashboards are global: their ARN has no region.
    "aws:cloudwatch/dashboard:Dashboard": (ctx) => ({
        id: ctx.inputs.dashboardName,
        state: { dashboardArn: ctx.arn("cloudwatch", `dashboard/${ctx.inputs.dashboardName}`, { region: "" }) },
    }),
    "aws:cloudwatch/eventRule:EventRule": (ctx) => {
        // A per-resource `region` (@pulumi/aws 7) places the rule on that region's bus. AWS accepts a
        // rule for a global service's events anywhere, but only us-east-1's bus ever receives them.
        const region = ctx.inputs.region ?? ctx.region;
        const pattern = ctx.inputs.eventPattern ? JSON.parse(ctx.inputs.eventPattern) : {};
        const unreachable = unreachableGlobalSources(pattern, region);
        if (unreachable.length > 0) {
            throw new NameRuleError(
                "aws:cloudwatch/eventRule:EventRule",
                ctx.name,
                `a rule in ${region} for ${unreachable.join(", ")} events never fires: global services deliver their events ` +
                    `only to ${GLOBAL_EVENTS_REGION}'s default bus; put the rule there (forwarding to this region's bus), ` +
                    `or match only forwarded events with \`region: ["${GLOBAL_EVENTS_REGION}"]\``,
                GLOBAL_SERVICE_EVENTS_SOURCE,
            );
        }
        return {
            id: logicalName(ctx),
            state: { arn: ctx.arn("events", `rule/${logicalName(ctx)}`, { region }), eventBusName: "default", region },
        };
    },
    "aws:cloudwatch/eventTarget:EventTarget": (ctx) => ({
        id: `${ctx.inputs.rule}-${ctx.inputs.targetId}`,
        state: { region: ctx.inputs.region ?? ctx.region },
    }),
    "aws:budgets/budget:Budget": (ctx) => ({
        id: `${ctx.accountId}:${logicalName(ctx)}`,
        state: { accountId: ctx.accountId, arn: `arn:aws:budgets::${ctx.accountId}:budget/${logicalName(ctx)}` },
    }),
    // Data and storage layers: Aurora, Redis, EFS, S3 and AWS Backup.
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (ctx) => ({ id: `${ctx.inputs.role}-${ctx.hex(20)}` }),
    "aws:rds/subnetGroup:SubnetGroup": (ctx) => ({ id: logicalName(ctx), state: { arn: ctx.arn("rds", `subgrp:${logicalName(ctx)}`) } }),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": (ctx) => ({
        id: logicalName(ctx),
        state: { arn: ctx.arn("rds", `cluster-pg:${logicalName(ctx)}`) },
    }),
    "aws:rds/parameterGroup:ParameterGroup": (ctx) => ({ id: logicalName(ctx), state: { arn: ctx.arn("rds", `pg:${logicalName(ctx)}`) } }),
    "aws:rds/cluster:Cluster": (ctx) => {
        const id = ctx.inputs.clusterIdentifier;
        const host = `${ctx.hex(12)}.${ctx.region}.rds.amazonaws.com`;
        return {
            id,
            state: {
                arn: ctx.arn("rds", `cluster:${id}`),
                clusterResourceId: `cluster-${ctx.hex(26).toUpperCase()}`,
                endpoint: `${id}.cluster-${host}`,
                readerEndpoint: `${id}.cluster-ro-${host}`,
                port: ctx.inputs.port ?? 3306,
                // RDS names the secret it manages itself: `rds!cluster-<uuid>`, plus Secrets Manager's suffix.
                masterUserSecrets: ctx.inputs.manageMasterUserPassword
                    ? [
                          {
                              secretArn: ctx.arn("secretsmanager", `secret:rds!cluster-${uuidOf(ctx)}-${ctx.hex(6)}`),
                              kmsKeyId: ctx.inputs.masterUserSecretKmsKeyId,
                              secretStatus: "active",
                          },
                      ]
                    : [],
            },
        };
    },
    "aws:rds/clusterInstance:ClusterInstance": (ctx) => ({
        id: ctx.inputs.identifier,
        state: {
            arn: ctx.arn("rds", `db:${ctx.inputs.identifier}`),
            dbiResourceId: `db-${ctx.hex(26).toUpperCase()}`,
            endpoint: `${ctx.inputs.identifier}.${ctx.hex(12)}.${ctx.region}.rds.amazonaws.com`,
            port: 3306,
        },
    }),
    "aws:elasticache/subnetGroup:SubnetGroup": (ctx) => ({
        id: ctx.inputs.name,
        state: { arn: ctx.arn("elasticache", `subnetgroup:${ctx.inputs.name}`) },
    }),
    "aws:elasticache/parameterGroup:ParameterGroup": (ctx) => ({
        id: ctx.inputs.name,
        state: { arn: ctx.arn("elasticache", `parametergroup:${ctx.inputs.name}`) },
    }),
    "aws:elasticache/replicationGroup:ReplicationGroup": (ctx) => {
        const id = ctx.inputs.replicationGroupId;
        // e.g. master.bbws-redis-sit.x1y2z3.euw1.cache.amazonaws.com (the `master.` form when TLS is on).
        const [geo, direction, number] = ctx.region.split("-");
        const suffix = `${ctx.hex(6)}.${geo}${direction[0]}${number}.cache.amazonaws.com`;
        return {
            id,
            state: {
                arn: ctx.arn("elasticache", `replicationgroup:${id}`),
                primaryEndpointAddress: `master.${id}.${suffix}`,
                readerEndpointAddress: `replica.${id}.${suffix}`,
                memberClusters: Array.from({ length: ctx.inputs.numCacheClusters ?? 1 }, (_, i) => `${id}-00${i + 1}`),
                clusterEnabled: false,
            },
        };
    },
    "aws:elasticache/user:User": (ctx) => ({
        id: ctx.inputs.userId,
        state: { arn: ctx.arn("elasticache", `user:${ctx.inputs.userId}`) },
    }),
    "aws:elasticache/userGroup:UserGroup": (ctx) => ({
        id: ctx.inputs.userGroupId,
        state: { arn: ctx.arn("elasticache", `usergroup:${ctx.inputs.userGroupId}`) },
    }),
    "aws:elasticache/userGroupAssociation:UserGroupAssociation": (ctx) => ({ id: `${ctx.inputs.userGroupId},${ctx.inputs.userId}` }),
    "aws:secretsmanager/secretRotation:SecretRotation": (ctx) => ({ id: ctx.inputs.secretId, state: { rotationEnabled: true } }),
    // The Serverless Application Repository prefixes the stack's name with `serverlessrepo-`; the
    // rotation templates output the function's ARN as `RotationLambdaARN`.
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": (ctx) => ({
        id: ctx.arn("cloudformation", `stack/serverlessrepo-${ctx.inputs.name}/${uuidOf(ctx)}`),
        state: { outputs: { RotationLambdaARN: ctx.arn("lambda", `function:${ctx.inputs.parameters?.functionName}`) } },
    }),
    // Our dynamic resource (components/rotation-function-settings.ts): its id is the function's name,
    // and it reads the function's ARN back from GetFunctionConfiguration.
    "pulumi-nodejs:dynamic/data:RotationFunctionSettings": (ctx) => ({
        id: ctx.inputs.functionName,
        state: { functionArn: ctx.arn("lambda", `function:${ctx.inputs.functionName}`) },
    }),
    "aws:scheduler/schedule:Schedule": (ctx) => ({
        id: `${ctx.inputs.groupName ?? "default"}/${ctx.inputs.name}`,
        state: { arn: ctx.arn("scheduler", `schedule/${ctx.inputs.groupName ?? "default"}/${ctx.inputs.name}`) },
    }),
    "aws:efs/fileSystem:FileSystem": (ctx) => {
        const id = `fs-${ctx.hex(17)}`;
        return {
            id,
            state: {
                arn: ctx.arn("elasticfilesystem", `file-system/${id}`),
                dnsName: `${id}.efs.${ctx.region}.amazonaws.com`,
                ownerId: ctx.accountId,
                numberOfMountTargets: ctx.azCount,
            },
        };
    },
    "aws:efs/mountTarget:MountTarget": (ctx) => {
        const id = `fsmt-${ctx.hex(17)}`;
        return { id, state: { networkInterfaceId: `eni-${ctx.hex(17)}`, ownerId: ctx.accountId } };
    },
    "aws:efs/accessPoint:AccessPoint": (ctx) => {
        const id = `fsap-${ctx.hex(17)}`;
        return {
            id,
            state: {
                arn: ctx.arn("elasticfilesystem", `access-point/${id}`),
                fileSystemArn: ctx.arn("elasticfilesystem", `file-system/${ctx.inputs.fileSystemId}`),
                ownerId: ctx.accountId,
            },
        };
    },
    "aws:efs/fileSystemPolicy:FileSystemPolicy": (ctx) => ({ id: ctx.inputs.fileSystemId }),
    "aws:efs/backupPolicy:BackupPolicy": (ctx) => ({ id: ctx.inputs.fileSystemId }),
    "aws:s3/bucket:Bucket": (ctx) => {
        const name = ctx.inputs.bucket;
        return {
            id: name,
            state: {
                arn: `arn:aws:s3:::${name}`,
                bucketDomainName: `${name}.s3.amazonaws.com`,
                bucketRegionalDomainName: `${name}.s3.${ctx.region}.amazonaws.com`,
                region: ctx.region,
            },
        };
    },
    // A bucket's settings are sub-resources identified by the bucket's name.
    ...Object.fromEntries(BUCKET_SETTING_TYPES.map((type): [string, ResourceModel] => [type, (ctx) => ({ id: ctx.inputs.bucket })])),
    "aws:backup/vault:Vault": (ctx) => ({
        id: ctx.inputs.name,
        state: { arn: ctx.arn("backup", `backup-vault:${ctx.inputs.name}`), recoveryPoints: 0 },
    }),
    "aws:backup/plan:Plan": (ctx) => {
        const id = uuidOf(ctx);
        return { id, state: { arn: ctx.arn("backup", `backup-plan:${id}`), version: ctx.hex(32) } };
    },
    "aws:backup/selection:Selection": (ctx) => ({ id: uuidOf(ctx) }),
    // Disaster recovery (issue 17): the global database, file-system, bucket and image replication, health checks.
    "aws:rds/globalCluster:GlobalCluster": (ctx) => {
        const id = ctx.inputs.globalClusterIdentifier;
        return {
            id,
            state: {
                // Global clusters have no region in their ARN.
                arn: ctx.arn("rds", `global-cluster:${id}`, { region: "" }),
                globalClusterResourceId: `cluster-${ctx.hex(26)}`,
                // The global writer endpoint follows the primary through a switchover.
                endpoint: `${id}.global-${ctx.hex(12)}.global.rds.amazonaws.com`,
                engine: "aurora-mysql",
            },
        };
    },
    "aws:efs/replicationConfiguration:ReplicationConfiguration": (ctx) => ({
        id: ctx.inputs.sourceFileSystemId,
        state: {
            sourceFileSystemRegion: ctx.region,
            destination: { ...ctx.inputs.destination, fileSystemId: `fs-${ctx.hex(17)}`, status: "ENABLED" },
        },
    }),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": (ctx) => ({ id: ctx.inputs.bucket }),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": (ctx) => ({ id: ctx.accountId, state: { registryId: ctx.accountId } }),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": (ctx) => ({
        id: ctx.inputs.prefix,
        state: { registryId: ctx.accountId },
    }),
    "aws:route53/healthCheck:HealthCheck": (ctx) => {
        const id = uuidOf(ctx);
        return { id, state: { arn: `arn:aws:route53:::healthcheck/${id}` } };
    },
};

/** What AWS answers to each look-up (invoke) the program makes. */
export const CALL_MODELS: Readonly<Record<string, (args: Inputs, opts: AwsModelOptions) => Inputs>> = {
    "aws:index/getCallerIdentity:getCallerIdentity": (_args, o) => ({
        accountId: o.accountId,
        arn: `arn:aws:sts::${o.accountId}:assumed-role/bbws-deployer/synth`,
        userId: "AROAEXAMPLEDEPLOYER:synth",
        id: o.accountId,
    }),
    "aws:index/getRegion:getRegion": (_args, o) => ({ name: o.region, region: o.region, id: o.region, description: o.region }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": (args, o) => {
        const region = (args.region as string | undefined) ?? o.region;
        const names = ["a", "b", "c"].map((s) => `${region}${s}`);
        return { names, zoneIds: names.map((_, i) => `${region.replace(/-/g, "").slice(0, 4)}-az${i + 1}`), id: region };
    },
    "aws:acm/getCertificate:getCertificate": (args, o) => {
        const arn = `arn:aws:acm:${o.region}:${o.accountId}:certificate/${uuid(hash(`${o.region}/${args.domain}`, 32))}`;
        return { arn, id: arn, domain: args.domain, status: "ISSUED" };
    },
    "aws:route53/getZone:getZone": (args) => {
        const zoneId = `Z${hash(`zone/${args.name}`, 20).toUpperCase()}`;
        return { zoneId, id: zoneId, name: args.name, privateZone: false, arn: `arn:aws:route53:::hostedzone/${zoneId}` };
    },
    // The regional Elastic Load Balancing account that writes access logs (eu-west-1's and af-south-1's).
    "aws:elb/getServiceAccount:getServiceAccount": (args, o) => {
        const account =
            ({ "eu-west-1": "156460612806", "af-south-1": "098369216593" } as Record<string, string>)[args.region ?? o.region] ??
            "127311923021";
        return { arn: `arn:aws:iam::${account}:root`, id: account };
    },
    // awsx gives each subnet its own route table: the same id getRouteTables answers for that subnet.
    "aws:ec2/getRouteTable:getRouteTable": (args) => {
        const routeTableId = routeTableOfSubnet(String(args.subnetId));
        return { id: routeTableId, routeTableId, subnetId: args.subnetId };
    },
    "aws:ec2/getRouteTables:getRouteTables": (args) => ({
        ids: ((args.filters?.[0]?.values as string[] | undefined) ?? []).map(routeTableOfSubnet),
        id: "route-tables",
    }),
};

/** The id of the route table awsx gave a subnet, as the model's look-ups answer it. */
export function routeTableOfSubnet(subnetId: string): string {
    return `rtb-${hash(subnetId, 17)}`;
}

/** ACM API reference, RequestCertificate: DomainName and SubjectAlternativeNames. */
const ACM_REQUEST_CERTIFICATE = "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html";
/** Where ECS says which container parameters a task definition may use, on Fargate and anywhere. */
export const ECS_CONTAINER_DEFINITION =
    "ECS API reference, ContainerDefinition, LinuxParameters and KernelCapabilities " +
    "(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html)";

/** `linuxParameters` keys Fargate does not support (ECS API reference, LinuxParameters: each "isn't supported" on Fargate). */
export const FARGATE_UNSUPPORTED_LINUX_PARAMETERS = ["devices", "maxSwap", "swappiness", "sharedMemorySize", "tmpfs"] as const;

/** The only capability a Fargate container may add (ECS API reference, KernelCapabilities: "only support adding the SYS_PTRACE kernel capability"). */
export const FARGATE_ADDABLE_CAPABILITIES: readonly string[] = ["SYS_PTRACE"];

/**
 * Why ECS refuses a task definition's containers, or undefined: a mount point naming a volume the task
 * does not declare; and on a task requiring FARGATE, a `privileged` container, `dockerSecurityOptions`
 * (where `no-new-privileges` would go), a capability added other than SYS_PTRACE, or a `linuxParameters`
 * key of {@link FARGATE_UNSUPPORTED_LINUX_PARAMETERS}. Definitions that are not readable JSON (a secret
 * under preview) are left to the engine.
 */
export function taskDefinitionProblem(inputs: Inputs): string | undefined {
    let containers: any;
    try {
        containers =
            typeof inputs.containerDefinitions === "string" ? JSON.parse(inputs.containerDefinitions) : inputs.containerDefinitions;
    } catch {
        return undefined;
    }
    if (!Array.isArray(containers)) return undefined;
    const volumes = new Set(((inputs.volumes as { name: string }[] | undefined) ?? []).map((v) => v.name));
    const fargate = ((inputs.requiresCompatibilities as string[] | undefined) ?? []).includes("FARGATE");
    for (const c of containers) {
        const at = `container '${c.name}'`;
        const unknown = ((c.mountPoints as { sourceVolume: string }[] | undefined) ?? []).find((m) => !volumes.has(m.sourceVolume));
        if (unknown) return `${at} mounts volume '${unknown.sourceVolume}', which the task definition does not declare`;
        if (!fargate) continue;
        if (c.privileged === true) return `${at} is privileged, which Fargate does not support`;
        if (c.dockerSecurityOptions !== undefined) return `${at} sets dockerSecurityOptions, which Fargate does not support`;
        const added = ((c.linuxParameters?.capabilities?.add as string[] | undefined) ?? []).filter(
            (cap) => !FARGATE_ADDABLE_CAPABILITIES.includes(cap),
        );
        if (added.length > 0) return `${at} adds ${added.join(", ")}; Fargate adds only ${FARGATE_ADDABLE_CAPABILITIES.join(", ")}`;
        const unsupported = FARGATE_UNSUPPORTED_LINUX_PARAMETERS.filter((key) => c.linuxParameters?.[key] !== undefined);
        if (unsupported.length > 0) return `${at} sets linuxParameters.${unsupported.join(", ")}, which Fargate does not support`;
    }
    return undefined;
}

/** A certificate's first name is its common name: "cannot exceed 64 octets (characters), including periods" (RFC 5280). */
export const ACM_COMMON_NAME_MAX = 64;
/** Any other name (a SAN): "up to 253 octets in length", labels of at most 63. */
export const ACM_DOMAIN_NAME_MAX = 253;

/**
 * Why ACM refuses `name` in a certificate, or undefined: over `max` characters, a label over 63 or
 * empty, a trailing dot (the provider refuses it: `cannot end with a period`), or a `*` anywhere but
 * as the whole leftmost label (`*.example.com`: ACM user guide, "Wildcard names").
 */
export function acmDomainProblem(name: string, max: number): string | undefined {
    if (name.length > max) return `'${name}' is ${name.length} characters; ACM takes at most ${max} here`;
    if (name.endsWith(".")) return `'${name}' ends with a period`;
    const labels = name.split(".");
    if (labels.some((l) => l.length === 0 || l.length > 63)) return `'${name}' has an empty label or one over 63 characters`;
    if (labels.some((l, i) => l.includes("*") && (i > 0 || l !== "*"))) return `'${name}': a wildcard may only be the whole leftmost label`;
    return undefined;
}

/**
 * Quotas the model counts across one run, per scope: the resource type, the input that names the
 * scope, the most AWS accepts, and the source. A registration past the limit is refused as AWS would.
 */
export const COUNTED_QUOTAS: Readonly<Record<string, { scope: string; max: number; what: string; source: string }>> = {
    // AddListenerCertificates answers TooManyCertificates past the quota; the default certificate is not counted.
    "aws:lb/listenerCertificate:ListenerCertificate": {
        scope: "listenerArn",
        max: 25,
        what: "certificates on one listener besides its default (ELB quota 'Certificates per Application Load Balancer'; AddListenerCertificates: TooManyCertificates)",
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html",
    },
    // PutReplicationConfiguration replaces the registry's one configuration: a second resource would undo the first.
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": {
        scope: "region",
        max: 1,
        what: "replication configurations of one registry (one per account and region; PutReplicationConfiguration replaces it)",
        source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutReplicationConfiguration.html",
    },
    // Counted on the accepter side: the platform's VPC, which every premium tenant's VPC peers with.
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": {
        scope: "peerVpcId",
        max: 50,
        what: "peering connections with one VPC (VPC quota 'Active VPC peering connections per VPC', L-7E9ECCDB)",
        source: "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html",
    },
    // CreateAccessPoint answers AccessPointLimitExceeded past the quota (adjustable on request).
    "aws:efs/accessPoint:AccessPoint": {
        scope: "fileSystemId",
        max: 10_000,
        what: "access points on one file system (EFS user guide, 'Creating access points': at most 10,000 unless you request an increase; AccessPointLimitExceeded)",
        source: "https://docs.aws.amazon.com/efs/latest/ug/create-access-point.html",
    },
    // The quota is on assignment documents, not on the resources they select, and cannot be raised.
    "aws:backup/selection:Selection": {
        scope: "planId",
        max: 10,
        what: "resource assignments (selections) of one backup plan (AWS Backup quotas: 'Resource assignments per backup plan', not adjustable)",
        source: "https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html",
    },
    // CreateReplicationConfiguration: "you can have only one replication configuration per file system".
    "aws:efs/replicationConfiguration:ReplicationConfiguration": {
        scope: "sourceFileSystemId",
        max: 1,
        what: "replication configurations of one file system (CreateReplicationConfiguration: ReplicationAlreadyExists)",
        source: "https://docs.aws.amazon.com/efs/latest/ug/API_CreateReplicationConfiguration.html",
    },
};

/** Where AWS says what it refuses of a peering and of a route across one. */
export const PEERING_SOURCES = {
    overlap:
        "VPC Peering guide, 'VPC peering limitations' and 'Create a VPC peering connection': VPCs with overlapping IPv4 CIDR " +
        "blocks cannot be peered, the connection goes to failed (https://docs.aws.amazon.com/vpc/latest/peering/create-vpc-peering-connection.html)",
    autoAccept: "terraform-provider-aws aws_vpc_peering_connection auto_accept: 'both VPCs need to be in the same AWS account and region'",
    localRoute:
        "CreateRoute refuses a peering target for a destination inside the table's own VPC range, which its local route covers: " +
        "'InvalidParameterValue: Route target is not supported. This route only supports interface and instance targets' " +
        "(hashicorp/terraform-provider-aws#13896, hashicorp/terraform#26018)",
    routesPerTable:
        "Amazon VPC quotas, 'Routes per route table (non-propagated routes)': 50 (vpc L-93826ACB), up to 1,000 on request " +
        "(https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html)",
    peeringsPerVpc:
        "Amazon VPC quotas, 'Active VPC peering connections per VPC': 50 (vpc L-7E9ECCDB), up to 125 on request " +
        "(https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html)",
    groupReference:
        "VPC Peering guide, 'Update your security groups to reference peer security groups': a rule may name a group of a " +
        "peered VPC of the same Region once the peering is active " +
        "(https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html); otherwise EC2 answers " +
        "InvalidGroup.NotFound, 'You have specified two resources that belong to different networks'",
} as const;

/**
 * What the model knows of the VPCs it created: each VPC's range, each subnet's VPC, each route
 * table's VPC and routes, so it can refuse a peering or a route as EC2 would.
 */
export class VpcRegistry {
    private readonly cidrOfVpc = new Map<string, string>();
    private readonly subnets = new Map<string, { readonly vpcId: string; readonly zone: number }>();
    private readonly vpcOfTable = new Map<string, string>();
    private readonly routesInTable = new Map<string, number>();
    private readonly vpcOfGroup = new Map<string, string>();
    /** Pairs of peered VPCs, each as `<a>\0<b>` both ways round. */
    private readonly peered = new Set<string>();

    /** Records a security group's VPC (its `vpcId` input), so a rule naming it can be judged. */
    addGroup(groupId: string, vpcId: unknown): void {
        if (typeof vpcId === "string") this.vpcOfGroup.set(groupId, vpcId);
    }

    /** Records a peering the model accepted (same account and Region: the platform's, `autoAccept`). */
    addPeering(inputs: Inputs): void {
        this.peered.add(`${inputs.vpcId}\0${inputs.peerVpcId}`).add(`${inputs.peerVpcId}\0${inputs.vpcId}`);
    }

    /**
     * Why EC2 would refuse a security group rule (`SecurityGroupIngressRule`, `…EgressRule`) naming a
     * group of another VPC: the two VPCs are not peered. Empty when both groups are in one VPC, the VPCs
     * are peered, or either group is not the model's (a test's fake id).
     */
    groupReferenceProblems(inputs: Inputs): string[] {
        const own = this.vpcOfGroup.get(inputs.securityGroupId);
        const other = this.vpcOfGroup.get(inputs.referencedSecurityGroupId);
        if (!own || !other || own === other || this.peered.has(`${own}\0${other}`)) return [];
        return [
            `group ${inputs.securityGroupId} (${own}) names group ${inputs.referencedSecurityGroupId} of ${other}, which is not peered with it; ${PEERING_SOURCES.groupReference}`,
        ];
    }

    /**
     * Records an awsx VPC's answer: its id, its inputs (range, NAT strategy) and its subnets by awsx's
     * type (`Public`, `Private`, `Isolated`), each list in AZ order. Each subnet's route table
     * (`routeTableOfSubnet`) starts with the local route and the routes awsx adds to it (src/policy/awsx-vpc.ts).
     */
    addVpc(
        vpcId: string,
        inputs: AwsxVpcQuotaInputs & { readonly cidrBlock: string },
        subnetIdsByType: Record<string, readonly string[]>,
    ): void {
        this.cidrOfVpc.set(vpcId, inputs.cidrBlock);
        for (const [type, ids] of Object.entries(subnetIdsByType)) {
            ids.forEach((subnet, zone) => {
                this.subnets.set(subnet, { vpcId, zone });
                this.vpcOfTable.set(routeTableOfSubnet(subnet), vpcId);
                this.routesInTable.set(routeTableOfSubnet(subnet), LOCAL_ROUTES_PER_TABLE + awsxRoutesInTable(inputs, type));
            });
        }
    }

    /** The VPC of a subnet the model created, and its AZ's position among that VPC's zones. */
    subnet(subnetId: string): { readonly vpcId: string; readonly zone: number } | undefined {
        return this.subnets.get(subnetId);
    }

    /**
     * Why EC2 would refuse `inputs` of a peering (`VpcPeeringConnection`): overlapping ranges, or
     * `autoAccept` across accounts or regions. Empty when it would not, or when a VPC is not the model's.
     */
    peeringProblems(inputs: Inputs, accountId: string, region: string): string[] {
        const mine = this.cidrOfVpc.get(inputs.vpcId);
        const peer = this.cidrOfVpc.get(inputs.peerVpcId);
        const crosses = (inputs.peerOwnerId !== undefined && inputs.peerOwnerId !== accountId) || (inputs.peerRegion ?? region) !== region;
        return [
            ...(mine && peer && cidrsOverlap(mine, peer)
                ? [`VPC ${inputs.vpcId} (${mine}) and VPC ${inputs.peerVpcId} (${peer}) overlap; ${PEERING_SOURCES.overlap}`]
                : []),
            ...(inputs.autoAccept && crosses
                ? [
                      `autoAccept across accounts or regions (peer ${inputs.peerOwnerId ?? accountId} in ${inputs.peerRegion ?? region}); ${PEERING_SOURCES.autoAccept}`,
                  ]
                : []),
        ];
    }

    /** Why CreateRoute would refuse `inputs`: a destination inside the table's own VPC range. */
    routeProblems(inputs: Inputs): string[] {
        const vpc = this.vpcOfTable.get(inputs.routeTableId);
        const cidr = vpc && this.cidrOfVpc.get(vpc);
        if (!cidr || !inputs.destinationCidrBlock || !cidrsOverlap(cidr, inputs.destinationCidrBlock)) return [];
        return [
            `destination ${inputs.destinationCidrBlock} overlaps route table ${inputs.routeTableId}'s own VPC (${cidr}); ${PEERING_SOURCES.localRoute}`,
        ];
    }

    /**
     * Puts the routes of a resource of `type` in their tables (`routeTablesRoutedBy`: a route's one, a
     * gateway endpoint's prefix-list route in each of its tables), unless a table would hold more than
     * the quota: then nothing is put and the answer says which tables. A table the model did not mint (a
     * test's fake id) starts with its local route only.
     */
    addRoutes(type: string, inputs: Inputs): string[] {
        const after = routeTablesRoutedBy(type, inputs).map((t) => [t, (this.routesInTable.get(t) ?? LOCAL_ROUTES_PER_TABLE) + 1] as const);
        const max = DEFAULT_QUOTAS.routesPerRouteTable;
        const full = after.filter(([, n]) => n > max);
        if (full.length > 0) {
            return full.map(
                ([t, n]) =>
                    `${n} routes in route table ${t}, its local route and awsx's included; AWS takes at most ${max} (RouteLimitExceeded)`,
            );
        }
        for (const [t, n] of after) this.routesInTable.set(t, n);
        return [];
    }
}

/** The rule types whose `referencedSecurityGroupId` EC2 resolves within the rule's VPC or a peered one. */
const GROUP_RULE_TYPES: ReadonlySet<string> = new Set([
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
]);

/** Sources of the cross-region rules `replicationChecks` enforces. */
export const REPLICATION_SOURCES = {
    s3: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html; https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketReplication.html",
    efs: "https://docs.aws.amazon.com/efs/latest/ug/API_CreateReplicationConfiguration.html",
    rds: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html (KmsKeyId); terraform-provider-aws website/docs/r/rds_cluster.html.markdown",
    rdsManagedPassword:
        "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html (Limitations: not supported for DB clusters that are part of an Aurora global database)",
    secretReplica:
        "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ReplicaRegionType.html (KmsKeyId of the replica Region)",
    ecr: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html",
} as const;

/** The region of a KMS key ARN (`arn:aws:kms:<region>:…`), or undefined for a key id or alias. */
function arnRegion(arn: unknown): string | undefined {
    return typeof arn === "string" && arn.startsWith("arn:") ? arn.split(":")[3] : undefined;
}

/**
 * What AWS refuses across resources of one run for replication, remembering the bucket settings seen
 * so far (the program makes each replication depend on them, so they register first):
 * - S3 (PutBucketReplication): versioning on both buckets; an SSE-KMS source bucket needs
 *   `sourceSelectionCriteria.sseKmsEncryptedObjects` enabled and the destination's `replicaKmsKeyId`,
 *   which S3 otherwise skips ("Replicating objects created with SSE-KMS").
 * - EFS (CreateReplicationConfiguration): the destination in another region than the source's (the
 *   only same-region form is to another AZ, which the platform does not use), its key in that region.
 * - RDS (CreateDBCluster): a secondary cluster of an encrypted global database in another region names
 *   a KMS key valid there (`KmsKeyId`), and one with `globalClusterIdentifier` takes no master user;
 *   no member of a global database, nor the cluster one is created from, has an RDS-managed master
 *   password (`manageMasterUserPassword`: Aurora user guide, Secrets Manager integration limitations).
 * - Secrets Manager: a replica's key is in the replica's region.
 * - ECR: a replication rule to the registry's own region.
 */
function replicationChecks(): (args: pulumi.runtime.MockResourceArgs, stackRegion: string) => void {
    const versioned = new Set<string>();
    const kmsEncrypted = new Set<string>();
    /** Clusters (by identifier) whose master password RDS manages. */
    const managedPassword = new Set<string>();
    const refuse = (args: pulumi.runtime.MockResourceArgs, problem: string, source: string) => {
        throw new NameRuleError(args.type, args.name, problem, source);
    };
    return (args, stackRegion) => {
        const i = args.inputs;
        const region = (i.region as string | undefined) ?? stackRegion;
        switch (args.type) {
            case "aws:s3/bucketVersioning:BucketVersioning":
                if (i.versioningConfiguration?.status === "Enabled") versioned.add(i.bucket);
                return;
            case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
                if ((i.rules ?? []).some((r: any) => r.applyServerSideEncryptionByDefault?.sseAlgorithm === "aws:kms"))
                    kmsEncrypted.add(i.bucket);
                return;
            case "aws:s3/bucketReplicationConfig:BucketReplicationConfig": {
                if (!versioned.has(i.bucket))
                    refuse(
                        args,
                        `source bucket '${i.bucket}' has no versioning enabled; S3 replication needs it on both buckets`,
                        REPLICATION_SOURCES.s3,
                    );
                for (const rule of i.rules ?? []) {
                    const destination = String(rule.destination?.bucket ?? "").replace(/^arn:aws:s3:::/, "");
                    if (!versioned.has(destination)) {
                        refuse(
                            args,
                            `destination bucket '${destination}' has no versioning enabled; S3 replication needs it on both buckets`,
                            REPLICATION_SOURCES.s3,
                        );
                    }
                    if (kmsEncrypted.has(i.bucket)) {
                        if (rule.sourceSelectionCriteria?.sseKmsEncryptedObjects?.status !== "Enabled") {
                            refuse(
                                args,
                                `rule '${rule.id}': the source bucket is SSE-KMS; without sourceSelectionCriteria.sseKmsEncryptedObjects S3 replicates none of its objects`,
                                REPLICATION_SOURCES.s3,
                            );
                        }
                        if (!rule.destination?.encryptionConfiguration?.replicaKmsKeyId) {
                            refuse(
                                args,
                                `rule '${rule.id}': SSE-KMS objects need destination.encryptionConfiguration.replicaKmsKeyId`,
                                REPLICATION_SOURCES.s3,
                            );
                        }
                    }
                }
                return;
            }
            case "aws:efs/replicationConfiguration:ReplicationConfiguration":
                for (const d of i.destination ? [i.destination] : []) {
                    if ((d.region ?? region) === region) {
                        refuse(
                            args,
                            `destination region '${d.region ?? region}' is the source's own; the standby copy must be in another region`,
                            REPLICATION_SOURCES.efs,
                        );
                    }
                    const keyRegion = arnRegion(d.kmsKeyId);
                    if (keyRegion !== undefined && keyRegion !== d.region) {
                        refuse(
                            args,
                            `destination key is in ${keyRegion}, the destination in ${d.region}; EFS encrypts the replica with a key of its own region`,
                            REPLICATION_SOURCES.efs,
                        );
                    }
                }
                return;
            case "aws:rds/globalCluster:GlobalCluster": {
                const source = String(i.sourceDbClusterIdentifier ?? "").replace(/^arn:aws:rds:[^:]*:[^:]*:cluster:/, "");
                if (managedPassword.has(source)) {
                    refuse(
                        args,
                        `source cluster '${source}' has an RDS-managed master password (manageMasterUserPassword), which a global database cannot have`,
                        REPLICATION_SOURCES.rdsManagedPassword,
                    );
                }
                return;
            }
            case "aws:secretsmanager/secret:Secret":
                for (const replica of i.replicas ?? []) {
                    const keyRegion = arnRegion(replica.kmsKeyId);
                    if (keyRegion !== undefined && keyRegion !== replica.region) {
                        refuse(
                            args,
                            `the replica in ${replica.region} names a key in ${keyRegion}; a replica is encrypted with a key of its own region`,
                            REPLICATION_SOURCES.secretReplica,
                        );
                    }
                }
                return;
            case "aws:rds/cluster:Cluster":
                if (i.manageMasterUserPassword) {
                    if (i.globalClusterIdentifier !== undefined) {
                        refuse(
                            args,
                            "a member of a global database cannot have an RDS-managed master password (manageMasterUserPassword)",
                            REPLICATION_SOURCES.rdsManagedPassword,
                        );
                    }
                    managedPassword.add(String(i.clusterIdentifier));
                }
                if (i.globalClusterIdentifier !== undefined && region !== stackRegion) {
                    if (i.storageEncrypted && !i.kmsKeyId) {
                        refuse(
                            args,
                            `secondary cluster in ${region} of an encrypted global database without kmsKeyId: name a key in ${region}`,
                            REPLICATION_SOURCES.rds,
                        );
                    }
                    if (arnRegion(i.kmsKeyId) !== undefined && arnRegion(i.kmsKeyId) !== region) {
                        refuse(
                            args,
                            `kmsKeyId is a key in ${arnRegion(i.kmsKeyId)}; a cluster in ${region} needs one in its own region`,
                            REPLICATION_SOURCES.rds,
                        );
                    }
                    if (i.masterUsername !== undefined || i.manageMasterUserPassword) {
                        refuse(
                            args,
                            "a secondary cluster takes its users from the primary: no masterUsername or managed password",
                            REPLICATION_SOURCES.rds,
                        );
                    }
                }
                return;
            case "aws:ecr/replicationConfiguration:ReplicationConfiguration":
                for (const rule of i.replicationConfiguration?.rules ?? []) {
                    for (const d of rule.destinations ?? []) {
                        if (d.region === region)
                            refuse(args, `a replication destination in the registry's own region ${region}`, REPLICATION_SOURCES.ecr);
                    }
                }
                return;
        }
    };
}

/** CreateMountTarget: the rules `mountTargetChecks` enforces, and the user guide's statement of them. */
export const MOUNT_TARGET_SOURCE =
    "https://docs.aws.amazon.com/efs/latest/ug/API_CreateMountTarget.html (MountTargetConflict: mount targets for a file system " +
    "in only one VPC, at most one per Availability Zone); https://docs.aws.amazon.com/efs/latest/ug/manage-fs-access-create-delete-mount-targets.html";

/**
 * What EFS refuses of a file system's mount targets across one run (CreateMountTarget,
 * `MountTargetConflict`): a mount target in a second VPC (a file system has mount targets in one VPC
 * only), or a second one in an AZ that already has one. It knows the subnets the model minted for an
 * awsx VPC (`learn`), by VPC and AZ; a mount target in a subnet it did not mint (a test's fake id) is
 * left to AWS.
 */
function mountTargetChecks(vpcs: VpcRegistry): { check(args: pulumi.runtime.MockResourceArgs): void } {
    /** File system id → the VPC of its mount targets and the AZs they are in. */
    const fileSystems = new Map<string, { vpcId: string; zones: Set<number> }>();
    return {
        check(args) {
            if (args.type !== "aws:efs/mountTarget:MountTarget") return;
            const subnet = vpcs.subnet(args.inputs.subnetId);
            if (!subnet) return;
            const fileSystemId = String(args.inputs.fileSystemId);
            const targets = fileSystems.get(fileSystemId) ?? { vpcId: subnet.vpcId, zones: new Set<number>() };
            const refused =
                targets.vpcId !== subnet.vpcId
                    ? `subnet ${args.inputs.subnetId} is in ${subnet.vpcId}, but ${fileSystemId} has mount targets in ${targets.vpcId}: ` +
                      "a file system's mount targets are all in one VPC (MountTargetConflict)"
                    : targets.zones.has(subnet.zone)
                      ? `${fileSystemId} already has a mount target in the AZ of subnet ${args.inputs.subnetId}: one per AZ (MountTargetConflict)`
                      : undefined;
            if (refused) throw new NameRuleError(args.type, args.name, refused, MOUNT_TARGET_SOURCE);
            targets.zones.add(subnet.zone);
            fileSystems.set(fileSystemId, targets);
        },
    };
}

/** A stable UUID-shaped id (KMS key ids, subscription ARN suffixes). */
function uuidOf(ctx: ModelContext): string {
    return uuid(ctx.hex(32));
}

function uuid(hex32: string): string {
    return `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20, 32)}`;
}

function hash(text: string, length: number): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** The alias target zone of application load balancers in the regions the platform runs in. */
function albHostedZoneId(region: string): string {
    const zones: Record<string, string> = { "eu-west-1": "Z32O12XQLNTSW2", "af-south-1": "Z268VQBMOI5EKX" };
    if (!(region in zones)) throw new UnknownResourceTypeError(`the AWS model has no load balancer hosted zone for region '${region}'`);
    return zones[region];
}

/**
 * The model was asked about something it does not know: a resource type with no entry or naming rule,
 * a function (`call`) token with no answer, or a region with no load balancer hosted zone. Thrown so a
 * new resource type fails its test loudly instead of getting an invented answer.
 */
export class UnknownResourceTypeError extends Error {}

/**
 * A secret input as the mock monitor receives it: `{ <sig key>: <secret sig>, value }` (pulumi/pulumi
 * `sdk/nodejs/runtime/rpc.ts`, `specialSigKey` and `specialSecretSig`), or the value itself.
 */
function unwrapSecret(value: any): any {
    return value && value["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270" ? value.value : value;
}

const ELASTICACHE_RBAC = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html";

/**
 * What ElastiCache refuses of a cache user (CreateUser): passwords must be 16–128 characters, at most
 * two (terraform-provider-aws `elasticache/user.go`); an access string may not hold passwords or
 * `reset` (ElastiCache user guide, RBAC). Access strings are parsed by src/policy/redis-acl.ts, which
 * also refuses rules it does not model, a stricter answer than ElastiCache's.
 */
export function cacheUserProblems(inputs: Inputs): string[] {
    const problems: string[] = [];
    // The rehearsal engine hands masked inputs over (`[secret]` for the list or each password): only what is seen is judged.
    const raw = unwrapSecret(inputs.passwords ?? inputs.authenticationMode?.passwords);
    const list: unknown[] = Array.isArray(raw) ? raw.map(unwrapSecret) : [];
    const seen = list.filter((p): p is string => typeof p === "string" && p !== "[secret]");
    if (list.length > 2) problems.push(`${list.length} passwords; ElastiCache takes at most 2`);
    for (const p of seen)
        if (p.length < 16 || p.length > 128) problems.push(`a password of ${p.length} characters; ElastiCache takes 16–128`);
    if (!inputs.noPasswordRequired && raw === undefined && inputs.authenticationMode?.type !== "iam") {
        problems.push("no password, `noPasswordRequired` nor IAM authentication");
    }
    try {
        parseAccessString(String(inputs.accessString ?? ""));
    } catch (e) {
        if (!(e instanceof AccessStringError)) throw e;
        problems.push(`access string: ${e.message}`);
    }
    return problems;
}

/**
 * The key of a cache user in `userNamesById`: users are regional (an ElastiCache user's ARN names its
 * region, and CreateUserGroup, ModifyUserGroup and a replication group see only the users of theirs),
 * so a user of another region is one that does not exist.
 */
export function cacheUserKey(region: string, userId: string): string {
    return `${region}\0${userId.toLowerCase()}`;
}

/**
 * What ElastiCache refuses of a user group: one without a user named `default` (CreateUserGroup
 * `DefaultUserRequired`), or naming a user that does not exist in its region (`UserNotFound`).
 */
export function userGroupProblems(inputs: Inputs, userNamesById: ReadonlyMap<string, string>, region: string): string[] {
    const ids: string[] = inputs.userIds ?? [];
    const key = (id: string) => cacheUserKey(region, id);
    const unknown = ids.filter((id) => !userNamesById.has(key(id)));
    return [
        ...unknown.map((id) => `user '${id}' does not exist in ${region} (UserNotFound)`),
        ...(ids.some((id) => userNamesById.get(key(id)) === "default") ? [] : ["no user named `default` (DefaultUserRequired)"]),
    ];
}

/**
 * What ElastiCache refuses of a membership (ModifyUserGroup `UserIdsToAdd`): a user or a user group
 * that does not exist in the membership's region (`UserNotFound`, `UserGroupNotFound`).
 */
export function userGroupMembershipProblems(
    inputs: Inputs,
    userNamesById: ReadonlyMap<string, string>,
    userGroups: ReadonlySet<string>,
    region: string,
): string[] {
    return [
        ...(userNamesById.has(cacheUserKey(region, String(inputs.userId)))
            ? []
            : [`user '${inputs.userId}' does not exist in ${region} (UserNotFound)`]),
        ...(userGroups.has(cacheUserKey(region, String(inputs.userGroupId)))
            ? []
            : [`user group '${inputs.userGroupId}' does not exist in ${region} (UserGroupNotFound)`]),
    ];
}

/**
 * What ElastiCache and the provider refuse of a replication group's authentication: an AUTH token
 * together with user groups (terraform-provider-aws `elasticache/replication_group.go`: `auth_token`
 * ConflictsWith `user_group_ids`), and user groups without in-transit encryption (RBAC works only
 * over TLS: ElastiCache user guide, RBAC).
 */
export function replicationGroupAuthProblems(inputs: Inputs, region: string): string[] {
    const groups: string[] = inputs.userGroupIds ?? [];
    const keyRegion = arnRegion(inputs.kmsKeyId);
    return [
        // CreateReplicationGroup `KmsKeyId`: a key of the group's own region, as every regional service takes.
        ...(keyRegion !== undefined && keyRegion !== region
            ? [`kmsKeyId is a key in ${keyRegion}; a group in ${region} needs one in its own region`]
            : []),
        ...(groups.length > 0 && inputs.authToken ? ["`authToken` and `userGroupIds` together: use one or the other"] : []),
        ...(groups.length > 0 && inputs.transitEncryptionEnabled !== true
            ? ["RBAC user groups need `transitEncryptionEnabled: true`"]
            : []),
        ...(groups.length > 1 ? [`${groups.length} user groups; a replication group takes one`] : []),
    ];
}

const LAMBDA_ENVIRONMENT = "https://docs.aws.amazon.com/lambda/latest/api/API_Environment.html";

/**
 * What Lambda and the rotation function refuse of `RotationFunctionSettings`: a function no rotation
 * stack of this program creates (GetFunctionConfiguration: `ResourceNotFoundException`); a variable
 * whose value is not a string (Lambda API `Environment.Variables`: string to string); a
 * `USERNAME_CHARACTER_LIMIT` that is not a whole number (`int(os.environ.get(...))` in `create_secret`,
 * aws-samples `SecretsManagerRDSMySQLRotationMultiUser/lambda_function.py` at b4b8eca, would raise on
 * every rotation); an `accountId` other than the account the model stands for (the provider refuses a
 * function whose ARN names another account: its credentials are the default chain's, not the stack's).
 */
export function rotationSettingsProblems(inputs: Inputs, stackFunctions: ReadonlySet<string>, accountId: string): string[] {
    const variables: Record<string, unknown> = inputs.variables ?? {};
    return [
        ...(inputs.accountId === accountId ? [] : [`accountId '${inputs.accountId}' is not the account ${accountId} the function is in`]),
        ...(stackFunctions.has(inputs.functionName)
            ? []
            : [`function '${inputs.functionName}' is created by no rotation stack (ResourceNotFoundException)`]),
        ...Object.entries(variables)
            .filter(([, v]) => typeof v !== "string")
            .map(([k]) => `variable ${k} is not a string`),
        ...("USERNAME_CHARACTER_LIMIT" in variables && !/^\d+$/.test(String(variables.USERNAME_CHARACTER_LIMIT))
            ? [`USERNAME_CHARACTER_LIMIT '${variables.USERNAME_CHARACTER_LIMIT}' is not a whole number`]
            : []),
    ];
}

/**
 * Builds the mocks for one environment's account and region. Like AWS, they refuse a name that
 * breaks the type's rule in automation/aws-name-rules.ts (auto-names included), a free-text input
 * that breaks one of its `TEXT_RULES` (a security group's or rule's description), and a second
 * resource asking for a name already taken (`NameRuleError`).
 */
export function createAwsModel(options: AwsModelOptions): pulumi.runtime.Mocks {
    const taken = new Map<string, string>();
    const counted = new Map<string, number>();
    const regionOf = (args: pulumi.runtime.MockResourceArgs): string => (args.inputs.region as string | undefined) ?? options.region;
    const checkReplication = replicationChecks();
    const cacheUserNames = new Map<string, string>();
    const cacheUserGroups = new Set<string>();
    const stackFunctions = new Set<string>();
    const vpcs = new VpcRegistry();
    const mountTargets = mountTargetChecks(vpcs);
    const checkPeering = (args: pulumi.runtime.MockResourceArgs) => {
        const problems =
            args.type === "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
                ? vpcs.peeringProblems(args.inputs, options.accountId, regionOf(args))
                : args.type === "aws:ec2/route:Route"
                  ? vpcs.routeProblems(args.inputs)
                  : GROUP_RULE_TYPES.has(args.type)
                    ? vpcs.groupReferenceProblems(args.inputs)
                    : [];
        if (problems.length > 0) throw new NameRuleError(args.type, args.name, problems.join("; "), "EC2 (see PEERING_SOURCES)");
        if (args.type === "aws:ec2/vpcPeeringConnection:VpcPeeringConnection") vpcs.addPeering(args.inputs);
        const full = vpcs.addRoutes(args.type, args.inputs);
        if (full.length > 0) throw new NameRuleError(args.type, args.name, full.join("; "), PEERING_SOURCES.routesPerTable);
    };
    const checkRotationSettings = (args: pulumi.runtime.MockResourceArgs) => {
        if (args.type === "aws:serverlessrepository/cloudFormationStack:CloudFormationStack") {
            stackFunctions.add(args.inputs.parameters?.functionName);
        } else if (args.type === "pulumi-nodejs:dynamic/data:RotationFunctionSettings") {
            const problems = rotationSettingsProblems(args.inputs, stackFunctions, options.accountId);
            if (problems.length > 0) throw new NameRuleError(args.type, args.name, problems.join("; "), LAMBDA_ENVIRONMENT);
        }
    };
    const checkElastiCache = (args: pulumi.runtime.MockResourceArgs) => {
        const region = regionOf(args);
        const problems =
            args.type === "aws:elasticache/user:User"
                ? cacheUserProblems(args.inputs)
                : args.type === "aws:elasticache/userGroup:UserGroup"
                  ? userGroupProblems(args.inputs, cacheUserNames, region)
                  : args.type === "aws:elasticache/userGroupAssociation:UserGroupAssociation"
                    ? userGroupMembershipProblems(args.inputs, cacheUserNames, cacheUserGroups, region)
                    : args.type === "aws:elasticache/replicationGroup:ReplicationGroup"
                      ? replicationGroupAuthProblems(args.inputs, region)
                      : [];
        if (problems.length > 0) throw new NameRuleError(args.type, args.name, problems.join("; "), ELASTICACHE_RBAC);
        if (args.type === "aws:elasticache/user:User")
            cacheUserNames.set(cacheUserKey(region, String(args.inputs.userId)), args.inputs.userName);
        if (args.type === "aws:elasticache/userGroup:UserGroup") cacheUserGroups.add(cacheUserKey(region, String(args.inputs.userGroupId)));
    };
    const checkQuota = (args: pulumi.runtime.MockResourceArgs) => {
        const quota = COUNTED_QUOTAS[args.type];
        if (!quota) return;
        const key = `${args.type}\0${JSON.stringify(args.inputs[quota.scope] ?? (quota.scope === "region" ? regionOf(args) : undefined))}`;
        const count = (counted.get(key) ?? 0) + 1;
        if (count > quota.max) {
            throw new NameRuleError(args.type, args.name, `${count} ${quota.what}; AWS takes at most ${quota.max}`, quota.source);
        }
        counted.set(key, count);
    };
    const checkName = (args: pulumi.runtime.MockResourceArgs) => {
        const entry = NAME_RULES[args.type];
        if (!entry) {
            throw new UnknownResourceTypeError(
                `automation/aws-name-rules.ts has no naming rule for resource type '${args.type}' ` +
                    `(resource '${args.name}'): add what AWS accepts as its name, with the source`,
            );
        }
        for (const rule of TEXT_RULES[args.type] ?? []) {
            const [refused] = textProblems(rule, args.inputs);
            if (refused) throw new NameRuleError(args.type, args.name, refused, rule.source);
        }
        if (!isNameRule(entry)) return;
        const [problem] = nameProblems(entry, args.name, args.inputs);
        if (problem) throw new NameRuleError(args.type, args.name, problem, entry.source);
        const found = physicalName(entry, args.name, args.inputs);
        if (!found || found.auto) return;
        const name = entry.caseInsensitive ? found.name.toLowerCase() : found.name;
        const scope = entry.uniqueWithin ?? (GLOBAL_NAME_TYPES.has(args.type) ? [] : [regionOf(args)]);
        const key = [args.type, name, ...scope.map((p) => (entry.uniqueWithin ? JSON.stringify(args.inputs[p]) : p))].join("\0");
        const holder = taken.get(key);
        if (holder) {
            throw new NameRuleError(
                args.type,
                args.name,
                `${entry.property} '${found.name}' is already taken by resource '${holder}': AWS refuses the second create`,
                entry.source,
            );
        }
        taken.set(key, args.name);
    };
    return {
        newResource(args: pulumi.runtime.MockResourceArgs) {
            const model = RESOURCE_MODELS[args.type];
            // Components and the root stack are not AWS resources: the engine stores nothing for them.
            // A remote component (awsx's Vpc) is not custom either, but has a model: it answers outputs.
            if (!model && args.custom === false) {
                return { id: "", state: {} };
            }
            if (!model) {
                throw new UnknownResourceTypeError(
                    `the AWS model has no entry for resource type '${args.type}' ` +
                        `(resource '${args.name}'): add one to RESOURCE_MODELS in automation/aws-model.ts`,
                );
            }
            checkName(args);
            checkReplication(args, options.region);
            checkQuota(args);
            checkElastiCache(args);
            checkRotationSettings(args);
            checkPeering(args);
            mountTargets.check(args);
            const ctx: ModelContext = {
                ...options,
                // A per-resource `region` (@pulumi/aws 7) puts the resource, its ARN and endpoints in that region.
                region: regionOf(args),
                name: args.name,
                inputs: args.inputs,
                hex: (length) => hash(`${args.type}/${args.name}`, length),
                arn: (service, resource, o = {}) =>
                    `arn:aws:${service}:${o.region ?? regionOf(args)}:${o.account ?? options.accountId}:${resource}`,
            };
            const { id, state } = model(ctx);
            if (args.type === "aws:ec2/securityGroup:SecurityGroup") vpcs.addGroup(id, args.inputs.vpcId);
            if (args.type === "awsx:ec2:Vpc" && state) {
                vpcs.addVpc(state.vpcId, args.inputs as AwsxVpcQuotaInputs & { cidrBlock: string }, {
                    Public: state.publicSubnetIds,
                    Private: state.privateSubnetIds,
                    Isolated: state.isolatedSubnetIds,
                });
            }
            return { id, state: { ...args.inputs, ...state } };
        },
        call(args: pulumi.runtime.MockCallArgs) {
            const model = CALL_MODELS[args.token];
            if (!model) {
                throw new UnknownResourceTypeError(
                    `the AWS model has no answer for function '${args.token}': ` + `add one to CALL_MODELS in automation/aws-model.ts`,
                );
            }
            return model(args.inputs, options);
        },
    };
}
