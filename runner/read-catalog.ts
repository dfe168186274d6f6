// Reads the catalog of cached variants for commands (runs, diff, report): today's pipeline resolved, every entry listed.
import { err, ok, type Result } from "../cache/result.js";
import { didYouMeanHint } from "./config/did-you-mean.js";
import { topoOrder, type UnknownStage } from "./graph.js";
import type { Pipeline } from "./pipeline.js";
import type { Project } from "./project.js";
import { damageNotes, resolvePipeline, type ResolvedStage } from "./dag-walk.js";
import { buildCatalog, type StageCatalog } from "./run-catalog.js";

/**
 * The pipeline's stages (names as in the file) in dependency order: all of them, or those named in
 * `targets` (a variant's name stands for its stage).
 */
export function baseStages(p: Pipeline, targets: readonly string[]): Result<string[], UnknownStage> {
  const order: string[] = [];
  for (const name of topoOrder(p)) {
    const base = p.stages.get(name)?.base ?? name;
    if (!order.includes(base)) order.push(base);
  }
  if (targets.length === 0) return ok(order);
  const wanted = new Set<string>();
  for (const target of targets) {
    const base = order.includes(target) ? target : p.stages.get(target)?.base;
    if (base === undefined) {
      const hint = didYouMeanHint(target, order);
      return err({ reason: "unknown-stage", name: target, ...(hint === undefined ? {} : { hint }) });
    }
    wanted.add(base);
  }
  return ok(order.filter((name) => wanted.has(name)));
}

/**
 * The catalog of `stages` (names as in the file), what every stage of the (expanded) pipeline
 * resolves to, and the damaged entries met on the way, in words. Read-only.
 */
export async function readCatalog(project: Project, stages: readonly string[]): Promise<{ catalogs: StageCatalog[]; resolved: Map<string, ResolvedStage>; damage: string[] }> {
  const resolved = await resolvePipeline(project, topoOrder(project.pipeline));
  const all = await project.store.list();
  return { catalogs: buildCatalog(stages, all, resolved), resolved, damage: damageNotes(resolved.values()) };
}
