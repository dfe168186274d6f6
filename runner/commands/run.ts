// `dag run`: applies --set, expands the sweep, selects stages, takes the project lock, runs what is stale and reports as it goes.
import { acquireLock } from "../../cache/lock.js";
import type { Command } from "../cli-args.js";
import { executeRun } from "../executor.js";
import { selectStages } from "../graph.js";
import { applyOverrides } from "../param-overrides.js";
import { withPipeline, type Project } from "../project.js";
import { expandSweep } from "../sweep.js";
import type { Output } from "../reporters/output.js";
import { unknownStageText } from "../reporters/unknown-stage.js";
import { RunReporter } from "../reporters/run-reporter.js";

export async function runCommand(opened: Project, command: Extract<Command, { name: "run" }>, output: Output, signal: AbortSignal): Promise<number> {
  const overridden = applyOverrides(opened.pipeline, command.set);
  if (!overridden.ok) {
    output.error(overridden.error.message);
    return 2;
  }
  const project = withPipeline(opened, command.sweep ? expandSweep(overridden.value) : overridden.value);
  const selected = selectStages(project.pipeline, {
    targets: [...command.targets],
    ...(command.until === undefined ? {} : { until: command.until }),
  });
  if (!selected.ok) {
    output.error(unknownStageText(selected.error));
    return 2;
  }
  const reporter = new RunReporter({ tty: output.isTTY, out: output.stdout });
  const lock = command.dryRun
    ? undefined
    : await acquireLock(project.dagDir, {
        wait: command.wait,
        command: "dag run",
        onWait: (holder) => reporter.emit({ type: "lock-wait", holderPid: holder.pid, since: holder.startedAt }),
      });
  if (lock !== undefined && !lock.ok) {
    output.error(`another dag run (pid ${lock.error.holder.pid}, since ${lock.error.holder.startedAt}) holds this project; wait for it or run without --no-wait`);
    return 1;
  }
  try {
    if (lock !== undefined) await project.store.sweepTmp();
    const summary = await executeRun(
      project,
      { stages: selected.value, force: command.force, dryRun: command.dryRun, jobs: command.jobs, signal },
      reporter.emit,
    );
    await reporter.finish();
    if (summary.interrupted) return 130;
    return summary.failed > 0 ? 1 : 0;
  } finally {
    if (lock?.ok) await lock.value.release();
  }
}
