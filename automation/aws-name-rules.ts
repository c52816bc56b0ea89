/**
 * What AWS accepts as the physical name of each resource type the program creates, and what the
 * AWS provider does when a name is left out. The offline run (automation/aws-model.ts) refuses any
 * registration that breaks a rule here, so a name AWS would refuse fails `npm run synth` and the
 * tests instead of a first real `pulumi up`. The README's limits table is this list. `TEXT_RULES`
 * holds the same for free text that is not a name: security group and rule descriptions.
 *
 * Auto-naming: for a resource whose `name` input is absent, the provider appends `-` and seven
 * random characters to the logical name and refuses the result over the type's maximum
 * (pulumi-aws provider/autonaming.go: every optional or required `name` input, 255 by default;
 * provider/resources.go and provider/aliases.go lower it: IAM roles and EventBridge rules 64, target
 * groups and load balancers 32, buckets 63, and add RDS cluster identifiers). Each rule's
 * `autoNameMax` says so; the program names almost everything itself, and the model checks the
 * auto-name of what it leaves out against the same pattern (a KMS alias auto-name lacks `alias/`).
 */

import { OfflineRefusalError } from "./refusal";

/** How a name may look: length bounds, characters, and extra shape checks with their reasons. */
export interface NameRule {
    /** The input property that carries the physical name, e.g. `name`, `bucket`, `clusterIdentifier`. */
    readonly property: string;
    readonly min: number;
    readonly max: number;
    /** The whole name must match this. */
    readonly pattern: RegExp;
    /** What `pattern` allows, in words, for the error message and the README. */
    readonly allowed: string;
    /** The maximum the provider enforces on `<logical name>-<7 random>` when `property` is absent; absent: never auto-named. */
    readonly autoNameMax?: number;
    /** Where the rule is written: an AWS API reference or user guide page, or provider source. */
    readonly source: string;
    /**
     * Inputs within whose values the name must be unique (an inline policy's role, a group's VPC); absent:
     * the account and region (a per-resource `region` input counts), or the account alone for `GLOBAL_NAME_TYPES`.
     */
    readonly uniqueWithin?: readonly string[];
    /** AWS compares names without regard to case, so `Shop` and `shop` clash. */
    readonly caseInsensitive?: boolean;
}

/** A type the program creates that has no physical name of its own (AWS assigns an id). */
export interface Unnamed {
    readonly unnamed: string;
}

/** The bucket settings the program creates: each a sub-resource identified by its bucket's name. */
export const BUCKET_SETTING_TYPES = [
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
] as const;

/**
 * Types whose names are unique in the account (IAM), across all accounts (S3 buckets), or in their
 * hosted zone (Route 53), whatever the region: a second one in another region still clashes.
 */
export const GLOBAL_NAME_TYPES: ReadonlySet<string> = new Set(["aws:iam/role:Role", "aws:s3/bucket:Bucket", "aws:route53/record:Record"]);

const RDS_IDENTIFIER = /^[a-zA-Z](?:[a-zA-Z0-9]|-(?=[a-zA-Z0-9]))*$/;
const RDS_IDENTIFIER_WORDS = "letters, digits and single hyphens; starts with a letter, does not end with a hyphen";
const ALNUM_DASH_UNDERSCORE = /^[A-Za-z0-9_-]+$/;
const IAM_NAME = /^[\w+=,.@-]+$/;
const api = (path: string) => `https://docs.aws.amazon.com/${path}`;

/**
 * Every resource type the program registers, by Pulumi type token: its naming rule, or why it has
 * none. test/automation/aws-name-rules.test.ts checks that the AWS model has no type missing here.
 */
