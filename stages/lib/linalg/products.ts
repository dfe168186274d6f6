// Matrix products the stages call: Gram matrices, cross-products AᵀB, and A·B / A·Bᵀ.
//
// The float64 Gram and cross-products stream the rows of their operands in panels, centred and
// converted to float64. Where the native kernels are built (native-kernels.ts) a panel is 1024 rows
// as they are and the native GEMM accumulates panelᵀ·panel on every core; otherwise a panel is
// 256 rows packed transposed, and the SIMD kernel of simd-kernels.ts (or the JS kernel of gemm.ts
// where SIMD is missing) accumulates it. The float32 products go through scorer.ts.
import { accumulateABt64, type AnyMatrix } from "../kernels/gemm.js";
import { threadCount } from "../kernels/kernel-pool.js";
import type { Matrix, Matrix64 } from "../core/matrix.js";
import { nativeKernels, type NativeKernels } from "../kernels/native-kernels.js";
import { createScorer } from "../kernels/scorer.js";
import { Arena, roundUp, simdAvailable } from "../kernels/simd-kernels.js";

/** Which rows of an operand enter a product, and what is subtracted from every row first. */
export interface OperandOptions {
  /** Row indices into the matrix (repeats allowed); all rows in order when absent. */
  readonly rows?: Int32Array;
  /** A vector (one value per column) subtracted from every row, e.g. the column means. */
  readonly center?: ArrayLike<number>;
}

/** Called with 0 at the start and after each panel of rows with the rows done so far, and the total. */
export type ProductProgress = (done: number, total: number) => void;

/** Rows of the inner dimension packed per panel. */
const PANEL_ROWS = 256;
/** Rows per panel on the native path (a 1024×1536 float64 panel is 12 MiB). */
const NATIVE_PANEL_ROWS = 1024;
/** Rows of the Gram matrix per native call: only blocks on or right of the diagonal are computed. */
const GRAM_BLOCK = 512;
/** Output rows per kernel call: a 256×256-row tile of panels is 512 KiB, inside L2. */
const PANEL_TILE = 256;

function selectedRows(m: AnyMatrix, o: OperandOptions): number {
  return o.rows === undefined ? m.rows : o.rows.length;
}

/**
 * Packs rows [r0, r0 + count) of the selected, centred operand transposed into `panel`
 * (cols × stride): panel[j·stride + r] = m[row(r0 + r), j] − center[j]; entries r ≥ count are 0.
 */
function packTransposed(m: AnyMatrix, o: OperandOptions, r0: number, count: number, panel: Float64Array, stride: number): void {
  const { cols, data } = m;
  const center = o.center;
  const rows = o.rows;
  for (let r = 0; r < count; r++) {
    const src = (rows === undefined ? r0 + r : (rows[r0 + r] as number)) * cols;
    if (center === undefined) {
      for (let j = 0; j < cols; j++) panel[j * stride + r] = data[src + j] as number;
    } else {
      for (let j = 0; j < cols; j++) panel[j * stride + r] = (data[src + j] as number) - (center[j] as number);
    }
  }
  if (count < stride) for (let j = 0; j < cols; j++) panel.fill(0, j * stride + count, (j + 1) * stride);
}

/**
 * Copies rows [r0, r0 + count) of the selected, centred operand into `panel` as float64 rows
 * (count × cols): panel[r·cols + j] = m[row(r0 + r), j] − center[j].
 */
function packRows(m: AnyMatrix, o: OperandOptions, r0: number, count: number, panel: Float64Array): void {
  const { cols, data } = m;
  const center = o.center;
  const rows = o.rows;
  for (let r = 0; r < count; r++) {
    const src = (rows === undefined ? r0 + r : (rows[r0 + r] as number)) * cols;
    const dst = r * cols;
    if (center === undefined) for (let j = 0; j < cols; j++) panel[dst + j] = data[src + j] as number;
    else for (let j = 0; j < cols; j++) panel[dst + j] = (data[src + j] as number) - (center[j] as number);
  }
}

