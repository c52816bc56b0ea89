/**
 * The AWS clients and the HTTPS probe the checks use, built for the stack's region with credentials
 * from the default chain (environment, profile, SSO, web identity in CI).
 */
import * as https from "https";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { EFSClient } from "@aws-sdk/client-efs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { RDSClient } from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { SNSClient } from "@aws-sdk/client-sns";

export interface AwsClients {
    readonly ec2: EC2Client;
    readonly rds: RDSClient;
    readonly elasticache: ElastiCacheClient;
    readonly secretsManager: SecretsManagerClient;
    readonly efs: EFSClient;
    readonly s3: S3Client;
    readonly ecs: ECSClient;
    readonly elbv2: ElasticLoadBalancingV2Client;
    readonly cloudwatch: CloudWatchClient;
    readonly sns: SNSClient;
    readonly cloudtrail: CloudTrailClient;
    readonly securityHub: SecurityHubClient;
    readonly guardDuty: GuardDutyClient;
    readonly lambda: LambdaClient;
}

/**
 * One client per service for `region`, each making a single attempt (`maxAttempts: 1`) so throttling
 * reaches retry.ts, the one retry policy. Credentials are resolved lazily, on the first call.
 */
export function createClients(region: string): AwsClients {
    // One attempt each: retry.ts is the only retry policy, so throttling is seen and reported as such.
    const config = { region, maxAttempts: 1 };
    return {
        ec2: new EC2Client(config),
        rds: new RDSClient(config),
        elasticache: new ElastiCacheClient(config),
        secretsManager: new SecretsManagerClient(config),
        efs: new EFSClient(config),
        s3: new S3Client(config),
        ecs: new ECSClient(config),
        elbv2: new ElasticLoadBalancingV2Client(config),
        cloudwatch: new CloudWatchClient(config),
        sns: new SNSClient(config),
        cloudtrail: new CloudTrailClient(config),
        securityHub: new SecurityHubClient(config),
        guardDuty: new GuardDutyClient(config),
        lambda: new LambdaClient(config),
    };
}

export interface HttpsRequest {
    /** Where to connect: the load balancer's DNS name. */
    readonly address: string;
    /** The site asked for (SNI and Host): the certificate must cover it. */
    readonly hostname: string;
    readonly path: string;
    readonly timeoutMs: number;
}

/** One HTTPS GET; resolves with the status code, rejects on a connection, TLS or time-out error. */
export type HttpsProbe = (request: HttpsRequest) => Promise<{ statusCode: number }>;

export const httpsProbe: HttpsProbe = ({ address, hostname, path, timeoutMs }) =>
    new Promise((resolve, reject) => {
        // Connecting to the load balancer itself, not to whatever DNS says, tests this environment's ALB;
        // `servername` makes Node verify the certificate against the tenant's hostname.
        const req = https.request(
            { host: address, servername: hostname, headers: { host: hostname }, path, method: "GET", timeout: timeoutMs },
            (res) => {
                res.resume();
                resolve({ statusCode: res.statusCode ?? 0 });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
        req.on("error", reject);
        req.end();
    });
