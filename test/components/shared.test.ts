/**
 * `jsonOf` (components/shared.ts) against the SDK's own `pulumi.jsonStringify(pulumi.output(v))`
 * (@pulumi/pulumi 3.248.0 `output.js`: `jsonStringify`, `outputRec`, `all`): for random documents
 * whose leaves are plain JSON, outputs, secrets, promises, unknowns and outputs of resources, the
 * same text, the same knownness, the same secretness and the same resources. These are what the
 * engine receives with a resource's input (`runtime/rpc.ts` `serializeProperty`: the secret and
 * unknown sentinels, and the property's dependencies).
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { jsonOf } from "../../components/shared";

/** A leaf of a random document: how a plain JSON value reaches it. */
type Leaf =
    | { kind: "plain" | "output" | "secret" | "promise" | "nested-secret"; value: fc.JsonValue }
    | { kind: "unknown" | "unknown-output" }
    | { kind: "of-resource"; resource: number; value: fc.JsonValue };
type Doc = { leaf: Leaf } | { array: Doc[] } | { object: Record<string, Doc> };

const RESOURCES = 3;
const TYPE = "test:index:Owner";

const leaf: fc.Arbitrary<Leaf> = fc.oneof(
    fc.record({
        kind: fc.constantFrom("plain" as const, "output" as const, "secret" as const, "promise" as const, "nested-secret" as const),
        value: fc.jsonValue({ maxDepth: 2 }),
    }),
    fc.record({ kind: fc.constantFrom("unknown" as const, "unknown-output" as const) }),
    fc.record({ kind: fc.constant("of-resource" as const), resource: fc.nat(RESOURCES - 1), value: fc.jsonValue({ maxDepth: 1 }) }),
);
const { doc } = fc.letrec<{ doc: Doc }>((tie) => ({
    doc: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.record({ leaf }),
        fc.record({ array: fc.array(tie("doc"), { maxLength: 4 }) }),
        fc.record({ object: fc.dictionary(fc.string({ maxLength: 6 }), tie("doc"), { maxKeys: 4 }) }),
    ),
}));

/** What the engine would see of an output: its value (unknowns included), knownness, secretness, resources. */
async function observe(o: pulumi.Output<string>, names: Map<pulumi.Resource, string>) {
    const internal = o as any;
    const byName = (set: Set<pulumi.Resource>) => [...set].map((r) => names.get(r)).sort();
    return {
        value: await internal.promise(true),
        isKnown: await internal.isKnown,
        isSecret: await pulumi.isSecret(o),
        resources: byName(internal.resources()),
        allResources: byName(await pulumi.getAllResources(internal)),
    };
}

describe("jsonOf: a document's JSON as pulumi.jsonStringify makes it, without an Output per leaf", () => {
    let owners: pulumi.ComponentResource[];
    const names = new Map<pulumi.Resource, string>();

    before(async () => {
        // Preview: the only time the engine hands the program unknowns.
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    if (args.type !== TYPE) throw new Error(`shared.test mock: no resource of type ${args.type} expected`);
                    return { id: `${args.name}-id`, state: {} };
                },
                call: (args) => {
                    throw new Error(`shared.test mock: no call to ${args.token} expected`);
                },
            },
            "bbws-platform",
            "test",
            true,
        );
        owners = Array.from({ length: RESOURCES }, (_, i) => new pulumi.ComponentResource(TYPE, `owner-${i}`));
        owners.forEach((r, i) => names.set(r, `owner-${i}`));
    });

    function build(d: Doc): unknown {
        if ("array" in d) return d.array.map(build);
        if ("object" in d) return Object.fromEntries(Object.entries(d.object).map(([k, v]) => [k, build(v)]));
        const l = d.leaf;
        switch (l.kind) {
            case "plain":
                return l.value;
            case "output":
                return pulumi.output(l.value);
            case "secret":
                return pulumi.secret(l.value);
            case "promise":
                return Promise.resolve(l.value);
            case "nested-secret":
                // An output whose value holds another output: outputRec lifts it (output.js line 402).
                return pulumi.output(1).apply(() => ({ inner: pulumi.secret(l.value) }));
            case "unknown":
                return pulumi.unknown;
            case "unknown-output":
                return pulumi.output(pulumi.unknown);
            case "of-resource":
                return owners[l.resource].urn.apply(() => l.value);
        }
    }

    it("gives the SDK's text, knownness, secretness and resources for random documents (property, 300 runs)", async () => {
        await fc.assert(
            fc.asyncProperty(doc, fc.boolean(), async (d, twice) => {
                // Twice: every leaf object appears in two places, as a secret's ARN does in two containers.
                const once = build(d);
                const value = twice ? { first: once, again: [once] } : once;
                const [ours, sdks] = await Promise.all([observe(jsonOf(value), names), observe(pulumi.jsonStringify(value), names)]);
                expect(ours).to.deep.equal(sdks);
            }),
            { numRuns: 300 },
        );
    });

    it("is secret when one leaf deep in the document is secret, and names that leaf's resource", async () => {
        const value = { Statement: [{ Resource: [owners[1].urn, { deep: pulumi.secret("s") }] }] };
        const seen = await observe(jsonOf(value), names);
        expect(seen).to.include({ isKnown: true, isSecret: true });
        expect(seen.allResources).to.deep.equal(["owner-1"]);
        expect(JSON.parse(seen.value).Statement[0].Resource[1]).to.deep.equal({ deep: "s" });
    });

    it("is unknown when any leaf is unknown (preview), whatever else is known", async () => {
        const seen = await observe(jsonOf({ known: "a", later: [pulumi.output(pulumi.unknown)] }), names);
        expect(seen).to.include({ isKnown: false, value: undefined });
    });

    it("does not change the document it is given", async () => {
        const arn = pulumi.output("arn:aws:s3:::b");
        const value = { Resource: [arn, "x"] };
        await observe(jsonOf(value), names);
        expect(value.Resource[0]).to.equal(arn);
    });

    it("refuses a document that contains itself, as pulumi.output does", () => {
        const value: Record<string, unknown> = { a: pulumi.output("x") };
        value.self = value;
        expect(() => pulumi.jsonStringify(value)).to.throw("circular");
        expect(() => jsonOf(value)).to.throw("circular");
    });
});
