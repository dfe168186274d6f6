// The native kernels of native/ (an addon `npm install` builds), found through native/build/identity.json.
//
// The identity file is referenced as `new URL("…", import.meta.url)` so the runner's code
// fingerprint hashes it into every stage key that uses these kernels: editing native/*.cc, a
// different LAPACK, a portable (non-FMA) build or a failed build changes the key; the same sources
// built on two machines give the same key. The binary is loaded from the path the identity names,
// not hashed itself (it differs between machines building the same sources).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { err, ok, type Result } from "../core/result.js";

/** The build's identity (native/build.ts writes it). */
const IDENTITY = new URL("../../../native/build/identity.json", import.meta.url);

/** The addon's exports (native/addon.cc). A, B and C of one call are all Float32Array or all Float64Array. */
export interface NativeAddon {
  /** C (m×n, row stride ldc) = op(A)·op(B), or += when `accumulate`; the same result for any thread count. */
  gemm<T extends Float32Array | Float64Array>(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: T, lda: number, b: T, ldb: number, c: T, ldc: number, accumulate: boolean, threads: number,
  ): void;
  /** out[j] = Σ_i m[i·cols + j] over rows×cols m, in row order in float32. */
  columnSums(m: Float32Array, rows: number, cols: number, out: Float32Array, threads: number): void;
  /** The weighted loss (train/losses.ts) of n×d predictions against targets, `ids` the image of every row; its gradient into `grad`. */
  projectorLoss(
    pred: Float32Array, target: Float32Array, ids: Int32Array, n: number, d: number,
    mse: number, cosine: number, infonce: number, temperature: number, symmetric: boolean, grad: Float32Array, threads: number,
  ): number;
  /** Σ g², in float64. */
  sumOfSquares(g: Float32Array, threads: number): number;
  /** One AdamW step in place (train/tfjs-adamw.ts has the update), with gradient g·gradScale. */
  adamwStep(
    p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
    gradScale: number, decay: number, beta1: number, beta2: number, stepSize: number, bc2Sqrt: number, eps: number, threads: number,
  ): void;
  /** LayerNorm of the rows of x into y, keeping x̂ and rstd = 1/√(biased variance + eps) for the backward pass. */
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
  /** n dropout mask values as model/dropout-mask.ts draws them for keys (key0, key1). */
  dropoutMask(key0: number, key1: number, threshold: number, scale: number, n: number, mask: Float32Array, threads: number): void;
  /** LAPACK dsyevd: eigenvalues ascending into values, eigenvectors as the rows of a; returns info (0 = ok). */
  eigenSymmetric(a: Float64Array, n: number, values: Float64Array): number;
  /** x[i·q + j] += factors[t]·x[rows[t]·q + j], t = 0 … count−1 in order (the triangular solves' row updates). */
  rowUpdates(x: Float64Array, q: number, i: number, rows: Int32Array, factors: Float64Array, count: number): void;
  /** The instruction set the GEMM uses: "avx512", "avx2" or "portable". */
  readonly isa: string;
  /** Whether the build linked a system LAPACK (eigenSymmetric works). */
  readonly lapack: boolean;
}

/** The loaded addon and what its identity says. */
export interface NativeBuild {
  readonly addon: NativeAddon;
  /** "avx512", "avx2" or "portable". */
  readonly isa: string;
  /** The LAPACK the eigensolver uses ("openblas 0.3.21"), or "none". */
  readonly lapack: string;
}

interface Identity {
  readonly status: "ready" | "unavailable";
  readonly reason?: string;
  readonly addon?: string;
  readonly lapack?: string;
}

let loaded: Result<NativeBuild, string> | undefined;

/** The native kernels, loaded once; an error naming why not (not built, DAG_NATIVE=0, …). */
export function loadNative(): Result<NativeBuild, string> {
  loaded ??= load();
  return loaded;
}

function load(): Result<NativeBuild, string> {
  if (process.env["DAG_NATIVE"] === "0") return err("off: DAG_NATIVE=0");
  let identity: Identity;
  try {
    identity = JSON.parse(readFileSync(IDENTITY, "utf8")) as Identity;
  } catch {
    return err("not built");
  }
  if (identity.status !== "ready" || identity.addon === undefined) return err(identity.reason ?? "not built");
  // OpenBLAS's dsyevd rounds differently with another thread count, which it takes from the CPUs
  // it may use (2 here, 1 in a one-CPU Slurm job): one thread, read as the addon loads it, gives
  // one result wherever the stage runs.
  process.env["OPENBLAS_NUM_THREADS"] = "1";
  try {
    const addon = createRequire(import.meta.url)(fileURLToPath(new URL(identity.addon, IDENTITY))) as NativeAddon;
    return ok({ addon, isa: addon.isa, lapack: addon.lapack ? (identity.lapack ?? "yes") : "none" });
  } catch (e) {
    // Built for another Node ABI, say: tfjs takes over.
    return err(`did not load: ${(e as Error).message.split("\n")[0] ?? ""}`);
  }
}
