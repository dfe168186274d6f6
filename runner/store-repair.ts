// Repairs under the run lock: what a killed run left (pending folders, an old copy beside a forced re-run's new one) goes, links first re-pointed.
import type { CacheEntry } from "../cache/cache-entry.js";
import type { EntryFolder } from "../cache/entry-folders.js";
import { ok, type Result } from "../cache/result.js";
import { removeFolders, supersededCopies, sweepStrayTemps, sweepTmp } from "../cache/store-maintenance.js";
import { allLinks, linkAt, linkFolders, type LinkError } from "./artifact-links.js";
import type { Project } from "./project.js";

/**
 * Removes the copies `superseded` of `entry`'s key once no link shows them: every link (of any
 * pipeline file) into one of them is first re-pointed at `entry`, atomically, so at no instant does
 * a link dangle. A link that cannot be re-pointed keeps its copy (an error, for a warning).
 */
export async function retireCopies(project: Project, entry: CacheEntry, superseded: readonly EntryFolder[]): Promise<Result<void, LinkError>> {
  if (superseded.length === 0) return ok(undefined);
  const doomed = new Set(superseded.map((folder) => folder.dir));
  for (const link of await allLinks(project.root)) {
    if (!doomed.has(link.target.entryDir)) continue;
    const moved = await linkAt(project.root, link.path, entry);
    if (!moved.ok) return moved;
  }
  await removeFolders(project.store, superseded);
  return ok(undefined);
}

/**
 * What a run does first, under the lock: sweeps `.dag/tmp/` (pending folders of dead runs) and
 * temporary links a crash left in `artifacts/`, and
 * settles each entry that a killed forced re-run left with two copies on its newest complete copy
 * (links moved over, then the others removed).
 */
export async function repairStore(project: Project): Promise<void> {
  await sweepTmp(project.store);
  // Links are written under the lock alone: any temporary link is a killed run's, however young.
  for (const folder of await linkFolders(project.root)) await sweepStrayTemps(folder, 0);
  const byEntry = new Map<string, EntryFolder[]>();
  for (const folder of await supersededCopies(project.store)) {
    const id = `${folder.stage}\0${folder.key}`;
    byEntry.set(id, [...(byEntry.get(id) ?? []), folder]);
  }
  for (const folders of byEntry.values()) {
    const first = folders[0] as EntryFolder;
    const found = await project.store.lookup(first.stage, first.key);
    if (!found.ok) continue;
    await retireCopies(project, found.value, folders.filter((folder) => folder.dir !== found.value.dir));
  }
}
