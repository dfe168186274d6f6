// Writing .npz archives NumPy can np.load: yazl ZIP (ZIP64 headers as NumPy writes them), members
// streamed from memory or generated chunk by chunk so a huge member is never held whole.
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { Readable } from "node:stream";
import yazl from "yazl";
import { sizeOf, type DType, type NdArray } from "./npy.js";
import { npyData, npyHeader, npyHeaderBytes } from "./npy-write.js";

/** A member produced chunk by chunk: its data bytes in C order, nothing held beyond one chunk. */
export interface NpyStream {
  readonly dtype: Exclude<DType, "unicode">;
  readonly shape: number[];
  /** Yields the data bytes (after the header) in order; their total must match dtype and shape. */
  readonly chunks: () => Iterable<Uint8Array>;
}

/** A member to write: an array in memory or a stream. */
export type NpzMemberSource = NdArray | NpyStream;

export interface NpzWriteOptions {
  /** DEFLATE the members, as np.savez_compressed does (default true). */
  readonly compress?: boolean;
  /** zlib level 1..9 when compressing (default 6, as Python's zipfile). */
  readonly level?: number;
}

const ITEM_BYTES: Readonly<Record<Exclude<DType, "unicode">, number>> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1, bool: 1 };
const SLICE_BYTES = 8 << 20;

function isStream(source: NpzMemberSource): source is NpyStream {
  return "chunks" in source;
}

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) yield bytes.subarray(at, at + SLICE_BYTES);
}

function memberBytes(source: NpzMemberSource): { size: number; parts: () => Generator<Uint8Array> } {
  if (isStream(source)) {
    const header = npyHeaderBytes(source.dtype, source.shape);
    return {
      size: header.length + sizeOf(source.shape) * ITEM_BYTES[source.dtype],
      *parts() {
        yield header;
        yield* source.chunks();
      },
    };
  }
  if (source.data.length !== sizeOf(source.shape)) {
    throw new Error(`array of shape (${source.shape.join(", ")}) needs ${sizeOf(source.shape)} elements, has ${source.data.length}`);
  }
  const header = npyHeader(source);
  const data = npyData(source);
  return {
    size: header.length + data.length,
    *parts() {
      yield header;
      yield* slices(data);
    },
  };
}

/**
 * Writes `arrays` (key → member; the key may contain slashes, `.npy` is appended) to an .npz at
 * `path`, through a temporary file renamed into place. Rejects on I/O errors.
 */
export async function writeNpz(path: string, arrays: Readonly<Record<string, NpzMemberSource>>, options: NpzWriteOptions = {}): Promise<void> {
  const compress = options.compress ?? true;
  const zip = new yazl.ZipFile();
  const mtime = new Date(Date.UTC(1980, 0, 1));
  for (const [key, source] of Object.entries(arrays)) {
    const { size, parts } = memberBytes(source);
    const entryOptions = { mtime, size, compress, forceZip64Format: true, forceDosTimestamp: true, ...(compress ? { compressionLevel: options.level ?? 6 } : {}) };
    zip.addReadStreamLazy(`${key}.npy`, entryOptions, (cb) => cb(null, Readable.from(parts(), { objectMode: false })));
  }
  zip.end({ forceZip64Format: true, comment: "" });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(temp);
      zip.on("error", reject);
      out.on("error", reject);
      out.on("close", resolve);
      zip.outputStream.pipe(out);
    });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
