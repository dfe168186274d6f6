// Retrieval metrics (MRR, R@1/5/10) under the two protocols: full-gallery cosine and batch100 dot.
//
// full:     every query (L2-normalised) against the whole gallery (L2-normalised), cosine scores;
//           query i's target is gallery row truth[i]. The original pipeline's validation metric.
// batch100: the challenge's released evaluation. Queries are taken in consecutive batches of 100
//           (the last may be shorter); a batch's gallery is the distinct ground-truth rows of its
//           queries (in order of first appearance), scores are raw dot products, and a query's
//           target is its own image's place in that gallery. On the test set every caption has its
//           own image, so the gallery is its 100 images; on validation with five captions per image,
//           listing an image five times would only push every rank in steps of five (R@1 = R@5).
//
// A rank is 1 + the number of gallery scores strictly greater than the target's score (ties go
// to the query, as in the reference `(sims > g).sum() + 1`). A NaN target score ranks last.
// Scores are float32 products on the Gemm the caller hands in, a block of queries at a time, so
// the full score matrix never exists; reciprocal ranks are summed in float64.
import type { Matrix } from "../core/matrix.js";
import type { Gemm } from "../kernels/gemm.js";
import { l2NormalizeRows } from "../linalg/normalize.js";

/** Which evaluation: whole-gallery cosine, or the challenge's batches of 100 with dot products. */
export type Protocol = "full" | "batch100";

/** Mean reciprocal rank and recall at 1, 5, 10 (fractions of queries whose target ranks ≤ k). */
export interface RetrievalMetrics {
  readonly mrr: number;
  readonly r1: number;
  readonly r5: number;
  readonly r10: number;
}

/** The eight metric keys every evaluating stage writes. */
export interface AllMetrics {
  readonly mrr_full: number;
  readonly r1_full: number;
  readonly r5_full: number;
  readonly r10_full: number;
  readonly mrr_batch100: number;
  readonly r1_batch100: number;
  readonly r5_batch100: number;
  readonly r10_batch100: number;
}

/** Queries per batch in the challenge's released evaluation. */
export const BATCH100 = 100;

/** Queries scored at once under `full`: bounds the score block to blockRows × gallery rows floats. */
const FULL_BLOCK_ROWS = 256;

function checkShapes(queries: Matrix, gallery: Matrix, truth: Int32Array): void {
  if (queries.cols !== gallery.cols) throw new Error(`retrieval: queries have ${queries.cols} columns, gallery ${gallery.cols}`);
  if (truth.length !== queries.rows) throw new Error(`retrieval: ${queries.rows} queries but ${truth.length} ground-truth indices`);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] as number;
    if (!(t >= 0 && t < gallery.rows)) throw new Error(`retrieval: truth[${i}] = ${t} is outside the gallery (0..${gallery.rows - 1})`);
  }
}

/** Rank of the target in one row of scores: 1 + the count of strictly greater scores; NaN → last. */
function rankInRow(scores: Float32Array, offset: number, n: number, target: number): number {
  const s = scores[offset + target] as number;
  if (Number.isNaN(s)) return n;
  let greater = 0;
  for (let j = 0; j < n; j++) if ((scores[offset + j] as number) > s) greater++;
  return 1 + greater;
}

/** The 1-based rank of every query's target under the protocol (see the file header). */
export function retrievalRanks(gemm: Gemm, queries: Matrix, gallery: Matrix, truth: Int32Array, protocol: Protocol): Int32Array {
  checkShapes(queries, gallery, truth);
  return protocol === "full" ? fullRanks(gemm, queries, gallery, truth) : batch100Ranks(gemm, queries, gallery, truth);
}

function fullRanks(gemm: Gemm, queries: Matrix, gallery: Matrix, truth: Int32Array): Int32Array {
  const q = l2NormalizeRows(queries);
  const d = q.cols;
  const ranks = new Int32Array(q.rows);
  const block = Math.min(FULL_BLOCK_ROWS, Math.max(1, q.rows));
  const n = gallery.rows;
  const product = gemm.against(l2NormalizeRows(gallery).data, n, d);
  const scores = new Float32Array(block * n);
  try {
    for (let i0 = 0; i0 < q.rows; i0 += block) {
      const m = Math.min(block, q.rows - i0);
      product.multiply(q.data.subarray(i0 * d, (i0 + m) * d), m, scores);
      for (let r = 0; r < m; r++) ranks[i0 + r] = rankInRow(scores, r * n, n, truth[i0 + r] as number);
    }
  } finally {
    product.dispose();
  }
  return ranks;
}

function batch100Ranks(gemm: Gemm, queries: Matrix, gallery: Matrix, truth: Int32Array): Int32Array {
  const d = queries.cols;
  const ranks = new Int32Array(queries.rows);
  const batchGallery = new Float32Array(BATCH100 * d);
  const scores = new Float32Array(BATCH100 * BATCH100);
  const target = new Int32Array(BATCH100);
  for (let i0 = 0; i0 < queries.rows; i0 += BATCH100) {
    const m = Math.min(BATCH100, queries.rows - i0);
    const place = new Map<number, number>();
    for (let r = 0; r < m; r++) {
      const t = truth[i0 + r] as number;
      let p = place.get(t);
      if (p === undefined) {
        p = place.size;
        place.set(t, p);
        batchGallery.set(gallery.data.subarray(t * d, (t + 1) * d), p * d);
      }
      target[r] = p;
    }
    const g = place.size;
    gemm.f32(false, true, m, g, d, queries.data.subarray(i0 * d, (i0 + m) * d), d, batchGallery, d, scores, g, false);
    for (let r = 0; r < m; r++) ranks[i0 + r] = rankInRow(scores, r * g, g, target[r] as number);
  }
  return ranks;
}

/** MRR (reciprocal ranks summed in float64) and R@1/5/10 of a vector of 1-based ranks. */
export function summarizeRanks(ranks: Int32Array): RetrievalMetrics {
  const n = ranks.length;
  if (n === 0) return { mrr: Number.NaN, r1: Number.NaN, r5: Number.NaN, r10: Number.NaN };
  let rr = 0, r1 = 0, r5 = 0, r10 = 0;
  for (let i = 0; i < n; i++) {
    const r = ranks[i] as number;
    rr += 1 / r;
    if (r <= 1) r1++;
    if (r <= 5) r5++;
    if (r <= 10) r10++;
  }
  return { mrr: rr / n, r1: r1 / n, r5: r5 / n, r10: r10 / n };
}

/**
 * MRR and R@1/5/10 of `queries` retrieving `gallery` rows, truth[i] being query i's gallery row,
 * under the given protocol (see the file header).
 */
export function retrievalMetrics(gemm: Gemm, queries: Matrix, gallery: Matrix, truth: Int32Array, protocol: Protocol): RetrievalMetrics {
  return summarizeRanks(retrievalRanks(gemm, queries, gallery, truth, protocol));
}

/** Both protocols, under the eight keys every evaluating stage reports. */
export function allMetrics(gemm: Gemm, queries: Matrix, gallery: Matrix, truth: Int32Array): AllMetrics {
  const full = retrievalMetrics(gemm, queries, gallery, truth, "full");
  const b = retrievalMetrics(gemm, queries, gallery, truth, "batch100");
  return {
    mrr_full: full.mrr, r1_full: full.r1, r5_full: full.r5, r10_full: full.r10,
    mrr_batch100: b.mrr, r1_batch100: b.r1, r5_batch100: b.r5, r10_batch100: b.r10,
  };
}
