// `dag gc`: under the project lock, removes the cache entries today's pipeline and sweep no longer reach.
import { acquireLock } from "../../cache/lock.js";
import type { Command } from "../cli-args.js";
import { entryId, planGc, type SizedEntry } from "../gc-plan.js";
import { topoOrder } from "../graph.js";
import { withPipeline, type Project } from "../project.js";
import type { Output } from "../reporters/output.js";
import { gcText, gcWaitText } from "../reporters/gc-report.js";
import { resolvePipeline } from "../resolve-pipeline.js";
import { buildCatalog } from "../run-catalog.js";
import { expandSweep } from "../sweep.js";

export async function gcCommand(opened: Project, command: Extract<Command, { name: "gc" }>, output: Output): Promise<number> {
  const project = withPipeline(opened, expandSweep(opened.pipeline));
  const lock = command.dryRun
    ? undefined
    : await acquireLock(project.dagDir, { wait: command.wait, command: "dag gc", onWait: (holder) => output.out(gcWaitText(holder.pid, holder.startedAt)) });
  if (lock !== undefined && !lock.ok) {
    output.error(`a dag run (pid ${lock.error.holder.pid}, since ${lock.error.holder.startedAt}) holds this project; wait for it or run without --no-wait`);
    return 1;
  }
  try {
    if (lock !== undefined) await project.store.sweepTmp();
    const stages = topoOrder(project.pipeline);
    const resolved = await resolvePipeline(project, stages);
    const resolvedIds = new Set([...resolved.values()].flatMap((r) => (r.entry === undefined ? [] : [entryId(r.entry)])));
    const links = new Map<string, string>();
    for (const name of stages) {
      const spec = project.pipeline.stages.get(name);
      if (spec !== undefined) links.set(spec.artifact, spec.base);
    }
    const currents = await project.store.currentKeys();
    const linked = new Set<string>();
    for (const [link, key] of currents) {
      const base = links.get(link);
      if (base !== undefined) linked.add(`${base}\0${key}`);
    }
    const all = await project.store.list();
    const sized: SizedEntry[] = await Promise.all(all.map(async (entry) => ({ entry, bytes: await project.store.entrySize(entry) })));
    const plan = planGc(sized, {
      resolved: resolvedIds,
      linked,
      keepLast: command.keepLast,
      olderThan: command.olderThan,
      maxSize: command.maxSize,
      now: Date.now(),
    });
    const catalogs = buildCatalog([...new Set(all.map((e) => e.stage))], all, resolved);
    const described = new Map<string, Record<string, unknown>>();
    for (const catalog of catalogs) {
      for (const row of catalog.rows) described.set(entryId(row.entry), Object.fromEntries(catalog.differing.map((name) => [name, row.params[name]])));
    }
    if (!command.dryRun) {
      const removed = new Set<string>();
      for (const { entry } of plan.remove) {
        await project.store.remove(entry.stage, entry.key);
        removed.add(entryId(entry));
      }
      // A link left pointing at a removed entry would dangle: forget it.
      for (const [link, key] of currents) {
        const base = links.get(link) ?? link.split("@")[0] ?? link;
        if (removed.has(`${base}\0${key}`)) await project.store.clearCurrent(project.root, link);
      }
      await project.stats.save();
    }
    output.out(gcText(plan, command.dryRun, (stage, key) => described.get(`${stage}\0${key}`) ?? {}));
    return 0;
  } finally {
    if (lock?.ok) await lock.value.release();
  }
}
