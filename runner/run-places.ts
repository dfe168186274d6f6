// Where a run's rows put their outputs (their artifacts/ links) and which rows are final, for the end-of-run summary.
import path from "node:path";
import { linkPath, type LinkSpace } from "./artifact-links.js";
import type { Pipeline } from "./pipeline.js";
import type { ResultPlaces } from "./reporters/run-results.js";

/** The links and outputs of the selected rows; final rows are those no other selected row reads from. */
export function resultPlaces(pipeline: Pipeline, selected: readonly string[], links: LinkSpace): ResultPlaces {
  const read = new Set<string>();
  for (const name of selected) for (const dep of pipeline.stages.get(name)?.deps ?? []) if (dep.kind === "output") read.add(dep.from);
  const outputs: Record<string, { link: string; outs: readonly string[] }> = {};
  const own: Record<string, string> = {};
  for (const name of selected) {
    const spec = pipeline.stages.get(name);
    if (spec === undefined) continue;
    outputs[name] = { link: path.relative(links.root, linkPath(links, spec.artifact)).split(path.sep).join("/"), outs: spec.outs };
    if (spec.artifact === spec.base) own[spec.base] = name;
  }
  return { finals: selected.filter((name) => !read.has(name)), outputs, own };
}
