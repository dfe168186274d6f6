// The folders one entry may occupy: `<key>`, and `<key>~<n>` for the copy a forced re-run wrote beside it before the old one went.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { parseStageKey, type StageKey } from "./digest.js";
import { assertStageName, type CacheLayout } from "./layout.js";

/**
 * One folder of an entry. A forced re-run writes its copy as the next generation beside the old
 * one (a folder cannot be renamed over a full one), so at every instant one complete copy exists;
 * the newest generation is the entry, older ones are superseded and removed once nothing links them.
 */
export interface EntryFolder {
  readonly stage: string;
  readonly key: StageKey;
  /** 1 for `<key>`, n for `<key>~<n>`. */
  readonly generation: number;
  /** `.dag/entries/<stage>/<folder>` (absolute). */
  readonly dir: string;
}

const GENERATION = /^(.+)~([1-9][0-9]{0,8})$/;

/** The folder name of generation `generation` of `key`. */
export function folderName(key: StageKey, generation: number): string {
  return generation === 1 ? key : `${key}~${generation}`;
}

/** The key and generation a folder name stands for; undefined for names that are not entry folders. */
export function parseFolderName(name: string): { key: StageKey; generation: number } | undefined {
  const match = GENERATION.exec(name);
  const parsed = parseStageKey(match === null ? name : (match[1] as string));
  if (!parsed.ok) return undefined;
  const generation = match === null ? 1 : Number(match[2]);
  return generation >= 2 || match === null ? { key: parsed.value, generation } : undefined;
}

/** Every entry folder of `stage` (newest generation first within a key), or of `key` alone. */
export async function entryFoldersOf(layout: CacheLayout, stage: string, key?: StageKey): Promise<EntryFolder[]> {
  assertStageName(stage);
  const stageDir = path.join(layout.entriesDir, stage);
  let names: string[];
  try {
    names = await readdir(stageDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
  const folders: EntryFolder[] = [];
  for (const name of names) {
    const parsed = parseFolderName(name);
    if (parsed === undefined || (key !== undefined && parsed.key !== key)) continue;
    folders.push({ stage, key: parsed.key, generation: parsed.generation, dir: path.join(stageDir, name) });
  }
  return folders.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : b.generation - a.generation));
}