export const NAME_RULES: Readonly<Record<string, NameRule | Unnamed>> = {
    "aws:ec2/securityGroup:SecurityGroup": {
        property: "name",
        min: 1,
        max: 255,
        pattern: /^(?!sg-)[\x20-\x7E]+$/,
        allowed: "ASCII, not starting with 'sg-'",
        autoNameMax: 255,
        uniqueWithin: ["vpcId"],
        source: api("AWSEC2/latest/APIReference/API_CreateSecurityGroup.html"),
    },
    "aws:iam/role:Role": {
        property: "name",
        min: 1,
        max: 64,
        pattern: IAM_NAME,
        allowed: "letters, digits and +=,.@_-",
        autoNameMax: 64,
        caseInsensitive: true,
        source: `${api("IAM/latest/APIReference/API_CreateRole.html")} (names are not distinguished by case); pulumi-aws provider/resources.go AutoName("name", 64)`,
    },
    "aws:iam/rolePolicy:RolePolicy": {
        property: "name",
        min: 1,
        max: 128,
        pattern: IAM_NAME,
        allowed: "letters, digits and +=,.@_-",
        autoNameMax: 128,
        uniqueWithin: ["role"],
        source: `${api("IAM/latest/APIReference/API_PutRolePolicy.html")} (PolicyName 1–128; the provider's default auto-name allows 255)`,
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        property: "name",
        min: 1,
        max: 512,
        pattern: /^[.\-_/#A-Za-z0-9]+$/,
        allowed: "letters, digits and ._-/#",
        autoNameMax: 512,
        source: api("AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html"),
    },
    "aws:ecr/repository:Repository": {
        property: "name",
        min: 2,
        max: 256,
        pattern: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
        allowed: "lowercase path segments of letters and digits joined by single ._-",
        autoNameMax: 255,
        source: api("AmazonECR/latest/APIReference/API_CreateRepository.html"),
    },
    "aws:ecs/cluster:Cluster": {
        property: "name",
        min: 1,
        max: 255,
        pattern: ALNUM_DASH_UNDERSCORE,
        allowed: "letters, digits, _ and -",
        autoNameMax: 255,
        source: api("AmazonECS/latest/APIReference/API_CreateCluster.html"),
    },
    "aws:ecs/taskDefinition:TaskDefinition": {
        property: "family",
        min: 1,
        max: 255,
        pattern: ALNUM_DASH_UNDERSCORE,
        allowed: "letters, digits, _ and -",
        source: api("AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html"),
    },
    "aws:ecs/service:Service": {
        property: "name",
        min: 1,
        max: 255,
        pattern: ALNUM_DASH_UNDERSCORE,
        allowed: "letters, digits, _ and -",
        autoNameMax: 255,
        uniqueWithin: ["cluster"],
        source: api("AmazonECS/latest/APIReference/API_CreateService.html"),
    },
    "aws:lb/loadBalancer:LoadBalancer": {
        property: "name",
        min: 1,
        max: 32,
        pattern: /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
        allowed: "letters, digits and inner hyphens, not starting with 'internal-'",
        autoNameMax: 32,
        source: `${api("elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html")}; pulumi-aws provider/resources.go AutoName("name", 32)`,
    },
    "aws:lb/targetGroup:TargetGroup": {
        property: "name",
        min: 1,
        max: 32,
        pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
        allowed: "letters, digits and inner hyphens",
        autoNameMax: 32,
        source: `${api("elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html")}; pulumi-aws provider/aliases.go AutoName("name", 32)`,
    },
    "aws:lb/listener:Listener": { unnamed: "identified by its ARN" },
    "aws:lb/listenerRule:ListenerRule": { unnamed: "identified by its ARN; its priority is the tenant's slot" },
    "aws:lb/listenerCertificate:ListenerCertificate": { unnamed: "identified by its listener and certificate ARNs" },
    "aws:acm/certificate:Certificate": { unnamed: "identified by its ARN; the AWS model checks its domain name against ACM's rules" },
    "aws:acm/certificateValidation:CertificateValidation": { unnamed: "not an AWS object: the provider's wait for ISSUED" },
    "aws:ssm/document:Document": {
        property: "name",
        min: 3,
        max: 128,
        pattern: /^(?!(?:aws|amazon|amzn))[a-zA-Z0-9_.-]+$/i,
        allowed: "letters, digits and _.-, not starting with aws, amazon or amzn",
        autoNameMax: 255,
        source: api("systems-manager/latest/APIReference/API_CreateDocument.html"),
    },
    "aws:appautoscaling/target:Target": { unnamed: "identified by its resource id `service/<cluster>/<service>`" },
    "aws:appautoscaling/policy:Policy": {
        property: "name",
        min: 1,
        max: 256,
        pattern: /^[\x20-\x7E]+$/,
        allowed: "printable ASCII",
        autoNameMax: 255,
        uniqueWithin: ["serviceNamespace", "resourceId", "scalableDimension"],
        source: api("autoscaling/application/APIReference/API_PutScalingPolicy.html"),
    },
    "aws:secretsmanager/secret:Secret": {
        property: "name",
        min: 1,
        max: 512,
        pattern: /^[A-Za-z0-9/_+=.@-]+$/,
        allowed: "letters, digits and /_+=.@-",
        autoNameMax: 512,
        source: api("secretsmanager/latest/apireference/API_CreateSecret.html"),
    },
    "aws:secretsmanager/secretVersion:SecretVersion": { unnamed: "a version of its secret" },
    "random:index/randomPassword:RandomPassword": { unnamed: "exists only in Pulumi state" },
    "aws:kms/key:Key": { unnamed: "identified by its key id; its alias carries the name" },
    "aws:kms/alias:Alias": {
        property: "name",
        min: 7,
        max: 256,
        pattern: /^alias\/(?!aws\/)[a-zA-Z0-9/_-]+$/,
        allowed: "'alias/' then letters, digits and /_-, not 'alias/aws/'",
        autoNameMax: 255,
        source: api("kms/latest/APIReference/API_CreateAlias.html"),
    },
    "aws:sns/topic:Topic": {
        property: "name",
        min: 1,
        max: 256,
        pattern: /^[A-Za-z0-9_-]+$/,
        allowed: "letters, digits, _ and -",
        autoNameMax: 256,
        source: api("sns/latest/api/API_CreateTopic.html"),
    },
    "aws:sns/topicPolicy:TopicPolicy": { unnamed: "part of its topic" },
    "aws:sns/topicSubscription:TopicSubscription": { unnamed: "identified by its ARN" },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        property: "name",
        min: 1,
        max: 255,
        pattern: /^[\x20-\x7E]+$/,
        allowed: "printable ASCII",
        autoNameMax: 255,
        source: api("AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"),
    },
    "aws:cloudwatch/dashboard:Dashboard": {
        property: "dashboardName",
        min: 1,
        max: 255,
        pattern: ALNUM_DASH_UNDERSCORE,
        allowed: "letters, digits, _ and -",
        source: api("AmazonCloudWatch/latest/APIReference/API_PutDashboard.html"),
    },
    "aws:cloudwatch/eventRule:EventRule": {
        property: "name",
        min: 1,
        max: 64,
        pattern: /^[.\-_A-Za-z0-9]+$/,
        allowed: "letters, digits and ._-",
        autoNameMax: 64,
        source: `${api("eventbridge/latest/APIReference/API_PutRule.html")}; pulumi-aws provider/resources.go AutoName("name", 64)`,
    },
    "aws:cloudwatch/eventTarget:EventTarget": {
        property: "targetId",
        min: 1,
        max: 64,
        pattern: /^[.\-_A-Za-z0-9]+$/,
        allowed: "letters, digits and ._-",
        autoNameMax: 64,
        uniqueWithin: ["rule"],
        source: `${api("eventbridge/latest/APIReference/API_Target.html")} (Id, unique within its rule)`,
    },
    "aws:budgets/budget:Budget": {
        property: "name",
        min: 1,
        max: 100,
        pattern: /^[^:\\]+$/,
        allowed: "anything but ':' and '\\'",
        autoNameMax: 100,
        source: api("aws-cost-management/latest/APIReference/API_budgets_Budget.html"),
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { unnamed: "a link between a role and a managed policy" },
    "aws:rds/subnetGroup:SubnetGroup": {
        property: "name",
        min: 1,
        max: 255,
        pattern: /^(?!default$)[a-z0-9 ._-]+$/,
        allowed: "lowercase letters, digits, spaces and ._-, not 'default'",
        autoNameMax: 255,
        source: api("AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html"),
    },
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": {
        property: "name",
        min: 1,
        max: 255,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        autoNameMax: 255,
        source: api("AmazonRDS/latest/APIReference/API_CreateDBClusterParameterGroup.html"),
    },
    "aws:rds/parameterGroup:ParameterGroup": {
        property: "name",
        min: 1,
        max: 255,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        autoNameMax: 255,
        source: api("AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html"),
    },
    "aws:rds/cluster:Cluster": {
        property: "clusterIdentifier",
        min: 1,
        max: 63,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        autoNameMax: 255,
        source: `${api("AmazonRDS/latest/APIReference/API_CreateDBCluster.html")}; pulumi-aws provider/resources.go AutoName("cluster_identifier", 255)`,
    },
    "aws:rds/clusterInstance:ClusterInstance": {
        property: "identifier",
        min: 1,
        max: 63,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        source: api("AmazonRDS/latest/APIReference/API_CreateDBInstance.html"),
    },
    "aws:elasticache/subnetGroup:SubnetGroup": {
        property: "name",
        min: 1,
        max: 255,
        pattern: /^[a-zA-Z0-9-]+$/,
        allowed: "letters, digits and -",
        autoNameMax: 255,
        source: api("AmazonElastiCache/latest/APIReference/API_CreateCacheSubnetGroup.html"),
    },
    "aws:elasticache/parameterGroup:ParameterGroup": {
        property: "name",
        min: 1,
        max: 255,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        autoNameMax: 255,
        source: api("AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html"),
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": {
        property: "replicationGroupId",
        min: 1,
        max: 40,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        autoNameMax: 40,
        source: `${api("AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html")}; pulumi-aws provider/resources.go AutoNameTransform("replicationGroupId", 40, strings.ToLower)`,
    },
    "aws:elasticache/user:User": {
        property: "userId",
        min: 1,
        // The API reference gives a minimum and a pattern, no maximum; the program's ids stay under 40.
        max: 255,
        pattern: /^[a-zA-Z][a-zA-Z0-9-]*$/,
        allowed: "letters, digits and -, starting with a letter (stored in lower case)",
        caseInsensitive: true,
        source: api("AmazonElastiCache/latest/APIReference/API_CreateUser.html"),
    },
    "aws:elasticache/userGroup:UserGroup": {
        property: "userGroupId",
        min: 1,
        max: 255,
        pattern: /^[a-z][a-z0-9-]*$/,
        allowed: "lower-case letters, digits and -, starting with a letter",
        source: api("AWSCloudFormation/latest/UserGuide/aws-resource-elasticache-usergroup.html"),
    },
    "aws:elasticache/userGroupAssociation:UserGroupAssociation": { unnamed: "a user's membership of a group" },
    "aws:secretsmanager/secretRotation:SecretRotation": { unnamed: "the rotation configuration of its secret" },
    "pulumi-nodejs:dynamic/data:RotationFunctionSettings": { unnamed: "settings of a function its stack names" },
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": {
        property: "name",
        min: 1,
        // CloudFormation takes 128 characters, and the repository puts `serverlessrepo-` (15) in front.
        max: 113,
        pattern: /^[a-zA-Z][a-zA-Z0-9-]*$/,
        allowed: "letters, digits and -, starting with a letter",
        // A required `name` input: auto-named by the provider's default rule (provider/autonaming.go).
        autoNameMax: 255,
        source: `${api("AWSCloudFormation/latest/APIReference/API_CreateStack.html")}; pulumi-aws provider/autonaming.go (a \`name\` input, 255)`,
    },
    "aws:scheduler/schedule:Schedule": {
        property: "name",
        min: 1,
        max: 64,
        pattern: /^[0-9a-zA-Z-_.]+$/,
        allowed: "letters, digits and -_.",
        autoNameMax: 64,
        uniqueWithin: ["groupName"],
        source: api("scheduler/latest/APIReference/API_CreateSchedule.html"),
    },
    "aws:efs/fileSystem:FileSystem": {
        property: "creationToken",
        min: 1,
        max: 64,
        pattern: /^[\x20-\x7E]+$/,
        allowed: "ASCII",
        autoNameMax: 255,
        source: `${api("efs/latest/ug/API_CreateFileSystem.html")}; pulumi-aws provider/resources.go AutoName("creationToken", 255, "-")`,
    },
    "aws:efs/mountTarget:MountTarget": { unnamed: "identified by its id, one per subnet" },
    "aws:efs/accessPoint:AccessPoint": { unnamed: "identified by its id; the Name tag carries the tenant" },
    "aws:efs/fileSystemPolicy:FileSystemPolicy": { unnamed: "part of its file system" },
    "aws:efs/backupPolicy:BackupPolicy": { unnamed: "part of its file system" },
    "aws:s3/bucket:Bucket": {
        property: "bucket",
        min: 3,
        max: 63,
        pattern:
            /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(?:-s3alias|--ol-s3|--x-s3|--table-s3)$)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9](?:[a-z0-9-]|\.(?!\.))*[a-z0-9]$/,
        allowed: "lowercase letters, digits, '-' and single '.', starting and ending with a letter or digit, no reserved prefix or suffix",
        autoNameMax: 63,
        source: `${api("AmazonS3/latest/userguide/bucketnamingrules.html")}; pulumi-aws provider/resources.go AutoNameTransform("bucket", 63, lower-case)`,
    },
    "aws:backup/vault:Vault": {
        property: "name",
        min: 2,
        max: 50,
        pattern: /^[a-zA-Z0-9_-]+$/,
        allowed: "letters, digits, _ and -",
        autoNameMax: 255,
        source: api("aws-backup/latest/devguide/API_CreateBackupVault.html"),
    },
    "aws:backup/plan:Plan": {
        property: "name",
        min: 1,
        max: 50,
        pattern: /^[a-zA-Z0-9_.-]+$/,
        allowed: "letters, digits and _.-",
        autoNameMax: 255,
        source: api("aws-backup/latest/devguide/API_BackupPlanInput.html"),
    },
    "aws:backup/selection:Selection": {
        property: "name",
        min: 1,
        max: 50,
        pattern: /^[a-zA-Z0-9_.-]+$/,
        allowed: "letters, digits and _.-",
        autoNameMax: 255,
        source: api("aws-backup/latest/devguide/API_BackupSelection.html"),
    },
    "aws:route53/record:Record": {
        property: "name",
        min: 1,
        max: 253,
        // Underscores too: ACM's validation records are named `_<hex>.<domain>`.
        pattern: /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
        allowed: "a DNS name of labels of at most 63 letters, digits, underscores and inner hyphens",
        // A failover pair shares name and type; the set identifier tells them apart (Route 53 API
        // reference, ResourceRecordSet `SetIdentifier`).
        uniqueWithin: ["zoneId", "type", "setIdentifier"],
        // Never auto-named: `name` is required (@pulumi/aws RecordArgs).
        source: api("Route53/latest/DeveloperGuide/DomainNameFormat.html"),
    },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": { unnamed: "AWS's own 'default' group, adopted" },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": { unnamed: "identified by its rule id" },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": { unnamed: "identified by its rule id" },
    "aws:ec2/flowLog:FlowLog": { unnamed: "identified by its id" },
    "aws:ec2/vpcEndpoint:VpcEndpoint": { unnamed: "identified by its id" },
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": { unnamed: "identified by its id (pcx-…)" },
    "aws:ec2/route:Route": { unnamed: "identified by its route table and destination" },
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": { unnamed: "part of its repository" },
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": { unnamed: "part of its cluster" },
    ...Object.fromEntries(BUCKET_SETTING_TYPES.map((type) => [type, { unnamed: "a setting of its bucket" }])),
    "awsx:ec2:Vpc": { unnamed: "a component: its VPC, subnets and gateways are identified by id" },
    // Disaster recovery (issue 17).
    "aws:rds/globalCluster:GlobalCluster": {
        property: "globalClusterIdentifier",
        min: 1,
        max: 255,
        pattern: RDS_IDENTIFIER,
        allowed: RDS_IDENTIFIER_WORDS,
        source: api("AmazonRDS/latest/APIReference/API_CreateGlobalCluster.html"),
        caseInsensitive: true,
    },
    "aws:efs/replicationConfiguration:ReplicationConfiguration": { unnamed: "part of its source file system (one each)" },
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": { unnamed: "a setting of its source bucket" },
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": { unnamed: "the registry's one replication setting per region" },
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": { unnamed: "identified by its repository prefix" },
    "aws:route53/healthCheck:HealthCheck": { unnamed: "identified by its id; its Name tag carries the name" },
};

