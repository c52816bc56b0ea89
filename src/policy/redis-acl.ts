/**
 * A small evaluator of the Redis ACL rules the platform's ElastiCache users rely on, so a test (and
 * the `elasticache-7-tenant-cache-users` rule) can prove what an access string lets a client do.
 *
 * Sources: Redis ACL documentation (redis.io, "ACL": rules apply left to right; `on`/`off`; `~<glob>`
 * key patterns, `allkeys` = `~*`; `&<glob>` channel patterns, `allchannels` = `&*`; `+<command>`,
 * `-<command>`, `+@<category>`, `-@<category>`, `allcommands` = `+@all`, `nocommands` = `-@all`; a
 * command is allowed only if the last rule naming it or one of its categories allows it, and only if
 * every key it names matches a key pattern); glob syntax from Redis `util.c` `stringmatchlen` (`*`,
 * `?`, `[...]` with `^` and ranges, `\` escapes); command categories and key positions from Redis
 * 7.0's `src/commands/*.json`; ElastiCache's restrictions from the ElastiCache user guide, "Role-Based
 * Access Control (RBAC)": no passwords in an access string, no `reset`, and a user is `off` unless the
 * string says `on`.
 *
 * Only the commands in {@link REDIS_COMMANDS} are known; an unknown command is refused, which is the
 * safe answer for a proof that something cannot happen.
 */

/** A Redis command as the ACL sees it: its categories and which arguments are keys or channels. */
export interface RedisCommand {
    /** ACL categories without `@` (Redis 7.0 `acl_categories`, lower-case). */
    readonly categories: readonly string[];
    /** The arguments (after the command name) that are key names. */
    keys(args: readonly string[]): string[];
    /** The arguments that are Pub/Sub channels; absent: none. */
    channels?(args: readonly string[]): string[];
}

const none = () => [];
const first = (args: readonly string[]) => args.slice(0, 1);
const firstTwo = (args: readonly string[]) => args.slice(0, 2);
const all = (args: readonly string[]) => [...args];
const everyOther = (args: readonly string[]) => args.filter((_, i) => i % 2 === 0);
/** EVAL/EVALSHA/FCALL `<script> <numkeys> key… arg…`. */
const declaredKeys = (args: readonly string[]) => args.slice(2, 2 + Number(args[1] ?? 0));

