// Pulls one entry from a remote into the local store: every file is streamed into a pending entry and checked against the manifest's hashes before the store's own commit makes it an entry.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { parseManifest, type CacheEntry } from "../../cache/cache-entry.js";
import { folderDigest, isContentHash, type ContentHash, type StageKey } from "../../cache/digest.js";
import { err, ok, type Result } from "../../schemas/result.js";
import type { StatCache } from "../../cache/stat-cache.js";
import type { CacheStore } from "../../cache/store.js";
import type { WriteFailure } from "../../cache/write-failure.js";
import { isWriteError, writeFailureOf } from "../../cache/write-failure.js";
import { counting } from "../../remote/directory-remote.js";
import type { OnBytes, Remote, RemoteError } from "../../remote/remote.js";
import { inParallel, TRANSFER_CONCURRENCY } from "./in-parallel.js";
import { blobName, filesName, logName, manifestName, type FileList } from "./remote-layout.js";

/**
 * Why a pull of one entry gave no local entry: the remote has none (`absent`), the remote failed,
 * what it holds does not match its manifest (`damaged`: tampered or partial; nothing was kept), or
 * the local store could not be written.
 */
export type DownloadError =
  | { readonly reason: "absent" }
  | { readonly reason: "remote"; readonly error: RemoteError }
  | { readonly reason: "damaged"; readonly detail: string }
  | { readonly reason: "write-failed"; readonly failure: WriteFailure };

/** Bytes an entry's outputs hold, from its remote manifest (for progress totals); undefined when the remote has no such entry. */
export async function remoteEntrySize(remote: Remote, stage: string, key: StageKey): Promise<Result<number | undefined, RemoteError>> {
  const text = await remote.readText(manifestName(stage, key));
  if (!text.ok) return text;
  if (text.value === undefined) return ok(undefined);
  const parsed = parseManifest(text.value, { stage, key });
  return ok(parsed.ok ? Object.values(parsed.value.outputs).reduce((sum, o) => sum + o.size, 0) : 0);
}

/** Streams one blob into `file`, hashing as it goes; the error says how it differs from what was expected. */
async function fetchBlob(remote: Remote, stats: StatCache, hash: ContentHash, size: number, file: string, onBytes: OnBytes): Promise<Result<void, DownloadError>> {
  const name = blobName(hash);
  const stream = await remote.read(name);
  if (!stream.ok) return err({ reason: "remote", error: stream.error });
  if (stream.value === undefined) return err({ reason: "damaged", detail: `${name} is missing` });
  const digest = createHash("sha256");
  let bytes = 0;
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await pipeline(
      stream.value,
      counting((n) => {
        bytes += n;
        onBytes(n);
      }),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          digest.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(file, { flags: "wx" }),
    );
  } catch (error) {
    if (isWriteError(error) && (error as NodeJS.ErrnoException).path !== undefined) throw error;
    return err({ reason: "remote", error: { reason: "unreachable", remote: remote.spec.name, action: `download ${name}`, detail: (error as Error).message } });
  }
  const got = `sha256:${digest.digest("hex")}`;
  if (bytes !== size) return err({ reason: "damaged", detail: `${name} has ${bytes} bytes, the manifest says ${size}` });
  if (got !== hash) return err({ reason: "damaged", detail: `${name} hashes to ${got}, expected ${hash}` });
  // Read-only now, as the store's commit would make it, and its verified hash handed to the stat cache: the commit reads it no more.
  await chmod(file, 0o444);
  await stats.remember(file, hash, size);
  return ok(undefined);
}

/**
 * Downloads entry `stage`/`key` into a pending entry of `store`, verifies every file against the
 * hashes its manifest (and for folders its file list) records, and only then commits it the
 * store's normal way (which hashes the outputs again into the local manifest). A damaged or
 * partial remote entry is discarded and reported, never committed.
 */
export async function downloadEntry(remote: Remote, store: CacheStore, stage: string, key: StageKey, onBytes: OnBytes): Promise<Result<CacheEntry, DownloadError>> {
  const text = await remote.readText(manifestName(stage, key));
  if (!text.ok) return err({ reason: "remote", error: text.error });
  if (text.value === undefined) return err({ reason: "absent" });
  const manifest = parseManifest(text.value, { stage, key });
  if (!manifest.ok) return err({ reason: "damaged", detail: manifest.error });
  const listed = await remote.readText(filesName(stage, key));
  if (!listed.ok) return err({ reason: "remote", error: listed.error });
  if (listed.value === undefined) return err({ reason: "damaged", detail: `${filesName(stage, key)} is missing` });
  let files: FileList;
  try {
    files = JSON.parse(listed.value) as FileList;
  } catch {
    return err({ reason: "damaged", detail: `${filesName(stage, key)} is not valid JSON` });
  }
  for (const [output, recorded] of Object.entries(manifest.value.outputs)) {
    const rows = files[output];
    if (!Array.isArray(rows) || rows.length === 0) return err({ reason: "damaged", detail: `${filesName(stage, key)} does not list ${output}` });
    // The remote is not trusted: every name and number in the list is checked before it names a file.
    if (!rows.every((r) => Array.isArray(r) && typeof r[0] === "string" && isContentHash(r[1]) && Number.isSafeInteger(r[2]) && r[2] >= 0)) {
      return err({ reason: "damaged", detail: `${filesName(stage, key)} has a malformed row for ${output}` });
    }
    const single = rows.length === 1 && rows[0]?.[0] === "";
    if (!single && rows.some(([relPath]) => relPath === "")) return err({ reason: "damaged", detail: `${filesName(stage, key)} lists ${output} as both a file and a folder` });
    const hash = single ? rows[0]?.[1] : folderDigest(rows.map(([relPath, h]) => ({ relPath, hash: h })));
    if (hash !== recorded.hash) return err({ reason: "damaged", detail: `${filesName(stage, key)} lists files for ${output} that do not make its manifest hash` });
    if (rows.some(([relPath]) => (relPath !== "" && relPath.split("/").some((part) => part === ".." || part === "." || part === "")) || relPath.includes("\\") || relPath.includes("\0"))) {
      return err({ reason: "damaged", detail: `${filesName(stage, key)} names a file outside ${output}` });
    }
  }
  const begun = await store.begin(stage, key);
  if (!begun.ok) return err({ reason: "write-failed", failure: begun.error });
  const pending = begun.value;
  try {
    const wanted = Object.entries(files).flatMap(([output, rows]) => (manifest.value.outputs[output] === undefined ? [] : rows.map((row) => ({ output, row }))));
    const got = await inParallel(wanted, TRANSFER_CONCURRENCY, ({ output, row: [relPath, hash, size] }) =>
      fetchBlob(remote, store.statCache, hash, size, path.join(pending.outDir, ...output.split("/"), ...(relPath === "" ? [] : relPath.split("/"))), onBytes),
    );
    if (!got.ok) {
      await store.discard(pending);
      return got;
    }
    const log = await remote.readText(logName(stage, key));
    if (log.ok && log.value !== undefined) await writeFile(pending.logFile, log.value);
  } catch (error) {
    if (!isWriteError(error)) throw error;
    const failure = await writeFailureOf(pending.dir, error);
    await store.discard(pending);
    return err({ reason: "write-failed", failure });
  }
  const committed = await store.commit(pending, Object.keys(manifest.value.outputs), manifest.value.record);
  if (!committed.ok) {
    if (committed.error.reason === "write-failed") return err({ reason: "write-failed", failure: committed.error.failure });
    return err({ reason: "damaged", detail: `the downloaded outputs do not make an entry (${committed.error.reason})` });
  }
  return ok(committed.value);
}
