// `dag status`: which stages are cached, stale (and why) or never run; reads no unchanged file.
import type { Command } from "../cli-args.js";
import { selectStages } from "../graph.js";
import { withPipeline, type Project } from "../project.js";
import { expandSweep } from "../sweep.js";
import { outputWidth } from "../reporters/fit-width.js";
import { paramsText } from "../reporters/params-report.js";
import { statusJson, statusTable } from "../reporters/status-report.js";
import { stageStates } from "../stage-states.js";
import type { Output } from "../reporters/output.js";
import { unknownStageText } from "../reporters/unknown-stage.js";

export async function statusCommand(opened: Project, command: Extract<Command, { name: "status" }>, output: Output): Promise<number> {
  if (command.params) {
    const stages = selectStages(opened.pipeline, { targets: [...command.targets] });
    if (!stages.ok) {
      output.error(unknownStageText(stages.error));
      return 2;
    }
    output.out(paramsText(opened.pipeline, command.targets.length === 0 ? stages.value : stages.value.filter((name) => command.targets.includes(name))));
    return 0;
  }
  const project = withPipeline(opened, expandSweep(opened.pipeline));
  const selected = selectStages(project.pipeline, { targets: [...command.targets] });
  if (!selected.ok) {
    output.error(unknownStageText(selected.error));
    return 2;
  }
  const states = await stageStates(project, selected.value);
  output.out(command.json ? statusJson(states) + "\n" : statusTable(states, project.links.shown, outputWidth(output.stdout, command.wide)));
  return 0;
}
