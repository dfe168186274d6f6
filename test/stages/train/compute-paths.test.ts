// The two compute paths: every product form of each Gemm exact against a float64 product (the native
// one bit-identical on 1 and 3 threads), and training on the native kernels on 1 or 2 threads gives
// the same weights, and tfjs's the same to float32 rounding.
import { describe, expect, it } from "vitest";
import type { Matrix } from "../../../stages/lib/core/matrix.js";
import { Prng } from "../../../stages/lib/core/prng.js";
import type { Compute } from "../../../stages/lib/kernels/compute.js";
import type { Gemm } from "../../../stages/lib/kernels/gemm.js";
import { createProjector, type NamedTensor } from "../../../stages/lib/model/projector.js";
import { trainProjector, type TrainOptions } from "../../../stages/lib/train/train-loop.js";
import { NATIVE, nativeCompute, tfjsCompute } from "../helpers/compute.js";

function randomMatrix(prng: Prng, rows: number, cols: number): Matrix {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = prng.normal();
  return { rows, cols, data };
}

/** op(A)·op(B) in float64, op = transpose where asked. */
function reference(a: Matrix, aT: boolean, b: Matrix, bT: boolean): Float64Array {
  const m = aT ? a.cols : a.rows, k = aT ? a.rows : a.cols, n = bT ? b.rows : b.cols;
  const at = (x: Matrix, t: boolean, i: number, j: number): number => (t ? (x.data[j * x.cols + i] as number) : (x.data[i * x.cols + j] as number));
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let q = 0; q < k; q++) s += at(a, aT, i, q) * at(b, bT, q, j);
    out[i * n + j] = s;
  }
  return out;
}

/** op(A)·op(B) on a Gemm, as a new matrix. */
function multiply(gemm: Gemm, a: Matrix, aT: boolean, b: Matrix, bT: boolean): Matrix {
  const m = aT ? a.cols : a.rows, k = aT ? a.rows : a.cols, n = bT ? b.rows : b.cols;
  const out = new Float32Array(m * n);
  gemm.f32(aT, bT, m, n, k, a.data, a.cols, b.data, b.cols, out, n, false);
  return { rows: m, cols: n, data: out };
}

const GEMMS: { name: string; make: (threads: number) => Promise<Gemm> }[] = [
  ...(NATIVE ? [{ name: "native", make: async (threads: number) => nativeCompute(threads).gemm }] : []),
  { name: "tfjs wasm", make: async () => (await tfjsCompute("wasm")).gemm },
];

describe.each(GEMMS)("$name", ({ make }) => {
  it("multiplies every transpose form and odd shape as float64 does, bit-identically on 1 and 3 threads", async () => {
    const prng = new Prng(5, "gemm");
    const one = await make(1);
    const three = await make(3);
    // 530 rows: three row tiles of 256, the last one partial and padded; 13 and 7: padded inner and outer sizes.
    // 100×200 by 200×150: big enough for the native kernels to split over threads, with partial tiles.
    for (const [m, k, n] of [[530, 13, 7], [9, 530, 5], [6, 40, 300], [100, 200, 150]] as const) {
      for (const aT of [false, true]) for (const bT of [false, true]) {
        const a = randomMatrix(prng, aT ? k : m, aT ? m : k);
        const b = randomMatrix(prng, bT ? n : k, bT ? k : n);
        const want = reference(a, aT, b, bT);
        const got = multiply(one, a, aT, b, bT);
        expect([got.rows, got.cols]).toEqual([m, n]);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((got.data[i] as number) - (want[i] as number)) / Math.sqrt(k));
        expect(worst).toBeLessThan(1e-5);
        expect(multiply(three, a, aT, b, bT).data).toEqual(got.data);
      }
    }
  });
});

describe.skipIf(!NATIVE)("trainProjector on each path", () => {
  // 1,100 training rows in batches of 550: every product has several 256-row tiles to share out.
  const prng = new Prng(8, "threads");
  const dIn = 40, dOut = 56, images = 300;
  const targets = randomMatrix(prng, images, dOut);
  const labels = Int32Array.from({ length: 1100 }, (_, i) => i % images);
  const mix = randomMatrix(prng, dOut, dIn);
  const x = { rows: labels.length, cols: dIn, data: new Float32Array(labels.length * dIn) };
  for (let r = 0; r < labels.length; r++) {
    for (let j = 0; j < dIn; j++) {
      let s = 0.5 * prng.normal();
      for (let q = 0; q < dOut; q++) s += ((targets.data[(labels[r] as number) * dOut + q] as number) * (mix.data[q * dIn + j] as number)) / Math.sqrt(dOut);
      x.data[r * dIn + j] = s;
    }
  }
  const W = randomMatrix(prng, dIn, dOut);
  for (let i = 0; i < W.data.length; i++) W.data[i] = (W.data[i] as number) * 0.1;
  const val = { queries: { rows: 100, cols: dIn, data: x.data.slice(0, 100 * dIn) }, gallery: targets, truth: labels.slice(0, 100) };
  const options: TrainOptions = {
    epochs: 2, batchSize: 550, lr: 0.003, weightDecay: 0.005, warmupEpochs: 0, schedule: "constant", gradClip: 1, dropout: 0.1,
    loss: { weights: { mse: 0.5, cosine: 0.5, infonce: 0.5 }, temperature: 0.1, direction: "symmetric" }, patience: 0, select: "mrr_full", seed: 4,
  };

  async function train(compute: Compute): Promise<{ start: readonly NamedTensor[]; weights: NamedTensor[]; losses: (number | null)[]; productThreads: number }> {
    const p = createProjector({ head: "resmlp", hidden: 72, depth: 2, W, bias: new Float32Array(dOut), seed: 4 });
    const result = await trainProjector(compute, p, { x, targets, labels }, val, options);
    if (!result.ok) throw new Error(result.error.message);
    return { start: p.tensors, weights: result.value.bestTensors, losses: result.value.curve.map((e) => e.loss), productThreads: result.value.productThreads };
  }

  it("gives the same weights on 1 and 2 threads, and tfjs's weights to float32 rounding", async () => {
    const one = await train(nativeCompute(1));
    const two = await train(nativeCompute(2));
    const tfjs = await train(await tfjsCompute("wasm"));
    expect(one.productThreads).toBe(1);
    expect(two.productThreads).toBe(2);
    expect(tfjs.productThreads).toBe(0);
    expect(one.weights.length).toBe(14);
    expect(one.weights).not.toEqual(one.start);
    expect(two.losses).toEqual(one.losses);
    for (let t = 0; t < one.weights.length; t++) {
      const a = one.weights[t] as NamedTensor, b = two.weights[t] as NamedTensor, c = tfjs.weights[t] as NamedTensor;
      expect(b.name).toBe(a.name);
      for (let i = 0; i < a.data.length; i++) {
        expect(Math.abs((a.data[i] as number) - (b.data[i] as number))).toBeLessThanOrEqual(1e-5);
        expect(Math.abs((a.data[i] as number) - (c.data[i] as number))).toBeLessThanOrEqual(1e-3);
      }
    }
  });
});
