// The native kernels of native/ (GEMM for AVX-512, AVX2+FMA or portable C++, chosen by the CPU; the
// training loss; AdamW; LayerNorm and GELU), where `npm install` could build them; undefined otherwise or with
// DAG_NATIVE=0, and callers then use the WebAssembly kernels and tfjs.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { err, ok, type Result } from "../core/result.js";

/** The addon's exports. */
export interface NativeKernels {
  /**
   * C (m×n, row stride ldc) = op(A)·op(B), or += when `accumulate`; op(X) is X or its transpose
   * (`transA`, `transB`), op(A) m×k with row stride lda, op(B) k×n with row stride ldb. A, B and C
   * are all Float32Array or all Float64Array; the result is the same for any thread count.
   */
  gemm<T extends Float32Array | Float64Array>(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: T, lda: number, b: T, ldb: number, c: T, ldc: number, accumulate: boolean, threads: number,
  ): void;
  /** out[j] = Σ_i m[i·cols + j] over rows×cols m, in row order in float32. */
  columnSums(m: Float32Array, rows: number, cols: number, out: Float32Array, threads: number): void;
  /**
   * The weighted loss of losses.ts (projectorLoss) of n×d predictions against targets, `ids` the
   * image of every row; writes its gradient with respect to the predictions to `grad` (n×d).
   */
  projectorLoss(
    pred: Float32Array, target: Float32Array, ids: Int32Array, n: number, d: number,
    mse: number, cosine: number, infonce: number, temperature: number, symmetric: boolean, grad: Float32Array, threads: number,
  ): number;
  /** Σ g², in float64. */
  sumOfSquares(g: Float32Array, threads: number): number;
  /** One AdamW step in place (adamw.ts has the update), with gradient g·gradScale. */
  adamwStep(
    p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
    gradScale: number, decay: number, beta1: number, beta2: number, stepSize: number, bc2Sqrt: number, eps: number, threads: number,
  ): void;
  /**
   * LayerNorm of the rows of x (rows×cols) into y: x̂ = (x − mean)·rstd, y = x̂·γ + β, rstd =
   * 1/√(biased variance + eps); keeps x̂ (rows×cols) and rstd (rows) for layerNormBackward.
   */
  layerNormForward(
    x: Float32Array, gamma: Float32Array, beta: Float32Array, rows: number, cols: number, eps: number,
    y: Float32Array, xhat: Float32Array, rstd: Float32Array, threads: number,
  ): void;
  /** LayerNorm's gradients: dx (rows×cols), dγ and dβ (cols each). */
  layerNormBackward(
    dy: Float32Array, xhat: Float32Array, rstd: Float32Array, gamma: Float32Array, rows: number, cols: number,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, threads: number,
  ): void;
  /** y = x·Φ(x) (erf form) over n values, times mask (empty = none); keeps Φ(x) in cdf. */
  geluForward(x: Float32Array, mask: Float32Array, n: number, y: Float32Array, cdf: Float32Array, threads: number): void;
  /** dx = (dy·mask)·(Φ(x) + x·φ(x)) over n values (empty mask = none). */
  geluBackward(dy: Float32Array, mask: Float32Array, x: Float32Array, cdf: Float32Array, n: number, dx: Float32Array, threads: number): void;
  /** out = a + b, element-wise over out.length values. */
  addArrays(a: Float32Array, b: Float32Array, out: Float32Array, threads: number): void;
  /** Every row of out (rows×cols) = v. */
  broadcastRows(v: Float32Array, rows: number, cols: number, out: Float32Array, threads: number): void;
  /** n dropout mask values as projector.ts's dropoutMask draws them for keys (key0, key1). */
  dropoutMask(key0: number, key1: number, threshold: number, scale: number, n: number, mask: Float32Array, threads: number): void;
  /** The instruction set the GEMM uses: "avx512", "avx2" or "portable". */
  readonly isa: string;
}

/** Where the addon lands, from this file in the sources (stages/lib) or in dist/stages/lib. */
const CANDIDATES = ["../../../native/build/Release/dag_kernels.node", "../../../native/build/Release/dag_kernels.node"];

let loaded: Result<NativeKernels, { readonly reason: string }> | undefined;

/** The native kernels, loaded on first call; undefined when not built, not loadable or DAG_NATIVE=0. */
export function nativeKernels(): NativeKernels | undefined {
  loaded ??= load();
  return loaded.ok ? loaded.value : undefined;
}

/** Which kernels the products use, in words for a stage's meta: "native avx512", "webassembly (not built)", … */
export function kernelsInUse(): string {
  loaded ??= load();
  return loaded.ok ? `native ${loaded.value.isa}` : `webassembly (native ${loaded.error.reason})`;
}

function load(): Result<NativeKernels, { readonly reason: string }> {
  if (process.env["DAG_NATIVE"] === "0") return err({ reason: "off: DAG_NATIVE=0" });
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file = CANDIDATES.map((c) => path.resolve(here, c)).find((f) => existsSync(f));
  if (file === undefined) return err({ reason: "not built" });
  try {
    return ok(createRequire(import.meta.url)(file) as NativeKernels);
  } catch (e) {
    // Built for another Node ABI, say: the WebAssembly kernels take over.
    return err({ reason: `did not load: ${(e as Error).message.split("\n")[0]}` });
  }
}
