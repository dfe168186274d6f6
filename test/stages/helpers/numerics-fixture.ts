// Loads the numpy-written fixtures of the numerics tests through the pipeline's own .npy reader.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Matrix, Matrix64 } from "../../../stages/lib/core/matrix.js";
import { readNpy, type NdArray } from "../../../stages/lib/io/npy.js";

/** The folder holding the numerics fixtures and make_numerics.py. */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/numerics");

/** Parses fixture NAME.npy; a missing or malformed fixture fails the test loudly. */
export function fixture(name: string): NdArray {
  const r = readNpy(path.join(FIXTURES, `${name}.npy`));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function floats64(a: NdArray): Float64Array {
  if (a.dtype === "float64") return a.data;
  if (a.dtype === "float32" || a.dtype === "int32") return Float64Array.from(a.data);
  throw new Error(`fixture of dtype ${a.dtype} is not a float array`);
}

/** A 2-D fixture as a float32 Matrix. */
export function fixtureMatrix(name: string): Matrix {
  const a = fixture(name);
  const [rows, cols] = a.shape as [number, number];
  return { rows, cols, data: a.dtype === "float32" ? a.data : Float32Array.from(floats64(a)) };
}

/** A 2-D fixture as a float64 Matrix64. */
export function fixtureMatrix64(name: string): Matrix64 {
  const a = fixture(name);
  const [rows, cols] = a.shape as [number, number];
  return { rows, cols, data: floats64(a) };
}

/** A 1-D integer fixture. */
export function fixtureIndex(name: string): Int32Array {
  const a = fixture(name);
  if (a.dtype === "int32") return a.data;
  if (a.dtype === "int64") return Int32Array.from(a.data, (v) => Number(v));
  throw new Error(`fixture ${name} has dtype ${a.dtype}, not an integer type`);
}

/** A 1-D float fixture as float64. */
export function fixtureVector(name: string): Float64Array {
  return floats64(fixture(name));
}

/** expected.json written by make_numerics.py. */
export function expected(): any {
  return JSON.parse(readFileSync(path.join(FIXTURES, "expected.json"), "utf8"));
}

/** Deterministic values in [-1, 1) from a linear congruential sequence. */
export function filled(rows: number, cols: number, seed: number): Matrix {
  const data = new Float32Array(rows * cols);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return { rows, cols, data };
}

/** ‖a − b‖ / ‖b‖ over all elements: how far a result is from its numpy reference. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}
