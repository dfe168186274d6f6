// `dag push`: uploads the entries the pipeline resolves to (or its sweep's, or every local one) to a remote, skipping what it has.
import { openRemote } from "../../remote/open-remote.js";
import { describeRemote } from "../../remote/remote-spec.js";
import type { Command } from "../cli-args.js";
import { selectStages } from "../graph.js";
import { withPipeline, type Project } from "../project.js";
import type { Output } from "../reporters/output.js";
import { remoteErrorText } from "../reporters/remote-text.js";
import { TransferReporter } from "../reporters/transfer-report.js";
import { unknownStageText } from "../reporters/unknown-stage.js";
import { chooseRemote } from "../sync/choose-remote.js";
import { pushEntries, resolvedEntries } from "../sync/push-entries.js";
import { expandSweep } from "../sweep.js";
import type { CacheEntry } from "../../cache/cache-entry.js";

export async function pushCommand(opened: Project, command: Extract<Command, { name: "push" }>, output: Output): Promise<number> {
  const spec = chooseRemote(opened.pipeline.remotes, command.remote);
  if (!spec.ok) {
    output.error(`dag push: ${spec.error}`);
    return 2;
  }
  const project = withPipeline(opened, command.sweep || command.all ? expandSweep(opened.pipeline) : opened.pipeline);
  const selected = selectStages(project.pipeline, { targets: [...command.targets] });
  if (!selected.ok) {
    output.error(unknownStageText(selected.error));
    return 2;
  }
  const remote = await openRemote(spec.value);
  const reachable = await remote.check();
  if (!reachable.ok) {
    output.error(`dag push: ${remoteErrorText(reachable.error, spec.value)}`);
    return 1;
  }
  const reporter = new TransferReporter({ tty: output.isTTY, out: output.stdout });
  let entries: CacheEntry[];
  if (command.all) {
    const wanted = new Set(selected.value.map((name) => project.pipeline.stages.get(name)?.base));
    entries = [];
    for (const listed of await project.store.list()) {
      if (command.targets.length > 0 && !wanted.has(listed.stage)) continue;
      const verified = await project.store.inspect(listed.stage, listed.key);
      if (verified.ok) entries.push(verified.value);
      else reporter.emit({ type: "entry-unavailable", stage: listed.stage, why: `entry ${listed.key.slice(0, 10)} is damaged here; not pushed` });
    }
  } else {
    entries = await resolvedEntries(project, selected.value, reporter.emit);
  }
  const summary = await pushEntries(project, remote, entries, describeRemote(spec.value), reporter.emit);
  if (summary.fatal !== undefined) {
    output.error(`dag push: ${remoteErrorText(summary.fatal, spec.value)}`);
    return 1;
  }
  return summary.failed > 0 ? 1 : 0;
}
