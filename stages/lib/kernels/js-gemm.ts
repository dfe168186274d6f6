// The products in plain JavaScript, float64 arithmetic whatever the storage: the float64 products
// where the native kernels are missing, and the synthetic data's products, which must be the same
// bits on every machine (JS arithmetic has no fused multiply-add and one summation order).
//
// Every output element is Σ_p op(A)[i, p]·op(B)[p, j] summed from 0 in order p = 0, 1, …, then
// stored (or added to C), wherever it falls in a 4×4 register block: equal rows give equal results.
import type { Product } from "./gemm.js";

type Floats = Float32Array | Float64Array;

/** The rows of an m×k operand as one contiguous m·k array: the input itself when it already is. */
function rowsOf(x: Floats, ld: number, trans: boolean, m: number, k: number): Floats {
  if (!trans && (ld === k || m <= 1)) return x;
  const out = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) out[i * k + p] = (trans ? x[p * ld + i] : x[i * ld + p]) as number;
  return out;
}

function dotInOrder(a: Floats, ao: number, b: Floats, bo: number, k: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += (a[ao + p] as number) * (b[bo + p] as number);
  return s;
}

/** C = op(A)·op(B) (or +=) by 4×4 register-blocked dot products; float32 results are rounded once, when stored. */
function jsProduct(ta: boolean, tb: boolean, m: number, n: number, k: number, a: Floats, lda: number, b: Floats, ldb: number, c: Floats, ldc: number, accumulate: boolean): void {
  const A = rowsOf(a, lda, ta, m, k);
  // The columns of op(B) as rows: B itself when stored transposed.
  const B = rowsOf(b, ldb, !tb, n, k);
  const put = (o: number, s: number): void => {
    c[o] = accumulate ? (c[o] as number) + s : s;
  };
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    let j = 0;
    for (; j < n4; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = A[a0 + p] as number, x1 = A[a1 + p] as number, x2 = A[a2 + p] as number, x3 = A[a3 + p] as number;
        const y0 = B[b0 + p] as number, y1 = B[b1 + p] as number, y2 = B[b2 + p] as number, y3 = B[b3 + p] as number;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      const o0 = i * ldc + j, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc;
      put(o0, c00); put(o0 + 1, c01); put(o0 + 2, c02); put(o0 + 3, c03);
      put(o1, c10); put(o1 + 1, c11); put(o1 + 2, c12); put(o1 + 3, c13);
      put(o2, c20); put(o2 + 1, c21); put(o2 + 2, c22); put(o2 + 3, c23);
      put(o3, c30); put(o3 + 1, c31); put(o3 + 2, c32); put(o3 + 3, c33);
    }
    for (; j < n; j++) for (let r = 0; r < 4; r++) put((i + r) * ldc + j, dotInOrder(A, (i + r) * k, B, j * k, k));
  }
  for (let i = m4; i < m; i++) for (let j = 0; j < n; j++) put(i * ldc + j, dotInOrder(A, i * k, B, j * k, k));
}

/** float64 products in JavaScript. */
export const jsGemm64: Product<Float64Array> = jsProduct;

/** float32 storage, float64 arithmetic (each result rounded once): the synthetic data's products. */
export const jsGemm32: Product<Float32Array> = jsProduct;
