/**
 * Cache isolation, proven on the access strings the data layer gives ElastiCache: for any two tenant
 * ids the config accepts, tenant A's user cannot read, write, rename, copy, script, publish to or
 * flush tenant B's keys, while it can use its own. The evaluator (src/policy/redis-acl.ts) follows
 * the Redis ACL documentation and Redis 7.0's command table; its own rules are tested first.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import {
    cacheUserGroupId,
    cacheUserId,
    DEFAULT_USER_ACCESS_STRING,
    PLATFORM_ACCESS_STRING,
    tenantAccessString,
    tenantCachePrefix,
} from "../../components/cache-users";
import { AccessStringError, aclRefusal, globMatch, NAME_LISTING_COMMANDS, parseAccessString } from "../../src/policy/redis-acl";
import {
    cacheUserKey,
    cacheUserProblems,
    replicationGroupAuthProblems,
    userGroupMembershipProblems,
    userGroupProblems,
} from "../../automation/aws-model";
import { NAME_RULES, nameProblems, NameRule } from "../../automation/aws-name-rules";
import { acceptedTenantId } from "../support/tenant-ids";

/** Every tenant id the config schema accepts (test/support/tenant-ids.ts). */
const tenantId = acceptedTenantId;

/** A key name under a prefix: any suffix, including ones that look like patterns or other prefixes. */
const suffix = fc.string({ maxLength: 30 });

/** Every way a command could reach key `k`: read, write, delete, rename, copy, script, dump, move. */
function commandsOn(k: string, own: string): Array<[string, string[]]> {
    return [
        ["get", [k]],
        ["set", [k, "v"]],
        ["setex", [k, "60", "v"]],
        ["mget", [own, k]],
        ["mset", [own, "v", k, "v"]],
        ["incrby", [k, "1"]],
        ["exists", [k]],
        ["del", [k]],
        ["unlink", [own, k]],
        ["expire", [k, "1"]],
        ["rename", [k, own]],
        ["rename", [own, k]],
        ["copy", [k, own]],
        ["copy", [own, k]],
        ["move", [k, "1"]],
        ["dump", [k]],
        ["hget", [k, "f"]],
        ["hset", [k, "f", "v"]],
        ["eval", ["return redis.call('get', KEYS[1])", "1", k]],
        ["evalsha", ["0000000000000000000000000000000000000000", "1", k]],
    ];
}

