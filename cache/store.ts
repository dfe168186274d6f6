// The content-addressed store in .dag/: look up, write (atomically), discard and list stage entries.
import { randomBytes } from "node:crypto";
import { constants, type Dirent } from "node:fs";
import { chmod, copyFile, lstat, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { linkArtifacts, readCurrentKey, readCurrentKeys, unlinkArtifacts, writeCurrentKey, type SetCurrentError } from "./artifact-links.js";
import { isAtomicTempName, writeFileAtomic } from "./atomic-write.js";
import { entryAt, outputPathProblem, parseManifest, readEntry, verifyEntry, type CacheEntry, type Manifest, type OutputRecord } from "./cache-entry.js";
import { parseStageKey, type StageKey } from "./digest.js";
import { assertStageName, cacheLayout, entryDirOf, fileTimestamp, isValidStageName, type CacheLayout } from "./layout.js";
import { err, ok, type Result } from "./result.js";
import type { StatCache } from "./stat-cache.js";

/** Why lookup found no usable entry. A corrupt entry has been moved to `.dag/corrupt/` (movedTo). */
export type CacheMiss =
  | { readonly reason: "absent" }
  | { readonly reason: "corrupt"; readonly detail: string; readonly movedTo: string | undefined };

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
}

/** Why a commit failed; the pending entry has been discarded and its log kept at logFile. */
export type CommitError =
  | { readonly reason: "missing-outputs"; readonly missing: readonly string[]; readonly logFile: string }
  | { readonly reason: "invalid-outputs"; readonly invalid: readonly { readonly output: string; readonly detail: string }[]; readonly logFile: string };

type PendingState = { readonly state: "open" } | { readonly state: "committed" } | { readonly state: "discarded"; readonly logFile: string };

const COMMIT_RETRIES = 3;
/** A temporary file of an atomic write this old was left by a crash (a live writer renames it within ms). */
const STRAY_TEMP_AGE_MS = 60_000;

