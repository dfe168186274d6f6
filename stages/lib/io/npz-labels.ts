// The caption→image label vector from an .npz: a one-hot bool matrix reduced row by row while it
// inflates (the real one is 125,000 × 25,000 = 3.1 GB and is never held), or an integer vector.
import { dataError, type DataError } from "./data-error.js";
import { asIndexVector } from "./npy.js";
import { member, readArray, streamMember, type NpzArchive } from "./npz-archive.js";
import { err, ok, type Result } from "../core/result.js";

/** Called now and then with the number of label rows reduced so far. */
export type LabelProgress = (rowsDone: number, rows: number) => void;

/**
 * Each caption's image index, from `key` holding either a one-hot (N_cap × nImages) bool or
 * uint8 matrix, or an integer (N_cap,) vector. A row without exactly one True, or an index
 * outside [0, nImages), is a bad-label error naming the row.
 */
export async function readLabelIndices(archive: NpzArchive, key: string, nImages: number, onProgress?: LabelProgress): Promise<Result<Int32Array, DataError>> {
  const m = member(archive, key);
  if (!m.ok) return m;
  const h = m.value.header;
  if (h.shape.length === 1) {
    const array = await readArray(archive, key);
    if (!array.ok) return array;
    const index = asIndexVector(array.value, archive.file, key);
    if (!index.ok) return index;
    for (let i = 0; i < index.value.length; i++) {
      const v = index.value[i] as number;
      if (v < 0 || v >= nImages) return err(dataError("bad-label", archive.file, key, `caption ${i} has image index ${v}, outside 0..${nImages - 1}`));
    }
    return index;
  }
  if (h.shape.length !== 2 || (h.dtype !== "bool" && h.dtype !== "uint8")) {
    return err(dataError("wrong-shape", archive.file, key, `expected a one-hot bool matrix or an integer vector, got ${h.descr} of shape (${h.shape.join(", ")})`));
  }
  if (h.fortranOrder) return err(dataError("unsupported-dtype", archive.file, key, "a Fortran-order label matrix cannot be streamed; save it in C order"));
  const [rows, cols] = h.shape as [number, number];
  if (cols !== nImages) {
    return err(dataError("count-mismatch", archive.file, key, `the label matrix has ${cols} columns but there are ${nImages} images`));
  }
  if (m.value.uncompressedSize !== h.dataOffset + h.dataBytes) {
    return err(dataError("truncated", archive.file, key, `the member holds ${m.value.uncompressedSize} bytes, its header calls for ${h.dataOffset + h.dataBytes}`));
  }
  const reducer = new OneHotReducer(rows, cols, archive.file, key, h.dtype === "uint8");
  let skip = h.dataOffset;
  let nextReport = 0;
  const streamed = await streamMember(archive, key, (chunk) => {
    let data = chunk;
    if (skip > 0) {
      const n = Math.min(skip, data.length);
      data = data.subarray(n);
      skip -= n;
    }
    const stop = reducer.push(data);
    if (onProgress !== undefined && reducer.rowsDone >= nextReport) {
      onProgress(reducer.rowsDone, rows);
      nextReport = reducer.rowsDone + Math.max(1, Math.floor(rows / 100));
    }
    return stop;
  }, false);
  if (!streamed.ok) return streamed;
  return reducer.finish();
}

/**
 * Reduces a stream of one-hot row bytes to indices; rows may split across chunks anywhere.
 * The scan is Buffer#indexOf (memchr), so it runs at memory speed.
 */
export class OneHotReducer {
  readonly out: Int32Array;
  /** Rows fully reduced so far. */
  rowsDone = 0;
  private col = 0;
  private found = -1;

  constructor(
    readonly rows: number,
    readonly cols: number,
    private readonly file: string,
    private readonly key: string,
    /** Check every byte is 0 or 1 (uint8 matrices; NumPy's bool arrays hold nothing else). */
    private readonly checkValues = false,
  ) {
    this.out = new Int32Array(rows);
  }

  /** Consumes the next bytes; returns a DataError at the first bad row. */
  push(chunk: Uint8Array): DataError | undefined {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const cols = this.cols;
    let at = 0;
    while (at < bytes.length) {
      if (this.rowsDone >= this.rows) return dataError("bad-label", this.file, this.key, `more data than ${this.rows} rows`);
      const take = Math.min(bytes.length - at, cols - this.col);
      const segment = bytes.subarray(at, at + take);
      if (this.checkValues) {
        for (let j = 0; j < segment.length; j++) {
          const v = segment[j] as number;
          if (v > 1) return dataError("bad-label", this.file, this.key, `row ${this.rowsDone}, column ${this.col + j} holds ${v}: a one-hot label matrix holds only 0 and 1`);
        }
      }
      let k = segment.indexOf(1);
      while (k !== -1) {
        if (this.found !== -1) {
          return dataError("bad-label", this.file, this.key, `row ${this.rowsDone} is not one-hot: True at columns ${this.found} and ${this.col + k}`);
        }
        this.found = this.col + k;
        k = segment.indexOf(1, k + 1);
      }
      this.col += take;
      at += take;
      if (this.col === cols) {
        if (this.found === -1) return dataError("bad-label", this.file, this.key, `row ${this.rowsDone} has no True value (caption without an image)`);
        this.out[this.rowsDone++] = this.found;
        this.found = -1;
        this.col = 0;
      }
    }
    return undefined;
  }

  /** The indices once every row has arrived. */
  finish(): Result<Int32Array, DataError> {
    if (this.rowsDone !== this.rows || this.col !== 0) {
      return err(dataError("truncated", this.file, this.key, `only ${this.rowsDone} of ${this.rows} label rows arrived`));
    }
    return ok(this.out);
  }
}