/**
 * What AWS accepts in an input that is free text, not a name: no uniqueness, no auto-name, checked by
 * the same path as the names (automation/aws-model.ts `checkName`). Absent input: nothing to check
 * (the provider's own default, e.g. a security group's "Managed by Pulumi", is valid).
 */
export interface TextRule {
    readonly property: string;
    readonly min: number;
    readonly max: number;
    /** The whole value must match this. */
    readonly pattern: RegExp;
    /** What `pattern` allows, in words, for the error message and the README. */
    readonly allowed: string;
    readonly source: string;
}

/** a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$* (EC2's security group text); a rule's description has no `&`. */
const EC2_GROUP_TEXT = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
const EC2_RULE_TEXT = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=;{}!$*]*$/;
const EC2_RULE_DESCRIPTION: TextRule = {
    property: "description",
    min: 0,
    max: 255,
    pattern: EC2_RULE_TEXT,
    allowed:
        "letters, digits, spaces and ._-:/()#,@[]+=;{}!$* (no '&': IpRange and Ipv6Range take it, UserIdGroupPair and PrefixListId do not)",
    // AuthorizeSecurityGroupIngress/Egress carry the description in the rule's IpRange, Ipv6Range,
    // UserIdGroupPair or PrefixListId (terraform-provider-aws vpc_security_group_ingress_rule.go
    // `expandIPPermission`); an update goes through ModifySecurityGroupRules.
    source: `${api("AWSEC2/latest/APIReference/API_UserIdGroupPair.html")}, ${api("AWSEC2/latest/APIReference/API_PrefixListId.html")}, ${api("AWSEC2/latest/APIReference/API_IpRange.html")} (Description: up to 255 characters)`,
};