/** gram on the native GEMM: the upper block triangle of Σ panelᵀ·panel, mirrored. */
function nativeGram(native: NativeKernels, a: AnyMatrix, options: OperandOptions, progress: ProductProgress | undefined): Matrix64 {
  const d = a.cols;
  const n = selectedRows(a, options);
  const threads = threadCount();
  const panel = new Float64Array(Math.min(NATIVE_PANEL_ROWS, Math.max(n, 1)) * d);
  const out = new Float64Array(d * d);
  progress?.(0, n);
  for (let r0 = 0; r0 < n; r0 += NATIVE_PANEL_ROWS) {
    const count = Math.min(NATIVE_PANEL_ROWS, n - r0);
    packRows(a, options, r0, count, panel);
    for (let i0 = 0; i0 < d; i0 += GRAM_BLOCK) {
      const rows = Math.min(GRAM_BLOCK, d - i0);
      native.gemm(true, false, rows, d - i0, count, panel.subarray(i0), d, panel.subarray(i0), d, out.subarray(i0 * d + i0), d, true, threads);
    }
    progress?.(r0 + count, n);
  }
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) out[j * d + i] = out[i * d + j] as number;
  return { rows: d, cols: d, data: out };
}

/** crossProduct on the native GEMM: Σ panelAᵀ·panelB. */
function nativeCrossProduct(native: NativeKernels, a: AnyMatrix, b: AnyMatrix, aOptions: OperandOptions, bOptions: OperandOptions, progress: ProductProgress | undefined): Matrix64 {
  const n = selectedRows(a, aOptions);
  const p = a.cols, q = b.cols;
  const threads = threadCount();
  const rowsPerPanel = Math.min(NATIVE_PANEL_ROWS, Math.max(n, 1));
  const pa = new Float64Array(rowsPerPanel * p);
  const pb = new Float64Array(rowsPerPanel * q);
  const out = new Float64Array(p * q);
  progress?.(0, n);
  for (let r0 = 0; r0 < n; r0 += NATIVE_PANEL_ROWS) {
    const count = Math.min(NATIVE_PANEL_ROWS, n - r0);
    packRows(a, aOptions, r0, count, pa);
    packRows(b, bOptions, r0, count, pb);
    native.gemm(true, false, p, q, count, pa, p, pb, q, out, q, true, threads);
    progress?.(r0 + count, n);
  }
  return { rows: p, cols: q, data: out };
}

/**
 * The Gram matrix AᵀA (d×d, float64) of the selected rows of A, each centred first when asked:
 * with `center` = the column means this is (n − 1) times the sample covariance. Products and sums
 * are float64; only the upper triangle is computed and then mirrored.
 */
export function gram(a: AnyMatrix, options: OperandOptions = {}, progress?: ProductProgress): Matrix64 {
  const native = nativeKernels();
  if (native !== undefined) return nativeGram(native, a, options, progress);
  const d = a.cols;
  const n = selectedRows(a, options);
  const dp = roundUp(Math.max(d, 1), 4);
  const simd = simdAvailable();
  const arena = simd ? new Arena() : undefined;
  const panelAt = arena?.reserve(dp * PANEL_ROWS * 8) ?? 0;
  const outAt = arena?.reserve(dp * dp * 8) ?? 0;
  const panel = arena ? arena.f64(panelAt, dp * PANEL_ROWS) : new Float64Array(dp * PANEL_ROWS);
  const acc = arena ? arena.f64(outAt, dp * dp) : new Float64Array(dp * dp);
  panel.fill(0);
  acc.fill(0);
  progress?.(0, n);
  for (let r0 = 0; r0 < n; r0 += PANEL_ROWS) {
    packTransposed(a, options, r0, Math.min(PANEL_ROWS, n - r0), panel, PANEL_ROWS);
    if (arena) {
      const calls = [];
      for (let i0 = 0; i0 < dp; i0 += PANEL_TILE) {
        for (let j0 = i0; j0 < dp; j0 += PANEL_TILE) {
          calls.push(arena.accumulate64(panelAt + i0 * PANEL_ROWS * 8, panelAt + j0 * PANEL_ROWS * 8, outAt + (i0 * dp + j0) * 8,
            Math.min(PANEL_TILE, dp - i0), Math.min(PANEL_TILE, dp - j0), PANEL_ROWS, dp, i0 === j0));
        }
      }
      arena.run(calls);
    } else {
      accumulateABt64(panel, dp, panel, dp, PANEL_ROWS, acc, dp, true);
    }
    progress?.(Math.min(n, r0 + PANEL_ROWS), n);
  }
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = acc[i * dp + j] as number;
      out[i * d + j] = v;
      out[j * d + i] = v;
    }
  }
  return { rows: d, cols: d, data: out };
}

