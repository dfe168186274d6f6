// `dag status --params`: each stage's params as the stage receives them, which came from the schema's defaults, and declared params left unset.
import { flattenParams, showParamValue } from "../param-values.js";
import type { Pipeline } from "../pipeline.js";
import type { SchemaNode } from "../config/param-schema.js";
import { oneLine } from "./terminal-text.js";

/** Dotted paths of every leaf param a schema declares (mappings with properties are walked into). */
function declaredLeaves(node: SchemaNode, prefix = ""): { path: string; node: SchemaNode }[] {
  const out: { path: string; node: SchemaNode }[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const at = prefix ? `${prefix}.${key}` : key;
    if (child.properties !== undefined) out.push(...declaredLeaves(child, at));
    else out.push({ path: at, node: child });
  }
  return out;
}

/** One block per stage (of `names`): `param  value  (default)` rows, schema-declared params left unset last. */
export function paramsText(pipeline: Pipeline, names: readonly string[]): string {
  const blocks: string[] = [];
  for (const name of names) {
    const stage = pipeline.stages.get(name);
    if (stage === undefined) continue;
    const values = flattenParams(stage.params);
    const defaulted = new Set(stage.defaulted ?? []);
    const rows: [string, string, string][] = Object.entries(values).map(([p, v]) => [p, showParamValue(v), [...defaulted].some((d) => p === d || p.startsWith(d + ".")) ? "(default)" : ""]);
    if (stage.paramSchema !== undefined) {
      for (const leaf of declaredLeaves(stage.paramSchema.root)) {
        if (leaf.path in values || Object.keys(values).some((p) => p.startsWith(leaf.path + "."))) continue;
        rows.push([leaf.path, "-", `(not set${leaf.node.description ? `; ${leaf.node.description}` : ""})`]);
      }
    }
    const title = `${name}  ${stage.paramSchema === undefined ? `(no ${stage.module.replace(/\.[^./]+$/, "")}.params.schema.json: params unchecked)` : stage.paramSchema.file}`;
    if (rows.length === 0) {
      blocks.push(`${title}\n  (no params)`);
      continue;
    }
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    blocks.push([title, ...rows.map(([p, v, note]) => oneLine(`  ${p.padEnd(w0)}  ${note ? v.padEnd(w1) + "  " + note : v}`))].join("\n"));
  }
  return blocks.join("\n\n") + "\n";
}