/**
 * The free-text inputs AWS constrains, by Pulumi type token. The program gives its security groups no
 * inline `ingress`/`egress` (every rule is its own `aws.vpc` resource), and creates no
 * `aws:ec2/securityGroupRule:SecurityGroupRule`: the model refuses that type as unknown.
 */
export const TEXT_RULES: Readonly<Record<string, readonly TextRule[]>> = {
    "aws:ec2/securityGroup:SecurityGroup": [
        {
            property: "description",
            // GroupDescription is required: the provider sends "Managed by Pulumi" when it is absent.
            min: 1,
            max: 255,
            pattern: EC2_GROUP_TEXT,
            allowed: "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
            source: `${api("AWSEC2/latest/APIReference/API_CreateSecurityGroup.html")} (GroupDescription: required, up to 255 characters)`,
        },
    ],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [EC2_RULE_DESCRIPTION],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [EC2_RULE_DESCRIPTION],
};

/** The problems with one registration's text input, as sentences; [] when AWS would take it or it is absent or unknown. */
export function textProblems(rule: TextRule, inputs: Record<string, unknown>): string[] {
    const value = inputs[rule.property];
    if (typeof value !== "string") return [];
    const what = `${rule.property} '${value}'`;
    const problems: string[] = [];
    if (value.length > rule.max) problems.push(`${what} is ${value.length} characters; at most ${rule.max} are allowed`);
    if (value.length < rule.min) problems.push(`${what} is ${value.length} characters; at least ${rule.min} are needed`);
    if (!rule.pattern.test(value)) problems.push(`${what} has characters AWS refuses: ${rule.allowed}`);
    return problems;
}