/**
 * The cross-product AᵀB (p×q, float64) over paired selected rows of A (n×p) and B (n×q), each
 * centred first when asked. Products and sums are float64.
 */
export function crossProduct(a: AnyMatrix, b: AnyMatrix, aOptions: OperandOptions = {}, bOptions: OperandOptions = {}, progress?: ProductProgress): Matrix64 {
  const n = selectedRows(a, aOptions);
  if (selectedRows(b, bOptions) !== n) throw new Error(`crossProduct: ${n} rows of A against ${selectedRows(b, bOptions)} rows of B`);
  const native = nativeKernels();
  if (native !== undefined) return nativeCrossProduct(native, a, b, aOptions, bOptions, progress);
  const p = a.cols, q = b.cols;
  const pp = roundUp(Math.max(p, 1), 4), qp = roundUp(Math.max(q, 1), 4);
  const simd = simdAvailable();
  const arena = simd ? new Arena() : undefined;
  const paAt = arena?.reserve(pp * PANEL_ROWS * 8) ?? 0;
  const pbAt = arena?.reserve(qp * PANEL_ROWS * 8) ?? 0;
  const outAt = arena?.reserve(pp * qp * 8) ?? 0;
  const pa = arena ? arena.f64(paAt, pp * PANEL_ROWS) : new Float64Array(pp * PANEL_ROWS);
  const pb = arena ? arena.f64(pbAt, qp * PANEL_ROWS) : new Float64Array(qp * PANEL_ROWS);
  const acc = arena ? arena.f64(outAt, pp * qp) : new Float64Array(pp * qp);
  pa.fill(0);
  pb.fill(0);
  acc.fill(0);
  progress?.(0, n);
  for (let r0 = 0; r0 < n; r0 += PANEL_ROWS) {
    const count = Math.min(PANEL_ROWS, n - r0);
    packTransposed(a, aOptions, r0, count, pa, PANEL_ROWS);
    packTransposed(b, bOptions, r0, count, pb, PANEL_ROWS);
    if (arena) {
      const calls = [];
      for (let i0 = 0; i0 < pp; i0 += PANEL_TILE) {
        for (let j0 = 0; j0 < qp; j0 += PANEL_TILE) {
          calls.push(arena.accumulate64(paAt + i0 * PANEL_ROWS * 8, pbAt + j0 * PANEL_ROWS * 8, outAt + (i0 * qp + j0) * 8,
            Math.min(PANEL_TILE, pp - i0), Math.min(PANEL_TILE, qp - j0), PANEL_ROWS, qp, false));
        }
      }
      arena.run(calls);
    } else {
      accumulateABt64(pa, pp, pb, qp, PANEL_ROWS, acc, qp, false);
    }
    progress?.(r0 + count, n);
  }
  const out = new Float64Array(p * q);
  for (let i = 0; i < p; i++) out.set(acc.subarray(i * qp, i * qp + q), i * q);
  return { rows: p, cols: q, data: out };
}

/**
 * A·Bᵀ as a new float32 matrix (rows of A against rows of B, e.g. data times PCA components);
 * float32 SIMD products when available.
 */
export function multiplyABt(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new Error(`multiplyABt: ${a.rows}×${a.cols} · (${b.rows}×${b.cols})ᵀ`);
  const out = new Float32Array(a.rows * b.rows);
  const block = 256;
  const scorer = createScorer(b.data, b.rows, b.cols, Math.min(block, Math.max(1, a.rows)));
  for (let i0 = 0; i0 < a.rows; i0 += block) {
    const m = Math.min(block, a.rows - i0);
    const s = scorer.score(a.data.subarray(i0 * a.cols, (i0 + m) * a.cols), m);
    for (let r = 0; r < m; r++) out.set(s.subarray(r * scorer.ld, r * scorer.ld + b.rows), (i0 + r) * b.rows);
  }
  return { rows: a.rows, cols: b.rows, data: out };
}

/** Bᵀ of a row-major matrix, as float32. */
export function transpose(m: AnyMatrix): Matrix {
  const out = new Float32Array(m.rows * m.cols);
  const { rows, cols, data } = m;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j] as number;
  return { rows: cols, cols: rows, data: out };
}

/** A·B as a new float32 matrix (e.g. queries times a d_in×d_out map). */
export function multiply(a: Matrix, b: AnyMatrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`multiply: ${a.rows}×${a.cols} · ${b.rows}×${b.cols}`);
  return multiplyABt(a, transpose(b));
}
