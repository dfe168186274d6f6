// Checked access to the `load` and `ridge` outputs the evaluating and training stages share.
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { StageError, depPath, type Job } from "./job.js";
import type { Matrix } from "../core/matrix.js";
import type { DataError } from "../io/data-error.js";
import { asIndexVector, parseNpyHeader, readNpy } from "../io/npy.js";
import type { Result } from "../core/result.js";
import type { Scaler } from "../linalg/standardize.js";

function orFail<T>(result: Result<T, DataError>): T {
  if (!result.ok) throw new StageError(result.error.message);
  return result.value;
}

/** Reads a 2-D float32 (or float64, converted) .npy as a Matrix; a StageError naming the file. */
export function readMatrix(path: string): Matrix {
  const a = orFail(readNpy(path));
  if (a.shape.length !== 2) throw new StageError(`${path}: expected a 2-D matrix, got shape (${a.shape.join(", ")})`);
  const [rows, cols] = a.shape as [number, number];
  if (a.dtype === "float32") return { rows, cols, data: a.data };
  if (a.dtype === "float64") return { rows, cols, data: Float32Array.from(a.data) };
  throw new StageError(`${path}: expected a float32 matrix, got dtype ${a.dtype}`);
}

/** Reads a 1-D float32 (or float64, converted) .npy; a StageError naming the file. */
export function readVector(path: string): Float32Array {
  const a = orFail(readNpy(path));
  if (a.shape.length !== 1) throw new StageError(`${path}: expected a 1-D vector, got shape (${a.shape.join(", ")})`);
  if (a.dtype === "float32") return a.data;
  if (a.dtype === "float64") return Float32Array.from(a.data);
  throw new StageError(`${path}: expected a float32 vector, got dtype ${a.dtype}`);
}

/** Reads a 1-D int32 or int64 .npy as an Int32Array; a StageError naming the file. */
export function readIndex(path: string): Int32Array {
  return orFail(asIndexVector(orFail(readNpy(path)), path));
}

/** Reads a declared input as a float32 matrix. */
export function readDepMatrix(job: Job, name: string): Matrix {
  return readMatrix(depPath(job, name));
}

/** Reads a declared input as a float32 vector. */
export function readDepVector(job: Job, name: string): Float32Array {
  return readVector(depPath(job, name));
}

/**
 * Reads a declared index input and checks every entry addresses one of `bound` rows of `what`;
 * a bad entry is a StageError naming the input, the position and the value.
 */
export function readDepIndex(job: Job, name: string, bound: number, what: string): Int32Array {
  const index = readIndex(depPath(job, name));
  for (let i = 0; i < index.length; i++) {
    const v = index[i] as number;
    if (!(v >= 0 && v < bound)) throw new StageError(`stage ${job.stage}: ${name}[${i}] = ${v} is not a row of ${what} (0..${bound - 1})`);
  }
  return index;
}

/** index[of[i]] for every i: e.g. the image of each training caption. */
export function compose(index: Int32Array, of: Int32Array): Int32Array {
  return of.map((i) => index[i] as number);
}

/** The distinct values of an index vector, ascending (numpy's np.unique). */
export function uniqueSorted(index: Int32Array): Int32Array {
  return Int32Array.from(new Set(index)).sort();
}

/** The shape of a .npy file from its header alone (no data read). */
export function npyShape(file: string): number[] {
  const fd = openSync(file, "r");
  try {
    const bytes = new Uint8Array(65_536);
    const got = readSync(fd, bytes, 0, bytes.length, 0);
    const header = parseNpyHeader(bytes.subarray(0, got), file);
    if (!header.ok) throw new StageError(header.error.message);
    return header.value.shape;
  } finally {
    closeSync(fd);
  }
}

/** Fails the stage unless the matrix holds only finite numbers. */
export function requireFinite(job: Job, name: string, m: Matrix): void {
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i] as number)) {
      throw new StageError(`stage ${job.stage}: ${name} has a non-finite value at row ${Math.floor(i / m.cols)}, column ${i % m.cols}`);
    }
  }
}

/** The training side of the `load` outputs: captions, images, each caption's image and the split. */
export interface TrainingData {
  readonly captions: Matrix;
  readonly images: Matrix;
  readonly labels: Int32Array;
  readonly trainIdx: Int32Array;
  readonly valIdx: Int32Array;
}

/** Reads and cross-checks captions, images, labels, train_idx and val_idx (finite, in range, non-empty training set). */
export function readTrainingData(job: Job): TrainingData {
  const captions = readDepMatrix(job, "captions");
  const images = readDepMatrix(job, "images");
  requireFinite(job, "captions", captions);
  requireFinite(job, "images", images);
  const labels = readDepIndex(job, "labels", images.rows, "images");
  if (labels.length !== captions.rows) throw new StageError(`stage ${job.stage}: ${labels.length} labels for ${captions.rows} captions`);
  const trainIdx = readDepIndex(job, "train_idx", captions.rows, "captions");
  const valIdx = readDepIndex(job, "val_idx", captions.rows, "captions");
  if (trainIdx.length === 0) throw new StageError(`stage ${job.stage}: train_idx is empty`);
  return { captions, images, labels, trainIdx, valIdx };
}

/** Reads a scaler written by ridge (MEAN and STD vectors of `cols` values); a zero std counts as 1. */
export function readScaler(job: Job, meanName: string, stdName: string, cols: number): Scaler {
  const mean = readVector(depPath(job, meanName));
  const std = readVector(depPath(job, stdName));
  if (mean.length !== cols || std.length !== cols) {
    throw new StageError(`stage ${job.stage}: ${meanName} has ${mean.length} and ${stdName} ${std.length} values for ${cols}-d data`);
  }
  return { mean: Float64Array.from(mean), std: Float64Array.from(std, (s) => (s > 0 ? s : 1)) };
}

/** The candidates a select stage chose, best first: the `stage` of every `chosen` entry in the selected.json of input `name`. */
export function readChosenCandidates(job: Job, name: string): string[] {
  const file = depPath(job, name);
  const chosen = (JSON.parse(readFileSync(file, "utf8")) as { chosen?: { stage?: unknown }[] }).chosen ?? [];
  const names = chosen.map((c) => c.stage);
  if (names.length === 0 || !names.every((n): n is string => typeof n === "string")) {
    throw new StageError(`stage ${job.stage}: ${file} names no chosen candidate (expected a select's selected.json)`);
  }
  return names;
}

/** The first candidate a select stage chose (readChosenCandidates' first). */
export function readChosenCandidate(job: Job, name: string): string {
  return readChosenCandidates(job, name)[0] as string;
}
