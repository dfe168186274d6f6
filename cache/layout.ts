// Where the cache keeps things: the paths below `<project>/.dag/`.
import path from "node:path";
import type { StageKey } from "./digest.js";

/** The folders and files of one project's cache (all absolute). */
export interface CacheLayout {
  /** `<root>/.dag`: everything the cache owns. */
  readonly dagDir: string;
  /** `.dag/entries/<stage>/<key>/`: one folder per entry ever committed. */
  readonly entriesDir: string;
  /** `.dag/tmp/<stage>-<key>-<random>/`: entries being written by a running stage. */
  readonly tmpDir: string;
  /** `.dag/logs/<stage>-<timestamp>.log`: logs of failed runs (a committed entry keeps its own). */
  readonly logsDir: string;
  /** `.dag/corrupt/`: entries that failed verification, moved aside for inspection. */
  readonly corruptDir: string;
  /** `.dag/lock`: held by the process that runs stages. */
  readonly lockFile: string;
  /** `.dag/stat-cache.json`: file stat → content hash, so unchanged files are not re-read. */
  readonly statCacheFile: string;
}

/** The longest stage name the store takes: with a key and a suffix it must stay one path component (at most 255 bytes). */
export const MAX_STAGE_NAME = 100;

const STAGE_NAME = new RegExp(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,${MAX_STAGE_NAME - 1}}$`);

/** True when `stage` is usable as a path component by the cache: 1–100 of `A–Z a–z 0–9 . _ -`, no leading dot. */
export function isValidStageName(stage: string): boolean {
  return STAGE_NAME.test(stage);
}

/** Throws when a stage name would escape its folder: the runner validates names before they get here. */
export function assertStageName(stage: string): void {
  if (!isValidStageName(stage)) {
    throw new RangeError(`invalid stage name for the cache: ${JSON.stringify(stage)} (allowed: A-Z a-z 0-9 . _ -, no leading dot)`);
  }
}

const LINK_NAME = /^[A-Za-z0-9_][A-Za-z0-9._=,@%~+-]{0,199}$/;

/**
 * True when `name` is usable as the name of an `artifacts/` link: a stage name, or a stage
 * variant's name such as `ridge@alpha=0.01` (also `= , @ % ~ +`; at most 200 characters).
 */
export function isValidLinkName(name: string): boolean {
  return LINK_NAME.test(name);
}

/** Throws when a link name would escape its folder: the runner makes names safe before they get here. */
export function assertLinkName(name: string): void {
  if (!isValidLinkName(name)) {
    throw new RangeError(`invalid artifact link name: ${JSON.stringify(name)} (allowed: A-Z a-z 0-9 . _ - = , @ % ~ +, no leading dot)`);
  }
}

/** The cache layout below `dagDir` (normally `<project>/.dag`). */
export function cacheLayout(dagDirPath: string): CacheLayout {
  const dagDir = path.resolve(dagDirPath);
  return {
    dagDir,
    entriesDir: path.join(dagDir, "entries"),
    tmpDir: path.join(dagDir, "tmp"),
    logsDir: path.join(dagDir, "logs"),
    corruptDir: path.join(dagDir, "corrupt"),
    lockFile: path.join(dagDir, "lock"),
    statCacheFile: path.join(dagDir, "stat-cache.json"),
  };
}

/** `.dag/entries/<stage>/<key>`. */
export function entryDirOf(layout: CacheLayout, stage: string, key: StageKey): string {
  assertStageName(stage);
  return path.join(layout.entriesDir, stage, key);
}

/** A compact UTC timestamp usable in file names: `2024-05-01T12-30-45.123Z`. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/:/g, "-");
}
