// The Gemm where the native kernels are missing: float32 products on the current tfjs backend, float64 in JavaScript.
//
// tfjs's wasm backend multiplies A·B ~30× faster than A·Bᵀ (17 against 0.5 GFLOP/s measured at
// 4096×1024 by 1024×1536), so transposed operands are transposed explicitly and multiplied plainly.
import * as tf from "@tensorflow/tfjs-core";
import type { FixedProduct, Gemm, Product } from "./gemm.js";
import { jsGemm64 } from "./js-gemm.js";

/** The rows×cols operand (row stride ld) as a tensor: a copy when the rows are not contiguous. */
function operand(x: Float32Array, rows: number, cols: number, ld: number): tf.Tensor2D {
  if (ld === cols) return tf.tensor2d(x.subarray(0, rows * cols), [rows, cols]);
  const packed = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) packed.set(x.subarray(i * ld, i * ld + cols), i * cols);
  return tf.tensor2d(packed, [rows, cols]);
}

/** Writes an m×n result into c (row stride ldc), or adds it. */
function store(result: Float32Array, m: number, n: number, c: Float32Array, ldc: number, accumulate: boolean): void {
  if (!accumulate && ldc === n) {
    c.set(result.subarray(0, m * n));
    return;
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) c[i * ldc + j] = (accumulate ? (c[i * ldc + j] as number) : 0) + (result[i * n + j] as number);
  }
}

const f32: Product<Float32Array> = (ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate) => {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, i * ldc, i * ldc + n);
    return;
  }
  const out = tf.tidy(() => {
    const A = ta ? tf.transpose(operand(a, k, m, lda)) : operand(a, m, k, lda);
    const B = tb ? tf.transpose(operand(b, n, k, ldb)) : operand(b, k, n, ldb);
    return tf.matMul(A, B);
  });
  store(out.dataSync() as Float32Array, m, n, c, ldc, accumulate);
  out.dispose();
};

/** The tfjs Gemm on the backend tfjs runs now (tf-backend.ts chose it). */
export function tfjsGemm(): Gemm {
  return {
    name: `tfjs ${tf.getBackend()}`,
    f32,
    f64: jsGemm64,
    against(b, n, k): FixedProduct {
      const bt = tf.tidy(() => tf.transpose(tf.tensor2d(b.subarray(0, n * k), [n, k])));
      return {
        multiply(a, m, out) {
          const r = tf.tidy(() => tf.matMul(tf.tensor2d(a.subarray(0, m * k), [m, k]), bt));
          out.set((r.dataSync() as Float32Array).subarray(0, m * n));
          r.dispose();
        },
        dispose: () => bt.dispose(),
      };
    },
  };
}
