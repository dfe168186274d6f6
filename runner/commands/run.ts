// `dag run`: applies --set, expands the sweep, selects stages, takes the project lock, repairs what a killed run left, runs what is stale and reports as it goes.
import { acquireLock } from "../../cache/lock.js";
import type { Command } from "../cli-args.js";
import { executeRun } from "../executor.js";
import { openExecutor } from "../executors/open-executor.js";
import type { StageExecutor } from "../executors/stage-executor.js";
import { forcedStages } from "../force-plan.js";
import { selectStages } from "../graph.js";
import { applyOverrides } from "../param-overrides.js";
import { withPipeline, type Project } from "../project.js";
import { refreshLock } from "../pipeline-lock.js";
import { repairStore } from "../store-repair.js";
import { openRemote } from "../../remote/open-remote.js";
import { chooseRemote } from "../sync/choose-remote.js";
import { runThrough } from "../sync/run-through.js";
import { pushedText } from "../reporters/remote-text.js";
import { expandSweep, withoutSweep } from "../sweep.js";
import { lockErrorText } from "../reporters/lock-text.js";
import type { Output } from "../reporters/output.js";
import { unknownStageText } from "../reporters/unknown-stage.js";
import { RunReporter } from "../reporters/run-reporter.js";
import { expectedDurations } from "../expected-durations.js";
import { resultPlaces } from "../run-places.js";

export async function runCommand(opened: Project, command: Extract<Command, { name: "run" }>, output: Output, signal: AbortSignal): Promise<number> {
  const overridden = applyOverrides(opened.pipeline, command.set);
  if (!overridden.ok) {
    output.error(overridden.error.message);
    return 2;
  }
  const project = withPipeline(opened, expandSweep(command.sweep ? overridden.value : withoutSweep(overridden.value)));
  const selected = selectStages(project.pipeline, {
    targets: [...command.targets],
    ...(command.until === undefined ? {} : { until: command.until }),
  });
  if (!selected.ok) {
    output.error(unknownStageText(selected.error));
    return 2;
  }
  // --pull/--push, or the default remote's read_through/write_through switches.
  const configured = opened.pipeline.remotes?.default === undefined ? undefined : opened.pipeline.remotes.remotes.get(opened.pipeline.remotes.default);
  const through = { pull: command.pull || (command.remote === undefined && configured?.readThrough === true), push: command.push || (command.remote === undefined && configured?.writeThrough === true) };
  const remoteSpec = through.pull || through.push ? chooseRemote(opened.pipeline.remotes, command.remote) : undefined;
  if (remoteSpec !== undefined && !remoteSpec.ok) {
    output.error(`dag run: ${remoteSpec.error}`);
    return 2;
  }
  const reporter = new RunReporter({
    tty: output.isTTY,
    out: output.stdout,
    jobs: command.jobs,
    expected: command.dryRun ? {} : await expectedDurations(project, selected.value.map((name) => project.pipeline.stages.get(name)?.base ?? name)),
    places: resultPlaces(project.pipeline, selected.value, project.links),
    ...((output.stdout as NodeJS.WriteStream).columns === undefined ? {} : { columns: (output.stdout as NodeJS.WriteStream).columns }),
  });
  const lockFile = project.store.layout.lockFile;
  const lock = command.dryRun
    ? undefined
    : await acquireLock(project.dagDir, {
        wait: command.wait,
        command: "dag run",
        signal,
        onWait: (holder) => reporter.emit({ type: "lock-wait", holder, long: false, lockFile }),
        onLongWait: (holder) => reporter.emit({ type: "lock-wait", holder, long: true, lockFile }),
      });
  if (lock !== undefined && !lock.ok) {
    if (lock.error.reason === "interrupted") return 130;
    output.error(lockErrorText(lock.error, "run", project.root));
    return 1;
  }
  let executor: StageExecutor | undefined;
  try {
    const chosen = command.dryRun ? undefined : await openExecutor(project.pipeline, project.dagDir, command.executor);
    if (chosen !== undefined && !chosen.ok) {
      output.error(`dag: ${chosen.error}`);
      return 2;
    }
    executor = chosen?.value;
    if (lock !== undefined) await repairStore(project);
    const hooks = remoteSpec === undefined || command.dryRun ? undefined : await runThrough(project, await openRemote(remoteSpec.value), remoteSpec.value, through, reporter.emit);
    const summary = await executeRun(
      project,
      { stages: selected.value, force: forcedStages(project.pipeline, selected.value, [...command.targets, ...(command.until === undefined ? [] : [command.until])], command.force), dryRun: command.dryRun, jobs: command.jobs, signal, ...(executor === undefined ? {} : { executor }), ...hooks },
      reporter.emit,
    );
    await reporter.finish();
    if (hooks !== undefined && through.push && remoteSpec?.ok) output.out(pushedText(hooks.pushed, remoteSpec.value));
    if (!command.dryRun) {
      const locked = await refreshLock(opened);
      if (!locked.ok) output.error(`warning: ${locked.error}`);
    }
    if (summary.interrupted) return 130;
    return summary.failed > 0 ? 1 : 0;
  } finally {
    await executor?.close();
    if (lock?.ok) await lock.value.release();
  }
}
