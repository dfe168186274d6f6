// `dag pull`: under the project lock, downloads from a remote the entries the pipeline resolves to and this machine lacks, each verified before it becomes a local entry.
import { acquireLock } from "../../cache/lock.js";
import { describeRemote } from "../../remote/remote-spec.js";
import type { Command } from "../cli-args.js";
import { setUpTransfer } from "./transfer-setup.js";
import type { Project } from "../project.js";
import { lockErrorText, lockWaitText } from "../reporters/lock-text.js";
import type { Output } from "../reporters/output.js";
import { remoteErrorText } from "../reporters/remote-text.js";
import { TransferReporter } from "../reporters/transfer-report.js";
import { repairStore } from "../store-repair.js";
import { pullAll, pullStages } from "../sync/pull-entries.js";

export async function pullCommand(opened: Project, command: Extract<Command, { name: "pull" }>, output: Output, signal: AbortSignal): Promise<number> {
  const setup = await setUpTransfer("pull", opened, command, output);
  if (typeof setup === "number") return setup;
  const { spec, project, stages, remote } = setup;
  const lockFile = project.store.layout.lockFile;
  const lock = await acquireLock(project.dagDir, {
    wait: command.wait,
    command: "dag pull",
    signal,
    onWait: (holder) => output.out(lockWaitText(holder, false, lockFile, "run")),
    onLongWait: (holder) => output.out(lockWaitText(holder, true, lockFile, "run")),
  });
  if (!lock.ok) {
    if (lock.error.reason === "interrupted") return 130;
    output.error(lockErrorText(lock.error, "run", project.root));
    return 1;
  }
  try {
    await repairStore(project);
    const reporter = new TransferReporter({ tty: output.isTTY, out: output.stdout });
    const shown = describeRemote(spec);
    // Ctrl-C stops after the entry being downloaded (each is committed whole or not at all).
    const summary = command.all ? await pullAll(project, remote, shown, reporter.emit, signal) : await pullStages(project, remote, stages, shown, reporter.emit, signal);
    const saved = await project.stats.save();
    if (!saved.ok) output.error(`warning: the stat cache was not saved (${saved.error.detail})`);
    if (summary.fatal !== undefined) {
      output.error(`dag pull: ${remoteErrorText(summary.fatal, spec)}`);
      return 1;
    }
    if (signal.aborted) return 130;
    return summary.failed > 0 ? 1 : 0;
  } finally {
    await lock.value.release();
  }
}