/** The commands the proof covers: what the object-cache drop-in and wp-cli send, and every way to reach another tenant's keys. */
export const REDIS_COMMANDS: Readonly<Record<string, RedisCommand>> = {
    get: { categories: ["read", "string", "fast"], keys: first },
    set: { categories: ["write", "string", "slow"], keys: first },
    setex: { categories: ["write", "string", "slow"], keys: first },
    mget: { categories: ["read", "string", "fast"], keys: all },
    mset: { categories: ["write", "string", "slow"], keys: everyOther },
    incrby: { categories: ["write", "string", "fast"], keys: first },
    decrby: { categories: ["write", "string", "fast"], keys: first },
    exists: { categories: ["keyspace", "read", "fast"], keys: all },
    del: { categories: ["keyspace", "write", "slow"], keys: all },
    unlink: { categories: ["keyspace", "write", "fast"], keys: all },
    expire: { categories: ["keyspace", "write", "fast"], keys: first },
    rename: { categories: ["keyspace", "write", "slow"], keys: firstTwo },
    copy: { categories: ["keyspace", "write", "slow"], keys: firstTwo },
    move: { categories: ["keyspace", "write", "fast"], keys: first },
    dump: { categories: ["keyspace", "read", "slow"], keys: first },
    restore: { categories: ["keyspace", "write", "slow", "dangerous"], keys: first },
    hget: { categories: ["read", "hash", "fast"], keys: first },
    hset: { categories: ["write", "hash", "fast"], keys: first },
    sort: { categories: ["write", "set", "sortedset", "list", "slow", "dangerous"], keys: first },
    scan: { categories: ["keyspace", "read", "slow"], keys: none },
    keys: { categories: ["keyspace", "read", "slow", "dangerous"], keys: none },
    randomkey: { categories: ["keyspace", "read", "slow"], keys: none },
    flushdb: { categories: ["keyspace", "write", "slow", "dangerous"], keys: none },
    flushall: { categories: ["keyspace", "write", "slow", "dangerous"], keys: none },
    swapdb: { categories: ["keyspace", "write", "fast", "dangerous"], keys: none },
    eval: { categories: ["slow", "scripting"], keys: declaredKeys },
    evalsha: { categories: ["slow", "scripting"], keys: declaredKeys },
    fcall: { categories: ["slow", "scripting"], keys: declaredKeys },
    function: { categories: ["write", "slow", "scripting"], keys: none },
    script: { categories: ["slow", "scripting"], keys: none },
    publish: { categories: ["pubsub", "fast"], keys: none, channels: first },
    subscribe: { categories: ["pubsub", "slow"], keys: none, channels: all },
    psubscribe: { categories: ["pubsub", "slow"], keys: none, channels: all },
    // PUBSUB CHANNELS/NUMSUB/SHARDCHANNELS list every active channel: channel patterns filter none of them.
    pubsub: { categories: ["pubsub", "slow"], keys: none },
    info: { categories: ["slow", "dangerous"], keys: none },
    ping: { categories: ["fast", "connection"], keys: none },
    select: { categories: ["fast", "connection"], keys: none },
    auth: { categories: ["fast", "connection", "no-auth"], keys: none },
    config: { categories: ["admin", "slow", "dangerous"], keys: none },
    monitor: { categories: ["admin", "slow", "dangerous"], keys: none },
    debug: { categories: ["admin", "slow", "dangerous"], keys: none },
    acl: { categories: ["admin", "slow", "dangerous"], keys: none },
    client: { categories: ["admin", "slow", "dangerous", "connection"], keys: none },
};

/** A parsed access string. */
export interface AclUser {
    readonly enabled: boolean;
    readonly keyPatterns: readonly string[];
    readonly channelPatterns: readonly string[];
    /** The command rules in order, e.g. `+@all`, `-@dangerous`, `+info`. */
    readonly commandRules: readonly string[];
}

/** An access string ElastiCache or Redis would refuse, or one using a rule this evaluator does not model. */
export class AccessStringError extends Error {}

/**
 * Parses an ElastiCache access string. Throws {@link AccessStringError} on what ElastiCache refuses
 * (a password `>…`/`<…`/`#…`/`nopass`, `reset`) and on rules outside this model (`%R~`, selectors).
 */
