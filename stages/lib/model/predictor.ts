// A projector's predictions on the compute path it is handed: the native forward pass, or tfjs's.
import type { Matrix } from "../core/matrix.js";
import type { Compute } from "../kernels/compute.js";
import { NativeProjector } from "./native-projector.js";
import type { ProjectorParams } from "./projector.js";
import { disposeTfjs, predict, tfjsProjector } from "./tfjs-projector.js";

/** Rows pushed through the native forward pass at once. */
const NATIVE_ROWS = 4096;

/** The model's output for every row of a standardised caption matrix. */
export function predictProjector(compute: Compute, params: ProjectorParams, x: Matrix): Matrix {
  if (compute.kind === "native") {
    const model = new NativeProjector(params.shape, Math.max(1, Math.min(NATIVE_ROWS, x.rows)), compute.native.addon, compute.threads);
    return model.predict(params.tensors.map((t) => t.data), x);
  }
  const p = tfjsProjector(params);
  try {
    return predict(p, x);
  } finally {
    disposeTfjs(p);
  }
}
