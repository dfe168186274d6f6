// `dag graph` (also `dag dag`): the pipeline graph with each stage's state, as a terminal tree, dot or Mermaid; read-only.
import type { Command } from "../cli-args.js";
import { selectStages } from "../graph.js";
import { graphView } from "../graph-view.js";
import { withPipeline, type Project } from "../project.js";
import { graphDot, graphMermaid, graphText } from "../reporters/graph-text.js";
import type { Output } from "../reporters/output.js";
import { unknownStageText } from "../reporters/unknown-stage.js";
import { stageStates } from "../stage-states.js";
import { expandSweep } from "../sweep.js";

export async function graphCommand(opened: Project, command: Extract<Command, { name: "graph" }>, output: Output): Promise<number> {
  const project = withPipeline(opened, expandSweep(opened.pipeline));
  const selected = selectStages(project.pipeline, { targets: [...command.targets] });
  if (!selected.ok) {
    output.error(unknownStageText(selected.error));
    return 2;
  }
  const view = graphView(project.pipeline, await stageStates(project, selected.value), command.variants);
  const width = (output.stdout as NodeJS.WriteStream).columns ?? 100;
  output.out(command.format === "dot" ? graphDot(view) : command.format === "mermaid" ? graphMermaid(view) : graphText(view, command.wide ? Infinity : width));
  return 0;
}
