// The challenge's submission CSV: `id,embedding`, one row per test caption, float32 values written exactly.
import { closeSync, openSync, writeSync } from "node:fs";
import type { Matrix } from "../core/matrix.js";
import { err, ok, type Result } from "../core/result.js";

/** Why a submission could not be written. */
export interface SubmissionError {
  readonly reason: "count-mismatch" | "non-finite";
  readonly message: string;
}

/** Rows formatted per write: bounds the text held at once (a row of 1536 values is ~17 KB). */
const ROWS_PER_WRITE = 64;

/** Whether `v` written with `digits` significant digits parses back to the same float32. */
function roundTrips(v: number, digits: number): boolean {
  return Math.fround(Number(v.toPrecision(digits))) === v;
}

/**
 * The shortest decimal that parses back to the same float32 (`v` must be a float32 value). Nine
 * significant digits always suffice; more digits never break a round trip, so the shortest is
 * found by bisection. Integers get a `.0` (as Python's repr) so readers see floats.
 */
export function formatFloat32(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`formatFloat32: ${v} is not finite`);
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (roundTrips(v, mid)) hi = mid;
    else lo = mid + 1;
  }
  const s = v.toPrecision(lo);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
}

/** Writes all of `text` (writeSync may write less than asked). */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** One CSV row: `id,"[v0, v1, …]"`. */
function formatRow(id: number, data: Float32Array, offset: number, cols: number): string {
  const parts = new Array<string>(cols);
  for (let j = 0; j < cols; j++) parts[j] = formatFloat32(data[offset + j] as number);
  return `${id},"[${parts.join(", ")}]"\n`;
}

/**
 * Writes the submission to `path`, streaming a few rows at a time: header `id,embedding`, then
 * row i = ids[i] and embeddings row i as a quoted JSON array. Ids and rows must pair up one to
 * one, and every value must be finite (JSON has no NaN); otherwise nothing is written.
 */
export function writeSubmissionCsv(path: string, ids: Int32Array, embeddings: Matrix): Result<{ rows: number }, SubmissionError> {
  if (ids.length !== embeddings.rows) {
    return err({ reason: "count-mismatch", message: `${ids.length} test ids but ${embeddings.rows} embedding rows` });
  }
  const { rows, cols, data } = embeddings;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i] as number)) {
      const r = Math.floor(i / cols);
      return err({ reason: "non-finite", message: `the embedding of test id ${ids[r]} (row ${r}) has the non-finite value ${data[i]} at column ${i % cols}` });
    }
  }
  const fd = openSync(path, "w");
  try {
    writeAll(fd, "id,embedding\n");
    for (let r0 = 0; r0 < rows; r0 += ROWS_PER_WRITE) {
      let chunk = "";
      for (let r = r0; r < Math.min(rows, r0 + ROWS_PER_WRITE); r++) chunk += formatRow(ids[r] as number, data, r * cols, cols);
      writeAll(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return ok({ rows });
}
