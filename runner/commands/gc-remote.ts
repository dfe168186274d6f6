// `dag gc --remote`: removes from a remote what this checkout no longer reaches — by the rules of local gc (resolved or linked), and the lock's entries too.
import path from "node:path";
import { openRemote } from "../../remote/open-remote.js";
import { describeRemote } from "../../remote/remote-spec.js";
import { allLinks } from "../artifact-links.js";
import type { Command } from "../cli-args.js";
import { resolvePipeline } from "../dag-walk.js";
import { topoOrder } from "../graph.js";
import { lockFileOf, readLock } from "../pipeline-lock.js";
import { withPipeline, type Project } from "../project.js";
import type { Output } from "../reporters/output.js";
import { remoteErrorText } from "../reporters/remote-text.js";
import { remoteGcText } from "../reporters/remote-gc-text.js";
import { chooseRemote } from "../sync/choose-remote.js";
import { applyRemoteGc, planRemoteGc } from "../sync/remote-gc.js";
import { expandSweep } from "../sweep.js";

export async function remoteGcCommand(opened: Project, command: Extract<Command, { name: "gc" }>, output: Output): Promise<number> {
  const spec = chooseRemote(opened.pipeline.remotes, command.remote === "" ? undefined : command.remote);
  if (!spec.ok) {
    output.error(`dag gc: ${spec.error}`);
    return 2;
  }
  const project = withPipeline(opened, expandSweep(opened.pipeline));
  const keep = new Set<string>();
  for (const r of (await resolvePipeline(project, topoOrder(project.pipeline))).values()) if (r.key !== undefined) keep.add(`${r.spec.base}\0${r.key}`);
  for (const link of await allLinks(project.root)) keep.add(`${link.target.stage}\0${link.target.key}`);
  const lock = await readLock(lockFileOf(project.pipeline.file));
  for (const row of Object.values(lock?.stages ?? {})) keep.add(`${row.stage}\0${row.key}`);
  const remote = await openRemote(spec.value);
  const plan = await planRemoteGc(remote, keep);
  if (!plan.ok) {
    output.error(`dag gc: ${remoteErrorText(plan.error, spec.value)}`);
    return 1;
  }
  if (!command.dryRun) {
    const applied = await applyRemoteGc(remote, plan.value);
    if (!applied.ok) {
      output.error(`dag gc: ${remoteErrorText(applied.error, spec.value)}`);
      return 1;
    }
  }
  output.out(remoteGcText(plan.value, command.dryRun, describeRemote(spec.value), path.relative(project.root, lockFileOf(project.pipeline.file))));
  return 0;
}