/** One way a registration's name breaks AWS's rules; `message` says which rule and where it is written. */
export class NameRuleError extends OfflineRefusalError {
    constructor(
        readonly type: string,
        readonly resourceName: string,
        readonly problem: string,
        readonly source: string,
    ) {
        super(`resource '${resourceName}' (${type}): ${problem} (rule: ${source})`);
        this.name = "NameRuleError";
    }
}

/** A rule has a `property`; an entry without one is an unnamed type. */
export function isNameRule(entry: NameRule | Unnamed): entry is NameRule {
    return "property" in entry;
}

/**
 * The physical name AWS will be asked for: the explicit `property` input, or, for an auto-named
 * type, the longest auto-name (`<logical name>-` and seven characters). Undefined for unnamed
 * types, and when the name is not known yet (an output of another resource under preview).
 */
export function physicalName(
    rule: NameRule,
    logicalName: string,
    inputs: Record<string, unknown>,
): { name: string; auto: boolean } | undefined {
    const explicit = inputs[rule.property];
    if (typeof explicit === "string") return { name: explicit, auto: false };
    // The provider's suffix is seven lowercase hex digits (pulumi/pulumi resource.NewUniqueHex).
    if (explicit === undefined && rule.autoNameMax !== undefined) return { name: `${logicalName}-0a1b2c3`, auto: true };
    return undefined;
}

