// A projector's predictions on the compute path it is handed: the native forward pass, or tfjs's.
import type { Matrix } from "../core/matrix.js";
import type { Compute } from "../kernels/compute.js";
import { NativeProjector } from "./native-projector.js";
import type { ProjectorParams } from "./projector.js";

/** Rows pushed through the native forward pass at once. */
const NATIVE_ROWS = 4096;

/** The model's output for every row of a standardised caption matrix. */
export async function predictProjector(compute: Compute, params: ProjectorParams, x: Matrix): Promise<Matrix> {
  if (compute.kind === "native") {
    const model = new NativeProjector(params.shape, Math.max(1, Math.min(NATIVE_ROWS, x.rows)), compute.native.addon, compute.threads);
    return model.predict(params.tensors.map((t) => t.data), x);
  }
  // tfjs is loaded only on its own path: the native path never pays its start-up.
  const { disposeTfjs, predict, tfjsProjector } = await import("./tfjs-projector.js");
  const p = tfjsProjector(params);
  try {
    return predict(p, x);
  } finally {
    disposeTfjs(p);
  }
}
