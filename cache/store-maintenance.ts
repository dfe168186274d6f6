// Upkeep of the store under the run lock: sweeping what dead runs left, removing entries and superseded copies, sizing entries.
import { randomBytes } from "node:crypto";
import { lstat, mkdir, rename, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { isAtomicTempName } from "./atomic-write.js";
import type { CacheEntry } from "./cache-entry.js";
import type { StageKey } from "./digest.js";
import { entryFoldersOf, type EntryFolder } from "./entry-folders.js";
import { checkedKey, listTreeNoFollow, namesIn, type CacheStore } from "./store.js";

/** A temporary file of an atomic write this old was left by a crash (a live writer renames it within ms). */
const STRAY_TEMP_AGE_MS = 60_000;

/**
 * Removes what dead runs left behind: every folder in `.dag/tmp/` that is not an open pending
 * entry of `store`, and temporary files of atomic writes older than a minute. Call it under the
 * run lock (another live run's pending entries would be removed too). Returns the removed paths.
 */
export async function sweepTmp(store: CacheStore): Promise<string[]> {
  const { layout, statCache } = store;
  const removed: string[] = [];
  for (const name of await namesIn(layout.tmpDir)) {
    const dir = path.join(layout.tmpDir, name);
    if (store.isOpen(dir)) continue;
    statCache.forget(dir);
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  removed.push(...(await sweepStrayTemps(layout.dagDir)));
  return removed;
}

/**
 * Removes the temporary files of atomic writes in `folder` that a crash left: those older than a
 * minute, or all of them with `ageMs` 0 (a folder only the lock holder writes). Returns their paths.
 */
export async function sweepStrayTemps(folder: string, ageMs = STRAY_TEMP_AGE_MS): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await namesIn(folder)) {
    const file = path.join(folder, name);
    if (!isAtomicTempName(name) || (ageMs > 0 && !(await olderThan(file, ageMs)))) continue;
    await rm(file, { force: true });
    removed.push(file);
  }
  return removed;
}

/** Entries with more than one copy (a forced re-run was interrupted before the old copy went): every copy but the newest. */
export async function supersededCopies(store: CacheStore): Promise<EntryFolder[]> {
  const superseded: EntryFolder[] = [];
  for (const stage of await namesIn(store.layout.entriesDir)) {
    let folders: EntryFolder[];
    try {
      folders = await entryFoldersOf(store.layout, stage);
    } catch {
      continue;
    }
    const newest = new Set<string>();
    for (const folder of folders) {
      if (newest.has(folder.key)) superseded.push(folder);
      else newest.add(folder.key);
    }
  }
  return superseded;
}

/**
 * Deletes entry folders: each is first renamed into `.dag/tmp/` (so it vanishes from the store in
 * one step and a crash mid-delete leaves no half entry), then removed. Under the run lock, never
 * while something links them.
 */
export async function removeFolders(store: CacheStore, folders: readonly EntryFolder[]): Promise<number> {
  let removed = 0;
  for (const folder of folders) {
    const doomed = path.join(store.layout.tmpDir, `removed-${folder.stage}-${path.basename(folder.dir)}-${randomBytes(6).toString("hex")}`);
    await mkdir(store.layout.tmpDir, { recursive: true });
    try {
      await rename(folder.dir, doomed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    store.statCache.forget(folder.dir);
    await rm(doomed, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/**
 * Deletes the entry of `stage` for `key`, every copy of it, and its stage folder when that is left
 * empty. Returns false when there was no such entry. Run it under the run lock, never while a run
 * may read the entry.
 */
export async function removeEntry(store: CacheStore, stage: string, key: StageKey): Promise<boolean> {
  const removed = await removeFolders(store, await entryFoldersOf(store.layout, stage, checkedKey(key)));
  try {
    await rmdir(path.join(store.layout.entriesDir, stage));
  } catch {
    // The stage has other entries (or the folder is already gone).
  }
  return removed > 0;
}

/** Bytes on disk of an entry: every file below its folder (outputs, manifest, log), links not followed. */
export async function entrySize(entry: CacheEntry): Promise<number> {
  let bytes = 0;
  for (const node of await listTreeNoFollow(entry.dir)) {
    if (node.kind === "dir") continue;
    try {
      bytes += (await lstat(path.join(entry.dir, ...node.relPath.split("/")))).size;
    } catch {
      // Gone since the listing: it frees nothing.
    }
  }
  return bytes;
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await lstat(file)).mtimeMs > ms;
  } catch {
    return false;
  }
}
