/**
 * Which of the inputs the program sets make AWS replace a resource, per type, and what keeps each
 * replacement from colliding with the resource it replaces.
 *
 * The AWS provider bridges terraform-provider-aws: an input is replace-only where the Terraform
 * schema says `ForceNew: true` (or a plan modifier `RequiresReplace`), in the file named by `source`.
 * Pulumi replaces by creating the new resource first and deleting the old one after, so a resource
 * whose physical name is fixed and does not change with those inputs would be created under a name
 * AWS still holds ("already exists"). Every row says which of four answers applies:
 *
 * - `none`: nothing can collide. The resource has no physical name, or is auto-named, or the only
 *   forcing inputs are its name and the parent it is unique within, which change the name's scope too.
 * - `delete-first`: the component sets `deleteBeforeReplace`, because deleting first loses nothing
 *   and AWS would refuse a second one beside the first.
 * - `name-follows`: the physical name carries a hash of the other forcing inputs, so it changes with them.
 * - `refused`: the safety gate (automation/gates.ts) refuses the replacement: it would destroy data,
 *   or neither creating first nor deleting first can succeed.
 *
 * The scripted rehearsal engine (automation/rehearsal-engine/steps.ts) plans replacements from this table,
 * so a rehearsal's preview shows what the real engine would. test/automation/replacement.test.ts
 * checks that every type in automation/aws-name-rules.ts has a row and that every listed input is
 * one the program sets.
 */

/** How a replacement of the type avoids, or surfaces, a clash of physical names. */
export type NameClash = "none" | "delete-first" | "name-follows" | "refused";

export interface ReplacementRule {
    /** Inputs the program sets whose change replaces the resource; `*`: any change does. */
    readonly forceNew: readonly string[] | "*";
    /** Where the provider declares it: a terraform-provider-aws (or -random) source file. */
    readonly source: string;
    readonly clash: NameClash;
    /** Why that answer, in one line: the AWS rule it rests on. */
    readonly why: string;
}

const tfAws = (file: string) => `terraform-provider-aws internal/service/${file} (ForceNew)`;

const ONLY_NAME = "only its name forces a replacement, and a new name cannot collide with the old one";
const NO_NAME = "AWS assigns its id; nothing of the old one's is taken";
const SETTING_OF_PARENT = "one per parent, replaced only when the parent is, so the new one attaches to the new parent";
const HOLDS_DATA = "holds data: the safety gate refuses its replacement (STATEFUL_TYPES), so its fixed name never has to make room";

