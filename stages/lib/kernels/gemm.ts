// Portable matrix-product kernels in plain JS on row-major typed arrays, register-blocked for V8.
//
// products.ts and scorer.ts use them where WebAssembly SIMD (simd-kernels.ts) is missing, and for
// small products. Every kernel keeps a 4×4 block of the output in local variables so each loaded value
// feeds several multiply-adds, and walks the inner dimension contiguously. JS arithmetic is
// float64 whatever the storage, so float32 inputs are multiplied and summed in float64 and only
// rounded when stored into a Float32Array output.
import type { Matrix, Matrix64 } from "../core/matrix.js";

/** Any row-major float matrix, float32 or float64 storage. */
export type AnyMatrix = Matrix | Matrix64;

/** Float storage a kernel reads from. */
type Floats = Float32Array | Float64Array;

/**
 * out[i, j] = Σ_k a[i, k] · b[j, k] for rows i in [0, m) of `a` (m×k) and rows j in [0, n) of
 * `b` (n×k): the product A·Bᵀ, e.g. queries against a gallery. `out` is m×n row-major.
 */
export function gemmABt(a: Floats, m: number, b: Floats, n: number, k: number, out: Floats): void {
  if (a.length < m * k || b.length < n * k || out.length < m * n) throw new Error(`gemmABt: arrays too short for ${m}×${k} · (${n}×${k})ᵀ`);
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  // Tile over the gallery so a block of its rows stays in L2 while all query rows pass over it.
  const tileRows = Math.max(4, Math.floor(196_608 / Math.max(1, k)) & ~3);
  for (let j0 = 0; j0 < n; j0 += tileRows) {
    const j1 = Math.min(n, j0 + tileRows);
    const j1four = Math.min(j1, n4);
    for (let i = 0; i < m4; i += 4) {
      const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
      let j = j0;
      for (; j < j1four; j += 4) {
        const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let p = 0; p < k; p++) {
          const x0 = a[a0 + p] as number, x1 = a[a1 + p] as number, x2 = a[a2 + p] as number, x3 = a[a3 + p] as number;
          const y0 = b[b0 + p] as number, y1 = b[b1 + p] as number, y2 = b[b2 + p] as number, y3 = b[b3 + p] as number;
          c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
          c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
          c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
          c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        }
        const o0 = i * n + j, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
        out[o0] = c00; out[o0 + 1] = c01; out[o0 + 2] = c02; out[o0 + 3] = c03;
        out[o1] = c10; out[o1 + 1] = c11; out[o1 + 2] = c12; out[o1 + 3] = c13;
        out[o2] = c20; out[o2 + 1] = c21; out[o2 + 2] = c22; out[o2 + 3] = c23;
        out[o3] = c30; out[o3 + 1] = c31; out[o3 + 2] = c32; out[o3 + 3] = c33;
      }
      for (; j < j1; j++) {
        for (let r = 0; r < 4; r++) out[(i + r) * n + j] = dotInOrder(a, (i + r) * k, b, j * k, k);
      }
    }
    for (let i = m4; i < m; i++) {
      for (let j = j0; j < j1; j++) out[i * n + j] = dotInOrder(a, i * k, b, j * k, k);
    }
  }
}

/**
 * Σ_p a[ao + p] · b[bo + p] for p in [0, k), summed strictly in order p = 0, 1, … like every
 * output of the register-blocked kernels, so equal rows give bit-identical products wherever
 * they fall in a block (exact ties stay ties when ranking).
 */
export function dotInOrder(a: Floats, ao: number, b: Floats, bo: number, k: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += (a[ao + p] as number) * (b[bo + p] as number);
  return s;
}

/**
 * out[i·ldo + j] += Σ_p a[i·k + p] · b[j·k + p] for i < m, j < n: accumulates A·Bᵀ of two
 * packed float64 panels into a float64 output with leading dimension `ldo`. With `upper`, only
 * 4×4 blocks touching the upper triangle (j ≥ i rounded down to a block) are computed: enough for
 * a symmetric result whose lower triangle is mirrored afterwards (a = b).
 */
export function accumulateABt64(a: Float64Array, m: number, b: Float64Array, n: number, k: number, out: Float64Array, ldo: number, upper: boolean): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    let j = upper ? i : 0;
    for (; j < n4; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p] as number, x1 = a[a1 + p] as number, x2 = a[a2 + p] as number, x3 = a[a3 + p] as number;
        const y0 = b[b0 + p] as number, y1 = b[b1 + p] as number, y2 = b[b2 + p] as number, y3 = b[b3 + p] as number;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      const o0 = i * ldo + j, o1 = o0 + ldo, o2 = o1 + ldo, o3 = o2 + ldo;
      out[o0] = (out[o0] as number) + c00; out[o0 + 1] = (out[o0 + 1] as number) + c01; out[o0 + 2] = (out[o0 + 2] as number) + c02; out[o0 + 3] = (out[o0 + 3] as number) + c03;
      out[o1] = (out[o1] as number) + c10; out[o1 + 1] = (out[o1 + 1] as number) + c11; out[o1 + 2] = (out[o1 + 2] as number) + c12; out[o1 + 3] = (out[o1 + 3] as number) + c13;
      out[o2] = (out[o2] as number) + c20; out[o2 + 1] = (out[o2 + 1] as number) + c21; out[o2 + 2] = (out[o2 + 2] as number) + c22; out[o2 + 3] = (out[o2 + 3] as number) + c23;
      out[o3] = (out[o3] as number) + c30; out[o3 + 1] = (out[o3 + 1] as number) + c31; out[o3 + 2] = (out[o3 + 2] as number) + c32; out[o3 + 3] = (out[o3 + 3] as number) + c33;
    }
    for (; j < n; j++) {
      for (let r = 0; r < 4; r++) out[(i + r) * ldo + j] = (out[(i + r) * ldo + j] as number) + dotInOrder(a, (i + r) * k, b, j * k, k);
    }
  }
  for (let i = m4; i < m; i++) {
    for (let j = upper ? i : 0; j < n; j++) out[i * ldo + j] = (out[i * ldo + j] as number) + dotInOrder(a, i * k, b, j * k, k);
  }
}
