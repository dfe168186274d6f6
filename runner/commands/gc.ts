// `dag gc`: under the project lock, removes the cache entries today's pipeline and sweep no longer reach (a dry run only reads).
import { acquireLock } from "../../cache/lock.js";
import { entrySize, removeEntry } from "../../cache/store-maintenance.js";
import path from "node:path";
import { allLinks, removeLinkAt } from "../artifact-links.js";
import type { Command } from "../cli-args.js";
import { damageNotes, resolvePipeline } from "../dag-walk.js";
import { entryId, planGc, type SizedEntry } from "../gc-plan.js";
import { topoOrder } from "../graph.js";
import { withPipeline, type Project } from "../project.js";
import { lockErrorText } from "../reporters/lock-text.js";
import type { Output } from "../reporters/output.js";
import { gcText, gcWaitText } from "../reporters/gc-report.js";
import { buildCatalog } from "../catalog.js";
import { repairStore } from "../store-repair.js";
import { expandSweep } from "../sweep.js";
import { remoteGcCommand } from "./gc-remote.js";

export async function gcCommand(opened: Project, command: Extract<Command, { name: "gc" }>, output: Output, signal: AbortSignal): Promise<number> {
  if (command.remote !== undefined) return remoteGcCommand(opened, command, output);
  const project = withPipeline(opened, expandSweep(opened.pipeline));
  const lock = command.dryRun
    ? undefined
    : await acquireLock(project.dagDir, {
        wait: command.wait,
        command: "dag gc",
        signal,
        onWait: (holder) => output.out(gcWaitText(holder, false, project.store.layout.lockFile)),
        onLongWait: (holder) => output.out(gcWaitText(holder, true, project.store.layout.lockFile)),
      });
  if (lock !== undefined && !lock.ok) {
    if (lock.error.reason === "interrupted") return 130;
    output.error(lockErrorText(lock.error, "gc", project.root));
    return 1;
  }
  try {
    if (lock !== undefined) await repairStore(project);
    const stages = topoOrder(project.pipeline);
    const resolved = await resolvePipeline(project, stages);
    for (const note of damageNotes(resolved.values())) output.error(`warning: ${note}`);
    const resolvedIds = new Set([...resolved.values()].flatMap((r) => (r.entry === undefined ? [] : [entryId(r.entry)])));
    // What links show stays: those of today's stages and variants, and every other pipeline file's (its results are not ours to
    // drop). This file's links of variants it no longer has protect nothing, and go with their entries.
    const artifacts = new Set(stages.map((name) => path.join(project.links.dir, project.pipeline.stages.get(name)?.artifact ?? name)));
    const links = await allLinks(project.root);
    const ours = (link: (typeof links)[number]): boolean => path.dirname(link.path) === project.links.dir;
    const protecting = links.filter((link) => !ours(link) || artifacts.has(link.path));
    const linked = new Set(protecting.map((link) => `${link.target.stage}\0${link.target.key}`));
    const all = await project.store.list();
    const sized: SizedEntry[] = await Promise.all(all.map(async (entry) => ({ entry, bytes: await entrySize(entry) })));
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
        await removeEntry(project.store, entry.stage, entry.key);
        removed.add(entryId(entry));
      }
      // A link left pointing at a removed entry would dangle: it goes too.
      for (const link of links) if (removed.has(`${link.target.stage}\0${link.target.key}`)) await removeLinkAt(link.path);
      const saved = await project.stats.save();
      if (!saved.ok) output.error(`warning: the stat cache was not saved (${saved.error.detail})`);
    }
    output.out(gcText(plan, command.dryRun, (stage, key) => described.get(`${stage}\0${key}`) ?? {}, Date.now(), command.maxSize));
    return 0;
  } finally {
    if (lock?.ok) await lock.value.release();
  }
}
