// `dag push`: uploads the entries the pipeline resolves to (or its sweep's, or every local one) to a remote, skipping what it has.
import { describeRemote } from "../../remote/remote-spec.js";
import type { Command } from "../cli-args.js";
import { setUpTransfer } from "./transfer-setup.js";
import type { Project } from "../project.js";
import type { Output } from "../reporters/output.js";
import { remoteErrorText } from "../reporters/remote-text.js";
import { TransferReporter } from "../reporters/transfer-report.js";
import { pushEntries, resolvedEntries } from "../sync/push-entries.js";
import type { CacheEntry } from "../../cache/cache-entry.js";

export async function pushCommand(opened: Project, command: Extract<Command, { name: "push" }>, output: Output): Promise<number> {
  const setup = await setUpTransfer("push", opened, command, output);
  if (typeof setup === "number") return setup;
  const { spec, project, stages, remote } = setup;
  const reporter = new TransferReporter({ tty: output.isTTY, out: output.stdout });
  let entries: CacheEntry[];
  if (command.all) {
    const wanted = new Set(stages.map((name) => project.pipeline.stages.get(name)?.base));
    entries = [];
    for (const listed of await project.store.list()) {
      if (command.targets.length > 0 && !wanted.has(listed.stage)) continue;
      const verified = await project.store.inspect(listed.stage, listed.key);
      if (verified.ok) entries.push(verified.value);
      else reporter.emit({ type: "entry-unavailable", stage: listed.stage, why: `entry ${listed.key.slice(0, 10)} is damaged here; not pushed` });
    }
  } else {
    entries = await resolvedEntries(project, stages, reporter.emit);
  }
  const summary = await pushEntries(project, remote, entries, describeRemote(spec), reporter.emit);
  if (summary.fatal !== undefined) {
    output.error(`dag push: ${remoteErrorText(summary.fatal, spec)}`);
    return 1;
  }
  return summary.failed > 0 ? 1 : 0;
}
