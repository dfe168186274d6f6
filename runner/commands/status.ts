// `dag status`: which stages are cached, stale (and why) or never run; reads no unchanged file.
import path from "node:path";
import type { Command } from "../cli-args.js";
import { resolvePipeline } from "../dag-walk.js";
import { lockDrift } from "../lock-drift.js";
import { lockFileOf, readLock } from "../pipeline-lock.js";
import { selectStages, topoOrder } from "../graph.js";
import { withPipeline, type Project } from "../project.js";
import { expandSweep } from "../sweep.js";
import { statusJson, statusTable } from "../reporters/status-report.js";
import { stageStates } from "../stage-states.js";
import type { Output } from "../reporters/output.js";
import { unknownStageText } from "../reporters/unknown-stage.js";

export async function statusCommand(opened: Project, command: Extract<Command, { name: "status" }>, output: Output): Promise<number> {
  const project = withPipeline(opened, expandSweep(opened.pipeline));
  const selected = selectStages(project.pipeline, { targets: [...command.targets] });
  if (!selected.ok) {
    output.error(unknownStageText(selected.error));
    return 2;
  }
  const states = await stageStates(project, selected.value);
  output.out(command.json ? statusJson(states) + "\n" : statusTable(states, project.links.shown));
  const lockFile = lockFileOf(project.pipeline.file);
  const lock = await readLock(lockFile);
  if (lock !== undefined) {
    const everything = topoOrder(project.pipeline);
    for (const note of lockDrift(lock, await resolvePipeline(project, everything), path.relative(project.root, lockFile))) output.error(`warning: ${note}`);
  }
  return 0;
}
