// `dag report`: gathers the catalog, the plot files its stages declare and the sweep's charts, and writes one HTML page.
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "../cli-args.js";
import type { PlotSpec } from "../declarations.js";
import { withPipeline, type Project } from "../project.js";
import { readCatalog, type StageCatalog } from "../catalog.js";
import { baseStages } from "../graph.js";
import { curveCharts, plottedParams, sweepCharts, type CurveRecord } from "../report-data.js";
import type { Output } from "../reporters/output.js";
import { unknownStageText } from "../reporters/unknown-stage.js";
import { graphData } from "../reporters/report-graph.js";
import { graphView } from "../graph-view.js";
import { topoOrder } from "../graph.js";
import { stageStates } from "../stage-states.js";
import { reportHtml } from "../reporters/report-html.js";
import { expandSweep } from "../sweep.js";

export async function reportCommand(opened: Project, command: Extract<Command, { name: "report" }>, output: Output): Promise<number> {
  const project = withPipeline(opened, expandSweep(opened.pipeline));
  const stages = baseStages(project.pipeline, command.targets);
  if (!stages.ok) {
    output.error(unknownStageText(stages.error));
    return 2;
  }
  // A mistyped folder is an error, not a new folder somewhere: as `> out/report.html` in a shell.
  const target = path.resolve(project.root, command.out);
  const folder = path.dirname(target);
  const shownFolder = path.relative(process.cwd(), folder) || ".";
  const isFolder = await stat(folder).then(
    (s) => s.isDirectory(),
    () => undefined,
  );
  if (isFolder !== true) {
    output.error(`dag report: ${isFolder === false ? `${shownFolder} is not a folder` : `folder ${shownFolder} does not exist`}; create it first (mkdir -p ${shownFolder}) or name another path with -o`);
    return 2;
  }
  const { catalogs, damage } = await readCatalog(project, stages.value);
  const warnings: string[] = [...damage];
  const curves = [];
  const sweeps = [];
  for (const catalog of catalogs) {
    const spec = [...project.pipeline.stages.values()].find((s) => s.base === catalog.stage);
    for (const plot of spec?.plots ?? []) curves.push(...curveCharts(catalog, plot, await readCurves(catalog, plot, warnings)));
    // The sweep's charts show what this file's pipeline and sweep resolve to (other entries would mix in other files' points).
    const own = { ...catalog, rows: catalog.rows.filter((row) => row.current !== undefined) };
    const swept = own.rows.length > 0 ? own : catalog;
    sweeps.push(...sweepCharts(swept, plottedParams(project.pipeline, swept), spec?.metrics ?? []));
  }
  const html = reportHtml({
    title: `dag report — ${path.relative(project.root, project.pipeline.file) || project.pipeline.file}`,
    generatedAt: new Date().toISOString().replace("T", " ").slice(0, 19) + " UTC",
    graph: graphData(graphView(project.pipeline, await stageStates(project, topoOrder(project.pipeline)), false), project.pipeline),
    catalogs,
    curveCharts: curves,
    sweepCharts: sweeps,
  });
  await writeFile(target, html);
  for (const warning of warnings) output.error(`warning: ${warning}`);
  const entries = catalogs.reduce((n, c) => n + c.rows.length, 0);
  output.out(`wrote ${path.relative(process.cwd(), target) || target}: ${entries} entries, ${curves.length + sweeps.length} charts`);
  return 0;
}

/** The plot file of each entry of the stage that wrote one (entry key → records); unreadable files become warnings. */
async function readCurves(catalog: StageCatalog, plot: PlotSpec, warnings: string[]): Promise<Map<string, CurveRecord[]>> {
  const curves = new Map<string, CurveRecord[]>();
  for (const row of catalog.rows) {
    if (row.entry.manifest.outputs[plot.file] === undefined) continue;
    const file = path.join(row.entry.outDir, ...plot.file.split("/"));
    try {
      const parsed = JSON.parse(await readFile(file, "utf8")) as unknown;
      if (!Array.isArray(parsed)) throw new Error("not a JSON array of records");
      curves.set(
        row.key,
        parsed.filter((r): r is CurveRecord => r !== null && typeof r === "object" && !Array.isArray(r)),
      );
    } catch (error) {
      warnings.push(`${catalog.stage} ${row.key.slice(0, 10)}: cannot read ${plot.file} (${(error as Error).message})`);
    }
  }
  return curves;
}
