// Dot-product scores of blocks of query rows against one fixed gallery, float32: the native GEMM
// where built, else WebAssembly SIMD, else plain JS.
import { gemmABt } from "./gemm.js";
import { threadCount } from "./kernel-pool.js";
import { nativeKernels, type NativeKernels } from "./native-kernels.js";
import { Arena, BLOCK_A, BLOCK_B, roundUp, simdAvailable } from "./simd-kernels.js";

/** Gallery rows per kernel call: a tile of about 768 KiB stays in L2 while a query block passes. */
const TILE_BYTES = 786_432;

/** Scores one block of queries at a time against a gallery fixed at construction. */
export interface Scorer {
  /** Gallery rows. */
  readonly n: number;
  /** Row stride of the score block returned by `score` (≥ n). */
  readonly ld: number;
  /** The most query rows one `score` call accepts. */
  readonly maxRows: number;
  /**
   * Scores rows [0, m) of `queries` (m×k, row-major) against the gallery: the returned block holds
   * score (i, j) at i·ld + j. It is overwritten by the next call.
   */
  score(queries: Float32Array, m: number): Float32Array;
}

/**
 * A scorer of `gallery` (n×k row-major) for up to `maxRows` queries per call. At most one SIMD
 * scorer may be in use at a time (they share the kernels' memory).
 */
export function createScorer(gallery: Float32Array, n: number, k: number, maxRows: number): Scorer {
  const native = nativeKernels();
  if (native !== undefined) return nativeScorer(native, gallery, n, k, maxRows);
  return simdAvailable() ? simdScorer(gallery, n, k, maxRows) : jsScorer(gallery, n, k, maxRows);
}

function nativeScorer(native: NativeKernels, gallery: Float32Array, n: number, k: number, maxRows: number): Scorer {
  const out = new Float32Array(maxRows * n);
  const threads = threadCount();
  return {
    n, ld: n, maxRows,
    score(queries, m) {
      if (m > maxRows) throw new Error(`scorer: ${m} query rows exceed the ${maxRows} it was made for`);
      native.gemm(false, true, m, n, k, queries, k, gallery, k, out, n, false, threads);
      return out;
    },
  };
}

function jsScorer(gallery: Float32Array, n: number, k: number, maxRows: number): Scorer {
  const out = new Float32Array(maxRows * n);
  return {
    n, ld: n, maxRows,
    score(queries, m) {
      if (m > maxRows) throw new Error(`scorer: ${m} query rows exceed the ${maxRows} it was made for`);
      gemmABt(queries, m, gallery, n, k, out);
      return out;
    },
  };
}

function simdScorer(gallery: Float32Array, n: number, k: number, maxRows: number): Scorer {
  const kp = roundUp(Math.max(k, 1), 4);
  const np = roundUp(Math.max(n, 1), BLOCK_B);
  const mp = roundUp(Math.max(maxRows, 1), BLOCK_A);
  const arena = new Arena();
  const g = arena.reserve(np * kp * 4);
  const q = arena.reserve(mp * kp * 4);
  const c = arena.reserve(mp * np * 4);
  const gv = arena.f32(g, np * kp);
  copyPadded(gallery, n, k, gv, kp);
  gv.fill(0, n * kp);
  const tile = Math.max(BLOCK_B, Math.floor(TILE_BYTES / (kp * 4 * BLOCK_B)) * BLOCK_B);
  return {
    n, ld: np, maxRows,
    score(queries, m) {
      if (m > maxRows) throw new Error(`scorer: ${m} query rows exceed the ${maxRows} it was made for`);
      const mq = roundUp(m, BLOCK_A);
      const qv = arena.f32(q, mq * kp);
      copyPadded(queries, m, k, qv, kp);
      qv.fill(0, m * kp);
      const calls = [];
      for (let j0 = 0; j0 < np; j0 += tile) calls.push(arena.scores32(q, g + j0 * kp * 4, c + j0 * 4, mq, Math.min(tile, np - j0), kp, np));
      arena.run(calls);
      return arena.f32(c, mq * np);
    },
  };
}

/** Copies rows×k values into rows of stride kp (kp ≥ k), zeroing the padding columns. */
function copyPadded(src: Float32Array, rows: number, k: number, dst: Float32Array, kp: number): void {
  if (kp === k) {
    dst.set(src.subarray(0, rows * k));
    return;
  }
  for (let r = 0; r < rows; r++) {
    dst.set(src.subarray(r * k, (r + 1) * k), r * kp);
    dst.fill(0, r * kp + k, (r + 1) * kp);
  }
}
