import { expect } from "chai";
import * as fc from "fast-check";
import { rootUserProblem } from "../../src/policy/rules/ecs-20-non-root-user";
import { keptCapabilitiesProblem } from "../../src/policy/rules/containers-1-capabilities-dropped";
import { containerUser } from "../../components/ecs-tasks";
import { PLATFORM_TASK_POSIX_ID, TENANT_POSIX_ID_BASE } from "../../src/config";

/*
 * ECS API reference, ContainerDefinition `user`: `user`, `user:group`, `uid`, `uid:gid`, `user:gid`,
 * `uid:group`. AWS Config ecs-task-definition-linux-user-non-root: NON_COMPLIANT when root is specified or
 * the user is absent. KernelCapabilities: Fargate adds only SYS_PTRACE, and we add nothing.
 */
describe("container hardening rules across the range ECS accepts", () => {
    const group = fc.option(fc.oneof(fc.nat().map(String), fc.constantFrom("root", "www-data", "0")), { nil: undefined });
    const withGroup = (user: string, g: string | undefined) => (g === undefined ? user : `${user}:${g}`);

    it("ecs-20 accepts every non-zero uid and every non-root name, whatever the group", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), group, (uid, g) => {
                expect(rootUserProblem(withGroup(String(uid), g))).to.equal(undefined);
            }),
        );
        fc.assert(
            fc.property(fc.stringMatching(/^[a-z_][a-z0-9_-]{0,30}$/), group, (name, g) => {
                fc.pre(name !== "root");
                expect(rootUserProblem(withGroup(name, g))).to.equal(undefined);
            }),
        );
    });

    it("ecs-20 refuses root by name or by any spelling of uid 0, whatever the group", () => {
        fc.assert(
            fc.property(
                fc.oneof(
                    fc.constant("root"),
                    fc.integer({ min: 1, max: 5 }).map((n) => "0".repeat(n)),
                ),
                group,
                (user, g) => {
                    expect(rootUserProblem(withGroup(user, g))).to.be.a("string");
                },
            ),
        );
    });

    it("ecs-20 passes the user every container of the platform gets: each tenant's POSIX id (slots 1–9999) and the platform task's", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 9999 }), (slot) => {
                expect(rootUserProblem(containerUser(TENANT_POSIX_ID_BASE + slot))).to.equal(undefined);
            }),
        );
        expect(rootUserProblem(containerUser(PLATFORM_TASK_POSIX_ID))).to.equal(undefined);
    });

    it("containers-1 refuses any drop list without ALL and any capability added back", () => {
        const capability = fc.constantFrom("CHOWN", "DAC_OVERRIDE", "NET_BIND_SERVICE", "NET_RAW", "SETUID", "SYS_PTRACE");
        fc.assert(
            fc.property(fc.array(capability), (drop) => {
                expect(keptCapabilitiesProblem({ linuxParameters: { capabilities: { drop } } })).to.be.a("string");
            }),
        );
        fc.assert(
            fc.property(fc.array(capability, { minLength: 1 }), (add) => {
                expect(keptCapabilitiesProblem({ linuxParameters: { capabilities: { drop: ["ALL"], add } } })).to.be.a("string");
            }),
        );
        expect(keptCapabilitiesProblem({ linuxParameters: { capabilities: { drop: ["ALL"] } } })).to.equal(undefined);
    });
});
