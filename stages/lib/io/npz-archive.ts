// Reading NumPy .npz archives member by member: list headers cheaply, stream-inflate the data.
//
// An .npz is a ZIP of .npy members (stored or DEFLATE, ZIP64 headers as NumPy writes them);
// yauzl reads the ZIP structure, node:zlib inflates. Nothing here holds more than one member.
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { Readable } from "node:stream";
import * as zlib from "node:zlib";
import { constants, createInflateRaw, inflateRawSync } from "node:zlib";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { dataError, type DataError } from "./data-error.js";
import { parseNpy, parseNpyHeader, type NdArray, type NpyHeader } from "./npy.js";
import { err, ok, type Result } from "../core/result.js";

/** One .npy member of an archive, described by its header alone. */
export interface NpzMember {
  /** The key np.load uses: the member name without `.npy`, e.g. `captions/embeddings`. */
  readonly key: string;
  readonly header: NpyHeader;
  /** Why the pipeline cannot read this member (a pickled object array, an unsupported dtype), if so. */
  readonly skipReason?: string;
  readonly compressed: boolean;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
}

/** An open .npz archive: its members' headers and the open ZIP to stream their data from. */
export interface NpzArchive {
  readonly file: string;
  /** Members by key, in archive order. */
  readonly members: ReadonlyMap<string, NpzMember>;
  /** Keys of members listed but not readable by the pipeline, with the reason. */
  readonly skipped: ReadonlyMap<string, string>;
  /** @internal the ZIP entries by key. */
  readonly entries: ReadonlyMap<string, Entry>;
  /** @internal the open ZIP. */
  readonly zip: ZipFile;
}

/** Bytes per chunk read from disk and inflated: each chunk is one trip to zlib's thread pool. */
const CHUNK_BYTES = 1 << 20;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function startsWithZipMagic(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    closeSync(fd);
  }
}

function openZip(file: string): Promise<Result<ZipFile, DataError>> {
  return new Promise((resolve) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (error, zip) => {
      if (!error) return resolve(ok(zip));
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return resolve(err(dataError("missing-file", file, undefined, "no such file")));
      if (code !== undefined) return resolve(err(dataError("unreadable", file, undefined, `cannot read: ${error.message}`)));
      if (startsWithZipMagic(file)) {
        return resolve(err(dataError("truncated", file, undefined, `the archive is truncated or damaged (${error.message}); download it again`)));
      }
      resolve(err(dataError("not-zip", file, undefined, `not an .npz archive (not a ZIP file: ${error.message})`)));
    });
  });
}

function listEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on("entry", (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on("end", () => resolve(entries));
    zip.on("error", reject);
    zip.readEntry();
  });
}

function rawStream(zip: ZipFile, entry: Entry, end?: number): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const options = end === undefined ? { decodeFileData: false } : { decodeFileData: false, start: 0, end };
    zip.openReadStream(entry, options, (error, stream) => (error ? reject(error) : resolve(stream)));
  });
}

function dataStart(zip: ZipFile, entry: Entry): Promise<number> {
  return new Promise((resolve, reject) => {
    zip.readLocalFileHeader(entry, { minimal: true }, (error, header) => (error ? reject(error) : resolve(header.fileDataStart)));
  });
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Reads just enough of a member's start to parse its .npy header (a few KB, never the data). */
async function peekHeader(file: string, zip: ZipFile, entry: Entry, key: string): Promise<Result<NpyHeader, DataError>> {
  for (let want = 4096; ; want *= 4) {
    const end = Math.min(entry.compressedSize, want);
    let head: Uint8Array;
    try {
      const raw = await collect(await rawStream(zip, entry, end));
      head = entry.compressionMethod === 8 ? inflateRawSync(raw, { finishFlush: constants.Z_SYNC_FLUSH }) : raw;
    } catch (error) {
      return err(dataError("truncated", file, key, `cannot read the member's header: ${message(error)}`));
    }
    const header = parseNpyHeader(head, file, key);
    if (header.ok || header.error.reason !== "truncated" || end === entry.compressedSize) return header;
  }
}

/** Opens an .npz and reads every member's .npy header; no array data is read yet. */
export async function openNpz(file: string): Promise<Result<NpzArchive, DataError>> {
  const opened = await openZip(file);
  if (!opened.ok) return opened;
  const zip = opened.value;
  let list: Entry[];
  try {
    list = await listEntries(zip);
  } catch (error) {
    zip.close();
    return err(dataError("truncated", file, undefined, `the archive's directory is damaged: ${message(error)}`));
  }
  const members = new Map<string, NpzMember>();
  const entries = new Map<string, Entry>();
  const skipped = new Map<string, string>();
  for (const entry of list) {
    if (entry.fileName.endsWith("/")) continue;
    const key = entry.fileName.endsWith(".npy") ? entry.fileName.slice(0, -4) : entry.fileName;
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      skipped.set(key, `compression method ${entry.compressionMethod} is not supported (only stored and DEFLATE)`);
      continue;
    }
    const header = await peekHeader(file, zip, entry, key);
    if (!header.ok) {
      if (header.error.reason === "not-npy" || header.error.reason === "unsupported-dtype") {
        skipped.set(key, header.error.message);
        continue;
      }
      zip.close();
      return header;
    }
    const h = header.value;
    const skipReason = h.dtype !== undefined ? undefined : /^[|<>=]?O/.test(h.descr) ? "pickled object array (needs Python to read)" : `unsupported dtype ${h.descr}`;
    if (skipReason !== undefined) skipped.set(key, skipReason);
    const base = { key, header: h, compressed: entry.compressionMethod === 8, compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize };
    members.set(key, skipReason === undefined ? base : { ...base, skipReason });
    entries.set(key, entry);
  }
  return ok({ file, members, skipped, entries, zip });
}

