// `dag diff A B`: finds the two entries and prints their params and metrics side by side.
import { outputWidth } from "../reporters/fit-width.js";
import type { Command } from "../cli-args.js";
import { findEntry } from "../find-entry.js";
import { topoOrder } from "../graph.js";
import { withPipeline, type Project } from "../project.js";
import type { Output } from "../reporters/output.js";
import { diffJson, diffText } from "../reporters/diff-report.js";
import { readLinks } from "../artifact-links.js";
import { damageNotes, resolvePipeline } from "../dag-walk.js";
import { buildCatalog, type CatalogRow } from "../catalog.js";
import { expandSweep } from "../sweep.js";
import { diffVariants } from "../variant-diff.js";

export async function diffCommand(opened: Project, command: Extract<Command, { name: "diff" }>, output: Output): Promise<number> {
  const project = withPipeline(opened, expandSweep(opened.pipeline));
  const resolved = await resolvePipeline(project, topoOrder(project.pipeline));
  const all = await project.store.list();
  for (const note of damageNotes(resolved.values())) output.error(`warning: ${note}`);
  const currents = new Map([...(await readLinks(project.links))].flatMap(([name, target]) => (target.state === "entry" ? [[name, target.key] as const] : [])));
  const a = findEntry(command.a, all, project.pipeline, resolved, currents);
  const b = findEntry(command.b, all, project.pipeline, resolved, currents);
  for (const found of [a, b]) {
    if (!found.ok) {
      output.error(found.error.message);
      return 2;
    }
  }
  if (!a.ok || !b.ok) return 2;
  const catalogs = buildCatalog([...new Set([a.value.stage, b.value.stage])], all, resolved);
  const rowOf = (stage: string, key: string): CatalogRow => {
    const row = catalogs.flatMap((c) => c.rows).find((r) => r.stage === stage && r.key === key);
    if (row === undefined) throw new Error(`internal: ${stage}:${key} is not in the catalog`);
    return row;
  };
  const diff = diffVariants(rowOf(a.value.stage, a.value.key), rowOf(b.value.stage, b.value.key));
  output.out(command.json ? diffJson(diff) + "\n" : diffText(diff, Date.now(), outputWidth(output.stdout, command.wide)));
  return 0;
}
