// The threaded products of training (native and WebAssembly SIMD): exact against a float64 product, and training on 1 or 2 threads gives the same weights.
import { beforeAll, describe, expect, it } from "vitest";
import type { Matrix } from "../../../stages/lib/core/matrix.js";
import { Prng } from "../../../stages/lib/core/prng.js";
import { createProjector, disposeProjector, projectorTensors, type NamedTensor } from "../../../stages/lib/model/projector.js";
import { initBackend } from "../../../stages/lib/kernels/tf-backend.js";
import { NativeGemm } from "../../../stages/lib/kernels/native-gemm.js";
import { ThreadedGemm } from "../../../stages/lib/kernels/threaded-gemm.js";
import { trainProjector, type TrainOptions } from "../../../stages/lib/train/train-projector.js";

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

const GEMMS = { ThreadedGemm, NativeGemm } as const;

describe.each(Object.keys(GEMMS) as (keyof typeof GEMMS)[])("%s", (name) => {
  it("multiplies every transpose form and odd shape as float64 does, bit-identically on 1 and 3 threads", () => {
    const prng = new Prng(5, "gemm");
    const one = GEMMS[name].create(1);
    const three = GEMMS[name].create(3);
    if (one === undefined || three === undefined) throw new Error(`${name} is missing (WebAssembly SIMD, or the native kernels npm install builds)`);
    // 530 rows: three row tiles of 256, the last one partial and padded; 13 and 7: padded inner and outer sizes.
    // 100×200 by 200×150: big enough for the native kernels to split over threads, with partial tiles.
    for (const [m, k, n] of [[530, 13, 7], [9, 530, 5], [6, 40, 300], [100, 200, 150]] as const) {
      for (const aT of [false, true]) for (const bT of [false, true]) {
        const a = randomMatrix(prng, aT ? k : m, aT ? m : k);
        const b = randomMatrix(prng, bT ? n : k, bT ? k : n);
        const want = reference(a, aT, b, bT);
        const got = one.multiply({ ...a, transposed: aT }, { ...b, transposed: bT });
        expect([got.rows, got.cols]).toEqual([m, n]);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((got.data[i] as number) - (want[i] as number)) / Math.sqrt(k));
        expect(worst).toBeLessThan(1e-5);
        expect(three.multiply({ ...a, transposed: aT }, { ...b, transposed: bT }).data).toEqual(got.data);
      }
    }
  });
});

describe("trainProjector on threads", () => {
  beforeAll(async () => {
    const started = await initBackend("wasm");
    if (!started.ok) throw new Error(started.error.message);
  });

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

  function train(threads: number | undefined): { start: NamedTensor[]; weights: NamedTensor[]; losses: (number | null)[]; productThreads: number } {
    const p = createProjector({ head: "resmlp", hidden: 72, depth: 2, W, bias: new Float32Array(dOut), seed: 4 });
    const start = projectorTensors(p);
    const result = trainProjector(p, { x, targets, labels }, val, { ...options, threads });
    const weights = projectorTensors(p);
    disposeProjector(p);
    if (!result.ok) throw new Error(result.error.message);
    return { start, weights, losses: result.value.curve.map((e) => e.loss), productThreads: result.value.productThreads };
  }

  it("gives the same weights on 1 and 2 threads, and the tfjs products' weights to float32 rounding", () => {
    const one = train(1);
    const two = train(2);
    const tfjs = train(undefined);
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
