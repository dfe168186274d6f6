// Pushes one cache entry to a remote: each file's blob unless the remote has it, the file list and log, then the manifest last.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { CacheEntry } from "../../cache/cache-entry.js";
import type { ContentHash } from "../../cache/digest.js";
import { listFolderFiles } from "../../cache/folder-walk.js";
import { err, ok, type Result } from "../../schemas/result.js";
import type { StatCache } from "../../cache/stat-cache.js";
import type { OnBytes, Remote, RemoteError } from "../../remote/remote.js";
import { inParallel, TRANSFER_CONCURRENCY } from "./in-parallel.js";
import { blobName, filesName, logName, manifestName, type FileList } from "./remote-layout.js";

/** What one push of an entry moved. */
export interface Uploaded {
  /** False when the remote had the entry already (nothing was sent). */
  readonly sent: boolean;
  /** Bytes uploaded (blobs the remote had are not counted). */
  readonly bytes: number;
  /** Bytes of blobs the remote had already (another stage or variant with the same content). */
  readonly shared: number;
}

/** Why an entry could not be pushed: the remote failed, or the local entry could not be read. */
export type UploadError = { readonly reason: "remote"; readonly error: RemoteError } | { readonly reason: "local"; readonly detail: string };

/** The files of each declared output of a local entry, with the hashes the stat cache already knows. */
export async function fileListOf(entry: CacheEntry, stats: StatCache): Promise<Result<{ list: FileList; paths: Map<ContentHash, string> }, string>> {
  const list: FileList = {};
  const paths = new Map<ContentHash, string>();
  for (const output of Object.keys(entry.manifest.outputs).sort()) {
    const abs = path.join(entry.outDir, ...output.split("/"));
    const isDir = (await stat(abs).catch(() => undefined))?.isDirectory() === true;
    const files = isDir ? await listFolderFiles(abs) : ok([{ relPath: "", absPath: abs }]);
    if (!files.ok) return err(`${output}: ${files.error.detail}`);
    const rows: [string, ContentHash, number][] = [];
    for (const file of files.value.sort((a, b) => (a.relPath < b.relPath ? -1 : 1))) {
      const digest = await stats.digestPath(file.absPath);
      if (!digest.ok) return err(`${output}: ${digest.error.detail}`);
      rows.push([file.relPath, digest.value.hash, digest.value.size]);
      paths.set(digest.value.hash, file.absPath);
    }
    list[output] = rows;
  }
  return ok({ list, paths });
}

/**
 * Uploads `entry` (verified by the caller) unless the remote has its manifest. Blobs go first,
 * skipped when the remote has one of that name and size; then files.json and log.txt; the
 * manifest last, so a push killed at any point leaves no entry on the remote (only blobs, which
 * the next push finds and skips).
 */
export async function uploadEntry(remote: Remote, entry: CacheEntry, stats: StatCache, onBytes: OnBytes): Promise<Result<Uploaded, UploadError>> {
  const manifest = manifestName(entry.stage, entry.key);
  const there = await remote.stat(manifest);
  if (!there.ok) return err({ reason: "remote", error: there.error });
  if (there.value !== undefined) return ok({ sent: false, bytes: 0, shared: 0 });
  const files = await fileListOf(entry, stats);
  if (!files.ok) return err({ reason: "local", detail: files.error });
  let bytes = 0;
  let shared = 0;
  const blobs = new Map<ContentHash, number>();
  for (const rows of Object.values(files.value.list)) for (const [, hash, size] of rows) blobs.set(hash, size);
  const sent = await inParallel([...blobs], TRANSFER_CONCURRENCY, async ([hash, size]): Promise<Result<void, UploadError>> => {
    const name = blobName(hash);
    const blob = await remote.stat(name);
    if (!blob.ok) return err({ reason: "remote", error: blob.error });
    if (blob.value?.size === size) {
      shared += size;
      return ok(undefined);
    }
    const put = await remote.putFile(name, files.value.paths.get(hash) as string, onBytes);
    if (!put.ok) return err({ reason: "remote", error: put.error });
    bytes += size;
    return ok(undefined);
  });
  if (!sent.ok) return sent;
  const listed = await remote.putText(filesName(entry.stage, entry.key), `${JSON.stringify(files.value.list)}\n`);
  if (!listed.ok) return err({ reason: "remote", error: listed.error });
  const log = await readFile(entry.logFile, "utf8").catch(() => "");
  const logged = await remote.putText(logName(entry.stage, entry.key), log);
  if (!logged.ok) return err({ reason: "remote", error: logged.error });
  let text: string;
  try {
    text = await readFile(entry.manifestFile, "utf8");
  } catch (error) {
    return err({ reason: "local", detail: `cannot read ${entry.manifestFile}: ${(error as Error).message}` });
  }
  const put = await remote.putText(manifest, text);
  if (!put.ok) return err({ reason: "remote", error: put.error });
  return ok({ sent: true, bytes, shared });
}
