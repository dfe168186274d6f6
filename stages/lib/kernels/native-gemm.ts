// Float32 products of projector training on the native GEMM (native-kernels.ts): the kernel reads
// the operands where they lie, transposed or not, and spreads the output over `threads` threads.
import { nativeKernels, type NativeKernels } from "./native-kernels.js";
import { productShape, type Operand } from "./threaded-gemm.js";

/** op(A)·op(B) on the native kernels, the same result for any thread count. */
export class NativeGemm {
  private constructor(
    readonly threads: number,
    /** The kernels, for whole native training steps (native-step.ts). */
    readonly kernels: NativeKernels,
  ) {}

  /** A GEMM over `threads` threads, or undefined where the native kernels are missing. */
  static create(threads: number): NativeGemm | undefined {
    const kernels = nativeKernels();
    return kernels === undefined ? undefined : new NativeGemm(Math.max(1, Math.floor(threads)), kernels);
  }

  /** op(A)·op(B) as a new row-major float32 matrix (op = the transpose where an operand says so). */
  multiply(a: Operand, b: Operand): { rows: number; cols: number; data: Float32Array } {
    const { m, k, n } = productShape("NativeGemm", a, b);
    const out = new Float32Array(m * n);
    this.kernels.gemm(!!a.transposed, !!b.transposed, m, n, k, a.data, a.cols, b.data, b.cols, out, n, false, this.threads);
    return { rows: m, cols: n, data: out };
  }
}
