import { expect } from "chai";
import * as fc from "fast-check";
import {
    createAwsModel,
    FARGATE_ADDABLE_CAPABILITIES,
    FARGATE_UNSUPPORTED_LINUX_PARAMETERS,
    taskDefinitionProblem,
} from "../../automation/aws-model";
import { NameRuleError } from "../../automation/aws-name-rules";
import {
    containerUser,
    ECS_EXEC_SCRATCH_PATHS,
    hardenedContainer,
    MIGRATION_SCRATCH_PATHS,
    scratchVolumes,
    WORDPRESS_SCRATCH_PATHS,
} from "../../components/ecs-tasks";

/*
 * What ECS refuses in a task definition, as the offline model refuses it (automation/aws-model.ts):
 * ECS API reference, ContainerDefinition (`privileged` and `dockerSecurityOptions` not valid on
 * Fargate; `mountPoints[].sourceVolume` must name a task `volume`), LinuxParameters (`devices`,
 * `maxSwap`, `swappiness`, `sharedMemorySize`, `tmpfs` not supported on Fargate) and
 * KernelCapabilities (Fargate adds only SYS_PTRACE).
 */
const CAPABILITIES = [
    "AUDIT_CONTROL",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "SYSLOG",
    "WAKE_ALARM",
    "ALL",
];

const task = (containers: object[], volumes: object[] = [], fargate = true) => ({
    family: "bbws-wordpress-a-dev",
    requiresCompatibilities: fargate ? ["FARGATE"] : ["EC2"],
    volumes,
    containerDefinitions: JSON.stringify(containers),
});
const hardened = (scratch = WORDPRESS_SCRATCH_PATHS) => ({ name: "wordpress", ...hardenedContainer(containerUser(20001), scratch) });

describe("ECS task definitions the AWS model refuses (hardened containers, issue 18)", () => {
    it("accepts the platform's hardened containers with their scratch volumes, for every mix of scratch paths", () => {
        const all = [WORDPRESS_SCRATCH_PATHS, MIGRATION_SCRATCH_PATHS, ECS_EXEC_SCRATCH_PATHS];
        fc.assert(
            fc.property(fc.subarray(all, { minLength: 1 }), (parts) => {
                const scratch = parts.flat();
                expect(taskDefinitionProblem(task([hardened(scratch)], scratchVolumes(scratch)))).to.equal(undefined);
            }),
        );
    });

    it("declares one volume per name, however many containers share it", () => {
        expect(scratchVolumes([...WORDPRESS_SCRATCH_PATHS, ...MIGRATION_SCRATCH_PATHS])).to.deep.equal([
            { name: "tmp" },
            { name: "apache-run" },
            { name: "apache-lock" },
        ]);
    });

    it("refuses a mount point whose volume the task does not declare, on Fargate or not", () => {
        for (const fargate of [true, false]) {
            const problem = taskDefinitionProblem(task([hardened()], [{ name: "tmp" }], fargate));
            expect(problem).to.match(/mounts volume 'apache-run', which the task definition does not declare/);
        }
    });

    it("refuses on Fargate every added capability but SYS_PTRACE, and accepts SYS_PTRACE", () => {
        fc.assert(
            fc.property(fc.subarray(CAPABILITIES, { minLength: 1 }), (add) => {
                const c = { name: "wordpress", linuxParameters: { capabilities: { drop: ["ALL"], add } } };
                const problem = taskDefinitionProblem(task([c]));
                const refused = add.filter((cap) => !FARGATE_ADDABLE_CAPABILITIES.includes(cap));
                if (refused.length === 0) expect(problem).to.equal(undefined);
                else expect(problem).to.equal(`container 'wordpress' adds ${refused.join(", ")}; Fargate adds only SYS_PTRACE`);
                // Outside Fargate ECS takes them all.
                expect(taskDefinitionProblem(task([c], [], false))).to.equal(undefined);
            }),
        );
    });

    it("refuses on Fargate a privileged container, dockerSecurityOptions (no-new-privileges) and the Linux parameters Fargate lacks", () => {
        expect(taskDefinitionProblem(task([{ name: "w", privileged: true }]))).to.match(/privileged/);
        expect(taskDefinitionProblem(task([{ name: "w", dockerSecurityOptions: ["no-new-privileges"] }]))).to.match(
            /dockerSecurityOptions/,
        );
        for (const key of FARGATE_UNSUPPORTED_LINUX_PARAMETERS) {
            const c = { name: "w", linuxParameters: { [key]: key === "tmpfs" ? [{ containerPath: "/tmp", size: 64 }] : 0 } };
            expect(taskDefinitionProblem(task([c])), key).to.equal(
                `container 'w' sets linuxParameters.${key}, which Fargate does not support`,
            );
            expect(taskDefinitionProblem(task([c], [], false)), key).to.equal(undefined);
        }
    });

    it("leaves definitions it cannot read (a secret under preview) to the engine", () => {
        expect(taskDefinitionProblem({ requiresCompatibilities: ["FARGATE"], containerDefinitions: "[secret]" })).to.equal(undefined);
    });

    it("fails the offline run with the rule's source when the program registers such a task definition", () => {
        const model = createAwsModel({ accountId: "123456789012", region: "eu-west-1", azCount: 2 });
        const args = { type: "aws:ecs/taskDefinition:TaskDefinition", name: "ecs-a-task", inputs: task([hardened()]), custom: true };
        expect(() => model.newResource(args as any)).to.throw(NameRuleError, /does not declare \(rule: ECS API reference/);
    });
});