/** Every resource type the program registers, with its replace-only inputs and its answer to a name clash. */
export const REPLACEMENT_RULES: Readonly<Record<string, ReplacementRule>> = {
    // Network layer.
    "aws:ec2/securityGroup:SecurityGroup": {
        forceNew: ["name", "description", "vpcId"],
        source: tfAws("ec2/vpc_security_group.go"),
        clash: "refused",
        why:
            "its name is unique in the VPC (InvalidGroup.Duplicate), and deleting it first fails while the load balancer, " +
            "data stores, endpoints and tasks of other phases use it (DependencyViolation): a description is a label, leave it",
    },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {
        forceNew: ["vpcId"],
        source: tfAws("ec2/vpc_default_security_group.go"),
        clash: "none",
        why: "adopts the VPC's own default group; a new VPC brings a new one",
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
        forceNew: ["securityGroupId"],
        source: tfAws("ec2/vpc_security_group_ingress_rule.go"),
        clash: "none",
        why: NO_NAME,
    },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
        forceNew: ["securityGroupId"],
        source: tfAws("ec2/vpc_security_group_egress_rule.go"),
        clash: "none",
        why: NO_NAME,
    },
    "aws:ec2/flowLog:FlowLog": {
        forceNew: ["vpcId", "trafficType", "logDestinationType", "logDestination", "iamRoleArn", "maxAggregationInterval"],
        source: tfAws("ec2/vpc_flow_log.go"),
        clash: "none",
        why: NO_NAME,
    },
    "aws:ec2/route:Route": {
        forceNew: ["routeTableId", "destinationCidrBlock"],
        source: tfAws("ec2/vpc_route.go"),
        clash: "none",
        why: NO_NAME,
    },
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": {
        forceNew: ["vpcId", "peerVpcId"],
        source: tfAws("ec2/vpc_peering_connection.go"),
        clash: "none",
        why: NO_NAME,
    },
    "aws:ec2/vpcEndpoint:VpcEndpoint": {
        forceNew: ["vpcId", "serviceName", "vpcEndpointType"],
        source: tfAws("ec2/vpc_endpoint.go"),
        clash: "none",
        why: NO_NAME,
    },
    "awsx:ec2:Vpc": {
        forceNew: [],
        source: "pulumi-awsx awsx/ec2/vpc.ts (a component: its children are replaced, not the component)",
        clash: "none",
        why: "a component; its VPC, subnets and gateways have no fixed names",
    },
    "aws:cloudwatch/logGroup:LogGroup": { forceNew: ["name"], source: tfAws("logs/group.go"), clash: "none", why: ONLY_NAME },
    "aws:iam/role:Role": { forceNew: ["name"], source: tfAws("iam/role.go"), clash: "none", why: ONLY_NAME },
    "aws:iam/rolePolicy:RolePolicy": {
        forceNew: ["role"],
        source: tfAws("iam/role_policy.go"),
        clash: "none",
        why: "auto-named, and unique only within its role",
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        forceNew: ["role", "policyArn"],
        source: tfAws("iam/role_policy_attachment.go"),
        clash: "none",
        why: "a link: a new role or policy is a new link",
    },

    // Data layer.
    "aws:kms/key:Key": {
        forceNew: [],
        source: tfAws("kms/key.go"),
        clash: "none",
        why: "none of the inputs the program sets forces a replacement",
    },
    "aws:kms/alias:Alias": { forceNew: ["name"], source: tfAws("kms/alias.go"), clash: "none", why: ONLY_NAME },
    "aws:rds/subnetGroup:SubnetGroup": { forceNew: ["name"], source: tfAws("rds/subnet_group.go"), clash: "none", why: ONLY_NAME },
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": {
        forceNew: ["name", "family", "description"],
        source: tfAws("rds/cluster_parameter_group.go"),
        clash: "name-follows",
        why: "RDS refuses to delete a group a cluster uses (InvalidDBParameterGroupState), so the new group needs its own name",
    },
    "aws:rds/parameterGroup:ParameterGroup": {
        forceNew: ["name", "family", "description"],
        source: tfAws("rds/parameter_group.go"),
        clash: "name-follows",
        why: "RDS refuses to delete a group an instance uses (InvalidDBParameterGroupState), so the new group needs its own name",
    },
    "aws:rds/cluster:Cluster": {
        forceNew: ["clusterIdentifier", "engine", "masterUsername", "dbSubnetGroupName", "storageEncrypted", "kmsKeyId"],
        source: tfAws("rds/cluster.go"),
        clash: "refused",
        why: HOLDS_DATA,
    },
    "aws:rds/clusterInstance:ClusterInstance": {
        forceNew: ["identifier", "clusterIdentifier", "engine", "availabilityZone"],
        source: tfAws("rds/cluster_instance.go"),
        clash: "refused",
        why: HOLDS_DATA,
    },
    "aws:elasticache/subnetGroup:SubnetGroup": {
        forceNew: ["name"],
        source: tfAws("elasticache/subnet_group.go"),
        clash: "none",
        why: ONLY_NAME,
    },
    "aws:elasticache/parameterGroup:ParameterGroup": {
        forceNew: ["name", "family", "description"],
        source: tfAws("elasticache/parameter_group.go"),
        clash: "name-follows",
        why: "ElastiCache refuses to delete a group a replication group uses (InvalidCacheParameterGroupState), so the new group needs its own name",
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": {
        forceNew: ["replicationGroupId", "atRestEncryptionEnabled", "kmsKeyId", "port", "subnetGroupName"],
        source: tfAws("elasticache/replication_group.go"),
        clash: "refused",
        why: HOLDS_DATA,
    },
    "aws:secretsmanager/secret:Secret": { forceNew: ["name"], source: tfAws("secretsmanager/secret.go"), clash: "none", why: ONLY_NAME },
    "aws:secretsmanager/secretVersion:SecretVersion": {
        forceNew: ["secretId", "secretString"],
        source: tfAws("secretsmanager/secret_version.go"),
        clash: "none",
        why: "a new value is a new version of the same secret",
    },
    "aws:elasticache/user:User": {
        forceNew: ["userId", "userName"],
        source: tfAws("elasticache/user.go"),
        clash: "refused",
        why: "the user id is unique in the account and region: the new user cannot be created beside the old one",
    },
    "aws:elasticache/userGroup:UserGroup": {
        forceNew: ["userGroupId"],
        source: tfAws("elasticache/user_group.go"),
        clash: "refused",
        why: "the group id is unique in the account and region, and the replication group uses it",
    },
    "aws:elasticache/userGroupAssociation:UserGroupAssociation": {
        forceNew: ["userGroupId", "userId"],
        source: tfAws("elasticache/user_group_association.go"),
        clash: "none",
        why: "a membership: a new one is added, then the old one removed",
    },
    "aws:secretsmanager/secretRotation:SecretRotation": {
        forceNew: ["secretId"],
        source: tfAws("secretsmanager/secret_rotation.go"),
        clash: "none",
        why: "the rotation settings of one secret",
    },
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": {
        forceNew: ["name"],
        source: tfAws("serverlessrepo/cloudformation_stack.go"),
        clash: "refused",
        why: "the stack's name is unique in the account and region, and so is the function it creates",
    },
    "pulumi-nodejs:dynamic/data:RotationFunctionSettings": {
        forceNew: ["functionName", "functionRegion"],
        source: "components/rotation-function-settings.ts (its provider's `diff`)",
        clash: "none",
        why: "settings of a function that its CloudFormation stack owns: a new one writes the same variables",
    },
    "aws:scheduler/schedule:Schedule": {
        forceNew: ["name"],
        source: tfAws("scheduler/schedule.go"),
        clash: "refused",
        why: "the name is unique in its group",
    },
    "random:index/randomPassword:RandomPassword": {
        forceNew: "*",
        source: "terraform-provider-random internal/provider/resource_password.go (RequiresReplace on every argument)",
        clash: "none",
        why: "exists only in Pulumi state; a replacement is a new password",
    },

    // Storage layer.
    "aws:efs/fileSystem:FileSystem": {
        forceNew: ["creationToken", "encrypted", "kmsKeyId", "performanceMode"],
        source: tfAws("efs/file_system.go"),
        clash: "refused",
        why:
            `${HOLDS_DATA}; a tenant's own one, replaced only when a move into enterprise names it after its export, ` +
            "is created first under a creation token of its own (components/tenant-storage.ts tenantFileSystemPart)",
    },
    "aws:efs/mountTarget:MountTarget": {
        forceNew: ["fileSystemId", "subnetId"],
        source: tfAws("efs/mount_target.go"),
        clash: "delete-first",
        why: "EFS allows one mount target per file system and AZ (CreateMountTarget: MountTargetConflict), and it holds no data",
    },
    "aws:efs/accessPoint:AccessPoint": {
        forceNew: ["fileSystemId", "posixUser", "rootDirectory"],
        source: tfAws("efs/access_point.go"),
        clash: "none",
        why: NO_NAME,
    },
    "aws:efs/fileSystemPolicy:FileSystemPolicy": {
        forceNew: ["fileSystemId"],
        source: tfAws("efs/file_system_policy.go"),
        clash: "none",
        why: SETTING_OF_PARENT,
    },
    "aws:efs/backupPolicy:BackupPolicy": {
        forceNew: ["fileSystemId"],
        source: tfAws("efs/backup_policy.go"),
        clash: "none",
        why: SETTING_OF_PARENT,
    },
    "aws:s3/bucket:Bucket": { forceNew: ["bucket"], source: tfAws("s3/bucket.go"), clash: "none", why: ONLY_NAME },
    ...Object.fromEntries(
        [
            ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "s3/bucket_public_access_block.go"],
            ["aws:s3/bucketOwnershipControls:BucketOwnershipControls", "s3/bucket_ownership_controls.go"],
            [
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "s3/bucket_server_side_encryption_configuration.go",
            ],
            ["aws:s3/bucketVersioning:BucketVersioning", "s3/bucket_versioning.go"],
            ["aws:s3/bucketPolicy:BucketPolicy", "s3/bucket_policy.go"],
            ["aws:s3/bucketLogging:BucketLogging", "s3/bucket_logging.go"],
            ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "s3/bucket_lifecycle_configuration.go"],
        ].map(([type, file]) => [
            type,
            { forceNew: ["bucket"], source: tfAws(file), clash: "none", why: SETTING_OF_PARENT } as ReplacementRule,
        ]),
    ),
    "aws:backup/vault:Vault": { forceNew: ["name", "kmsKeyArn"], source: tfAws("backup/vault.go"), clash: "refused", why: HOLDS_DATA },
    "aws:backup/plan:Plan": { forceNew: ["name"], source: tfAws("backup/plan.go"), clash: "none", why: ONLY_NAME },
    "aws:backup/selection:Selection": {
        forceNew: "*",
        source: tfAws("backup/selection.go") + "; it has no update at all",
        clash: "delete-first",
        why: "a selection only says what the plan covers: deleting it first loses no recovery point",
    },

    // ECS layer.
    "aws:ecr/repository:Repository": {
        forceNew: ["name", "encryptionConfigurations"],
        source: tfAws("ecr/repository.go"),
        clash: "refused",
        why: HOLDS_DATA,
    },
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": {
        forceNew: ["repository"],
        source: tfAws("ecr/lifecycle_policy.go"),
        clash: "none",
        why: SETTING_OF_PARENT,
    },
    "aws:ecs/cluster:Cluster": { forceNew: ["name"], source: tfAws("ecs/cluster.go"), clash: "none", why: ONLY_NAME },
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {
        forceNew: ["clusterName"],
        source: tfAws("ecs/cluster_capacity_providers.go"),
        clash: "none",
        why: SETTING_OF_PARENT,
    },
    "aws:ecs/taskDefinition:TaskDefinition": {
        forceNew: "*",
        source: tfAws("ecs/task_definition.go"),
        clash: "none",
        why: "a replacement registers the next revision of the same family",
    },
    "aws:ecs/service:Service": {
        forceNew: ["name", "cluster"],
        source: tfAws("ecs/service.go"),
        clash: "none",
        why: "its name is unique within its cluster, and the cluster is the only other input that forces a replacement",
    },
    "aws:lb/loadBalancer:LoadBalancer": {
        forceNew: ["name", "internal", "loadBalancerType"],
        source: tfAws("elbv2/load_balancer.go"),
        clash: "refused",
        why:
            "its name is unique in the region (the provider checks before creating), deletion protection keeps the old one, " +
            "and a new load balancer is a new DNS name for every tenant",
    },
    "aws:lb/targetGroup:TargetGroup": {
        forceNew: ["name", "port", "protocol", "vpcId", "targetType"],
        source: tfAws("elbv2/target_group.go"),
        clash: "name-follows",
        why: "the listener rule and service still use the old group while the new one is created (components/ecs.ts targetGroupName)",
    },
    "aws:lb/listener:Listener": {
        forceNew: ["loadBalancerArn"],
        source: tfAws("elbv2/listener.go"),
        clash: "none",
        why: SETTING_OF_PARENT,
    },
    "aws:lb/listenerRule:ListenerRule": {
        forceNew: ["listenerArn"],
        source: tfAws("elbv2/listener_rule.go"),
        clash: "none",
        why: SETTING_OF_PARENT,
    },
    "aws:lb/listenerCertificate:ListenerCertificate": {
        forceNew: "*",
        source: tfAws("elbv2/listener_certificate.go"),
        clash: "none",
        why: "both of its inputs (listener, certificate) force a replacement; it is only the pair, so a new pair is free",
    },
    "aws:acm/certificate:Certificate": {
        forceNew: ["domainName", "validationMethod"],
        source: tfAws("acm/certificate.go"),
        clash: "none",
        why: "identified by its ARN: a new certificate is requested (and validated) before the old one is detached and deleted",
    },
    "aws:acm/certificateValidation:CertificateValidation": {
        forceNew: "*",
        source: tfAws("acm/certificate_validation.go"),
        clash: "none",
        why: "not an AWS object: a replacement only waits again for the certificate to be ISSUED",
    },
    "aws:route53/record:Record": {
        forceNew: ["name", "zoneId"],
        source: tfAws("route53/record.go"),
        clash: "none",
        why: "unique by zone, name and type; a new name or zone is free",
    },
    "aws:ssm/document:Document": { forceNew: ["name"], source: tfAws("ssm/document.go"), clash: "none", why: ONLY_NAME },
    "aws:appautoscaling/target:Target": {
        forceNew: ["resourceId", "scalableDimension", "serviceNamespace"],
        source: tfAws("appautoscaling/target.go"),
        clash: "none",
        why: "identified by what it scales: a replacement scales something else",
    },
    "aws:appautoscaling/policy:Policy": {
        forceNew: ["name", "resourceId", "scalableDimension", "serviceNamespace"],
        source: tfAws("appautoscaling/policy.go"),
        clash: "none",
        why: "unique by name within what it scales, and both force the replacement",
    },

    // Monitoring layer.
    "aws:sns/topic:Topic": { forceNew: ["name"], source: tfAws("sns/topic.go"), clash: "none", why: ONLY_NAME },
    "aws:sns/topicPolicy:TopicPolicy": { forceNew: ["arn"], source: tfAws("sns/topic_policy.go"), clash: "none", why: SETTING_OF_PARENT },
    "aws:sns/topicSubscription:TopicSubscription": {
        forceNew: ["topic", "protocol", "endpoint"],
        source: tfAws("sns/topic_subscription.go"),
        clash: "none",
        why: NO_NAME,
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        forceNew: ["name"],
        source: tfAws("cloudwatch/metric_alarm.go"),
        clash: "none",
        why: ONLY_NAME,
    },
    "aws:cloudwatch/dashboard:Dashboard": {
        forceNew: ["dashboardName"],
        source: tfAws("cloudwatch/dashboard.go"),
        clash: "none",
        why: ONLY_NAME,
    },
    "aws:cloudwatch/eventRule:EventRule": { forceNew: ["name"], source: tfAws("events/rule.go"), clash: "none", why: ONLY_NAME },
    "aws:cloudwatch/eventTarget:EventTarget": {
        forceNew: ["rule", "targetId"],
        source: tfAws("events/target.go"),
        clash: "none",
        why: "its id is unique within its rule, and both force the replacement",
    },
    "aws:budgets/budget:Budget": { forceNew: ["name"], source: tfAws("budgets/budget.go"), clash: "none", why: ONLY_NAME },
    // Disaster recovery (issue 17).
    "aws:rds/globalCluster:GlobalCluster": {
        forceNew: ["globalClusterIdentifier", "sourceDbClusterIdentifier"],
        source: tfAws("rds/global_cluster.go"),
        clash: "refused",
        why:
            "the global database carries the DR cluster's replication: a new one would start without its secondary; " +
            "the source is ignored (it changes with a switchover), the identifier is fixed",
    },
    "aws:efs/replicationConfiguration:ReplicationConfiguration": {
        forceNew: ["sourceFileSystemId", "destination"],
        source: tfAws("efs/replication_configuration.go"),
        clash: "refused",
        why: "one replication per file system (ReplicationAlreadyExists), and a new one copies everything into a new replica",
    },
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": {
        forceNew: ["bucket"],
        source: tfAws("s3/bucket_replication_configuration.go"),
        clash: "none",
        why: SETTING_OF_PARENT,
    },
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": {
        forceNew: [],
        source: tfAws("ecr/replication_configuration.go"),
        clash: "none",
        why: "the registry's one setting, replaced in place by PutReplicationConfiguration",
    },
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": {
        forceNew: ["prefix"],
        source: tfAws("ecr/repository_creation_template.go"),
        clash: "none",
        why: ONLY_NAME,
    },
    "aws:route53/healthCheck:HealthCheck": {
        forceNew: ["type", "requestInterval"],
        source: tfAws("route53/health_check.go"),
        clash: "none",
        why: NO_NAME,
    },
};

/** Of the changed top-level inputs `diffs`, the ones that make the provider replace a resource of `type`. */
export function replaceKeysOf(type: string, diffs: readonly string[]): string[] {
    const forceNew = REPLACEMENT_RULES[type]?.forceNew ?? [];
    return forceNew === "*" ? [...diffs] : diffs.filter((k) => forceNew.includes(k));
}

/** The safety gate refuses replacing a resource of this type; undefined when it does not. */
export function refusedReplacement(type: string): ReplacementRule | undefined {
    const rule = REPLACEMENT_RULES[type];
    return rule?.clash === "refused" ? rule : undefined;
}
