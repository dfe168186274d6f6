// Float32 products of projector training on the native GEMM (native-kernels.ts): the kernel reads
// the operands where they lie, transposed or not, and spreads the output over `threads` threads.
import { nativeKernels, type NativeKernels } from "./native-kernels.js";
import type { Operand } from "./threaded-gemm.js";

/** op(A)·op(B) on the native kernels, the same result for any thread count. */
export class NativeGemm {
  private constructor(
    readonly threads: number,
    /** The kernels, for the other native training ops (loss, AdamW, column sums). */
    readonly kernels: NativeKernels,
  ) {}

  /** A GEMM over `threads` threads, or undefined where the native kernels are missing. */
  static create(threads: number): NativeGemm | undefined {
    const kernels = nativeKernels();
    return kernels === undefined ? undefined : new NativeGemm(Math.max(1, Math.floor(threads)), kernels);
  }

  /** op(A)·op(B) as a new row-major float32 matrix (op = the transpose where an operand says so). */
  multiply(a: Operand, b: Operand): { rows: number; cols: number; data: Float32Array } {
    return this.product(a, b, undefined);
  }

  /** A·B + bias (one value per column, added to every row first, then the products accumulated). */
  affine(a: Operand, b: Operand, bias: Float32Array): { rows: number; cols: number; data: Float32Array } {
    return this.product(a, b, bias);
  }

  private product(a: Operand, b: Operand, bias: Float32Array | undefined): { rows: number; cols: number; data: Float32Array } {
    const m = a.transposed ? a.cols : a.rows;
    const k = a.transposed ? a.rows : a.cols;
    const kb = b.transposed ? b.cols : b.rows;
    const n = b.transposed ? b.rows : b.cols;
    if (k !== kb) throw new Error(`NativeGemm: ${m}×${k} · ${kb}×${n}`);
    if (bias !== undefined && bias.length !== n) throw new Error(`NativeGemm: a bias of ${bias.length} for ${n} columns`);
    const out = new Float32Array(m * n);
    if (bias !== undefined) for (let i = 0; i < m; i++) out.set(bias, i * n);
    this.kernels.gemm(!!a.transposed, !!b.transposed, m, n, k, a.data, a.cols, b.data, b.cols, out, n, bias !== undefined, this.threads);
    return { rows: m, cols: n, data: out };
  }
}
