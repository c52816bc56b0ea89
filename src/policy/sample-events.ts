/**
 * AWS's own sample events, as its documentation prints them, for judging event patterns by what
 * they match rather than by how they are written. Each builder returns the documented event with only
 * the named fields changed (account, region, repository, counts, event name), so a test or a rule can
 * ask "would this pattern page for that?". Account 111122223333 and the ids are the documents' own.
 */

/**
 * ECR user guide, "Amazon ECR events and EventBridge", "Event for a completed image scan" (basic
 * scanning): `finding-severity-counts` holds a count only for the severities found.
 */
export function ecrImageScanEvent(o: { region: string; repository: string; counts: Readonly<Record<string, number>> }) {
    return {
        version: "0",
        id: "85fc3613-e913-7fc4-a80c-a3753e4aa9ae",
        "detail-type": "ECR Image Scan",
        source: "aws.ecr",
        account: "111122223333",
        time: "2019-10-29T02:36:48Z",
        region: o.region,
        resources: [`arn:aws:ecr:${o.region}:111122223333:repository/${o.repository}`],
        detail: {
            "scan-status": "COMPLETE",
            "repository-name": o.repository,
            "finding-severity-counts": { ...o.counts },
            "image-digest": "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234",
            "image-tags": [],
        },
    };
}

/**
 * GuardDuty user guide, "Processing GuardDuty findings with Amazon EventBridge", the event format:
 * the envelope around a finding, whose `severity` is a number (High 7.0–8.9, Critical 9.0–10.0).
 */
export function guardDutyFindingEvent(o: { region: string; severity: number }) {
    return {
        version: "0",
        id: "cd2d702e-ab31-411b-9344-793ce56b1bc7",
        "detail-type": "GuardDuty Finding",
        source: "aws.guardduty",
        account: "111122223333",
        time: "1970-01-01T00:00:00Z",
        region: o.region,
        resources: [],
        detail: {
            schemaVersion: "2.0",
            accountId: "111122223333",
            region: o.region,
            type: "UnauthorizedAccess:EC2/SSHBruteForce",
            severity: o.severity,
        },
    };
}

/**
 * An IAM API call as CloudTrail hands it to EventBridge: the envelope of the EventBridge user guide's
 * "AWS API Call via CloudTrail" events, the record of the IAM user guide's "Example IAM API events in
 * CloudTrail log" with its `eventName` replaced. IAM's events are delivered in us-east-1 only.
 */
export function iamApiCallEvent(o: { eventName: string; userType?: string; region?: string }) {
    const region = o.region ?? "us-east-1";
    return {
        version: "0",
        id: "6f87d04b-9f74-4f04-a780-7acf4b0a9b38",
        "detail-type": "AWS API Call via CloudTrail",
        source: "aws.iam",
        account: "111122223333",
        time: "2014-07-19T21:11:22Z",
        region,
        resources: [],
        detail: {
            eventVersion: "1.08",
            userIdentity: {
                type: o.userType ?? "IAMUser",
                principalId: "AIDACKCEVSQ6C2EXAMPLE",
                arn: "arn:aws:iam::111122223333:user/JaneDoe",
                accountId: "111122223333",
                accessKeyId: "AKIAI44QH8DHBEXAMPLE",
                userName: "JaneDoe",
            },
            eventTime: "2014-07-19T21:11:22Z",
            eventSource: "iam.amazonaws.com",
            eventName: o.eventName,
            awsRegion: region,
            sourceIPAddress: "192.0.2.101",
            userAgent: "aws-cli/1.11.18 Python/2.7.8 Linux/3.16.7-34-default botocore/1.4.75",
            requestParameters: { roleName: "JaneDoeRole", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
            responseElements: null,
            eventID: "9150d546-3564-4262-8e62-110b3example",
            eventType: "AwsApiCall",
            managementEvent: true,
            recipientAccountId: "111122223333",
        },
    };
}

/**
 * CloudTrail user guide, "AWS Management Console sign-in events", the example for a root user sign-in,
 * in the envelope EventBridge gives sign-in events (`source` aws.signin).
 */
export function rootSignInEvent(o: { region: string }) {
    return {
        version: "0",
        id: "2f8ba1a5-4c5a-4b52-97a4-0c1f2a2b1e11",
        "detail-type": "AWS Console Sign In via CloudTrail",
        source: "aws.signin",
        account: "111122223333",
        time: "2021-09-09T17:34:57Z",
        region: o.region,
        resources: [],
        detail: {
            eventVersion: "1.08",
            userIdentity: {
                type: "Root",
                principalId: "111122223333",
                arn: "arn:aws:iam::111122223333:root",
                accountId: "111122223333",
                accessKeyId: "",
            },
            eventTime: "2021-09-09T17:34:57Z",
            eventSource: "signin.amazonaws.com",
            eventName: "ConsoleLogin",
            awsRegion: o.region,
            sourceIPAddress: "192.0.2.0",
            userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
            requestParameters: null,
            responseElements: { ConsoleLogin: "Success" },
            additionalEventData: { LoginTo: "https://console.aws.amazon.com/console/home", MobileVersion: "No", MFAUsed: "No" },
            eventID: "deb1e1f9-c99b-4612-8e9f-21f93b5example",
            readOnly: false,
            eventType: "AwsConsoleSignIn",
            managementEvent: true,
            recipientAccountId: "111122223333",
            eventCategory: "Management",
        },
    };
}

/**
 * Secrets Manager user guide, "AWS CloudTrail entries for Secrets Manager", its example log entry (a
 * `RotationFailed` of an alternating-users function, the secret named by ARN in
 * `additionalEventData.SecretId`), in the envelope EventBridge gives service events ("AWS Service
 * Event via CloudTrail": EventBridge user guide, "AWS service events delivered via AWS CloudTrail").
 */
export function secretsManagerRotationEvent(o: { region: string; accountId: string; secretArn: string; eventName: string }) {
    return {
        version: "0",
        id: "0ae6bd5d-7f77-4c68-9e1a-2b9c1e0a5c3f",
        "detail-type": "AWS Service Event via CloudTrail",
        source: "aws.secretsmanager",
        account: o.accountId,
        time: "2022-09-13T02:17:48Z",
        region: o.region,
        resources: [],
        detail: {
            eventVersion: "1.08",
            userIdentity: { accountId: o.accountId, invokedBy: "secretsmanager.amazonaws.com" },
            eventTime: "2022-09-13T02:17:48Z",
            eventSource: "secretsmanager.amazonaws.com",
            eventName: o.eventName,
            awsRegion: o.region,
            sourceIPAddress: "secretsmanager.amazonaws.com",
            userAgent: "secretsmanager.amazonaws.com",
            errorMessage: `Error when executing lambda arn:aws:lambda:${o.region}:${o.accountId}:function:SecretsManagertest-alternating-users-rotation2 during setSecret step`,
            requestParameters: null,
            responseElements: null,
            additionalEventData: { SecretId: o.secretArn },
            requestID: `Rotation-${o.secretArn}-eeb681b1-a07d-4aeb-9b61-1ee6590ec295`,
            eventID: "EXAMPLE3-90ab-cdef-fedc-ba987EXAMPLE",
            readOnly: false,
            eventType: "AwsServiceEvent",
            managementEvent: true,
            recipientAccountId: o.accountId,
            eventCategory: "Management",
        },
    };
}
