// Picks where a stage computes, once, at its start: the native kernels where built, else tfjs. Stages hand the result down.
import { availableParallelism } from "node:os";
import { err, ok, type Result } from "../core/result.js";
import type { Gemm } from "./gemm.js";
import { loadNative, type NativeBuild } from "./native-addon.js";
import { nativeGemm } from "./native-gemm.js";
import type { BackendName } from "./tf-backend.js";

/** Where the products (and, for training, everything else) run. */
export type Compute =
  | { readonly kind: "native"; readonly gemm: Gemm; readonly native: NativeBuild; readonly threads: number }
  | { readonly kind: "tfjs"; readonly gemm: Gemm; readonly backend: BackendName; readonly nativeMissing: string };

/** The number of threads to use: DAG_THREADS when set to a positive integer, else the core count. */
export function threadCount(): number {
  const forced = Number(process.env["DAG_THREADS"]);
  return Number.isInteger(forced) && forced > 0 ? forced : Math.max(1, availableParallelism());
}

/**
 * The native kernels when they load (DAG_NATIVE=0 declines them), else tfjs on `backend` (a
 * stage's param; DAG_TF_BACKEND wins), whose start-up can fail with a reason.
 */
export async function selectCompute(backend = "auto", threads = threadCount()): Promise<Result<Compute, string>> {
  const native = loadNative();
  if (native.ok) return ok({ kind: "native", gemm: nativeGemm(native.value.addon, native.value.isa, threads), native: native.value, threads });
  // tfjs is imported only here, where the native kernels are missing: the native path never loads it.
  const [{ initBackend }, { tfjsGemm }] = await Promise.all([import("./tf-backend.js"), import("./tfjs-gemm.js")]);
  const started = await initBackend(backend);
  if (!started.ok) return err(started.error.message);
  return ok({ kind: "tfjs", gemm: tfjsGemm(), backend: started.value, nativeMissing: native.error });
}

/** What a stage reports as its meta: the backend, and the kernels in words. */
export function computeMeta(c: Compute): Record<string, string> {
  return c.kind === "native"
    ? { backend: "native", kernels: `native ${c.native.isa}${c.native.lapack === "none" ? "" : ` · ${c.native.lapack}`}` }
    : { backend: c.backend, kernels: `tfjs ${c.backend} (native ${c.nativeMissing})` };
}
