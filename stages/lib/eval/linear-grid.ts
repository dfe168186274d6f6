// Validation of a grid of linear maps (ridge alphas × gallery whitenings) from one ridge path, without forming each map.
//
// In the eigenbasis V of XᵀX and U of the image covariance, a validation prediction is
// ((Xv·Vᵀ) ⊙ s(α)) · (B·Uᵀ) ⊙ w(e) and the gallery G·Uᵀ: one product per α, a scaling per e; a
// rotation changes no dot product nor norm, so every metric equals that of the formed map W·M_e.
import type { Matrix } from "../core/matrix.js";
import type { Gemm } from "../kernels/gemm.js";
import { multiply, multiplyABt } from "../linalg/products.js";
import { shrinkage, whiteningScale, type EigenBasis, type RidgePath } from "../linalg/ridge-path.js";
import { retrievalMetrics, type Protocol } from "./metrics.js";

/** One point of the grid and its validation MRR under the selection protocol. */
export interface GridCandidate {
  /** Relative alpha: the ridge alpha over the mean eigenvalue of XᵀX. */
  readonly alpha: number;
  /** Whitening strength e; Infinity for none. */
  readonly whiten: number;
  readonly mrr: number;
  readonly r1: number;
}

function toF32(data: Float64Array): Float32Array {
  return Float32Array.from(data);
}

/**
 * Every (alpha, e) of the grid scored on validation queries `xv` (standardised captions) against
 * `gallery` (standardised images) with targets `truth`, in grid order (alphas outer).
 */
export function scoreGrid(
  gemm: Gemm,
  path: RidgePath,
  whitening: EigenBasis | undefined,
  xv: Matrix,
  gallery: Matrix,
  truth: Int32Array,
  grid: { readonly alphas: readonly number[]; readonly whiten: readonly number[] },
  protocol: Protocol,
  onProgress?: (done: number, total: number) => void,
): GridCandidate[] {
  const d = path.projected.rows, dOut = path.projected.cols;
  const p = multiplyABt(gemm, xv, { rows: d, cols: d, data: toF32(path.gram.vectors.data) });
  let b: Matrix = { rows: d, cols: dOut, data: toF32(path.projected.data) };
  let g = gallery;
  if (whitening !== undefined) {
    const u: Matrix = { rows: dOut, cols: dOut, data: toF32(whitening.vectors.data) };
    b = multiplyABt(gemm, b, u);
    g = multiplyABt(gemm, gallery, u);
  }
  const out: GridCandidate[] = [];
  const total = grid.alphas.length * grid.whiten.length;
  for (const alpha of grid.alphas) {
    const s = shrinkage(path, alpha * path.gram.mean);
    const scaled = new Float32Array(p.data.length);
    for (let r = 0; r < p.rows; r++) for (let j = 0; j < d; j++) scaled[r * d + j] = (p.data[r * d + j] as number) * (s[j] as number);
    const q = multiply(gemm, { rows: p.rows, cols: d, data: scaled }, b);
    for (const e of grid.whiten) {
      if (e !== Infinity && whitening === undefined) throw new Error("scoreGrid: a whitening strength without a whitening basis");
      const w = whitening === undefined ? undefined : whiteningScale(whitening, e);
      const qe = new Float32Array(q.data.length);
      for (let r = 0; r < q.rows; r++) for (let j = 0; j < dOut; j++) qe[r * dOut + j] = (q.data[r * dOut + j] as number) * (w === undefined ? 1 : (w[j] as number));
      const m = retrievalMetrics(gemm, { rows: q.rows, cols: dOut, data: qe }, g, truth, protocol);
      out.push({ alpha, whiten: e, mrr: m.mrr, r1: m.r1 });
      onProgress?.(out.length, total);
    }
  }
  return out;
}

/** The best candidate by MRR; the first in grid order among equals (so list the plainest first). */
export function bestCandidate(candidates: readonly GridCandidate[]): GridCandidate | undefined {
  let best: GridCandidate | undefined;
  for (const c of candidates) if (best === undefined || c.mrr > best.mrr) best = c;
  return best;
}
