// Content hashes of files and folders, remembered by file stat so an unchanged file is never re-read.
import { mkdir, readFile, stat } from "node:fs/promises";
import type { BigIntStats } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { folderDigest, hashErrorOf, hashFileContent, isContentHash, type ContentHash, type HashError } from "./digest.js";
import { listFolderFiles } from "./folder-walk.js";
import { cacheLayout } from "./layout.js";
import { err, ok, type Result } from "./result.js";
import { tryWrite, type WriteFailure } from "./write-failure.js";

/** Hooks into hashing; the cache never prints, it reports. */
export interface StatCacheOptions {
  /** Called each time a file is really read and hashed (a stat-cache miss), e.g. to show progress. */
  readonly onHashFile?: (event: { readonly path: string; readonly bytes: number }) => void;
}

/** The digest of a file or folder. */
export interface PathDigest {
  readonly kind: "file" | "folder";
  /** File: sha256 of its bytes. Folder: see folderDigest in digest.ts. */
  readonly hash: ContentHash;
  /** Bytes of the file, or of all files below the folder. */
  readonly size: number;
  /** 1 for a file, the number of files below a folder. */
  readonly files: number;
}

/** Options of one digest call. */
export interface DigestOptions {
  /**
   * The caller guarantees nothing writes these files any more (e.g. the outputs of a finished
   * stage): remember their hash even if they were modified a moment ago.
   */
  readonly settled?: boolean;
}

/** What is remembered per absolute path. */
interface CachedStat {
  /** `size:ino:mtimeNs:ctimeNs` of the file when it was hashed. */
  readonly stat: string;
  readonly hash: ContentHash;
}

const FORMAT_VERSION = 1;
const HASH_CONCURRENCY = 4;
const CHANGE_RETRIES = 3;
/** A file modified this close to its hashing may still change within the same timestamp tick. */
const RACY_MARGIN_NS = 100_000_000n;
/** The same for filesystems with whole-second timestamps (FAT has 2 s). */
const COARSE_RACY_MARGIN_NS = 3_000_000_000n;

/**
 * File path → (stat, hash), persisted in `.dag/stat-cache.json`. A file whose size, inode, mtime and
 * ctime (nanoseconds) are unchanged gets its remembered hash without being read. A file modified
 * less than 100 ms before it was hashed (3 s on filesystems with whole-second timestamps) is
 * hashed but not remembered, because a second write within the same timestamp tick could not be
 * told apart ("racy" files, as in git's index).
 */
export class StatCache {
  private readonly entries: Map<string, CachedStat>;
  private readonly touched = new Set<string>();
  private dirty = false;

  private constructor(
    /** Absolute path of `.dag/stat-cache.json`. */
    readonly file: string,
    entries: Map<string, CachedStat>,
    private readonly options: StatCacheOptions,
  ) {
    this.entries = entries;
  }

  /** Loads `<dagDir>/stat-cache.json`; a missing, unparseable or foreign-version file starts empty. */
  static async open(dagDir: string, options: StatCacheOptions = {}): Promise<StatCache> {
    const file = cacheLayout(dagDir).statCacheFile;
    return new StatCache(file, await readEntries(file), options);
  }

  /** How many files are remembered. */
  get size(): number {
    return this.entries.size;
  }

  /** The content hash of a regular file (symbolic links followed). */
  async hashFile(absPath: string): Promise<Result<ContentHash, HashError>> {
    const digest = await this.digestFile(path.resolve(absPath), {});
    return digest.ok ? ok(digest.value.hash) : digest;
  }

  /** The content hash of a file, or of a folder (see listFolderFiles for what a folder covers). */
  async hashPath(absPath: string): Promise<Result<ContentHash, HashError>> {
    const digest = await this.digestPath(absPath);
    return digest.ok ? ok(digest.value.hash) : digest;
  }

  /** Hash, size and file count of a file or folder. */
  async digestPath(absPath: string, options: DigestOptions = {}): Promise<Result<PathDigest, HashError>> {
    const resolved = path.resolve(absPath);
    let stats;
    try {
      stats = await stat(resolved);
    } catch (error) {
      return err(hashErrorOf(resolved, error));
    }
    if (stats.isFile()) return this.digestFile(resolved, options);
    if (stats.isDirectory()) return this.digestFolder(resolved, options);
    return err({ reason: "unsupported", path: resolved, detail: "not a regular file or folder (socket, FIFO or device)" });
  }

  /** Re-files what is remembered below `fromDir` under `toDir` (after renaming the folder: inodes and ctimes stay). */
  move(fromDir: string, toDir: string): void {
    const from = path.resolve(fromDir) + path.sep;
    const to = path.resolve(toDir) + path.sep;
    for (const [file, cached] of [...this.entries]) {
      if (!file.startsWith(from)) continue;
      const moved = to + file.slice(from.length);
      this.entries.delete(file);
      this.entries.set(moved, cached);
      this.touched.add(moved);
      this.dirty = true;
    }
  }