/** Closes the archive's file. */
export function closeNpz(archive: NpzArchive): void {
  archive.zip.close();
}

/** Opens an archive, runs `use`, and closes it whatever happens. */
export async function withNpz<T>(file: string, use: (archive: NpzArchive) => Promise<Result<T, DataError>>): Promise<Result<T, DataError>> {
  const opened = await openNpz(file);
  if (!opened.ok) return opened;
  try {
    return await use(opened.value);
  } finally {
    closeNpz(opened.value);
  }
}

/** The member for a key, or a missing-key error that lists the keys present. */
export function member(archive: NpzArchive, key: string): Result<NpzMember, DataError> {
  const m = archive.members.get(key);
  if (m !== undefined) return ok(m);
  const skip = archive.skipped.get(key);
  if (skip !== undefined) return err(dataError("unsupported-dtype", archive.file, key, `cannot read: ${skip}`));
  const present = [...archive.members.keys(), ...[...archive.skipped.keys()].filter((k) => !archive.members.has(k))];
  return err(dataError("missing-key", archive.file, key, `no array "${key}" in the archive (it has: ${present.join(", ") || "nothing"})`));
}

/** zlib.crc32 (Node ≥ 20.15), when this Node has it. */
const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * Streams a member's inflated bytes, in order, to `onChunk`; returning a DataError from
 * `onChunk` stops the stream. Checks that exactly `uncompressedSize` bytes came out and, with
 * `verifyCrc` (default) where Node has zlib.crc32, that their CRC-32 matches the archive's.
 * (The one-hot label stream skips the CRC: 3.1 GB at ~3 GB/s would double its time, and its
 * row-by-row one-hot check already rejects damaged data.)
 */
export async function streamMember(
  archive: NpzArchive,
  key: string,
  onChunk: (chunk: Buffer) => DataError | undefined,
  verifyCrc = true,
): Promise<Result<number, DataError>> {
  const check = verifyCrc ? crc32 : undefined;
  const m = member(archive, key);
  if (!m.ok) return m;
  const entry = archive.entries.get(key) as Entry;
  // yauzl locates the data (ZIP64-aware); a plain file stream with large chunks reads it, since
  // yauzl's own small-chunk stream makes every chunk a separate zlib round trip.
  let raw: Readable;
  try {
    const start = await dataStart(archive.zip, entry);
    raw = entry.compressedSize === 0 ? Readable.from([]) : createReadStream(archive.file, { start, end: start + entry.compressedSize - 1, highWaterMark: CHUNK_BYTES });
  } catch (error) {
    return err(dataError("truncated", archive.file, key, `cannot read the member: ${message(error)}`));
  }
  const source: Readable = m.value.compressed ? raw.pipe(createInflateRaw({ chunkSize: CHUNK_BYTES })) : raw;
  if (source !== raw) raw.on("error", (error) => source.destroy(error));
  let total = 0;
  let crc = 0;
  try {
    for await (const chunk of source) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > m.value.uncompressedSize) break;
      if (check !== undefined) crc = check(buffer, crc);
      const stop = onChunk(buffer);
      if (stop !== undefined) {
        raw.unpipe();
        raw.destroy();
        source.destroy();
        return err(stop);
      }
    }
  } catch (error) {
    return err(dataError("truncated", archive.file, key, `the member's data is damaged or truncated (${message(error)})`));
  }
  if (total !== m.value.uncompressedSize) {
    raw.destroy();
    return err(dataError("truncated", archive.file, key, `the member inflates to ${total > m.value.uncompressedSize ? "more than" : total} bytes, the archive says ${m.value.uncompressedSize}`));
  }
  if (check !== undefined && crc >>> 0 !== entry.crc32 >>> 0) {
    return err(dataError("truncated", archive.file, key, `the member's data is damaged (CRC-32 ${(crc >>> 0).toString(16)}, the archive says ${(entry.crc32 >>> 0).toString(16)}); download the file again`));
  }
  return ok(total);
}

/** Reads one member into memory as a C-order NdArray. */
export async function readArray(archive: NpzArchive, key: string): Promise<Result<NdArray, DataError>> {
  const m = member(archive, key);
  if (!m.ok) return m;
  if (m.value.skipReason !== undefined) {
    const reason = m.value.header.dtype === undefined && /O/.test(m.value.header.descr) ? "object-array" : "unsupported-dtype";
    return err(dataError(reason, archive.file, key, `cannot read: ${m.value.skipReason}`));
  }
  const bytes = new Uint8Array(m.value.uncompressedSize);
  let at = 0;
  const streamed = await streamMember(archive, key, (chunk) => {
    bytes.set(chunk, at);
    at += chunk.length;
    return undefined;
  });
  if (!streamed.ok) return streamed;
  return parseNpy(bytes, archive.file, key);
}
