// The training loop in-process: determinism, flat memory, epoch-0 selection, early stopping, divergence.
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { allMetrics } from "../../../stages/lib/eval/metrics.js";
import type { Compute } from "../../../stages/lib/kernels/compute.js";
import { createProjector } from "../../../stages/lib/model/projector.js";
import { fitScaler, standardize } from "../../../stages/lib/linalg/standardize.js";
import { trainProjector, type TrainOptions, type TrainSet, type ValidationSet } from "../../../stages/lib/train/train-loop.js";
import { NATIVE, nativeCompute, tfjsCompute } from "../helpers/compute.js";
import { makeTinyData, TINY } from "../helpers/tiny-data.js";

const data = makeTinyData(11);
const trainLabels = data.trainIdx.map((i) => data.labels[i] as number);
const sx = fitScaler(data.captions, data.trainIdx);
const sy = fitScaler(data.images, trainLabels);
const train: TrainSet = { x: standardize(data.captions, sx, 8, data.trainIdx), targets: standardize(data.images, sy, 8), labels: trainLabels };
const val: ValidationSet = { queries: standardize(data.captions, sx, undefined, data.valIdx), gallery: standardize(data.images, sy), truth: data.valIdx.map((i) => data.labels[i] as number) };
/** A rough ridge-like start: least squares is not needed, any fixed map will do. */
const W = { rows: TINY.text, cols: TINY.image, data: Float32Array.from({ length: TINY.text * TINY.image }, (_, i) => Math.sin(i * 1.7) / 4) };
const bias = new Float32Array(TINY.image);

const options: TrainOptions = {
  epochs: 3, batchSize: 50, lr: 0.003, weightDecay: 0.005, warmupEpochs: 1, schedule: "cosine", gradClip: 1, dropout: 0.1,
  loss: { weights: { mse: 0.5, cosine: 0.5, infonce: 0.2 }, temperature: 0.1, direction: "symmetric" }, patience: 0, select: "mrr_full", seed: 9,
};

const PATHS: { name: string; make: () => Promise<Compute> }[] = [
  { name: "tfjs wasm", make: () => tfjsCompute("wasm") },
  ...(NATIVE ? [{ name: "native", make: async () => nativeCompute() }] : []),
];

async function run(compute: Compute, o: TrainOptions) {
  const p = createProjector({ head: "resmlp", hidden: 12, depth: 2, W, bias, seed: o.seed });
  const progress: number[] = [];
  const validations: number[] = [];
  const result = await trainProjector(compute, p, train, val, o, (q) => (q.validating ? validations.push(q.epoch) : progress.push(q.epoch * 100 + q.done)));
  const end = result.ok ? result.value.bestTensors : [];
  return { result, start: [...p.tensors], end, progress, validations };
}

for (const { name, make } of PATHS) describe(`trainProjector (${name})`, () => {

  it("is deterministic for a seed, keeps memory flat and reports every batch", async () => {
    const compute = await make();
    const before = tf.memory().numTensors;
    const a = await run(compute, options);
    expect(tf.memory().numTensors).toBe(before);
    const b = await run(compute, options);
    const c = await run(compute, { ...options, seed: 10 });
    if (!a.result.ok || !b.result.ok || !c.result.ok) throw new Error("training failed");
    expect(b.end).toEqual(a.end);
    expect(c.end).not.toEqual(a.end);
    expect(a.end).not.toEqual(a.start);
    const steps = Math.ceil(train.x.rows / options.batchSize);
    expect(a.progress.length).toBe(options.epochs * steps);
    expect(a.progress.at(-1)).toBe(options.epochs * 100 + steps);
    // Each epoch's validation is announced once its batches are done (the stage's bar counts it).
    expect(a.validations).toEqual(Array.from({ length: options.epochs }, (_, i) => i + 1));
    expect(a.result.value.curve.length).toBe(options.epochs + 1);
    expect(a.result.value.trainFlops).toBeGreaterThan(0);
  });

  it("scores epoch 0 as the starting map and keeps it when nothing beats it", async () => {
    const compute = await make();
    const { result, start, end } = await run(compute, { ...options, lr: 1e-12, patience: 2, epochs: 5 });
    if (!result.ok) throw new Error(result.error.message);
    const ridgeQueries = { rows: val.queries.rows, cols: TINY.image, data: new Float32Array(val.queries.rows * TINY.image) };
    for (let i = 0; i < val.queries.rows; i++) {
      for (let j = 0; j < TINY.image; j++) {
        let s = 0;
        for (let k = 0; k < TINY.text; k++) s += (val.queries.data[i * TINY.text + k] as number) * (W.data[k * TINY.image + j] as number);
        ridgeQueries.data[i * TINY.image + j] = s;
      }
    }
    const want = allMetrics(compute.gemm, ridgeQueries, val.gallery, val.truth);
    expect(result.value.curve[0]!.mrr_full).toBeCloseTo(want.mrr_full, 9);
    expect(result.value.bestEpoch).toBe(0);
    expect(result.value.epochsRun).toBe(2);
    expect(end).toEqual(start);
  });

  it("returns a failure naming the epoch when the loss stops being finite", async () => {
    const { result } = await run(await make(), { ...options, lr: 1e30, weightDecay: 0, gradClip: 0, schedule: "constant", warmupEpochs: 0, epochs: 4 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.reason).toBe("non-finite-loss");
      expect(result.error.message).toMatch(/^the training loss became (NaN|Infinity) at epoch \d, batch \d+\/\d+/);
    }
  });
});