describe("cache isolation (ElastiCache RBAC)", () => {
    describe("the ACL evaluator follows Redis's rules (redis.io ACL; util.c stringmatchlen)", () => {
        it("matches globs like Redis: *, ?, classes, ranges, negation and escapes", () => {
            expect(globMatch("a:*", "a:x:y")).to.equal(true);
            expect(globMatch("a:*", "ab:x")).to.equal(false);
            expect(globMatch("a?c", "abc")).to.equal(true);
            expect(globMatch("[a-c]x", "bx")).to.equal(true);
            expect(globMatch("[^a-c]x", "bx")).to.equal(false);
            expect(globMatch("a\\*", "a*")).to.equal(true);
            expect(globMatch("a\\*", "ab")).to.equal(false);
        });
        it("applies command rules left to right: the last rule naming a command or its category wins", () => {
            const user = parseAccessString("on ~* +@all -@dangerous +info");
            expect(aclRefusal(user, "info")).to.equal(undefined);
            expect(aclRefusal(user, "flushall")).to.match(/may not run `flushall`/);
            expect(aclRefusal(parseAccessString("on ~* +info -@all"), "info")).to.match(/may not run/);
        });
        it("refuses every command of a user that is off, and any command it does not know", () => {
            expect(aclRefusal(parseAccessString("off ~* +@all"), "get", ["k"])).to.equal("the user is off");
            expect(aclRefusal(parseAccessString("on ~* +@all"), "no-such-command")).to.match(/not a command/);
        });
        it("refuses what ElastiCache refuses in an access string: passwords and reset (ElastiCache user guide, RBAC)", () => {
            for (const bad of ["on >secret ~* +@all", "on nopass ~* +@all", "reset on ~* +@all", "on #abcd ~*"]) {
                expect(() => parseAccessString(bad), bad).to.throw(AccessStringError);
            }
        });
    });

    describe("tenant users", () => {
        it("gives any accepted tenant pair prefixes where neither starts the other (an id holds no ':' and no glob character)", () => {
            fc.assert(
                fc.property(tenantId, tenantId, (a, b) => {
                    fc.pre(a !== b);
                    expect(tenantCachePrefix(b).startsWith(tenantCachePrefix(a))).to.equal(false);
                    expect(a).to.match(/^[a-z0-9-]+$/);
                }),
                { numRuns: 300 },
            );
        });

        it("refuses tenant A every command on tenant B's keys, for any two ids the config accepts and any key under B's prefix", () => {
            fc.assert(
                fc.property(tenantId, tenantId, suffix, suffix, (a, b, sa, sb) => {
                    fc.pre(a !== b);
                    const userA = parseAccessString(tenantAccessString(a));
                    const ownKey = `${tenantCachePrefix(a)}${sa}`;
                    const theirKey = `${tenantCachePrefix(b)}${sb}`;
                    for (const [name, args] of commandsOn(theirKey, ownKey)) {
                        expect(aclRefusal(userA, name, args), `${a} ${name} ${args.join(" ")}`).to.be.a("string");
                    }
                }),
                { numRuns: 300 },
            );
        });

        it("lets tenant A use its own keys the way the object-cache drop-in does (GET, SET, MGET, DEL, EXPIRE, INCRBY, EVAL, PING, INFO)", () => {
            fc.assert(
                fc.property(tenantId, suffix, suffix, (a, s1, s2) => {
                    const user = parseAccessString(tenantAccessString(a));
                    const [k1, k2] = [`${tenantCachePrefix(a)}${s1}`, `${tenantCachePrefix(a)}${s2}`];
                    const allowed: Array<[string, string[]]> = [
                        ["get", [k1]],
                        ["set", [k1, "v"]],
                        ["mget", [k1, k2]],
                        ["del", [k1, k2]],
                        ["expire", [k1, "60"]],
                        ["incrby", [k1, "1"]],
                        ["eval", ["return 1", "1", k1]],
                        ["ping", []],
                        ["info", []],
                        ["select", ["0"]],
                    ];
                    for (const [name, args] of allowed) expect(aclRefusal(user, name, args), `${name}`).to.equal(undefined);
                }),
                { numRuns: 100 },
            );
        });

        it("refuses every tenant the commands that reach all keys or all users: FLUSHALL, FLUSHDB, SWAPDB, KEYS, FUNCTION, SCRIPT, CONFIG, MONITOR, ACL, CLIENT", () => {
            fc.assert(
                fc.property(tenantId, (a) => {
                    const user = parseAccessString(tenantAccessString(a));
                    for (const name of [
                        "flushall",
                        "flushdb",
                        "swapdb",
                        "keys",
                        "function",
                        "script",
                        "config",
                        "monitor",
                        "acl",
                        "client",
                        "debug",
                        "restore",
                        "sort",
                    ]) {
                        expect(aclRefusal(user, name, []), `${a} ${name}`).to.match(/may not run/);
                    }
                }),
                { numRuns: 100 },
            );
        });

        it("keeps Pub/Sub under the tenant's prefix too: no publishing to or subscribing on another tenant's channels", () => {
            fc.assert(
                fc.property(tenantId, tenantId, suffix, (a, b, s) => {
                    fc.pre(a !== b);
                    const user = parseAccessString(tenantAccessString(a));
                    expect(aclRefusal(user, "publish", [`${tenantCachePrefix(b)}${s}`, "m"])).to.match(/channel/);
                    expect(aclRefusal(user, "subscribe", [`${tenantCachePrefix(b)}${s}`])).to.match(/channel/);
                    expect(aclRefusal(user, "publish", [`${tenantCachePrefix(a)}${s}`, "m"])).to.equal(undefined);
                }),
                { numRuns: 100 },
            );
        });

        it(
            "refuses tenant A every command that lists key or channel names without naming a key (KEYS, SCAN, RANDOMKEY, PUBSUB): " +
                "key patterns filter neither their arguments nor their results (redis.io, ACL), so B's key names stay hidden",
            () => {
                expect(NAME_LISTING_COMMANDS).to.have.members(["keys", "scan", "randomkey", "pubsub"]);
                fc.assert(
                    fc.property(tenantId, tenantId, suffix, (a, b, s) => {
                        fc.pre(a !== b);
                        const user = parseAccessString(tenantAccessString(a));
                        for (const name of NAME_LISTING_COMMANDS) {
                            expect(aclRefusal(user, name, []), `${a} ${name}`).to.match(/may not run/);
                            expect(aclRefusal(user, name, ["0", "MATCH", `${tenantCachePrefix(b)}${s}`]), `${a} ${name}`).to.match(
                                /may not run/,
                            );
                        }
                    }),
                    { numRuns: 100 },
                );
                // Without the rules, the evaluator would let SCAN through: the proof can fail.
                const open = parseAccessString("on ~a:* &a:* +@all -@dangerous +info");
                expect(aclRefusal(open, "scan", ["0"])).to.equal(undefined);
                expect(aclRefusal(open, "randomkey")).to.equal(undefined);
                expect(aclRefusal(open, "pubsub", ["channels"])).to.equal(undefined);
            },
        );
    });

    describe("the default and platform users", () => {
        it("makes the default user, which every client sending only a password is, unable to do anything", () => {
            const user = parseAccessString(DEFAULT_USER_ACCESS_STRING);
            for (const name of ["get", "ping", "info", "flushall"]) expect(aclRefusal(user, name, ["k"])).to.equal("the user is off");
        });
        it("lets the platform task reach every tenant's keys (offboarding, the connectivity check) but not the dangerous commands", () => {
            const user = parseAccessString(PLATFORM_ACCESS_STRING);
            expect(aclRefusal(user, "del", ["aupairhive:wp_:options:alloptions"])).to.equal(undefined);
            expect(aclRefusal(user, "ping")).to.equal(undefined);
            expect(aclRefusal(user, "flushall")).to.match(/may not run/);
        });
    });

    describe("what ElastiCache accepts (automation/aws-model.ts, aws-name-rules.ts)", () => {
        const userRule = NAME_RULES["aws:elasticache/user:User"] as NameRule;
        const groupRule = NAME_RULES["aws:elasticache/userGroup:UserGroup"] as NameRule;

        it("gives every accepted tenant, the platform and the default user a user id ElastiCache takes ([a-zA-Z][a-zA-Z0-9-]*, CreateUser), all distinct", () => {
            fc.assert(
                fc.property(tenantId, fc.constantFrom("dev", "sit", "prod"), (id, env) => {
                    const ids = [cacheUserId(env, { tenantId: id }), cacheUserId(env, "platform"), cacheUserId(env, "default")];
                    for (const userId of ids) expect(nameProblems(userRule, "u", { userId }), userId).to.deep.equal([]);
                    expect(new Set(ids).size).to.equal(3);
                }),
                { numRuns: 200 },
            );
            expect(nameProblems(groupRule, "g", { userGroupId: cacheUserGroupId("prod") })).to.deep.equal([]);
        });
        it("refuses a user group without a user named default (CreateUserGroup: DefaultUserRequired)", () => {
            const names = new Map([
                [cacheUserKey("eu-west-1", "bbws-platform-dev"), "bbws-platform-dev"],
                [cacheUserKey("eu-west-1", "bbws-default-dev"), "default"],
            ]);
            expect(userGroupProblems({ userIds: ["bbws-platform-dev"] }, names, "eu-west-1")).to.deep.equal([
                "no user named `default` (DefaultUserRequired)",
            ]);
            expect(userGroupProblems({ userIds: ["bbws-platform-dev", "bbws-default-dev"] }, names, "eu-west-1")).to.deep.equal([]);
        });
        it("refuses a user group or membership naming a user or group of another region: users and user groups are regional (UserNotFound, UserGroupNotFound)", () => {
            const names = new Map([
                [cacheUserKey("af-south-1", "bbws-default-prod"), "default"],
                [cacheUserKey("af-south-1", "bbws-t-a-prod"), "bbws-t-a-prod"],
            ]);
            expect(userGroupProblems({ userIds: ["bbws-default-prod"] }, names, "eu-west-1")).to.include(
                "user 'bbws-default-prod' does not exist in eu-west-1 (UserNotFound)",
            );
            const groups = new Set([cacheUserKey("af-south-1", "bbws-redis-prod")]);
            const membership = { userGroupId: "bbws-redis-prod", userId: "bbws-t-a-prod" };
            expect(userGroupMembershipProblems(membership, names, groups, "af-south-1")).to.deep.equal([]);
            expect(userGroupMembershipProblems(membership, names, groups, "eu-west-1")).to.deep.equal([
                "user 'bbws-t-a-prod' does not exist in eu-west-1 (UserNotFound)",
                "user group 'bbws-redis-prod' does not exist in eu-west-1 (UserGroupNotFound)",
            ]);
        });
        it("refuses a password outside 16–128 characters, more than two, or a password inside the access string (elasticache/user.go; RBAC guide)", () => {
            expect(cacheUserProblems({ passwords: ["x".repeat(15)], accessString: "on ~* +@all" })).to.have.length(1);
            expect(
                cacheUserProblems({ passwords: ["x".repeat(16), "y".repeat(16), "z".repeat(16)], accessString: "on ~* +@all" }),
            ).to.have.length(1);
            expect(cacheUserProblems({ passwords: ["x".repeat(64)], accessString: "on >pw ~* +@all" })[0]).to.match(/access string/);
            expect(cacheUserProblems({ passwords: ["x".repeat(64)], accessString: tenantAccessString("aupairhive") })).to.deep.equal([]);
        });
        it("refuses an AUTH token beside user groups (auth_token ConflictsWith user_group_ids) and RBAC without in-transit encryption", () => {
            const r = "af-south-1";
            expect(replicationGroupAuthProblems({ userGroupIds: ["g"], authToken: "t", transitEncryptionEnabled: true }, r)).to.have.length(
                1,
            );
            expect(replicationGroupAuthProblems({ userGroupIds: ["g"], transitEncryptionEnabled: false }, r)).to.have.length(1);
            expect(replicationGroupAuthProblems({ userGroupIds: ["g"], transitEncryptionEnabled: true }, r)).to.deep.equal([]);
        });
        it("refuses a replication group encrypted with a key of another region (CreateReplicationGroup KmsKeyId)", () => {
            const group = { userGroupIds: ["g"], transitEncryptionEnabled: true, kmsKeyId: "arn:aws:kms:af-south-1:1:key/k" };
            expect(replicationGroupAuthProblems(group, "eu-west-1")).to.deep.equal([
                "kmsKeyId is a key in af-south-1; a group in eu-west-1 needs one in its own region",
            ]);
            expect(replicationGroupAuthProblems(group, "af-south-1")).to.deep.equal([]);
        });
    });
});
