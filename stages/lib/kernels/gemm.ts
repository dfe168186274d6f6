// The one interface of matrix products: C = op(A)·op(B), or C += …, on row-major typed arrays with row strides.
//
// Implementations: native-gemm.ts (the addon, the fast path) and tfjs-gemm.ts (tfjs for float32,
// js-gemm.ts for float64, which tfjs lacks). Callers are handed a Gemm and never pick one.

/** C (m×n, row stride ldc) = op(A)·op(B), or += when `accumulate`; op(A) m×k (stride lda), op(B) k×n (stride ldb). */
export type Product<T extends Float32Array | Float64Array> = (
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: T, lda: number, b: T, ldb: number, c: T, ldc: number, accumulate: boolean,
) => void;

/** Products of many row blocks against one fixed matrix (a gallery, a map), kept where the products run. */
export interface FixedProduct {
  /** out (m×n) = A·Bᵀ for A m×k row-major, B the fixed n×k matrix. */
  multiply(a: Float32Array, m: number, out: Float32Array): void;
  dispose(): void;
}

export interface Gemm {
  /** What computes the products, for a stage's meta: "native avx2", "tfjs wasm". */
  readonly name: string;
  readonly f32: Product<Float32Array>;
  readonly f64: Product<Float64Array>;
  /** A FixedProduct over b (n×k row-major, float32). */
  against(b: Float32Array, n: number, k: number): FixedProduct;
}

/** The element count a rows×cols operand of row stride ld spans (0 when empty). */
export function extent(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}