export function parseAccessString(accessString: string): AclUser {
    let enabled = false;
    const keyPatterns: string[] = [];
    const channelPatterns: string[] = [];
    const commandRules: string[] = [];
    for (const rule of accessString.trim().split(/\s+/).filter(Boolean)) {
        const lower = rule.toLowerCase();
        if (lower === "on" || lower === "off") enabled = lower === "on";
        else if (lower === "reset" || lower === "nopass" || lower === "resetpass" || /^[<>#!]/.test(rule)) {
            throw new AccessStringError(
                `\`${rule}\`: ElastiCache sets passwords through the API and refuses passwords and reset in an access string`,
            );
        } else if (rule.startsWith("~")) keyPatterns.push(rule.slice(1));
        else if (lower === "allkeys") keyPatterns.push("*");
        else if (lower === "resetkeys") keyPatterns.length = 0;
        else if (rule.startsWith("&")) channelPatterns.push(rule.slice(1));
        else if (lower === "allchannels") channelPatterns.push("*");
        else if (lower === "resetchannels") channelPatterns.length = 0;
        else if (lower === "allcommands") commandRules.push("+@all");
        else if (lower === "nocommands") commandRules.push("-@all");
        else if (/^[+-]@?[a-z|-]+$/.test(lower)) commandRules.push(lower);
        else throw new AccessStringError(`\`${rule}\`: not a rule this evaluator models`);
    }
    return { enabled, keyPatterns, channelPatterns, commandRules };
}

/** Redis's glob (`stringmatchlen`): `*`, `?`, `[abc]`, `[^a-z]`, and `\x` for a literal x. */
export function globMatch(pattern: string, text: string): boolean {
    const match = (p: number, t: number): boolean => {
        while (p < pattern.length) {
            const c = pattern[p];
            if (c === "*") {
                while (pattern[p + 1] === "*") p++;
                if (p + 1 === pattern.length) return true;
                for (let i = t; i <= text.length; i++) if (match(p + 1, i)) return true;
                return false;
            }
            if (t >= text.length) return false;
            if (c === "?") {
                p++;
                t++;
                continue;
            }
            if (c === "[") {
                let q = p + 1;
                const negate = pattern[q] === "^";
                if (negate) q++;
                let found = false;
                while (q < pattern.length && pattern[q] !== "]") {
                    if (pattern[q] === "\\" && q + 1 < pattern.length) {
                        if (pattern[q + 1] === text[t]) found = true;
                        q += 2;
                    } else if (pattern[q + 1] === "-" && q + 2 < pattern.length && pattern[q + 2] !== "]") {
                        const [lo, hi] = [pattern[q], pattern[q + 2]].sort();
                        if (text[t] >= lo && text[t] <= hi) found = true;
                        q += 3;
                    } else {
                        if (pattern[q] === text[t]) found = true;
                        q++;
                    }
                }
                if (found === negate) return false;
                p = q + 1;
                t++;
                continue;
            }
            const literal = c === "\\" && p + 1 < pattern.length ? pattern[++p] : c;
            if (literal !== text[t]) return false;
            p++;
            t++;
        }
        return t === text.length;
    };
    return match(0, 0);
}

/** Whether the command rules let `user` run `name` (the last rule naming it or one of its categories wins). */
export function commandAllowed(user: AclUser, name: string): boolean {
    const command = REDIS_COMMANDS[name];
    if (!command) return false;
    let allowed = false;
    for (const rule of user.commandRules) {
        const grant = rule.startsWith("+");
        const target = rule.slice(1);
        const applies = target.startsWith("@") ? target === "@all" || command.categories.includes(target.slice(1)) : target === name;
        if (applies) allowed = grant;
    }
    return allowed;
}

/**
 * Commands that answer with other users' key or channel names although they name no key: key and
 * channel patterns filter neither their arguments nor their results (redis.io "ACL": key patterns
 * apply to the keys a command names; KEYS, SCAN and RANDOMKEY take none, nor does PUBSUB CHANNELS).
 * A tenant's user must be refused all of them, or it can list the names of every tenant's keys.
 */
export const NAME_LISTING_COMMANDS: readonly string[] = ["keys", "scan", "randomkey", "pubsub"];

/** Why a command is refused, or `undefined` when Redis would run it. */
export function aclRefusal(user: AclUser, name: string, args: readonly string[] = []): string | undefined {
    const command = REDIS_COMMANDS[name];
    if (!command) return `\`${name}\` is not a command this evaluator knows`;
    if (!user.enabled) return "the user is off";
    if (!commandAllowed(user, name)) return `the user may not run \`${name}\``;
    const key = command.keys(args).find((k) => !user.keyPatterns.some((p) => globMatch(p, k)));
    if (key !== undefined) return `key \`${key}\` matches none of the user's key patterns`;
    const channel = (command.channels?.(args) ?? []).find((c) => !user.channelPatterns.some((p) => globMatch(p, c)));
    if (channel !== undefined) return `channel \`${channel}\` matches none of the user's channel patterns`;
    return undefined;
}