  /**
   * Remembers `hash` for the file as it is now, for a caller that computed the sha256 of exactly
   * the bytes it wrote there and writes it no more (a verified download), so that hashing it again
   * reads nothing. A file whose size no longer matches `bytes` is not remembered.
   */
  async remember(absPath: string, hash: ContentHash, bytes: number): Promise<void> {
    const resolved = path.resolve(absPath);
    const stats = await stat(resolved, { bigint: true });
    if (!stats.isFile() || Number(stats.size) !== bytes) return;
    this.entries.set(resolved, { stat: fingerprintOf(stats), hash });
    this.touched.add(resolved);
    this.dirty = true;
  }

  /** Forgets everything remembered at or below `absPath`. */
  forget(absPath: string): void {
    const resolved = path.resolve(absPath);
    for (const file of [...this.entries.keys()]) {
      if (file === resolved || file.startsWith(resolved + path.sep)) {
        this.entries.delete(file);
        this.dirty = true;
      }
    }
  }

  /**
   * Writes the stat cache atomically (temp file + rename), only if something changed. Entries not
   * used by this process whose file no longer exists are dropped. Two processes saving at once
   * race to the last rename; the loser's new entries are simply re-hashed next time. A write that
   * fails (a full disk) leaves the old file whole and is returned: it is only a cache.
   */
  async save(): Promise<Result<void, WriteFailure>> {
    if (!this.dirty) return ok(undefined);
    const stale = [...this.entries.keys()].filter((file) => !this.touched.has(file));
    await forEachLimited(stale, 64, async (file) => {
      try {
        await stat(file);
      } catch {
        this.entries.delete(file);
      }
    });
    const files: Record<string, CachedStat> = {};
    for (const file of [...this.entries.keys()].sort()) files[file] = this.entries.get(file) as CachedStat;
    const written = await tryWrite(this.file, async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, JSON.stringify({ version: FORMAT_VERSION, files }));
    });
    if (written.ok) this.dirty = false;
    return written;
  }

  private async digestFolder(absDir: string, options: DigestOptions): Promise<Result<PathDigest, HashError>> {
    const listed = await listFolderFiles(absDir);
    if (!listed.ok) return listed;
    const digests = new Array<{ relPath: string; hash: ContentHash; size: number }>(listed.value.length);
    let failure: HashError | undefined;
    await forEachLimited(listed.value.map((file, index) => ({ file, index })), HASH_CONCURRENCY, async ({ file, index }) => {
      if (failure) return;
      const digest = await this.digestFile(file.absPath, options);
      if (!digest.ok) {
        failure ??= digest.error;
        return;
      }
      digests[index] = { relPath: file.relPath, hash: digest.value.hash, size: digest.value.size };
    });
    if (failure) return err(failure);
    let size = 0;
    for (const digest of digests) size += digest.size;
    return ok({ kind: "folder", hash: folderDigest(digests), size, files: digests.length });
  }

  private async digestFile(absPath: string, options: DigestOptions): Promise<Result<PathDigest, HashError>> {
    try {
      for (let attempt = 1; ; attempt++) {
        const startedNs = BigInt(Date.now()) * 1_000_000n;
        const before = await stat(absPath, { bigint: true });
        if (!before.isFile()) return err({ reason: "unsupported", path: absPath, detail: "not a regular file" });
        const fingerprint = fingerprintOf(before);
        const size = Number(before.size);
        const cached = this.entries.get(absPath);
        if (cached && cached.stat === fingerprint) {
          this.touched.add(absPath);
          return ok({ kind: "file", hash: cached.hash, size, files: 1 });
        }
        const read = await hashFileContent(absPath);
        this.options.onHashFile?.({ path: absPath, bytes: read.bytes });
        const after = await stat(absPath, { bigint: true });
        const stable = fingerprintOf(after) === fingerprint && read.bytes === size;
        if (stable && (options.settled === true || !isRacy(before, startedNs))) {
          this.entries.set(absPath, { stat: fingerprint, hash: read.hash });
          this.touched.add(absPath);
          this.dirty = true;
        }
        if (stable || attempt === CHANGE_RETRIES) return ok({ kind: "file", hash: read.hash, size: read.bytes, files: 1 });
      }
    } catch (error) {
      return err(hashErrorOf(absPath, error));
    }
  }
}

function fingerprintOf(stats: BigIntStats): string {
  return `${stats.size}:${stats.ino}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

function isRacy(stats: BigIntStats, startedNs: bigint): boolean {
  const newest = stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs;
  const wholeSeconds = stats.mtimeNs % 1_000_000_000n === 0n && stats.ctimeNs % 1_000_000_000n === 0n;
  return newest >= startedNs - (wholeSeconds ? COARSE_RACY_MARGIN_NS : RACY_MARGIN_NS);
}

async function readEntries(file: string): Promise<Map<string, CachedStat>> {
  const entries = new Map<string, CachedStat>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch {
    return entries;
  }
  if (typeof parsed !== "object" || parsed === null) return entries;
  const { version, files } = parsed as { version?: unknown; files?: unknown };
  if (version !== FORMAT_VERSION || typeof files !== "object" || files === null) return entries;
  for (const [name, value] of Object.entries(files)) {
    const { stat: fingerprint, hash } = (value ?? {}) as { stat?: unknown; hash?: unknown };
    if (path.isAbsolute(name) && typeof fingerprint === "string" && isContentHash(hash)) {
      entries.set(name, { stat: fingerprint, hash });
    }
  }
  return entries;
}

/** Runs `task` over `items` with at most `limit` running at once. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
