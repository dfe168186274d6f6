// The compute paths the numerics tests run on: the native kernels (as npm install builds them) and tfjs on a named backend.
import type { Compute } from "../../../stages/lib/kernels/compute.js";
import { loadNative } from "../../../stages/lib/kernels/native-addon.js";
import { nativeGemm } from "../../../stages/lib/kernels/native-gemm.js";
import { initBackend, type BackendName } from "../../../stages/lib/kernels/tf-backend.js";
import { tfjsGemm } from "../../../stages/lib/kernels/tfjs-gemm.js";

/** Whether this run has the native kernels (DAG_NATIVE=0 turns them off). */
export const NATIVE = process.env["DAG_NATIVE"] !== "0";

/** The native compute path on `threads` threads; throws where the kernels are missing. */
export function nativeCompute(threads = 2): Extract<Compute, { kind: "native" }> {
  const native = loadNative();
  if (!native.ok) throw new Error(`the native kernels are missing (${native.error}); npm install builds them`);
  return { kind: "native", gemm: nativeGemm(native.value.addon, native.value.isa, threads), native: native.value, threads };
}

/** The tfjs compute path on `backend`, started. */
export async function tfjsCompute(backend: BackendName = "wasm"): Promise<Extract<Compute, { kind: "tfjs" }>> {
  const started = await initBackend(backend);
  if (!started.ok) throw new Error(started.error.message);
  return { kind: "tfjs", gemm: tfjsGemm(), backend: started.value, nativeMissing: "not used by this test" };
}

/** The path stages take in this run: native where built, else tfjs on wasm. */
export async function defaultCompute(): Promise<Compute> {
  return NATIVE ? nativeCompute() : tfjsCompute("wasm");
}


/** Both float64 product paths the solvers run on: the native GEMM (where built) and the JavaScript one tfjs's path uses. */
export async function float64Gemms(): Promise<{ readonly name: string; readonly gemm: Compute["gemm"] }[]> {
  return [...(NATIVE ? [{ name: "native", gemm: nativeCompute().gemm }] : []), { name: "JS float64", gemm: (await tfjsCompute("cpu")).gemm }];
}