/**
 * The problems with one registration's name, as sentences; [] when AWS would take it.
 * Throws nothing: the caller decides whether a problem fails the run.
 */
export function nameProblems(rule: NameRule, logicalName: string, inputs: Record<string, unknown>): string[] {
    const found = physicalName(rule, logicalName, inputs);
    if (!found) return [];
    const { name, auto } = found;
    const max = auto ? Math.min(rule.max, rule.autoNameMax!) : rule.max;
    const what = auto ? `the auto-name '${logicalName}-' plus 7 random characters` : `${rule.property} '${name}'`;
    const problems: string[] = [];
    if (name.length > max) problems.push(`${what} is ${name.length} characters; at most ${max} are allowed`);
    if (name.length < rule.min) problems.push(`${what} is ${name.length} characters; at least ${rule.min} are needed`);
    if (!rule.pattern.test(name)) problems.push(`${what} has characters or a shape AWS refuses: ${rule.allowed}`);
    return problems;
}

/**
 * The rules as the README's Markdown table, one row per named type (unnamed types are left out):
 * type, name property, length, characters, auto-name limit and source. test/readme.test.ts keeps
 * the README's copy equal to this.
 */
export function renderNameRulesTable(): string {
    const rows = Object.entries(NAME_RULES).flatMap(([type, entry]) =>
        isNameRule(entry)
            ? [
                  `| \`${type}\` | \`${entry.property}\` | ${entry.min}–${entry.max} | ${entry.allowed} | ${entry.autoNameMax === undefined ? "never" : Math.min(entry.max, entry.autoNameMax)} | ${entry.source.replace(/(https:\/\/[^\s;]+)/g, "<$1>")} |`,
              ]
            : [],
    );
    return ["| resource type | name input | length | characters | auto-name at most | source |", "|---|---|---|---|---|---|", ...rows].join(
        "\n",
    );
}
