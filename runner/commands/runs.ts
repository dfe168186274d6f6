// `dag runs` (also `dag exp show`): every cached variant of the selected stages, sorted and printed as a table, JSON, CSV or Markdown.
import { outputWidth } from "../reporters/fit-width.js";
import type { Command } from "../cli-args.js";
import { didYouMeanHint, nearestNames } from "../config/did-you-mean.js";
import { withPipeline, type Project } from "../project.js";
import { readCatalog, sortCatalogs, sortKeys } from "../catalog.js";
import { baseStages } from "../graph.js";
import type { Output } from "../reporters/output.js";
import { unknownStageText } from "../reporters/unknown-stage.js";
import { runsCsv, runsJson, runsMarkdown, runsText } from "../reporters/runs-table.js";
import { expandSweep } from "../sweep.js";

export async function runsCommand(opened: Project, command: Extract<Command, { name: "runs" }>, output: Output): Promise<number> {
  const project = withPipeline(opened, expandSweep(opened.pipeline));
  const stages = baseStages(project.pipeline, command.targets);
  if (!stages.ok) {
    output.error(unknownStageText(stages.error));
    return 2;
  }
  const read = await readCatalog(project, stages.value);
  for (const note of read.damage) output.error(`warning: ${note}`);
  let catalogs = read.catalogs;
  if (command.sort !== undefined) {
    const known = sortKeys(catalogs);
    if (!known.includes(command.sort.key)) {
      const near = nearestNames(command.sort.key, known);
      const hint = didYouMeanHint(command.sort.key, known) ?? (near.length > 0 ? `nearest: ${near.join(", ")} (dag runs --json lists every name)` : `metrics and params here: ${known.slice(0, 8).join(", ")}${known.length > 8 ? ", …" : ""}`);
      output.error(`--sort: no metric or param "${command.sort.key}" in these runs; ${hint}`);
      return 2;
    }
    catalogs = sortCatalogs(catalogs, command.sort.key, command.sort.ascending);
  }
  switch (command.format) {
    case "json":
      output.out(runsJson(catalogs) + "\n");
      return 0;
    case "csv":
      output.out(runsCsv(catalogs));
      return 0;
    case "md":
      output.out(runsMarkdown(catalogs));
      return 0;
    case "table":
      output.out(runsText(catalogs, Date.now(), outputWidth(output.stdout, command.wide)));
      return 0;
  }
}
