// `dag status`: which stages are cached, stale (and why) or never run; reads no unchanged file.
import path from "node:path";
import type { Command } from "../cli-args.js";
import { resolvePipeline } from "../dag-walk.js";
import { lockDrift } from "../lock-drift.js";
import { openRemote } from "../../remote/open-remote.js";
import { remoteErrorText } from "../reporters/remote-text.js";
import { chooseRemote } from "../sync/choose-remote.js";
import { inRemote } from "../sync/remote-presence.js";
import { lockFileOf, readLock } from "../pipeline-lock.js";
import { selectStages, topoOrder } from "../graph.js";
import { withPipeline, type Project } from "../project.js";
import { expandSweep } from "../sweep.js";
import { outputWidth } from "../reporters/fit-width.js";
import { paramsText } from "../reporters/params-report.js";
import { statusJson, statusTable } from "../reporters/status-report.js";
import { stageStates } from "../stage-states.js";
import type { Output } from "../reporters/output.js";
import { unknownStageText } from "../reporters/unknown-stage.js";
import { liveJobsText } from "../reporters/cluster-job-text.js";
import { liveLeases } from "../executors/run-lease.js";

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
  let states = await stageStates(project, selected.value);
  const leases = await liveLeases(project.dagDir);
  const jobs = leases.flatMap((lease) => lease.jobs.map((job) => ({ ...job, runner: { pid: lease.pid, host: lease.host } })));
  const lockFile = lockFileOf(project.pipeline.file);
  const lock = await readLock(lockFile);
  const everything = topoOrder(project.pipeline);
  const resolved = lock !== undefined || project.pipeline.remotes?.default !== undefined ? await resolvePipeline(project, everything) : new Map();
  const warnings: string[] = [];
  const spec = project.pipeline.remotes?.default === undefined ? undefined : chooseRemote(project.pipeline.remotes, undefined);
  if (spec?.ok && states.some((s) => s.state !== "cached")) {
    const there = await inRemote(await openRemote(spec.value), selected.value, resolved, lock);
    if (there.ok) {
      states = states.map((s) => {
        const key = there.value.get(s.name);
        if (key === undefined) return s;
        // Upstream stages the remote holds too are no reason; the lock knows the metrics of the entry it names.
        const reasons = [`remote ${spec.value.name} has ${key.slice(0, 10)}: dag pull fetches it`, ...s.reasons.filter((r) => !/^upstream .* is not run yet$/.test(r))];
        const locked = lock?.stages[s.name];
        return { ...s, state: "in remote", reasons, metrics: locked?.key === key && Object.keys(s.metrics).length === 0 ? locked.metrics : s.metrics };
      });
    } else {
      warnings.push(`${remoteErrorText(there.error, spec.value)}; entries in the remote are not shown`);
    }
  }
  output.out(command.json ? statusJson(states, jobs) + "\n" : statusTable(states, project.links.shown, outputWidth(output.stdout, command.wide)));
  if (!command.json) {
    const text = liveJobsText(leases);
    if (text !== "") output.out(text);
  }
  if (lock !== undefined) warnings.push(...lockDrift(lock, resolved, path.relative(project.root, lockFile)));
  for (const note of warnings) output.error(`warning: ${note}`);
  return 0;
}
