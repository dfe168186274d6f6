// The life of an entry in .dag/: look it up (repairing, or read-only), begin a run, commit it atomically, discard it, list entries.
import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { chmod, link, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { damage as damageOf, entryAt, outputPathProblem, parseManifest, readEntry, verifyEntry, type CacheEntry, type Manifest, type OutputRecord } from "./cache-entry.js";
import { parseStageKey, type StageKey } from "./digest.js";
import { entryFoldersOf, folderName, type EntryFolder } from "./entry-folders.js";
import { assertStageName, cacheLayout, fileTimestamp, isValidStageName, type CacheLayout } from "./layout.js";
import { err, ok, type Result } from "./result.js";
import type { StatCache } from "./stat-cache.js";
import { isWriteError, writeFailureOf, type WriteFailure } from "./write-failure.js";

/**
 * Why a look-up found no usable entry. A damaged one (`corrupt`) was moved to `.dag/corrupt/` by
 * `lookup` (movedTo), and left where it is by the read-only `inspect` (movedTo undefined).
 */
export type CacheMiss =
  | { readonly reason: "absent" }
  | { readonly reason: "corrupt"; readonly dir: string; readonly summary: string; readonly detail: string; readonly movedTo: string | undefined };

/** A stage run in progress: it writes its outputs to outDir and its output stream to logFile. */
export interface PendingEntry {
  readonly stage: string;
  readonly key: StageKey;
  /** `.dag/tmp/<stage>-<key>-<random>` (absolute). */
  readonly dir: string;
  /** `<dir>/outs`: the folder the stage writes its declared outputs into. */
  readonly outDir: string;
  /** `<dir>/log.txt`: created empty; the runner appends the stage's stdout and stderr. */
  readonly logFile: string;
}

/** A committed entry, with what the commit noticed. */
export interface CommittedEntry extends CacheEntry {
  /** True when an identical entry was committed first (a concurrent run): it was kept, ours discarded. */
  readonly reused: boolean;
  /** Files the stage wrote into outs/ that no declared output covers (kept, but not verified). */
  readonly undeclared: readonly string[];
  /** Older copies of the same key this commit superseded (a forced re-run): remove them once nothing links them. */
  readonly superseded: readonly EntryFolder[];
}

/** Why a commit failed; the pending entry has been discarded and its log kept at logFile. */
export type CommitError =
  | { readonly reason: "missing-outputs"; readonly missing: readonly string[]; readonly logFile: string }
  | { readonly reason: "invalid-outputs"; readonly invalid: readonly { readonly output: string; readonly detail: string }[]; readonly logFile: string }
  | { readonly reason: "write-failed"; readonly failure: WriteFailure; readonly logFile: string };

type PendingState = { readonly state: "open" } | { readonly state: "committed" } | { readonly state: "discarded"; readonly logFile: string };

const COMMIT_RETRIES = 5;

/**
 * The cache of one project, in `<project>/.dag/`. Every entry ever committed is kept in
 * `.dag/entries/<stage>/<key>/` (`outs/`, `manifest.json`, `log.txt`). An entry appears in one
 * rename of a complete folder, so a crashed stage never leaves a half entry; a forced re-run's
 * copy appears beside the old one (`<key>~2`), which goes only afterwards. Methods that write
 * (lookup's repairs, begin, commit, discard, and store-maintenance.ts) run under the run lock
 * (lock.ts); `inspect` and `list` only read. Nothing is created on disk until something is written.
 */
export class CacheStore {
  readonly layout: CacheLayout;
  private readonly pending = new Map<string, PendingState>();

  constructor(
    /** `<project>/.dag`. */
    dagDir: string,
    /** Verifies outputs and remembers their hashes; the runner shares it and calls `save()` at the end of a run. */
    readonly statCache: StatCache,
  ) {
    this.layout = cacheLayout(dagDir);
  }

  /**
   * The entry of `stage` for `key`: its newest copy whose manifest parses and whose every output
   * still has its recorded size and hash (stat first; re-hashed only when the stat changed). A
   * damaged copy is moved aside to `.dag/corrupt/` so a re-run can commit a fresh one. Writes:
   * call it under the run lock; read-only commands call `inspect`.
   */
  async lookup(stage: string, key: StageKey): Promise<Result<CacheEntry, CacheMiss>> {
    return this.find(stage, key, true);
  }

  /** The same as `lookup`, changing nothing: a damaged copy is reported (movedTo undefined) and left where it is. */
  async inspect(stage: string, key: StageKey): Promise<Result<CacheEntry, CacheMiss>> {
    return this.find(stage, key, false);
  }

  /** Whether `dir` is a pending entry of this store still being written (sweeps leave those alone). */
  isOpen(dir: string): boolean {
    return this.pending.get(dir)?.state === "open";
  }

  /** Creates `.dag/tmp/<stage>-<key>-<random>/` with an empty `outs/` and `log.txt` for a stage run. */
  async begin(stage: string, key: StageKey): Promise<Result<PendingEntry, WriteFailure>> {
    assertStageName(stage);
    const dir = path.join(this.layout.tmpDir, `${stage}-${checkedKey(key)}-${randomBytes(6).toString("hex")}`);
    const outDir = path.join(dir, "outs");
    const logFile = path.join(dir, "log.txt");
    try {
      await mkdir(outDir, { recursive: true });
      await writeFile(logFile, "", { flag: "wx" });
    } catch (error) {
      if (!isWriteError(error)) throw error;
      await rm(dir, { recursive: true, force: true });
      return err(await writeFailureOf(dir, error));
    }
    this.pending.set(dir, { state: "open" });
    return ok({ stage, key, dir, outDir, logFile });
  }

  /**
   * Turns a finished stage run into an entry: checks every declared output exists (naming each
   * missing one), makes the files in outs/ read-only (0444), hashes the outputs, writes
   * manifest.json, and renames the folder into `.dag/entries/<stage>/`. If a complete copy of the
   * entry exists already (a concurrent identical run) it is kept and this one discarded, unless
   * `replace` is set (a forced re-run): then this one is published beside it as the newest
   * copy, and the older copies are returned as `superseded` for the caller to remove once its
   * links point at the new one. On failure (a full disk included) the pending entry is discarded
   * and the error carries the kept log's path; the store is as it was. `outputs` are the declared
   * outputs (relative paths inside outs/: files or folders); `record` is opaque JSON stored as
   * manifest.record (what went into the key, metrics, timings…).
   */
  async commit(
    pending: PendingEntry,
    outputs: readonly string[],
    record: unknown,
    options: { readonly replace?: boolean } = {},
  ): Promise<Result<CommittedEntry, CommitError>> {
    this.expectOpen(pending, "commit");
    try {
      return await this.commitOpen(pending, outputs, record, options.replace === true);
    } catch (error) {
      if (!isWriteError(error)) throw error;
      const failure = await writeFailureOf(pending.dir, error);
      return err({ reason: "write-failed", failure, logFile: await this.discard(pending) });
    }
  }

  /**
   * Drops a pending entry (a failed, killed or abandoned run): its log is first moved to
   * `.dag/logs/<stage>-<timestamp>.log`, whose path is returned so a failure message can name it
   * (an empty log is written there if the run left none). A log that cannot be moved (a full
   * disk) stays in the pending folder, which the next run's sweep removes. Idempotent: a second
   * call returns the same path. Throws if the entry was committed (its log is the entry's log.txt).
   */
  async discard(pending: PendingEntry): Promise<string> {
    const state = this.pending.get(pending.dir);
    if (state?.state === "discarded") return state.logFile;
    if (state?.state === "committed") throw new Error(`cannot discard ${pending.dir}: it was committed`);
    let logFile: string;
    try {
      logFile = await this.keepLog(pending);
    } catch (error) {
      if (!isWriteError(error)) throw error;
      this.pending.set(pending.dir, { state: "discarded", logFile: pending.logFile });
      return pending.logFile;
    }
    this.statCache.forget(pending.dir);
    await rm(pending.dir, { recursive: true, force: true });
    this.pending.set(pending.dir, { state: "discarded", logFile });
    return logFile;
  }

  /**
   * Every readable entry (of `stage`, or of all stages), oldest first by createdAt, each by its
   * newest copy. Reads only manifests: outputs are not verified, and entries whose manifest does
   * not parse are left out.
   */
  async list(stage?: string): Promise<CacheEntry[]> {
    const stages = stage === undefined ? (await namesIn(this.layout.entriesDir)).filter(isValidStageName) : [stage];
    const entries: CacheEntry[] = [];
    for (const name of stages) {
      const byKey = new Map<StageKey, EntryFolder[]>();
      for (const folder of await entryFoldersOf(this.layout, name)) byKey.set(folder.key, [...(byKey.get(folder.key) ?? []), folder]);
      const read = await Promise.all(
        [...byKey.values()].map(async (folders) => {
          for (const folder of folders) {
            try {
              const manifest = parseManifest(await readFile(path.join(folder.dir, "manifest.json"), "utf8"), { stage: name, key: folder.key });
              if (manifest.ok) return [entryAt(folder.dir, manifest.value)];
            } catch {
              // Unreadable: an older copy may do.
            }
          }
          return [];
        }),
      );
      entries.push(...read.flat());
    }
    return entries.sort((a, b) => compare(a.manifest.createdAt, b.manifest.createdAt) || compare(a.stage, b.stage) || compare(a.key, b.key));
  }

  private async find(stage: string, key: StageKey, repair: boolean): Promise<Result<CacheEntry, CacheMiss>> {
    const folders = await entryFoldersOf(this.layout, stage, checkedKey(key));
    let damage: CacheMiss | undefined;
    for (const folder of folders) {
      const entry = await readEntry(folder.dir, { stage, key });
      const verified = entry.ok ? await verifyEntry(entry.value, this.statCache) : err(damageOf(entry.error));
      if (entry.ok && verified.ok) return ok(entry.value);
      if (verified.ok) continue;
      const movedTo = repair ? await this.moveToCorrupt(folder.dir, stage, key) : undefined;
      damage ??= { reason: "corrupt", dir: folder.dir, summary: verified.error.summary, detail: verified.error.detail, movedTo };
    }
    return err(damage ?? { reason: "absent" });
  }

  private async commitOpen(pending: PendingEntry, outputs: readonly string[], record: unknown, replace: boolean): Promise<Result<CommittedEntry, CommitError>> {
    const invalid = outputs.flatMap((output) => {
      const detail = outputPathProblem(output);
      return detail === undefined ? [] : [{ output, detail }];
    });
    if (invalid.length > 0) return err({ reason: "invalid-outputs", invalid, logFile: await this.discard(pending) });
    const declared = [...new Set(outputs)].sort();

    const missing: string[] = [];
    for (const output of declared) {
      if (!(await exists(outputPath(pending.outDir, output)))) missing.push(output);
    }
    if (missing.length > 0) return err({ reason: "missing-outputs", missing, logFile: await this.discard(pending) });

    const tree = await listTreeNoFollow(pending.outDir);
    // Files already read-only keep their ctime, so a hash remembered for them (a verified download) still holds.
    await Promise.all(
      tree.filter((node) => node.kind === "file").map(async (node) => {
        const file = outputPath(pending.outDir, node.relPath);
        if (((await lstat(file)).mode & 0o777) !== 0o444) await chmod(file, 0o444);
      }),
    );
    const recorded: Record<string, OutputRecord> = {};
    const unreadable: { output: string; detail: string }[] = [];
    for (const output of declared) {
      const digest = await this.statCache.digestPath(outputPath(pending.outDir, output), { settled: true });
      if (digest.ok) recorded[output] = { hash: digest.value.hash, size: digest.value.size };
      else if (digest.error.reason === "missing") missing.push(output);
      else unreadable.push({ output, detail: digest.error.detail });
    }
    if (missing.length > 0) return err({ reason: "missing-outputs", missing, logFile: await this.discard(pending) });
    if (unreadable.length > 0) return err({ reason: "invalid-outputs", invalid: unreadable, logFile: await this.discard(pending) });

    const manifest: Manifest = { version: 1, stage: pending.stage, key: pending.key, createdAt: new Date().toISOString(), outputs: recorded, record };
    await writeFileAtomic(path.join(pending.dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    const undeclared = tree
      .filter((node) => node.kind !== "dir" && !declared.some((output) => node.relPath === output || node.relPath.startsWith(`${output}/`)))
      .map((node) => node.relPath);
    const published = await this.publish(pending, manifest, replace);
    return ok({ ...published.entry, reused: published.reused, undeclared, superseded: published.superseded });
  }

  /**
   * Renames the complete pending folder into the store as the entry's newest copy (`<key>`, or
   * `<key>~<n>` beside older ones). Without `replace`, a complete copy that is already there (a
   * concurrent identical run won) is kept and ours removed.
   */
  private async publish(pending: PendingEntry, manifest: Manifest, replace: boolean): Promise<{ entry: CacheEntry; reused: boolean; superseded: EntryFolder[] }> {
    const stageDir = path.join(this.layout.entriesDir, pending.stage);
    await mkdir(stageDir, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      const existing = await entryFoldersOf(this.layout, pending.stage, pending.key);
      if (!replace && existing.length > 0) {
        const found = await this.lookup(pending.stage, pending.key);
        if (found.ok) {
          this.statCache.forget(pending.dir);
          await rm(pending.dir, { recursive: true, force: true });
          this.pending.set(pending.dir, { state: "committed" });
          return { entry: found.value, reused: true, superseded: [] };
        }
      }
      // A plain commit takes the entry's first folder (a concurrent one then finds it and reuses it); a forced one the next copy.
      const generation = replace ? ((await entryFoldersOf(this.layout, pending.stage, pending.key))[0]?.generation ?? 0) + 1 : 1;
      const dir = path.join(stageDir, folderName(pending.key, generation));
      try {
        await rename(pending.dir, dir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== "ENOTEMPTY" && code !== "EEXIST") || attempt === COMMIT_RETRIES) throw error;
        continue;
      }
      this.statCache.move(pending.outDir, path.join(dir, "outs"));
      this.pending.set(pending.dir, { state: "committed" });
      const superseded = (await entryFoldersOf(this.layout, pending.stage, pending.key)).filter((folder) => folder.dir !== dir);
      return { entry: entryAt(dir, manifest), reused: false, superseded };
    }
  }

  private expectOpen(pending: PendingEntry, action: string): void {
    const state = this.pending.get(pending.dir);
    if (state?.state !== "open") {
      throw new Error(`cannot ${action} ${pending.dir}: it is ${state ? state.state : "not a pending entry of this store"}`);
    }
  }

  /** Moves the log of a pending entry to `.dag/logs/` with a hard link (no data is copied: it works on a full disk). */
  private async keepLog(pending: PendingEntry): Promise<string> {
    await mkdir(this.layout.logsDir, { recursive: true });
    const base = `${pending.stage}-${fileTimestamp(new Date())}`;
    const hasLog = await exists(pending.logFile);
    for (let suffix = 0; ; suffix++) {
      const target = path.join(this.layout.logsDir, suffix === 0 ? `${base}.log` : `${base}-${suffix}.log`);
      try {
        if (hasLog) await link(pending.logFile, target);
        else await writeFile(target, "", { flag: "wx" });
        return target;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
  }

  /** Moves a damaged entry folder to `.dag/corrupt/` for inspection; its path there, or undefined when it was gone. */
  private async moveToCorrupt(dir: string, stage: string, key: StageKey): Promise<string | undefined> {
    await mkdir(this.layout.corruptDir, { recursive: true });
    const target = path.join(this.layout.corruptDir, `${stage}-${key}-${fileTimestamp(new Date())}-${randomBytes(3).toString("hex")}`);
    try {
      await rename(dir, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    this.statCache.forget(dir);
    return target;
  }
}

/** A node below a folder, symbolic links not followed. */
export interface TreeNode {
  readonly relPath: string;
  readonly kind: "file" | "dir" | "other";
}

/** Every node below `root`, symbolic links listed but not followed. */
export async function listTreeNoFollow(root: string, relDir = ""): Promise<TreeNode[]> {
  const nodes: TreeNode[] = [];
  let dirents: Dirent[];
  try {
    dirents = await readdir(relDir === "" ? root : path.join(root, ...relDir.split("/")), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return nodes;
    throw error;
  }
  for (const dirent of dirents) {
    const relPath = relDir === "" ? dirent.name : `${relDir}/${dirent.name}`;
    if (dirent.isDirectory()) {
      nodes.push({ relPath, kind: "dir" }, ...(await listTreeNoFollow(root, relPath)));
    } else {
      nodes.push({ relPath, kind: dirent.isFile() ? "file" : "other" });
    }
  }
  return nodes;
}

/** The key, checked to be one path component the store can use; a bad one is a bug in the caller. */
export function checkedKey(key: StageKey): StageKey {
  const parsed = parseStageKey(key);
  if (!parsed.ok) throw new RangeError(`invalid stage key for the cache: ${JSON.stringify(key)} (${parsed.error.detail})`);
  return parsed.value;
}

function outputPath(outsDir: string, output: string): string {
  return path.join(outsDir, ...output.split("/"));
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return false;
    throw error;
  }
}

/** The names in `folder`, none when it does not exist. */
export async function namesIn(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
