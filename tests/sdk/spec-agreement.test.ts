import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { AGENT_KEY } from "../../provider/spec/agent-key";
import { AGENT_REGISTRATION } from "../../provider/spec/agent-registration";
import { API_KEY } from "../../provider/spec/api-key";
import { secretOutputs } from "../../provider/spec/derive";
import type { PropertyType, ResourceSpec } from "../../provider/spec/property";

/**
 * The SDK's classes are written by hand, for their docs and types to read well in an editor; each is held here to
 * its resource's spec (provider/spec), the one place a property is defined: the same arguments, required the same,
 * of the same types, documented with the same words, the same outputs, and the same secret outputs. The plugin's
 * schema and the provider's checks are derived from the spec, so they cannot disagree with it.
 */

const ROOT = join(__dirname, "..", "..");

const SDK_FILES: [ResourceSpec, string][] = [
  [AGENT_KEY, "sdk/agent-key.ts"],
  [API_KEY, "sdk/api-key.ts"],
  [AGENT_REGISTRATION, "sdk/agent-registration.ts"],
];

const INPUT_TYPES: Record<PropertyType, string> = {
  string: "pulumi.Input<string>",
  number: "pulumi.Input<number>",
  boolean: "pulumi.Input<boolean>",
  stringMap: "pulumi.Input<Record<string, pulumi.Input<string>>>",
};

const OUTPUT_TYPES: Record<PropertyType, string> = { string: "string", number: "number", boolean: "boolean", stringMap: "Record<string, string>" };

interface Member {
  doc: string;
  type: string;
  optional: boolean;
}

/** The JSDoc text of a node, whitespace folded, or "" when it has none. */
function docOf(node: ts.Node): string {
  const comments = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  return comments
    .map((c) => ts.getTextOfJSDocComment(c.comment) ?? "")
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}

const folded = (text: string) => text.replace(/\s+/g, " ").trim();

function membersOf(file: ts.SourceFile, spec: ResourceSpec) {
  const args = new Map<string, Member>();
  const outputs = new Map<string, Member>();
  let secretOutputNames: string[] | undefined;
  const visit = (node: ts.Node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === `${spec.className}Args`) {
      for (const m of node.members) {
        if (ts.isPropertySignature(m) && m.type !== undefined)
          args.set(m.name.getText(file), { doc: docOf(m), type: m.type.getText(file), optional: m.questionToken !== undefined });
      }
    }
    if (ts.isClassDeclaration(node) && node.name?.text === spec.className) {
      for (const m of node.members) {
        if (ts.isPropertyDeclaration(m) && m.type !== undefined && m.modifiers?.some((x) => x.kind === ts.SyntaxKind.DeclareKeyword)) {
          outputs.set(m.name.getText(file), { doc: docOf(m), type: m.type.getText(file), optional: false });
        }
      }
    }
    if (ts.isPropertyAssignment(node) && node.name.getText(file) === "additionalSecretOutputs" && ts.isArrayLiteralExpression(node.initializer)) {
      secretOutputNames = node.initializer.elements.map((e) => (e as ts.StringLiteral).text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { args, outputs, secretOutputNames: secretOutputNames ?? [] };
}

describe("the SDK agrees with each resource's spec", () => {
  it.each(SDK_FILES.map(([spec, path]) => [spec.className, spec, path] as const))("%s", (_name, spec, path) => {
    const file = ts.createSourceFile(path, readFileSync(join(ROOT, path), "utf8"), ts.ScriptTarget.Latest, true);
    const { args, outputs, secretOutputNames } = membersOf(file, spec);

    expect([...args.keys()]).toEqual(Object.keys(spec.arguments));
    for (const [name, argument] of Object.entries(spec.arguments)) {
      expect({ name, ...args.get(name) }).toEqual({
        name,
        doc: folded(argument.description),
        type: INPUT_TYPES[argument.type],
        optional: argument.required !== true,
      });
    }

    // Every argument and every output is declared on the class, with the spec's words and type.
    const expectedOutputs = [
      ...Object.entries(spec.arguments).map(([name, a]) => [name, a, a.required !== true] as const),
      ...Object.entries(spec.outputs).map(([name, o]) => [name, o, o.optional === true] as const),
    ];
    expect([...outputs.keys()].sort()).toEqual(expectedOutputs.map(([name]) => name).sort());
    for (const [name, property, optional] of expectedOutputs) {
      const type = `pulumi.Output<${OUTPUT_TYPES[property.type]}${optional ? " | undefined" : ""}>`;
      expect({ name, ...outputs.get(name) }).toEqual({ name, doc: folded(property.description), type, optional: false });
    }

    expect(secretOutputNames.sort()).toEqual([...secretOutputs(spec)].sort());
  });

  it("the resource reference shows every argument and output of the keys", () => {
    const reference = readFileSync(join(ROOT, "docs", "resources.md"), "utf8");
    for (const spec of [AGENT_KEY, API_KEY]) {
      const section = reference.slice(reference.indexOf(`## \`${spec.className}\``));
      const example = section.slice(0, section.indexOf("```", section.indexOf("```") + 3));
      const missing = [...Object.keys(spec.arguments), ...Object.keys(spec.outputs)].filter((name) => !new RegExp(`\\b${name}\\b`).test(example));
      expect({ resource: spec.className, missing }).toEqual({ resource: spec.className, missing: [] });
    }
  });
});