/**
 * The cache of one project, in `<project>/.dag/`. Every entry ever committed is kept in
 * `.dag/entries/<stage>/<key>/` (`outs/`, `manifest.json`, `log.txt`). An entry appears in one
 * rename of a complete folder, so a crashed stage never leaves a half entry. Methods that write
 * (begin, commit, discard, sweepTmp, setCurrent, clearCurrent, remove) are meant to run under the run lock (lock.ts).
 * Nothing is created on disk until something is written.
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
   * The entry of `stage` for `key` after checking that its manifest parses and every output still
   * has its recorded size and hash (stat first; re-hashed only when the stat changed). A corrupt
   * entry is moved aside to `.dag/corrupt/` so a re-run can commit a fresh one.
   */
  async lookup(stage: string, key: StageKey): Promise<Result<CacheEntry, CacheMiss>> {
    const dir = entryDirOf(this.layout, stage, checkedKey(key));
    try {
      await lstat(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return err({ reason: "absent" });
      throw error;
    }
    const entry = await readEntry(dir, { stage, key });
    if (!entry.ok) return err({ reason: "corrupt", detail: entry.error, movedTo: await this.moveAside(dir, stage, key) });
    const verified = await verifyEntry(entry.value, this.statCache);
    if (!verified.ok) return err({ reason: "corrupt", detail: verified.error, movedTo: await this.moveAside(dir, stage, key) });
    return ok(entry.value);
  }

  /** Creates `.dag/tmp/<stage>-<key>-<random>/` with an empty `outs/` and `log.txt` for a stage run. */
  async begin(stage: string, key: StageKey): Promise<PendingEntry> {
    assertStageName(stage);
    const dir = path.join(this.layout.tmpDir, `${stage}-${checkedKey(key)}-${randomBytes(6).toString("hex")}`);
    const outDir = path.join(dir, "outs");
    const logFile = path.join(dir, "log.txt");
    await mkdir(outDir, { recursive: true });
    await writeFile(logFile, "", { flag: "wx" });
    this.pending.set(dir, { state: "open" });
    return { stage, key, dir, outDir, logFile };
  }

  /**
   * Turns a finished stage run into an entry: checks every declared output exists (naming each
   * missing one), makes the files in outs/ read-only (0444), hashes the outputs, writes
   * manifest.json, and renames the folder to `.dag/entries/<stage>/<key>`. If that entry already
   * exists (a concurrent identical run) it is kept and this one discarded, unless `replace` is set
   * (a forced re-run): then the new entry takes its place in two renames. On failure the pending
   * entry is discarded (see `discard`) and the error carries the kept log's path.
   * `outputs` are the declared outputs (relative paths inside outs/: files or folders); `record`
   * is opaque JSON stored as manifest.record (what went into the key, metrics, timings…).
   */
  async commit(
    pending: PendingEntry,
    outputs: readonly string[],
    record: unknown,
    options: { readonly replace?: boolean } = {},
  ): Promise<Result<CommittedEntry, CommitError>> {
    this.expectOpen(pending, "commit");
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
    await Promise.all(tree.filter((node) => node.kind === "file").map((node) => chmod(outputPath(pending.outDir, node.relPath), 0o444)));
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
    if (options.replace === true) await this.setAside(pending.stage, pending.key);
    const published = await this.publish(pending, manifest);
    return ok({ ...published.entry, reused: published.reused, undeclared });
  }

  /**
   * Drops a pending entry (a failed, killed or abandoned run): its log is first moved to
   * `.dag/logs/<stage>-<timestamp>.log`, whose path is returned so a failure message can name it
   * (an empty log is written there if the run left none). Idempotent: a second call returns the
   * same path. Throws if the entry was committed (its log is the entry's log.txt).
   */
  async discard(pending: PendingEntry): Promise<string> {
    const state = this.pending.get(pending.dir);
    if (state?.state === "discarded") return state.logFile;
    if (state?.state === "committed") throw new Error(`cannot discard ${pending.dir}: it was committed`);
    const logFile = await this.keepLog(pending);
    this.statCache.forget(pending.dir);
    await rm(pending.dir, { recursive: true, force: true });
    this.pending.set(pending.dir, { state: "discarded", logFile });
    return logFile;
  }

  /**
   * Removes what dead runs left behind: every folder in `.dag/tmp/` that is not an open pending
   * entry of this store, and temporary files of atomic writes older than a minute. Call it under the run lock
   * (another live run's pending entries would be removed too). Returns the removed paths.
   */
  async sweepTmp(): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await namesIn(this.layout.tmpDir)) {
      const dir = path.join(this.layout.tmpDir, name);
      if (this.pending.get(dir)?.state === "open") continue;
      this.statCache.forget(dir);
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
    for (const folder of [this.layout.dagDir, this.layout.currentDir]) {
      for (const name of await namesIn(folder)) {
        const file = path.join(folder, name);
        if (!isAtomicTempName(name) || !(await olderThan(file, STRAY_TEMP_AGE_MS))) continue;
        await rm(file, { force: true });
        removed.push(file);
      }
    }
    return removed;
  }

  /**
   * Every readable entry (of `stage`, or of all stages), oldest first by createdAt. Reads only
   * manifests: outputs are not verified, and entries whose manifest does not parse are left out.
   */
  async list(stage?: string): Promise<CacheEntry[]> {
    const stages = stage === undefined ? (await namesIn(this.layout.entriesDir)).filter(isValidStageName) : [stage];
    const entries: CacheEntry[] = [];
    for (const name of stages) {
      const stageDir = path.join(this.layout.entriesDir, name);
      const keys = (await namesIn(stageDir)).flatMap((key) => {
        const parsed = parseStageKey(key);
        return parsed.ok ? [parsed.value] : [];
      });
      const read = await Promise.all(
        keys.map(async (key) => {
          const dir = path.join(stageDir, key);
          try {
            const manifest = parseManifest(await readFile(path.join(dir, "manifest.json"), "utf8"), { stage: name, key });
            return manifest.ok ? [entryAt(dir, manifest.value)] : [];
          } catch {
            return [];
          }
        }),
      );
      entries.push(...read.flat());
    }
    return entries.sort((a, b) => compare(a.manifest.createdAt, b.manifest.createdAt) || compare(a.stage, b.stage) || compare(a.key, b.key));
  }

  /**
   * Makes `entry` the current entry of `stage` under link name `link` (the stage's own name by
   * default; a variant's, e.g. `ridge@alpha=0.01`, for variants): `<root>/artifacts/<link>`
   * becomes a symlink to its `outs/` (swapped atomically; a real folder there is refused, never
   * deleted), then its key is recorded in `.dag/current/<link>`. Returns the link's path.
   */
  async setCurrent(root: string, stage: string, entry: CacheEntry, link: string = stage): Promise<Result<string, SetCurrentError>> {
    if (entry.stage !== stage) throw new RangeError(`an entry of stage ${JSON.stringify(entry.stage)} cannot be current for ${JSON.stringify(stage)}`);
    const linked = await linkArtifacts(root, link, entry.outDir);
    if (linked.ok) await writeCurrentKey(this.layout.dagDir, link, entry.key);
    return linked;
  }

  /** The key recorded as current for link `link` (a stage's name or a variant's link name, `.dag/current/<link>`), or undefined. */
  getCurrent(link: string): Promise<StageKey | undefined> {
    return readCurrentKey(this.layout.dagDir, link);
  }

  /** Every current record: link name → key. */
  currentKeys(): Promise<Map<string, StageKey>> {
    return readCurrentKeys(this.layout.dagDir);
  }

  /** Removes link `link` (`<root>/artifacts/<link>` if it is a symlink) and its current record. */
  clearCurrent(root: string, link: string): Promise<void> {
    return unlinkArtifacts(root, this.layout.dagDir, link);
  }

  /** Bytes on disk of an entry: every file below its folder (outputs, manifest, log), links not followed. */
  async entrySize(entry: CacheEntry): Promise<number> {
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

  /**
   * Deletes the entry of `stage` for `key`: its folder is first renamed into `.dag/tmp/` (so it
   * vanishes from the store in one step and a crash mid-delete leaves no half entry), then removed.
   * Returns false when there was no such entry. Run it under the run lock, never while a run may read the entry.
   */
  async remove(stage: string, key: StageKey): Promise<boolean> {
    const dir = entryDirOf(this.layout, stage, checkedKey(key));
    if (!(await this.setAside(stage, key))) return false;
    try {
      await rmdir(path.dirname(dir));
    } catch {
      // The stage has other entries (or the folder is already gone).
    }
    return true;
  }

  /**
   * Moves an entry out of the store in one rename (into `.dag/tmp/`, where a crash leaves it to
   * sweepTmp) and deletes it; false when there was none.
   */
  private async setAside(stage: string, key: StageKey): Promise<boolean> {
    const dir = entryDirOf(this.layout, stage, checkedKey(key));
    const doomed = path.join(this.layout.tmpDir, `removed-${stage}-${key}-${randomBytes(6).toString("hex")}`);
    await mkdir(this.layout.tmpDir, { recursive: true });
    try {
      await rename(dir, doomed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
    this.statCache.forget(dir);
    await rm(doomed, { recursive: true, force: true });
    return true;
  }

  /**
   * Renames the complete pending folder to its entry folder. When the entry exists already (a
   * concurrent identical run won) and verifies, it is kept and ours removed; a corrupt one has
   * been moved aside by lookup, so the rename is tried again.
   */
  private async publish(pending: PendingEntry, manifest: Manifest): Promise<{ entry: CacheEntry; reused: boolean }> {
    const dir = entryDirOf(this.layout, pending.stage, pending.key);
    await mkdir(path.dirname(dir), { recursive: true });
    for (let attempt = 1; ; attempt++) {
      try {
        await rename(pending.dir, dir);
        this.statCache.move(pending.outDir, path.join(dir, "outs"));
        this.pending.set(pending.dir, { state: "committed" });
        return { entry: entryAt(dir, manifest), reused: false };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== "ENOTEMPTY" && code !== "EEXIST") || attempt === COMMIT_RETRIES) throw error;
      }
      const existing = await this.lookup(pending.stage, pending.key);
      if (existing.ok) {
        this.statCache.forget(pending.dir);
        await rm(pending.dir, { recursive: true, force: true });
        this.pending.set(pending.dir, { state: "committed" });
        return { entry: existing.value, reused: true };
      }
    }
  }

  private expectOpen(pending: PendingEntry, action: string): void {
    const state = this.pending.get(pending.dir);
    if (state?.state !== "open") {
      throw new Error(`cannot ${action} ${pending.dir}: it is ${state ? state.state : "not a pending entry of this store"}`);
    }
  }

  private async keepLog(pending: PendingEntry): Promise<string> {
    await mkdir(this.layout.logsDir, { recursive: true });
    const base = `${pending.stage}-${fileTimestamp(new Date())}`;
    const hasLog = await exists(pending.logFile);
    for (let suffix = 0; ; suffix++) {
      const target = path.join(this.layout.logsDir, suffix === 0 ? `${base}.log` : `${base}-${suffix}.log`);
      try {
        if (hasLog) await copyFile(pending.logFile, target, constants.COPYFILE_EXCL);
        else await writeFile(target, "", { flag: "wx" });
        return target;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
  }

  private async moveAside(dir: string, stage: string, key: StageKey): Promise<string | undefined> {
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
interface TreeNode {
  readonly relPath: string;
  readonly kind: "file" | "dir" | "other";
}

async function listTreeNoFollow(root: string, relDir = ""): Promise<TreeNode[]> {
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

function checkedKey(key: StageKey): StageKey {
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

async function olderThan(file: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await lstat(file)).mtimeMs > ms;
  } catch {
    return false;
  }
}

async function namesIn(folder: string): Promise<string[]> {
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
